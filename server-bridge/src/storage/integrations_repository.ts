import type {Transaction} from 'kysely';

import type {SecretBox} from '../crypto/secret_box.js';
import {DEFAULT_DM_SETTINGS, type DmSettings, type InboundMode, type Integration, type RelayMode} from '../domain/integration.js';
import type {Clock} from '../ports/clock.js';

import type {Db} from './database.js';
import type {Database, IntegrationsTable} from './schema.js';

/** What is written for an integration; secrets in clear here, sealed on the way in. */
export interface IntegrationRecord {
    licence: string;
    serverUrl: string;
    auth: Integration['auth'];
    outgoingWebhookToken: string | null;
    channelId: string;
    notificationChannels: Integration['notificationChannels'];
    relayMode: RelayMode;
    inboundMode: InboundMode;
    callbackUrl: string | null;
    signingSecret: string;
    previousSigningSecret?: {secret: string; expiresAt: number} | null;
    adminKeyHash: string;
    dmSettings: DmSettings;
    active: boolean;
    botUserId: string | null;
}

/**
 * Integrations, one row per licence. Secrets are sealed with the SecretBox (AES-256-GCM) and the
 * admin key is stored as a hash; nothing here logs. Every method takes the licence explicitly,
 * except the look-up by outgoing-webhook token, which goes through a keyed hash of the token.
 */
export class IntegrationsRepository {
    constructor(private readonly db: Db, private readonly box: SecretBox, private readonly clock: Clock) {}

    async get(licence: string): Promise<Integration | undefined> {
        const row = await this.db.selectFrom('integrations').selectAll().where('licence', '=', licence).executeTakeFirst();
        return row ? this.#toIntegration(row) : undefined;
    }

    async adminKeyHash(licence: string): Promise<string | undefined> {
        const row = await this.db.selectFrom('integrations').select('admin_key_hash').where('licence', '=', licence).executeTakeFirst();
        return row?.admin_key_hash;
    }

    /** Finds the integration whose outgoing-webhook token this is (the caller still compares in constant time). */
    async findByOutgoingWebhookToken(token: string): Promise<Integration | undefined> {
        const row = await this.db.selectFrom('integrations').selectAll()
            .where('outgoing_webhook_token_hash', '=', this.box.lookupHash(token)).executeTakeFirst();
        return row ? this.#toIntegration(row) : undefined;
    }

    async listLicences(filter: {active?: boolean} = {}): Promise<string[]> {
        let query = this.db.selectFrom('integrations').select('licence');
        if (filter.active !== undefined) {
            query = query.where('active', '=', filter.active ? 1 : 0);
        }
        return (await query.orderBy('licence').execute()).map((row) => row.licence);
    }

    /** Creates or replaces. Returns true when it was created. */
    async save(record: IntegrationRecord, trx?: Transaction<Database>): Promise<boolean> {
        const executor = trx ?? this.db;
        const now = this.clock.now();
        const existing = await executor.selectFrom('integrations').select(['created_at']).where('licence', '=', record.licence).executeTakeFirst();
        const values = {
            licence: record.licence,
            server_url: record.serverUrl,
            auth_mode: record.auth.mode,
            bot_token_enc: record.auth.mode === 'token' ? this.box.seal(record.auth.botToken) : null,
            login_id: record.auth.mode === 'login' ? record.auth.loginId : null,
            password_enc: record.auth.mode === 'login' ? this.box.seal(record.auth.password) : null,
            outgoing_webhook_token_enc: record.outgoingWebhookToken ? this.box.seal(record.outgoingWebhookToken) : null,
            outgoing_webhook_token_hash: record.outgoingWebhookToken ? this.box.lookupHash(record.outgoingWebhookToken) : null,
            channel_id: record.channelId,
            notification_channels: JSON.stringify(record.notificationChannels),
            relay_mode: record.relayMode,
            inbound_mode: record.inboundMode,
            callback_url: record.callbackUrl,
            signing_secret_enc: this.box.seal(record.signingSecret),
            previous_signing_secret_enc: record.previousSigningSecret ? this.box.seal(record.previousSigningSecret.secret) : null,
            previous_signing_secret_expires_at: record.previousSigningSecret?.expiresAt ?? null,
            admin_key_hash: record.adminKeyHash,
            dm_settings: JSON.stringify(record.dmSettings),
            active: record.active ? 1 : 0,
            bot_user_id: record.botUserId,
            updated_at: now,
        };
        if (existing) {
            await executor.updateTable('integrations').set(values).where('licence', '=', record.licence).execute();
            return false;
        }
        await executor.insertInto('integrations').values({...values, created_at: now}).execute();
        return true;
    }

