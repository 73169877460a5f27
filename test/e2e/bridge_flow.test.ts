// The whole flow against a real Mattermost server: a real bridge (in this process, on SQLite and
// once more on PostgreSQL — the bridge's own throw-away PostgreSQL, not Mattermost's), signed
// i-Reserve events in, posts/files/reactions checked on the real server, agent replies out through
// the outgoing webhook (public channel) and the WebSocket (private channel) to the i-Reserve
// stand-in, and the failure paths an admin meets (root deleted, bot removed, token revoked).
//
//   cd test && node --import tsx --test e2e/bridge_flow.test.ts
//   E2E_BRIDGE_ENGINES=sqlite …   only the SQLite run
//   MM_URL=… MM_ADMIN_USERNAME=… MM_ADMIN_PASSWORD=… …   against an existing server
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import type {Post} from '@mattermost/types/posts';
import type {FileInfo, FileUploadResponse} from '@mattermost/types/files';
import type {Bootstrap} from './harness/index.js';
import {BRIDGE_ENGINES, BridgeClient, startBridge, type RunningBridge} from './support/bridge.js';
import {createIntegration, engineBootstrap, realMattermostSuite, releaseEngineBootstrap, settleOn} from './support/suite.js';
import type {Poll} from './support/util.js';
import type {CallbackRecord, Endpoint} from '../standins/ireserve/index.js';
import {CONVERSATION_POST_TYPE, NOTIFICATION_POST_TYPE} from '../../server-bridge/src/contract/index.js';
import type {ConversationReply} from '../../server-bridge/src/domain/inbound/reply.js';

const PNG_1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
const ZWJ = '\u200D';

type Props = Record<string, unknown>;
const ireserveOf = (post: Post): Props => (post.props?.ireserve ?? {}) as Props;

/** The body of a `conversation.reply` callback, as the bridge builds it. */
type ReplyBody = ConversationReply;
const replyOf = (record: CallbackRecord): ReplyBody => record.json as ReplyBody;

/** Posts of a thread, root excluded, oldest first (deleted ones are not returned by Mattermost). */
async function threadReplies(b: Bootstrap, rootId: string): Promise<Post[]> {
    const list = await b.admin.client.getPostThread(rootId, true);
    return Object.values(list.posts).filter((p) => p.root_id === rootId).sort((x, y) => x.create_at - y.create_at);
}

async function channelPosts(b: Bootstrap, channelId: string): Promise<Post[]> {
    const list = await b.admin.client.getPosts(channelId, 0, 200);
    return Object.values(list.posts).sort((x, y) => x.create_at - y.create_at);
}

/** The live root post of a conversation in a channel (the newest, when self-heal made a second one). */
async function findRoot(b: Bootstrap, channelId: string, conversationId: string): Promise<Post | undefined> {
    return (await channelPosts(b, channelId)).filter((p) => !p.root_id && ireserveOf(p).conversation_id === conversationId).pop();
}

async function uploadAs(url: string, token: string, channelId: string, name: string, type: string, data: Buffer): Promise<string> {
    const form = new FormData();
    form.append('channel_id', channelId);
    form.append('files', new Blob([new Uint8Array(data)], {type}), name);
    const res = await fetch(`${url}/api/v4/files`, {method: 'POST', headers: {Authorization: `Bearer ${token}`}, body: form});
    assert.equal(res.status, 201, `upload ${name}`);
    return ((await res.json()) as FileUploadResponse).file_infos[0]!.id;
}

async function download(url: string, token: string, fileId: string): Promise<Buffer> {
    const res = await fetch(`${url}/api/v4/files/${fileId}`, {headers: {Authorization: `Bearer ${token}`}});
    assert.equal(res.status, 200, `download ${fileId}`);
    return Buffer.from(await res.arrayBuffer());
}

/** A file's info read by id (GET /files/{id}/info, as the admin). */
async function fileInfo(id: string): Promise<FileInfo> {
    return fileInfoFetcher!(id);
}
let fileInfoFetcher: ((id: string) => Promise<FileInfo>) | undefined;

async function hasReaction(b: Bootstrap, postId: string, emoji: string): Promise<boolean> {
    const reactions = await b.admin.client.getReactionsForPost(postId);
    return (reactions ?? []).some((r) => r.user_id === b.bot.id && r.emoji_name === emoji);
}

