// `GET /api/v4/websocket`: Mattermost's event stream, with its hello / seq / resume rules.
//
// Contracts (as in Mattermost's platform/web_conn.go and api4/websocket.go):
// - Auth by `Authorization: Bearer`/cookie at the upgrade, or later by an `authentication_challenge`
//   message. A bad challenge token closes the socket; no auth within the timeout closes it too.
// - Every event a connection gets carries that connection's next `seq`; `hello` is seq 0.
// - Reconnecting with `?connection_id=…&sequence_number=N` (N = last seq seen + 1) resumes the same
//   connection and replays events from N when the last 128 events still hold N; otherwise a new
//   connection id and a new `hello` (seq 0). Resuming needs header/cookie auth at the upgrade:
//   challenge-authenticated sockets always get a fresh connection.
// - A dropped connection keeps receiving (buffering) broadcasts for the resume window.
import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import {WebSocketServer, WebSocket} from 'ws';
import {isValidId, newId} from './ids.js';
import type {TokenRec} from './records.js';
import type {Store} from './state.js';
import {parseToken} from './auth.js';

export const WEBSOCKET_PATH = '/api/v4/websocket';
const DEAD_QUEUE_SIZE = 128;

export interface Broadcast {
    omit_users: Record<string, boolean> | null;
    user_id: string;
    channel_id: string;
    team_id: string;
    connection_id: string;
    omit_connection_id: string;
}

export interface WsEvent {
    event: string;
    data: Record<string, unknown>;
    broadcast: Broadcast;
    seq: number;
}

interface Conn {
    id: string;
    userId: string;
    nextSeq: number;
    /** The last DEAD_QUEUE_SIZE events given to this connection (sent, or queued while it was away). */
    buffer: {seq: number; text: string}[];
    socket: WebSocket | null;
    inactiveSince: number;
}

export interface WsConnectionInfo {
    connection_id: string;
    user_id: string;
    active: boolean;
    next_seq: number;
}

export interface WebSocketHubDeps {
    store: Store;
    /** The live session/token record for a token, or undefined when it is invalid, revoked or expired. */
    session(token: string): TokenRec | undefined;
    /** True while upgrades must be refused (outage or refuse window). */
    refusing(): boolean;
    /** Called for every upgrade attempt (for request counting). */
    onUpgrade?(): void;
}

export class WebSocketHub {
    private readonly wss = new WebSocketServer({noServer: true});
    private readonly conns = new Map<string, Conn>();
    private readonly sockets = new Set<WebSocket>();
    private refuseUntil = 0;

    constructor(private readonly deps: WebSocketHubDeps) {}