    /** The stored record with secrets opened, for a read-modify-write (PATCH, rotate). */
    async getRecord(licence: string): Promise<IntegrationRecord | undefined> {
        const row = await this.db.selectFrom('integrations').selectAll().where('licence', '=', licence).executeTakeFirst();
        if (!row) {
            return undefined;
        }
        const integration = this.#toIntegration(row);
        const previous = row.previous_signing_secret_enc && row.previous_signing_secret_expires_at
            ? {secret: this.box.open(row.previous_signing_secret_enc), expiresAt: Number(row.previous_signing_secret_expires_at)}
            : null;
        return {
            licence: integration.licence,
            serverUrl: integration.serverUrl,
            auth: integration.auth,
            outgoingWebhookToken: integration.outgoingWebhookToken,
            channelId: integration.channelId,
            notificationChannels: integration.notificationChannels,
            relayMode: integration.relayMode,
            inboundMode: integration.inboundMode,
            callbackUrl: integration.callbackUrl,
            signingSecret: this.box.open(row.signing_secret_enc),
            previousSigningSecret: previous,
            adminKeyHash: row.admin_key_hash,
            dmSettings: integration.dmSettings,
            active: integration.active,
            botUserId: integration.botUserId,
        };
    }

    async delete(licence: string): Promise<boolean> {
        return this.db.transaction().execute(async (trx) => {
            const result = await trx.deleteFrom('integrations').where('licence', '=', licence).executeTakeFirst();
            for (const table of ['events', 'conversations', 'messages', 'outbox', 'directory_users', 'kv'] as const) {
                await trx.deleteFrom(table).where('licence', '=', licence).execute();
            }
            return Number(result.numDeletedRows) === 1;
        });
    }

    async setBotUserId(licence: string, botUserId: string): Promise<void> {
        await this.db.updateTable('integrations').set({bot_user_id: botUserId}).where('licence', '=', licence).execute();
    }

    /** Status bookkeeping: the last error (plain language) or the last successful delivery. */
    async recordError(licence: string, message: string): Promise<void> {
        await this.db.updateTable('integrations').set({last_error: message, last_error_at: this.clock.now()}).where('licence', '=', licence).execute();
    }

    async recordDelivery(licence: string, clearError: boolean): Promise<void> {
        const now = this.clock.now();
        await this.db.updateTable('integrations')
            .set(clearError ? {last_delivery_at: now, last_error: null, last_error_at: null} : {last_delivery_at: now})
            .where('licence', '=', licence).execute();
    }

    #toIntegration(row: IntegrationsTable): Integration {
        const now = this.clock.now();
        const secrets = [this.box.open(row.signing_secret_enc)];
        if (row.previous_signing_secret_enc && row.previous_signing_secret_expires_at && Number(row.previous_signing_secret_expires_at) > now) {
            secrets.push(this.box.open(row.previous_signing_secret_enc));
        }
        return {
            licence: row.licence,
            serverUrl: row.server_url,
            auth: row.auth_mode === 'login'
                ? {mode: 'login', loginId: row.login_id ?? '', password: row.password_enc ? this.box.open(row.password_enc) : ''}
                : {mode: 'token', botToken: row.bot_token_enc ? this.box.open(row.bot_token_enc) : ''},
            outgoingWebhookToken: row.outgoing_webhook_token_enc ? this.box.open(row.outgoing_webhook_token_enc) : null,
            channelId: row.channel_id,
            notificationChannels: JSON.parse(row.notification_channels) as Integration['notificationChannels'],
            relayMode: row.relay_mode as RelayMode,
            inboundMode: row.inbound_mode as InboundMode,
            callbackUrl: row.callback_url,
            signingSecrets: secrets,
            dmSettings: {...DEFAULT_DM_SETTINGS, ...(JSON.parse(row.dm_settings) as Partial<DmSettings>)},
            active: row.active === 1,
            botUserId: row.bot_user_id,
            lastError: row.last_error,
            lastErrorAt: row.last_error_at === null ? null : Number(row.last_error_at),
            lastDeliveryAt: row.last_delivery_at === null ? null : Number(row.last_delivery_at),
            createdAt: Number(row.created_at),
            updatedAt: Number(row.updated_at),
        };
    }
}
