import {ACTIONS_PATH, SLASH_COMMAND_PATH} from '../contract/actions.js';
import {NOTIFICATION_TYPES, type AuthMode, type DmSettings, type InboundMode, type Integration, type NotificationType, type RelayMode} from '../domain/integration.js';
import {withTarget, type DeliveryTarget} from '../domain/delivery_target.js';
import type {JobSummary, OutboxRepository, OutboxStatus} from '../storage/outbox_repository.js';

/**
 * What the admin API answers (DESIGN §5): the integration, its status and its deliveries, built
 * from stored state. Secrets never appear here, only whether they are set.
 */

export interface StatusView {
    state: 'ok' | 'error';
    /** Plain language; null when all is well. */
    last_error: string | null;
    last_error_at: string | null;
    last_delivery_at: string | null;
    /** Deliveries waiting or under way. */
    queue_depth: number;
    /** Deliveries parked as failed (replayable). */
    failed: number;
}

export interface IntegrationView {
    licence: string;
    mattermost: {
        server_url: string;
        auth: AuthMode;
        bot_token_set: boolean;
        /** Auth mode `login` only: the bot account's e-mail or username (not a secret). */
        login_id?: string;
        /** The password itself is never returned. */
        password_set: boolean;
        outgoing_webhook_token_set: boolean;
        /** The `/ireserve` slash command's token (write-only, DESIGN §10). */
        slash_command_token_set: boolean;
        bot_user_id: string | null;
    };
    channel_id: string;
    /** Every known notification type; '' = not sent. */
    notification_channels: Record<NotificationType, string>;
    relay_mode: RelayMode;
    inbound_mode: InboundMode;
    ireserve: {callback_url: string | null};
    active: boolean;
    dm_settings: DmSettings;
    inbound_webhook_url: string;
    /** Read-only: where the card's action buttons call the bridge (DESIGN §10). */
    actions_url: string;
    /** Read-only: the request URL of the `/ireserve` slash command. */
    slash_command_url: string;
    status: StatusView;
    created_at: string;
    updated_at: string;
}

export interface NewSecrets {
    /** Standard Webhooks secret (`whsec_…`) i-Reserve signs events with. */
    signing_secret: string;
    /** The integration's admin key for System Console. */
    admin_key: string;
}

export interface DeliveryView {
    id: number;
    direction: 'outbound' | 'inbound';
    kind: string;
    conversation_id: string | null;
    attempts: number;
    status: OutboxStatus;
    last_error: string | null;
    last_error_code: string | null;
    /** Notifications: the notification type; null for other deliveries. */
    notification_type: string | null;
    /**
     * Where it goes: for a notification, the channel id (or incoming-webhook URL) its type is
     * mapped to now — where a retry sends it ('' when the type is no longer mapped); for an agent's
     * reply, the channel of the post. Null when not known.
     */
    channel_id: string | null;
    created_at: string;
    updated_at: string;
}

function iso(ms: number | null): string | null {
    return ms === null ? null : new Date(ms).toISOString();
}

/** The integration's health: its last error, else the newest parked delivery's, and the queue. */
export async function statusView(integration: Integration, outbox: Pick<OutboxRepository, 'counts' | 'list'>): Promise<StatusView> {
    const {queueDepth, failed} = await outbox.counts(integration.licence);
    let lastError = integration.lastError;
    let lastErrorAt = integration.lastErrorAt;
    if (lastError === null && failed > 0) {
        // A later success cleared the integration's last error, but failures still wait for a retry.
        const [latest] = await outbox.list(integration.licence, {status: 'failed', limit: 1});
        lastError = latest?.last_error ? withTarget(latest.last_error, jobTarget(latest, integration)) : null;
        lastErrorAt = latest?.updated_at ?? null;
    }
    return {
        state: lastError !== null || failed > 0 ? 'error' : 'ok',
        last_error: lastError,
        last_error_at: iso(lastErrorAt),
        last_delivery_at: iso(integration.lastDeliveryAt),
        queue_depth: queueDepth,
        failed,
    };
}

/** `publicUrl` is BRIDGE_PUBLIC_URL (the outgoing-webhook URL shown to the admin is built from it). */
export function integrationView(integration: Integration, status: StatusView, publicUrl: string): IntegrationView {
    const notificationChannels = Object.fromEntries(NOTIFICATION_TYPES.map((type) => [type, integration.notificationChannels[type] ?? ''])) as Record<NotificationType, string>;
    return {
        licence: integration.licence,
        mattermost: {
            server_url: integration.serverUrl,
            auth: integration.auth.mode,
            bot_token_set: integration.auth.mode === 'token' && integration.auth.botToken !== '',
            ...(integration.auth.mode === 'login' ? {login_id: integration.auth.loginId} : {}),
            password_set: integration.auth.mode === 'login' && integration.auth.password !== '',
            outgoing_webhook_token_set: integration.outgoingWebhookToken !== null,
            slash_command_token_set: integration.slashCommandToken !== null,
            bot_user_id: integration.botUserId,
        },
        channel_id: integration.channelId,
        notification_channels: notificationChannels,
        relay_mode: integration.relayMode,
        inbound_mode: integration.inboundMode,
        ireserve: {callback_url: integration.callbackUrl},
        active: integration.active,
        dm_settings: integration.dmSettings,
        inbound_webhook_url: `${publicUrl.replace(/\/+$/, '')}/api/v1/mattermost/outgoing-webhook`,
        actions_url: `${publicUrl.replace(/\/+$/, '')}${ACTIONS_PATH}`,
        slash_command_url: `${publicUrl.replace(/\/+$/, '')}${SLASH_COMMAND_PATH}`,
        status,
        created_at: new Date(integration.createdAt).toISOString(),
        updated_at: new Date(integration.updatedAt).toISOString(),
    };
}

/** Where a listed job goes: a notification's current mapping, or the channel its payload names. */
function jobTarget(job: JobSummary, integration: Integration): DeliveryTarget {
    if (job.notification_type !== null) {
        const mapped = (integration.notificationChannels as Record<string, string | undefined>)[job.notification_type]?.trim() ?? '';
        return {notificationType: job.notification_type, channelId: mapped};
    }
    return {notificationType: null, channelId: job.channel_id};
}

export function deliveryView(job: JobSummary, integration: Integration): DeliveryView {
    const target = jobTarget(job, integration);
    return {
        id: job.id,
        direction: job.direction,
        kind: job.kind,
        conversation_id: job.conversation_id,
        attempts: Number(job.attempts),
        status: job.status,
        last_error: job.last_error,
        last_error_code: job.last_error_code,
        notification_type: target.notificationType,
        channel_id: target.channelId,
        created_at: new Date(Number(job.created_at)).toISOString(),
        updated_at: new Date(Number(job.updated_at)).toISOString(),
    };
}
