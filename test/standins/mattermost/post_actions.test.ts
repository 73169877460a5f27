import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, beforeEach, describe, it} from 'node:test';

import {WebSocket} from 'ws';

import {pollUntil, type MattermostStandIn, type Seed} from './index.js';
import {clientFor, draft, rejectsWith, startSeeded, type Client} from './test_helpers.js';

/** The integration behind the buttons: records each request, answers what `answer` says. */
class Integration {
    readonly received: Array<Record<string, unknown>> = [];
    answer: (body: Record<string, unknown>) => {status: number; body: string} = () => ({status: 200, body: '{}'});
    private server!: Server;
    url = '';

    async start(): Promise<void> {
        this.server = createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => {
                const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
                this.received.push(body);
                const {status, body: out} = this.answer(body);
                res.writeHead(status, {'Content-Type': 'application/json'}).end(out);
            });
        });
        await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/actions`;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}

describe('Mattermost stand-in: interactive message actions', {timeout: 60_000}, () => {
    let standIn: MattermostStandIn;
    let seed: Seed;
    let bot: Client;
    let anna: Client;
    const integration = new Integration();

    before(async () => {
        ({standIn, seed} = await startSeeded());
        bot = clientFor(standIn.url, seed.bot.token);
        anna = clientFor(standIn.url, seed.agent.token);
        await integration.start();
    });
    beforeEach(() => {
        integration.received.length = 0;
        integration.answer = () => ({status: 200, body: '{}'});
    });
    after(async () => {
        await standIn.close();
        await integration.stop();
    });

    async function rootWithButtons(): Promise<{id: string}> {
        return bot.createPost(draft({
            channel_id: seed.channel.id,
            type: 'custom_irsv_conversation',
            message: 'Web chat with Lotte',
            props: {
                ireserve: {v: 1, status: 'open'},
                attachments: [{text: 'Actions', actions: [
                    {id: 'claim', type: 'button', name: 'Claim', integration: {url: integration.url, context: {secret: 's3cret', action: 'claim'}}},
                    {id: 'assign', type: 'select', name: 'Assign…', data_source: 'users', integration: {url: integration.url, context: {action: 'assign'}}},
                    {type: 'button', name: 'No id', integration: {url: integration.url, context: {}}},
                ]}],
            },
        }));
    }

    it('generates missing action ids and never shows clients the integration', async () => {
        const root = await rootWithButtons();
        const seen = await anna.getPost(root.id);
        const actions = (seen.props.attachments as Array<{actions: Array<Record<string, unknown>>}>)[0]!.actions;
        assert.deepEqual(actions.map((a) => a.id).slice(0, 2), ['claim', 'assign']);
        assert.match(String(actions[2]!.id), /^[a-z0-9]{26}$/);
        assert.ok(actions.every((a) => a.integration === undefined), 'integration stripped');
        const stored = standIn.allPosts().find((p) => p.id === root.id)!;
        const storedActions = (stored.props.attachments as Array<{actions: Array<Record<string, unknown>>}>)[0]!.actions;
        assert.ok(storedActions.every((a) => a.integration !== undefined), 'kept on the server');
    });

    it('forwards a click to the integration and applies its update and ephemeral text', async () => {
        const root = await rootWithButtons();
        const socket = new WebSocket(standIn.wsUrl, {headers: {Authorization: `Bearer ${seed.agent.token}`}});
        const events: Array<{event?: string; data?: Record<string, string>}> = [];
        socket.on('message', (raw) => events.push(JSON.parse(raw.toString()) as {event?: string}));
        await new Promise((resolve) => socket.once('open', resolve));
        integration.answer = () => ({status: 200, body: JSON.stringify({
            update: {message: 'Claimed', props: {ireserve: {v: 1, status: 'open', assignee: {name: 'Anna Agent'}}}},
            ephemeral_text: 'Queued: <https://example.com|i-Reserve> will confirm.',
        })});

        const answer = await anna.doPostAction(root.id, 'claim') as unknown as {status: string; trigger_id: string};
        assert.equal(answer.status, 'OK');
        assert.ok(answer.trigger_id);

        const request = integration.received[0]!;
        assert.equal(request.user_id, seed.agent.user.id);
        assert.equal(request.user_name, 'anna');
        assert.equal(request.post_id, root.id);
        assert.equal(request.channel_id, seed.channel.id);
        assert.equal(request.team_domain, seed.team.name);
        assert.equal(request.type, 'button');
        assert.deepEqual(request.context, {secret: 's3cret', action: 'claim'});

        const updated = await anna.getPost(root.id);
        assert.equal(updated.message, 'Claimed');
        assert.deepEqual(updated.props.ireserve, {v: 1, status: 'open', assignee: {name: 'Anna Agent'}});
        assert.equal(updated.props.from_bot, 'true', 'identity props kept');

        const ephemeral = await pollUntil(() => events.find((e) => e.event === 'ephemeral_message') ?? null, {what: 'ephemeral_message'});
        const post = JSON.parse(ephemeral.data!.post!) as Record<string, unknown>;
        assert.equal(post.type, 'system_ephemeral');
        assert.equal(post.root_id, root.id);
        assert.equal(post.user_id, seed.agent.user.id);
        assert.equal(post.message, 'Queued: [i-Reserve](https://example.com) will confirm.');
        assert.ok(events.some((e) => e.event === 'post_edited'));
        socket.close();
    });

    it('puts the selected option into the context for a menu', async () => {
        const root = await rootWithButtons();
        await anna.doPostAction(root.id, 'assign', seed.agent2.user.id);
        const request = integration.received[0]!;
        assert.equal(request.type, 'select');
        assert.equal(request.data_source, 'users');
        assert.deepEqual(request.context, {action: 'assign', selected_option: seed.agent2.user.id});
    });

    it('answers the clicker 400 when the integration fails, 404 for an unknown action, 403 without access', async () => {
        const root = await rootWithButtons();
        integration.answer = () => ({status: 500, body: '{}'});
        await rejectsWith(anna.doPostAction(root.id, 'claim'), 400, 'api.post.do_action.action_integration.app_error');
        await rejectsWith(anna.doPostAction(root.id, 'unknown'), 404, 'api.post.do_action.action_id.app_error');
        await rejectsWith(anna.doPostAction(root.id, 'not-letters'), 404, 'api.context.404.app_error');

        const outsider = standIn.createUser({username: 'olga', email: 'olga@example.com', password: 'Olga-pass-1'});
        const olga = clientFor(standIn.url, standIn.createToken(outsider.id).token);
        await rejectsWith(olga.doPostAction(root.id, 'claim'), 403, 'api.context.permissions.app_error');

        standIn.setConfig({allowedUntrustedInternalConnections: []});
        try {
            await rejectsWith(anna.doPostAction(root.id, 'claim'), 400, 'api.post.do_action.action_integration.app_error');
        } finally {
            standIn.setConfig({allowedUntrustedInternalConnections: null});
        }
        assert.equal(integration.received.length, 1, 'only the first click reached the integration');
    });
});
