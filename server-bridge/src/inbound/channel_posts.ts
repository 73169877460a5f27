import type {Post, PostList} from '@mattermost/types/posts';

import type {MattermostPort} from '../ports/mattermost.js';

/**
 * Reading back what a channel got since a moment, over REST: the one way both re-syncs find posts
 * that did not arrive live (the websocket listener after a gap, the webhook catch-up after a
 * restart or a refused call).
 *
 * `GET /channels/{id}/posts?since=` returns the posts whose `update_at` is after `since` (strictly;
 * edited and deleted ones too, and roots, since a reply moves its root's `update_at` — pinned in
 * test/e2e/mattermost_facts.test.ts), newest first — but at most 1000, and which 1000
 * is arbitrary when more changed (Mattermost server/channels/store/sqlstore/post_store.go,
 * GetPostsSince: `UpdateAt > ? … LIMIT 1000` without an ORDER BY). When the answer is that full,
 * the channel is read again page by page, newest first by `create_at` (`?page=&per_page=200`,
 * live posts only), back to `since`.
 */
export const POSTS_SINCE_LIMIT = 1000;
const PAGE_SIZE = 200;
/** Pages read at most in the fallback (10 000 posts); past that the read is incomplete. */
const MAX_PAGES = 50;

export interface ChannelChanges {
    /**
     * Thread replies, oldest first (by `create_at`, then id), deleted ones included (`delete_at`
     * set); not the copies Mattermost keeps of a post's earlier versions (`original_id` set).
     */
    replies: Post[];
    /** The newest `update_at` among the posts read (deleted ones included); undefined when none. */
    newestAt: number | undefined;
    /** More changed than could be read: some posts may be missing, so no mark may move past them. */
    incomplete: boolean;
}

function postsOf(list: PostList, ids: readonly string[]): Post[] {
    return ids.map((id) => list.posts[id]).filter((post): post is Post => post !== undefined);
}

function oldestFirst(a: Post, b: Post): number {
    return a.create_at - b.create_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function changes(posts: Post[], incomplete: boolean): ChannelChanges {
    let newestAt: number | undefined;
    for (const post of posts) {
        newestAt = Math.max(newestAt ?? 0, post.update_at, post.create_at);
    }
    const replies = posts.filter((post) => post.root_id !== '' && (post.original_id ?? '') === '').sort(oldestFirst);
    return {replies, newestAt, incomplete};
}

/** What changed in the channel after `sinceMs` (Mattermost's clock). Throws UpstreamError. */
export async function readChannelChanges(port: MattermostPort, channelId: string, sinceMs: number): Promise<ChannelChanges> {
    const list = await port.getPostsSince(channelId, sinceMs);
    if (list.order.length < POSTS_SINCE_LIMIT) {
        return changes(postsOf(list, list.order), false);
    }
    // Too many changes for one answer: the posts made since, page by page (live ones only: edits and
    // deletions of older posts are not seen this way).
    const seen = new Map<string, Post>();
    for (let page = 0; page < MAX_PAGES; page += 1) {
        const pageList = await port.getChannelPostsPage(channelId, page, PAGE_SIZE);
        const posts = postsOf(pageList, pageList.order);
        for (const post of posts) {
            if (post.create_at > sinceMs) {
                seen.set(post.id, post);
            }
        }
        if (posts.length < PAGE_SIZE || posts.some((post) => post.create_at <= sinceMs)) {
            return changes([...seen.values()], false);
        }
    }
    return changes([...seen.values()], true);
}
