import type {DeliveryTarget} from '../domain/delivery_target.js';
import type {Integration} from '../domain/integration.js';
import type {NewJob} from '../storage/outbox_repository.js';
import type {
    ConversationErased, ConversationMessage, ConversationMessageDeleted, ConversationMessageEdited, ConversationStarted, ConversationUpdated, EventType, NotificationEvent,
} from '../domain/outbound/events.js';

/**
 * Outbox job kinds of the outbound direction: one per event type, and the direct messages those
 * events queue. Every job kind reads `<direction>.<subject>` (inbound/jobs.ts has the others) and
 * every payload is snake_case JSON.
 */
export const OUTBOUND_JOB_KINDS = {
    'conversation.started': 'outbound.conversation.started',
    'conversation.message': 'outbound.conversation.message',
    'conversation.updated': 'outbound.conversation.updated',
    'notification': 'outbound.notification',
    'conversation.message_edited': 'outbound.conversation.message_edited',
    'conversation.message_deleted': 'outbound.conversation.message_deleted',
    'conversation.erased': 'outbound.conversation.erased',
    'direct_message': 'outbound.direct_message',
} as const satisfies Record<EventType | 'direct_message', string>;

/** What an outbound job carries: the verified event, as received. */
export type OutboundJobPayload =
    | {event_id: string; type: 'conversation.started'; data: ConversationStarted}
    | {event_id: string; type: 'conversation.message'; data: ConversationMessage}
    | {event_id: string; type: 'conversation.updated'; data: ConversationUpdated}
    | {event_id: string; type: 'notification'; data: NotificationEvent}
    | {event_id: string; type: 'conversation.message_edited'; data: ConversationMessageEdited}
    | {event_id: string; type: 'conversation.message_deleted'; data: ConversationMessageDeleted}

    | {event_id: string; type: 'conversation.erased'; data: ConversationErased};

/**
 * Jobs of one conversation share an ordering key, so they run one at a time in arrival order;
 * notifications have one each, so they run in parallel.
 */
export function orderingKeyFor(payload: OutboundJobPayload): string {
    return payload.type === 'notification' ? `notification:${payload.event_id}` : `conv:${payload.data.conversation_id}`;
}

/** A notification job's type and the target its type is mapped to now; null for other jobs. */
export function notificationTargetOf(job: {kind: string; payload: unknown}, integration: Integration): DeliveryTarget | null {
    if (job.kind !== OUTBOUND_JOB_KINDS.notification) {
        return null;
    }
    const type = (job.payload as OutboundJobPayload & {type: 'notification'}).data.notification_type;
    const mapped = (integration.notificationChannels as Record<string, string | undefined>)[type]?.trim() ?? '';
    return {notificationType: type, channelId: mapped};
}

export type DirectMessageReason = 'assignment' | 'guest_message' | 'subscription';

/** What a direct-message job carries (see direct_messages.ts). */
export interface DirectMessagePayload {
    reason: DirectMessageReason;
    /** The recipient, as configured or sent by i-Reserve. */
    email: string;
    event_id: string;
    conversation_id?: string;
    /** guest_message: the visitor's text (the DM shows an excerpt). */
    text?: string;
    /** subscription: the notification. */
    notification?: NotificationEvent;
}

/**
 * The job that erases a conversation (outbound/erasure.ts): in the conversation's ordering key, so
 * it runs after the jobs queued before it and never beside one; one per conversation (dedupe key).
 * `event_id` is the `conversation.erased` event's id, or `retention:<conversation>` for the sweep.
 */
export function erasureJob(licence: string, conversationId: string, eventId: string): NewJob {
    const payload: OutboundJobPayload = {event_id: eventId, type: 'conversation.erased', data: {conversation_id: conversationId}};
    return {
        licence, direction: 'outbound', kind: OUTBOUND_JOB_KINDS['conversation.erased'], orderingKey: orderingKeyFor(payload),
        conversationId, dedupeKey: `erase:${conversationId}`, payload,
    };
}

/**
 * Outbox job kinds of waiting guests (DESIGN §11), queued by WaitingTracker (waiting.ts):
 * - `outbound.conversation.waiting`: brings the root's `waiting_since` up to date when it does not
 *   show the conversation's waiting state as it is (a spell started or ended). ordering
 *   `conv:<conversation id>` (in order with the conversation's other root updates), dedupe
 *   `waiting:<conversation id>:<spell>:start|end` when an agent's reply relayed from the thread ends
 *   a spell, `waiting:<conversation id>:after:<job id>` when a conversation job queued it
 *   (WaitingTracker.settleRoot).
 * - `outbound.conversation.reminder`: one reminder of a spell, due at its threshold (or at the end
 *   of quiet hours). ordering and dedupe `reminder:<conversation id>:<spell>:<after_seconds>` (its own
 *   ordering key, so a reminder due later never holds up the conversation's other jobs).
 * A spell is named by its start (ms).
 */
export const WAITING_JOB_KINDS = {
    waiting: 'outbound.conversation.waiting',
    reminder: 'outbound.conversation.reminder',
} as const;

/**
 * Jobs of a conversation after which its root shows the waiting state as it is: `conversation.updated`
 * and `waiting` patch the root; `conversation.message` settles it when it is done (WaitingTracker.settleRoot).
 * A job that finds one of these waiting behind it in the conversation's order leaves the root to it.
 */
export const ROOT_SETTLING_KINDS: readonly string[] = [
    WAITING_JOB_KINDS.waiting, OUTBOUND_JOB_KINDS['conversation.updated'], OUTBOUND_JOB_KINDS['conversation.message'],
];

export interface WaitingPayload {
    conversation_id: string;
    /** The spell (ms) that started or ended (for the admin's view; the job compares the state as it is when it runs). */
    waiting_since: number;
    change: 'start' | 'end';
}

export interface ReminderPayload {
    conversation_id: string;
    /** The spell (ms). */
    waiting_since: number;
    after_seconds: number;
}

/** The dedupe (and ordering) key of a spell's reminder; `reminderKeyPrefix` names all of a spell's. */
export function reminderKey(conversationId: string, since: number, afterSeconds: number): string {
    return `${reminderKeyPrefix(conversationId, since)}${afterSeconds}`;
}

export function reminderKeyPrefix(conversationId: string, since: number): string {
    return `reminder:${conversationId}:${since}:`;
}
