// Posts, threads, channel post lists and reactions.
import type {FastifyInstance} from 'fastify';
import {canPostInChannel, canReadChannel, livePost, readablePost} from './access.js';
import {AppError, forbidden, invalidBody, invalidUrl} from './errors.js';
import {isValidId} from './ids.js';
import type {PostRec} from './records.js';
import {fileInfoJson, postJson, reactionJson} from './serialize.js';
import {requireCaller, type Deps} from './server.js';
import type {Store} from './state.js';

type P<T extends string> = {Params: Record<T, string>};

interface ChannelPostsQuery {
    page?: string;
    per_page?: string;
    since?: string;
    before?: string;
    after?: string;
}

interface ThreadQuery {
    perPage?: string;
    fromPost?: string;
    fromCreateAt?: string;
    direction?: string;
}

export function registerPostRoutes(app: FastifyInstance, {store, posts, hub, actions}: Deps): void {
    app.post('/api/v4/posts', async (req, reply) => {
        const caller = requireCaller(req);
        const body = req.body;
        if (!body || typeof body !== 'object' || Array.isArray(body)) {
            throw invalidBody('post');
        }
        const {json} = posts.createAsUser(caller.user, body);
        void reply.code(201);
        return json;
    });

    app.get<P<'post_id'>>('/api/v4/posts/:post_id', async (req) => {
        const caller = requireCaller(req);
        return postJson(store, readablePost(store, caller.user.id, req.params.post_id).post);
    });

    app.put<P<'post_id'>>('/api/v4/posts/:post_id/patch', async (req) => {
        const caller = requireCaller(req);
        const body = req.body;
        if (!body || typeof body !== 'object' || Array.isArray(body)) {
            throw invalidBody('post');
        }
        return posts.patch(caller.user, req.params.post_id, body);
    });

    app.delete<P<'post_id'>>('/api/v4/posts/:post_id', async (req) => {
        const caller = requireCaller(req);
        posts.delete(caller.user.id, req.params.post_id);
        return {status: 'OK'};
    });

    // api4/apiaction.go: the route only matches action ids of letters and digits (others: 404 route).
    app.post<P<'post_id' | 'action_id'>>('/api/v4/posts/:post_id/actions/:action_id', async (req) => {
        const caller = requireCaller(req);
        if (!isValidId(req.params.post_id)) {
            throw invalidUrl('post_id');
        }
        if (!/^[A-Za-z0-9]+$/.test(req.params.action_id)) {
            throw new AppError(404, 'api.context.404.app_error');
        }
        const body = (req.body ?? {}) as {selected_option?: unknown};
        const selected = typeof body.selected_option === 'string' ? body.selected_option : '';
        return actions.click(caller.user, req.params.post_id, req.params.action_id, selected);
    });

    app.get<P<'post_id'> & {Querystring: ThreadQuery}>('/api/v4/posts/:post_id/thread', async (req) => {
        const caller = requireCaller(req);
        const {post} = readablePost(store, caller.user.id, req.params.post_id);
        return threadList(store, post, req.query);
    });

    app.get<P<'post_id'>>('/api/v4/posts/:post_id/files/info', async (req) => {
        const caller = requireCaller(req);
        const {post} = readablePost(store, caller.user.id, req.params.post_id);
        return store.filesOf(post).filter((f) => f.delete_at === 0).map(fileInfoJson);
    });

    app.get<P<'channel_id'> & {Querystring: ChannelPostsQuery}>('/api/v4/channels/:channel_id/posts', async (req) => {
        const caller = requireCaller(req);
        const channel = store.channels.get(req.params.channel_id);
        if (!channel) {
            if (store.isAdmin(caller.user.id)) {
                throw new AppError(404, 'app.channel.get.existing.app_error');
            }
            throw forbidden();
        }
        if (!canReadChannel(store, caller.user.id, channel)) {
            throw forbidden();
        }
        return channelPostList(store, channel.id, req.query);
    });

    app.post('/api/v4/reactions', async (req) => {
        const caller = requireCaller(req);
        const body = (req.body ?? {}) as {user_id?: unknown; post_id?: unknown; emoji_name?: unknown; create_at?: unknown};
        const emoji = typeof body.emoji_name === 'string' ? body.emoji_name.toLowerCase() : '';
        if (!isValidId(body.user_id) || !isValidId(body.post_id) || emoji === '' || emoji.length > 64) {
            throw new AppError(400, 'api.reaction.save_reaction.invalid.app_error', 'Reaction is not valid.');
        }
        if (body.user_id !== caller.user.id) {
            throw new AppError(403, 'api.reaction.save_reaction.user_id.app_error', 'You cannot save reaction for the other user.');
        }
        const post = livePost(store, body.post_id);
        const channel = store.channels.get(post.channel_id)!;
        if (!canPostInChannel(store, caller.user.id, channel)) {
            throw forbidden();
        }
        if (!/^[a-zA-Z0-9\-+_]+$/.test(emoji)) {
            throw new AppError(400, 'model.reaction.is_valid.emoji_name.app_error', 'Invalid emoji name.');
        }
        const now = store.now();
        const existing = store.getReaction(post.id, caller.user.id, emoji);
        const reaction = existing && existing.delete_at === 0
            ? {...existing, update_at: now}
            : {
                user_id: caller.user.id,
                post_id: post.id,
                emoji_name: emoji,
                channel_id: channel.id,
                create_at: typeof body.create_at === 'number' && body.create_at > 0 ? body.create_at : now,
                update_at: now,
                delete_at: 0,
            };
        store.setReaction(reaction);
        post.update_at = now;
        hub.publishToChannel(channel.id, 'reaction_added', {reaction: JSON.stringify(reactionJson(reaction))});
        return reactionJson(reaction);
    });

    app.get<P<'post_id'>>('/api/v4/posts/:post_id/reactions', async (req) => {
        const caller = requireCaller(req);
        const {post} = readablePost(store, caller.user.id, req.params.post_id);
        return store.reactionsOf(post.id).map(reactionJson);
    });

    app.delete<P<'user_id' | 'post_id' | 'emoji_name'>>('/api/v4/users/:user_id/posts/:post_id/reactions/:emoji_name', async (req) => {
        const caller = requireCaller(req);
        const userId = req.params.user_id === 'me' ? caller.user.id : req.params.user_id;
        if (userId !== caller.user.id && !store.isAdmin(caller.user.id)) {
            throw forbidden();
        }
        const post = livePost(store, req.params.post_id);
        const channel = store.channels.get(post.channel_id)!;
        if (!canPostInChannel(store, caller.user.id, channel)) {
            throw forbidden();
        }
        const emoji = req.params.emoji_name.toLowerCase();
        const now = store.now();
        const existing = store.getReaction(post.id, userId, emoji);
        const removed = {
            user_id: userId, post_id: post.id, emoji_name: emoji, channel_id: channel.id,
            create_at: existing?.create_at ?? now, update_at: now, delete_at: now,
        };
        if (existing) {
            store.setReaction(removed);
        }
        post.update_at = now;
        hub.publishToChannel(channel.id, 'reaction_removed', {reaction: JSON.stringify(reactionJson(removed))});
        return {status: 'OK'};
    });
}

