import type {Post, PostList} from '@mattermost/types/posts';

import type {MattermostPort} from '../ports/mattermost.js';

/**
 * Reading back what a channel got since a moment, over REST: the one way both re-syncs find posts
 * that did not arrive live (the websocket listener after a gap, the webhook catch-up after a
 * restart or a refused call). The answer comes in batches, oldest first, each with a mark that may be
 * stored once its replies are handled: a reader that stops (a cap, an error) makes progress anyway and
 * holds at most one page of posts.
 *
 * `GET /channels/{id}/posts?since=` returns the posts whose `update_at` is after `since` (strictly;
 * edited and deleted ones too, and roots, since a reply moves its root's `update_at` — pinned in
 * test/e2e/mattermost_facts.test.ts), newest first — but at most 1000, and which 1000
 * is arbitrary when more changed (Mattermost server/channels/store/sqlstore/post_store.go,
 * GetPostsSince: `UpdateAt > ? … LIMIT 1000` without an ORDER BY). Below that limit it is one
 * complete batch. When the answer is that full, the posts CREATED after `since` are read forward:
 * an anchor post created at or before `since` is found by a binary search over the newest-first pages
 * (`?page=&per_page=200`), then `?after=<anchor>` (post_store.go getPostsAround: `CreateAt > (SELECT
 * CreateAt FROM Posts WHERE Id = anchor)`, live posts, ascending) page by page, re-anchoring on the
 * newest post of each page whose millisecond is complete (posts sharing the page's last `create_at`
 * are read again from the new anchor, never skipped). That forward read sees live posts only: edits
 * and deletions of older posts made meanwhile are not seen (the `since` read sees them when the
 * channel is quieter).
 */
export const POSTS_SINCE_LIMIT = 1000;
const PAGE_SIZE = 200;

export interface ChannelBatch {
    /**
     * Thread replies, oldest first (by `create_at`, then id), deleted ones included (`delete_at`
     * set) in a complete `since` read; not the copies Mattermost keeps of a post's earlier versions
     * (`original_id` set). Each post comes in one batch only.
     */
    replies: Post[];
    /**
     * Every post created (and, for a `since` read, changed) after `since` up to this time was in
     * this batch or an earlier one: a mark may move here once the replies are handled.
     */
    throughAt: number;
}

function postsOf(list: PostList, ids: readonly string[]): Post[] {
    return ids.map((id) => list.posts[id]).filter((post): post is Post => post !== undefined);
}

function oldestFirst(a: Post, b: Post): number {
    return a.create_at - b.create_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function repliesOf(posts: Post[]): Post[] {
    return posts.filter((post) => post.root_id !== '' && (post.original_id ?? '') === '').sort(oldestFirst);
}

/** A page of the channel's live posts, newest first by `create_at` (page 0 is the newest). */
async function pageOf(port: MattermostPort, channelId: string, page: number): Promise<Post[]> {
    const list = await port.getChannelPostsPage(channelId, page, PAGE_SIZE);
    return postsOf(list, list.order).sort((a, b) => oldestFirst(b, a));
}

/**
 * Where a forward read from `sinceMs` starts: the newest live post created at or before it (found
 * in O(log pages) page reads), or — when every live post is newer — the channel's oldest page.
 */
async function startOf(port: MattermostPort, channelId: string, sinceMs: number): Promise<{anchor: Post} | {oldest: Post[]} | undefined> {
    const reaches = (posts: Post[]) => posts.length === 0 || posts.at(-1)!.create_at <= sinceMs;
    let lo = -1;
    let hi = 0;
    let hiPage = await pageOf(port, channelId, 0);
    // Pages 0..lo hold only posts newer than `since`; page hi holds the boundary or lies past the end.
    while (!reaches(hiPage)) {
        lo = hi;
        hi = hi === 0 ? 1 : hi * 2;
        hiPage = await pageOf(port, channelId, hi);
    }
    while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        const page = await pageOf(port, channelId, mid);
        if (reaches(page)) {
            hi = mid;
            hiPage = page;
        } else {
            lo = mid;
        }
    }
    const anchor = hiPage.find((post) => post.create_at <= sinceMs);
    if (anchor) {
        return {anchor};
    }
    // Page hi is past the end (empty): page lo, if any, is the oldest, all of it newer than `since`.
    return lo < 0 ? undefined : {oldest: await pageOf(port, channelId, lo)};
}

/**
 * What changed in the channel after `sinceMs` (Mattermost's clock), in batches. Throws UpstreamError.
 * `forwardFromMs` (≥ `sinceMs`): where a forward read starts when the `since` answer is full — a
 * reader that stored a mark after each batch passes that mark, so a backlog bigger than the skew
 * margin it subtracts still moves on (posts created at or before it count as handled).
 */
export async function* readChannelChanges(port: MattermostPort, channelId: string, sinceMs: number, forwardFromMs = sinceMs): AsyncGenerator<ChannelBatch> {
    const list = await port.getPostsSince(channelId, sinceMs);
    if (list.order.length < POSTS_SINCE_LIMIT) {
        const posts = postsOf(list, list.order);
        if (posts.length > 0) {
            yield {replies: repliesOf(posts), throughAt: Math.max(...posts.map((post) => Math.max(post.update_at, post.create_at)))};
        }
        return;
    }
    const start = await startOf(port, channelId, Math.max(sinceMs, forwardFromMs));
    if (start === undefined) {
        return;
    }
    let anchor: Post;
    if ('anchor' in start) {
        anchor = start.anchor;
    } else {
        // The channel's first millisecond, then forward from its first post.
        const first = start.oldest.at(-1)!;
        yield {replies: repliesOf(start.oldest.filter((post) => post.create_at === first.create_at)), throughAt: first.create_at};
        anchor = first;
    }
    let offset = 0;
    /** Posts of the newest millisecond already yielded while paging on from one anchor. */
    let yielded = new Set<string>();
    for (;;) {
        const page = await port.getPostsAfter(channelId, anchor.id, offset, PAGE_SIZE);
        const posts = postsOf(page, page.order).sort(oldestFirst);
        const fresh = posts.filter((post) => post.create_at > sinceMs && !yielded.has(post.id));
        if (posts.length < PAGE_SIZE) {
            // The end (or an anchor erased meanwhile: the next read starts again from the mark).
            if (posts.length > 0) {
                yield {replies: repliesOf(fresh), throughAt: posts.at(-1)!.create_at};
            }
            return;
        }
        const top = posts.at(-1)!.create_at;
        const lastBelow = [...posts].reverse().find((post) => post.create_at < top);
        if (lastBelow) {
            yield {replies: repliesOf(fresh.filter((post) => post.create_at < top)), throughAt: lastBelow.create_at};
            anchor = lastBelow;
            offset = 0;
            yielded = new Set();
        } else {
            // A whole page in one millisecond: page on from the same anchor.
            yield {replies: repliesOf(fresh), throughAt: top - 1};
            for (const post of fresh) {
                yielded.add(post.id);
            }
            offset += 1;
        }
    }
}
