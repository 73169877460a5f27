import type {Logger} from 'pino';
import WebSocket from 'ws';

import {backoffDelayMs} from '../outbox/backoff.js';
import type {EgressPolicy} from '../support/egress.js';

/**
 * One Mattermost websocket (`/api/v4/websocket`) held as the bot, kept alive for as long as it runs.
 *
 * Contract:
 * - Authenticates with the `Authorization` header at the upgrade (so the server can resume it).
 * - Hands every event except `hello` to `onEvent` once, in `seq` order (replayed duplicates dropped).
 * - Reconnects after any drop with capped exponential backoff and full jitter, asking to resume with
 *   `connection_id` + `sequence_number` (the next seq it expects). `reconnectNow()` cuts a backoff
 *   short when the caller learned that Mattermost answers again. When the server cannot resume it
 *   sends a new `hello` with a new connection id: events were lost, and `onGap` is called so the
 *   caller re-syncs over REST. `onGap` is also called on the first `hello` (whatever happened while
 *   nobody listened is unknown) and when a `seq` jumps (an event was skipped).
 * - Pings every `pingIntervalMs`; a socket silent for two intervals is treated as dead and replaced.
 * - Never throws from callbacks: errors of `onEvent`/`onGap` are the caller's to handle.
 */
export interface MattermostEvent {
    event: string;
    data: Record<string, unknown>;
    broadcast: {channel_id?: string; user_id?: string; team_id?: string} & Record<string, unknown>;
    seq: number;
}

export type GapReason = 'first_connection' | 'new_connection' | 'missed_events';

export type ListenerState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

/**
 * Why a socket closed: `refused` = the upgrade was answered with an HTTP status (`status`);
 * `no_hello` = a fresh connection closed or stayed silent without Mattermost's `hello` (what an
 * unauthenticated socket looks like — the token may be wrong); `unreachable` = no connection at all;
 * `closed` = an established socket ended.
 */
export interface DisconnectDetail {
    reason: 'refused' | 'unreachable' | 'no_hello' | 'closed';
    status?: number;
    error?: string;
}

export interface WebSocketListenerOptions {
    serverUrl: string;
    /**
     * The bearer token for each connection attempt; `refused` is the token Mattermost turned down
     * on the previous attempt (401), so a login session can log in again. A throw counts as a
     * failed attempt (retried with backoff).
     */
    token: (refused?: string) => Promise<string>;
    logger: Logger;
    onEvent(event: MattermostEvent): void;
    onGap(reason: GapReason): void;
    onState?(state: ListenerState, detail?: DisconnectDetail): void;
    baseBackoffMs?: number;
    maxBackoffMs?: number;
    pingIntervalMs?: number;
    handshakeTimeoutMs?: number;
    /** The internal-address rules the socket's connection follows. */
    egress?: EgressPolicy;
    /** A fresh connection without `hello` after this long is given up and retried (default 15 s). */
    helloTimeoutMs?: number;
    random?: () => number;
}

