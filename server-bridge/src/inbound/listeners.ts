import {randomUUID} from 'node:crypto';

import {UpstreamError} from '../domain/errors.js';
import {describeFailure} from '../domain/failure_messages.js';
import type {InboundPost} from '../domain/inbound/decision.js';
import type {Integration} from '../domain/integration.js';
import {MattermostWebSocketListener, type GapReason, type ListenerState, type MattermostEvent} from '../mattermost/websocket_listener.js';

import {InboundState, KEY_CAUGHT_UP, KEY_LEADER} from './inbound_state.js';
import type {InboundDeps, InboundRelay} from './relay.js';

/**
 * WebSocket mode: one Mattermost websocket per active integration whose `inboundMode` is
 * `websocket`, held as the bot. `posted` events go to the relay in arrival order.
 *
 * Nothing is lost across gaps: the listener reports a gap when it (re)connects to a new connection
 * (first start, Mattermost restart, resume window passed) or sees a skipped `seq`; then the threads
 * of the licence's open conversations are re-read over REST (`getPostsSince` per channel, from the
 * stored "caught up" mark minus a clock-skew margin) and every post goes through the relay again —
 * the reply job's dedupe key makes that safe. Live `posted` events that arrive while a re-sync is due
 * or running are held back and handled after it, so a reply made during the gap never reaches
 * i-Reserve after a later one that arrived live (order per conversation holds across gaps).
 *
 * Several bridge processes on one database: a leader lease per licence in `kv` lets one process hold
 * the websocket; the others take over within `leaseMs` when it stops renewing. Correctness never
 * depends on the lease (a post is relayed once per licence by the outbox's dedupe key); it only
 * avoids every process opening a socket and re-syncing.
 */
export interface ListenerOptions {
    leaseMs?: number;
    /** Re-sync reads posts changed since the "caught up" mark minus this (clock skew between hosts). */
    skewMarginMs?: number;
    /** How often a healthy socket moves the "caught up" mark forward. */
    checkpointMs?: number;
    pingIntervalMs?: number;
    owner?: string;
}

export interface ListenerStatus {
    licence: string;
    leader: boolean;
    state: ListenerState | 'standby';
    connectionId: string;
    resyncs: number;
    lastResyncAt: number | null;
    lastError: string | null;
}

interface Entry {
    integration: Integration;
    listener: MattermostWebSocketListener | undefined;
    leader: boolean;
    state: ListenerState | 'standby';
    leaseTimer: NodeJS.Timeout | undefined;
    checkpointTimer: NodeJS.Timeout | undefined;
    /** Events are handled one at a time, in order. */
    queue: Promise<void>;
    resyncRunning: boolean;
    resyncAgain: boolean;
    resyncs: number;
    lastResyncAt: number | null;
    lastError: string | null;
    /** False after a gap until a re-sync succeeded: the "caught up" mark must not move meanwhile. */
    caughtUp: boolean;
    /**
     * Live posts held back from a gap until its re-sync has queued what it found (undefined: not
     * holding). Bounded: past HOLD_LIMIT the oldest are dropped and another re-sync reads them back
     * (the "caught up" mark has not moved past them).
     */
    held: InboundPost[] | undefined;
    lastTokenCheck: number;
    /** A time at which the socket was healthy, written as the mark one checkpoint later (see #checkpoint). */
    pendingMark: number | undefined;
    stopped: boolean;
}

/** Live posts held back during one re-sync, at most. */
const HOLD_LIMIT = 5000;

function sameConnection(a: Integration, b: Integration): boolean {
    return a.serverUrl === b.serverUrl
        && a.auth.mode === b.auth.mode
        && (a.auth.mode === 'token' && b.auth.mode === 'token' ? a.auth.botToken === b.auth.botToken : true)
        && (a.auth.mode === 'login' && b.auth.mode === 'login' ? a.auth.loginId === b.auth.loginId && a.auth.password === b.auth.password : true);
}

export class InboundListeners {
    readonly owner: string;
    readonly #deps: () => InboundDeps;
    readonly #relay: InboundRelay;
    readonly #options: Required<Omit<ListenerOptions, 'owner'>>;
    readonly #entries = new Map<string, Entry>();
    /** Serialises refreshes per licence. */
    readonly #refreshing = new Map<string, Promise<void>>();
    #state: InboundState | undefined;
    #running = false;

