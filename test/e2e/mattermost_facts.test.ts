// More pins of the Mattermost facts the product relies on, against the real server (mmserver.test.ts has the first 8):
// every Mattermost behaviour the bridge or the webapp relies on should fail here if Mattermost
// behaved otherwise.
//
//   cd test && node --import tsx --test e2e/mattermost_facts.test.ts
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import WebSocket from 'ws';
import type {Post} from '@mattermost/types/posts';
import type {FileUploadResponse} from '@mattermost/types/files';
import {bootRealMattermost, clientFor, type RealMattermost} from './harness/index.js';
import {expectClientError, startReceiver, suiteTimer, waitFor, type Receiver} from './support/util.js';

const tag = (): string => randomBytes(3).toString('hex');

/** Multipart upload as the bridge does it: `channel_id` first, then one `files` part per file. */
async function uploadFiles(url: string, token: string, channelId: string, files: Array<{name: string; type: string; data: Buffer}>, order: 'channel-first' | 'files-first' = 'channel-first'): Promise<{status: number; body: unknown}> {
    const form = new FormData();
    if (order === 'channel-first') {
        form.append('channel_id', channelId);
    }
    for (const f of files) {
        form.append('files', new Blob([new Uint8Array(f.data)], {type: f.type}), f.name);
    }
    if (order === 'files-first') {
        form.append('channel_id', channelId);
    }
    const res = await fetch(`${url}/api/v4/files`, {method: 'POST', headers: {Authorization: `Bearer ${token}`}, body: form});
    const text = await res.text();
    let body: unknown = text;
    try {
        body = JSON.parse(text);
    } catch {
        // keep text
    }
    return {status: res.status, body};
}

type WsEvent = {event?: string; data?: Record<string, unknown>; seq?: number; seq_reply?: number; status?: string; broadcast?: Record<string, unknown>};

/** A websocket connection that records every message. */
function openWs(url: string, headers: Record<string, string> = {}): {ws: WebSocket; events: WsEvent[]; opened: Promise<void>} {
    const ws = new WebSocket(url, {headers});
    const events: WsEvent[] = [];
    ws.on('message', (raw) => events.push(JSON.parse(raw.toString()) as WsEvent));
    ws.on('error', () => undefined);
    const opened = new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
    });
    return {ws, events, opened};
}

const postedIds = (events: WsEvent[]): string[] =>
    events.filter((e) => e.event === 'posted').map((e) => (JSON.parse(String(e.data?.post)) as Post).id);

