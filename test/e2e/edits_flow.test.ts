// Edits and deletions both ways (DESIGN §12) against a real Mattermost server: a real bridge (in this
// process, SQLite and PostgreSQL) in WebSocket mode on the private channel, signed i-Reserve events in
// and the i-Reserve stand-in receiving the callbacks.
// - i-Reserve edits a message → the bot's post shows as edited (same post, edit_at), mentions neutralised;
// - i-Reserve deletes a message → its post is gone and its file no longer served (GET /files/{id});
// - an agent edits and deletes a relayed reply → conversation.reply_edited / _deleted arrive, in order.
//
//   cd test && node --import tsx --test e2e/edits_flow.test.ts
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import type {Post} from '@mattermost/types/posts';
import type {Bootstrap} from './harness/index.js';
import {BRIDGE_ENGINES, BridgeClient, startBridge, type RunningBridge} from './support/bridge.js';
import {conversationRoot, createIntegration, engineBootstrap, realMattermostSuite, releaseEngineBootstrap, settleOn} from './support/suite.js';
import type {Poll} from './support/util.js';
import type {Endpoint} from '../standins/ireserve/index.js';

const ZWJ = '\u200D';
type Callback = {type: string; licence: string; data: {conversation_id: string; reply_id: string; text?: string; edited_at?: string}};
const ireserveOf = (post: Post): Record<string, unknown> => (post.props?.ireserve ?? {}) as Record<string, unknown>;

