import type {FastifyInstance} from 'fastify';
import type {Logger} from 'pino';

import {ACTION_JOB_KINDS, LEGACY_ACTION_JOB_KINDS} from './actions/jobs.js';
import {ConversationActions} from './actions/service.js';
import {SlashCommand} from './actions/slash_command.js';
import {ActionProbeReceiver} from './admin/action_test.js';
import {createAdminApi} from './admin/index.js';
import {PostLedger} from './bot/post_ledger.js';
import {BotSessions} from './bot/session.js';
import {ACTIONS_PATH} from './contract/actions.js';
import type {Config} from './config/config.js';
import {resolveSecretKey} from './crypto/secret_key.js';
import {withTarget} from './domain/delivery_target.js';
import {SecretBox} from './crypto/secret_box.js';
import {buildApp} from './http/app.js';
import {adminRoutes} from './http/routes/admin/index.js';
import {eventRoutes} from './http/routes/events.js';
import {healthRoutes} from './http/routes/health.js';
import {mattermostActionRoutes} from './http/routes/mattermost_actions.js';
import {mattermostCommandRoutes} from './http/routes/mattermost_command.js';
import {outgoingWebhookRoutes} from './http/routes/outgoing_webhook.js';
import {createInbound, type Inbound, type InboundDeps} from './inbound/index.js';
import {fromCatchUp, INBOUND_JOB_KINDS} from './inbound/jobs.js';
import {OutgoingWebhookService} from './inbound/outgoing_webhook.js';
import {IReserveCallbackClient} from './ireserve/callback_client.js';
import {MattermostConnector} from './mattermost/connector.js';
import {MattermostIncomingWebhooks} from './mattermost/incoming_webhook.js';
import {Metrics} from './observability/metrics.js';
import {OutboundDelivery} from './outbound/delivery.js';
import {notificationTargetOf} from './outbound/jobs.js';
import {DirectMessages} from './outbound/direct_messages.js';
import {ConversationErasure} from './outbound/erasure.js';
import {ErasureIntake} from './outbound/erasure_intake.js';
import {EventIntake} from './outbound/intake.js';
import {WaitingTracker} from './outbound/waiting.js';
import {Reminders} from './outbound/reminders.js';
import {RateGate} from './outbound/rate_gate.js';
import {RetentionSweep} from './outbound/retention_sweep.js';
import {OutboxWorker, type JobHandler} from './outbox/worker.js';
import {systemClock, type Clock} from './ports/clock.js';
import type {IncomingWebhookPort} from './ports/incoming_webhook.js';
import {openDatabase} from './storage/database.js';
import {AgentNotifyRepository} from './storage/agent_notify_repository.js';
import {ConversationsRepository} from './storage/conversations_repository.js';
import {DirectoryRepository} from './storage/directory_repository.js';
import {ErasuresRepository} from './storage/erasures_repository.js';
import {EventsRepository} from './storage/events_repository.js';
import {Housekeeping} from './storage/housekeeping.js';
import {InboundStateRepository} from './storage/inbound_state_repository.js';
import {IntegrationsRepository} from './storage/integrations_repository.js';
import {MessagesRepository} from './storage/messages_repository.js';
import {RelayedRepliesRepository} from './storage/relayed_replies_repository.js';
import {OutboxRepository} from './storage/outbox_repository.js';
import {ProbesRepository} from './storage/probes_repository.js';
import {WaitingRepository} from './storage/waiting_repository.js';
import {EgressPolicy} from './support/egress.js';

/** The job kinds that call i-Reserve (the rest talk to Mattermost): a 429 or outage of one upstream holds only its own jobs. */
const IRESERVE_JOB_KINDS: ReadonlySet<string> = new Set([
    INBOUND_JOB_KINDS.reply, INBOUND_JOB_KINDS.replyEdited, INBOUND_JOB_KINDS.replyDeleted, ACTION_JOB_KINDS.callback, LEGACY_ACTION_JOB_KINDS.callback]);

export interface BridgeOptions {
    config: Config;
    logger: Logger;
    clock?: Clock;
    /** Random source for backoff jitter (tests pin it). */
    random?: () => number;
    /** Turn off default process metrics (tests start several bridges in one process). */
    defaultMetrics?: boolean;
    /** How long the Test's inbound probe is waited for (default 5 s; tests shorten it). */
    probeWaitMs?: number;
}

/**
 * Everything the parts of the bridge are built from; created once in `createBridge`. The inbound
 * relay's dependencies are a part of it; `sessions` serve both directions (one policy for loading
 * an integration, the rate gate and the bot's id) and `wakeWorker` wakes the delivery worker after
 * an enqueue, so delivery starts at once.
 */
