// Conversation actions against a real Mattermost server (DESIGN §10): a real bridge (in this
// process, SQLite) whose BRIDGE_PUBLIC_URL is its own loopback address (allowed by the harness's
// AllowedUntrustedInternalConnections), a conversation started by a signed event, and agents who
// click the card's buttons as a client does — POST /api/v4/posts/{id}/actions/{action_id} with their
// own session. The server calls the bridge, the i-Reserve stand-in receives the signed
// `conversation.action` callback, and the card and the thread note are checked on the server.
// The Mattermost behaviours this relies on are pinned in mattermost_facts_actions.test.ts.
//
//   cd test && node --import tsx --test e2e/actions_flow.test.ts
import {describe, it, before} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import WebSocket from 'ws';
import type {Post} from '@mattermost/types/posts';
import {clientFor, freePort} from './harness/index.js';
import {BridgeClient, startBridge, type RunningBridge} from './support/bridge.js';
import {conversationRoot, createIntegration, realMattermostSuite, settleOn} from './support/suite.js';
import {expectClientError, waitFor, type Poll} from './support/util.js';
import {refusal, type Endpoint} from '../standins/ireserve/index.js';

type Props = Record<string, unknown>;
const ireserveOf = (post: Post | undefined): Props => (post?.props?.ireserve ?? {}) as Props;
const actionIds = (post: Post | undefined): string[] => (((post?.props as {attachments?: Array<{actions?: Array<{id: string; integration?: unknown}>}>})?.attachments?.[0]?.actions) ?? []).map((action) => action.id);

interface ActionBody {
    type: string;
    licence: string;
    data: {conversation_id: string; action_id: string; action: string; actor: Props; assignee?: Props; created_at: string};
}