function intParam(value: string | undefined, name: string, fallback: number): number {
    if (value === undefined || value === '') {
        return fallback;
    }
    const n = Number(value);
    if (!Number.isInteger(n)) {
        throw invalidUrl(name);
    }
    return n;
}

function listJson(store: Store, order: PostRec[], extra: PostRec[], cursors: {next?: string; prev?: string; has_next?: boolean} = {}): Record<string, unknown> {
    const postsMap: Record<string, unknown> = {};
    for (const p of [...order, ...extra]) {
        postsMap[p.id] = postJson(store, p);
    }
    const json: Record<string, unknown> = {
        order: order.map((p) => p.id),
        posts: postsMap,
        next_post_id: cursors.next ?? '',
        prev_post_id: cursors.prev ?? '',
        first_inaccessible_post_time: 0,
    };
    if (cursors.has_next !== undefined) {
        json.has_next = cursors.has_next;
    }
    return json;
}

/** The roots of the replies in a list that are not in the list themselves. */
function missingRoots(store: Store, list: PostRec[]): PostRec[] {
    const ids = new Set(list.map((p) => p.id));
    const roots: PostRec[] = [];
    for (const p of list) {
        if (p.root_id !== '' && !ids.has(p.root_id)) {
            const root = store.posts.get(p.root_id);
            if (root) {
                ids.add(root.id);
                roots.push(root);
            }
        }
    }
    return roots;
}

/**
 * At most this many changed posts in a `?since=` answer, plus their roots: Mattermost's
 * server/channels/store/sqlstore/post_store.go GetPostsSince reads `UpdateAt > ? AND ChannelId = ?
 * LIMIT 1000` (no ORDER BY: which ones is arbitrary), unions the roots of those posts, and lists
 * (`order`) the ones changed after `since`, newest first.
 */
export const POSTS_SINCE_LIMIT = 1000;

