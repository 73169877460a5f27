import {createHash} from 'node:crypto';

import {DELIVERY_NOTICE_PROPS_KEY, type DeliveryNoticeProps} from '../../contract/index.js';

import type {ReplyAuthor} from './author.js';
import {safeMessageText} from '../outbound/text_safety.js';

/**
 * The `conversation.reply` callback to i-Reserve (DESIGN §5). Pure. Its Standard Webhooks
 * `webhook-id` is derived from the licence and the Mattermost post id, so every retry — and any
 * second bridge process — sends the same id and i-Reserve can drop repeats.
 */
export interface ReplyAttachment {
    filename: string;
    content_type: string;
    size: number;
    /** base64 */
    data: string;
}

export interface ConversationReply {
    type: 'conversation.reply';
    licence: string;
    data: {
        conversation_id: string;
        /** The Mattermost post id. */
        reply_id: string;
        text: string;
        author: ReplyAuthor;
        attachments: ReplyAttachment[];
        /** ISO 8601, the post's creation time in Mattermost. */
        created_at: string;
    };
}

export function buildReply(input: {
    licence: string;
    conversationId: string;
    postId: string;
    text: string;
    author: ReplyAuthor;
    attachments: ReplyAttachment[];
    createdAtMs: number;
}): ConversationReply {
    return {
        type: 'conversation.reply',
        licence: input.licence,
        data: {
            conversation_id: input.conversationId,
            reply_id: input.postId,
            text: input.text,
            author: input.author,
            attachments: input.attachments,
            created_at: new Date(input.createdAtMs).toISOString(),
        },
    };
}

/** `msg_` + 32 url-safe characters, the same for the same (licence, post) forever. */
export function replyWebhookId(licence: string, postId: string): string {
    return `msg_${createHash('sha256').update(`conversation.reply\n${licence}\n${postId}`).digest('base64url').slice(0, 32)}`;
}

/** `conversation.reply_edited`: an agent edited a relayed reply in Mattermost (DESIGN §12). */
export interface ConversationReplyEdited {
    type: 'conversation.reply_edited';
    licence: string;
    data: {
        conversation_id: string;
        reply_id: string;
        /** The whole new text. */
        text: string;
        /** ISO 8601, the post's `edit_at` in Mattermost. */
        edited_at: string;
    };
}

/** `conversation.reply_deleted`: an agent deleted a relayed reply in Mattermost (DESIGN §12). */
export interface ConversationReplyDeleted {
    type: 'conversation.reply_deleted';
    licence: string;
    data: {conversation_id: string; reply_id: string};
}

export function buildReplyEdited(input: {licence: string; conversationId: string; postId: string; text: string; editedAtMs: number}): ConversationReplyEdited {
    return {
        type: 'conversation.reply_edited',
        licence: input.licence,
        data: {conversation_id: input.conversationId, reply_id: input.postId, text: input.text, edited_at: new Date(input.editedAtMs).toISOString()},
    };
}

export function buildReplyDeleted(input: {licence: string; conversationId: string; postId: string}): ConversationReplyDeleted {
    return {type: 'conversation.reply_deleted', licence: input.licence, data: {conversation_id: input.conversationId, reply_id: input.postId}};
}

/** The `webhook-id` of an edit (one per post and `edit_at`) or of the deletion (one per post): stable across retries and processes. */
export function replyChangeWebhookId(licence: string, postId: string, change: {editAt: number} | 'deleted'): string {
    const what = change === 'deleted' ? 'conversation.reply_deleted' : `conversation.reply_edited\n${change.editAt}`;
    return `msg_${createHash('sha256').update(`${what}\n${licence}\n${postId}`).digest('base64url').slice(0, 32)}`;
}

/** The bridge's thread reply when a reply could not be delivered; the webapp reads its `props.ireserve_delivery`. */
export function failureNotice(postId: string, reason: string): {message: string; props: {[DELIVERY_NOTICE_PROPS_KEY]: DeliveryNoticeProps}} {
    return {
        // The reason may quote i-Reserve's answer: neutralised like every text from outside.
        message: `:warning: This reply did not reach the visitor. ${safeMessageText(reason)}`,
        props: {[DELIVERY_NOTICE_PROPS_KEY]: {post_id: postId, status: 'failed', reason}},
    };
}

/** The failure note, edited once the reply was delivered after all (replay or later attempt). */
export function deliveredNotice(postId: string, earlierReason: string): {message: string; props: {[DELIVERY_NOTICE_PROPS_KEY]: DeliveryNoticeProps}} {
    return {
        message: `:white_check_mark: This reply reached the visitor after all (delivered on a later attempt). Earlier failure: ${earlierReason}`,
        props: {[DELIVERY_NOTICE_PROPS_KEY]: {post_id: postId, status: 'delivered', reason: earlierReason}},
    };
}
