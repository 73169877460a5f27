import {matchingRoute, type DmSettings, type InboundMode, type NotificationType, type RelayMode, type ReminderSettings, type RouteMatch, type RoutingFacts} from '../contract/index.js';

/** How the bridge signs in to Mattermost (the secrets of an AuthMode). */
export type MattermostAuth =
    | {mode: 'token'; botToken: string}
    | {mode: 'login'; loginId: string; password: string};

/**
 * One route (DESIGN §13): match fields (at least one; `page_url_prefix` normalised) and the channel
 * a matching new conversation goes to. `outgoingWebhookToken`: the token of the outgoing webhook on
 * that channel, when the admin made one (webhook mode: one hook per channel).
 */
export interface Route extends RouteMatch {
    channelId: string;
    outgoingWebhookToken: string | null;
}

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
    /** The default conversation channel: where a new conversation goes when no route matches. */
    channelId: string;
    /** Ordered; the first that matches a new conversation chooses its channel. */
    routes: Route[];
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
    /** Reminders for waiting guests (DESIGN §11); null = off. */
    reminders: ReminderSettings | null;
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

/**
 * The channel a new conversation goes to: the first matching route's, else the default channel.
 * Called once, when the conversation's first root is made; the conversation then stays there.
 */
export function routeChannel(integration: Pick<Integration, 'channelId' | 'routes'>, facts: RoutingFacts): string {
    const index = matchingRoute(integration.routes, facts);
    return index < 0 ? integration.channelId : integration.routes[index]!.channelId;
}

/** A conversation channel of the integration and the first setting that names it. */
export interface ConversationChannel {
    channelId: string;
    /** `mirror` (the default channel) or `route:<index>` (0-based). */
    purpose: string;
}

/**
 * Every channel the integration's conversations can be in: the default channel first, then each
 * route's channel in route order, each once. Everything that acts on "the integration's channels"
 * (the Test, the channel list, the inbound relay's checks and catch-up) takes them from here.
 * Conversations that started under routes since removed may still be elsewhere: their channels are
 * stored with each conversation.
 */
export function conversationChannels(integration: Pick<Integration, 'channelId' | 'routes'>): ConversationChannel[] {
    const out: ConversationChannel[] = [];
    const seen = new Set<string>();
    const add = (channelId: string, purpose: string) => {
        if (channelId !== '' && !seen.has(channelId)) {
            seen.add(channelId);
            out.push({channelId, purpose});
        }
    };
    add(integration.channelId, 'mirror');
    integration.routes.forEach((route, index) => add(route.channelId, `route:${index}`));
    return out;
}

/** Every outgoing-webhook token that names this integration: the main one, then the routes' (each once). */
export function outgoingWebhookTokens(integration: Pick<Integration, 'outgoingWebhookToken' | 'routes'>): string[] {
    const tokens = [integration.outgoingWebhookToken, ...integration.routes.map((route) => route.outgoingWebhookToken)];
    return [...new Set(tokens.filter((token): token is string => token !== null && token !== ''))];
}
