import type {Logger} from 'pino';

import {hashAdminKey, randomToken} from '../crypto/secret_box.js';
import {generateSigningSecret} from '../crypto/standard_webhooks.js';
import {
    DEFAULT_INBOUND_MODE,
    DEFAULT_RELAY_MODE,
    NOTIFICATION_TYPES,
    isIncomingWebhookTarget,
    type ChannelView,
    type DeliveryStatus,
    type DeliveryView,
    type ErasureView,
    type IntegrationStatusView,
    type IntegrationView,
    type NewSecrets,
    type NotificationType,
    type RetryFailedAnswer,
    type TestReport,
} from '../contract/index.js';
import {DEFAULT_DM_SETTINGS, type Integration} from '../domain/integration.js';
import type {Clock} from '../ports/clock.js';
import type {EgressPolicy} from '../support/egress.js';
import type {IncomingWebhookPort} from '../ports/incoming_webhook.js';
import type {MattermostPort} from '../ports/mattermost.js';
import type {DirectoryRepository, DirectoryUser} from '../storage/directory_repository.js';
import type {IntegrationRecord, IntegrationsRepository} from '../storage/integrations_repository.js';
import type {ErasuresRepository} from '../storage/erasures_repository.js';
import type {OutboxRepository} from '../storage/outbox_repository.js';
import type {WaitingRepository} from '../storage/waiting_repository.js';

import {listChannels} from './channels.js';
import {resolveAuth, sameAuth, withoutSecrets} from './credentials.js';
import {resolveRoutes} from './routes.js';
import {applyDmSettings} from './dm_settings.js';
import {remindersOf} from './reminders.js';
import {ConcurrentChange, CreateRefused, DeliveryNotFound, IntegrationNotFound, InvalidSettings} from './errors.js';
import type {FullSettingsInput, SettingsInput, UsersInput} from './input.js';
import {checkBot, checkChannel} from './mattermost_checks.js';
import {runActionTest, type ActionTestDeps} from './action_test.js';
import {runInboundTest, type InboundTestDeps} from './inbound_test.js';
import {runTest} from './test_run.js';
import {deliveryView, erasureView, integrationView, statusView} from './views.js';

/** How long a rotated-out signing secret still verifies events. */
export const PREVIOUS_SECRET_VALIDITY_MS = 24 * 60 * 60 * 1000;

export interface AdminDeps {
    integrations: IntegrationsRepository;
    outbox: OutboxRepository;
    waiting: Pick<WaitingRepository, 'summary'>;
    directory: DirectoryRepository;
    /** Erasures to list (DESIGN §12). */
    erasures?: ErasuresRepository;
    mattermost: {
        for(integration: Integration): MattermostPort;
        create(integration: Pick<Integration, 'serverUrl' | 'auth'>): MattermostPort;
        forget(licence: string): void;
        /** The internal-address rules (incoming webhooks are reached through them too). */
        readonly egress?: EgressPolicy;
    };
    /** For the Test of notification targets that are incoming-webhook URLs. */
    incomingWebhooks: IncomingWebhookPort;
    clock: Clock;
    logger: Logger;
    /** BRIDGE_PUBLIC_URL, without a trailing slash. */
    publicUrl: string;
    wakeWorker(): void;
    /** Told after an integration's settings were saved, rotated or deleted (e.g. to reconnect a websocket). */
    settingsChanged?(licence: string): void | Promise<void>;
    /** What the inbound half of the Test needs; without it the Test is outbound only. */
    inboundTest?: InboundTestDeps;
    /** With it, the Test checks that Mattermost can call the bridge's action URL (action_test.ts). */
    actionTest?: ActionTestDeps;
}

const NEW_SERVER_NEEDS_CREDENTIALS = 'send it again when mattermost.server_url changes: saved credentials are only sent to the server they were saved for';

function newAdminKey(): string {
    return `irak_${randomToken(32)}`;
}

function normaliseServerUrl(url: string): string {
    return url.trim().replace(/\/+$/, '');
}

function compactChannels(map: Partial<Record<NotificationType, string>>): Partial<Record<NotificationType, string>> {
    const out: Partial<Record<NotificationType, string>> = {};
    for (const type of NOTIFICATION_TYPES) {
        const value = map[type]?.trim() ?? '';
        if (value !== '') {
            out[type] = value;
        }
    }
    return out;
}