describe('Mattermost facts (real server)', {timeout: 20 * 60_000}, () => {
    let mm: RealMattermost;
    let receiver: Receiver;
    const timer = suiteTimer('mattermost_facts.test.ts');

    before(async () => {
        mm = await bootRealMattermost();
        timer.booted(mm);
        receiver = await startReceiver();
    }, {timeout: 45 * 60_000});

    after(async () => {
        await receiver?.close();
        await mm?.stop();
        timer.report();
    });

    describe('outgoing webhooks', () => {
        const payloads = (channelId?: string): Array<{ct: string; fields: Record<string, unknown>}> => receiver.received.map((r) => ({
            ct: r.contentType,
            fields: r.contentType.startsWith('application/json')
                ? JSON.parse(r.body) as Record<string, unknown>
                : Object.fromEntries(new URLSearchParams(r.body)),
        })).filter((p) => !channelId || p.fields.channel_id === channelId);

        it('form-encoded (any content type but application/json): token in the body, timestamp in seconds, file_ids comma-joined', async () => {
            // A channel of its own, so that the JSON hook on the public channel does not interfere.
            const ch = await mm.admin.client.createChannel({team_id: mm.team.id, name: `form-${mm.suffix}`, display_name: 'Form hook', type: 'O'});
            await mm.admin.client.addToChannel(mm.agents.agent1.id, ch.id);
            const hook = await mm.createOutgoingWebhook(receiver.url, {contentType: 'application/x-www-form-urlencoded', channelId: ch.id});
            const up = await uploadFiles(mm.url, mm.agents.agent1.token, ch.id, [
                {name: 'a.txt', type: 'text/plain', data: Buffer.from('a')},
                {name: 'b.txt', type: 'text/plain', data: Buffer.from('b')},
            ]);
            assert.equal(up.status, 201);
            const ids = (up.body as FileUploadResponse).file_infos.map((f) => f.id);
            const before = Date.now();
            const post = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'with two files', file_ids: ids});
            const got = await waitFor('the form-encoded webhook call', () => payloads(ch.id).find((p) => p.fields.post_id === post.id));
            assert.match(got.ct, /^application\/x-www-form-urlencoded/);
            assert.equal(got.fields.token, hook.token);
            assert.equal(typeof got.fields.file_ids, 'string');
            assert.deepEqual(String(got.fields.file_ids).split(',').sort(), [...ids].sort(), 'file_ids: one comma-joined string (any order)');
            const ts = Number(got.fields.timestamp);
            assert.ok(Math.abs(ts - before / 1000) < 120, `timestamp ${ts} is in seconds`);
            assert.equal('root_id' in got.fields, false);
        });

        it('JSON: timestamp in milliseconds, file_ids comma-joined string', async () => {
            const hook = await mm.createOutgoingWebhook(receiver.url, {contentType: 'application/json'});
            const up = await uploadFiles(mm.url, mm.agents.agent1.token, mm.channels.public.id, [
                {name: 'c.txt', type: 'text/plain', data: Buffer.from('c')},
                {name: 'd.txt', type: 'text/plain', data: Buffer.from('d')},
            ]);
            const ids = (up.body as FileUploadResponse).file_infos.map((f) => f.id);
            const before = Date.now();
            const post = await mm.agents.agent1.client.createPost({channel_id: mm.channels.public.id, message: 'json with files', file_ids: ids});
            const got = await waitFor('the JSON webhook call', () => payloads(mm.channels.public.id)
                .find((p) => p.fields.post_id === post.id && p.fields.token === hook.token));
            assert.equal(typeof got.fields.file_ids, 'string');
            assert.deepEqual(String(got.fields.file_ids).split(',').sort(), [...ids].sort());
            assert.ok(Math.abs(Number(got.fields.timestamp) - before) < 120_000, 'timestamp in ms');
        });

        it('cannot be bound to a private channel, and a team-wide trigger-word hook does not fire in private channels', async () => {
            await expectClientError(mm.createOutgoingWebhook(receiver.url, {channelId: mm.channels.private.id}), 403);
            const word = `zz${tag()}`;
            const hook = await mm.admin.client.createOutgoingWebhook({
                team_id: mm.team.id, channel_id: '', display_name: 'team hook', description: '', trigger_words: [word], trigger_when: 0,
                callback_urls: [receiver.url], content_type: 'application/json',
            } as never);
            const inPrivate = await mm.agents.agent1.client.createPost({channel_id: mm.channels.private.id, message: `${word} private`});
            const inPublic = await mm.agents.agent1.client.createPost({channel_id: mm.channels.public.id, message: `${word} public`});
            // The public post's call is the sentinel: by then the private one would have come too.
            await waitFor('the trigger-word call for the public post', () => payloads().find((p) => p.fields.post_id === inPublic.id && p.fields.token === hook.token));
            assert.equal(payloads().some((p) => p.fields.post_id === inPrivate.id), false, 'no call for the private-channel post');
        });

        it('edits never fire; a thread reply does', async () => {
            const hook = await mm.createOutgoingWebhook(receiver.url);
            const post = await mm.agents.agent1.client.createPost({channel_id: mm.channels.public.id, message: 'to be edited'});
            await waitFor('the call for the new post', () => payloads().find((p) => p.fields.post_id === post.id && p.fields.token === hook.token));
            await mm.agents.agent1.client.patchPost({id: post.id, message: 'edited'});
            const reply = await mm.agents.agent1.client.createPost({channel_id: mm.channels.public.id, message: 'sentinel reply', root_id: post.id});
            await waitFor('the call for the reply', () => payloads().find((p) => p.fields.post_id === reply.id && p.fields.token === hook.token));
            assert.equal(payloads().filter((p) => p.fields.post_id === post.id && p.fields.token === hook.token).length, 1, 'one call for the post, none for its edit');
        });

        it('the answer: {} posts nothing, {"text"} is posted by the hook\'s creator; a 500 is not retried', async () => {
            const ch = await mm.admin.client.createChannel({team_id: mm.team.id, name: `answers-${mm.suffix}`, display_name: 'Answers', type: 'O'});
            await mm.admin.client.addToChannel(mm.agents.agent1.id, ch.id);
            const r2 = await startReceiver();
            try {
                await mm.createOutgoingWebhook(r2.url, {channelId: ch.id});
                r2.respond = (req) => {
                    const msg = String((JSON.parse(req.body) as {text?: string}).text);
                    if (msg === 'answer text') {
                        return {status: 200, body: JSON.stringify({text: 'echo from hook'})};
                    }
                    if (msg === 'answer 500') {
                        return {status: 500, body: 'boom', contentType: 'text/plain'};
                    }
                    return {status: 200, body: '{}'};
                };
                const quiet = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'answer empty'});
                const fail = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'answer 500'});
                const loud = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'answer text'});
                const echo = await waitFor('the echo post', async () => {
                    const list = await mm.admin.client.getPosts(ch.id, 0, 50);
                    return Object.values(list.posts).find((p) => p.message === 'echo from hook');
                });
                assert.equal(echo.user_id, mm.admin.id, 'posted as the creator of the hook');
                const all = Object.values((await mm.admin.client.getPosts(ch.id, 0, 50)).posts).filter((p) => !p.type);
                // The channel holds the three agent posts and the one echo: nothing for {} or for the 500.
                assert.deepEqual(all.map((p) => p.message).sort(), ['answer 500', 'answer empty', 'answer text', 'echo from hook']);
                const calls = (id: string) => r2.received.filter((r) => (JSON.parse(r.body) as {post_id: string}).post_id === id).length;
                assert.equal(calls(quiet.id), 1);
                assert.equal(calls(loud.id), 1);
                assert.equal(calls(fail.id), 1, 'a 500 answer is not retried');
            } finally {
                await r2.close();
            }
        });
    });

    describe('posts', () => {
        it('reply to an unknown root id → 400 api.post.create_post.root_id.app_error', async () => {
            await expectClientError(
                mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'x', root_id: 'a'.repeat(26)}),
                400, 'api.post.create_post.root_id.app_error');
        });

        it('pending_post_id: concurrent repeats never make two posts; a repeat caught mid-save is 500 api.post.deduplicate_create_post.pending', async () => {
            const pending = `${mm.bot.id}:${Date.now()}`;
            const results = await Promise.allSettled(Array.from({length: 6}, () =>
                mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'concurrent dedup', pending_post_id: pending})));
            const ids = new Set(results.filter((r): r is PromiseFulfilledResult<Post> => r.status === 'fulfilled').map((r) => r.value.id));
            assert.equal(ids.size, 1, 'every successful answer names the same post');
            for (const r of results) {
                if (r.status === 'rejected') {
                    const e = r.reason as {status_code?: number; server_error_id?: string};
                    assert.equal(e.status_code, 500);
                    assert.equal(e.server_error_id, 'api.post.deduplicate_create_post.pending');
                }
            }
            const posts = await mm.admin.client.getPosts(mm.channels.public.id, 0, 60);
            assert.equal(Object.values(posts.posts).filter((p) => p.message === 'concurrent dedup').length, 1);
        });

        it('PUT /posts/{id}/patch: props replace the whole map; the bot can patch its own posts only', async () => {
            const root = await mm.bot.client.createPost({
                channel_id: mm.channels.public.id, message: 'card', type: 'custom_e2e_card' as Post['type'],
                props: {ireserve: {v: 1, status: 'open'}, other: 'kept?'},
            });
            const patched = await mm.bot.client.patchPost({id: root.id, props: {ireserve: {v: 1, status: 'closed'}}} as never);
            assert.deepEqual(patched.props.ireserve, {v: 1, status: 'closed'});
            assert.equal('other' in patched.props, false, 'props not in the patch are gone');
            assert.equal(patched.type, 'custom_e2e_card');
            const reread = await mm.admin.client.getPost(root.id);
            assert.equal('other' in reread.props, false);

            const agentPost = await mm.agents.agent1.client.createPost({channel_id: mm.channels.public.id, message: 'mine'});
            await expectClientError(mm.bot.client.patchPost({id: agentPost.id, message: 'hijack'}), 403, 'api.context.permissions.app_error');
        });

        it('a non-standard post type must start with custom_', async () => {
            await expectClientError(
                mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'x', type: 'ireserve_card' as Post['type']}),
                400, 'model.post.is_valid.type.app_error');
            const ok = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'n', type: 'custom_e2e_notice' as Post['type'], props: {ireserve: {v: 1}}});
            assert.equal(ok.type, 'custom_e2e_notice');
            assert.equal(ok.props.from_bot, 'true');
        });

        it('a post type is stored in 26 characters at most: a longer one → 500 app.post.save.app_error (not a 400)', async () => {
            const ok = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: '26', type: `custom_${'x'.repeat(19)}` as Post['type']});
            assert.equal(ok.type.length, 26);
            await expectClientError(
                mm.bot.client.createPost({channel_id: mm.channels.public.id, message: '27', type: `custom_${'x'.repeat(20)}` as Post['type']}),
                500, 'app.post.save.app_error');
        });

        it('the product\'s post types (server-bridge/src/contract/posts.ts, shared by bridge and webapp) fit in 26 characters and are accepted', async () => {
            const bridge = await import('../../server-bridge/src/contract/index.js');
            const problems: string[] = [];
            for (const type of [bridge.CONVERSATION_POST_TYPE, bridge.NOTIFICATION_POST_TYPE] as string[]) {
                try {
                    const p = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: type, type: type as Post['type']});
                    assert.equal(p.type, type);
                } catch (err) {
                    const e = err as {status_code?: number; server_error_id?: string; detailed_error?: string};
                    problems.push(`${type} (${type.length} chars) → ${e.status_code} ${e.server_error_id} ${e.detailed_error ?? ''}`);
                }
            }
            assert.deepEqual(problems, [], 'Mattermost stores Posts.Type as VARCHAR(26)');
        });

        it('file_ids: 5 per post are kept; the server\'s own limit is 300 characters of JSON (10 ids), 11 → 400', async () => {
            const upload = async (n: number): Promise<string[]> => {
                const r = await uploadFiles(mm.url, mm.bot.token, mm.channels.public.id,
                    Array.from({length: n}, (_, i) => ({name: `f${i}.txt`, type: 'text/plain', data: Buffer.from(String(i))})));
                assert.equal(r.status, 201, JSON.stringify(r.body));
                return (r.body as FileUploadResponse).file_infos.map((f) => f.id);
            };
            const five = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'five', file_ids: await upload(5)});
            assert.equal(five.file_ids?.length, 5);
            const ten = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'ten', file_ids: await upload(10)});
            assert.equal(ten.file_ids?.length, 10);
            await expectClientError(
                mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'eleven', file_ids: await upload(11)}),
                400, 'model.post.is_valid.file_ids.app_error');
        });

        it('a file id already on a post, or uploaded by another user, is silently dropped from a new post (201, no file)', async () => {
            const r = await uploadFiles(mm.url, mm.bot.token, mm.channels.public.id, [{name: 'once.txt', type: 'text/plain', data: Buffer.from('once')}]);
            const [id] = (r.body as FileUploadResponse).file_infos.map((f) => f.id);
            const first = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'first', file_ids: [id!]});
            assert.deepEqual(first.file_ids, [id]);
            const second = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'second', file_ids: [id!]});
            assert.deepEqual((await mm.admin.client.getPost(second.id)).file_ids ?? [], [], 'reused id dropped');

            const byAgent = await uploadFiles(mm.url, mm.agents.agent1.token, mm.channels.public.id, [{name: 'agent.txt', type: 'text/plain', data: Buffer.from('x')}]);
            const agentFile = (byAgent.body as FileUploadResponse).file_infos[0]!.id;
            const third = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'third', file_ids: [agentFile]});
            assert.deepEqual((await mm.admin.client.getPost(third.id)).file_ids ?? [], [], 'another user\'s file dropped');
        });
    });

    describe('reading back what was posted (the bridge reconciles and re-syncs with these)', () => {
        it('GET /channels/{id}/posts?since=<ms>: posts created or changed since then, replies and deletions included, older ones not', async () => {
            const ch = await mm.admin.client.createChannel({team_id: mm.team.id, name: `since-${mm.suffix}`, display_name: 'Since', type: 'O'});
            await mm.admin.client.addToChannel(mm.bot.id, ch.id);
            const old = await mm.bot.client.createPost({channel_id: ch.id, message: 'old'});
            const toDelete = await mm.bot.client.createPost({channel_id: ch.id, message: 'to delete'});
            const toEdit = await mm.bot.client.createPost({channel_id: ch.id, message: 'to edit'});
            await new Promise((r) => setTimeout(r, 20));
            const since = Date.now();
            await new Promise((r) => setTimeout(r, 20));
            const root = await mm.bot.client.createPost({channel_id: ch.id, message: 'new root'});
            const reply = await mm.bot.client.createPost({channel_id: ch.id, message: 'new reply', root_id: root.id});
            await mm.bot.client.patchPost({id: toEdit.id, message: 'edited'});
            await mm.admin.client.deletePost(toDelete.id);
            const list = await mm.bot.client.getPostsSince(ch.id, since, false);
            const got = list.posts;
            assert.ok(got[root.id] && got[reply.id], 'new root and reply');
            assert.equal(got[toEdit.id]?.message, 'edited', 'an edited post is included');
            assert.ok(got[toDelete.id], 'a deleted post is included…');
            assert.ok(got[toDelete.id]!.delete_at > 0, '…with delete_at set (callers must filter it)');
            assert.equal(got[old.id], undefined, 'older, unchanged posts are not');
        });

        it('?since= is strict (update_at > since) and lists newest first by create_at; a reply moves its root\'s update_at; plain pages list replies too, newest first', async () => {
            // The webhook catch-up (server-bridge/src/inbound/channel_posts.ts) keeps the newest
            // update_at it read as a channel's mark and reads from there; Mattermost's
            // store/sqlstore/post_store.go GetPostsSince: `UpdateAt > ?`, `ORDER BY CreateAt DESC`.
            const ch = await mm.admin.client.createChannel({team_id: mm.team.id, name: `since-strict-${mm.suffix}`, display_name: 'Since strict', type: 'O'});
            for (const user of [mm.bot.id, mm.agents.agent1.id, mm.agents.agent2.id]) {
                await mm.admin.client.addToChannel(user, ch.id);
            }
            const root = await mm.bot.client.createPost({channel_id: ch.id, message: 'root before the mark'});
            const marked = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'the mark', root_id: root.id});
            const r1 = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'after 1', root_id: root.id});
            const r2 = await mm.agents.agent2.client.createPost({channel_id: ch.id, message: 'after 2', root_id: root.id});
            const list = await mm.bot.client.getPostsSince(ch.id, marked.update_at, false);
            assert.equal(list.order.includes(marked.id), false, 'a post whose update_at equals since is not listed');
            assert.deepEqual(list.order.filter((id) => id === r1.id || id === r2.id), [r2.id, r1.id], 'newest first');
            // A reply moves its root's update_at (so the catch-up meets roots too and keeps replies only).
            assert.ok((await mm.admin.client.getPost(root.id)).update_at >= r2.create_at, 'the root\'s update_at moved with the replies');
            assert.ok(list.order.includes(root.id), 'so the root is listed too');
            const page = await mm.bot.client.getPosts(ch.id, 0, 200, false);
            assert.deepEqual(page.order.slice(0, 4), [r2.id, r1.id, marked.id, root.id], 'pages: replies included, newest first');
        });

        it('?since= answers at most 1000 changed posts: when more changed, `order` holds exactly 1000 of them and the rest must be paged for', async () => {
            // store/sqlstore/post_store.go GetPostsSince: `UpdateAt > ? AND ChannelId = ? LIMIT 1000`
            // (which 1000 is arbitrary; their roots are added by a UNION, so here only roots are
            // posted). The webhook catch-up pages when an answer is that full
            // (server-bridge/src/inbound/channel_posts.ts), and the stand-in answers the same.
            const ch = await mm.admin.client.createChannel({team_id: mm.team.id, name: `since-cap-${mm.suffix}`, display_name: 'Since cap', type: 'O'});
            await mm.admin.client.addToChannel(mm.bot.id, ch.id);
            const since = (await mm.bot.client.createPost({channel_id: ch.id, message: 'before the mark'})).update_at;
            const total = 1001;
            const posted: string[] = [];
            let started = 0;
            await Promise.all(Array.from({length: 8}, async () => {
                while (started < total) {
                    started += 1;
                    posted.push((await mm.bot.client.createPost({channel_id: ch.id, message: `after the mark ${started}`})).id);
                }
            }));
            assert.equal(new Set(posted).size, total);
            const list = await mm.bot.client.getPostsSince(ch.id, since, false);
            assert.equal(list.order.length, 1000, 'capped at 1000');
            assert.equal(new Set(list.order).size, 1000);
            assert.ok(list.order.every((id) => posted.includes(id)), 'only posts changed after since');
        });
        it('?after=<post id>: live posts created strictly after that post, replies included, paged oldest first; a deleted anchor still works, an unknown one answers nothing', async () => {
            // A busy channel is read forward with this (server-bridge/src/inbound/channel_posts.ts).
            // store/sqlstore/post_store.go getPostsAround: `CreateAt > (SELECT CreateAt FROM Posts
            // WHERE Id = ?)`, `DeleteAt = 0`, `ORDER BY … CreateAt ASC LIMIT per_page OFFSET page*per_page`.
            const ch = await mm.admin.client.createChannel({team_id: mm.team.id, name: `after-${mm.suffix}`, display_name: 'After', type: 'O'});
            for (const user of [mm.bot.id, mm.agents.agent1.id]) {
                await mm.admin.client.addToChannel(user, ch.id);
            }
            const root = await mm.bot.client.createPost({channel_id: ch.id, message: 'root'});
            const anchor = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'the anchor', root_id: root.id});
            const r1 = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'reply 1', root_id: root.id});
            const top = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'top level'});
            const gone = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'deleted', root_id: root.id});
            const r2 = await mm.agents.agent1.client.createPost({channel_id: ch.id, message: 'reply 2', root_id: root.id});
            await mm.admin.client.deletePost(gone.id);
            const after = [r1, top, r2].map((p) => p.id);
            const sorted = (ids: string[]) => [...ids].sort();
            const all = await mm.bot.client.getPostsAfter(ch.id, anchor.id, 0, 200, false);
            assert.deepEqual(sorted(all.order), sorted(after), 'newer live posts, replies and top-level ones; not the anchor, not a deleted one');
            assert.ok(all.order.every((id) => all.posts[id]!.create_at > anchor.create_at));
            const first = await mm.bot.client.getPostsAfter(ch.id, anchor.id, 0, 2, false);
            assert.deepEqual(sorted(first.order), sorted([r1.id, top.id]), 'page 0 holds the oldest');
            const second = await mm.bot.client.getPostsAfter(ch.id, anchor.id, 1, 2, false);
            assert.deepEqual(second.order, [r2.id], 'page 1 the next ones');
            await mm.admin.client.deletePost(anchor.id);
            const fromDeleted = await mm.bot.client.getPostsAfter(ch.id, anchor.id, 0, 200, false);
            assert.deepEqual(sorted(fromDeleted.order), sorted(after), 'a (soft-)deleted anchor still anchors');
            const unknown = await mm.bot.client.getPostsAfter(ch.id, 'q'.repeat(26), 0, 200, false);
            assert.deepEqual(unknown.order, [], 'an unknown (or erased) anchor: an empty answer, not an error');
        });
    });

    describe('incoming webhooks (a notification type may be mapped to one)', () => {
        it('POST /hooks/{id} {text, type: custom_…, props} → a post in the hook\'s channel by the hook\'s creator, with type and props', async () => {
            const hook = await mm.admin.client.createIncomingWebhook({channel_id: mm.channels.notifications.id, display_name: 'bookings', description: 'e2e'} as never);
            const marker = `hooked ${tag()}`;
            const res = await fetch(`${mm.url}/hooks/${hook.id}`, {
                method: 'POST', headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({text: marker, type: 'custom_e2e_notice', props: {ireserve: {v: 1, notification_type: 'booking.changed'}}}),
            });
            assert.equal(res.status, 200, await res.text());
            const post = await waitFor('the webhook post', async () => Object.values((await mm.admin.client.getPosts(mm.channels.notifications.id, 0, 50)).posts).find((p) => p.message === marker));
            assert.equal(post.type, 'custom_e2e_notice');
            assert.deepEqual((post.props.ireserve as Record<string, unknown>), {v: 1, notification_type: 'booking.changed'});
            assert.equal(post.props.from_webhook, 'true');
            assert.equal(post.user_id, mm.admin.id, 'posted as the hook\'s creator');
        });

        it('an unknown hook id → 400 with the wrapper id web.incoming_webhook.general.app_error (not …invalid…); an invalid post → 500', async () => {
            // The inner error (web.incoming_webhook.invalid.app_error) is wrapped: the answer's `id`
            // is always the general one, so only the status tells the cases apart.
            const res = await fetch(`${mm.url}/hooks/${'a'.repeat(26)}`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'x'})});
            assert.equal(res.status, 400);
            assert.equal(((await res.json()) as {id?: string}).id, 'web.incoming_webhook.general.app_error');
            const hook = await mm.admin.client.createIncomingWebhook({channel_id: mm.channels.notifications.id, display_name: 'typed', description: 'e2e'} as never);
            // A post the hook cannot create (here: a type without custom_) is a 500, not a 400:
            // retrying it never helps.
            const bad = await fetch(`${mm.url}/hooks/${hook.id}`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'x', type: 'ireserve_notice'})});
            assert.equal(bad.status, 500);
            const body = await bad.json() as {id?: string; detailed_error?: string};
            assert.equal(body.id, 'web.incoming_webhook.general.app_error');
            assert.match(body.detailed_error ?? '', /Invalid type/);
        });
    });

    describe('mentions (why and how the bridge neutralises visitor text)', () => {
        let ch: {id: string};
        const mentions = async (): Promise<number> => (await mm.agents.agent1.client.getMyChannelMember(ch.id)).mention_count;

        before(async () => {
            ch = await mm.admin.client.createChannel({team_id: mm.team.id, name: `mentions-${mm.suffix}`, display_name: 'Mentions', type: 'O'});
            await mm.admin.client.addToChannel(mm.bot.id, ch.id);
            await mm.admin.client.addToChannel(mm.agents.agent1.id, ch.id);
            await mm.admin.client.addToChannel(mm.agents.agent2.id, ch.id);
        });

        it('a bot\'s post with @channel or @username counts as a mention for agents, by the time the create answers', async () => {
            const start = await mentions();
            await mm.bot.client.createPost({channel_id: ch.id, message: 'Visitor says: @channel please help'});
            assert.equal(await mentions(), start + 1, '@channel');
            await mm.bot.client.createPost({channel_id: ch.id, message: `hey @${mm.agents.agent1.username}, look`});
            assert.equal(await mentions(), start + 2, '@username');
            await mm.bot.client.createPost({channel_id: ch.id, message: '@all and @here too'});
            assert.equal(await mentions(), start + 3, '@all/@here');
        });

        it('a bot\'s thread reply mentioning @username counts in that member\'s channel mention_count; @here alone counts for a member who is online (waiting reminders rely on both)', async () => {
            // server/channels/app/notification.go: SendNotifications increments the channel member's
            // mention count for every mentioned user, thread replies included (IncrementMentionCount).
            const root = await mm.bot.client.createPost({channel_id: ch.id, message: 'A conversation root'} as Post);
            const start = await mentions();
            await mm.bot.client.createPost({channel_id: ch.id, root_id: root.id, message: `⏰ Lotte Jansen has waited 5 minutes — @${mm.agents.agent1.username}`} as Post);
            assert.equal(await mentions(), start + 1, 'thread reply with @username');
            await mm.agents.agent1.client.updateStatus({user_id: mm.agents.agent1.id, status: 'online'} as never);
            await mm.bot.client.createPost({channel_id: ch.id, root_id: root.id, message: '⏰ Lotte Jansen has waited 15 minutes — @here'} as Post);
            assert.equal(await mentions(), start + 2, 'thread reply with @here, member online');
        });

        it('a zero-width joiner right after "@" (the bridge\'s neutralisation) mentions nobody; e-mail addresses mention nobody', async () => {
            const start = await mentions();
            const zwj = '\u200D';
            await mm.bot.client.createPost({channel_id: ch.id, message: `@${zwj}channel @${zwj}all @${zwj}here @${zwj}${mm.agents.agent1.username} (${mm.agents.agent1.email})`});
            // Positive control after it: counts are settled when the create answers (see above).
            await mm.bot.client.createPost({channel_id: ch.id, message: `control @${mm.agents.agent1.username}`});
            assert.equal(await mentions(), start + 1, 'only the control post mentioned agent1');
        });
    });

    describe('files', () => {
        it('POST /files: channel_id first → 201 {file_infos, client_ids} (channel_id after the files is accepted too)', async () => {
            const ok = await uploadFiles(mm.url, mm.bot.token, mm.channels.public.id, [{name: 'hello.txt', type: 'text/plain', data: Buffer.from('hello')}]);
            assert.equal(ok.status, 201);
            const body = ok.body as FileUploadResponse;
            assert.equal(body.file_infos.length, 1);
            assert.ok(Array.isArray(body.client_ids));
            assert.equal(body.file_infos[0]!.name, 'hello.txt');
            assert.equal(body.file_infos[0]!.size, 5);

            // MATTERMOST.md asks for channel_id first (the streaming reader needs it); this server
            // also accepts it last. The bridge keeps it first, which works on both.
            const late = await uploadFiles(mm.url, mm.bot.token, mm.channels.public.id, [{name: 'late.txt', type: 'text/plain', data: Buffer.from('late')}], 'files-first');
            assert.equal(late.status, 201, JSON.stringify(late.body));
        });

        it('GET /files/{id} and /info need read access to the channel: team members read public channels, only members private ones', async () => {
            const r = await uploadFiles(mm.url, mm.bot.token, mm.channels.notifications.id, [{name: 'n.png', type: 'image/png', data: Buffer.from('not really a png')}]);
            const id = (r.body as FileUploadResponse).file_infos[0]!.id;
            await mm.bot.client.createPost({channel_id: mm.channels.notifications.id, message: 'file', file_ids: [id]});
            const infoRes = await fetch(`${mm.url}/api/v4/files/${id}/info`, {headers: {Authorization: `Bearer ${mm.bot.token}`}});
            assert.equal(infoRes.status, 200);
            const info = await infoRes.json() as {name: string; size: number; mime_type: string; post_id: string};
            assert.equal(info.name, 'n.png');
            assert.equal(info.size, 16);
            assert.equal(info.mime_type, 'image/png');
            // agent2 is not a member of the notification channel, but it is public: team members may read it.
            const res = await fetch(`${mm.url}/api/v4/files/${id}`, {headers: {Authorization: `Bearer ${mm.agents.agent2.token}`}});
            await res.arrayBuffer();
            assert.equal(res.status, 200);
            // A private channel's file is not readable by a non-member.
            const priv = await mm.admin.client.createChannel({team_id: mm.team.id, name: `files-${mm.suffix}`, display_name: 'Files', type: 'P'});
            await mm.admin.client.addToChannel(mm.bot.id, priv.id);
            const r2 = await uploadFiles(mm.url, mm.bot.token, priv.id, [{name: 'secret.txt', type: 'text/plain', data: Buffer.from('secret')}]);
            const id2 = (r2.body as FileUploadResponse).file_infos[0]!.id;
            await mm.bot.client.createPost({channel_id: priv.id, message: 'secret', file_ids: [id2]});
            const denied = await fetch(`${mm.url}/api/v4/files/${id2}`, {headers: {Authorization: `Bearer ${mm.agents.agent2.token}`}});
            await denied.arrayBuffer();
            assert.equal(denied.status, 403);
            const allowed = await fetch(`${mm.url}/api/v4/files/${id2}`, {headers: {Authorization: `Bearer ${mm.bot.token}`}});
            assert.equal(allowed.status, 200);
            assert.equal(Buffer.from(await allowed.arrayBuffer()).toString(), 'secret');
        });

        it('an upload larger than FileSettings.MaxFileSize → 413', async () => {
            await mm.admin.client.patchConfig({FileSettings: {MaxFileSize: 1024}} as never);
            try {
                const big = await uploadFiles(mm.url, mm.bot.token, mm.channels.public.id, [{name: 'big.bin', type: 'application/octet-stream', data: Buffer.alloc(4096, 1)}]);
                assert.equal(big.status, 413, JSON.stringify(big.body));
            } finally {
                await mm.admin.client.patchConfig({FileSettings: {MaxFileSize: 104_857_600}} as never);
            }
        });
    });

    describe('client config the webapp plugin follows', () => {
        it('the App Bar is on by default (DisableAppBar "false") and the default client locale is in a logged-in user\'s client config', async (t) => {
            // As the web app fetches it: logged in (the config for anonymous users is a shorter one).
            const res = await fetch(`${mm.url}/api/v4/config/client?format=old`, {headers: {Authorization: `Bearer ${mm.agents.agent1.token}`}});
            assert.equal(res.status, 200);
            const config = await res.json() as Record<string, string>;
            assert.ok('DisableAppBar' in config, 'DisableAppBar is sent to clients');
            assert.ok(typeof config.DefaultClientLocale === 'string' && config.DefaultClientLocale !== '', 'DefaultClientLocale is sent to clients');
            if (process.env.MM_URL) {
                t.diagnostic(`existing server: DisableAppBar=${config.DisableAppBar}, DefaultClientLocale=${config.DefaultClientLocale}`);
            } else {
                assert.equal(config.DisableAppBar, 'false');
                assert.equal(config.DefaultClientLocale, 'en');
            }
        });
    });

    describe('users, channels, tokens', () => {
        it('GET /users/me/channels lists the bot\'s channels across teams; per team with /users/me/teams/{id}/channels', async () => {
            const other = await mm.admin.client.createTeam({name: `other-${mm.suffix}`, display_name: 'Other', type: 'O'} as never);
            await mm.admin.client.addToTeam(other.id, mm.bot.id);
            const elsewhere = await mm.admin.client.createChannel({team_id: other.id, name: `elsewhere-${mm.suffix}`, display_name: 'Elsewhere', type: 'P'});
            await mm.admin.client.addToChannel(mm.bot.id, elsewhere.id);
            const res = await fetch(`${mm.url}/api/v4/users/me/channels`, {headers: {Authorization: `Bearer ${mm.bot.token}`}});
            assert.equal(res.status, 200);
            const all = await res.json() as Array<{id: string; team_id: string; type: string}>;
            const ids = all.map((c) => c.id);
            for (const ch of [mm.channels.public, mm.channels.private, mm.channels.notifications, elsewhere]) {
                assert.ok(ids.includes(ch.id), `${ch.display_name} listed`);
            }
            const perTeam = await mm.bot.client.getMyChannels(mm.team.id);
            assert.ok(perTeam.some((c) => c.id === mm.channels.private.id));
            assert.equal(perTeam.some((c) => c.id === elsewhere.id), false);
        });

        it('a bot not on a channel\'s team: GET /channels/{id} of a public channel → 403 (as for a private one), and it cannot be added to the channel (404 app.team.get_member.missing.app_error) until it is on the team', async () => {
            const far = await mm.admin.client.createTeam({name: `far-${mm.suffix}`, display_name: 'Far', type: 'O'} as never);
            const farPublic = await mm.admin.client.createChannel({team_id: far.id, name: `far-desk-${mm.suffix}`, display_name: 'Far desk', type: 'O'});
            await expectClientError(mm.bot.client.getChannel(farPublic.id), 403);
            const hiddenPrivate = await mm.admin.client.createChannel({team_id: mm.team.id, name: `hidden-${mm.suffix}`, display_name: 'Hidden', type: 'P'});
            await expectClientError(mm.bot.client.getChannel(hiddenPrivate.id), 403);
            await expectClientError(mm.admin.client.addToChannel(mm.bot.id, farPublic.id), 404, 'app.team.get_member.missing.app_error');
            await mm.admin.client.addToTeam(far.id, mm.bot.id);
            assert.equal((await mm.bot.client.getChannel(farPublic.id)).id, farPublic.id, 'on the team, the bot reads the public channel');
            await mm.admin.client.addToChannel(mm.bot.id, farPublic.id);
        });

        it('GET /users/{id}: the bot sees e-mails while ShowEmailAddress is on (default), blank when it is off', async () => {
            const seen = await mm.bot.client.getUser(mm.agents.agent1.id);
            assert.equal(seen.email, mm.agents.agent1.email);
            await mm.admin.client.patchConfig({PrivacySettings: {ShowEmailAddress: false}} as never);
            try {
                const hidden = await mm.bot.client.getUser(mm.agents.agent1.id);
                assert.equal(hidden.email ?? '', '');
                const admin = await mm.admin.client.getUser(mm.agents.agent1.id);
                assert.equal(admin.email, mm.agents.agent1.email, 'a system admin still sees it');
                // A bot counts as an admin only with the system_admin role (a bot of its own: the server
                // refuses to demote it again, "Cannot demote last System Admin").
                const adminBot = await mm.admin.client.createBot({username: `admin-bot-${mm.suffix}`, display_name: 'Admin bot', description: 'e2e'});
                const adminBotToken = await mm.admin.client.createUserAccessToken(adminBot.user_id, 'e2e');
                const adminBotClient = clientFor(mm.url, adminBotToken.token);
                assert.equal((await adminBotClient.getUser(mm.agents.agent1.id)).email ?? '', '', 'a plain bot does not');
                await mm.admin.client.updateUserRoles(adminBot.user_id, 'system_user system_admin');
                assert.equal((await adminBotClient.getUser(mm.agents.agent1.id)).email, mm.agents.agent1.email, 'a system_admin bot sees it');
                await mm.admin.client.revokeUserAccessToken(adminBotToken.id);
            } finally {
                await mm.admin.client.patchConfig({PrivacySettings: {ShowEmailAddress: true}} as never);
            }
        });

        it('invalid or revoked token → 401 api.context.session_expired.app_error', async () => {
            const t = await mm.admin.client.createUserAccessToken(mm.bot.id, 'to revoke');
            const c = clientFor(mm.url, t.token);
            assert.equal((await c.getMe()).id, mm.bot.id);
            await mm.admin.client.revokeUserAccessToken(t.id);
            await expectClientError(c.getMe(), 401, 'api.context.session_expired.app_error');
            await expectClientError(c.createPost({channel_id: mm.channels.public.id, message: 'x'}), 401, 'api.context.session_expired.app_error');
            await expectClientError(clientFor(mm.url, 'x'.repeat(26)).getMe(), 401, 'api.context.session_expired.app_error');
        });
    });

    describe('direct messages and password logins (bridge options)', () => {
        it('GET /users/email/{email} as the bot: the user (deactivated ones too, with delete_at), 404 when unknown, 403 when e-mails are hidden', async () => {
            const found = await mm.bot.client.getUserByEmail(mm.agents.agent1.email);
            assert.equal(found.id, mm.agents.agent1.id);
            await expectClientError(mm.bot.client.getUserByEmail(`nobody-${mm.suffix}@example.com`), 404);
            const gone = await mm.admin.client.createUser({username: `gone-${mm.suffix}`, email: `gone-${mm.suffix}@example.com`, password: 'Gone-Passw0rd!'} as never, '', '');
            await mm.admin.client.updateUserActive(gone.id, false);
            const deactivated = await mm.bot.client.getUserByEmail(`gone-${mm.suffix}@example.com`);
            assert.ok(deactivated.delete_at > 0, 'a deactivated user is returned, with delete_at set');
            await mm.admin.client.patchConfig({PrivacySettings: {ShowEmailAddress: false}} as never);
            try {
                await expectClientError(mm.bot.client.getUserByEmail(mm.agents.agent1.email), 403, 'api.user.get_user_by_email.permissions.app_error');
            } finally {
                await mm.admin.client.patchConfig({PrivacySettings: {ShowEmailAddress: true}} as never);
            }
        });

        it('a bot opens a direct channel with a user (POST /channels/direct) and posts there; the user reads it', async () => {
            const dm = await mm.bot.client.createDirectChannel([mm.bot.id, mm.agents.agent2.id]);
            assert.equal(dm.type, 'D');
            const again = await mm.bot.client.createDirectChannel([mm.bot.id, mm.agents.agent2.id]);
            assert.equal(again.id, dm.id, 'the same channel every time');
            const post = await mm.bot.client.createPost({channel_id: dm.id, message: 'You were assigned a conversation', props: {ireserve: {v: 1, dm: 'assignment'}}});
            const seen = await mm.agents.agent2.client.getPost(post.id);
            assert.equal(seen.channel_id, dm.id);
        });

        it('POST /users/login (username or e-mail) answers the session token in the Token header; a revoked session → 401; logging in again works', async () => {
            const login = async (loginId: string): Promise<{status: number; token: string | null; body: {id?: string}}> => {
                const res = await fetch(`${mm.url}/api/v4/users/login`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({login_id: loginId, password: mm.agents.agent2.password})});
                return {status: res.status, token: res.headers.get('token'), body: await res.json() as {id?: string}};
            };
            const byEmail = await login(mm.agents.agent2.email);
            assert.equal(byEmail.status, 200);
            assert.ok(byEmail.token, 'Token header');
            assert.equal(byEmail.body.id, mm.agents.agent2.id);
            const c = clientFor(mm.url, byEmail.token!);
            assert.equal((await c.getMe()).id, mm.agents.agent2.id);

            const wrong = await fetch(`${mm.url}/api/v4/users/login`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({login_id: mm.agents.agent2.username, password: 'wrong-password'})});
            assert.equal(wrong.status, 401);
            assert.equal(((await wrong.json()) as {id?: string}).id, 'api.user.login.invalid_credentials_email_username');

            await mm.admin.client.revokeAllSessionsForUser(mm.agents.agent2.id);
            await expectClientError(c.getMe(), 401, 'api.context.session_expired.app_error');
            const again = await login(mm.agents.agent2.username);
            assert.equal(again.status, 200);
            assert.equal((await clientFor(mm.url, again.token!).getMe()).id, mm.agents.agent2.id);
            // agent2's bootstrap session was revoked too: give the suite a fresh one.
            mm.agents.agent2.client.setToken(again.token!);
            mm.agents.agent2.token = again.token!;
        });
    });

    describe('websocket', () => {
        const wsUrl = (): string => `${mm.url.replace(/^http/, 'ws')}/api/v4/websocket`;

        it('authenticates with an authentication_challenge message', async () => {
            const {ws, events, opened} = openWs(wsUrl());
            try {
                await opened;
                ws.send(JSON.stringify({seq: 1, action: 'authentication_challenge', data: {token: mm.bot.token}}));
                const reply = await waitFor('the challenge reply', () => events.find((e) => e.seq_reply === 1));
                assert.equal(reply.status, 'OK');
                const hello = await waitFor('hello', () => events.find((e) => e.event === 'hello'));
                assert.ok(typeof hello.data?.connection_id === 'string' && hello.data.connection_id !== '');
                const post = await mm.agents.agent1.client.createPost({channel_id: mm.channels.private.id, message: 'ws challenge'});
                await waitFor('posted', () => postedIds(events).includes(post.id));
            } finally {
                ws.close();
            }
        });

        it('post_edited carries data.post as a JSON string too', async () => {
            const {ws, events} = openWs(wsUrl(), {Authorization: `Bearer ${mm.bot.token}`});
            try {
                await waitFor('hello', () => events.find((e) => e.event === 'hello'));
                const post = await mm.agents.agent1.client.createPost({channel_id: mm.channels.private.id, message: 'to edit'});
                await mm.agents.agent1.client.patchPost({id: post.id, message: 'edited'});
                const ev = await waitFor('post_edited', () => events.find((e) => e.event === 'post_edited'
                    && typeof e.data?.post === 'string' && (JSON.parse(e.data.post) as Post).id === post.id));
                assert.equal((JSON.parse(String(ev.data!.post)) as Post).message, 'edited');
            } finally {
                ws.close();
            }
        });

        it('reconnecting with connection_id + sequence_number replays the events missed meanwhile; an unknown id gets a new connection', async () => {
            const first = openWs(wsUrl(), {Authorization: `Bearer ${mm.bot.token}`});
            const hello = await waitFor('hello', () => first.events.find((e) => e.event === 'hello'));
            const connectionId = String(hello.data!.connection_id);
            const warm = await mm.agents.agent1.client.createPost({channel_id: mm.channels.private.id, message: 'before the gap'});
            await waitFor('posted before the gap', () => postedIds(first.events).includes(warm.id));
            const lastSeq = Math.max(...first.events.map((e) => e.seq ?? -1));
            const closed = new Promise((r) => first.ws.once('close', r));
            first.ws.close();
            await closed;

            const missed: string[] = [];
            for (let i = 0; i < 3; i++) {
                missed.push((await mm.agents.agent1.client.createPost({channel_id: mm.channels.private.id, message: `missed ${i}`})).id);
            }
            const second = openWs(`${wsUrl()}?connection_id=${encodeURIComponent(connectionId)}&sequence_number=${lastSeq + 1}`, {Authorization: `Bearer ${mm.bot.token}`});
            try {
                await waitFor('the missed posts replayed', () => missed.every((id) => postedIds(second.events).includes(id)));
                assert.deepEqual(postedIds(second.events).filter((id) => missed.includes(id)), missed, 'in order');
                const seqs = second.events.filter((e) => e.event && e.event !== 'hello').map((e) => e.seq ?? -1);
                assert.equal(seqs[0], lastSeq + 1, 'sequence continues where it stopped');
                const helloAgain = second.events.find((e) => e.event === 'hello');
                if (helloAgain) {
                    assert.equal(helloAgain.data?.connection_id, connectionId, 'same connection resumed');
                }
            } finally {
                second.ws.close();
            }

            const third = openWs(`${wsUrl()}?connection_id=${'z'.repeat(26)}&sequence_number=5`, {Authorization: `Bearer ${mm.bot.token}`});
            try {
                const fresh = await waitFor('a new hello', () => third.events.find((e) => e.event === 'hello'));
                assert.notEqual(fresh.data?.connection_id, 'z'.repeat(26));
                assert.notEqual(fresh.data?.connection_id, connectionId);
            } finally {
                third.ws.close();
            }
        });
    });
});

