import type {JobHandler} from '../outbox/worker.js';
import type {IReservePort} from '../ports/ireserve.js';

import {WebhookCatchUp, type CatchUpOptions} from './catch_up.js';
import {InboundListeners, type ListenerOptions, type ListenerStatus} from './listeners.js';
import {InboundRelay, type InboundDeps} from './relay.js';

/**
 * The inbound relay (Mattermost → i-Reserve) as the composition root sees it. `refresh(licence)`
 * is what the admin API calls after an integration was created, changed or deleted, so the
 * websocket listeners follow the settings. `catchUp` reads back what outgoing webhooks missed.
 */
export interface Inbound {
    readonly relay: InboundRelay;
    readonly listeners: InboundListeners;
    readonly catchUp: WebhookCatchUp;
    /** Outbox handlers for the inbound job kinds. */
    readonly handlers: Record<string, JobHandler>;
    refresh(licence: string): Promise<void>;
    status(licence: string): ListenerStatus | undefined;
    /** Mattermost answers the licence's requests again after a transient failure (the outbox saw it): a websocket waiting to reconnect reconnects now. */
    mattermostAnswers(licence: string): void;
    start(): Promise<void>;
    stop(): Promise<void>;
}

export function createInbound(deps: () => InboundDeps, options: {
    ireserve: IReservePort;
    listeners?: ListenerOptions;
    catchUp: Omit<CatchUpOptions, 'owner'>;
}): Inbound {
    const relay = new InboundRelay(deps, options.ireserve);
    const listeners = new InboundListeners(deps, relay, options.listeners);
    const catchUp = new WebhookCatchUp(deps, relay, {skewMarginMs: options.listeners?.skewMarginMs, ...options.catchUp, owner: listeners.owner});
    return {
        relay,
        listeners,
        catchUp,
        handlers: relay.handlers(),
        refresh: (licence) => listeners.refresh(licence),
        status: (licence) => listeners.status(licence),
        mattermostAnswers: (licence) => listeners.mattermostAnswers(licence),
        async start() {
            catchUp.start();
            await listeners.start();
        },
        async stop() {
            await catchUp.stop();
            await listeners.stop();
        },
    };
}

export type {InboundDeps} from './relay.js';
export type {ListenerStatus} from './listeners.js';
