import {sql, type Transaction} from 'kysely';

import {randomToken, type SecretBox} from '../crypto/secret_box.js';
import type {DmSettings, InboundMode, RelayMode, ReminderSettings} from '../contract/index.js';
import {DEFAULT_DM_SETTINGS, type Integration, type Route} from '../domain/integration.js';
import type {Clock} from '../ports/clock.js';

import type {Db} from './database.js';
import type {Database, IntegrationsTable} from './schema.js';

/** What is written for an integration; secrets in clear here, sealed on the way in. */
export interface IntegrationRecord {
    licence: string;
    serverUrl: string;
    auth: Integration['auth'];
    outgoingWebhookToken: string | null;
    /** The `/ireserve` slash command's token; undefined leaves the stored one as it is. */
    slashCommandToken?: string | null;
    channelId: string;
    /** The ordered routes; undefined leaves the stored ones as they are (none for a new integration). */
    routes?: Route[];
    notificationChannels: Integration['notificationChannels'];
    relayMode: RelayMode;
    inboundMode: InboundMode;
    callbackUrl: string | null;
    signingSecret: string;
    previousSigningSecret?: {secret: string; expiresAt: number} | null;
    adminKeyHash: string;
    dmSettings: DmSettings;
    /** Days after which closed conversations are erased; undefined leaves the stored value (null: never). */
    retentionDays?: number | null;
    /** Reminder settings; null = off; undefined leaves the stored ones as they are. */
    reminders?: ReminderSettings | null;
    active: boolean;
    botUserId: string | null;
}

export interface IntegrationsRepositoryOptions {
    /** How long `getCached` may answer from memory (ms); 0 reads every time. */
    cacheMs?: number;
    /** `recordDelivery` writes at most once per this many ms per licence (the latest time is kept). */
    deliveryWriteEveryMs?: number;
}

/** A route as stored in the `routes` JSON column: the token sealed. */
interface StoredRoute {
    inbox?: string;
    locale?: string;
    page_url_prefix?: string;
    channel_id: string;
    outgoing_webhook_token_enc?: string;
}

/**
 * Integrations, one row per licence. Secrets are sealed with the SecretBox (AES-256-GCM) and the
 * admin key is stored as a hash; nothing here logs. Every method takes the licence explicitly,
 * except the look-up by outgoing-webhook token, which goes through a keyed hash of the token.
 */
export class IntegrationsRepository {
    readonly #cacheMs: number;
    readonly #deliveryWriteEveryMs: number;
    readonly #cache = new Map<string, {at: number; integration: Promise<Integration | undefined>}>();
    /** Per licence: when `recordDelivery` last wrote, and a delivery time still to be written. */
    readonly #deliveryWrites = new Map<string, {writtenAt: number; pendingAt: number | null; timer: NodeJS.Timeout | undefined}>();

    constructor(private readonly db: Db, private readonly box: SecretBox, private readonly clock: Clock, options: IntegrationsRepositoryOptions = {}) {
        this.#cacheMs = options.cacheMs ?? 1000;
        this.#deliveryWriteEveryMs = options.deliveryWriteEveryMs ?? 1000;
    }

    /** The integration as stored now (secrets opened). */
    async get(licence: string): Promise<Integration | undefined> {
        const row = await this.db.selectFrom('integrations').selectAll().where('licence', '=', licence).executeTakeFirst();
        return row ? this.#toIntegration(row) : undefined;
    }

    /**
     * The integration for the hot paths (event intake, every delivery): read at most `cacheMs` ago
     * by this process. Writes through this repository are seen at once; a change made by another
     * bridge process applies within `cacheMs`. Its status fields (last error, last delivery) may be
     * that old too: status views use `get`.
     */
    async getCached(licence: string): Promise<Integration | undefined> {
        const now = this.clock.now();
        const hit = this.#cache.get(licence);
        if (hit && now - hit.at < this.#cacheMs) {
            return hit.integration;
        }
        const integration = this.get(licence);
        const entry = {at: now, integration};
        this.#cache.set(licence, entry);
        integration.catch(() => {
            if (this.#cache.get(licence) === entry) {
                this.#cache.delete(licence);
            }
        });
        if (this.#cache.size > 10_000) {
            this.#cache.delete(this.#cache.keys().next().value!);
        }
        return integration;
    }

