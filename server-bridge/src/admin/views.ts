import {ACTIONS_PATH, NOTIFICATION_TYPES, SLASH_COMMAND_PATH, type DeliveryView, type ErasureView, type IntegrationStatusView, type IntegrationView, type NotificationType} from '../contract/index.js';
import type {Integration} from '../domain/integration.js';
import type {ErasureRecord} from '../storage/erasures_repository.js';
import type {JobSummary, OutboxRepository} from '../storage/outbox_repository.js';
import type {WaitingRepository} from '../storage/waiting_repository.js';
import {withTarget, type DeliveryTarget} from '../domain/delivery_target.js';
import {WAITING_JOB_KINDS} from '../outbound/jobs.js';

import {routeViews} from './routes.js';

/**
 * What the admin API answers (DESIGN §5): the integration, its status and its deliveries, built
 * from stored state in the contract's shapes (src/contract/admin_api.ts). Secrets never appear
 * here, only whether they are set.
 */

function iso(ms: number | null): string | null {
    return ms === null ? null : new Date(ms).toISOString();
}

/** The integration's health: its last error, else the newest parked delivery's, the queue, and the guests waiting at `now`. */
export async function statusView(integration: Integration, outbox: Pick<OutboxRepository, 'counts' | 'list'>, waiting: Pick<WaitingRepository, 'summary'>, now: number): Promise<IntegrationStatusView> {
    const {queueDepth, failed} = await outbox.counts(integration.licence, [WAITING_JOB_KINDS.reminder]);
    const waits = await waiting.summary(integration.licence);
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
        waiting: {count: waits.count, longest_seconds: waits.oldest === null ? 0 : Math.max(0, Math.floor((now - waits.oldest) / 1000))},
    };
}

/** `publicUrl` is BRIDGE_PUBLIC_URL (the outgoing-webhook URL shown to the admin is built from it). */
export function integrationView(integration: Integration, status: IntegrationStatusView, publicUrl: string): IntegrationView {
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
        routes: routeViews(integration.routes),
        notification_channels: notificationChannels,
        relay_mode: integration.relayMode,
        inbound_mode: integration.inboundMode,
        ireserve: {callback_url: integration.callbackUrl},
        active: integration.active,
        dm_settings: integration.dmSettings,
        retention_days: integration.retentionDays,
        ...(integration.reminders ? {reminders: integration.reminders} : {}),
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

export function erasureView(erasure: ErasureRecord): ErasureView {
    return {
        conversation_id: erasure.conversationId,
        status: erasure.status,
        source: erasure.source,
        requested_at: new Date(erasure.requestedAt).toISOString(),
        completed_at: erasure.completedAt === null ? null : new Date(erasure.completedAt).toISOString(),
        kept: erasure.kept,
    };
}
