// Reads the props the bridge puts on its posts (the shapes are in the contract, @ireserve/contract:
// server-bridge/src/contract/posts.ts). Everything here is untrusted input from a post: every field
// is checked, nothing throws.
import {
    CONVERSATION_POST_TYPE,
    CONVERSATION_STATUSES,
    IRESERVE_PROPS_KEY,
    NOTIFICATION_POST_TYPE,
    PROPS_VERSION,
    SENDER_TYPES,
    composerModeOf,
    isRelayMode,
    type ConversationStatus,
    type RelayMode,
    type ReplyMode,
    type SenderType,
} from '@ireserve/contract';
import type {Post} from '@mattermost/types/posts';

import {parseBooking, type Booking} from './booking';

export type Conversation = {
    licence: string;
    conversationId: string;
    visitorName: string;
    visitorEmail: string | null;
    pageUrl: string | null;
    /** Milliseconds since the epoch; the root post's create_at when the bridge sent none. */
    startedAt: number;
    status: ConversationStatus | null;

    /** The short conversation number shown as `#17` (per licence), or null when the root has none. */
    number: number | null;

    /** The assignee's name (or e-mail) as shown, or null when unassigned. */
    assignee: string | null;

    /** The assignee's Mattermost user id and username, when the bridge knows them. */
    assigneeUserId: string | null;
    assigneeUsername: string | null;
    /** null when the root carries none; 'unknown' for a value this plugin does not know. */
    relayMode: RelayMode | 'unknown' | null;

    /** Since when the visitor waits for an answer (ms; `waiting_since`), or null when nobody waits. */
    waitingSince: number | null;

    /** The guest's booking (DESIGN §13), or null when the root carries none. */
    booking: Booking | null;
};

export type ParsedConversation =
    | {ok: true; conversation: Conversation}
    | {ok: false; reason: 'not_a_conversation'}
    | {ok: false; reason: 'unsupported_version'; version: unknown};

export type ConversationMessage = {
    messageId: string;
    senderType: SenderType | null;
    senderName: string | null;

    /** When i-Reserve says the message was sent (ms), or null. */
    sentAt: number | null;
};

export type Notification = {
    notificationType: string;
    title: string | null;
    text: string | null;
    url: string | null;
};

export type ParsedNotification =
    | {ok: true; notification: Notification}
    | {ok: false; reason: 'not_a_notification'}
    | {ok: false; reason: 'unsupported_version'; version: unknown};

function record(value: unknown): Record<string, unknown> | null {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
}

function text(value: unknown): string | null {
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** Only http(s) links are shown as links; anything else (javascript:, data:) is dropped. */
export function safeHttpUrl(value: unknown): string | null {
    const raw = text(value);
    if (!raw) {
        return null;
    }
    try {
        const url = new URL(raw);
        return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
    } catch {
        return null;
    }
}

function timestamp(value: unknown): number | null {
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
        // Seconds or milliseconds: anything before 2001-09-09 in ms is taken as seconds.
        return value < 1e12 ? value * 1000 : value;
    }
    const raw = text(value);
    if (raw) {
        const parsed = Date.parse(raw);
        return Number.isNaN(parsed) ? null : parsed;
    }
    return null;
}

function person(value: unknown): string | null {
    const asText = text(value);
    if (asText) {
        return asText;
    }
    const obj = record(value);
    return obj ? text(obj.name) ?? text(obj.email) : null;
}

export function ireserveProps(post: Pick<Post, 'props'> | undefined | null): Record<string, unknown> | null {
    return record(post?.props?.[IRESERVE_PROPS_KEY]);
}

function oneOf<T extends string>(list: readonly T[], value: unknown): T | null {
    return typeof value === 'string' && (list as readonly string[]).includes(value) ? value as T : null;
}

/** A post's type as a plain string (@mattermost/types only lists the built-in ones). */
export function postTypeOf(post: Pick<Post, 'type'> | undefined | null): string {
    return typeof post?.type === 'string' ? post.type : '';
}

export function isConversationRoot(post: Pick<Post, 'type'> | undefined | null): boolean {
    return postTypeOf(post) === CONVERSATION_POST_TYPE;
}

