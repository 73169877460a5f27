import type {Logger} from 'pino';

import type {Config} from '../config/config.js';
import {ACTIONS_PATH} from '../contract/actions.js';
import type {Clock} from '../ports/clock.js';
import type {DirectoryRepository} from '../storage/directory_repository.js';
import type {ErasuresRepository} from '../storage/erasures_repository.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';
import type {OutboxRepository} from '../storage/outbox_repository.js';
import type {WaitingRepository} from '../storage/waiting_repository.js';

import type {AuthDeps} from './auth.js';
import type {ActionTestDeps} from './action_test.js';
import type {InboundTestDeps, SocketStatus} from './inbound_test.js';
import {AdminService, type AdminDeps} from './service.js';

export {AdminService} from './service.js';
export type {AuthDeps, Principal} from './auth.js';

/** The parts of the bridge's context the admin API is built from. */
export interface AdminContext {
    config: Pick<Config, 'adminToken' | 'publicUrl'>;
    logger: Logger;
    clock: Clock;
    integrations: IntegrationsRepository;
    outbox: OutboxRepository;
    /** Waiting guests (the status's `waiting`). */
    waiting: WaitingRepository;
    directory: DirectoryRepository;
    erasures?: ErasuresRepository;
    mattermost: AdminDeps['mattermost'];
    incomingWebhooks: AdminDeps['incomingWebhooks'];
    wakeWorker(): void;
    /** The inbound relay, when the bridge has one: its websocket listeners follow settings changes. */
    inbound?: {refresh(licence: string): Promise<void> | void; status?(licence: string): SocketStatus | undefined};
    /** The self-test's probes (with them the Test button tests inbound and the action URL too). */
    probes?: InboundTestDeps['probes'] & ActionTestDeps['probes'];
    /** How long the inbound self-test waits for its probe (default 5 s). */
    probeWaitMs?: number;
}

export interface AdminApi {
    service: AdminService;
    auth: AuthDeps;
}

/**
 * Builds the admin API's service and authorisation from the bridge's context. After a save, rotate
 * or delete it tells the Mattermost connector to forget the licence's port and, when present,
 * the inbound relay to refresh (`options.settingsChanged` replaces the latter).
 */
export function createAdminApi(context: AdminContext, options: {settingsChanged?: AdminDeps['settingsChanged']} = {}): AdminApi {
    return {
        service: new AdminService({
            integrations: context.integrations,
            outbox: context.outbox,
            waiting: context.waiting,
            directory: context.directory,
            erasures: context.erasures,
            mattermost: context.mattermost,
            incomingWebhooks: context.incomingWebhooks,
            clock: context.clock,
            logger: context.logger,
            publicUrl: context.config.publicUrl,
            wakeWorker: () => context.wakeWorker(),
            settingsChanged: options.settingsChanged ?? (context.inbound ? (licence) => context.inbound?.refresh(licence) : undefined),
            inboundTest: context.probes ? {
                probes: context.probes,
                webhookUrl: `${context.config.publicUrl.replace(/\/+$/, '')}/api/v1/mattermost/outgoing-webhook`,
                socketStatus: (licence) => context.inbound?.status?.(licence),
                waitMs: context.probeWaitMs,
            } : undefined,
            actionTest: context.probes ? {
                probes: context.probes,
                integrations: context.integrations,
                actionsUrl: `${context.config.publicUrl.replace(/\/+$/, '')}${ACTIONS_PATH}`,
            } : undefined,
        }),
        auth: {
            adminToken: context.config.adminToken,
            adminKeyHash: (licence) => context.integrations.adminKeyHash(licence),
        },
    };
}
