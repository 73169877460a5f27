import {randomUUID} from 'node:crypto';

import {LicenceListener, type ListenerContext, type ListenerStatus} from './licence_listener.js';
import type {InboundDeps, InboundRelay} from './relay.js';

export interface ListenerOptions {
    leaseMs?: number;
    /** Re-sync reads posts changed since the "caught up" mark minus this (clock skew between hosts). */
    skewMarginMs?: number;
    /** How often a healthy socket moves the "caught up" mark forward. */
    checkpointMs?: number;
    pingIntervalMs?: number;
    owner?: string;
}

export type {ListenerStatus} from './licence_listener.js';

/**
 * WebSocket mode: one Mattermost websocket per active integration whose `inboundMode` is
 * `websocket`, held as the bot. `posted` events go to the relay in arrival order.
 *
 * Nothing is lost across gaps: the listener reports a gap when it (re)connects to a new connection
 * (first start, Mattermost restart, resume window passed) or sees a skipped `seq`; then the threads
 * of the licence's open conversations are re-read over REST (inbound/channel_posts.ts per channel, from
 * the stored "caught up" mark minus a clock-skew margin) and every post goes through the relay again —
 * the reply job's dedupe key makes that safe. Live `posted` events that arrive while a re-sync is due
 * or running are held back and handled after it, so a reply made during the gap never reaches
 * i-Reserve after a later one that arrived live (order per conversation holds across gaps).
 *
 * Several bridge processes on one database: a leader lease per licence in `kv` lets one process hold
 * the websocket; the others take over within `leaseMs` when it stops renewing. Correctness never
 * depends on the lease (a post is relayed once per licence by the outbox's dedupe key); it only
 * avoids every process opening a socket and re-syncing.
 *
 * This registry keeps one LicenceListener per licence and follows the integrations' settings.
 */
export class InboundListeners {
    readonly owner: string;
    readonly #deps: () => InboundDeps;
    readonly #context: ListenerContext;
    readonly #listeners = new Map<string, LicenceListener>();
    /** Serialises refreshes per licence. */
    readonly #refreshing = new Map<string, Promise<void>>();
    #running = false;

    constructor(deps: () => InboundDeps, relay: InboundRelay, options: ListenerOptions = {}) {
        this.#deps = deps;
        this.owner = options.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
        this.#context = {
            deps,
            relay,
            owner: this.owner,
            leaseMs: options.leaseMs ?? 30_000,
            skewMarginMs: options.skewMarginMs ?? 5 * 60_000,
            checkpointMs: options.checkpointMs ?? 30_000,
            pingIntervalMs: options.pingIntervalMs ?? 30_000,
        };
    }

    /** Starts a listener for every active websocket-mode integration. */
    async start(): Promise<void> {
        this.#running = true;
        const licences = await this.#deps().integrations.listLicences({active: true});
        await Promise.all(licences.map((licence) => this.refresh(licence)));
    }

    /** Stops every listener and gives up the leases. */
    async stop(): Promise<void> {
        this.#running = false;
        await Promise.allSettled([...this.#refreshing.values()]);
        await Promise.all([...this.#listeners.keys()].map((licence) => this.#remove(licence)));
    }

    /**
     * Re-reads the integration and starts, restarts or stops its listener to match: call after the
     * integration was created, changed or deleted. Settings that do not touch the connection
     * (relay mode, channel, callback) are picked up without reconnecting.
     */
    refresh(licence: string): Promise<void> {
        const previous = this.#refreshing.get(licence) ?? Promise.resolve();
        const next = previous.then(() => this.#refresh(licence)).catch((error: unknown) => {
            this.#deps().logger.error({err: error, licence}, 'refreshing the websocket listener failed');
        });
        this.#refreshing.set(licence, next);
        void next.finally(() => {
            if (this.#refreshing.get(licence) === next) {
                this.#refreshing.delete(licence);
            }
        });
        return next;
    }

    /** Mattermost answers the licence's requests again: its listener, if waiting to reconnect, reconnects now. */
    mattermostAnswers(licence: string): void {
        this.#listeners.get(licence)?.mattermostAnswers();
    }

    status(licence: string): ListenerStatus | undefined {
        return this.#listeners.get(licence)?.status();
    }

    async #refresh(licence: string): Promise<void> {
        const integration = this.#running ? await this.#deps().integrations.get(licence) : undefined;
        const wanted = integration !== undefined && integration.active && integration.inboundMode === 'websocket';
        const current = this.#listeners.get(licence);
        if (!wanted) {
            if (current) {
                await this.#remove(licence);
            }
            return;
        }
        if (current?.adopt(integration)) {
            return;
        }
        if (current) {
            await this.#remove(licence);
        }
        const listener = new LicenceListener(integration, this.#context);
        this.#listeners.set(licence, listener);
        await listener.start();
    }

    async #remove(licence: string): Promise<void> {
        const listener = this.#listeners.get(licence);
        if (!listener) {
            return;
        }
        this.#listeners.delete(licence);
        await listener.stop();
    }
}