export interface BridgeContext extends InboundDeps {
    box: SecretBox;
    /** Posts to notification targets that are Mattermost incoming-webhook URLs. */
    incomingWebhooks: IncomingWebhookPort;
    /** Waiting guests (DESIGN §11): their spells on the conversations' rows. */
    waiting: WaitingRepository;
    /** Inbound relay (Mattermost → i-Reserve). Call `inbound.refresh(licence)` after an integration is saved or deleted. */
    inbound: Inbound;
}

export interface Bridge {
    readonly context: BridgeContext;
    readonly app: FastifyInstance;
    readonly worker: OutboxWorker;
    /** Hourly clean-up and the retention sweep (`runOnce` runs a round now). */
    readonly housekeeping: Housekeeping;
    /** Starts listening and delivering; resolves with the URL it listens on. */
    start(): Promise<string>;
    /** Stops accepting requests, finishes deliveries under way, closes the database. */
    close(): Promise<void>;
}

/** The composition root: builds every part from the config. Throws StorageError on database trouble. */
export async function createBridge(options: BridgeOptions): Promise<Bridge> {
    const {config, logger} = options;
    const clock = options.clock ?? systemClock;
    const database = await openDatabase(config.database);
    let worker: OutboxWorker | undefined;
    try {
        const box = new SecretBox(resolveSecretKey(config.secretKey, config.database.dataDir));
        const outbox = new OutboxRepository(database.db, database.kind, clock);
        const egress = new EgressPolicy(config.allowedInternalHosts);
        const waiting = new WaitingRepository(database.db);
        const metrics = new Metrics({
            defaultMetrics: options.defaultMetrics,
            outboxTotals: () => outbox.totals(),
            waitingTotals: async () => ({...await waiting.totals(), now: clock.now()}),
        });
        const integrations = new IntegrationsRepository(database.db, box, clock);
        const {timeouts} = config;
        // The one i-Reserve client: agents' replies and conversation actions.
        const ireserve = new IReserveCallbackClient({timeoutMs: timeouts.ireserveMs, userAgent: 'ireserve-bridge', egress});
        const mattermost = new MattermostConnector({timeoutMs: timeouts.mattermostMs, downloadTimeoutMs: timeouts.mattermostDownloadMs, egress});
        const context: BridgeContext = {
            config,
            logger,
            clock,
            database,
            box,
            metrics,
            integrations,
            conversations: new ConversationsRepository(database.db, clock),
            waiting,
            ...(config.waitingTracking ? {waitingTracker: new WaitingTracker({waiting, outbox, metrics, logger})} : {}),
            directory: new DirectoryRepository(database.db),
            outbox,
            inboundState: new InboundStateRepository(database.db, clock),
            relayedReplies: new RelayedRepliesRepository(database.db, clock),
            mattermost,
            incomingWebhooks: new MattermostIncomingWebhooks({timeoutMs: timeouts.incomingWebhookMs, egress}),
            sessions: new BotSessions({integrations, mattermost, gate: new RateGate(clock)}),
            wakeWorker: () => worker?.wake(),
            inbound: createInbound(() => context, {ireserve, catchUp: {intervalMs: config.inbound.catchUpIntervalMs}}),
        };

        const handlers: Record<string, JobHandler> = {...context.inbound.handlers};
        // Outbound (i-Reserve → Mattermost): signed events in, posts out.
        const messages = new MessagesRepository(database.db, clock);
        const ledger = new PostLedger({messages, logger, clock});
        const agentNotify = new AgentNotifyRepository(database.db, clock);
        // Erasure (DESIGN §12): the records, the job, and the guard that keeps erased conversations' jobs from doing anything.
        const erasures = new ErasuresRepository(database.db, database.kind, clock);
        // Personal DMs from the bot (dm_settings), queued by the outbound jobs.
        const directMessages = new DirectMessages({
            sessions: context.sessions, ledger, conversations: context.conversations, directory: context.directory,
            outbox, logger, wakeWorker: () => context.wakeWorker(), agentNotify, erasures,
        });
        const outbound = new OutboundDelivery({
            sessions: context.sessions, ledger, conversations: context.conversations, messages, outbox, logger, directMessages,
            actions: {url: `${config.publicUrl.replace(/\/+$/, '')}${ACTIONS_PATH}`, keyOf: (licence) => context.integrations.ensureActionKey(licence)},
            incomingWebhooks: context.incomingWebhooks,
            waiting: context.waitingTracker,
        });
        // Conversation actions (DESIGN §10): card buttons and the slash command → signed callbacks.
        const actions = new ConversationActions({
            logger, clock, metrics, integrations: context.integrations, conversations: context.conversations, directory: context.directory,
            outbox, sessions: context.sessions, ledger, ireserve,
            wakeWorker: () => context.wakeWorker(), maxAttempts: config.delivery.maxAttempts,
        });
        const erasure = new ConversationErasure({sessions: context.sessions, conversations: context.conversations, messages, erasures, logger, clock});
        // Reminders of waiting guests (DESIGN §11), queued by the waiting tracker with a due time.
        const reminders = new Reminders({sessions: context.sessions, ledger, conversations: context.conversations, outbox, clock, logger});
        Object.assign(handlers, outbound.handlers(), directMessages.handlers(), actions.handlers(), erasure.handlers(), reminders.handlers());
        Object.assign(handlers, erasure.guard(handlers));
        const events = new EventsRepository(database.db, clock);
        // The Test button's probes (admin/inbound_test.ts, admin/action_test.ts), seen by any process's webhook and action routes.
        const probes = new ProbesRepository(database.db, clock);
        const retention = new RetentionSweep({
            db: database.db, clock, integrations: context.integrations, erasures, outbox, logger, wakeWorker: () => context.wakeWorker(),
        });
        const housekeeping = new Housekeeping({outbox, events, logger, retention});
        const intake = new EventIntake({
            db: database.db, clock, integrations: context.integrations, events,
            messages, outbox, wakeWorker: () => context.wakeWorker(), agentNotify,
            erasure: new ErasureIntake({erasures, outbox}),
        });
        worker = new OutboxWorker({
            repository: outbox,
            handlers,
            ...config.delivery,
            logger,
            clock,
            random: options.random,
            // Inbound replies (and their edits and deletions) and action callbacks go to i-Reserve; every other job talks to Mattermost.
            upstreamOf: (kind) => (IRESERVE_JOB_KINDS.has(kind) ? 'ireserve' : 'mattermost'),
            events: {
                delivered: async (job) => {
                    metrics.deliveries.inc({direction: job.direction, kind: job.kind, result: 'delivered'});
                    metrics.deliveryDuration.observe({direction: job.direction}, Math.max(0, clock.now() - job.createdAt) / 1000);
                    // A reply only the webhook catch-up brought says nothing good about the webhook: it
                    // does not clear an error such as "the outgoing webhook sends an unknown token".
                    if (!fromCatchUp(job)) {
                        await context.integrations.recordDelivery(job.licence);
                    }
                },
                // Mattermost answers this licence again: its websocket need not sit out its reconnect backoff.
                recovered: (licence, upstream) => {
                    if (upstream === 'mattermost') {
                        context.inbound.mattermostAnswers(licence);
                    }
                },
                retrying: async (job, reason, code) => {
                    metrics.deliveries.inc({direction: job.direction, kind: job.kind, result: 'retry'});
                    if (code === 'login_rejected') {
                        // Deliveries wait (retried) rather than park: the status must still say why.
                        await context.integrations.recordError(job.licence, reason);
                    }
                },
                parked: async (job, reason) => {
                    metrics.deliveries.inc({direction: job.direction, kind: job.kind, result: 'failed'});
                    // Earlier jobs of the conversation may have left the root's waiting state to this one (never throws).
                    await outbound.parked(job);
                    // A parked notification says where it was going (type and channel) in the status.
                    const integration = await context.integrations.getCached(job.licence);
                    const target = integration ? notificationTargetOf(job, integration) : null;
                    await context.integrations.recordError(job.licence, target ? withTarget(reason, target) : reason);
                },
            },
        });

        const app = await buildApp({
            logger,
            corsOrigins: config.corsOrigins,
            timeouts: config.http,
            refused: (route, reason) => metrics.requestsRefused.inc({route, reason}),
            routes: [
                healthRoutes({ping: () => database.ping(), metrics}),
                eventRoutes({intake, metrics, maxAttachmentBytes: config.maxAttachmentBytes, maxBodyBytes: config.maxBodyBytes}),
                outgoingWebhookRoutes({service: new OutgoingWebhookService({integrations: context.integrations, relay: context.inbound.relay, catchUp: context.inbound.catchUp, logger, probes})}),
                mattermostActionRoutes({actions, probes: new ActionProbeReceiver({integrations: context.integrations, probes})}),
                mattermostCommandRoutes({command: new SlashCommand({
                    integrations: context.integrations, conversations: context.conversations, agentNotify, sessions: context.sessions, actions, metrics, logger, clock,
                })}),
                adminRoutes(createAdminApi({...context, probes, probeWaitMs: options.probeWaitMs, erasures})),
            ],
        });

        const startedWorker = worker;
        return {
            context,
            app,
            worker: startedWorker,
            housekeeping,
            async start() {
                const url = await app.listen({host: config.host, port: config.port});
                startedWorker.start();
                await context.inbound.start();
                housekeeping.start();
                return url;
            },
            async close() {
                housekeeping.stop();
                await app.close();
                await context.inbound.stop();
                await startedWorker.stop();
                await context.integrations.flushDeliveries();
                await database.close();
                await egress.close();
            },
        };
    } catch (error) {
        await database.close().catch(() => undefined);
        throw error;
    }
}
