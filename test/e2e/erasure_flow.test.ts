// Erasure (DESIGN §12) against a real Mattermost server: a real bridge (in this process, SQLite and
// PostgreSQL) on the public channel; a conversation with the guest's texts, a file and an agent's
// answer; i-Reserve sends conversation.erased → nothing of the guest's text is readable for an agent
// through the API any more (posts, thread, channel posts, search, files), the erasure lists as
// done, and a later event answers not_sent (reason erased).
//
//   cd test && node --import tsx --test e2e/erasure_flow.test.ts
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import type {Post} from '@mattermost/types/posts';
import type {ErasuresAnswer} from '../../server-bridge/src/contract/index.js';
import type {Bootstrap} from './harness/index.js';
import {BRIDGE_ENGINES, BridgeClient, startBridge, ADMIN_TOKEN, type RunningBridge} from './support/bridge.js';
import {createIntegration, engineBootstrap, realMattermostSuite, releaseEngineBootstrap, settleOn} from './support/suite.js';
import type {Poll} from './support/util.js';

const ireserveOf = (post: Post): Record<string, unknown> => (post.props?.ireserve ?? {}) as Record<string, unknown>;

describe('erasure ⇄ real Mattermost', {timeout: 30 * 60_000}, () => {
    const suite = realMattermostSuite('erasure_flow.test.ts');

    for (const [index, engine] of BRIDGE_ENGINES.entries()) {
        describe(`bridge on ${engine}`, () => {
            let b: Bootstrap;
            let bridge: RunningBridge;
            let api: BridgeClient;
            const licence = `L-ERASE-${engine}-${randomBytes(2).toString('hex')}`;
            const conv = `conv-${randomBytes(3).toString('hex')}`;
            const word = `zelda${randomBytes(4).toString('hex')}`;

            const settle = <T>(what: string, fn: Poll<T>): Promise<T> => settleOn({api, bridge}, what, fn, 60_000);
            const drained = () => settle('the delivery queue to drain', async () => (await api.status()).queue_depth === 0);
            /** What an agent gets for a GET of `path`. */
            const agentGets = async (path: string): Promise<number> => {
                const res = await fetch(`${suite.mm.url}/api/v4${path}`, {headers: {Authorization: `Bearer ${b.agents.agent1.token}`}});
                await res.arrayBuffer();
                return res.status;
            };

            before(async () => {
                b = await engineBootstrap(suite.mm, index);
                bridge = await startBridge({engine});
                api = new BridgeClient(bridge.url, licence);
                await createIntegration(api, {
                    mattermost: {server_url: suite.mm.url, bot_token: b.bot.token},
                    channel_id: b.channels.public.id,
                    relay_mode: 'all_replies',
                    inbound_mode: 'websocket',
                    active: true,
                });
            }, {timeout: 120_000});

            after(async () => {
                await bridge?.close();
                await releaseEngineBootstrap(suite.mm, b);
            });

            it('after conversation.erased nothing of the guest\'s text is readable for an agent: posts, thread, channel, search, files', async () => {
                const name = `Zelda ${word}`;
                assert.equal((await api.sendEvent('conversation.started', {conversation_id: conv, visitor: {name, email: `${word}@guests.example`}, page_url: 'https://park.example.com/camping'})).status, 202);
                for (const [id, text] of [['m1', `my booking ${word} please`], ['m2', `second message ${word}`]] as const) {
                    assert.equal((await api.sendEvent('conversation.message', {conversation_id: conv, message_id: id, sender: {type: 'visitor', name}, text})).status, 202);
                }
                const data = Buffer.from(`passport of ${word}`).toString('base64');
                assert.equal((await api.sendEvent('conversation.message', {conversation_id: conv, message_id: 'm3', sender: {type: 'visitor', name}, text: 'my scan',
                    attachments: [{filename: 'scan.txt', content_type: 'text/plain', data}]})).status, 202);
                await drained();
                const channelPosts = Object.values((await b.admin.client.getPosts(b.channels.public.id, 0, 200)).posts);
                const root = channelPosts.find((p) => !p.root_id && ireserveOf(p).conversation_id === conv)!;
                assert.ok(root, 'the conversation\'s root');
                const agentReply = await b.agents.agent1.client.createPost({channel_id: b.channels.public.id, root_id: root.id, message: `Dear ${name}, done`} as Post);
                const thread = Object.values((await b.agents.agent1.client.getPostThread(root.id)).posts);
                const fileIds = thread.flatMap((p) => p.file_ids ?? []);
                assert.equal(fileIds.length, 1, 'the guest\'s file is in the thread');
                assert.ok((await b.agents.agent1.client.searchPosts(b.team.id, word, false)).order.length >= 3, 'search finds the guest\'s text before');

                const erased = await api.sendEvent('conversation.erased', {conversation_id: conv});
                assert.equal(erased.status, 202, erased.text);
                const listed = await settle('the erasure listed as finished', async () => {
                    const answer = await fetch(`${bridge.url}/api/v1/integrations/${licence}/erasures`, {headers: {Authorization: `Bearer ${ADMIN_TOKEN}`}});
                    const body = await answer.json() as ErasuresAnswer;
                    const entry = body.erasures.find((e) => e.conversation_id === conv);
                    return entry && entry.status !== 'in_progress' ? entry : undefined;
                });
                assert.deepEqual([listed.status, listed.kept], ['done', []], 'everything deleted, nothing kept');

                for (const post of [...thread, agentReply]) {
                    assert.equal(await agentGets(`/posts/${post.id}`), 404, `post ${post.id} is gone for the agent`);
                }
                assert.equal(await agentGets(`/posts/${root.id}/thread`), 404);
                const visible = Object.values((await b.agents.agent1.client.getPosts(b.channels.public.id, 0, 200)).posts);
                assert.equal(visible.some((p) => p.message.includes(word) || JSON.stringify(p.props ?? {}).includes(word)), false, 'nothing of it in the channel');
                assert.deepEqual((await b.agents.agent1.client.searchPosts(b.team.id, word, false)).order, [], 'search finds nothing');
                await settle('the file no longer served', async () => await agentGets(`/files/${fileIds[0]}/info`) === 404);
                assert.equal(await agentGets(`/files/${fileIds[0]}`), 404, 'the file is not downloadable');

                const late = await api.sendEvent('conversation.message', {conversation_id: conv, message_id: 'm4', sender: {type: 'visitor', name}, text: `late ${word}`});
                assert.deepEqual([late.status, late.body.status, (late.body as {reason?: string}).reason], [200, 'not_sent', 'erased']);
            });
        });
    }
});