/** `https://mm.example.com/sub` → `wss://mm.example.com/sub/api/v4/websocket`. */
export function websocketUrl(serverUrl: string): URL {
    const url = new URL(`${serverUrl.replace(/\/+$/, '')}/api/v4/websocket`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url;
}

export class MattermostWebSocketListener {
    readonly #options: WebSocketListenerOptions;
    #socket: WebSocket | undefined;
    #running = false;
    #connectionId = '';
    #nextSeq = 0;
    #attempt = 0;
    #reconnectTimer: NodeJS.Timeout | undefined;
    #lastToken: string | undefined;
    #pingTimer: NodeJS.Timeout | undefined;
    #lastHeard = 0;
    #openedAt = 0;
    #lastStatus: number | undefined;
    #lastError: string | undefined;
    #greeted = false;
    /** Nothing at all was received on the current socket. */
    #silent = true;
    /** Resume attempts in a row that ended without a word from the server. */
    #silentResumes = 0;
    #helloTimer: NodeJS.Timeout | undefined;

    constructor(options: WebSocketListenerOptions) {
        this.#options = options;
    }

    /** True while a socket is open and has been greeted (or resumed). */
    get connected(): boolean {
        return this.#socket?.readyState === WebSocket.OPEN && this.#connectionId !== '';
    }

    get connectionId(): string {
        return this.#connectionId;
    }

    start(): void {
        if (this.#running) {
            return;
        }
        this.#running = true;
        this.#connect();
    }

    /** Closes the socket and stops reconnecting. Resolves once the socket is closed (bounded). */
    async stop(): Promise<void> {
        this.#running = false;
        clearTimeout(this.#reconnectTimer);
        clearTimeout(this.#helloTimer);
        clearInterval(this.#pingTimer);
        const socket = this.#socket;
        this.#socket = undefined;
        if (socket && socket.readyState !== WebSocket.CLOSED) {
            await new Promise<void>((resolve) => {
                const timer = setTimeout(() => {
                    socket.terminate();
                    resolve();
                }, 2000);
                socket.once('close', () => {
                    clearTimeout(timer);
                    resolve();
                });
                if (socket.readyState === WebSocket.CONNECTING) {
                    socket.terminate();
                } else {
                    socket.close(1000);
                }
            });
        }
        this.#options.onState?.('stopped');
    }

    #connect(): void {
        if (!this.#running) {
            return;
        }
        const refused = this.#lastStatus === 401 ? this.#lastToken : undefined;
        this.#options.token(refused).then((token) => this.#open(token), (error: unknown) => {
            if (!this.#running) {
                return;
            }
            this.#attempt += 1;
            const delay = this.#backoff();
            const detail: DisconnectDetail = {reason: 'refused', error: (error as Error).message};
            this.#options.logger.warn({attempt: this.#attempt, delayMs: delay, error: detail.error}, 'no token for the Mattermost websocket, retrying');
            this.#options.onState?.('disconnected', detail);
            this.#scheduleReconnect(delay);
        });
    }

    #scheduleReconnect(delay: number): void {
        this.#reconnectTimer = setTimeout(() => {
            this.#reconnectTimer = undefined;
            this.#connect();
        }, delay);
    }

    /**
     * The caller learned that Mattermost answers again (a request to the same server succeeded
     * after a transient failure): a listener waiting out its reconnect backoff connects now instead
     * of sleeping through a delay that grew while Mattermost was down. The attempt count is kept, so
     * should this attempt fail too, the backoff goes on where it was (a socket refused for its own
     * reasons is not hurried). True when a waiting reconnect was started; a socket open or being
     * opened, or a stopped listener, is left alone.
     */
    reconnectNow(): boolean {
        if (!this.#running || this.#socket !== undefined || this.#reconnectTimer === undefined) {
            return false;
        }
        clearTimeout(this.#reconnectTimer);
        this.#reconnectTimer = undefined;
        this.#connect();
        return true;
    }

    #backoff(): number {
        return Math.max(50, backoffDelayMs(this.#attempt, {
            baseBackoffMs: this.#options.baseBackoffMs ?? 1000,
            maxBackoffMs: this.#options.maxBackoffMs ?? 30_000,
        }, this.#options.random));
    }

    #open(token: string): void {
        if (!this.#running) {
            return;
        }
        this.#lastToken = token;
        const {logger} = this.#options;
        const url = websocketUrl(this.#options.serverUrl);
        if (this.#connectionId !== '') {
            url.searchParams.set('connection_id', this.#connectionId);
            url.searchParams.set('sequence_number', String(this.#nextSeq));
        }
        this.#lastStatus = undefined;
        this.#lastError = undefined;
        // A resumed connection may get no hello at all; only a fresh one must be greeted.
        this.#greeted = this.#connectionId !== '';
        this.#silent = true;
        this.#options.onState?.('connecting');
        const socket = new WebSocket(url, {
            headers: {Authorization: `Bearer ${token}`, 'User-Agent': 'ireserve-bridge'},
            handshakeTimeout: this.#options.handshakeTimeoutMs ?? 15_000,
            followRedirects: false,
            ...(this.#options.egress ? {agent: url.protocol === 'wss:' ? this.#options.egress.httpsAgent : this.#options.egress.httpAgent} : {}),
        });
        this.#socket = socket;
        socket.on('unexpected-response', (request, response) => {
            this.#lastStatus = response.statusCode;
            response.resume();
            request.destroy();
            socket.terminate();
        });
        socket.on('open', () => {
            this.#openedAt = Date.now();
            this.#lastHeard = Date.now();
            this.#startPing(socket);
            if (!this.#greeted) {
                clearTimeout(this.#helloTimer);
                this.#helloTimer = setTimeout(() => {
                    if (this.#socket === socket && !this.#greeted) {
                        this.#lastError = 'Mattermost sent no hello';
                        socket.terminate();
                    }
                }, this.#options.helloTimeoutMs ?? 15_000);
                this.#helloTimer.unref();
            }
            if (this.#connectionId !== '') {
                // Resuming: a server that cannot resume says so with a new hello.
                this.#options.onState?.('connected');
            }
        });
        socket.on('message', (raw) => {
            if (this.#socket === socket) {
                this.#lastHeard = Date.now();
                this.#silent = false;
                this.#silentResumes = 0;
                this.#onMessage(raw.toString());
            }
        });
        socket.on('ping', () => {
            this.#lastHeard = Date.now();
        });
        socket.on('pong', () => {
            this.#lastHeard = Date.now();
            this.#silent = false;
        });
        socket.on('error', (error) => {
            this.#lastError = error.message;
        });
        socket.on('close', () => {
            if (this.#socket !== socket) {
                return;
            }
            this.#socket = undefined;
            clearInterval(this.#pingTimer);
            clearTimeout(this.#helloTimer);
            if (!this.#running) {
                return;
            }
            const wasOpen = this.#openedAt !== 0;
            // A socket that stayed up a while was healthy: start the backoff over.
            if (wasOpen && Date.now() - this.#openedAt > 10_000) {
                this.#attempt = 0;
            }
            this.#openedAt = 0;
            this.#attempt += 1;
            if (this.#connectionId !== '' && this.#silent && wasOpen) {
                // Resuming keeps failing without a word (e.g. the token was revoked): start afresh,
                // so a new connection is greeted — or reported as not greeted.
                this.#silentResumes += 1;
                if (this.#silentResumes >= 2) {
                    this.#connectionId = '';
                    this.#silentResumes = 0;
                }
            }
            const delay = this.#backoff();
            const detail: DisconnectDetail = {
                reason: this.#lastStatus !== undefined ? 'refused' : !wasOpen ? 'unreachable' : this.#greeted ? 'closed' : 'no_hello',
                ...(this.#lastStatus !== undefined ? {status: this.#lastStatus} : {}),
                ...(this.#lastError !== undefined ? {error: this.#lastError} : {}),
            };
            logger[this.#attempt === 1 ? 'info' : 'debug']({attempt: this.#attempt, delayMs: delay, ...detail}, 'Mattermost websocket closed, reconnecting');
            this.#options.onState?.('disconnected', detail);
            this.#scheduleReconnect(delay);
        });
    }

    #startPing(socket: WebSocket): void {
        const interval = this.#options.pingIntervalMs ?? 30_000;
        clearInterval(this.#pingTimer);
        this.#pingTimer = setInterval(() => {
            if (Date.now() - this.#lastHeard > 2 * interval) {
                this.#options.logger.info('Mattermost websocket silent for too long, replacing it');
                socket.terminate();
                return;
            }
            try {
                socket.ping();
            } catch {
                // closing already
            }
        }, interval);
        this.#pingTimer.unref();
    }

    #onMessage(text: string): void {
        let message: Partial<MattermostEvent> & {seq_reply?: unknown};
        try {
            message = JSON.parse(text) as typeof message;
        } catch {
            return;
        }
        if (typeof message.event !== 'string') {
            return; // an answer to one of our actions ({status, seq_reply})
        }
        const seq = typeof message.seq === 'number' ? message.seq : undefined;
        if (message.event === 'hello') {
            const id = typeof message.data?.connection_id === 'string' ? message.data.connection_id : '';
            const resumed = id !== '' && id === this.#connectionId;
            const first = this.#connectionId === '';
            this.#connectionId = id;
            this.#nextSeq = (seq ?? 0) + 1;
            this.#attempt = 0;
            this.#greeted = true;
            clearTimeout(this.#helloTimer);
            this.#options.onState?.('connected');
            if (!resumed) {
                this.#options.onGap(first ? 'first_connection' : 'new_connection');
            }
            return;
        }
        if (seq !== undefined) {
            if (seq < this.#nextSeq) {
                return; // replayed and already handled
            }
            const skipped = seq > this.#nextSeq;
            this.#nextSeq = seq + 1;
            if (skipped) {
                this.#options.onGap('missed_events');
            }
        }
        this.#options.onEvent({
            event: message.event,
            data: (message.data ?? {}) as Record<string, unknown>,
            broadcast: (message.broadcast ?? {}) as MattermostEvent['broadcast'],
            seq: seq ?? -1,
        });
    }
}