/** What to verify against Mattermost before saving. */
interface CheckScope {
    bot: boolean;
    channel: boolean;
    /** Indexes of the routes whose channel is checked. */
    routes: number[] | 'all';
    notificationTypes: NotificationType[];
}

const EVERYTHING: Readonly<CheckScope> = Object.freeze({bot: true, channel: true, routes: 'all', notificationTypes: [...NOTIFICATION_TYPES]});

/**
 * The admin API's logic (DESIGN §5), independent of HTTP. Methods throw InvalidSettings,
 * IntegrationNotFound, DeliveryNotFound or MattermostUnavailable; nothing is saved when one is
 * thrown. Secrets never leave except the two created or rotated ones, returned once.
 */
export class AdminService {
    constructor(private readonly deps: AdminDeps) {}

    async listIntegrations(): Promise<Array<{licence: string; active: boolean; server_url: string; channel_id: string; status: IntegrationStatusView}>> {
        const out = [];
        for (const licence of await this.deps.integrations.listLicences()) {
            const integration = await this.deps.integrations.get(licence);
            if (integration) {
                out.push({licence, active: integration.active, server_url: integration.serverUrl, channel_id: integration.channelId, status: await this.#status(integration)});
            }
        }
        return out;
    }

    async get(licence: string): Promise<IntegrationView> {
        return this.#view(await this.#integration(licence));
    }

    /**
     * Creates (needs the bot token; returns the new secrets) or replaces the integration's settings.
     * Omitted secrets are kept on replace; the signing secret and admin key never change here.
     * Everything is checked against Mattermost first.
     */
    async put(licence: string, input: FullSettingsInput, options: {mayCreate: boolean}): Promise<{created: boolean; view: IntegrationView; secrets?: NewSecrets}> {
        const existing = await this.deps.integrations.getRecord(licence);
        if (!existing && !options.mayCreate) {
            throw new CreateRefused();
        }
        const serverUrl = normaliseServerUrl(input.mattermost.server_url);
        // Saved credentials go only to the server they were saved for (DESIGN §14).
        const newServer = existing !== undefined && existing.serverUrl !== serverUrl;
        const auth = newServer ? resolveAuth(input.mattermost, withoutSecrets(existing.auth), NEW_SERVER_NEEDS_CREDENTIALS) : resolveAuth(input.mattermost, existing?.auth);
        const callback = input.ireserve?.callback_url;
        const record: IntegrationRecord = {
            licence,
            serverUrl,
            auth,
            outgoingWebhookToken: input.mattermost.outgoing_webhook_token === undefined
                ? existing?.outgoingWebhookToken ?? null
                : input.mattermost.outgoing_webhook_token || null,
            slashCommandToken: input.mattermost.slash_command_token === undefined
                ? existing?.slashCommandToken ?? null
                : input.mattermost.slash_command_token || null,
            channelId: input.channel_id,
            // A full PUT without routes has none; the tokens saved for the channels kept stay.
            routes: resolveRoutes(input.routes ?? [], existing?.routes ?? []),
            notificationChannels: compactChannels(input.notification_channels ?? {}),
            relayMode: input.relay_mode ?? DEFAULT_RELAY_MODE,
            inboundMode: input.inbound_mode ?? DEFAULT_INBOUND_MODE,
            callbackUrl: callback ? callback : null,
            signingSecret: existing?.signingSecret ?? '',
            previousSigningSecret: existing?.previousSigningSecret ?? null,
            adminKeyHash: existing?.adminKeyHash ?? '',
            dmSettings: input.dm_settings ? applyDmSettings(DEFAULT_DM_SETTINGS, input.dm_settings) : existing?.dmSettings ?? DEFAULT_DM_SETTINGS,
            retentionDays: input.retention_days ?? null,
            // A full PUT resets an omitted field to its default: reminders off.
            reminders: remindersOf(input.reminders ?? null),
            active: input.active ?? true,
            botUserId: existing?.botUserId ?? null,
        };
        await this.#checkSlashTokenUnique(licence, record.slashCommandToken);
        await this.#checkAddresses(record);
        record.botUserId = await this.#checkAgainstMattermost(record, EVERYTHING);

        let secrets: NewSecrets | undefined;
        if (!existing) {
            secrets = {signing_secret: generateSigningSecret(), admin_key: newAdminKey()};
            record.signingSecret = secrets.signing_secret;
            record.adminKeyHash = hashAdminKey(secrets.admin_key);
        }
        let created: boolean;
        try {
            created = await this.deps.integrations.save(record);
        } catch (error) {
            if (!existing && await this.deps.integrations.getRecord(licence)) {
                throw new ConcurrentChange(licence);
            }
            throw error;
        }
        this.deps.logger.info({licence, created}, created ? 'integration created' : 'integration replaced');
        await this.#changed(licence);
        return {created, view: await this.get(licence), ...(secrets && created ? {secrets} : {})};
    }

    /** Changes the given fields only; checks against Mattermost only what the change touches. */
    async patch(licence: string, input: SettingsInput): Promise<IntegrationView> {
        const existing = await this.deps.integrations.getRecord(licence);
        if (!existing) {
            throw new IntegrationNotFound(licence);
        }
        const record: IntegrationRecord = {...existing, notificationChannels: {...existing.notificationChannels}};
        // A new server or token is checked in full; otherwise only what changed.
        let everything = false;
        const scope: CheckScope = {bot: false, channel: false, routes: [], notificationTypes: []};
        const mm = input.mattermost;
        const newServer = mm?.server_url !== undefined && normaliseServerUrl(mm.server_url) !== existing.serverUrl;
        if (newServer) {
            record.serverUrl = normaliseServerUrl(mm.server_url!);
            everything = true;
        }
        if (newServer || mm?.auth !== undefined || mm?.bot_token !== undefined || mm?.login_id !== undefined || mm?.password !== undefined) {
            // Saved credentials go only to the server they were saved for (DESIGN §14): a new
            // server URL needs them again.
            const auth = newServer ? resolveAuth(mm, withoutSecrets(existing.auth), NEW_SERVER_NEEDS_CREDENTIALS) : resolveAuth(mm, existing.auth);
            if (!sameAuth(auth, existing.auth)) {
                record.auth = auth;
                everything = true;
            }
        }
        if (mm?.outgoing_webhook_token !== undefined) {
            record.outgoingWebhookToken = mm.outgoing_webhook_token || null;
        }
        if (mm?.slash_command_token !== undefined) {
            record.slashCommandToken = mm.slash_command_token || null;
            await this.#checkSlashTokenUnique(licence, record.slashCommandToken);
        }
        if (input.channel_id !== undefined && input.channel_id !== existing.channelId) {
            record.channelId = input.channel_id;
            scope.channel = true;
        }
        if (input.routes !== undefined) {
            record.routes = resolveRoutes(input.routes, existing.routes ?? []);
            // Channels the saved routes already send to were checked when they were saved.
            const known = new Set((existing.routes ?? []).map((route) => route.channelId));
            scope.routes = record.routes.flatMap((route, index) => (known.has(route.channelId) ? [] : [index]));
        }
        for (const [type, value] of Object.entries(input.notification_channels ?? {}) as Array<[NotificationType, string]>) {
            if (value === '') {
                delete record.notificationChannels[type];
            } else if (value !== existing.notificationChannels[type]) {
                record.notificationChannels[type] = value;
                scope.notificationTypes.push(type);
            }
        }
        record.relayMode = input.relay_mode ?? existing.relayMode;
        record.inboundMode = input.inbound_mode ?? existing.inboundMode;
        if (input.ireserve?.callback_url !== undefined) {
            record.callbackUrl = input.ireserve.callback_url || null;
        }
        record.active = input.active ?? existing.active;
        record.dmSettings = applyDmSettings(existing.dmSettings, input.dm_settings);
        if (input.retention_days !== undefined) {
            record.retentionDays = input.retention_days;
        }
        if (input.reminders !== undefined) {
            record.reminders = remindersOf(input.reminders);
        }
        await this.#checkAddresses(record);
        record.botUserId = await this.#checkAgainstMattermost(record, everything ? EVERYTHING : scope);

        await this.deps.integrations.save(record);
        this.deps.logger.info({licence}, 'integration updated');
        await this.#changed(licence);
        return this.get(licence);
    }

    /** The slash command's token names one integration: another licence's token is refused (DESIGN §14). */
    async #checkSlashTokenUnique(licence: string, token: string | null | undefined): Promise<void> {
        if (!token) {
            return;
        }
        const owner = await this.deps.integrations.findBySlashCommandToken(token);
        if (owner && owner.licence !== licence) {
            throw new InvalidSettings('mattermost.slash_command_token', 'is already used by another integration; each integration needs its own slash command (create one per Mattermost team or server)', 'duplicate_token');
        }
    }

    /** Deletes the integration and everything stored for its licence. */
    async delete(licence: string): Promise<void> {
        if (!await this.deps.integrations.delete(licence)) {
            throw new IntegrationNotFound(licence);
        }
        this.deps.logger.info({licence}, 'integration deleted');
        await this.#changed(licence);
    }

    /** New signing secret and admin key; the old signing secret still verifies for 24 hours. */
    async rotate(licence: string): Promise<NewSecrets & {previous_signing_secret_expires_at: string}> {
        const record = await this.deps.integrations.getRecord(licence);
        if (!record) {
            throw new IntegrationNotFound(licence);
        }
        const secrets: NewSecrets = {signing_secret: generateSigningSecret(), admin_key: newAdminKey()};
        const expiresAt = this.deps.clock.now() + PREVIOUS_SECRET_VALIDITY_MS;
        await this.deps.integrations.save({
            ...record,
            previousSigningSecret: {secret: record.signingSecret, expiresAt},
            signingSecret: secrets.signing_secret,
            adminKeyHash: hashAdminKey(secrets.admin_key),
        });
        this.deps.logger.info({licence}, 'integration secrets rotated');
        await this.#changed(licence);
        return {...secrets, previous_signing_secret_expires_at: new Date(expiresAt).toISOString()};
    }

    async channels(licence: string): Promise<ChannelView[]> {
        const integration = await this.#integration(licence);
        return listChannels(integration, this.deps.mattermost.for(integration));
    }

    /**
     * The Test button: outbound (a sample post per target) and, when the bridge has the means,
     * inbound (inbound_test.ts) and the action URL (action_test.ts), one after the other (each
     * probe is deleted before the next is posted). A dry run posts nothing: it checks what can be read.
     */
    async test(licence: string, options: {dryRun?: boolean} = {}): Promise<TestReport> {
        const integration = await this.#integration(licence);
        const port = this.deps.mattermost.for(integration);
        const results = await runTest(integration, port, this.deps.incomingWebhooks, {dryRun: options.dryRun});
        const inbound = this.deps.inboundTest
            ? await runInboundTest(integration, port, this.deps.inboundTest, options.dryRun === true)
            : undefined;
        const actions = this.deps.actionTest
            ? await runActionTest(integration, port, this.deps.actionTest, options.dryRun === true)
            : undefined;
        this.deps.logger.info({licence, dry_run: options.dryRun === true, ok: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length,
            inbound: inbound ? (inbound.ok ? 'ok' : inbound.cause) : undefined, actions: actions ? (actions.ok ? 'ok' : actions.cause) : undefined}, 'integration test run');
        return {results, ...(inbound ? {inbound} : {}), ...(actions ? {actions} : {})};
    }

    async replaceUsers(licence: string, input: UsersInput): Promise<{count: number}> {
        await this.#integration(licence);
        await this.deps.directory.replace(licence, input.users);
        this.deps.logger.info({licence, count: input.users.length}, 'user directory replaced');
        return {count: input.users.length};
    }

    async users(licence: string): Promise<DirectoryUser[]> {
        await this.#integration(licence);
        return this.deps.directory.list(licence);
    }

    async deliveries(licence: string, filter: {status?: DeliveryStatus; limit?: number}): Promise<DeliveryView[]> {
        const integration = await this.#integration(licence);
        return (await this.deps.outbox.list(licence, filter)).map((job) => deliveryView(job, integration));
    }

    /** The licence's erasures, newest first (DESIGN §12). */
    async erasures(licence: string): Promise<ErasureView[]> {
        await this.#integration(licence);
        return (await this.deps.erasures?.list(licence) ?? []).map(erasureView);
    }

    async retryDelivery(licence: string, id: number): Promise<void> {
        await this.#integration(licence);
        if (!await this.deps.outbox.retry(licence, id)) {
            throw new DeliveryNotFound(id);
        }
        this.deps.logger.info({licence, job: id}, 'failed delivery replayed');
        this.deps.wakeWorker();
    }

    async retryFailed(licence: string): Promise<RetryFailedAnswer> {
        await this.#integration(licence);
        const retried = await this.deps.outbox.retryAll(licence);
        this.deps.logger.info({licence, retried}, 'failed deliveries replayed');
        if (retried > 0) {
            this.deps.wakeWorker();
        }
        return {retried};
    }

    async #integration(licence: string): Promise<Integration> {
        const integration = await this.deps.integrations.get(licence);
        if (!integration) {
            throw new IntegrationNotFound(licence);
        }
        return integration;
    }

