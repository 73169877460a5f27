// The integration set-up form as data: built from the bridge's view, checked, and turned into the
// PATCH body that changes exactly what the admin changed. Secrets are write-only: a token field
// is sent only when something was typed in it (empty = keep the saved token).
import type {InboundMode, IntegrationPatch, IntegrationView, RelayMode} from '../../client/bridge_client';

export const NOTIFICATION_TYPES = [
    'booking.confirmed',
    'booking.changed',
    'booking.cancelled',
    'payment.received',
    'arrival.today',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export type FormState = {
    serverUrl: string;
    botToken: string;
    outgoingWebhookToken: string;
    channelId: string;

    /** '' = do not send, a channel id, or an http(s) incoming-webhook URL. */
    notifications: Record<NotificationType, string>;

    /** Types whose target is typed as an incoming-webhook URL (even while the URL is still empty). */
    webhookTypes: NotificationType[];
    relayMode: RelayMode;
    inboundMode: InboundMode;
    active: boolean;
};

/** Form fields errors can be attached to. */
export type FieldKey =
    | 'serverUrl'
    | 'botToken'
    | 'outgoingWebhookToken'
    | 'channelId'
    | `notification:${NotificationType}`
    | 'relayMode'
    | 'inboundMode'
    | 'active';

export type FieldErrors = Partial<Record<FieldKey, string>>;

export function isWebhookUrl(value: string): boolean {
    return /^https?:\/\//i.test(value.trim());
}

function isHttpUrl(value: string): boolean {
    if (!isWebhookUrl(value)) {
        return false;
    }
    try {
        return Boolean(new URL(value.trim()).host);
    } catch {
        return false;
    }
}

export function formFromView(view: IntegrationView, siteUrl: string): FormState {
    const notifications = {} as Record<NotificationType, string>;
    for (const type of NOTIFICATION_TYPES) {
        notifications[type] = view.notification_channels?.[type] ?? '';
    }
    return {
        serverUrl: view.mattermost?.server_url || siteUrl,
        botToken: '',
        outgoingWebhookToken: '',
        channelId: view.channel_id ?? '',
        notifications,
        webhookTypes: NOTIFICATION_TYPES.filter((type) => isWebhookUrl(notifications[type])),
        relayMode: view.relay_mode ?? 'all_replies',
        inboundMode: view.inbound_mode ?? 'outgoing_webhook',
        active: Boolean(view.active),
    };
}

/** The PATCH body for what differs from the saved view; null when nothing does. */
export function patchFrom(form: FormState, view: IntegrationView): IntegrationPatch | null {
    const patch: IntegrationPatch = {};
    const mattermost: NonNullable<IntegrationPatch['mattermost']> = {};
    if (form.serverUrl.trim() !== (view.mattermost?.server_url ?? '')) {
        mattermost.server_url = form.serverUrl.trim();
    }
    if (form.botToken.trim() !== '') {
        mattermost.bot_token = form.botToken.trim();
    }
    if (form.outgoingWebhookToken.trim() !== '') {
        mattermost.outgoing_webhook_token = form.outgoingWebhookToken.trim();
    }
    if (Object.keys(mattermost).length > 0) {
        patch.mattermost = mattermost;
    }
    if (form.channelId !== (view.channel_id ?? '')) {
        patch.channel_id = form.channelId;
    }

    // The whole map is sent when any entry changed: '' clears a type, so merge and replace agree.
    const notifications = Object.fromEntries(NOTIFICATION_TYPES.map((type) => [type, form.notifications[type].trim()]));
    if (NOTIFICATION_TYPES.some((type) => notifications[type] !== (view.notification_channels?.[type] ?? ''))) {
        patch.notification_channels = notifications;
    }
    if (form.relayMode !== view.relay_mode) {
        patch.relay_mode = form.relayMode;
    }
    if (form.inboundMode !== view.inbound_mode) {
        patch.inbound_mode = form.inboundMode;
    }
    if (form.active !== Boolean(view.active)) {
        patch.active = form.active;
    }
    return Object.keys(patch).length > 0 ? patch : null;
}

export type ValidationMessages = {serverUrl: string; webhookUrl: string};

/**
 * Client-side checks that need no bridge; the bridge checks the rest (token, channel access). An
 * empty channel is allowed: the channel list needs a saved bot token first.
 */
export function validate(form: FormState, messages: ValidationMessages): FieldErrors {
    const errors: FieldErrors = {};
    if (!isHttpUrl(form.serverUrl)) {
        errors.serverUrl = messages.serverUrl;
    }
    for (const type of form.webhookTypes) {
        if (!isHttpUrl(form.notifications[type])) {
            errors[`notification:${type}`] = messages.webhookUrl;
        }
    }
    return errors;
}

/** The form field a problem+json `field` (the request's dotted path) names, if any. */
export function fieldKeyForProblem(field: string | undefined): FieldKey | null {
    if (!field) {
        return null;
    }
    const path = field.replace(/^\//, '').replace(/\//g, '.');
    const direct: Record<string, FieldKey> = {
        'mattermost.server_url': 'serverUrl',
        'mattermost.bot_token': 'botToken',
        'mattermost.outgoing_webhook_token': 'outgoingWebhookToken',
        mattermost: 'serverUrl',
        channel_id: 'channelId',
        relay_mode: 'relayMode',
        inbound_mode: 'inboundMode',
        active: 'active',
    };
    if (direct[path]) {
        return direct[path]!;
    }
    if (path.startsWith('notification_channels.')) {
        const type = path.slice('notification_channels.'.length);
        return (NOTIFICATION_TYPES as readonly string[]).includes(type) ? `notification:${type as NotificationType}` : null;
    }
    return null;
}
