import {isIncomingWebhookTarget} from '../contract/index.js';

/**
 * Where a delivery was going, for admins reading a failure: a notification's type and its
 * target (a channel id, or an incoming-webhook URL), or the channel of an agent's reply.
 */
export interface DeliveryTarget {
    notificationType: string | null;
    /** A channel id or an incoming-webhook URL; null when not known. */
    channelId: string | null;
}

/** "The booking.confirmed notification to channel abc…" / "… to the incoming webhook" / null. */
export function describeTarget(target: DeliveryTarget): string | null {
    const to = target.channelId === null || target.channelId === ''
        ? ''
        : isIncomingWebhookTarget(target.channelId) ? ' to the incoming webhook' : ` to channel ${target.channelId}`;
    if (target.notificationType !== null) {
        return `The ${target.notificationType} notification${to === '' ? ' (its type is not mapped to a channel now)' : to}`;
    }
    return null;
}

/** The reason prefixed with where the delivery was going, when that is a notification. */
export function withTarget(reason: string, target: DeliveryTarget): string {
    const where = describeTarget(target);
    return where === null ? reason : `${where}: ${reason}`;
}