describe('edits and deletions ⇄ real Mattermost', {timeout: 30 * 60_000}, () => {
    const suite = realMattermostSuite('edits_flow.test.ts', {ireserve: true});

    for (const [index, engine] of BRIDGE_ENGINES.entries()) {
        describe(`bridge on ${engine}`, () => {
            let b: Bootstrap;
            let bridge: RunningBridge;
            let api: BridgeClient;
            let endpoint: Endpoint;
            const licence = `L-EDITS-${engine}-${randomBytes(2).toString('hex')}`;
            const conv = `conv-${randomBytes(3).toString('hex')}`;
            let rootId = '';

            const settle = <T>(what: string, fn: Poll<T>): Promise<T> => settleOn({api, bridge}, what, fn);
            const drained = () => settle('the delivery queue to drain', async () => (await api.status()).queue_depth === 0);
            const replies = async (): Promise<Post[]> => {
                const list = await b.admin.client.getPostThread(rootId, true);
                return Object.values(list.posts).filter((p) => p.root_id === rootId).sort((x, y) => x.create_at - y.create_at);
            };
            const callbacks = (): Callback[] => endpoint.delivered().map((call) => call.json as Callback);

            before(async () => {
                b = await engineBootstrap(suite.mm, index);
                bridge = await startBridge({engine});
                api = new BridgeClient(bridge.url, licence);
                endpoint = suite.endpoint(licence);
                await createIntegration(api, {
                    mattermost: {server_url: suite.mm.url, bot_token: b.bot.token},
                    channel_id: b.channels.private.id,
                    relay_mode: 'all_replies',
                    inbound_mode: 'websocket',
                    ireserve: {callback_url: endpoint.url},
                    active: true,
                }, endpoint);
                const started = await api.sendEvent('conversation.started', {conversation_id: conv, visitor: {name: 'Sanne de Vries'}, page_url: 'https://park.example.com/camping'});
                assert.equal(started.status, 202, started.text);
                await drained();
                rootId = (await conversationRoot(b.admin.client, b.channels.private.id, conv))?.id ?? '';
                assert.ok(rootId, 'the conversation\'s root');
            }, {timeout: 120_000});

            after(async () => {
                await bridge?.close();
                await releaseEngineBootstrap(suite.mm, b);
            });

            it('i-Reserve edits a message → the bot\'s post is edited in place (edit_at), mentions neutralised', async () => {
                const sent = await api.sendEvent('conversation.message', {conversation_id: conv, message_id: 'e1', sender: {type: 'visitor', name: 'Sanne de Vries'}, text: 'Is pitch 12 free?'});
                assert.equal(sent.status, 202, sent.text);
                const original = await settle('the message post', async () => (await replies()).find((p) => ireserveOf(p).message_id === 'e1'));
                assert.equal(original.edit_at, 0);
                const edit = await api.sendEvent('conversation.message_edited', {conversation_id: conv, message_id: 'e1', text: `Is pitch 14 free? @channel @${b.agents.agent1.username}`, edited_at: new Date().toISOString()});
                assert.equal(edit.status, 202, edit.text);
                const edited = await settle('the post edited', async () => {
                    const post = await b.admin.client.getPost(original.id);
                    return post.edit_at > 0 ? post : undefined;
                });
                assert.equal(edited.id, original.id, 'the same post');
                assert.match(edited.message, /Is pitch 14 free\?/);
                assert.ok(edited.message.includes(`@${ZWJ}channel`), 'mentions neutralised again');
                assert.equal(typeof ireserveOf(edited).edited_at, 'string');
                assert.equal((await replies()).filter((p) => ireserveOf(p).message_id === 'e1').length, 1, 'nothing posted twice');
            });

            it('i-Reserve deletes a message → its post is gone and its file is no longer served (GET /files/{id})', async () => {
                const data = Buffer.from('the guest\'s booking form').toString('base64');
                const sent = await api.sendEvent('conversation.message', {conversation_id: conv, message_id: 'd1', sender: {type: 'visitor', name: 'Sanne de Vries'}, text: 'My form', attachments: [{filename: 'form.txt', content_type: 'text/plain', data}]});
                assert.equal(sent.status, 202, sent.text);
                const post = await settle('the message post with its file', async () => (await replies()).find((p) => ireserveOf(p).message_id === 'd1' && (p.file_ids ?? []).length === 1));
                const fileId = post.file_ids![0]!;
                const fileStatus = async (path = ''): Promise<number> => {
                    const res = await fetch(`${suite.mm.url}/api/v4/files/${fileId}${path}`, {headers: {Authorization: `Bearer ${b.agents.agent1.token}`}});
                    await res.arrayBuffer();
                    return res.status;
                };
                // Not read through the file API before the deletion: a read would keep the file served
                // from Mattermost's file-info cache for up to 30 minutes after it
                // (mattermost_facts_edits.test.ts); the post's metadata says the file is there.
                assert.equal(post.metadata?.files?.[0]?.id, fileId, 'the file is attached to the post');
                const deleted = await api.sendEvent('conversation.message_deleted', {conversation_id: conv, message_id: 'd1'});
                assert.equal(deleted.status, 202, deleted.text);
                await settle('the post deleted', async () => !(await replies()).some((p) => p.id === post.id));
                await settle('the file no longer served', async () => await fileStatus() === 404 && await fileStatus('/info') === 404);
                const again = await api.sendEvent('conversation.message_deleted', {conversation_id: conv, message_id: 'd1'});
                assert.equal(again.status, 200);
                assert.equal(again.body.status, 'not_sent');
            });

            it('an agent edits and deletes a relayed reply → reply_edited and reply_deleted reach i-Reserve through the WebSocket, after the reply', async () => {
                const reply = await b.agents.agent1.client.createPost({channel_id: b.channels.private.id, root_id: rootId, message: 'Pitch 12 is free'});
                await settle('the reply relayed', () => callbacks().some((c) => c.type === 'conversation.reply' && c.data.reply_id === reply.id));
                const patched = await b.agents.agent1.client.patchPost({id: reply.id, message: 'Pitch 14 is free'});
                await settle('the edit relayed', () => callbacks().some((c) => c.type === 'conversation.reply_edited' && c.data.reply_id === reply.id));
                await b.agents.agent1.client.deletePost(reply.id);
                await settle('the deletion relayed', () => callbacks().some((c) => c.type === 'conversation.reply_deleted' && c.data.reply_id === reply.id));
                await drained();

                const mine = callbacks().filter((c) => c.data.reply_id === reply.id);
                assert.deepEqual(mine.map((c) => c.type), ['conversation.reply', 'conversation.reply_edited', 'conversation.reply_deleted'], 'once each, in order');
                assert.equal(mine[1]!.data.text, 'Pitch 14 is free');
                assert.equal(mine[1]!.data.edited_at, new Date(patched.edit_at).toISOString());
                assert.equal(mine[2]!.data.conversation_id, conv);
                assert.ok(endpoint.calls().filter((c) => (c.json as Callback).data?.reply_id === reply.id).every((c) => c.verified), 'signed');

                // A note is never relayed, so neither are its edit and deletion.
                const note = await b.agents.agent1.client.createPost({channel_id: b.channels.private.id, root_id: rootId, message: 'internal', props: {ireserve_reply: {mode: 'note'}}} as Partial<Post> as Post);
                await b.agents.agent1.client.patchPost({id: note.id, message: 'internal, edited'});
                await b.agents.agent1.client.deletePost(note.id);
                const sentinel = await b.agents.agent1.client.createPost({channel_id: b.channels.private.id, root_id: rootId, message: 'sentinel'});
                await settle('the sentinel relayed', () => callbacks().some((c) => c.data.reply_id === sentinel.id));
                assert.equal(callbacks().some((c) => c.data.reply_id === note.id), false, 'nothing of the note');
            });
        });
    }
});