    constructor(deps: () => InboundDeps, relay: InboundRelay, options: ListenerOptions = {}) {
        this.#deps = deps;
        this.#relay = relay;
        this.owner = options.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
        this.#options = {
            leaseMs: options.leaseMs ?? 30_000,
            skewMarginMs: options.skewMarginMs ?? 5 * 60_000,
            checkpointMs: options.checkpointMs ?? 30_000,
            pingIntervalMs: options.pingIntervalMs ?? 30_000,
        };
    }

    #stateOf(): InboundState {
        this.#state ??= new InboundState(this.#deps().database.db, this.#deps().clock);
        return this.#state;
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
        await Promise.all([...this.#entries.keys()].map((licence) => this.#remove(licence)));
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

    status(licence: string): ListenerStatus | undefined {
        const entry = this.#entries.get(licence);
        if (!entry) {
            return undefined;
        }
        return {
            licence,
            leader: entry.leader,
            state: entry.state,
            connectionId: entry.listener?.connectionId ?? '',
            resyncs: entry.resyncs,
            lastResyncAt: entry.lastResyncAt,
            lastError: entry.lastError,
        };
    }

    async #refresh(licence: string): Promise<void> {
        const integration = this.#running ? await this.#deps().integrations.get(licence) : undefined;
        const wanted = integration !== undefined && integration.active && integration.inboundMode === 'websocket';
        const entry = this.#entries.get(licence);
        if (!wanted) {
            if (entry) {
                await this.#remove(licence);
            }
            return;
        }
        if (entry && sameConnection(entry.integration, integration)) {
            entry.integration = integration;
            return;
        }
        if (entry) {
            await this.#remove(licence);
        }
        const fresh: Entry = {
            integration, listener: undefined, leader: false, state: 'standby', leaseTimer: undefined, checkpointTimer: undefined,
            queue: Promise.resolve(), resyncRunning: false, resyncAgain: false, resyncs: 0, lastResyncAt: null, lastError: null,
            caughtUp: false, held: undefined, lastTokenCheck: 0, pendingMark: undefined, stopped: false,
        };
        this.#entries.set(licence, fresh);
        await this.#lease(fresh);
    }

    /** Takes or renews the lease; starts the socket when this process leads, stops it when not. */
    async #lease(entry: Entry): Promise<void> {
        if (entry.stopped) {
            return;
        }
        const {licence} = entry.integration;
        let leader = entry.leader;
        try {
            leader = await this.#stateOf().tryLease(licence, KEY_LEADER, this.owner, this.#options.leaseMs);
        } catch (error) {
            // Keep what we had: a lost lease only costs a duplicate socket, which dedupe absorbs.
            this.#deps().logger.warn({err: error, licence}, 'could not renew the websocket lease');
        }
        if (entry.stopped) {
            return;
        }
        if (leader && !entry.listener) {
            entry.leader = true;
            this.#startListener(entry);
        } else if (!leader && entry.listener) {
            this.#deps().logger.info({licence}, 'another bridge process holds the websocket now');
            entry.leader = false;
            const listener = entry.listener;
            entry.listener = undefined;
            entry.pendingMark = undefined;
            clearInterval(entry.checkpointTimer);
            await listener.stop();
            entry.state = 'standby';
        }
        entry.leader = leader;
        entry.leaseTimer = setTimeout(() => void this.#lease(entry), Math.max(100, Math.floor(this.#options.leaseMs / 3)));
        entry.leaseTimer.unref();
    }

    #startListener(entry: Entry): void {
        const deps = this.#deps();
        const {integration} = entry;
        const logger = deps.logger.child({licence: integration.licence, part: 'websocket'});
        // The port's own token: the access token, or its login session's (shared with REST calls).
        const port = deps.mattermost.for(integration);
        entry.caughtUp = false;
        const listener = new MattermostWebSocketListener({
            serverUrl: integration.serverUrl,
            egress: deps.mattermost.egress,
            token: (refused) => port.authToken(refused),
            logger,
            baseBackoffMs: Math.min(deps.config.delivery.baseBackoffMs, 5000),
            maxBackoffMs: Math.min(deps.config.delivery.maxBackoffMs, 60_000),
            pingIntervalMs: this.#options.pingIntervalMs,
            onEvent: (event) => this.#onEvent(entry, event),
            onGap: (reason) => this.#onGap(entry, reason),
            onState: (state, detail) => {
                entry.state = state;
                if (state === 'disconnected') {
                    entry.pendingMark = undefined;
                    entry.lastError = detail?.status !== undefined ? `Mattermost refused the websocket (HTTP ${detail.status})` : detail?.error ?? 'connection closed';
                    if (detail?.status === 401 || detail?.status === 403 || detail?.reason === 'no_hello' || detail?.reason === 'refused') {
                        void this.#checkToken(entry);
                    }
                }
            },
        });
        entry.listener = listener;
        listener.start();
        entry.checkpointTimer = setInterval(() => void this.#checkpoint(entry), this.#options.checkpointMs);
        entry.checkpointTimer.unref();
        logger.info('listening for replies on the Mattermost websocket');
    }

    /**
     * The websocket does not say why it refuses an unauthenticated socket: ask REST (at most once a
     * minute) and record a rejected token as the integration's error, for the admin to see.
     */
    async #checkToken(entry: Entry): Promise<void> {
        const deps = this.#deps();
        const now = deps.clock.now();
        if (entry.lastTokenCheck !== 0 && now - entry.lastTokenCheck < 60_000) {
            return;
        }
        entry.lastTokenCheck = now;
        try {
            await deps.mattermost.for(entry.integration).getMe();
        } catch (error) {
            if (error instanceof UpstreamError && (error.kind === 'token_rejected' || error.kind === 'login_rejected')) {
                const reason = describeFailure('mattermost', error.kind);
                entry.lastError = reason;
                await deps.integrations.recordError(entry.integration.licence, reason).catch(() => undefined);
                deps.logger.warn({licence: entry.integration.licence}, 'the websocket cannot authenticate: Mattermost rejects the bot token or login');
            }
        }
    }

    #onEvent(entry: Entry, event: MattermostEvent): void {
        if (event.event !== 'posted' || typeof event.data.post !== 'string') {
            return;
        }
        let post: InboundPost;
        try {
            post = JSON.parse(event.data.post) as InboundPost;
        } catch {
            return;
        }
        if (typeof post.id !== 'string' || typeof post.root_id !== 'string') {
            return;
        }
        if (entry.held) {
            entry.held.push(post);
            if (entry.held.length > HOLD_LIMIT) {
                entry.held.shift();
                entry.resyncAgain = true;
            }
            return;
        }
        this.#handleLive(entry, post);
    }

    #handleLive(entry: Entry, post: InboundPost): void {
        this.#enqueue(entry, async () => {
            await this.#relay.acceptPost(entry.integration, post, 'websocket');
        });
    }

    /** After a successful re-sync: the held live posts, in arrival order, behind what it queued. */
    #release(entry: Entry): void {
        const held = entry.held ?? [];
        entry.held = undefined;
        for (const post of held) {
            this.#handleLive(entry, post);
        }
    }

    #onGap(entry: Entry, reason: GapReason): void {
        entry.caughtUp = false;
        entry.pendingMark = undefined;
        entry.held ??= [];
        this.#deps().logger.info({licence: entry.integration.licence, reason}, 'websocket gap: re-syncing open conversations over REST');
        void this.#resync(entry);
    }

    #enqueue(entry: Entry, task: () => Promise<void>): void {
        entry.queue = entry.queue.then(task).catch((error: unknown) => {
            // Only database trouble gets here (the relay defers Mattermost trouble to a job);
            // the next gap's re-sync, or the next checkpoint refusing to move, keeps the post findable.
            entry.caughtUp = false;
            entry.pendingMark = undefined;
            entry.lastError = (error as Error).message;
            this.#deps().logger.error({err: error, licence: entry.integration.licence}, 'handling a websocket event failed');
        });
    }

    /** Re-reads what changed since the "caught up" mark in the channels of open conversations. */
    async #resync(entry: Entry): Promise<void> {
        if (entry.resyncRunning) {
            entry.resyncAgain = true;
            return;
        }
        entry.resyncRunning = true;
        try {
            do {
                entry.resyncAgain = false;
                await this.#resyncOnce(entry);
            } while (entry.resyncAgain && !entry.stopped);
        } finally {
            entry.resyncRunning = false;
        }
        if (entry.caughtUp && !entry.stopped) {
            this.#release(entry);
        }
    }

    async #resyncOnce(entry: Entry): Promise<void> {
        const deps = this.#deps();
        const {licence} = entry.integration;
        const state = this.#stateOf();
        const startedAt = deps.clock.now();
        try {
            const stored = await state.get(licence, KEY_CAUGHT_UP);
            if (stored === undefined) {
                // Never listened before: start from now, do not replay history.
                await state.set(licence, KEY_CAUGHT_UP, String(startedAt));
                entry.caughtUp = true;
                entry.resyncs += 1;
                entry.lastResyncAt = startedAt;
                return;
            }
            const since = Math.max(1, Number(stored) - this.#options.skewMarginMs);
            const conversations = await deps.conversations.listOpenWithRoot(licence);
            const channels = [...new Set(conversations.map((c) => c.channelId).filter((id): id is string => id !== null))];
            const port = deps.mattermost.for(entry.integration);
            let seen = 0;
            let failure: unknown;
            for (const channelId of channels) {
                const list = await port.getPostsSince(channelId, since);
                const posts = list.order.map((id) => list.posts[id]).filter((post) => post !== undefined)
                    .filter((post) => post.root_id !== '' && post.delete_at === 0)
                    .sort((a, b) => a.create_at - b.create_at);
                for (const post of posts) {
                    // Through the event queue, so re-synced and live posts keep one order.
                    await new Promise<void>((resolve) => {
                        this.#enqueue(entry, async () => {
                            try {
                                await this.#relay.acceptPost(entry.integration, post, 'resync');
                            } catch (error) {
                                failure ??= error;
                            } finally {
                                resolve();
                            }
                        });
                    });
                    seen += 1;
                }
            }
            if (failure !== undefined) {
                throw failure;
            }
            await entry.queue;
            if (!entry.stopped) {
                await state.set(licence, KEY_CAUGHT_UP, String(startedAt));
                entry.caughtUp = true;
            }
            entry.resyncs += 1;
            entry.lastResyncAt = startedAt;
            deps.logger.info({licence, channels: channels.length, posts: seen}, 'websocket re-sync done');
        } catch (error) {
            entry.lastError = `re-sync failed: ${(error as Error).message}`;
            deps.logger.warn({err: error, licence}, 'websocket re-sync failed; retrying');
            if (!entry.stopped) {
                // Mattermost or the database is in trouble: try again later (the listener's own
                // reconnects may also trigger a new gap first).
                const retry = setTimeout(() => void this.#resync(entry), Math.min(deps.config.delivery.maxBackoffMs, 10_000));
                retry.unref();
            }
        }
    }

    /**
     * While the socket is healthy and caught up, moves the "caught up" mark forward — to the time of
     * the previous healthy tick, not to now: everything Mattermost had sent by then has arrived and
     * been handled since (events replayed right after a resume included).
     */
    async #checkpoint(entry: Entry): Promise<void> {
        if (!entry.caughtUp || !entry.listener?.connected || entry.resyncRunning) {
            entry.pendingMark = undefined;
            return;
        }
        const now = this.#deps().clock.now();
        try {
            await entry.queue;
            if (!entry.caughtUp || !entry.listener?.connected) {
                entry.pendingMark = undefined;
                return;
            }
            if (entry.pendingMark !== undefined) {
                await this.#stateOf().set(entry.integration.licence, KEY_CAUGHT_UP, String(entry.pendingMark));
            }
            entry.pendingMark = now;
        } catch {
            entry.pendingMark = undefined;
        }
    }

    async #remove(licence: string): Promise<void> {
        const entry = this.#entries.get(licence);
        if (!entry) {
            return;
        }
        this.#entries.delete(licence);
        entry.stopped = true;
        clearTimeout(entry.leaseTimer);
        clearInterval(entry.checkpointTimer);
        if (entry.listener) {
            await entry.listener.stop();
            entry.listener = undefined;
        }
        await entry.queue.catch(() => undefined);
        if (entry.caughtUp && entry.leader) {
            // A clean stop: everything up to now was seen (the skew margin covers events in flight).
            await this.#stateOf().set(licence, KEY_CAUGHT_UP, String(this.#deps().clock.now())).catch(() => undefined);
        }
        if (entry.leader) {
            await this.#stateOf().releaseLease(licence, KEY_LEADER, this.owner).catch(() => undefined);
        }
    }
}
