import type {ConversationAssignee} from './actions.js';
import type {BookingProps} from './booking.js';
import type {RelayMode} from './settings.js';

/**
 * The posts the bridge makes in Mattermost and the plugin reads (DESIGN §4, §7). Every post keeps a
 * readable plain `message` for clients without the plugin; the plugin reads the props below. The
 * plugin treats every prop as untrusted (a post can be edited or forged by other integrations), so
 * the shapes here say what the bridge writes, not what a reader may assume.
 */

// Mattermost stores a post's type in 26 characters (a longer one fails with 500
// app.post.save.app_error, pinned in test/e2e/mattermost_facts.test.ts), so DESIGN §7's
// `custom_ireserve_conversation` (28) cannot be used.
/** The root post of a mirrored conversation (the card). */
export const CONVERSATION_POST_TYPE = 'custom_irsv_conversation';
/** A booking notification posted by the bot in the channel mapped to its type. */
export const NOTIFICATION_POST_TYPE = 'custom_irsv_notification';

/** `v` of `props.ireserve`: the version of the shapes below. A reader ignores versions it does not know. */
export const PROPS_VERSION = 1;

/** The key of the bridge's props on its posts: `props.ireserve`. */
export const IRESERVE_PROPS_KEY = 'ireserve';
/** The key the plugin's composer puts on an agent's post: `props.ireserve_reply`. */
export const COMPOSER_PROPS_KEY = 'ireserve_reply';
/** The key of the bot's failure note under an agent's reply: `props.ireserve_delivery`. */
export const DELIVERY_NOTICE_PROPS_KEY = 'ireserve_delivery';

export const CONVERSATION_STATUSES = ['open', 'closed'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export const SENDER_TYPES = ['visitor', 'agent', 'system'] as const;
export type SenderType = (typeof SENDER_TYPES)[number];

/** The composer's switch: *Reply to visitor* or *Internal note*. */
export const REPLY_MODES = ['visitor', 'note'] as const;
export type ReplyMode = (typeof REPLY_MODES)[number];

/** `props.ireserve` of a conversation's root post. */
export interface ConversationRootProps {
    v: typeof PROPS_VERSION;
    licence: string;
    conversation_id: string;
    visitor_name: string;
    visitor_email?: string;
    page_url: string;
    /** ISO 8601, or '' when i-Reserve sent none. */
    started_at: string;
    status: ConversationStatus;
    /** The conversation's short number per licence, shown as `#17` (DESIGN §10). */
    number?: number;
    assignee?: ConversationAssignee;
    relay_mode: RelayMode;
    locale?: string;
    /** The guest's booking, when i-Reserve sent one (DESIGN §13). */
    booking?: BookingProps;
    /** The chat widget, park or department the guest used (1–100 characters; DESIGN §13). */
    inbox?: string;
    /** Set when the earlier root was deleted in Mattermost and this root replaces it. */
    previous_root_id?: string;
    /**
     * ISO 8601: since when the visitor waits for an answer (DESIGN §11); absent when nobody waits.
     * The bridge patches the root only when waiting starts or ends; the plugin shows the time live.
     */
    waiting_since?: string;
}

/** `props.ireserve` of a mirrored visitor, agent or system message (a thread reply). */
export interface ConversationMessageProps {
    v: typeof PROPS_VERSION;
    message_id: string;
    sender_type: SenderType;
    sender_name: string;
    /** 1-based, with `parts`, when the message needed more than one post. */
    part?: number;
    parts?: number;
    /** ISO 8601, when i-Reserve said when the message was sent. */
    sent_at?: string;
    /** ISO 8601: the message shows i-Reserve's edit made then (DESIGN §12). */
    edited_at?: string;
}

/**
 * `props.ireserve` of the bot's reminder in a conversation's thread (DESIGN §11): "⏰ Lotte Jansen
 * has waited 5 minutes — @jdoe". A plain post (no custom type), so Mattermost renders the mention.
 */
export interface ReminderProps {
    v: typeof PROPS_VERSION;
    conversation_id: string;
    /** ISO 8601: the start of the waiting spell it is about. */
    waiting_since: string;
    /** The threshold it is for. */
    after_seconds: number;
}

/** `props.ireserve` of a notification (a bot post, or an incoming-webhook post). */
export interface NotificationProps {
    v: typeof PROPS_VERSION;
    notification_type: string;
    text: string;
    event_id: string;
    title?: string;
    url?: string;
}

/** `props.ireserve` of a direct message from the bot. */
export interface DirectMessageProps {
    v: typeof PROPS_VERSION;
    /** Why it was sent (the direct-message job's reason). */
    dm: string;
    /** Marks the post so a retry finds it instead of posting again. */
    dm_key: string;
    conversation_id?: string;
}

/** `props.ireserve_reply` of a post sent with the plugin's composer. */
export interface ComposerReplyProps {
    mode: ReplyMode;
}

/**
 * `props.ireserve_delivery` of the bot's thread reply saying an agent's reply did not arrive. When a
 * later attempt delivers the reply, the bot edits the same note: `status` becomes `delivered` and
 * `reason` keeps the earlier failure (so the thread never contradicts the ✅).
 */
export interface DeliveryNoticeProps {
    /** The agent's post. */
    post_id: string;
    status: 'failed' | 'delivered';
    /** Plain language, for the agent. */
    reason: string;
}

/** The bot's reaction on an agent's reply once i-Reserve accepted it (✅). */
export const DELIVERED_EMOJI = 'white_check_mark';
/** The bot's reaction on an agent's reply that failed for good (⚠️), beside a failure note. */
export const FAILED_EMOJI = 'warning';

type Props = Readonly<Record<string, unknown>> | null | undefined;

function record(value: unknown): Record<string, unknown> | null {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
}

/** The props the composer puts on a post. */
export function composerProps(mode: ReplyMode): {[COMPOSER_PROPS_KEY]: ComposerReplyProps} {
    return {[COMPOSER_PROPS_KEY]: {mode}};
}

/**
 * The composer's choice on a post: undefined for a post not sent with the composer, 'unknown'
 * for a composer post whose mode this version does not know (readers keep such a post internal).
 */
export function composerModeOf(props: Props): ReplyMode | 'unknown' | undefined {
    const reply = props?.[COMPOSER_PROPS_KEY];
    if (reply === undefined || reply === null) {
        return undefined;
    }
    const mode = record(reply)?.mode;
    return mode === 'visitor' || mode === 'note' ? mode : 'unknown';
}

/**
 * The agent's post a failure note is about, its status (`failed` unless the note says `delivered`)
 * and its reason, or null when the post is no failure note.
 */
export function deliveryNoticeOf(props: Props): {postId: string; status: DeliveryNoticeProps['status']; reason: string | null} | null {
    const notice = record(props?.[DELIVERY_NOTICE_PROPS_KEY]);
    const postId = notice?.post_id;
    if (typeof postId !== 'string' || postId === '') {
        return null;
    }
    const reason = notice?.reason;
    return {
        postId,
        status: notice?.status === 'delivered' ? 'delivered' : 'failed',
        reason: typeof reason === 'string' && reason.trim() !== '' ? reason.trim() : null,
    };
}
