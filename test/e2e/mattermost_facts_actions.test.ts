// Pins, against the real server, the Mattermost behaviours conversation actions rely on (DESIGN §10),
// beside mattermost_facts.test.ts: interactive-message actions (server/channels/app/integration_action.go,
// api4/integration_action.go, api4/post.go's StripActionIntegrations) and custom slash commands
// (app/command.go, the form it POSTs).
//
//   cd test && node --import tsx --test e2e/mattermost_facts_actions.test.ts
import {describe, it, before} from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type {Post} from '@mattermost/types/posts';
import {realMattermostSuite} from './support/suite.js';
import {expectClientError, startReceiver, waitFor, type Receiver} from './support/util.js';

type WsEvent = {event?: string; data?: Record<string, unknown>};

interface Action {
    id?: string;
    name?: string;
    type?: string;
    data_source?: string;
    integration?: {url?: string; context?: Record<string, unknown>};
}

const actionsOf = (post: Post): Action[] => ((post.props as {attachments?: Array<{actions?: Action[]}>}).attachments?.[0]?.actions) ?? [];

describe('Mattermost facts: interactive actions and slash commands (real server)', {timeout: 45 * 60_000}, () => {
    let receiver: Receiver;
    let root: Post;
    const context = {licence: 'L-FACTS', conversation_id: 'c-1', action: 'claim', sig: 'signed-by-the-bridge'};
    const suite = realMattermostSuite('mattermost_facts_actions.test.ts', {closeFirst: async () => receiver?.close()});

    before(async () => {
        receiver = await startReceiver('/actions');
        root = await suite.mm.bot.client.createPost({
            channel_id: suite.mm.channels.public.id,
            message: 'a card with buttons',
            props: {attachments: [{fallback: 'Actions', actions: [
                {id: 'claim', name: 'Claim', type: 'button', integration: {url: receiver.url, context}},
                {id: 'assign', name: 'Assign…', type: 'select', data_source: 'users', integration: {url: receiver.url, context: {...context, action: 'assign'}}},
            ]}]},
        } as unknown as Post);
    });

    const lastAction = () => receiver.received.filter((request) => request.path.startsWith('/actions')).at(-1);

    it('the action ids a post is made with are kept, and the server strips `integration` (URL and context) from what clients read', async () => {
        const seenByAgent = await suite.mm.agents.agent1.client.getPost(root.id);
        assert.deepEqual(actionsOf(seenByAgent).map((action) => action.id), ['claim', 'assign']);
        for (const action of actionsOf(seenByAgent)) {
            assert.equal(action.integration, undefined, 'no integration for clients');
        }
        // The author (the bot) does not get it back either: a patch must rebuild the buttons whole.
        const seenByBot = await suite.mm.bot.client.getPost(root.id);
        assert.equal(actionsOf(seenByBot)[0]!.integration, undefined);
    });

    it('a click (POST /api/v4/posts/{id}/actions/{action_id}) sends the integration JSON: who, where, the context as saved', async () => {
        receiver.respond = () => ({status: 200, body: JSON.stringify({ephemeral_text: 'Asked i-Reserve'}), contentType: 'application/json'});
        const before = receiver.received.length;
        await suite.mm.agents.agent1.client.doPostAction(root.id, 'claim');
        const request = await waitFor('the action request', () => (receiver.received.length > before ? lastAction() : undefined));
        assert.equal(request.method, 'POST');
        assert.match(request.contentType, /^application\/json/);
        const body = JSON.parse(request.body) as Record<string, unknown>;
        assert.equal(body.user_id, suite.mm.agents.agent1.id);
        assert.equal(body.user_name, suite.mm.agents.agent1.username);
        assert.equal(body.post_id, root.id);
        assert.equal(body.channel_id, suite.mm.channels.public.id);
        assert.equal(body.team_id, suite.mm.team.id);
        assert.equal(body.type, 'button');
        assert.deepEqual(body.context, context, 'the context exactly as saved, nothing added for a button');
        assert.equal('selected_option' in body, false);
        assert.equal(request.headers['webhook-signature'], undefined, 'Mattermost does not sign action requests');
    });

    it('a users select sends the chosen user id as context.selected_option, with type select and data_source users', async () => {
        const before = receiver.received.length;
        await suite.mm.agents.agent1.client.doPostAction(root.id, 'assign', suite.mm.agents.agent2.id);
        const request = await waitFor('the select request', () => (receiver.received.length > before ? lastAction() : undefined));
        const body = JSON.parse(request.body) as {type: string; data_source: string; context: Record<string, unknown>};
        assert.equal(body.type, 'select');
        assert.equal(body.data_source, 'users');
        assert.deepEqual(body.context, {...context, action: 'assign', selected_option: suite.mm.agents.agent2.id});
    });

    it('ephemeral_text of a 200 answer reaches only the clicker, over the WebSocket, in the post\'s thread', async () => {
        receiver.respond = () => ({status: 200, body: JSON.stringify({ephemeral_text: 'Only you can see this'}), contentType: 'application/json'});
        const ws = new WebSocket(`${suite.mm.url.replace(/^http/, 'ws')}/api/v4/websocket`, {headers: {Authorization: `Bearer ${suite.mm.agents.agent1.token}`}});
        const events: WsEvent[] = [];
        ws.on('message', (raw) => events.push(JSON.parse(raw.toString()) as WsEvent));
        ws.on('error', () => undefined);
        try {
            await waitFor('hello', () => events.find((event) => event.event === 'hello'));
            await suite.mm.agents.agent1.client.doPostAction(root.id, 'claim');
            const event = await waitFor('the ephemeral message', () => events.find((entry) => entry.event === 'ephemeral_message'));
            const post = JSON.parse(String(event.data?.post)) as Post;
            assert.equal(post.message, 'Only you can see this');
            assert.equal(post.root_id, root.id);
            assert.equal(post.user_id, suite.mm.agents.agent1.id);
            // Not stored: the channel has no such post.
            const since = await suite.mm.agents.agent1.client.getPostsSince(suite.mm.channels.public.id, root.create_at);
            assert.equal(Object.values(since.posts).some((entry) => entry.message === 'Only you can see this'), false);
        } finally {
            ws.close();
        }
    });

    it('any answer but 200 fails the click for the client (400 action_integration) and shows no text', async () => {
        receiver.respond = () => ({status: 401, body: JSON.stringify({ephemeral_text: 'never shown'}), contentType: 'application/json'});
        await expectClientError(suite.mm.agents.agent1.client.doPostAction(root.id, 'claim'), 400, 'api.post.do_action.action_integration.app_error');
        receiver.respond = () => ({status: 200, body: '{}', contentType: 'application/json'});
    });

    it('a team member who is not in the (public) channel cannot click: 403 read_channel_content, nothing forwarded', async () => {
        const outsider = await suite.mm.admin.client.createUser({username: `olaf-${suite.mm.suffix}`, email: `olaf-${suite.mm.suffix}@example.com`, password: 'Olaf-pass-1234!'} as never, '', '');
        await suite.mm.admin.client.addToTeam(suite.mm.team.id, outsider.id);
        const {clientFor} = await import('./harness/index.js');
        const login = clientFor(suite.mm.url);
        await login.login(`olaf-${suite.mm.suffix}`, 'Olaf-pass-1234!');
        const before = receiver.received.length;
        await expectClientError(login.doPostAction(root.id, 'claim'), 403, 'api.context.permissions.app_error');
        assert.equal(receiver.received.length, before);
        // The `assign` select takes any user id, members or not: the integration must check the assignee.
        await suite.mm.agents.agent1.client.doPostAction(root.id, 'assign', outsider.id);
        const request = await waitFor('the select request', () => (receiver.received.length > before ? lastAction() : undefined));
        assert.equal((JSON.parse(request.body) as {context: {selected_option: string}}).context.selected_option, outsider.id);
    });

    it('only action ids of letters and digits are routed (`do-it` → 404)', async () => {
        const response = await fetch(`${suite.mm.url}/api/v4/posts/${root.id}/actions/do-it`, {method: 'POST', headers: {Authorization: `Bearer ${suite.mm.agents.agent1.token}`, 'Content-Type': 'application/json'}, body: '{}'});
        assert.equal(response.status, 404);
    });

    it('a custom slash command typed in a thread is POSTed form-encoded with root_id (empty outside a thread); an ephemeral answer comes back to the client', async () => {
        const commands = await startReceiver('/command');
        try {
            commands.respond = () => ({status: 200, body: JSON.stringify({response_type: 'ephemeral', text: 'Here is the list'}), contentType: 'application/json'});
            const command = await suite.mm.admin.client.addCommand({
                team_id: suite.mm.team.id, trigger: `irsv${suite.mm.suffix}`, method: 'P', url: commands.url, display_name: 'i-Reserve', description: 'facts',
                auto_complete: true, auto_complete_desc: 'claim, assign @user, close', auto_complete_hint: '[claim|assign @user|close]', username: '', icon_url: '',
            } as never);
            assert.match(command.token, /^[a-z0-9]{26}$/);
            const inThread = await suite.mm.agents.agent1.client.executeCommand(`/irsv${suite.mm.suffix} assign @${suite.mm.agents.agent2.username}`,
                {channel_id: suite.mm.channels.public.id, team_id: suite.mm.team.id, root_id: root.id} as never) as unknown as {response_type?: string; text?: string};
            const first = await waitFor('the command request', () => commands.received[0]);
            assert.match(first.contentType, /^application\/x-www-form-urlencoded/);
            const form = Object.fromEntries(new URLSearchParams(first.body));
            assert.equal(form.token, command.token);
            assert.equal(form.command, `/irsv${suite.mm.suffix}`);
            assert.equal(form.text, `assign @${suite.mm.agents.agent2.username}`);
            assert.equal(form.user_id, suite.mm.agents.agent1.id);
            assert.equal(form.user_name, suite.mm.agents.agent1.username);
            assert.equal(form.channel_id, suite.mm.channels.public.id);
            assert.equal(form.team_id, suite.mm.team.id);
            assert.equal(form.root_id, root.id, 'the thread the command was typed in');
            assert.equal(inThread.response_type, 'ephemeral');
            assert.equal(inThread.text, 'Here is the list');

            await suite.mm.agents.agent1.client.executeCommand(`/irsv${suite.mm.suffix} open`, {channel_id: suite.mm.channels.public.id, team_id: suite.mm.team.id} as never);
            const second = await waitFor('the second command request', () => commands.received[1]);
            const outside = Object.fromEntries(new URLSearchParams(second.body));
            assert.equal(outside.root_id, '', 'outside a thread: present but empty');
            assert.equal(outside.text, 'open');
        } finally {
            await commands.close();
        }
    });
});