    /** Hook for the HTTP server's `upgrade` event. */
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname !== WEBSOCKET_PATH) {
            socket.destroy();
            return;
        }
        this.deps.onUpgrade?.();
        if (this.deps.refusing() || Date.now() < this.refuseUntil) {
            socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
            return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, req, url));
    }

    /** Refuse upgrades (503) for `ms` milliseconds; 0 stops refusing. */
    refuseFor(ms: number): void {
        this.refuseUntil = ms > 0 ? Date.now() + ms : 0;
    }

    /** Cut every socket (as a network drop would). Connections stay resumable. */
    dropAll(): void {
        for (const ws of this.sockets) {
            ws.terminate();
        }
    }

    /** Forget every connection, as a server restart would: the next reconnect gets a new hello. */
    forgetAll(): void {
        this.dropAll();
        this.conns.clear();
    }

    connections(): WsConnectionInfo[] {
        this.expire();
        return [...this.conns.values()].map((c) => ({
            connection_id: c.id,
            user_id: c.userId,
            active: c.socket !== null,
            next_seq: c.nextSeq,
        }));
    }

    /** Send an event to every connection (active or resumable) whose user passes `audience`. */
    publish(event: string, data: Record<string, unknown>, broadcast: Partial<Broadcast>, audience: (userId: string) => boolean): void {
        this.expire();
        for (const conn of this.conns.values()) {
            if (audience(conn.userId)) {
                this.emit(conn, event, data, broadcast);
            }
        }
    }

    /** Broadcast to the members of a channel. */
    publishToChannel(channelId: string, event: string, data: Record<string, unknown>): void {
        const store = this.deps.store;
        this.publish(event, data, {channel_id: channelId}, (userId) => store.isChannelMember(channelId, userId));
    }

    async close(): Promise<void> {
        this.forgetAll();
        await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    }

    // ---- internals

    private onSocket(ws: WebSocket, req: IncomingMessage, url: URL): void {
        this.sockets.add(ws);
        let conn: Conn | null = null;
        const requestedId = url.searchParams.get('connection_id') ?? '';
        const seqParam = url.searchParams.get('sequence_number');

        ws.on('close', () => {
            this.sockets.delete(ws);
            if (conn && conn.socket === ws) {
                conn.socket = null;
                conn.inactiveSince = Date.now();
            }
        });
        ws.on('error', () => undefined);

        if (requestedId !== '' && (!isValidId(requestedId) || seqParam === null || !/^-?\d+$/.test(seqParam))) {
            // Mattermost fails PopulateWebConnConfig and closes right after the 101.
            ws.close();
            return;
        }
        const seqNum = seqParam === null ? 0 : Number(seqParam);

        const headerToken = parseToken(req);
        const headerSession = headerToken ? this.deps.session(headerToken.token) : undefined;
        let authTimer: NodeJS.Timeout | undefined;
        if (headerSession) {
            conn = this.bind(ws, headerSession.user_id, requestedId, seqNum);
        } else {
            authTimer = setTimeout(() => {
                if (!conn) {
                    ws.close();
                }
            }, this.deps.store.config.websocketAuthTimeoutMs);
            authTimer.unref();
        }

        ws.on('message', (raw) => {
            let msg: {seq?: unknown; action?: unknown; data?: unknown};
            try {
                msg = JSON.parse(raw.toString()) as typeof msg;
            } catch {
                return;
            }
            const seq = typeof msg.seq === 'number' ? msg.seq : 0;
            const action = typeof msg.action === 'string' ? msg.action : '';
            if (action === 'authentication_challenge') {
                if (conn) {
                    return;
                }
                const data = (msg.data ?? {}) as {token?: unknown};
                const session = typeof data.token === 'string' ? this.deps.session(data.token) : undefined;
                if (!session) {
                    ws.close();
                    return;
                }
                clearTimeout(authTimer);
                conn = this.bind(ws, session.user_id, '', 0);
                sendJson(ws, {status: 'OK', seq_reply: seq});
                return;
            }
            if (!conn) {
                sendJson(ws, {
                    status: 'FAIL',
                    seq_reply: seq,
                    error: {
                        id: 'api.web_socket_router.not_authenticated.app_error',
                        message: 'Invalid or expired session, please login again.',
                        detailed_error: '',
                        status_code: 401,
                    },
                });
                return;
            }
            if (action === 'ping') {
                sendJson(ws, {
                    status: 'OK',
                    seq_reply: seq,
                    data: {text: 'pong', version: this.deps.store.config.serverVersion, server_time: Date.now(), node_id: ''},
                });
                return;
            }
            sendJson(ws, {status: 'OK', seq_reply: seq});
        });
    }

    /** Attach an authenticated socket: resume the requested connection when possible, else a fresh one. */
    private bind(ws: WebSocket, userId: string, requestedId: string, seqNum: number): Conn {
        this.expire();
        const old = requestedId !== '' ? this.conns.get(requestedId) : undefined;
        if (old && old.userId === userId && old.socket === null && seqNum > 0) {
            const oldest = old.buffer[0]?.seq ?? old.nextSeq;
            if (seqNum >= oldest && seqNum <= old.nextSeq) {
                old.socket = ws;
                old.inactiveSince = 0;
                for (const item of old.buffer) {
                    if (item.seq >= seqNum) {
                        ws.send(item.text);
                    }
                }
                return old;
            }
        }
        if (old && old.socket === null) {
            this.conns.delete(old.id);
        }
        const conn: Conn = {id: newId(), userId, nextSeq: 0, buffer: [], socket: ws, inactiveSince: 0};
        this.conns.set(conn.id, conn);
        this.emit(conn, 'hello', {
            connection_id: conn.id,
            server_version: `${this.deps.store.config.serverVersion}.standin`,
            server_hostname: '',
        }, {user_id: userId});
        return conn;
    }

    private emit(conn: Conn, event: string, data: Record<string, unknown>, broadcast: Partial<Broadcast>): void {
        const full: WsEvent = {
            event,
            data,
            broadcast: {
                omit_users: null,
                user_id: '',
                channel_id: '',
                team_id: '',
                connection_id: '',
                omit_connection_id: '',
                ...broadcast,
            },
            seq: conn.nextSeq,
        };
        conn.nextSeq += 1;
        const text = JSON.stringify(full);
        conn.buffer.push({seq: full.seq, text});
        if (conn.buffer.length > DEAD_QUEUE_SIZE) {
            conn.buffer.shift();
        }
        if (conn.socket && conn.socket.readyState === WebSocket.OPEN) {
            conn.socket.send(text);
        }
    }

    private expire(): void {
        const cutoff = Date.now() - this.deps.store.config.websocketResumeWindowMs;
        for (const [id, conn] of this.conns) {
            if (conn.socket === null && conn.inactiveSince < cutoff) {
                this.conns.delete(id);
            }
        }
    }
}

function sendJson(ws: WebSocket, value: unknown): void {
    if (ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify(value));
    }
}
