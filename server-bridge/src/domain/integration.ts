import type {DmSettings, InboundMode, NotificationType, RelayMode} from '../contract/index.js';

/** How the bridge signs in to Mattermost (the secrets of an AuthMode). */
export type MattermostAuth =
    | {mode: 'token'; botToken: string}
    | {mode: 'login'; loginId: string; password: string};

export const DEFAULT_DM_SETTINGS: DmSettings = {on_assignment: false, on_guest_message: false, subscriptions: {}};

/**
 * One i-Reserve licence's integration with one Mattermost server, as the core sees it (secrets
 * already decrypted; only storage/ knows they are sealed at rest).
 */
export interface Integration {
    licence: string;
    serverUrl: string;
    auth: MattermostAuth;
    outgoingWebhookToken: string | null;
    /** The `/ireserve` slash command's token (DESIGN §10), when the admin entered it. */
    slashCommandToken: string | null;
    /** Signs the context of the root post's action buttons; null until first needed (see IntegrationsRepository.ensureActionKey). */
    actionKey: string | null;
    channelId: string;
    /** notification type → channel id, or an incoming-webhook URL; '' or absent = not sent. */
    notificationChannels: Partial<Record<NotificationType, string>>;
    relayMode: RelayMode;
    inboundMode: InboundMode;
    callbackUrl: string | null;
    /** The current signing secret first; a rotated-out one while it is still valid. */
    signingSecrets: string[];
    dmSettings: DmSettings;
    /** Closed conversations with no activity for this many days are erased (DESIGN §12); null keeps them. */
    retentionDays: number | null;
    active: boolean;
    botUserId: string | null;
    lastError: string | null;
    lastErrorAt: number | null;
    lastDeliveryAt: number | null;
    createdAt: number;
    updatedAt: number;
}

/**
 * Where notifications of `type` go ('' = not sent). `type` comes from an event: only the map's own
 * keys count (`constructor`, `__proto__`, `toString` are no notification types).
 */
export function notificationTarget(channels: Partial<Record<NotificationType, string>>, type: string): string {
    const value = Object.hasOwn(channels, type) ? (channels as Record<string, unknown>)[type] : undefined;
    return typeof value === 'string' ? value : '';
}

/** The e-mails subscribed to direct messages for notifications of `type` (own keys only, as above). */
export function subscribersOf(settings: DmSettings, type: string): string[] {
    const value = Object.hasOwn(settings.subscriptions, type) ? (settings.subscriptions as Record<string, unknown>)[type] : undefined;
    return Array.isArray(value) ? value as string[] : [];
}
