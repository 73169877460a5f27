// Delivery state of agents' replies, derived only from what the bridge leaves in the thread
// (DESIGN §4): the bot reacts ✅ (`white_check_mark`) when i-Reserve accepted a reply, and on a
// permanent failure reacts ⚠️ (`warning`) and posts one short reply saying why.
//
// Linking a failure note to its reply: a bot reply carrying `props.ireserve_delivery`
// (DeliveryNoticeProps in @ireserve/contract: the agent's post id, the status and the reason) is
// matched exactly. When a later attempt delivers the reply, the bridge edits that note to
// `status: "delivered"` and reacts ✅ (which wins below). A bot reply without it (and not a
// mirrored i-Reserve message) is taken as the reason of the earliest earlier ⚠️ reply that has no
// reason yet, its text being the reason.
import {DELIVERED_EMOJI, FAILED_EMOJI, deliveryNoticeOf} from '@ireserve/contract';
import type {Post} from '@mattermost/types/posts';
import type {Reaction} from '@mattermost/types/reactions';

import {parseMessage, postTypeOf, replyModeOf, type Conversation} from './conversation';

export type Delivery =
    | {kind: 'delivered'}
    | {kind: 'failed'; reason: string | null}
    | {kind: 'pending'}
    | {kind: 'note'}

    /** A plain thread reply while the conversation relays composer posts only: it stays in Mattermost. */
    | {kind: 'internal'};

export type DeliveryKind = Delivery['kind'];

/** A post an agent wrote in the conversation thread, i.e. one the bridge may relay to the visitor. */
export function isAgentReply(post: Post, rootId: string, botUserId: string | null): boolean {
    if (post.id === rootId || post.root_id !== rootId || post.delete_at > 0 || post.state === 'DELETED') {
        return false;
    }
    if (botUserId !== null && post.user_id === botUserId) {
        return false;
    }
    if (postTypeOf(post) !== '') {
        return false; // system messages and other plugins' post types
    }
    const props = post.props ?? {};
    return props.from_bot !== 'true' && props.from_webhook !== 'true';
}

function cleanReason(message: string): string | null {
    const cleaned = message.replace(/^\s*(?::warning:|\u26a0\ufe0f?)\s*/u, '').trim();
    return cleaned === '' ? null : cleaned;
}

function explicitFailureLink(post: Post): {postId: string; reason: string | null} | null {
    const notice = deliveryNoticeOf(post.props);
    return notice ? {postId: notice.postId, reason: notice.reason ?? cleanReason(post.message)} : null;
}

/**
 * Delivery state of every agent reply in a thread.
 * @param replies the thread's replies, oldest first (the root excluded)
 * @param reactionsOf the reactions of a post, from whichever store holds it
 */
export function computeDeliveries(
    rootId: string,
    botUserId: string | null,
    relayMode: Conversation['relayMode'],
    replies: readonly Post[],
    reactionsOf: (postId: string) => readonly Reaction[],
): Map<string, Delivery> {
    const explicitReasons = new Map<string, string | null>();
    const looseNotes: Post[] = [];
    if (botUserId !== null) {
        for (const post of replies) {
            if (post.user_id !== botUserId || post.delete_at > 0 || parseMessage(post) !== null) {
                continue;
            }
            const link = explicitFailureLink(post);
            if (link) {
                explicitReasons.set(link.postId, link.reason);
            } else {
                looseNotes.push(post);
            }
        }
    }

    const deliveries = new Map<string, Delivery>();
    const failedWithoutReason: Post[] = [];
    for (const post of replies) {
        if (!isAgentReply(post, rootId, botUserId)) {
            continue;
        }
        const mode = replyModeOf(post);
        if (mode === 'note') {
            deliveries.set(post.id, {kind: 'note'});
            continue;
        }
        let delivered = false;
        let failed = false;
        for (const reaction of reactionsOf(post.id)) {
            if (botUserId !== null && reaction.user_id !== botUserId) {
                continue;
            }
            delivered ||= reaction.emoji_name === DELIVERED_EMOJI;
            failed ||= reaction.emoji_name === FAILED_EMOJI;
        }
        if (delivered) {
            // A reply replayed after a failure ends delivered even if the ⚠️ stays.
            deliveries.set(post.id, {kind: 'delivered'});
        } else if (failed) {
            const reason = explicitReasons.get(post.id) ?? null;
            deliveries.set(post.id, {kind: 'failed', reason});
            if (reason === null) {
                failedWithoutReason.push(post);
            }
        } else if (mode === null && relayMode === 'composer_only') {
            deliveries.set(post.id, {kind: 'internal'});
        } else {
            deliveries.set(post.id, {kind: 'pending'});
        }
    }

    for (const note of looseNotes) {
        const index = failedWithoutReason.findIndex((post) => post.create_at <= note.create_at);
        if (index >= 0) {
            const [post] = failedWithoutReason.splice(index, 1);
            deliveries.set(post!.id, {kind: 'failed', reason: cleanReason(note.message)});
        }
    }
    return deliveries;
}