describe('bridge ⇄ real Mattermost', {timeout: 30 * 60_000}, () => {
    const suite = realMattermostSuite('bridge_flow.test.ts', {ireserve: true});

    before(() => {
        fileInfoFetcher = async (id) => {
            const res = await fetch(`${suite.mm.url}/api/v4/files/${id}/info`, {headers: {Authorization: `Bearer ${suite.mm.admin.token}`}});
            assert.equal(res.status, 200, `GET /files/${id}/info`);
            return await res.json() as FileInfo;
        };
    });

    for (const [index, engine] of BRIDGE_ENGINES.entries()) {
        describe(`bridge on ${engine}`, () => {
            let b: Bootstrap;
            let bridge: RunningBridge;
            let api: BridgeClient;
            let wsApi: BridgeClient;
            let endpoint: Endpoint;
            let wsEndpoint: Endpoint;
            let hookToken = '';
            let incomingHookUrl = '';
            const licence = `L-E2E-${engine}-${randomBytes(2).toString('hex')}`;
            const conv = `conv-${randomBytes(3).toString('hex')}`;
            let rootId = '';
            let t0 = 0;

            /** waitFor that says what the bridge thinks when it times out. */
            const settle = <T>(what: string, fn: Poll<T>, client: BridgeClient = api, timeoutMs = 30_000): Promise<T> => settleOn({api: client, bridge}, what, fn, timeoutMs);
            /** Scenarios that build on the conversation's root fail at once when there is none. */
            const needRoot = (): void => assert.ok(rootId, 'no root post for the conversation: see the conversation.started scenario');
            /** All of this integration's deliveries are done (nothing queued or in flight). */
            const drained = (client: BridgeClient = api) => settle('the delivery queue to drain', async () => (await client.status()).queue_depth === 0, client);

            before(async () => {
                t0 = Date.now();
                // The first engine uses the boot's bootstrap; later ones get a fresh bot, team and channels.
                b = await engineBootstrap(suite.mm, index);
                bridge = await startBridge({engine});
                api = new BridgeClient(bridge.url, licence);
                wsApi = new BridgeClient(bridge.url, `${licence}-ws`);
                endpoint = suite.endpoint(licence);
                wsEndpoint = suite.endpoint(`${licence}-ws`);
                const hook = await b.createOutgoingWebhook(`${bridge.url}/api/v1/mattermost/outgoing-webhook`, {contentType: 'application/json'});
                hookToken = hook.token;
                // booking.changed goes through an incoming webhook of the notification channel instead of a channel id.
                const incoming = await b.admin.client.createIncomingWebhook({channel_id: b.channels.notifications.id, display_name: 'i-Reserve bookings', description: 'e2e'} as never);
                incomingHookUrl = `${suite.mm.url}/hooks/${incoming.id}`;
            }, {timeout: 120_000});

            after(async () => {
                await bridge?.close();
                await releaseEngineBootstrap(suite.mm, b);
                console.error(`[e2e] bridge_flow on ${engine}: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
            });

            it('creates the integration through the admin API (operator token): bot token, channels, callback URL, user directory', async () => {
                const created = await api.put({
                    mattermost: {server_url: suite.mm.url, bot_token: b.bot.token, outgoing_webhook_token: hookToken},
                    channel_id: b.channels.public.id,
                    notification_channels: {'booking.confirmed': b.channels.notifications.id, 'booking.changed': incomingHookUrl, 'booking.cancelled': ''},
                    relay_mode: 'all_replies',
                    inbound_mode: 'outgoing_webhook',
                    ireserve: {callback_url: endpoint.url},
                    active: true,
                });
                assert.equal(created.status, 201, created.text);
                assert.match(created.body.signing_secret ?? '', /^whsec_/);
                assert.ok(created.body.admin_key, 'admin_key shown once');
                api.signingSecret = created.body.signing_secret!;
                endpoint.secret = created.body.signing_secret!;

                const view = await api.get();
                assert.equal(view.status, 200);
                assert.equal(view.body.mattermost.bot_token_set, true);
                assert.equal(view.body.mattermost.outgoing_webhook_token_set, true);
                assert.equal('signing_secret' in view.body, false, 'no secrets in GET');
                assert.equal(JSON.stringify(view.body).includes(b.bot.token), false, 'the bot token is never shown');

                // agent1's e-mail is in i-Reserve's directory; agent2's is not.
                const users = await api.putUsers([{ireserve_user_id: 'irs-alice', email: b.agents.agent1.email.toUpperCase()}, {ireserve_user_id: 'irs-nobody', email: 'nobody@example.com'}]);
                assert.equal(users.status, 200, users.text);

                // The second integration: the private channel, replies over the WebSocket.
                await createIntegration(wsApi, {
                    mattermost: {server_url: suite.mm.url, bot_token: b.bot.token},
                    channel_id: b.channels.private.id,
                    relay_mode: 'all_replies',
                    inbound_mode: 'websocket',
                    ireserve: {callback_url: wsEndpoint.url},
                    active: true,
                }, wsEndpoint);
            });

            it('Test posts a sample message to the mirror channel and each mapped notification channel or incoming webhook', async () => {
                const res = await api.test();
                assert.equal(res.status, 200, res.text);
                const byPurpose = Object.fromEntries(res.body.results.map((r) => [r.purpose, r]));
                assert.equal(byPurpose.mirror?.ok, true, JSON.stringify(byPurpose.mirror));
                assert.equal(byPurpose.mirror?.channel_id, b.channels.public.id);
                assert.equal(byPurpose['notification:booking.confirmed']?.ok, true, JSON.stringify(res.body.results));
                assert.equal(byPurpose['notification:booking.changed']?.ok, true, JSON.stringify(res.body.results));
                assert.equal(byPurpose['notification:booking.cancelled'], undefined, 'an empty mapping is not tested');
                const posts = await channelPosts(b, b.channels.notifications.id);
                assert.ok(posts.some((p) => p.user_id === b.bot.id), 'a sample message in the notification channel');
            });

            it('conversation.started → a root post of the conversation type with its props; a repeated webhook-id is a duplicate', async () => {
                const startedAt = new Date(Date.now() - 60_000).toISOString();
                const booking = {reference: 'R-2025-0042', url: 'https://app.ireserve.example/bookings/42', arrival: '2025-07-03', departure: '2025-07-10', accommodation: 'Beach house 6', guests: {adults: 2, children: 1}, status: 'confirmed'};
                const data = {conversation_id: conv, visitor: {name: 'Lotte Jansen', email: 'lotte@example.com'}, page_url: 'https://park.example.com/beach-house-6', started_at: startedAt, locale: 'nl-NL', booking};
                const first = await api.sendEvent('conversation.started', data, `evt_started_${conv}`);
                assert.equal(first.status, 202, first.text);
                assert.equal(first.body.status, 'accepted');
                const again = await api.sendEvent('conversation.started', data, `evt_started_${conv}`);
                assert.equal(again.status, 200, again.text);
                assert.equal(again.body.status, 'duplicate');

                const root = await settle('the root post', () => findRoot(b, b.channels.public.id, conv));
                rootId = root.id;
                assert.equal(root.type, CONVERSATION_POST_TYPE);
                assert.equal(root.user_id, b.bot.id);
                assert.equal(root.props.from_bot, 'true');
                const props = ireserveOf(root);
                assert.equal(props.v, 1);
                assert.equal(props.licence, licence);
                assert.equal(props.conversation_id, conv);
                assert.equal(props.visitor_name, 'Lotte Jansen');
                assert.equal(props.visitor_email, 'lotte@example.com');
                assert.equal(props.page_url, 'https://park.example.com/beach-house-6');
                assert.equal(props.started_at, startedAt);
                assert.equal(props.status, 'open');
                assert.equal(props.relay_mode, 'all_replies');
                assert.match(root.message, /Lotte Jansen/, 'a readable message for clients without the plugin');
                // The booking (DESIGN §13): nested in the props as sent, named in the plain message.
                assert.deepEqual(props.booking, booking);
                assert.match(root.message, /^Booking \[R-2025-0042\]\(https:\/\/app\.ireserve\.example\/bookings\/42\) · 2025-07-03 → 2025-07-10 \(7 nights\) · Beach house 6 · 2 adults, 1 child · confirmed$/m);
                await drained();
                const roots = (await channelPosts(b, b.channels.public.id)).filter((p) => ireserveOf(p).conversation_id === conv && !p.root_id);
                assert.equal(roots.length, 1, 'the duplicate posted nothing');
            });

            it('visitor and agent messages → thread replies in order, sender shown, mentions neutralised for real', async () => {
                needRoot();
                const mentionsBefore = (await b.agents.agent1.client.getMyChannelMember(b.channels.public.id)).mention_count;
                const messages = [
                    {id: 'm1', sender: {type: 'visitor', name: 'Lotte Jansen'}, text: 'Is the beach house free from 3 to 10 July?'},
                    {id: 'm2', sender: {type: 'agent', name: 'Anna (i-Reserve)'}, text: 'Let me check that for you.'},
                    {id: 'm3', sender: {type: 'visitor', name: 'Lotte Jansen'}, text: `@channel @all @here @${b.agents.agent1.username} hello? ![x](http://127.0.0.1:9/track.png)`},
                    {id: 'm4', sender: {type: 'visitor', name: 'Lotte Jansen'}, text: 'We are two adults and a dog.'},
                ];
                for (const m of messages) {
                    const res = await api.sendEvent('conversation.message', {conversation_id: conv, message_id: m.id, sender: m.sender, text: m.text});
                    assert.equal(res.status, 202, res.text);
                }
                // A message_id already delivered is never posted again, whatever its webhook-id.
                const repeat = await api.sendEvent('conversation.message', {conversation_id: conv, message_id: 'm1', sender: messages[0]!.sender, text: messages[0]!.text});
                assert.ok([200, 202].includes(repeat.status), repeat.text);

                const replies = await settle('four thread replies', async () => {
                    const r = await threadReplies(b, rootId);
                    return r.length >= 4 && r;
                });
                await drained();
                const final = await threadReplies(b, rootId);
                assert.deepEqual(final.map((p) => ireserveOf(p).message_id), ['m1', 'm2', 'm3', 'm4'], 'in order, m1 once');
                assert.equal(replies[0]!.user_id, b.bot.id);
                for (const [i, p] of final.entries()) {
                    assert.equal(ireserveOf(p).sender_type, messages[i]!.sender.type);
                    assert.equal(ireserveOf(p).sender_name, messages[i]!.sender.name);
                    assert.ok(p.message.includes(messages[i]!.sender.name.split(' ')[0]!), `the sender's name is shown: ${p.message}`);
                }
                const m3 = final[2]!;
                assert.equal(/(^|[^\p{L}\p{N}])@(channel|all|here)\b/u.test(m3.message), false, `no live @channel/@all/@here: ${JSON.stringify(m3.message)}`);
                assert.equal(m3.message.includes(`@${b.agents.agent1.username}`), false, 'no live @username');
                assert.ok(m3.message.includes(`@${ZWJ}channel`) || !m3.message.includes('channel'), 'still reads @channel');
                assert.equal(/!\[[^\]]*\]\(/.test(m3.message.replace(/\\!\[/g, '')), false, 'no auto-loaded image');
                // Mattermost itself agrees: nobody was mentioned (counts settle before the create answers,
                // and m4 was created after m3).
                const mentionsAfter = (await b.agents.agent1.client.getMyChannelMember(b.channels.public.id)).mention_count;
                assert.equal(mentionsAfter, mentionsBefore, 'agent1 got no mention from visitor text');
            });

            it('a hostile page_url and visitor name reach the root post without mentioning anyone (DESIGN §14)', async () => {
                const mentionsBefore = (await b.agents.agent1.client.getMyChannelMember(b.channels.public.id)).mention_count;
                const hostile = `conv-hostile-${randomBytes(3).toString('hex')}`;
                const name = `@channel @${b.agents.agent1.username} ![x](http://127.0.0.1:9/track.png)`;
                const res = await api.sendEvent('conversation.started', {conversation_id: hostile, visitor: {name}, page_url: `https://park.example.com/@channel/@${b.agents.agent1.username}?img=![x](http://127.0.0.1:9/p.png)`});
                assert.equal(res.status, 202, res.text);
                const root = await settle('the hostile conversation\'s root', () => findRoot(b, b.channels.public.id, hostile));
                assert.equal(/(^|[^\p{L}\p{N}])@(channel|all|here)\b/u.test(root.message), false, `no live @channel: ${JSON.stringify(root.message)}`);
                assert.equal(root.message.includes(`@${b.agents.agent1.username}`), false, 'no live @username');
                // A later post by the bot in the channel: mention counts have settled past the root.
                const marker = await api.sendEvent('conversation.started', {conversation_id: `${hostile}-after`, visitor: {name: 'Calm Visitor'}, page_url: 'https://park.example.com/'});
                assert.equal(marker.status, 202, marker.text);
                await settle('the next root', () => findRoot(b, b.channels.public.id, `${hostile}-after`));
                const mentionsAfter = (await b.agents.agent1.client.getMyChannelMember(b.channels.public.id)).mention_count;
                assert.equal(mentionsAfter, mentionsBefore, 'Mattermost counted no mention for agent1');
            });

            it('a message for an unknown conversation creates its root first', async () => {
                const other = `${conv}-b`;
                const res = await api.sendEvent('conversation.message', {conversation_id: other, message_id: 'b1', sender: {type: 'visitor', name: 'Peter'}, text: 'Hi, anyone there?'});
                assert.equal(res.status, 202, res.text);
                const root = await settle('the new root', () => findRoot(b, b.channels.public.id, other));
                assert.equal(root.type, CONVERSATION_POST_TYPE);
                const replies = await settle('its first reply', async () => {
                    const r = await threadReplies(b, root.id);
                    return r.length >= 1 && r;
                });
                assert.equal(ireserveOf(replies[0]!).message_id, 'b1');
            });

            it('attachments → files on the posts (name, type, bytes); 7 files → 5 on the message post and 2 on the next', async () => {
                needRoot();
                const text = Buffer.from('Booking reference 4711\n');
                const res = await api.sendEvent('conversation.message', {
                    conversation_id: conv, message_id: 'm5', sender: {type: 'visitor', name: 'Lotte Jansen'}, text: 'Here are the photos.',
                    attachments: [
                        {filename: 'dog.png', content_type: 'image/png', data: PNG_1x1.toString('base64')},
                        {filename: 'booking.txt', content_type: 'text/plain', data: text.toString('base64')},
                    ],
                });
                assert.equal(res.status, 202, res.text);
                const post = await settle('the post with files', async () => (await threadReplies(b, rootId)).find((p) => ireserveOf(p).message_id === 'm5'));
                assert.equal(post.file_ids?.length, 2);
                // Per file (GET /files/{id}/info), not per post: CreatePost saves the post and then links
                // its files one by one, and a reader in between (this test polls the thread) can leave
                // a partial list in the server's per-post file-info cache.
                const infos = await Promise.all(post.file_ids!.map((id) => fileInfo(id)));
                for (const info of infos) {
                    assert.equal(info.post_id, post.id, `${info.name} is attached to the post`);
                }
                const byName = Object.fromEntries(infos.map((f) => [f.name, f]));
                assert.equal(byName['dog.png']?.mime_type, 'image/png');
                assert.equal(byName['dog.png']?.size, PNG_1x1.length);
                assert.equal(byName['booking.txt']?.size, text.length);
                for (const info of infos) {
                    const res2 = await fetch(`${suite.mm.url}/api/v4/files/${info.id}/info`, {headers: {Authorization: `Bearer ${b.agents.agent1.token}`}});
                    assert.equal(res2.status, 200, 'GET /files/{id}/info as an agent');
                }
                assert.ok((await download(suite.mm.url, b.agents.agent1.token, byName['dog.png']!.id)).equals(PNG_1x1), 'the agent downloads the same bytes');

                const seven = Array.from({length: 7}, (_, i) => ({filename: `page-${i + 1}.txt`, content_type: 'text/plain', data: Buffer.from(`page ${i + 1}`).toString('base64')}));
                const res7 = await api.sendEvent('conversation.message', {conversation_id: conv, message_id: 'm6', sender: {type: 'visitor', name: 'Lotte Jansen'}, text: 'All the pages.', attachments: seven});
                assert.equal(res7.status, 202, res7.text);
                const parts = await settle('the posts of m6', async () => {
                    const r = (await threadReplies(b, rootId)).filter((p) => ireserveOf(p).message_id === 'm6');
                    return r.reduce((n, p) => n + (p.file_ids?.length ?? 0), 0) === 7 && r;
                });
                assert.deepEqual(parts.map((p) => p.file_ids?.length ?? 0), [5, 2]);
                const names: string[] = [];
                for (const part of parts) {
                    for (const id of part.file_ids!) {
                        const info = await fileInfo(id);
                        assert.equal(info.post_id, part.id);
                        names.push(info.name);
                    }
                }
                assert.deepEqual(names.sort(), seven.map((f) => f.filename).sort(), 'every file once');
            });

            it('conversation.updated → the root card is patched in place (same post, new status, assignee and booking)', async () => {
                needRoot();
                const booking = {reference: 'R-2025-0043', arrival: '2025-07-04', departure: '2025-07-05', guests: {adults: 1}, status: 'changed'};
                const res = await api.sendEvent('conversation.updated', {conversation_id: conv, status: 'closed', assignee: {name: 'Anna Agent', email: 'anna@example.com'}, booking});
                assert.equal(res.status, 202, res.text);
                const root = await settle('the patched root', async () => {
                    const p = await b.admin.client.getPost(rootId);
                    return ireserveOf(p).status === 'closed' && p;
                });
                assert.equal(root.id, rootId);
                assert.equal(root.type, CONVERSATION_POST_TYPE);
                const props = ireserveOf(root);
                assert.deepEqual(props.assignee, {name: 'Anna Agent', email: 'anna@example.com'});
                assert.equal(props.visitor_name, 'Lotte Jansen', 'the other props are kept (patch replaces the whole map)');
                assert.equal(props.conversation_id, conv);
                assert.deepEqual(props.booking, booking, 'the changed booking replaces the earlier one');
                assert.match(root.message, /^Booking R-2025-0043 · 2025-07-04 → 2025-07-05 \(1 night\) · 1 adult · changed$/m);
                // Reopen for the reply scenarios.
                await api.sendEvent('conversation.updated', {conversation_id: conv, status: 'open'});
                await settle('the reopened root', async () => ireserveOf(await b.admin.client.getPost(rootId)).status === 'open');
            });

            it('notification → a post in the channel mapped to its type (channel id or incoming webhook); empty and unmapped types are not sent', async () => {
                const before = (await channelPosts(b, b.channels.notifications.id)).length;
                const cancelled = await api.sendEvent('notification', {notification_type: 'booking.cancelled', text: 'Booking 4712 cancelled'});
                const unmapped = await api.sendEvent('notification', {notification_type: 'payment.received', text: 'Payment for 4711'});
                for (const r of [cancelled, unmapped]) {
                    assert.ok([200, 202].includes(r.status), r.text);
                }
                const res = await api.sendEvent('notification', {notification_type: 'booking.confirmed', title: 'Booking confirmed', text: 'Booking 4711: Beach house 6, 3–10 July', url: 'https://park.example.com/bookings/4711'});
                assert.equal(res.status, 202, res.text);
                const post = await settle('the notification post', async () => (await channelPosts(b, b.channels.notifications.id)).find((p) => (p.type as string) === NOTIFICATION_POST_TYPE));
                assert.equal(post.channel_id, b.channels.notifications.id);
                assert.equal(post.user_id, b.bot.id);
                const props = ireserveOf(post);
                assert.equal(props.v, 1);
                assert.equal(props.notification_type, 'booking.confirmed');
                assert.equal(props.title, 'Booking confirmed');
                assert.equal(props.url, 'https://park.example.com/bookings/4711');
                assert.match(post.message, /Booking 4711/);
                const viaHook = await api.sendEvent('notification', {notification_type: 'booking.changed', text: 'Booking 4711 moved to 4–11 July'});
                assert.equal(viaHook.status, 202, viaHook.text);
                const hooked = await settle('the incoming-webhook notification', async () => (await channelPosts(b, b.channels.notifications.id))
                    .find((p) => ireserveOf(p).notification_type === 'booking.changed'));
                // A webhook payload with message attachments becomes a `slack_attachment` post; the
                // bridge's props travel beside them.
                assert.equal(hooked.type as string, 'slack_attachment');
                assert.equal(hooked.props.from_webhook, 'true');
                const attachments = hooked.props.attachments as Array<{text?: string; title?: string}> | undefined;
                assert.ok(Array.isArray(attachments) && attachments.length === 1, JSON.stringify(hooked.props));
                assert.match(attachments[0]!.text ?? '', /4–11 July/);
                await drained();
                const all = await channelPosts(b, b.channels.notifications.id);
                assert.equal(all.length, before + 2, 'only the two mapped notifications were posted');
                assert.equal((await channelPosts(b, b.channels.public.id)).some((p) => /Payment for 4711|4712 cancelled/.test(p.message)), false);
            });

            it('a deleted incoming webhook → the notification is parked once, and its reason says the webhook does not exist', async () => {
                const hook = await b.admin.client.createIncomingWebhook({channel_id: b.channels.notifications.id, display_name: 'to delete', description: 'e2e'} as never);
                const patched = await api.patch({notification_channels: {'arrival.today': `${suite.mm.url}/hooks/${hook.id}`}});
                assert.equal(patched.status, 200, patched.text);
                await b.admin.client.removeIncomingWebhook(hook.id);
                const res = await api.sendEvent('notification', {notification_type: 'arrival.today', text: 'Family Jansen arrives today'});
                assert.equal(res.status, 202, res.text);
                const failed = await settle('the parked notification', async () => (await api.deliveries('failed')).find((d) => d.direction === 'outbound' && d.conversation_id === null));
                const test = await api.test();
                const byHook = test.body.results.find((r) => r.purpose === 'notification:arrival.today');
                // Tidy up for the scenarios below first: unmap it and clear the failure.
                assert.equal((await api.patch({notification_channels: {'arrival.today': ''}})).status, 200);
                const retried = await api.retry(failed.id);
                assert.equal(retried.status, 202, retried.text);
                await settle('no failed delivery left', async () => (await api.deliveries('failed')).length === 0);

                assert.equal(byHook?.ok, false);
                assert.equal(byHook?.error, 'channel_not_found');
                assert.equal(failed.attempts, 1, 'a 400 is not retried');
                // The real server answers 400 with the wrapper id web.incoming_webhook.general.app_error
                // (see mattermost_facts.test.ts), never …invalid.app_error.
                assert.match(failed.last_error ?? '', /does not exist|deleted/i, `plain-language reason: ${failed.last_error}`);
            });

            it('agent replies in the public channel (outgoing webhook) → signed callbacks with the author mapped, ✅ on the post; notes, channel chatter and bot posts are not relayed', async () => {
                needRoot();
                const a1 = b.agents.agent1;
                const a2 = b.agents.agent2;
                const fileId = await uploadAs(suite.mm.url, a1.token, b.channels.public.id, 'quote.txt', 'text/plain', Buffer.from('Quote: 700 EUR'));
                const r1 = await a1.client.createPost({channel_id: b.channels.public.id, root_id: rootId, message: 'Yes, it is free. Quote attached.', file_ids: [fileId]});
                const note = await a1.client.createPost({channel_id: b.channels.public.id, root_id: rootId, message: 'Internal: check the dog policy', props: {ireserve_reply: {mode: 'note'}}} as Partial<Post> as Post);
                const chatter = await a1.client.createPost({channel_id: b.channels.public.id, message: 'Lunch at 12?'});
                const r2 = await a2.client.createPost({channel_id: b.channels.public.id, root_id: rootId, message: 'Dogs are welcome in house 6.'});
                const r3 = await a1.client.createPost({channel_id: b.channels.public.id, root_id: rootId, message: 'Anything else?', props: {ireserve_reply: {mode: 'visitor'}}} as Partial<Post> as Post);

                const delivered = (postId: string) => endpoint.delivered().find((c) => replyOf(c).data?.reply_id === postId);
                const c1 = await settle('the callback for agent1\'s reply', () => delivered(r1.id));
                const c2 = await settle('the callback for agent2\'s reply', () => delivered(r2.id));
                const c3 = await settle('the callback for agent1\'s composer reply', () => delivered(r3.id));
                for (const c of [c1, c2, c3]) {
                    assert.equal(c.verified, true, 'signed with the integration\'s secret');
                    const body = replyOf(c);
                    assert.equal(body.type, 'conversation.reply');
                    assert.equal(body.licence, licence);
                    assert.equal(body.data.conversation_id, conv);
                    assert.ok(!Number.isNaN(Date.parse(body.data.created_at)));
                }
                const b1 = replyOf(c1).data;
                assert.equal(b1.text, 'Yes, it is free. Quote attached.');
                assert.equal(b1.author.ireserve_user_id, 'irs-alice', 'agent1 mapped by e-mail (case-insensitive)');
                assert.equal(b1.author.email?.toLowerCase(), a1.email.toLowerCase());
                assert.equal(b1.author.username, a1.username);
                assert.equal(b1.author.mattermost_user_id, a1.id);
                assert.equal(b1.attachments.length, 1);
                assert.equal(b1.attachments[0]!.filename, 'quote.txt');
                assert.equal(Buffer.from(b1.attachments[0]!.data, 'base64').toString(), 'Quote: 700 EUR');
                assert.equal(b1.attachments[0]!.size, 'Quote: 700 EUR'.length);

                const b2 = replyOf(c2).data;
                assert.equal(b2.author.ireserve_user_id, undefined, 'agent2 is not in the directory');
                assert.equal(b2.author.name, 'Bob E2E', 'falls back to the Mattermost display name');
                assert.equal(b2.author.username, a2.username);
                assert.equal(b2.author.mattermost_user_id, a2.id);

                for (const p of [r1, r2, r3]) {
                    await settle(`✅ on ${p.message}`, () => hasReaction(b, p.id, 'white_check_mark'));
                }

                // Sentinel: one more reply, delivered after everything above was seen by the bridge.
                const sentinel = await a2.client.createPost({channel_id: b.channels.public.id, root_id: rootId, message: 'sentinel'});
                await settle('the sentinel callback', () => delivered(sentinel.id));
                await drained();
                const relayedIds = endpoint.calls().map((c) => replyOf(c).data?.reply_id);
                assert.equal(relayedIds.includes(note.id), false, 'an internal note is not relayed');
                assert.equal(relayedIds.includes(chatter.id), false, 'a post outside a conversation thread is not relayed');
                assert.equal(await hasReaction(b, note.id, 'white_check_mark'), false);
                const botPosts = (await threadReplies(b, rootId)).filter((p) => p.user_id === b.bot.id).map((p) => p.id);
                assert.ok(botPosts.length >= 4);
                assert.deepEqual(relayedIds.filter((id) => botPosts.includes(id!)), [], 'the bot\'s own posts are not relayed');
                assert.equal(endpoint.calls().every((c) => c.verified), true, 'every callback verifies');
                for (const id of [r1.id, r2.id, r3.id, sentinel.id]) {
                    assert.equal(endpoint.delivered().filter((c) => replyOf(c).data.reply_id === id).length, 1, `relayed once: ${id}`);
                }
            });

            it('agent replies in the private channel (WebSocket mode) → signed callback, display-name fallback, ✅', async () => {
                const wsConv = `${conv}-ws`;
                const res = await wsApi.sendEvent('conversation.started', {conversation_id: wsConv, visitor: {name: 'Sanne'}, page_url: 'https://park.example.com/camping'});
                assert.equal(res.status, 202, res.text);
                const root = await settle('the private root', () => findRoot(b, b.channels.private.id, wsConv), wsApi);
                await wsApi.sendEvent('conversation.message', {conversation_id: wsConv, message_id: 'w1', sender: {type: 'visitor', name: 'Sanne'}, text: 'Is pitch 12 shaded?'});
                await settle('the private visitor message', async () => (await threadReplies(b, root.id)).length >= 1, wsApi);

                const r = await b.agents.agent2.client.createPost({channel_id: b.channels.private.id, root_id: root.id, message: 'Yes, under the oaks.'});
                const call = await settle('the WebSocket-mode callback', () => wsEndpoint.delivered().find((c) => replyOf(c).data?.reply_id === r.id), wsApi);
                const body = replyOf(call).data;
                assert.equal(body.conversation_id, wsConv);
                assert.equal(body.text, 'Yes, under the oaks.');
                assert.equal(body.author.name, 'Bob E2E');
                assert.equal(body.author.ireserve_user_id, undefined);
                await settle('✅ on the private reply', () => hasReaction(b, r.id, 'white_check_mark'), wsApi);
                await drained(wsApi);
                assert.equal(wsEndpoint.calls().filter((c) => replyOf(c).data?.reply_id === r.id && c.status === 200).length, 1);
                assert.equal(wsEndpoint.calls().some((c) => (replyOf(c).data?.author?.mattermost_user_id) === b.bot.id), false, 'bot posts not relayed');
            });

            it('root post deleted by an admin → the next message self-heals into a new root', async () => {
                needRoot();
                await b.admin.client.deletePost(rootId);
                const res = await api.sendEvent('conversation.message', {conversation_id: conv, message_id: 'm7', sender: {type: 'visitor', name: 'Lotte Jansen'}, text: 'Are you still there?'});
                assert.equal(res.status, 202, res.text);
                const newRoot = await settle('a new root', async () => {
                    const r = await findRoot(b, b.channels.public.id, conv);
                    return r && r.id !== rootId && r;
                });
                assert.equal(newRoot.type, CONVERSATION_POST_TYPE);
                const replies = await settle('m7 under the new root', async () => {
                    const r = await threadReplies(b, newRoot.id);
                    return r.some((p) => ireserveOf(p).message_id === 'm7') && r;
                });
                assert.equal(replies.filter((p) => ireserveOf(p).message_id === 'm7').length, 1);
                rootId = newRoot.id;
            });

            it('bot removed from the channel → Test and the failed deliveries say "not a member"; replay after re-adding delivers', async () => {
                needRoot();
                await b.admin.client.removeFromChannel(b.bot.id, b.channels.public.id);
                const test = await api.test();
                assert.equal(test.status, 200, test.text);
                const mirror = test.body.results.find((r) => r.purpose === 'mirror')!;
                assert.equal(mirror.ok, false);
                assert.equal(mirror.error, 'not_a_member');
                assert.match(mirror.message, /member/i);

                const res = await api.sendEvent('conversation.message', {conversation_id: conv, message_id: 'm8', sender: {type: 'visitor', name: 'Lotte Jansen'}, text: 'Hello?'});
                assert.equal(res.status, 202, res.text);
                // The message is not the only delivery that fails: the guest now waits, and marking the
                // root as waiting fails too. Which of the two fails first varies; replay both.
                const failedOfConversation = async () => (await api.deliveries('failed')).filter((d) => d.conversation_id === conv && d.direction === 'outbound');
                const failed = await settle('m8\'s delivery failed', async () => (await failedOfConversation()).find((d) => d.kind === 'outbound.conversation.message'));
                assert.match(failed.last_error ?? '', /not a member/i);
                const status = await api.status();
                assert.equal(status.state, 'error');
                assert.ok(status.failed >= 1);
                assert.match(status.last_error ?? '', /not a member/i);

                await b.admin.client.addToChannel(b.bot.id, b.channels.public.id);
                const replayed = (await failedOfConversation()).map((d) => d.id);
                assert.ok(replayed.includes(failed.id));
                for (const id of replayed) {
                    const retry = await api.retry(id);
                    assert.equal(retry.status, 202, retry.text);
                }
                await settle('m8 delivered after the replay', async () => (await threadReplies(b, rootId)).some((p) => ireserveOf(p).message_id === 'm8'));
                await settle('no replayed delivery failed again', async () => (await api.deliveries('failed')).every((d) => !replayed.includes(d.id)));
                const again = await api.test();
                assert.equal(again.body.results.find((r) => r.purpose === 'mirror')?.ok, true);
            });

            it('token revoked → the integration status says the token was rejected', async () => {
                await b.admin.client.revokeUserAccessToken(b.bot.tokenId);
                const res = await api.sendEvent('conversation.message', {conversation_id: conv, message_id: 'm9', sender: {type: 'visitor', name: 'Lotte Jansen'}, text: 'Last question'});
                assert.equal(res.status, 202, res.text);
                const st = await settle('the status to report the token', async () => {
                    const s = await api.status();
                    return s.state === 'error' && /token/i.test(s.last_error ?? '') && s;
                });
                assert.match(st.last_error ?? '', /token/i);
                const test = await api.test();
                const mirror = test.body.results.find((r) => r.purpose === 'mirror');
                assert.equal(mirror?.ok, false);
                assert.equal(mirror?.error, 'token_rejected');
            });
        });
    }
});
