// Outgoing-webhook mode loses no reply across a bridge restart, against a real Mattermost: the
// bridge is stopped, agents reply through the REST API (Mattermost's webhook calls fail and are
// never retried), the bridge starts again and reads the channel back over REST
// (server-bridge/src/inbound/catch_up.ts): the i-Reserve stand-in receives each reply once, in
// order, the note stays internal, and a live reply after the restart comes after them.
//
//   cd test && node --import tsx --test e2e/webhook_catch_up.test.ts
//   E2E_BRIDGE_ENGINES=sqlite …   only the SQLite run
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import type {Post} from '@mattermost/types/posts';
import {BRIDGE_ENGINES, BridgeClient, logTail, startBridge, type RunningBridge} from './support/bridge.js';
import {conversationRoot, createIntegration, realMattermostSuite} from './support/suite.js';
import {waitFor} from './support/util.js';

const WEBHOOK_PATH = '/api/v1/mattermost/outgoing-webhook';

describe('webhook catch-up against a real Mattermost', {timeout: 20 * 60_000}, () => {
    const suite = realMattermostSuite('webhook_catch_up.test.ts', {ireserve: true});

    /**
     * A new channel with the bot and both agents in it, an outgoing webhook calling `bridge`, and an
     * integration of `licence` relaying every reply there back to its i-Reserve stand-in endpoint.
     */
    async function webhookChannel(bridge: RunningBridge, licence: string, name: string, displayName: string) {
        const {mm} = suite;
        const api = new BridgeClient(bridge.url, licence);
        const endpoint = suite.endpoint(licence);
        const channel = await mm.admin.client.createChannel({team_id: mm.team.id, name: `${name}-${mm.suffix}`, display_name: displayName, type: 'O'});
        for (const user of [mm.bot.id, mm.agents.agent1.id, mm.agents.agent2.id]) {
            await mm.admin.client.addToChannel(user, channel.id);
        }
        const hook = await mm.createOutgoingWebhook(`${bridge.url}${WEBHOOK_PATH}`, {channelId: channel.id});
        await createIntegration(api, {
            mattermost: {server_url: mm.url, bot_token: mm.bot.token, outgoing_webhook_token: hook.token},
            channel_id: channel.id, relay_mode: 'all_replies', inbound_mode: 'outgoing_webhook',
            ireserve: {callback_url: endpoint.url}, active: true,
        }, endpoint);
        return {api, endpoint, channel, hook};
    }

    /** Waits (bounded) until `fn` answers, failing with the tail of `bridge`'s log. */
    const settle = <T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, bridge: RunningBridge): Promise<T> =>
        waitFor(what, fn, 120_000).catch(async (err: Error) => {
            throw new Error(`${err.message}\n  bridge log:\n${logTail(bridge)}`);
        });

    for (const engine of BRIDGE_ENGINES) {
        it(`on ${engine}: bridge stopped while agents reply in two conversations → after the restart each reply reaches i-Reserve once, in order`, async () => {
            const dir = mkdtempSync(path.join(tmpdir(), 'e2e-catch-up-'));
            const licence = `L-CATCH-${engine}-${randomBytes(2).toString('hex')}`;
            let first: RunningBridge | undefined;
            let second: RunningBridge | undefined;
            try {
                const {mm} = suite;
                first = await startBridge({engine, dir});
                const {databaseUrl} = first;
                const {api, endpoint, channel, hook} = await webhookChannel(first, licence, `catch-up-${engine}`, `Catch-up ${engine}`);

                // Two conversations, their roots made by the bridge.
                const roots: Record<string, string> = {};
                for (const conversation of ['x', 'y']) {
                    const started = await api.sendEvent('conversation.started', {conversation_id: `${licence}-${conversation}`, visitor: {name: `Visitor ${conversation}`}, page_url: 'https://park.example.com/'});
                    assert.equal(started.status, 202, started.text);
                    roots[conversation] = await settle(`the root of ${conversation}`, async () => (await conversationRoot(mm.admin.client, channel.id, `${licence}-${conversation}`))?.id, first);
                }
                const {agent1, agent2} = mm.agents;
                const reply = (who: typeof agent1, conversation: string, message: string, props?: Record<string, unknown>): Promise<Post> =>
                    who.client.createPost({channel_id: channel.id, root_id: roots[conversation]!, message, ...(props ? {props} : {})} as Partial<Post> as Post);
                const replyIds = (conversation: string): string[] => endpoint.delivered()
                    .map((call) => (call.json as {data: {conversation_id: string; reply_id: string}}).data)
                    .filter((data) => data.conversation_id === `${licence}-${conversation}`).map((data) => data.reply_id);

                const live = await reply(agent1, 'x', 'While the bridge runs');
                await settle('the live reply', () => endpoint.delivered().length === 1, first);
                await first.close();
                first = undefined;

                // The bridge is down: Mattermost's calls for these fail and are never repeated.
                const x1 = await reply(agent1, 'x', 'X1 while down');
                const y1 = await reply(agent2, 'y', 'Y1 while down');
                const note = await reply(agent1, 'x', 'internal: check the invoice', {ireserve_reply: {mode: 'note'}});
                const x2 = await reply(agent2, 'x', 'X2 while down');
                const y2 = await reply(agent1, 'y', 'Y2 while down');
                await mm.agents.agent1.client.createPost({channel_id: channel.id, message: 'channel chatter, not a reply'});

                second = await startBridge({engine, dir, databaseUrl});
                const restarted = second;
                await settle('the four replies made while the bridge was down', () => endpoint.delivered().length === 5, restarted);
                assert.deepEqual(replyIds('x'), [live.id, x1.id, x2.id], 'conversation x in order');
                assert.deepEqual(replyIds('y'), [y1.id, y2.id], 'conversation y in order');
                assert.equal(endpoint.calls().length, 5, 'each reply once');
                assert.ok(endpoint.calls().every((call) => call.verified), 'signed with the integration\'s secret');

                // The hook now points at the restarted bridge: a live reply comes after the caught-up ones.
                await mm.admin.client.updateOutgoingWebhook({...hook, callback_urls: [`${restarted.url}${WEBHOOK_PATH}`]});
                const after = await reply(agent1, 'x', 'After the restart');
                await settle('the reply after the restart', () => endpoint.delivered().length === 6, restarted);
                assert.deepEqual(replyIds('x'), [live.id, x1.id, x2.id, after.id]);
                assert.equal(endpoint.calls().length, 6, 'each reply once');
                await settle('✅ on the caught-up replies', async () => {
                    for (const post of [x1, x2, y1, y2]) {
                        const reactions = await mm.admin.client.getReactionsForPost(post.id);
                        if (!(reactions ?? []).some((r) => r.user_id === mm.bot.id && r.emoji_name === 'white_check_mark')) {
                            return false;
                        }
                    }
                    return true;
                }, restarted);
                assert.deepEqual(await mm.admin.client.getReactionsForPost(note.id) ?? [], [], 'the note stays internal');
                const metrics = await (await fetch(`${restarted.url}/metrics`)).text();
                assert.match(metrics, new RegExp(`ireserve_bridge_inbound_caught_up_total\\{licence="${licence}"\\} 4`));
            } finally {
                await first?.close();
                await second?.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });
    }

    it(`on ${BRIDGE_ENGINES[0]}: a busy channel while the bridge is down (more posts than Mattermost's ?since= answers) → read forward with ?after=, each reply once, in order`, async () => {
        const engine = BRIDGE_ENGINES[0]!;
        const dir = mkdtempSync(path.join(tmpdir(), 'e2e-catch-up-busy-'));
        const licence = `L-BUSY-${engine}-${randomBytes(2).toString('hex')}`;
        let first: RunningBridge | undefined;
        let second: RunningBridge | undefined;
        try {
            const {mm} = suite;
            first = await startBridge({engine, dir});
            const {databaseUrl} = first;
            const {api, endpoint, channel} = await webhookChannel(first, licence, 'catch-up-busy', 'Catch-up busy');
            const conversationId = `${licence}-x`;
            const started = await api.sendEvent('conversation.started', {conversation_id: conversationId, visitor: {name: 'Visitor x'}, page_url: 'https://park.example.com/'});
            assert.equal(started.status, 202, started.text);
            const rootId = await settle('the root', async () => (await conversationRoot(mm.admin.client, channel.id, conversationId))?.id, first);
            const {agent1, agent2} = mm.agents;
            const reply = (who: typeof agent1, message: string): Promise<Post> =>
                who.client.createPost({channel_id: channel.id, root_id: rootId, message} as Partial<Post> as Post);
            const live = await reply(agent1, 'While the bridge runs');
            await settle('the live reply', () => endpoint.delivered().length === 1, first);
            await first.close();
            first = undefined;

            // While the bridge is down: a reply, 1,100 posts of chatter (8 at a time), a reply.
            const oldest = await reply(agent1, 'Oldest while down');
            let made = 0;
            await Promise.all(Array.from({length: 8}, async () => {
                while (made < 1100) {
                    made += 1;
                    await agent2.client.createPost({channel_id: channel.id, message: `chatter ${made}`} as Partial<Post> as Post);
                }
            }));
            const newest = await reply(agent2, 'Newest while down');

            second = await startBridge({engine, dir, databaseUrl});
            const restarted = second;
            await settle('the two replies made while the bridge was down', () => endpoint.delivered().length === 3, restarted);
            const ids = endpoint.delivered().map((call) => (call.json as {data: {reply_id: string}}).data.reply_id);
            assert.deepEqual(ids, [live.id, oldest.id, newest.id], 'in order');
            assert.equal(endpoint.calls().length, 3, 'each reply once');
        } finally {
            await first?.close();
            await second?.close();
            rmSync(dir, {recursive: true, force: true});
        }
    });
});
