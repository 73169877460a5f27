import {
    IRESERVE_PROPS_KEY,
    PROPS_VERSION,
    bookingNights,
    type BookingProps,
    type ConversationAction,
    type ConversationAssignee,
    type ConversationMessageProps,
    type ConversationStatus,
    type NotificationProps,
    type RelayMode,
} from '../../contract/index.js';
import {cardAttachment, stateOf} from '../actions/rules.js';

import type {Attachment, ConversationMessage, NotificationEvent} from './events.js';
import {splitText} from './split.js';
import {runeLength, safeInline, safeMessageText, safeUrl} from './text_safety.js';

/**
 * The posts the bridge makes (DESIGN §7); their types and props are the contract with the webapp
 * plugin (src/contract/posts.ts). Every post has a readable plain `message` for clients without the
 * plugin; the plugin reads `props.ireserve`.
 */
/** Mattermost's limit on a message, in runes. */
export const MAX_MESSAGE_RUNES = 16_383;
/** Mattermost attaches at most this many files to one post. */
export const MAX_FILES_PER_POST = 5;

/** What the bridge knows of a conversation, stored as the conversation's context (snake_case, as in the props). */
export interface ConversationContext {
    visitor_name?: string;
    visitor_email?: string;
    page_url?: string;
    started_at?: string;
    locale?: string;
    /** The chat widget, park or department the guest used (DESIGN §13). */
    inbox?: string;
    status?: ConversationStatus;
    assignee?: ConversationAssignee | null;
    /** null once i-Reserve removed it. */
    booking?: BookingProps | null;
}

export interface RootPostContent {
    message: string;
    props: {[IRESERVE_PROPS_KEY]: Record<string, unknown>; attachments?: unknown[]};
}

/**
 * Extras of a root post: `previousRootId` (self-heal), the conversation's short `number`, and
 * `card` — the action buttons (DESIGN §10): the bridge's action URL and the signer of each context.
 */
export interface RootExtras {
    previousRootId?: string;
    number?: number | null;
    card?: {url: string; sign: (action: ConversationAction) => string};
    /** Since when the guest waits for an answer (ms, DESIGN §11); absent or null when nobody waits. */
    waitingSince?: number | null;
}

export function rootProps(licence: string, conversationId: string, context: ConversationContext, relayMode: RelayMode, extra: RootExtras = {}): Record<string, unknown> {
    const props: Record<string, unknown> = {
        v: PROPS_VERSION,
        licence,
        conversation_id: conversationId,
        visitor_name: context.visitor_name ?? '',
        page_url: context.page_url ?? '',
        started_at: context.started_at ?? '',
        status: context.status ?? 'open',
        relay_mode: relayMode,
    };
    if (context.visitor_email) {
        props.visitor_email = context.visitor_email;
    }
    if (context.assignee) {
        const {name, email, username, mattermost_user_id: userId} = context.assignee;
        props.assignee = {name, ...(email ? {email} : {}), ...(username ? {username} : {}), ...(userId ? {mattermost_user_id: userId} : {})};
    }
    if (typeof extra.number === 'number') {
        props.number = extra.number;
    }
    if (context.locale) {
        props.locale = context.locale;
    }
    if (context.booking) {
        props.booking = context.booking;
    }
    if (context.inbox) {
        props.inbox = context.inbox;
    }
    if (extra.previousRootId) {
        props.previous_root_id = extra.previousRootId;
    }
    if (typeof extra.waitingSince === 'number') {
        props.waiting_since = new Date(extra.waitingSince).toISOString();
    }
    return props;
}

/**
 * The conversation's root post. `options.previousRootId` (set by self-heal) says the earlier root
 * was deleted in Mattermost and this one replaces it; `options.number` is the conversation's short
 * number (`#17`); `options.card` adds the action buttons, each context signed by `sign`.
 */
