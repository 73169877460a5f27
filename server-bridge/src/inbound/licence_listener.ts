import {UpstreamError} from '../domain/errors.js';
import {describeFailure} from '../domain/failure_messages.js';
import type {InboundPost} from '../domain/inbound/decision.js';
import type {Integration} from '../domain/integration.js';
import {MattermostWebSocketListener, type GapReason, type ListenerState, type MattermostEvent} from '../mattermost/websocket_listener.js';
import {KEY_CAUGHT_UP, KEY_LEADER} from '../storage/inbound_state_repository.js';

import {readChannelChanges} from './channel_posts.js';
import type {PostChange} from './jobs.js';
import type {InboundDeps, InboundRelay} from './relay.js';

export interface ListenerStatus {
    licence: string;
    leader: boolean;
    state: ListenerState | 'standby';
    connectionId: string;
    resyncs: number;
    lastResyncAt: number | null;
    lastError: string | null;
}

/** What every licence's listener shares (see InboundListeners). */
export interface ListenerContext {
    deps: () => InboundDeps;
    relay: InboundRelay;
    /** This process, as the leader lease names it. */
    owner: string;
    leaseMs: number;
    skewMarginMs: number;
    checkpointMs: number;
    pingIntervalMs: number;
}

/** A live event for the relay: a new post, or an agent's edit or deletion of one (DESIGN §12). */
interface LivePost {
    post: InboundPost;
    change?: PostChange;
}

/** The websocket events the relay follows, and what each means. */
const FOLLOWED_EVENTS: Record<string, PostChange | 'posted'> = {posted: 'posted', post_edited: 'edited', post_deleted: 'deleted'};

/** Live posts held back during one re-sync, at most. */
const HOLD_LIMIT = 5000;
/** A refused socket asks REST why at most this often. */
const TOKEN_CHECK_EVERY_MS = 60_000;

/** True when both settings open the same websocket (same server and the same bot credentials). */
export function sameConnection(a: Integration, b: Integration): boolean {
    return a.serverUrl === b.serverUrl
        && a.auth.mode === b.auth.mode
        && (a.auth.mode === 'token' && b.auth.mode === 'token' ? a.auth.botToken === b.auth.botToken : true)
        && (a.auth.mode === 'login' && b.auth.mode === 'login' ? a.auth.loginId === b.auth.loginId && a.auth.password === b.auth.password : true);
}

/**
 * One licence's websocket listener (see InboundListeners for the whole design): takes and renews
 * the leader lease, holds the socket while it leads, relays live `posted` events one at a time in
 * arrival order, re-syncs over REST after a gap (holding live posts back meanwhile), and moves the
 * "caught up" mark forward while healthy. `start` once, `stop` once; `adopt` takes settings that
 * keep the same connection. Never throws from its timers: trouble is logged and kept in `status`.
 */
export class LicenceListener {
    #integration: Integration;
    readonly #context: ListenerContext;
    #socket: MattermostWebSocketListener | undefined;
    #leader = false;
    #state: ListenerState | 'standby' = 'standby';
    #leaseTimer: NodeJS.Timeout | undefined;
    #checkpointTimer: NodeJS.Timeout | undefined;
    /** Events are handled one at a time, in order. */
    #queue: Promise<void> = Promise.resolve();
    readonly #resync = {running: false, again: false, count: 0, lastAt: null as number | null};
    #lastError: string | null = null;
    /** False after a gap until a re-sync succeeded: the "caught up" mark must not move meanwhile. */
    #caughtUp = false;
    /**
     * Live posts held back from a gap until its re-sync has queued what it found (undefined: not
     * holding). Bounded: past HOLD_LIMIT the oldest are dropped and another re-sync reads them back
     * (the "caught up" mark has not moved past them).
     */
    #held: LivePost[] | undefined;
    #lastTokenCheck = 0;
    /** A time at which the socket was healthy, written as the mark one checkpoint later (see #checkpoint). */
    #pendingMark: number | undefined;
    #stopped = false;

    constructor(integration: Integration, context: ListenerContext) {
        this.#integration = integration;
        this.#context = context;
    }

