import type {DeliveryTarget} from '../domain/delivery_target.js';
import type {Integration} from '../domain/integration.js';
import type {ConversationMessage, ConversationStarted, ConversationUpdated, EventType, NotificationEvent} from '../domain/outbound/events.js';

/** Outbox job kinds of the outbound direction, one per event type. */
export const OUTBOUND_JOB_KINDS = {
    'conversation.started': 'outbound.conversation.started',
    'conversation.message': 'outbound.conversation.message',
    'conversation.updated': 'outbound.conversation.updated',
    'notification': 'outbound.notification',
} as const satisfies Record<EventType, string>;

/** What an outbound job carries: the verified event, as received. */
export type OutboundJobPayload =
    | {event_id: string; type: 'conversation.started'; data: ConversationStarted}
    | {event_id: string; type: 'conversation.message'; data: ConversationMessage}
    | {event_id: string; type: 'conversation.updated'; data: ConversationUpdated}
    | {event_id: string; type: 'notification'; data: NotificationEvent};

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
