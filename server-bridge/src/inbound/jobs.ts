import type {AuthorMatch, ReplyAuthor} from '../domain/inbound/author.js';
import type {InboundPost} from '../domain/inbound/decision.js';

/**
 * The inbound relay's outbox jobs. Kinds are `<direction>.<subject>` like every job kind (see
 * outbound/jobs.ts); payloads are snake_case JSON like every job payload (migration
 * 0005_job_names converted rows written before). Keys (all per licence):
 * - `inbound.resolve`: a post that arrived but could not be looked at yet (Mattermost slow or down).
 *   ordering `resolve:<channel id>` (arrival order; the post id when the channel is unknown),
 *   dedupe `resolve:<post id>`.
 * - `inbound.reply`: the signed `conversation.reply` callback to i-Reserve.
 *   ordering `reply:<conversation id>` (replies of one conversation in order), dedupe `post:<post id>`
 *   — the one guarantee that a post is relayed at most once, whichever way and however often it arrived.
 * - `inbound.feedback`: the bot's ✅, or ⚠️ and a thread reply, on the agent's post.
 *   ordering `feedback:<post id>`, dedupe `feedback:<post id>:<outcome>`.
 * - `inbound.reply_edited` / `inbound.reply_deleted`: the signed `conversation.reply_edited` /
 *   `conversation.reply_deleted` callbacks (DESIGN §12) for a post that was relayed. Ordering
 *   `reply:<conversation id>` (after the reply itself), dedupe `edited:<post id>:<edit_at>` /
 *   `deleted:<post id>`.
 */
export const INBOUND_JOB_KINDS = {
    resolve: 'inbound.resolve',
    reply: 'inbound.reply',
    feedback: 'inbound.feedback',
    replyEdited: 'inbound.reply_edited',
    replyDeleted: 'inbound.reply_deleted',
} as const;

/** An agent's change to a post: edited, or deleted. */
export type PostChange = 'edited' | 'deleted';

/** How a post arrived: live, or read back over REST (`resync`: websocket mode after a gap; `catch_up`: outgoing-webhook mode). */
export type InboundSource = 'outgoing_webhook' | 'websocket' | 'resync' | 'catch_up';

export interface ResolvePayload {
    post_id: string;
    channel_id?: string;
    source: InboundSource;
    /** The post itself when it came with the event (websocket); else it is fetched. */
    post?: InboundPost;
    /** Set when the post was edited or deleted (not a new post): relayed as that change. */
    change?: PostChange;
}

/** `inbound.reply_edited` and `inbound.reply_deleted`. */
export interface ReplyChangePayload {
    post_id: string;
    conversation_id: string;
    change: PostChange;
    /** edited: the whole new text and the post's `edit_at` (ms). */
    text?: string;
    edit_at?: number;
    source: InboundSource;
}

export interface ReplyPayload {
    post_id: string;
    root_id: string;
    channel_id: string;
    conversation_id: string;
    text: string;
    file_ids: string[];
    created_at: number;
    author: ReplyAuthor;
    author_match: AuthorMatch;
    /** Plain words: how the author was mapped, or why not. */
    author_note: string;
    via: 'composer' | 'thread_reply';
    source: InboundSource;
}

export interface FeedbackPayload {
    post_id: string;
    root_id: string;
    channel_id: string;
    outcome: 'delivered' | 'failed';
    reason?: string;
    /** How the reply arrived (absent in jobs queued before it was recorded). */
    source?: InboundSource;
}

/** True for the jobs of a reply only the webhook catch-up brought (its reply and its feedback). */
export function fromCatchUp(job: {kind: string; payload: unknown}): boolean {
    return (job.kind === INBOUND_JOB_KINDS.reply || job.kind === INBOUND_JOB_KINDS.feedback)
        && (job.payload as {source?: unknown} | null)?.source === 'catch_up';
}