    /**
     * Before anything is sent: no URL names an internal address the operator did not allow (names
     * that resolve to one are refused when connecting), and the outgoing-webhook token is no other
     * integration's (it names the integration a reply belongs to).
     */
    async #checkAddresses(record: IntegrationRecord): Promise<void> {
        const urls: Array<[string, string]> = [['mattermost.server_url', record.serverUrl]];
        if (record.callbackUrl) {
            urls.push(['ireserve.callback_url', record.callbackUrl]);
        }
        for (const type of NOTIFICATION_TYPES) {
            const target = record.notificationChannels[type];
            if (target && isIncomingWebhookTarget(target)) {
                urls.push([`notification_channels.${type}`, target]);
            }
        }
        for (const [field, url] of urls) {
            const refused = this.deps.mattermost.egress?.checkUrl(url);
            if (refused) {
                throw new InvalidSettings(field, `internal address refused: ${refused.message}.`, 'address_refused');
            }
        }
        // Every outgoing-webhook token names one integration: the main one and each route's.
        const tokens: Array<[string, string | null]> = [['mattermost.outgoing_webhook_token', record.outgoingWebhookToken],
            ...(record.routes ?? []).map((route, index): [string, string | null] => [`routes.${index}.outgoing_webhook_token`, route.outgoingWebhookToken])];
        for (const [field, token] of tokens) {
            if (token === null) {
                continue;
            }
            const holder = await this.deps.integrations.findByOutgoingWebhookToken(token);
            if (holder && holder.licence !== record.licence) {
                throw new InvalidSettings(field, 'is already used by another integration: each integration needs the token of its own outgoing webhook in Mattermost.', 'duplicate_token');
            }
        }
    }

    /** Returns the bot's user id (checked when the scope includes the bot). */
    async #checkAgainstMattermost(record: IntegrationRecord, scope: CheckScope): Promise<string | null> {
        const targets: Array<[string, string]> = [];
        if (scope.channel) {
            targets.push(['channel_id', record.channelId]);
        }
        (record.routes ?? []).forEach((route, index) => {
            if (scope.routes === 'all' || scope.routes.includes(index)) {
                targets.push([`routes.${index}.channel_id`, route.channelId]);
            }
        });
        for (const type of scope.notificationTypes) {
            const value = record.notificationChannels[type];
            if (value && !isIncomingWebhookTarget(value)) {
                targets.push([`notification_channels.${type}`, value]);
            }
        }
        if (!scope.bot && targets.length === 0) {
            return record.botUserId;
        }
        const port = this.deps.mattermost.create({serverUrl: record.serverUrl, auth: record.auth});
        const botUserId = scope.bot ? (await checkBot(port, record.auth.mode)).id : record.botUserId;
        const checked = new Set<string>();
        for (const [field, channelId] of targets) {
            if (!checked.has(channelId)) {
                await checkChannel(port, channelId, field);
                checked.add(channelId);
            }
        }
        return botUserId;
    }

    async #changed(licence: string): Promise<void> {
        this.deps.mattermost.forget(licence);
        try {
            await this.deps.settingsChanged?.(licence);
        } catch (error) {
            this.deps.logger.warn({licence, err: error}, 'applying new integration settings failed');
        }
    }

    async #status(integration: Integration): Promise<IntegrationStatusView> {
        return statusView(integration, this.deps.outbox, this.deps.waiting, this.deps.clock.now());
    }

    async #view(integration: Integration): Promise<IntegrationView> {
        return integrationView(integration, await this.#status(integration), this.deps.publicUrl);
    }
}
