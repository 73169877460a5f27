import type {AuthorMatch, ReplyAuthor} from '../domain/inbound/author.js';
import type {InboundPost} from '../domain/inbound/decision.js';

/**
 * The inbound relay's outbox jobs. Keys (all per licence):
 * - `inbound.resolve`: a post that arrived but could not be looked at yet (Mattermost slow or down).
 *   ordering `resolve:<channel id>` (arrival order; the post id when the channel is unknown),
 *   dedupe `resolve:<post id>`.
 * - `inbound.reply`: the signed `conversation.reply` callback to i-Reserve.
 *   ordering `reply:<conversation id>` (replies of one conversation in order), dedupe `post:<post id>`
 *   — the one guarantee that a post is relayed at most once, whichever way and however often it arrived.
 * - `inbound.feedback`: the bot's ✅, or ⚠️ and a thread reply, on the agent's post.
 *   ordering `feedback:<post id>`, dedupe `feedback:<post id>:<outcome>`.
 */
export const JOB_RESOLVE = 'inbound.resolve';
export const JOB_REPLY = 'inbound.reply';
export const JOB_FEEDBACK = 'inbound.feedback';

export type InboundSource = 'outgoing_webhook' | 'websocket' | 'resync';

export interface ResolvePayload {
    postId: string;
    channelId?: string;
    source: InboundSource;
    /** The post itself when it came with the event (websocket); else it is fetched. */
    post?: InboundPost;
}

export interface ReplyPayload {
    postId: string;
    rootId: string;
    channelId: string;
    conversationId: string;
    text: string;
    fileIds: string[];
    createdAt: number;
    author: ReplyAuthor;
    authorMatch: AuthorMatch;
    /** Plain words: how the author was mapped, or why not. */
    authorNote: string;
    via: 'composer' | 'thread_reply';
    source: InboundSource;
}

export interface FeedbackPayload {
    postId: string;
    rootId: string;
    channelId: string;
    outcome: 'delivered' | 'failed';
    reason?: string;
}