/** `GET /channels/{id}/posts`: `since` wins, then `after`, then `before`, then plain pages; newest first. */
export function channelPostList(store: Store, channelId: string, q: ChannelPostsQuery): Record<string, unknown> {
    const all = store.channelPosts(channelId);
    const since = intParam(q.since, 'since', 0);
    if (since > 0) {
        // Deleted posts come back too (message blanked), as on a real server. Of more than the
        // limit, the first in the channel's own order (oldest first): as arbitrary as Mattermost's.
        const changed: PostRec[] = [];
        for (const p of all) {
            if (p.update_at > since) {
                changed.push(p);
                if (changed.length === POSTS_SINCE_LIMIT) {
                    break;
                }
            }
        }
        const roots = missingRoots(store, changed);
        const listed = [...changed, ...roots.filter((p) => p.update_at > since)].sort(newestFirst);
        return listJson(store, listed, roots.filter((p) => p.update_at <= since));
    }
    const page = Math.max(0, intParam(q.page, 'page', 0));
    let perPage = intParam(q.per_page, 'per_page', 60);
    if (perPage < 0) {
        perPage = 60;
    }
    perPage = Math.min(perPage, 200);
    const live = all.filter((p) => p.delete_at === 0).sort(newestFirst);
    const offset = page * perPage;
    let slice: PostRec[];
    let next = '';
    let prev = '';
    if (q.after) {
        if (!isValidId(q.after)) {
            throw invalidBody('after');
        }
        const anchor = store.posts.get(q.after);
        const newer = anchor ? live.filter((p) => p.create_at > anchor.create_at).reverse() : [];
        slice = newer.slice(offset, offset + perPage).reverse();
        prev = page === 0 ? q.after : (slice.at(-1) ? olderNeighbour(live, slice.at(-1)!) : '');
        next = slice.length < perPage ? '' : newerNeighbour(live, slice[0]!);
    } else if (q.before) {
        if (!isValidId(q.before)) {
            throw invalidBody('before');
        }
        const anchor = store.posts.get(q.before);
        const older = anchor ? live.filter((p) => p.create_at < anchor.create_at) : [];
        slice = older.slice(offset, offset + perPage);
        next = page === 0 ? q.before : (slice[0] ? newerNeighbour(live, slice[0]) : '');
        prev = slice.length < perPage ? '' : olderNeighbour(live, slice.at(-1)!);
    } else {
        slice = live.slice(offset, offset + perPage);
        next = slice[0] ? newerNeighbour(live, slice[0]) : '';
        prev = slice.at(-1) ? olderNeighbour(live, slice.at(-1)!) : '';
    }
    return listJson(store, slice, missingRoots(store, slice), {next, prev});
}

function newestFirst(a: PostRec, b: PostRec): number {
    return b.create_at - a.create_at || (a.id < b.id ? 1 : -1);
}

function newerNeighbour(liveNewestFirst: PostRec[], post: PostRec): string {
    const i = liveNewestFirst.findIndex((p) => p.id === post.id);
    return i > 0 ? liveNewestFirst[i - 1]!.id : '';
}

function olderNeighbour(liveNewestFirst: PostRec[], post: PostRec): string {
    const i = liveNewestFirst.findIndex((p) => p.id === post.id);
    return i >= 0 && i + 1 < liveNewestFirst.length ? liveNewestFirst[i + 1]!.id : '';
}

/**
 * `GET /posts/{id}/thread`: `order[0]` is the requested post, then the rest of the thread (root and
 * live replies) in `direction` (down = oldest first, the default), paged by perPage/fromCreateAt/fromPost.
 */
export function threadList(store: Store, post: PostRec, q: ThreadQuery): Record<string, unknown> {
    const direction = q.direction ?? 'down';
    if (direction !== 'down' && direction !== 'up') {
        throw invalidUrl('direction');
    }
    const perPage = intParam(q.perPage, 'perPage', 0);
    if (perPage > 200 || perPage < 0) {
        throw invalidUrl('perPage');
    }
    const rootId = post.root_id === '' ? post.id : post.root_id;
    const root = store.posts.get(rootId);
    let rest = [...(root && root.delete_at === 0 ? [root] : []), ...store.replies(rootId).filter((p) => p.delete_at === 0)]
        .filter((p) => p.id !== post.id)
        .sort((a, b) => a.create_at - b.create_at || (a.id < b.id ? -1 : 1));
    if (direction === 'up') {
        rest.reverse();
    }
    const fromCreateAt = intParam(q.fromCreateAt, 'fromCreateAt', 0);
    if (q.fromPost && fromCreateAt === 0) {
        throw invalidUrl('fromCreateAt');
    }
    if (fromCreateAt > 0) {
        const fromPost = q.fromPost ?? '';
        rest = rest.filter((p) => direction === 'down'
            ? p.create_at > fromCreateAt || (p.create_at === fromCreateAt && p.id > fromPost)
            : p.create_at < fromCreateAt || (p.create_at === fromCreateAt && p.id < fromPost));
    }
    let hasNext = false;
    if (perPage > 0 && rest.length > perPage) {
        rest = rest.slice(0, perPage);
        hasNext = true;
    }
    const order = [post, ...rest];
    return listJson(store, order, [], {has_next: hasNext});
}