    /** Forgets what `getCached` holds for the licence (every write here calls it). */
    invalidate(licence: string): void {
        this.#cache.delete(licence);
    }

    /**
     * Runs a write of the licence's row and forgets the cached integration before and after it:
     * a `getCached` read that ran while the write was under way (and may have seen the old row)
     * is not kept.
     */
    async #writing<T>(licence: string, write: () => Promise<T>): Promise<T> {
        this.invalidate(licence);
        try {
            return await write();
        } finally {
            this.invalidate(licence);
        }
    }

    async adminKeyHash(licence: string): Promise<string | undefined> {
        const row = await this.db.selectFrom('integrations').select('admin_key_hash').where('licence', '=', licence).executeTakeFirst();
        return row?.admin_key_hash;
    }

    /**
     * Finds the integration one of whose outgoing-webhook tokens this is — the main one or a route's
     * (the caller still compares in constant time).
     */
    async findByOutgoingWebhookToken(token: string): Promise<Integration | undefined> {
        const hash = this.box.lookupHash(token);
        const row = await this.db.selectFrom('integrations').selectAll()
            .where((eb) => eb.or([
                eb('outgoing_webhook_token_hash', '=', hash),
                eb('licence', 'in', eb.selectFrom('route_webhook_tokens').select('licence').where('token_hash', '=', hash)),
            ]))
            .orderBy('licence').executeTakeFirst();
        return row ? this.#toIntegration(row) : undefined;
    }

    /** Finds the integration whose slash-command token this is (the caller still compares in constant time). */
    async findBySlashCommandToken(token: string): Promise<Integration | undefined> {
        const row = await this.db.selectFrom('integrations').selectAll()
            .where('slash_command_token_hash', '=', this.box.lookupHash(token)).executeTakeFirst();
        return row ? this.#toIntegration(row) : undefined;
    }

    /**
     * The key that signs the licence's action contexts: the stored one, else a new random key stored
     * now (integrations made before actions existed). Concurrent first calls agree on one key: only
     * the first write lands, and every caller reads back what was stored. Undefined: no such licence.
     */
    async ensureActionKey(licence: string): Promise<string | undefined> {
        const read = async () => (await this.db.selectFrom('integrations').select('action_key_enc').where('licence', '=', licence).executeTakeFirst());
        const row = await read();
        if (!row) {
            return undefined;
        }
        if (row.action_key_enc) {
            return this.box.open(row.action_key_enc);
        }
        await this.#writing(licence, () => this.db.updateTable('integrations').set({action_key_enc: this.box.seal(randomToken(32))})
            .where('licence', '=', licence).where('action_key_enc', 'is', null).execute());
        const stored = await read();
        return stored?.action_key_enc ? this.box.open(stored.action_key_enc) : undefined;
    }

    /** The integrations one of whose conversation channels (default or a route's) this is (usually one). */
    async findByChannel(channelId: string): Promise<Integration[]> {
        if (!/^[a-z0-9]{26}$/.test(channelId)) {
            return [];
        }
        // A channel id is 26 lowercase letters and digits: nothing in it is special to LIKE.
        const rows = await this.db.selectFrom('integrations').selectAll()
            .where((eb) => eb.or([eb('channel_id', '=', channelId), eb('routes', 'like', `%"channel_id":"${channelId}"%`)]))
            .execute();
        return rows.map((row) => this.#toIntegration(row)).filter((integration) =>
            integration.channelId === channelId || integration.routes.some((route) => route.channelId === channelId));
    }

    async listLicences(filter: {active?: boolean} = {}): Promise<string[]> {
        let query = this.db.selectFrom('integrations').select('licence');
        if (filter.active !== undefined) {
            query = query.where('active', '=', filter.active ? 1 : 0);
        }
        return (await query.orderBy('licence').execute()).map((row) => row.licence);
    }

    /**
     * Creates or replaces. Returns true when it was created. Inside a caller's transaction (`trx`),
     * call `invalidate` once it has committed: until then other connections still read the old row.
     */
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
            ...(record.routes === undefined ? {} : {routes: JSON.stringify(record.routes.map((route) => this.#storedRoute(route)))}),
            notification_channels: JSON.stringify(record.notificationChannels),
            relay_mode: record.relayMode,
            inbound_mode: record.inboundMode,
            callback_url: record.callbackUrl,
            signing_secret_enc: this.box.seal(record.signingSecret),
            previous_signing_secret_enc: record.previousSigningSecret ? this.box.seal(record.previousSigningSecret.secret) : null,
            previous_signing_secret_expires_at: record.previousSigningSecret?.expiresAt ?? null,
            admin_key_hash: record.adminKeyHash,
            dm_settings: JSON.stringify(record.dmSettings),
            ...(record.retentionDays === undefined ? {} : {retention_days: record.retentionDays}),
            ...(record.reminders === undefined ? {} : {reminders: record.reminders ? JSON.stringify(record.reminders) : null}),
            ...(record.slashCommandToken === undefined ? {} : {
                slash_command_token_enc: record.slashCommandToken ? this.box.seal(record.slashCommandToken) : null,
                slash_command_token_hash: record.slashCommandToken ? this.box.lookupHash(record.slashCommandToken) : null,
            }),
            active: record.active ? 1 : 0,
            bot_user_id: record.botUserId,
            updated_at: now,
        };
        const tokenHashes = [...new Set((record.routes ?? []).map((route) => route.outgoingWebhookToken)
            .filter((token): token is string => token !== null && token !== '').map((token) => this.box.lookupHash(token)))];
        const write = async (trx: Transaction<Database>): Promise<boolean> => {
            let created = false;
            if (existing) {
                await trx.updateTable('integrations').set(values).where('licence', '=', record.licence).execute();
            } else {
                await trx.insertInto('integrations').values({routes: '[]', ...values, action_key_enc: this.box.seal(randomToken(32)), created_at: now}).execute();
                created = true;
            }
            if (record.routes === undefined) {
                return created;
            }
            // The routes' tokens, replaced with the row (the primary key refuses another integration's token).
            await trx.deleteFrom('route_webhook_tokens').where('licence', '=', record.licence).execute();
            if (tokenHashes.length > 0) {
                await trx.insertInto('route_webhook_tokens').values(tokenHashes.map((token_hash) => ({token_hash, licence: record.licence}))).execute();
            }
            return created;
        };
        return this.#writing(record.licence, () => (trx ? write(trx) : this.db.transaction().execute(write)));
    }

    #storedRoute(route: Route): StoredRoute {
        return {
            ...(route.inbox !== undefined ? {inbox: route.inbox} : {}),
            ...(route.locale !== undefined ? {locale: route.locale} : {}),
            ...(route.page_url_prefix !== undefined ? {page_url_prefix: route.page_url_prefix} : {}),
            channel_id: route.channelId,
            ...(route.outgoingWebhookToken ? {outgoing_webhook_token_enc: this.box.seal(route.outgoingWebhookToken)} : {}),
        };
    }

    #route(stored: StoredRoute): Route {
        return {
            ...(stored.inbox !== undefined ? {inbox: stored.inbox} : {}),
            ...(stored.locale !== undefined ? {locale: stored.locale} : {}),
            ...(stored.page_url_prefix !== undefined ? {page_url_prefix: stored.page_url_prefix} : {}),
            channelId: stored.channel_id,
            outgoingWebhookToken: stored.outgoing_webhook_token_enc ? this.box.open(stored.outgoing_webhook_token_enc) : null,
        };
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
            slashCommandToken: integration.slashCommandToken,
            channelId: integration.channelId,
            routes: integration.routes,
            notificationChannels: integration.notificationChannels,
            relayMode: integration.relayMode,
            inboundMode: integration.inboundMode,
            callbackUrl: integration.callbackUrl,
            signingSecret: this.box.open(row.signing_secret_enc),
            previousSigningSecret: previous,
            adminKeyHash: row.admin_key_hash,
            dmSettings: integration.dmSettings,
            retentionDays: integration.retentionDays,
            reminders: integration.reminders,
            active: integration.active,
            botUserId: integration.botUserId,
        };
    }

    async delete(licence: string): Promise<boolean> {
        return this.#writing(licence, () => this.db.transaction().execute(async (trx) => {
            const result = await trx.deleteFrom('integrations').where('licence', '=', licence).executeTakeFirst();
            for (const table of ['events', 'conversations', 'messages', 'outbox', 'directory_users', 'kv', 'erasures', 'conversation_posts', 'relayed_replies', 'route_webhook_tokens'] as const) {
                await trx.deleteFrom(table).where('licence', '=', licence).execute();
            }
            return Number(result.numDeletedRows) === 1;
        }));
    }

    async setBotUserId(licence: string, botUserId: string): Promise<void> {
        await this.#writing(licence, () => this.db.updateTable('integrations').set({bot_user_id: botUserId}).where('licence', '=', licence).execute());
    }

    /**
     * Status bookkeeping: the last error in plain language. Written at once; a delivery recorded
     * before it (still waiting to be written) no longer clears it.
     */
    async recordError(licence: string, message: string): Promise<void> {
        const pending = this.#deliveryWrites.get(licence);
        if (pending) {
            clearTimeout(pending.timer);
            pending.timer = undefined;
            pending.pendingAt = null;
        }
        await this.db.updateTable('integrations').set({last_error: message, last_error_at: this.clock.now()}).where('licence', '=', licence).execute();
    }

    /**
     * Status bookkeeping: a successful delivery, which clears an error recorded before it. Called
     * for every delivery, it writes at most once per `deliveryWriteEveryMs` per licence: the
     * latest delivery time is written at the end of that window (so the stored status lags by at
     * most the window, and a burst costs one write instead of one per delivery).
     */
    async recordDelivery(licence: string): Promise<void> {
        const now = this.clock.now();
        let state = this.#deliveryWrites.get(licence);
        if (!state) {
            state = {writtenAt: Number.NEGATIVE_INFINITY, pendingAt: null, timer: undefined};
            this.#deliveryWrites.set(licence, state);
        }
        const due = state.writtenAt + this.#deliveryWriteEveryMs;
        if (now >= due && state.timer === undefined) {
            state.writtenAt = now;
            await this.#writeDelivery(licence, now);
            return;
        }
        state.pendingAt = now;
        if (state.timer === undefined) {
            const current = state;
            current.timer = setTimeout(() => {
                current.timer = undefined;
                const at = current.pendingAt;
                current.pendingAt = null;
                if (at !== null) {
                    current.writtenAt = this.clock.now();
                    this.#writeDelivery(licence, at).catch(() => undefined);
                }
            }, Math.max(0, due - now));
            current.timer.unref();
        }
    }

    /** Writes the delivery recorded but not yet written, if any (at shutdown). */
    async flushDeliveries(): Promise<void> {
        const writes: Promise<void>[] = [];
        for (const [licence, state] of this.#deliveryWrites) {
            clearTimeout(state.timer);
            state.timer = undefined;
            if (state.pendingAt !== null) {
                writes.push(this.#writeDelivery(licence, state.pendingAt));
                state.pendingAt = null;
            }
        }
        await Promise.allSettled(writes);
    }

    /** last_delivery_at moves forward only; an error recorded after `at` stays. */
    async #writeDelivery(licence: string, at: number): Promise<void> {
        await this.db.updateTable('integrations')
            .set({
                last_delivery_at: sql<number>`case when last_delivery_at is null or last_delivery_at < ${at} then ${at} else last_delivery_at end`,
                last_error: sql<string | null>`case when last_error_at is null or last_error_at <= ${at} then null else last_error end`,
                last_error_at: sql<number | null>`case when last_error_at is null or last_error_at <= ${at} then null else last_error_at end`,
            })
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
            slashCommandToken: row.slash_command_token_enc ? this.box.open(row.slash_command_token_enc) : null,
            actionKey: row.action_key_enc ? this.box.open(row.action_key_enc) : null,
            channelId: row.channel_id,
            routes: (JSON.parse(row.routes ?? '[]') as StoredRoute[]).map((route) => this.#route(route)),
            notificationChannels: JSON.parse(row.notification_channels) as Integration['notificationChannels'],
            relayMode: row.relay_mode as RelayMode,
            inboundMode: row.inbound_mode as InboundMode,
            callbackUrl: row.callback_url,
            signingSecrets: secrets,
            dmSettings: {...DEFAULT_DM_SETTINGS, ...(JSON.parse(row.dm_settings) as Partial<DmSettings>)},
            retentionDays: row.retention_days === null || row.retention_days === undefined ? null : Number(row.retention_days),
            reminders: row.reminders ? JSON.parse(row.reminders) as ReminderSettings : null,
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