export function parseConversation(post: Pick<Post, 'type' | 'props' | 'create_at'>): ParsedConversation {
    const props = ireserveProps(post);
    if (!isConversationRoot(post) || !props) {
        return {ok: false, reason: 'not_a_conversation'};
    }
    if (props.v !== PROPS_VERSION) {
        return {ok: false, reason: 'unsupported_version', version: props.v};
    }
    const status = oneOf(CONVERSATION_STATUSES, props.status);
    let relayMode: Conversation['relayMode'] = null;
    if (isRelayMode(props.relay_mode)) {
        relayMode = props.relay_mode;
    } else if (props.relay_mode !== undefined && props.relay_mode !== null) {
        relayMode = 'unknown';
    }
    return {
        ok: true,
        conversation: {
            licence: text(props.licence) ?? '',
            conversationId: text(props.conversation_id) ?? '',
            visitorName: text(props.visitor_name) ?? '',
            visitorEmail: text(props.visitor_email),
            pageUrl: safeHttpUrl(props.page_url),
            startedAt: timestamp(props.started_at) ?? post.create_at,
            status,
            number: typeof props.number === 'number' && Number.isSafeInteger(props.number) && props.number > 0 ? props.number : null,
            assignee: person(props.assignee),
            assigneeUserId: text(record(props.assignee)?.mattermost_user_id),
            assigneeUsername: text(record(props.assignee)?.username),
            relayMode,
            waitingSince: timestamp(props.waiting_since),
            booking: parseBooking(props.booking),
        },
    };
}

/** A visitor/agent/system message the bridge mirrored into the thread, or null for any other post. */
export function parseMessage(post: Pick<Post, 'props'>): ConversationMessage | null {
    const props = ireserveProps(post);
    const messageId = props ? text(props.message_id) : null;
    if (!props || !messageId) {
        return null;
    }
    const senderType = oneOf(SENDER_TYPES, props.sender_type);
    return {messageId, senderType, senderName: text(props.sender_name), sentAt: timestamp(props.sent_at)};
}

/**
 * The text of a mirrored message without the bridge's bold sender heading
 * (`**Lotte Jansen (visitor):** …`, or `…, continued (2/3):**` on the parts of a long message).
 */
export function messageBody(post: Pick<Post, 'message' | 'props'>): string {
    if (!parseMessage(post)) {
        return post.message;
    }
    return post.message.replace(/^\*\*[^*\n]{1,200}:\*\*[ \n]?/, '');
}

export function parseNotification(post: Pick<Post, 'type' | 'props'>): ParsedNotification {
    const props = ireserveProps(post);
    if (postTypeOf(post) !== NOTIFICATION_POST_TYPE || !props) {
        return {ok: false, reason: 'not_a_notification'};
    }
    if (props.v !== PROPS_VERSION) {
        return {ok: false, reason: 'unsupported_version', version: props.v};
    }
    return {
        ok: true,
        notification: {
            notificationType: text(props.notification_type) ?? 'unknown',
            title: text(props.title),
            text: text(props.text),
            url: safeHttpUrl(props.url),
        },
    };
}

/** The composer mode an agent post was sent with (props.ireserve_reply.mode), or null for a plain reply. */
export function replyModeOf(post: Pick<Post, 'props'>): ReplyMode | null {
    const mode = composerModeOf(post.props);
    return mode === 'visitor' || mode === 'note' ? mode : null;
}

/**
 * The composer's initial *Reply to visitor* / *Internal note* choice. It matches what a plain
 * thread reply does in the conversation, so the composer never surprises an agent who knows the
 * team's setting: `all_replies` (plain replies reach the visitor; the classic behaviour, and the
 * bridge's default when the root carries no relay mode) starts on *Reply to visitor*;
 * `composer_only` (the thread is internal unless an agent explicitly chooses the visitor) and any
 * mode this plugin does not know start on *Internal note*.
 */
export function defaultReplyMode(relayMode: Conversation['relayMode']): ReplyMode {
    return relayMode === 'all_replies' || relayMode === null ? 'visitor' : 'note';
}
