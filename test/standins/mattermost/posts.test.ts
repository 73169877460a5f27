import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {Post} from '@mattermost/types/posts';
import type {MattermostStandIn, Seed} from './index.js';
import {POSTS_SINCE_LIMIT} from './routes_posts.js';
import {clientFor, draft, rejectsWith, startSeeded, type Client} from './test_helpers.js';

describe('Mattermost stand-in: posts through Client4', {timeout: 2 * 60_000}, () => {
    let standIn: MattermostStandIn;
    let seed: Seed;
    let bot: Client;
    let anna: Client;

    before(async () => {
        ({standIn, seed} = await startSeeded());
        bot = clientFor(standIn.url, seed.bot.token);
        anna = clientFor(standIn.url, seed.agent.token);
    });
    after(() => standIn.close());

    it('creates a post (201) with Mattermost fields and from_bot for bots', async () => {
        const post = await bot.createPost(draft({channel_id: seed.channel.id, message: 'hello', props: {a: 1}}));
        assert.match(post.id, /^[a-z0-9]{26}$/);
        assert.equal(post.user_id, seed.bot.user.id);
        assert.equal(post.channel_id, seed.channel.id);
        assert.equal(post.root_id, '');
        assert.equal(post.type, '');
        assert.deepEqual(post.props, {a: 1, from_bot: 'true'});
        assert.equal(post.edit_at, 0);
        assert.equal(post.delete_at, 0);
        assert.ok(post.create_at > 0 && post.update_at === post.create_at);
        assert.deepEqual(post.metadata, {});
        const status = standIn.requestLog().find((r) => r.key === 'POST /api/v4/posts')?.status;
        assert.equal(status, 201);

        const human = await anna.createPost(draft({channel_id: seed.channel.id, message: 'hi'}));
        assert.equal(human.props.from_bot, undefined);
    });

    it('refuses non-members with 403 api.context.permissions.app_error', async () => {
        standIn.removeChannelMember(seed.private_channel.id, seed.agent.user.id);
        try {
            await rejectsWith(anna.createPost(draft({channel_id: seed.private_channel.id, message: 'x'})), 403, 'api.context.permissions.app_error');
            await rejectsWith(anna.createPost(draft({channel_id: 'unknownunknownunknownunkno', message: 'x'})), 403, 'api.context.permissions.app_error');
        } finally {
            standIn.addChannelMember(seed.private_channel.id, seed.agent.user.id);
        }
    });

    it('rejects replies to unknown, deleted, nested or foreign roots with 400', async () => {
        await rejectsWith(bot.createPost(draft({channel_id: seed.channel.id, message: 'r', root_id: 'aaaaaaaaaaaaaaaaaaaaaaaaaa'})),
            400, 'api.post.create_post.root_id.app_error');
        const root = await bot.createPost(draft({channel_id: seed.channel.id, message: 'root'}));
        const reply = await bot.createPost(draft({channel_id: seed.channel.id, message: 'reply', root_id: root.id}));
        assert.equal(reply.root_id, root.id);
        await rejectsWith(bot.createPost(draft({channel_id: seed.channel.id, message: 'r', root_id: reply.id})),
            400, 'api.post.create_post.root_id.app_error');
        await rejectsWith(bot.createPost(draft({channel_id: seed.notification_channel.id, message: 'r', root_id: root.id})),
            400, 'api.post.create_post.channel_root_id.app_error');
        assert.equal(standIn.deletePost(root.id), true);
        await rejectsWith(bot.createPost(draft({channel_id: seed.channel.id, message: 'r', root_id: root.id})),
            400, 'api.post.create_post.root_id.app_error');
    });

    it('limits messages to 16,383 runes, counting code points', async () => {
        const ok = await bot.createPost(draft({channel_id: seed.channel.id, message: '😀'.repeat(16383)}));
        assert.equal([...ok.message].length, 16383);
        await rejectsWith(bot.createPost(draft({channel_id: seed.channel.id, message: 'a'.repeat(16384)})),
            400, 'model.post.is_valid.message_length.app_error');
    });

    it('accepts custom_ types only', async () => {
        const custom = await bot.createPost(draft({channel_id: seed.channel.id, message: 'card', type: 'custom_irsv_conversation'}));
        assert.equal(custom.type, 'custom_irsv_conversation');
        await rejectsWith(bot.createPost(draft({channel_id: seed.channel.id, message: 'x', type: 'bogus'})),
            400, 'model.post.is_valid.type.app_error');
        await rejectsWith(bot.createPost(draft({channel_id: seed.channel.id, message: 'x', type: 'system_join_channel'})),
            400, 'api.context.invalid_body_param.app_error');
    });

    it('de-duplicates a repeated pending_post_id within the TTL', async () => {
        const before = standIn.allPosts().length;
        const pending = `${seed.bot.user.id}:${Date.now()}`;
        const first = await bot.createPost(draft({channel_id: seed.channel.id, message: 'once', pending_post_id: pending}));
        assert.equal(first.pending_post_id, pending);
        const again = await bot.createPost(draft({channel_id: seed.channel.id, message: 'once', pending_post_id: pending}));
        assert.equal(again.id, first.id);
        assert.equal(again.pending_post_id, '');
        assert.equal(again.metadata, undefined);
        assert.equal(standIn.allPosts().length, before + 1);
        const statuses = standIn.requestLog().filter((r) => r.key === 'POST /api/v4/posts').slice(-2).map((r) => r.status);
        assert.deepEqual(statuses, [201, 201]);

        standIn.setConfig({pendingPostIdTtlMs: 0});
        try {
            const expiring = `${pending}-2`;
            const a = await bot.createPost(draft({channel_id: seed.channel.id, message: 'twice', pending_post_id: expiring}));
            const b = await bot.createPost(draft({channel_id: seed.channel.id, message: 'twice', pending_post_id: expiring}));
            assert.notEqual(a.id, b.id, 'after the TTL a repeat creates a new post');
        } finally {
            standIn.setConfig({pendingPostIdTtlMs: 30_000});
        }
    });

    it('gets, patches (props replaced whole), deletes; 404 once deleted, 403 without access', async () => {
        const post = await bot.createPost(draft({channel_id: seed.channel.id, message: 'v1', props: {ireserve: {v: 1, status: 'open'}, keep: 'no'}}));
        const got = await anna.getPost(post.id);
        assert.equal(got.message, 'v1');

        const patched = await bot.patchPost(draft({id: post.id, props: {ireserve: {v: 1, status: 'closed'}}}));
        assert.deepEqual(patched.props, {ireserve: {v: 1, status: 'closed'}, from_bot: 'true'});
        assert.equal(patched.edit_at, 0, 'props alone is not an edit');
        const edited = await bot.patchPost(draft({id: post.id, message: 'v2'}));
        assert.equal(edited.message, 'v2');
        assert.ok(edited.edit_at > 0);
        await rejectsWith(anna.patchPost(draft({id: post.id, message: 'hijack'})), 403, 'api.context.permissions.app_error');

        const secret = await bot.createPost(draft({channel_id: seed.private_channel.id, message: 'secret'}));
        standIn.removeChannelMember(seed.private_channel.id, seed.agent2.user.id);
        const ben = clientFor(standIn.url, seed.agent2.token);
        await rejectsWith(ben.getPost(secret.id), 403, 'api.context.permissions.app_error');
        standIn.addChannelMember(seed.private_channel.id, seed.agent2.user.id);

        await rejectsWith(anna.deletePost(post.id), 403, 'api.context.permissions.app_error');
        const res = await bot.deletePost(post.id);
        assert.deepEqual(res, {status: 'OK'});
        await rejectsWith(anna.getPost(post.id), 404, 'app.post.get.app_error');
        await rejectsWith(anna.getPost('zzzzzzzzzzzzzzzzzzzzzzzzzz'), 404, 'app.post.get.app_error');
        assert.equal(standIn.getPost(post.id)?.props.deleteBy, seed.bot.user.id);
    });

    it('editPost edits as the user (edit_at set, own posts only); posts-since returns edited and deleted posts, the deleted one blanked', async () => {
        const root = await bot.createPost(draft({channel_id: seed.channel.id, message: 'root'}));
        const reply = await anna.createPost(draft({channel_id: seed.channel.id, root_id: root.id, message: 'before'}));
        const doomed = await anna.createPost(draft({channel_id: seed.channel.id, root_id: root.id, message: 'doomed'}));
        await new Promise((resolve) => setTimeout(resolve, 5));
        const since = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 5));
        const edited = standIn.editPost(seed.agent.user.id, reply.id, 'after') as unknown as Post;
        assert.equal(edited.message, 'after');
        assert.ok(edited.edit_at >= since);
        assert.throws(() => standIn.editPost(seed.agent2.user.id, reply.id, 'not yours'), (error: {statusCode?: number}) => error.statusCode === 403);
        standIn.deletePost(doomed.id, seed.agent.user.id);
        const list = await bot.getPostsSince(seed.channel.id, since, false);
        assert.equal(list.posts[reply.id]?.message, 'after');
        assert.ok((list.posts[doomed.id]?.delete_at ?? 0) > 0);
        assert.equal(list.posts[doomed.id]?.message, '');
    });

    it('posts-since answers at most 1000 changed posts, as Mattermost\'s GetPostsSince (LIMIT 1000): a reader must page for the rest', async () => {
        const channel = seed.notification_channel.id;
        await new Promise((resolve) => setTimeout(resolve, 5));
        const since = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 5));
        const root = await bot.createPost(draft({channel_id: channel, message: 'many replies'}));
        const replies: Post[] = [];
        for (let i = 0; i < POSTS_SINCE_LIMIT + 1; i += 1) {
            replies.push(await bot.createPost(draft({channel_id: channel, root_id: root.id, message: `reply ${i}`})));
        }
        const list = await bot.getPostsSince(channel, since, false);
        assert.equal(list.order.length, POSTS_SINCE_LIMIT, 'capped at the limit');
        assert.equal(new Set(list.order).size, POSTS_SINCE_LIMIT);
        for (const id of list.order) {
            assert.ok(list.posts[id]!.update_at > since);
        }
        assert.ok(list.order.includes(root.id), 'the root (its update_at moved) is among them');
        const listed = replies.filter((reply) => list.order.includes(reply.id)).length;
        assert.equal(listed, POSTS_SINCE_LIMIT - 1, 'two replies are left out');
        const orderCreated = list.order.map((id) => list.posts[id]!.create_at);
        assert.deepEqual(orderCreated, [...orderCreated].sort((a, b) => b - a), 'newest first');
        // Below the limit nothing is left out.
        const tail = await bot.getPostsSince(channel, replies.at(-3)!.update_at, false);
        assert.deepEqual(tail.order, [replies.at(-1)!.id, replies.at(-2)!.id, root.id]);
    });

    it('?after=<post id> answers as Mattermost\'s getPostsAround: live posts created strictly after it, replies included, paged oldest first; a deleted anchor still anchors, an unknown one answers nothing', async () => {
        const channel = seed.channel.id;
        const root = await bot.createPost(draft({channel_id: channel, message: 'after root'}));
        const anchor = await anna.createPost(draft({channel_id: channel, message: 'the anchor', root_id: root.id}));
        const r1 = await anna.createPost(draft({channel_id: channel, message: 'reply 1', root_id: root.id}));
        const top = await anna.createPost(draft({channel_id: channel, message: 'top level'}));
        const gone = await anna.createPost(draft({channel_id: channel, message: 'deleted', root_id: root.id}));
        const r2 = await anna.createPost(draft({channel_id: channel, message: 'reply 2', root_id: root.id}));
        await anna.deletePost(gone.id);
        const sorted = (ids: string[]) => [...ids].sort();
        const after = [r1.id, top.id, r2.id];
        const all = await bot.getPostsAfter(channel, anchor.id, 0, 200, false);
        assert.deepEqual(sorted(all.order), sorted(after));
        assert.ok(all.order.every((id) => all.posts[id]!.create_at > anchor.create_at));
        assert.deepEqual(sorted((await bot.getPostsAfter(channel, anchor.id, 0, 2, false)).order), sorted([r1.id, top.id]), 'page 0 holds the oldest');
        assert.deepEqual((await bot.getPostsAfter(channel, anchor.id, 1, 2, false)).order, [r2.id], 'page 1 the next ones');
        await anna.deletePost(anchor.id);
        assert.deepEqual(sorted((await bot.getPostsAfter(channel, anchor.id, 0, 200, false)).order), sorted(after), 'a deleted anchor');
        assert.deepEqual((await bot.getPostsAfter(channel, 'q'.repeat(26), 0, 200, false)).order, [], 'an unknown anchor');
    });

    it('returns threads and channel pages as {order, posts}', async () => {
        const root = await bot.createPost(draft({channel_id: seed.notification_channel.id, message: 'root'}));
        const r1 = await anna.createPost(draft({channel_id: seed.notification_channel.id, message: 'r1', root_id: root.id}));
        const r2 = await bot.createPost(draft({channel_id: seed.notification_channel.id, message: 'r2', root_id: root.id}));

        const thread = await anna.getPostThread(root.id);
        assert.deepEqual(thread.order, [root.id, r1.id, r2.id]);
        assert.equal(thread.posts[root.id]!.reply_count, 2);
        const fromReply = await anna.getPostThread(r2.id);
        assert.deepEqual(fromReply.order, [r2.id, root.id, r1.id]);

        const page = await anna.getPosts(seed.notification_channel.id, 0, 2);
        assert.deepEqual(page.order, [r2.id, r1.id]);
        assert.ok(page.posts[root.id], 'roots of replies are included');
        assert.equal(page.prev_post_id, root.id);

        await anna.patchPost(draft({id: r1.id, message: 'r1 edited'}));
        const since = await anna.getPostsSince(seed.notification_channel.id, r2.create_at);
        assert.deepEqual(since.order, [r1.id]);
        assert.equal(since.posts[r1.id]!.message, 'r1 edited');
    });

    it('adds reactions (200) and shows them in post metadata', async () => {
        const post = await anna.createPost(draft({channel_id: seed.channel.id, message: 'please react'}));
        const reaction = await bot.addReaction(seed.bot.user.id, post.id, 'white_check_mark');
        assert.equal(reaction.emoji_name, 'white_check_mark');
        assert.equal(reaction.user_id, seed.bot.user.id);
        const again = await bot.addReaction(seed.bot.user.id, post.id, 'white_check_mark');
        assert.equal(again.create_at, reaction.create_at, 'idempotent');
        await rejectsWith(bot.addReaction(seed.agent.user.id, post.id, 'warning'), 403, 'api.reaction.save_reaction.user_id.app_error');

        const list = await anna.getReactionsForPost(post.id);
        assert.equal(list.length, 1);
        const fetched = await anna.getPost(post.id);
        assert.equal((fetched as Post & {has_reactions?: boolean}).has_reactions, true);
        assert.equal(fetched.metadata.reactions?.[0]?.emoji_name, 'white_check_mark');
        assert.equal(standIn.reactions(post.id).length, 1);
    });

    it('limits file_ids like a real server (10) or stricter when configured', async () => {
        const ids = Array.from({length: 11}, (_, i) => `${String(i).padStart(2, '0')}${'a'.repeat(24)}`);
        await rejectsWith(bot.createPost(draft({channel_id: seed.channel.id, message: 'f', file_ids: ids})),
            400, 'model.post.is_valid.file_ids.app_error');
        const ten = await bot.createPost(draft({channel_id: seed.channel.id, message: 'f', file_ids: ids.slice(0, 10)}));
        assert.deepEqual(ten.file_ids, [], 'unknown file ids are silently dropped');
        standIn.setConfig({maxFileIdsPerPost: 5});
        try {
            await rejectsWith(bot.createPost(draft({channel_id: seed.channel.id, message: 'f', file_ids: ids.slice(0, 6)})),
                400, 'model.post.is_valid.file_ids.app_error');
        } finally {
            standIn.setConfig({maxFileIdsPerPost: null});
        }
    });
});