export function rootPost(licence: string, conversationId: string, context: ConversationContext, relayMode: RelayMode, options: RootExtras = {}): RootPostContent {
    const visitor = context.visitor_name ? safeInline(context.visitor_name) : 'an unnamed visitor';
    const lines: string[] = [];
    if (options.previousRootId) {
        lines.push('_The earlier thread of this conversation was removed in Mattermost; the conversation continues in this thread._');
    }
    const number = typeof options.number === 'number' ? `#${options.number} ` : '';
    lines.push(`**${number}Web chat with ${visitor}**${context.visitor_email ? ` (${safeInline(context.visitor_email)})` : ''}`);
    const facts: string[] = [];
    if (context.page_url) {
        facts.push(`Page: ${safeUrl(context.page_url)}`);
    }
    if (context.started_at) {
        facts.push(`Started: ${formatTime(context.started_at)}`);
    }
    facts.push(`Status: ${context.status ?? 'open'}`);
    facts.push(`Assignee: ${context.assignee ? safeInline(context.assignee.name) : 'nobody yet'}`);
    lines.push(facts.join(' · '));
    if (context.booking) {
        lines.push(bookingLine(context.booking));
    }
    if (typeof options.waitingSince === 'number') {
        // Plain clients cannot tick: the start of the wait reads well on its own.
        lines.push(`⏳ Waiting for an answer since ${formatTime(new Date(options.waitingSince).toISOString())}`);
    }
    lines.push(`_Conversation ${safeInline(conversationId)}. Reply in this thread${relayMode === 'composer_only' ? ' with the i-Reserve composer to reach the visitor' : ' to answer the visitor'}._`);
    const props: RootPostContent['props'] = {[IRESERVE_PROPS_KEY]: rootProps(licence, conversationId, context, relayMode, options)};
    if (options.card) {
        const state = stateOf(context as Record<string, unknown>, context.status ?? 'open');
        props.attachments = [cardAttachment(state, options.card.url, {licence, conversationId}, options.card.sign)];
    }
    return {message: lines.join('\n'), props};
}

/**
 * The booking in the plain message: the reference (a link when there is a URL), then what else is
 * known — `Booking [R-42](https://…) · 2025-07-03 → 2025-07-10 (7 nights) · Beach house 6 · 2 adults, 1 child · confirmed`.
 * Every value is i-Reserve's text: escaped and mention-neutralised like the visitor's name.
 */
export function bookingLine(booking: BookingProps): string {
    const reference = safeInline(booking.reference);
    const parts = [`Booking ${booking.url ? `[${reference}](${safeUrl(booking.url)})` : reference}`];
    if (booking.arrival || booking.departure) {
        const nights = bookingNights(booking.arrival, booking.departure);
        const range = `${booking.arrival ?? '…'} → ${booking.departure ?? '…'}`;
        parts.push(nights === null ? range : `${range} (${nights} ${nights === 1 ? 'night' : 'nights'})`);
    }
    if (booking.accommodation) {
        parts.push(safeInline(booking.accommodation));
    }
    const guests = ([['adults', 'adult'], ['children', 'child'], ['pets', 'pet']] as const)
        .filter(([key]) => (booking.guests?.[key] ?? 0) > 0)
        .map(([key, one]) => `${booking.guests![key]} ${booking.guests![key] === 1 ? one : key}`);
    if (guests.length > 0) {
        parts.push(guests.join(', '));
    }
    if (booking.status) {
        parts.push(safeInline(booking.status));
    }
    return parts.join(' · ');
}

function formatTime(iso: string): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) {
        return safeInline(iso);
    }
    return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const SENDER_LABEL = {visitor: 'visitor', agent: 'agent', system: 'system'} as const;

/** One post of a (possibly split) message: its text and the indexes of the attachments it carries. */
export interface MessagePart {
    /** 1-based; the props carry it when the message needs more than one post. */
    part: number;
    message: string;
    attachments: number[];
    props: {[IRESERVE_PROPS_KEY]: ConversationMessageProps};
}

/** How a message's posts name its sender: `Anna (visitor)`, neutralised. */
export function senderLabel(name: string, type: keyof typeof SENDER_LABEL): string {
    return `${safeInline(name, 100)} (${SENDER_LABEL[type]})`;
}

/**
 * A message's text as the posts that carry it, in order, each headed by the sender (`**S:**`, then
 * `**S, continued (2/3):**`): neutralised, and split when longer than Mattermost allows. Empty text → [].
 */
export function textPosts(sender: string, rawText: string): string[] {
    const text = rawText.trim() === '' ? '' : safeMessageText(rawText);
    // Room for the longest header, its separator, and a few runes of slack for re-neutralising the
    // start of a piece (a cut right before an `@` adds a joiner).
    const continuationHeader = (n: number, total: number) => `**${sender}, continued (${n}/${total}):**`;
    const headerRoom = runeLength(continuationHeader(99, 99)) + 1 + 4;
    const pieces = text === '' ? [] : splitText(text, MAX_MESSAGE_RUNES - headerRoom).map((piece) => safeMessageText(piece));
    return pieces.map((piece, index) => {
        const header = index === 0 ? `**${sender}:**` : continuationHeader(index + 1, pieces.length);
        return `${header}${piece.includes('\n') ? '\n' : ' '}${piece}`;
    });
}

