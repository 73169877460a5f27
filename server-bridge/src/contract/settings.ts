/**
 * The integration's settings both halves know by name: the admin API carries them, the bridge acts
 * on them, System Console edits them.
 */

/** The notification types i-Reserve sends, each mappable to a channel or an incoming webhook. */
export const NOTIFICATION_TYPES = [
    'booking.confirmed',
    'booking.changed',
    'booking.cancelled',
    'payment.received',
    'arrival.today',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * Which thread replies reach the visitor: `all_replies` every agent reply (the default),
 * `composer_only` only composer posts sent with *Reply to visitor* (DESIGN §4).
 */
export const RELAY_MODES = ['all_replies', 'composer_only'] as const;
export type RelayMode = (typeof RELAY_MODES)[number];
export const DEFAULT_RELAY_MODE: RelayMode = 'all_replies';

/** How agents' replies reach the bridge: a Mattermost outgoing webhook (the default) or the bot's WebSocket. */
export const INBOUND_MODES = ['outgoing_webhook', 'websocket'] as const;
export type InboundMode = (typeof INBOUND_MODES)[number];
export const DEFAULT_INBOUND_MODE: InboundMode = 'outgoing_webhook';

/** How the bridge signs in to Mattermost: a bot access token (the default), or the bot account's login and password. */
export const AUTH_MODES = ['token', 'login'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];
export const DEFAULT_AUTH_MODE: AuthMode = 'token';

/** Which events send the assignee or subscribers a direct message from the bot (all off by default). */
export interface DmSettings {
    on_assignment: boolean;
    on_guest_message: boolean;
    /** notification type → e-mails of agents subscribed to it. */
    subscriptions: Partial<Record<NotificationType, string[]>>;
}

/** Who a reminder mentions: the assignee (`@here` when nobody has the conversation), or always `@here`. */
export const REMINDER_NOTIFY = ['assignee', 'channel'] as const;
export type ReminderNotify = (typeof REMINDER_NOTIFY)[number];

/** The limits on `reminders.after_seconds` (DESIGN §11): at most 5 thresholds, ascending, each at least 10 s. */
export const MAX_REMINDER_THRESHOLDS = 5;
export const MIN_REMINDER_SECONDS = 10;

/**
 * Reminders in a conversation's thread while a guest waits (DESIGN §11). Absent or
 * `after_seconds: []` = off (the default). Quiet hours: an IANA time zone and `HH:MM` bounds
 * (`from` later than `to` spans midnight); a reminder due inside them is posted at their end.
 */
export interface ReminderSettings {
    after_seconds: number[];
    notify: ReminderNotify;
    quiet_hours?: {timezone: string; from: string; to: string};
}

function oneOf<T extends string>(list: readonly T[], value: unknown): value is T {
    return typeof value === 'string' && (list as readonly string[]).includes(value);
}

export function isNotificationType(value: unknown): value is NotificationType {
    return oneOf(NOTIFICATION_TYPES, value);
}

export function isRelayMode(value: unknown): value is RelayMode {
    return oneOf(RELAY_MODES, value);
}

/** A notification target is an incoming-webhook URL when it starts with http(s)://, else a channel id. */
export function isIncomingWebhookTarget(target: string): boolean {
    return /^https?:\/\//i.test(target.trim());
}
