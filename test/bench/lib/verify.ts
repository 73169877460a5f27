// Verifies, from the Mattermost stand-in's posts (every post ever created, deleted ones included),
// that each expected message was posted exactly once and in its conversation's order.
import type {StandInPost} from './clients.js';

export interface Verification {
    conversations: number;
    expected_messages: number;
    delivered_messages: number;
    lost: number;
    duplicated: number;
    out_of_order: number;
    duplicate_roots: number;
    missing_roots: number;
    deleted_posts: number;
    /** Creation time (stand-in clock, ms) of each delivered message, by message id. */
    deliveredAt: Map<string, number>;
    firstPostAt: number;
    lastPostAt: number;
    /** A few concrete problems, for the report. */
    examples: string[];
}

function ireserveProps(post: StandInPost): Record<string, unknown> {
    const props = post.props?.ireserve;
    return props && typeof props === 'object' ? (props as Record<string, unknown>) : {};
}

/**
 * `expected`: conversation id → number of messages (seq 1..n, message ids from events.messageId).
 * Only posts of those conversations count (the stand-in may hold posts of earlier runs).
 */
export function verifyDelivery(posts: readonly StandInPost[], expected: ReadonlyMap<string, number>): Verification {
    const rootOf = new Map<string, string>(); // root post id → conversation id
    const rootsPerConversation = new Map<string, number>();
    let deleted = 0;
    const examples: string[] = [];
    for (const post of posts) {
        if (post.root_id !== '') {
            continue;
        }
        const conversation = ireserveProps(post).conversation_id;
        if (typeof conversation === 'string' && expected.has(conversation)) {
            rootOf.set(post.id, conversation);
            rootsPerConversation.set(conversation, (rootsPerConversation.get(conversation) ?? 0) + 1);
        }
    }
    const seen = new Map<string, number>(); // message id → times posted
    const deliveredAt = new Map<string, number>();
    const lastSeq = new Map<string, number>();
    let outOfOrder = 0;
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    for (const post of posts) {
        const conversation = post.root_id === '' ? rootOf.get(post.id) : rootOf.get(post.root_id);
        if (conversation === undefined) {
            continue;
        }
        first = Math.min(first, post.create_at);
        last = Math.max(last, post.create_at);
        if (post.delete_at !== 0) {
            deleted += 1;
        }
        if (post.root_id === '') {
            continue;
        }
        const id = ireserveProps(post).message_id;
        if (typeof id !== 'string') {
            continue;
        }
        const times = (seen.get(id) ?? 0) + 1;
        seen.set(id, times);
        if (times > 1) {
            if (examples.length < 10) {
                examples.push(`duplicate: ${id} posted ${times} times`);
            }
            continue;
        }
        deliveredAt.set(id, post.create_at);
        const seq = Number(/-m(\d+)$/.exec(id)?.[1] ?? Number.NaN);
        const previous = lastSeq.get(conversation) ?? 0;
        if (seq < previous) {
            outOfOrder += 1;
            if (examples.length < 10) {
                examples.push(`out of order: ${id} after message ${previous} of ${conversation}`);
            }
        } else {
            lastSeq.set(conversation, seq);
        }
    }
    let expectedTotal = 0;
    let lost = 0;
    let duplicated = 0;
    for (const [conversation, count] of expected) {
        expectedTotal += count;
        for (let seq = 1; seq <= count; seq++) {
            const id = `${conversation}-m${String(seq).padStart(5, '0')}`;
            const times = seen.get(id) ?? 0;
            if (times === 0) {
                lost += 1;
                if (examples.length < 10) {
                    examples.push(`lost: ${id}`);
                }
            }
            duplicated += Math.max(0, times - 1);
        }
    }
    let duplicateRoots = 0;
    let missingRoots = 0;
    for (const conversation of expected.keys()) {
        const roots = rootsPerConversation.get(conversation) ?? 0;
        duplicateRoots += Math.max(0, roots - 1);
        missingRoots += roots === 0 ? 1 : 0;
    }
    return {
        conversations: expected.size,
        expected_messages: expectedTotal,
        delivered_messages: deliveredAt.size,
        lost,
        duplicated,
        out_of_order: outOfOrder,
        duplicate_roots: duplicateRoots,
        missing_roots: missingRoots,
        deleted_posts: deleted,
        deliveredAt,
        firstPostAt: Number.isFinite(first) ? first : 0,
        lastPostAt: last,
        examples,
    };
}

/** The public part of a verification (no per-message map), for results.json. */
export function verificationSummary(v: Verification): Omit<Verification, 'deliveredAt' | 'firstPostAt' | 'lastPostAt'> {
    const {deliveredAt: _d, firstPostAt: _f, lastPostAt: _l, ...rest} = v;
    return rest;
}

export function correct(v: Verification): boolean {
    return v.lost === 0 && v.duplicated === 0 && v.out_of_order === 0 && v.duplicate_roots === 0;
}

/** Steady delivery rate from post times: the middle 80 % of posts over the time they took. */
export function steadyRate(times: number[]): number {
    if (times.length < 10) {
        const span = (Math.max(...times) - Math.min(...times)) / 1000;
        return span > 0 ? times.length / span : Number.NaN;
    }
    const sorted = [...times].sort((a, b) => a - b);
    const lo = Math.floor(sorted.length * 0.1);
    const hi = Math.floor(sorted.length * 0.9);
    const span = (sorted[hi]! - sorted[lo]!) / 1000;
    return span > 0 ? (hi - lo) / span : Number.NaN;
}
