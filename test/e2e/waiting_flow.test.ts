// Waiting guests against a real Mattermost server (issue 16, DESIGN §11): the root's
// waiting_since, a reminder in the thread that mentions the assignee — and Mattermost counts that
// mention for the assignee (their channel member's mention_count) — `@here` for notify "channel"
// counted for an online member, and an agent's thread reply relayed through the real outgoing
// webhook ending the wait. The bridge runs in this process with an injected clock, so the
// thresholds pass without waiting for them.
//
//   cd test && node --import tsx --test e2e/waiting_flow.test.ts
import {describe, it, before} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import type {Post} from '@mattermost/types/posts';
import {BRIDGE_ENGINES, BridgeClient, startBridge, type RunningBridge} from './support/bridge.js';
import {conversationRoot, createIntegration, realMattermostSuite, settleOn} from './support/suite.js';
import type {Poll} from './support/util.js';
import type {Endpoint} from '../standins/ireserve/index.js';
import {TestClock} from '../../server-bridge/test/support/bridge_harness.js';

type Props = Record<string, unknown>;
const ireserveOf = (post: Post): Props => (post.props?.ireserve ?? {}) as Props;

describe('waiting guests ⇄ real Mattermost', {timeout: 20 * 60_000}, () => {
    let bridge: RunningBridge;
    let api: BridgeClient;
    let endpoint: Endpoint;
    const clock = new TestClock();
    const engine = BRIDGE_ENGINES[0] ?? 'sqlite';
    const licence = `L-WAIT-${randomBytes(2).toString('hex')}`;
    const suite = realMattermostSuite('waiting_flow.test.ts', {ireserve: true, closeFirst: async () => bridge?.close()});

    const settle = <T>(what: string, fn: Poll<T>, timeoutMs = 30_000): Promise<T> => settleOn({api, bridge}, what, fn, timeoutMs);
    const rootOf = (conversationId: string): Promise<Post | undefined> => conversationRoot(suite.mm.admin.client, suite.mm.channels.public.id, conversationId);
    const remindersIn = async (rootId: string): Promise<Post[]> => {
        const list = await suite.mm.admin.client.getPostThread(rootId, true);
        return Object.values(list.posts).filter((p) => p.root_id === rootId && p.user_id === suite.mm.bot.id && typeof ireserveOf(p).after_seconds === 'number');
    };
    const mentionsOf = async (agent: 'agent1' | 'agent2'): Promise<number> => (await suite.mm.agents[agent].client.getMyChannelMember(suite.mm.channels.public.id)).mention_count;
    /** A conversation with a waiting guest; resolves with its root once it shows waiting_since. */
    const guestWaits = async (conversationId: string, assigneeEmail?: string): Promise<Post> => {
        assert.equal((await api.sendEvent('conversation.started', {conversation_id: conversationId, visitor: {name: 'Lotte Jansen'}, page_url: 'https://park.example.com/'})).status, 202);
        if (assigneeEmail) {
            assert.equal((await api.sendEvent('conversation.updated', {conversation_id: conversationId, assignee: {name: 'Assigned Agent', email: assigneeEmail}})).status, 202);
        }
        assert.equal((await api.sendEvent('conversation.message', {conversation_id: conversationId, message_id: `${conversationId}-m1`, sender: {type: 'visitor', name: 'Lotte Jansen'}, text: 'Hello, anyone there?'})).status, 202);
        return settle('the root showing the wait', async () => {
            const root = await rootOf(conversationId);
            return root && typeof ireserveOf(root).waiting_since === 'string' ? root : undefined;
        });
    };

    before(async () => {
        bridge = await startBridge({engine, clock});
        api = new BridgeClient(bridge.url, licence);
        endpoint = suite.endpoint(licence);
        const hook = await suite.mm.createOutgoingWebhook(`${bridge.url}/api/v1/mattermost/outgoing-webhook`, {contentType: 'application/json'});
        await createIntegration(api, {
            mattermost: {server_url: suite.mm.url, bot_token: suite.mm.bot.token, outgoing_webhook_token: hook.token},
            channel_id: suite.mm.channels.public.id,
            relay_mode: 'all_replies',
            inbound_mode: 'outgoing_webhook',
            ireserve: {callback_url: endpoint.url},
            active: true,
            reminders: {after_seconds: [10], notify: 'assignee'},
        }, endpoint);
    }, {timeout: 45 * 60_000});

    it('a reminder in the thread mentions the assignee (found by e-mail) and Mattermost counts the mention for them; their reply ends the wait', async () => {
        const conversationId = `wait-${randomBytes(3).toString('hex')}`;
        const root = await guestWaits(conversationId, suite.mm.agents.agent1.email.toUpperCase());
        assert.match(root.message, /⏳ Waiting for an answer since/);
        assert.equal((await api.status()).waiting?.count, 1);
        const before = await mentionsOf('agent1');

        clock.advance(10_000);
        const [reminder] = await settle('the reminder in the thread', async () => {
            const found = await remindersIn(root.id);
            return found.length > 0 ? found : undefined;
        });
        // (10 s moved on by the clock, plus the real seconds the scenario took.)
        assert.match(reminder!.message, new RegExp(`^⏰ Lotte Jansen has waited 1\\d seconds — @${suite.mm.agents.agent1.username}$`));
        await settle('the mention counted for the assignee', async () => (await mentionsOf('agent1')) === before + 1);

        // The assignee answers in the thread: relayed to i-Reserve through the real outgoing webhook, the wait ends.
        await suite.mm.agents.agent1.client.createPost({channel_id: suite.mm.channels.public.id, root_id: root.id, message: 'Hi Lotte, yes — how can I help?'} as Post);
        await settle('the reply delivered to i-Reserve', () => endpoint.delivered().length >= 1);
        await settle('waiting_since gone from the root', async () => {
            const now = await rootOf(conversationId);
            return now !== undefined && ireserveOf(now).waiting_since === undefined;
        });
        assert.equal((await api.status()).waiting?.count, 0);
        clock.advance(10_000);
        assert.equal((await remindersIn(root.id)).length, 1, 'one reminder for the one threshold');
    });

    it('notify "channel": the reminder says @here, and Mattermost counts it for an online member', async () => {
        const patched = await api.patch({reminders: {after_seconds: [10], notify: 'channel'}});
        assert.equal(patched.status, 200, patched.text);
        await suite.mm.agents.agent2.client.updateStatus({user_id: suite.mm.agents.agent2.id, status: 'online'} as never);
        const conversationId = `wait-${randomBytes(3).toString('hex')}`;
        const root = await guestWaits(conversationId, suite.mm.agents.agent1.email);
        const before = await mentionsOf('agent2');
        clock.advance(10_000);
        const [reminder] = await settle('the reminder in the thread', async () => {
            const found = await remindersIn(root.id);
            return found.length > 0 ? found : undefined;
        });
        assert.match(reminder!.message, /^⏰ Lotte Jansen has waited 1\d seconds — @here$/);
        await settle('@here counted for the online member', async () => (await mentionsOf('agent2')) === before + 1);
    });
});