describe('conversation actions ⇄ real Mattermost', {timeout: 30 * 60_000}, () => {
    let bridge: RunningBridge;
    let api: BridgeClient;
    let endpoint: Endpoint;
    let root: Post;
    const licence = `L-ACT-${randomBytes(2).toString('hex')}`;
    const conversationId = `conv-${randomBytes(3).toString('hex')}`;
    const suite = realMattermostSuite('actions_flow.test.ts', {ireserve: true, closeFirst: async () => bridge?.close()});

    const settle = <T>(what: string, fn: Poll<T>, timeoutMs = 30_000): Promise<T> => settleOn({api, bridge}, what, fn, timeoutMs);
    const rootNow = () => suite.mm.agents.agent1.client.getPost(root.id);
    const notes = async (): Promise<Post[]> => Object.values((await suite.mm.admin.client.getPostThread(root.id, true)).posts)
        .filter((post) => post.root_id === root.id && post.user_id === suite.mm.bot.id && ireserveOf(post).kind === 'action_note')
        .sort((a, b) => a.create_at - b.create_at);
    const actions = (): ActionBody[] => endpoint.delivered().map((call) => call.json as ActionBody).filter((body) => body.type === 'conversation.action');

    before(async () => {
        // The bridge must be reachable at its public URL from the Mattermost server: its own loopback address.
        const port = await freePort();
        bridge = await startBridge({engine: 'sqlite', env: {BRIDGE_PORT: String(port), BRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`}});
        api = new BridgeClient(bridge.url, licence);
        endpoint = suite.endpoint(licence);
        const created = await createIntegration(api, {
            mattermost: {server_url: suite.mm.url, bot_token: suite.mm.bot.token},
            channel_id: suite.mm.channels.public.id,
            ireserve: {callback_url: endpoint.url},
            active: true,
        }, endpoint);
        assert.equal(created.actions_url, `http://127.0.0.1:${port}/api/v1/mattermost/actions`);
        const sent = await api.sendEvent('conversation.started', {conversation_id: conversationId, visitor: {name: 'Lotte Jansen'}, page_url: 'https://park.example/'});
        assert.equal(sent.status, 202, sent.text);
        root = await settle('the root post', () => conversationRoot(suite.mm.admin.client, suite.mm.channels.public.id, conversationId));
    }, {timeout: 45 * 60_000});

    it('the card carries its number and the buttons for an open conversation (integration stripped for clients)', async () => {
        const seen = await rootNow();
        assert.equal(ireserveOf(seen).number, 1);
        assert.deepEqual(actionIds(seen), ['claim', 'assign', 'close']);
        assert.match(seen.message, /#1 Web chat with Lotte Jansen/);
    });

    it('claim: the server calls the bridge, i-Reserve gets the signed callback, the agent sees the ephemeral answer, the card and one note follow', async () => {
        const ws = new WebSocket(`${suite.mm.url.replace(/^http/, 'ws')}/api/v4/websocket`, {headers: {Authorization: `Bearer ${suite.mm.agents.agent1.token}`}});
        const events: Array<{event?: string; data?: Props}> = [];
        ws.on('message', (raw) => events.push(JSON.parse(raw.toString()) as {event?: string; data?: Props}));
        ws.on('error', () => undefined);
        try {
            await waitFor('hello', () => events.find((event) => event.event === 'hello'));
            await suite.mm.agents.agent1.client.doPostAction(root.id, 'claim');
            const ephemeral = await settle('the ephemeral answer', () => events.find((event) => event.event === 'ephemeral_message'));
            assert.match((JSON.parse(String(ephemeral.data?.post)) as Post).message, /Asked i-Reserve to claim this conversation/);
        } finally {
            ws.close();
        }
        const [body] = await settle('the callback', () => (actions().length === 1 ? actions() : undefined));
        assert.equal(body!.licence, licence);
        assert.equal(body!.data.conversation_id, conversationId);
        assert.equal(body!.data.action, 'claim');
        assert.equal(body!.data.actor.username, suite.mm.agents.agent1.username);
        assert.equal(body!.data.actor.mattermost_user_id, suite.mm.agents.agent1.id);
        assert.equal(body!.data.assignee?.username, suite.mm.agents.agent1.username);
        assert.equal(endpoint.delivered()[0]!.verified, true);
        const [note] = await settle('the note', async () => ((await notes()).length === 1 ? notes() : undefined));
        assert.equal(note!.message, 'Alice E2E took this conversation.');
        const card = await settle('the card to show the assignee', async () => {
            const post = await rootNow();
            return (ireserveOf(post).assignee as {username?: string} | undefined)?.username === suite.mm.agents.agent1.username ? post : undefined;
        });
        assert.deepEqual(actionIds(card), ['claim', 'assign', 'unassign', 'close']);
    });

    it('assign (a users select) to a channel member; to someone outside the channel the bridge refuses and nothing is sent', async () => {
        await suite.mm.agents.agent1.client.doPostAction(root.id, 'assign', suite.mm.agents.agent2.id);
        await settle('the assign note', async () => (await notes()).length === 2);
        assert.equal((await notes())[1]!.message, 'Alice E2E assigned this conversation to Bob E2E.');
        assert.equal(actions()[1]!.data.assignee?.username, suite.mm.agents.agent2.username);

        const outsider = await suite.mm.admin.client.createUser({username: `olaf-${suite.mm.suffix}`, email: `olaf-${suite.mm.suffix}@example.com`, password: 'Olaf-pass-1234!'} as never, '', '');
        await suite.mm.admin.client.addToTeam(suite.mm.team.id, outsider.id);
        const callsBefore = endpoint.calls().length;
        await suite.mm.agents.agent1.client.doPostAction(root.id, 'assign', outsider.id);
        // Its own click on the card is refused by Mattermost before the bridge (it cannot read the channel).
        const login = clientFor(suite.mm.url);
        await login.login(`olaf-${suite.mm.suffix}`, 'Olaf-pass-1234!');
        await expectClientError(login.doPostAction(root.id, 'claim'), 403, 'api.context.permissions.app_error');
        const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
        assert.match(metrics, /ireserve_bridge_action_refusals_total\{via="button",reason="assignee_not_member"\} 1/);
        assert.equal(endpoint.calls().length, callsBefore);
    });

    it('unassign, close and reopen; the card follows each, one note each', async () => {
        await suite.mm.agents.agent2.client.doPostAction(root.id, 'unassign');
        await settle('the unassign note', async () => (await notes()).length === 3);
        await settle('the card without assignee', async () => ireserveOf(await rootNow()).assignee === undefined);
        await suite.mm.agents.agent1.client.doPostAction(root.id, 'close');
        await settle('the close note', async () => (await notes()).length === 4);
        const closed = await settle('the card closed', async () => {
            const post = await rootNow();
            return ireserveOf(post).status === 'closed' ? post : undefined;
        });
        assert.deepEqual(actionIds(closed), ['reopen']);
        await suite.mm.agents.agent1.client.doPostAction(root.id, 'reopen');
        await settle('the reopen note', async () => (await notes()).length === 5);
        await settle('the card open again', async () => ireserveOf(await rootNow()).status === 'open');
        assert.deepEqual((await notes()).map((note) => note.message), [
            'Alice E2E took this conversation.',
            'Alice E2E assigned this conversation to Bob E2E.',
            'Bob E2E unassigned this conversation.',
            'Alice E2E closed this conversation.',
            'Alice E2E reopened this conversation.',
        ]);
        assert.deepEqual(actions().map((body) => body.data.action), ['claim', 'assign', 'unassign', 'close', 'reopen']);
    });

    it('i-Reserve refuses: the thread says why, the card stays open', async () => {
        endpoint.decide((body) => ((body as {data?: {action?: string}}).data?.action === 'close' ? refusal('Only team leads may close conversations.') : undefined));
        await suite.mm.agents.agent1.client.doPostAction(root.id, 'close');
        await settle('the refusal note', async () => (await notes()).length === 6);
        const note = (await notes())[5]!;
        assert.equal(note.message, ':no_entry: i-Reserve refused Alice E2E\'s request to close this conversation. Only team leads may close conversations.');
        assert.equal(ireserveOf(note).outcome, 'refused');
        assert.equal(ireserveOf(await rootNow()).status, 'open');
        endpoint.decide(undefined);
    });

    it('/ireserve typed in the conversation\'s thread acts on it (root_id); elsewhere by number; bad input answered in words', async () => {
        const command = await suite.mm.admin.client.addCommand({
            team_id: suite.mm.team.id, trigger: 'ireserve', method: 'P', url: `${bridge.url}/api/v1/mattermost/command`,
            display_name: 'i-Reserve', description: 'Act on i-Reserve web-chat conversations',
            auto_complete: true, auto_complete_desc: 'Act on i-Reserve web-chat conversations', auto_complete_hint: '[claim | assign @user | unassign | close | reopen | open | help] [#number]',
            username: '', icon_url: '',
        } as never);
        const saved = await api.patch({mattermost: {slash_command_token: command.token}});
        assert.equal(saved.status, 200, saved.text);
        const run = async (text: string, rootId?: string): Promise<string> => {
            const answer = await suite.mm.agents.agent1.client.executeCommand(`/ireserve ${text}`,
                {channel_id: suite.mm.channels.public.id, team_id: suite.mm.team.id, ...(rootId ? {root_id: rootId} : {})} as never) as unknown as {text?: string};
            return answer.text ?? '';
        };
        const before = (await notes()).length;
        assert.match(await run('claim', root.id), /Asked i-Reserve to claim this conversation/);
        await settle('the claim note', async () => (await notes()).length === before + 1);
        assert.equal((await notes()).at(-1)!.message, 'Alice E2E took this conversation.');
        assert.match(await run('unassign'), /Which conversation\?/);
        assert.match(await run('unassign #1'), /Asked i-Reserve to unassign this conversation/);
        await settle('the unassign note', async () => (await notes()).length === before + 2);
        assert.equal(await run('close #404'), 'There is no conversation #404.');
        assert.match(await run('open'), /#1 Lotte Jansen\]\(http:\/\/127\.0\.0\.1:\d+\/[^/]+\/pl\/[a-z0-9]{26}\) — nobody has it/);
        assert.match(await run('frobnicate'), /is not something `\/ireserve` knows/);
        assert.deepEqual(actions().slice(-2).map((body) => body.data.action), ['claim', 'unassign']);
    });
});