/** True when a post of the message carries text (it starts with a header of `textPosts`), false for a files-only post. */
export function isTextPost(sender: string, message: string): boolean {
    return message.startsWith(`**${sender}:**`) || message.startsWith(`**${sender}, continued (`);
}

/**
 * The posts that carry one conversation message, in order: the text (split when longer than
 * Mattermost allows, each piece headed by the sender), with up to 5 files on the last text post and
 * further posts for the remaining files. Deterministic: a retry builds the same parts.
 */
export function messageParts(message: ConversationMessage, options: {editedAt?: string} = {}): MessagePart[] {
    const sender = senderLabel(message.sender.name, message.sender.type);
    const files = message.attachments.map((_file, index) => index);
    const groups: number[][] = [];
    for (let i = 0; i < files.length; i += MAX_FILES_PER_POST) {
        groups.push(files.slice(i, i + MAX_FILES_PER_POST));
    }
    const drafts: Array<{message: string; attachments: number[]}> = textPosts(sender, message.text).map((text) => ({message: text, attachments: []}));
    const fileCount = message.attachments.length;
    groups.forEach((group, index) => {
        if (index === 0 && drafts.length > 0) {
            drafts[drafts.length - 1]!.attachments = group;
            return;
        }
        const message = index === 0
            ? `**${sender}** sent ${fileCount === 1 ? 'a file' : `${fileCount} files`}:`
            : `**${sender}**, files ${group[0]! + 1}–${group[group.length - 1]! + 1} of ${fileCount}:`;
        drafts.push({message, attachments: group});
    });
    return drafts.map((draft, index) => {
        const ireserve: ConversationMessageProps = {
            v: PROPS_VERSION,
            message_id: message.message_id,
            sender_type: message.sender.type,
            sender_name: message.sender.name,
        };
        if (drafts.length > 1) {
            ireserve.part = index + 1;
            ireserve.parts = drafts.length;
        }
        if (message.sent_at) {
            ireserve.sent_at = message.sent_at;
        }
        if (options.editedAt) {
            ireserve.edited_at = options.editedAt;
        }
        return {part: index + 1, message: draft.message, attachments: draft.attachments, props: {[IRESERVE_PROPS_KEY]: ireserve}};
    });
}

/** Base64 characters decoded at a time by `attachmentBlob` (a multiple of 4: 3 MiB of bytes). */
const DECODE_STEP = 4 * 1024 * 1024;

/**
 * The attachment's bytes as a Blob of its content type, ready for an upload. The base64 text is
 * decoded a step at a time into one scratch buffer, and each step is copied into a piece of the
 * Blob at once (a Blob made of Blobs references them, it does not copy): besides the event's own
 * text only the Blob holds the file — no whole decoded Buffer beside it, no copy of a copy.
 */
export function attachmentBlob(attachment: Attachment): Blob {
    const text = attachment.data;
    const scratch = Buffer.allocUnsafe(Math.min(DECODE_STEP, text.length) / 4 * 3);
    const pieces: Blob[] = [];
    for (let at = 0; at < text.length; at += DECODE_STEP) {
        const written = scratch.write(text.slice(at, at + DECODE_STEP), 'base64');
        pieces.push(new Blob([scratch.subarray(0, written)]));
    }
    return new Blob(pieces, {type: attachment.content_type});
}

/** `props.ireserve` of a notification, the same for a bot post and an incoming-webhook post. */
export function notificationProps(notification: NotificationEvent, eventId: string): NotificationProps {
    const ireserve: NotificationProps = {
        v: PROPS_VERSION,
        notification_type: notification.notification_type,
        text: notification.text,
        event_id: eventId,
    };
    if (notification.title) {
        ireserve.title = notification.title;
    }
    if (notification.url) {
        ireserve.url = notification.url;
    }
    return ireserve;
}

/** A standalone notification post (in the channel mapped to its type; an incoming webhook gets webhook_attachments.ts's). */
export function notificationPost(notification: NotificationEvent, eventId: string): {message: string; props: {[IRESERVE_PROPS_KEY]: NotificationProps}} {
    const lines: string[] = [];
    const title = notification.title ? safeInline(notification.title) : '';
    lines.push(title === '' ? `**${safeInline(notification.notification_type)}**` : `**${title}**`);
    lines.push(safeMessageText(notification.text));
    if (notification.url) {
        lines.push(`[Open in i-Reserve](${safeUrl(notification.url)})`);
    }
    return {message: lines.join('\n'), props: {[IRESERVE_PROPS_KEY]: notificationProps(notification, eventId)}};
}