    get #licence(): string {
        return this.#integration.licence;
    }

    /** Takes the lease when it can (and the socket with it), then keeps renewing it. */
    start(): Promise<void> {
        return this.#lease();
    }

    /** Takes settings that keep the same connection (relay mode, channel, callback…); false when they need a new listener. */
    adopt(integration: Integration): boolean {
        if (!sameConnection(this.#integration, integration)) {
            return false;
        }
        this.#integration = integration;
        return true;
    }

    /**
     * Mattermost answers this licence's requests again after a transient failure: a socket waiting
     * out its reconnect backoff connects now (see MattermostWebSocketListener.reconnectNow), so the
     * replies agents make from now on are relayed live instead of after that backoff and a re-sync.
     */
    mattermostAnswers(): void {
        if (this.#socket?.reconnectNow()) {
            this.#context.deps().logger.info({licence: this.#licence, part: 'websocket'}, 'Mattermost answers again: reconnecting the websocket now, not after its backoff');
        }
    }

    status(): ListenerStatus {
        return {
            licence: this.#licence,
            leader: this.#leader,
            state: this.#state,
            connectionId: this.#socket?.connectionId ?? '',
            resyncs: this.#resync.count,
            lastResyncAt: this.#resync.lastAt,
            lastError: this.#lastError,
        };
    }

    /** Closes the socket, lets queued events finish, records the mark after a clean run and gives up the lease. */
    async stop(): Promise<void> {
        const {inboundState, clock} = this.#context.deps();
        this.#stopped = true;
        clearTimeout(this.#leaseTimer);
        clearInterval(this.#checkpointTimer);
        if (this.#socket) {
            await this.#socket.stop();
            this.#socket = undefined;
        }
        await this.#queue.catch(() => undefined);
        if (this.#caughtUp && this.#leader) {
            // A clean stop: everything up to now was seen (the skew margin covers events in flight).
            await inboundState.set(this.#licence, KEY_CAUGHT_UP, String(clock.now())).catch(() => undefined);
        }
        if (this.#leader) {
            await inboundState.releaseLease(this.#licence, KEY_LEADER, this.#context.owner).catch(() => undefined);
        }
    }

    // ---- the lease

    /** Takes or renews the lease; starts the socket when this process leads, stops it when not. */
    async #lease(): Promise<void> {
        if (this.#stopped) {
            return;
        }
        const {deps, owner, leaseMs} = this.#context;
        let leader = this.#leader;
        try {
            leader = await deps().inboundState.tryLease(this.#licence, KEY_LEADER, owner, leaseMs);
        } catch (error) {
            // Keep what we had: a lost lease only costs a duplicate socket, which dedupe absorbs.
            deps().logger.warn({err: error, licence: this.#licence}, 'could not renew the websocket lease');
        }
        if (this.#stopped) {
            return;
        }
        if (leader && !this.#socket) {
            this.#leader = true;
            this.#openSocket();
        } else if (!leader && this.#socket) {
            deps().logger.info({licence: this.#licence}, 'another bridge process holds the websocket now');
            this.#leader = false;
            const socket = this.#socket;
            this.#socket = undefined;
            this.#pendingMark = undefined;
            clearInterval(this.#checkpointTimer);
            await socket.stop();
            this.#state = 'standby';
        }
        this.#leader = leader;
        this.#leaseTimer = setTimeout(() => void this.#lease(), Math.max(100, Math.floor(leaseMs / 3)));
        this.#leaseTimer.unref();
    }

    // ---- the socket

    #openSocket(): void {
        const deps = this.#context.deps();
        const integration = this.#integration;
        const logger = deps.logger.child({licence: integration.licence, part: 'websocket'});
        // The port's own token: the access token, or its login session's (shared with REST calls).
        const port = deps.mattermost.for(integration);
        this.#caughtUp = false;
        const socket = new MattermostWebSocketListener({
            serverUrl: integration.serverUrl,
            egress: deps.mattermost.egress,
            token: (refused) => port.authToken(refused),
            logger,
            baseBackoffMs: Math.min(deps.config.delivery.baseBackoffMs, 5000),
            maxBackoffMs: Math.min(deps.config.delivery.maxBackoffMs, 60_000),
            pingIntervalMs: this.#context.pingIntervalMs,
            onEvent: (event) => this.#onEvent(event),
            onGap: (reason) => this.#onGap(reason),
            onState: (state, detail) => {
                this.#state = state;
                if (state === 'disconnected') {
                    this.#pendingMark = undefined;
                    this.#lastError = detail?.status !== undefined ? `Mattermost refused the websocket (HTTP ${detail.status})` : detail?.error ?? 'connection closed';
                    if (detail?.status === 401 || detail?.status === 403 || detail?.reason === 'no_hello' || detail?.reason === 'refused') {
                        void this.#checkToken();
                    }
                }
            },
        });
        this.#socket = socket;
        socket.start();
        this.#checkpointTimer = setInterval(() => void this.#checkpoint(), this.#context.checkpointMs);
        this.#checkpointTimer.unref();
        logger.info('listening for replies on the Mattermost websocket');
    }

    /**
     * The websocket does not say why it refuses an unauthenticated socket: ask REST (at most once a
     * minute) and record a rejected token as the integration's error, for the admin to see.
     */
    async #checkToken(): Promise<void> {
        const deps = this.#context.deps();
        const now = deps.clock.now();
        if (this.#lastTokenCheck !== 0 && now - this.#lastTokenCheck < TOKEN_CHECK_EVERY_MS) {
            return;
        }
        this.#lastTokenCheck = now;
        try {
            await deps.mattermost.for(this.#integration).getMe();
        } catch (error) {
            if (error instanceof UpstreamError && (error.kind === 'token_rejected' || error.kind === 'login_rejected')) {
                const reason = describeFailure('mattermost', error.kind);
                this.#lastError = reason;
                await deps.integrations.recordError(this.#licence, reason).catch(() => undefined);
                deps.logger.warn({licence: this.#licence}, 'the websocket cannot authenticate: Mattermost rejects the bot token or login');
            }
        }
    }

    /**
     * `posted`, `post_edited` and `post_deleted` carry the post as a JSON string in `data.post`
     * (pinned in test/e2e/mattermost_facts.test.ts; `post_deleted`'s is the post as it was before the
     * deletion — app/post.go DeletePost reads it first).
     */
    #onEvent(event: MattermostEvent): void {
        const followed = FOLLOWED_EVENTS[event.event];
        if (followed === undefined || typeof event.data.post !== 'string') {
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
        const live: LivePost = followed === 'posted' ? {post} : {post, change: followed};
        if (this.#held) {
            this.#held.push(live);
            if (this.#held.length > HOLD_LIMIT) {
                this.#held.shift();
                this.#resync.again = true;
            }
            return;
        }
        this.#handleLive(live);
    }

    #handleLive({post, change}: LivePost): void {
        this.#enqueue(async () => {
            if (change) {
                await this.#context.relay.acceptChange(this.#integration, post, change, 'websocket');
            } else {
                await this.#context.relay.acceptPost(this.#integration, post, 'websocket');
            }
        });
    }

    #enqueue(task: () => Promise<void>): void {
        this.#queue = this.#queue.then(task).catch((error: unknown) => {
            // Only database trouble gets here (the relay defers Mattermost trouble to a job);
            // the next gap's re-sync, or the next checkpoint refusing to move, keeps the post findable.
            this.#caughtUp = false;
            this.#pendingMark = undefined;
            this.#lastError = (error as Error).message;
            this.#context.deps().logger.error({err: error, licence: this.#licence}, 'handling a websocket event failed');
        });
    }

    // ---- gaps and re-syncs

    #onGap(reason: GapReason): void {
        this.#caughtUp = false;
        this.#pendingMark = undefined;
        this.#held ??= [];
        this.#context.deps().logger.info({licence: this.#licence, reason}, 'websocket gap: re-syncing open conversations over REST');
        void this.#runResync();
    }

    /** After a successful re-sync: the held live posts, in arrival order, behind what it queued. */
    #releaseHeld(): void {
        const held = this.#held ?? [];
        this.#held = undefined;
        for (const live of held) {
            this.#handleLive(live);
        }
    }

    /** Re-reads what changed since the "caught up" mark in the channels of open conversations (one re-sync at a time). */
    async #runResync(): Promise<void> {
        const resync = this.#resync;
        if (resync.running) {
            resync.again = true;
            return;
        }
        resync.running = true;
        try {
            do {
                resync.again = false;
                await this.#resyncOnce();
            } while (resync.again && !this.#stopped);
        } finally {
            resync.running = false;
        }
        if (this.#caughtUp && !this.#stopped) {
            this.#releaseHeld();
        }
    }

    async #resyncOnce(): Promise<void> {
        const deps = this.#context.deps();
        const licence = this.#licence;
        const state = deps.inboundState;
        const startedAt = deps.clock.now();
        try {
            const stored = await state.get(licence, KEY_CAUGHT_UP);
            if (stored === undefined) {
                // Never listened before: start from now, do not replay history.
                await state.set(licence, KEY_CAUGHT_UP, String(startedAt));
                this.#caughtUp = true;
                this.#resynced(startedAt);
                return;
            }
            const since = Math.max(1, Number(stored) - this.#context.skewMarginMs);
            const conversations = await deps.conversations.listOpenWithRoot(licence);
            const channels = [...new Set(conversations.map((c) => c.channelId).filter((id): id is string => id !== null))];
            const port = deps.mattermost.for(this.#integration);
            let seen = 0;
            let failure: unknown;
            for (const channelId of channels) {
                // Posts changed since the mark: new ones, edited ones (edit_at moved) and deleted
                // ones (delete_at set, message blanked); the copies Mattermost keeps of earlier
                // versions are left out by the reader (channel_posts.ts; pinned in test/e2e/mattermost_facts.test.ts).
                // A busy channel comes in page-sized batches, oldest first (all of it, however long
                // the gap: the mark moves only when every channel is read).
                for await (const {replies: posts} of readChannelChanges(port, channelId, since)) {
                    for (const post of posts) {
                        // Through the event queue, so re-synced and live posts keep one order. A new post
                        // is relayed with its latest text; an edit or deletion of one relayed earlier follows it.
                        await new Promise<void>((resolve) => {
                            this.#enqueue(async () => {
                                try {
                                    const relay = this.#context.relay;
                                    if (post.delete_at > 0) {
                                        await relay.acceptChange(this.#integration, post, 'deleted', 'resync');
                                    } else {
                                        await relay.acceptPost(this.#integration, post, 'resync');
                                        if (post.edit_at > 0) {
                                            await relay.acceptChange(this.#integration, post, 'edited', 'resync');
                                        }
                                    }
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
            }
            if (failure !== undefined) {
                throw failure;
            }
            await this.#queue;
            if (!this.#stopped) {
                await state.set(licence, KEY_CAUGHT_UP, String(startedAt));
                this.#caughtUp = true;
            }
            this.#resynced(startedAt);
            deps.logger.info({licence, channels: channels.length, posts: seen}, 'websocket re-sync done');
        } catch (error) {
            this.#lastError = `re-sync failed: ${(error as Error).message}`;
            deps.logger.warn({err: error, licence}, 'websocket re-sync failed; retrying');
            if (!this.#stopped) {
                // Mattermost or the database is in trouble: try again later (the socket's own
                // reconnects may also trigger a new gap first).
                const retry = setTimeout(() => void this.#runResync(), Math.min(deps.config.delivery.maxBackoffMs, 10_000));
                retry.unref();
            }
        }
    }

    #resynced(at: number): void {
        this.#resync.count += 1;
        this.#resync.lastAt = at;
    }

    /**
     * While the socket is healthy and caught up, moves the "caught up" mark forward — to the time of
     * the previous healthy tick, not to now: everything Mattermost had sent by then has arrived and
     * been handled since (events replayed right after a resume included).
     */
    async #checkpoint(): Promise<void> {
        if (!this.#caughtUp || !this.#socket?.connected || this.#resync.running) {
            this.#pendingMark = undefined;
            return;
        }
        const deps = this.#context.deps();
        const now = deps.clock.now();
        try {
            await this.#queue;
            if (!this.#caughtUp || !this.#socket?.connected) {
                this.#pendingMark = undefined;
                return;
            }
            if (this.#pendingMark !== undefined) {
                await deps.inboundState.set(this.#licence, KEY_CAUGHT_UP, String(this.#pendingMark));
            }
            this.#pendingMark = now;
        } catch {
            this.#pendingMark = undefined;
        }
    }
}