describe('a second real server: rate limiting on, only "localhost" trusted for integrations', {timeout: 20 * 60_000, skip: process.env.MM_URL ? 'needs a server booted with other settings (not MM_URL)' : false}, () => {
    let mm: RealMattermost;

    before(async () => {
        // Rate limits at their defaults (10 per second, burst 100, per remote address): the
        // bootstrap stays under them. Settings given by MM_* variables cannot be changed through
        // the API afterwards, hence a server of its own.
        mm = await bootRealMattermost({env: {
            MM_RATELIMITSETTINGS_ENABLE: 'true',
            MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS: 'localhost',
        }});
    }, {timeout: 45 * 60_000});

    it('outgoing-webhook calls to a loopback address are refused unless its host is listed in AllowedUntrustedInternalConnections', async () => {
        const byIp = await startReceiver();
        const byName = await startReceiver();
        try {
            await mm.createOutgoingWebhook(byIp.url);
            await mm.createOutgoingWebhook(byName.url.replace('127.0.0.1', 'localhost'));
            const post = await mm.agents.agent1.client.createPost({channel_id: mm.channels.public.id, message: 'who gets this?'});
            await waitFor('the call to the listed host (localhost)', () => byName.received.find((r) => (JSON.parse(r.body) as {post_id?: string}).post_id === post.id));
            await waitFor('the refusal in the server log', async () => (await readFile(mm.server!.logFile, 'utf8')).includes('AllowedUntrustedInternalConnections to allow an integration'));
            assert.equal(byIp.received.length, 0, 'nothing reached 127.0.0.1, which is not listed');
        } finally {
            await byIp.close();
            await byName.close();
        }
    });

    // The Test's action check (server-bridge/src/admin/action_test.ts) relies on these two.
    it('a bot may trigger an action on its own post (POST /posts/{id}/actions/{action_id}): the server calls the integration URL with the bot as user_id, and answers the bot {status: "OK"}', async () => {
        const receiver = await startReceiver('/actions');
        try {
            receiver.respond = () => ({status: 200, body: JSON.stringify({ephemeral_text: 'seen'})});
            const url = receiver.url.replace('127.0.0.1', 'localhost');
            const probe = await mm.bot.client.createPost({
                channel_id: mm.channels.public.id, message: 'an action probe',
                props: {attachments: [{text: '', actions: [{id: 'irsvprobe', name: 'Check', type: 'button', integration: {url, context: {probe: 'p-1'}}}]}]},
            } as unknown as Post);
            const answer = await mm.bot.client.doPostAction(probe.id, 'irsvprobe') as unknown as {status?: string};
            assert.equal(answer.status, 'OK');
            assert.equal(receiver.received.length, 1);
            const request = JSON.parse(receiver.received[0]!.body) as {user_id: string; post_id: string; context: Record<string, unknown>};
            assert.equal(request.user_id, mm.bot.id);
            assert.equal(request.post_id, probe.id);
            assert.deepEqual(request.context, {probe: 'p-1'});
            await mm.bot.client.deletePost(probe.id);
        } finally {
            await receiver.close();
        }
    });

    it('an action URL on a loopback address not listed in AllowedUntrustedInternalConnections: the trigger → 400 api.post.do_action.action_integration.app_error, nothing reaches it (the same answer as for a URL nobody listens on)', async () => {
        const receiver = await startReceiver('/actions');
        try {
            const action = (url: string) => ({attachments: [{text: '', actions: [{id: 'irsvprobe', name: 'Check', type: 'button', integration: {url, context: {probe: 'p-2'}}}]}]});
            const refused = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'a probe to 127.0.0.1', props: action(receiver.url)} as unknown as Post);
            await expectClientError(mm.bot.client.doPostAction(refused.id, 'irsvprobe'), 400, 'api.post.do_action.action_integration.app_error');
            assert.equal(receiver.received.length, 0, 'nothing reached 127.0.0.1, which is not listed');
            const nobody = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'a probe to a closed port', props: action('http://localhost:9/actions')} as unknown as Post);
            await expectClientError(mm.bot.client.doPostAction(nobody.id, 'irsvprobe'), 400, 'api.post.do_action.action_integration.app_error');
            await mm.bot.client.deletePost(refused.id);
            await mm.bot.client.deletePost(nobody.id);
        } finally {
            await receiver.close();
        }
    });

    after(async () => {
        await mm?.stop();
    });

    it('answers 429 with a plain-text "limit exceeded" body, X-RateLimit-* headers and Retry-After (seconds)', async () => {
        let limited: {status: number; contentType: string; body: string; headers: Headers} | undefined;
        for (let round = 0; round < 20 && !limited; round++) {
            const answers = await Promise.all(Array.from({length: 40}, async () => {
                const res = await fetch(`${mm.url}/api/v4/users/me`, {headers: {Authorization: `Bearer ${mm.bot.token}`}});
                return {status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text(), headers: res.headers};
            }));
            limited = answers.find((a) => a.status === 429);
        }
        assert.ok(limited, 'some request was limited');
        assert.match(limited.contentType, /^text\/plain/);
        assert.equal(limited.body.trim(), 'limit exceeded');
        for (const h of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after']) {
            assert.ok(limited.headers.get(h) !== null, `${h} header`);
        }
        assert.match(limited.headers.get('retry-after')!, /^\d+$/);
        assert.match(limited.headers.get('x-ratelimit-reset')!, /^\d+$/);
    });

    it('Client4 turns that 429 into a ClientError with no status_code (it reads the status from the JSON body)', async () => {
        let error: {status_code?: number; message?: string} | undefined;
        for (let round = 0; round < 20 && !error; round++) {
            const results = await Promise.allSettled(Array.from({length: 40}, () => mm.bot.client.getMe()));
            const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
            error = rejected?.reason as typeof error;
        }
        assert.ok(error, 'some Client4 call was limited');
        assert.equal(error.status_code, undefined, 'no status on the error: the bridge\'s funnel must read the Response itself');
    });
});
