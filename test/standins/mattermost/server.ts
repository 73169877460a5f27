// The Fastify app: cross-cutting behaviour (CORS, auth, faults, counting, Mattermost error shape)
// and the route modules.
import type {Socket} from 'node:net';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, {type FastifyInstance, type FastifyReply, type FastifyRequest} from 'fastify';
import {authenticate, type Caller} from './auth.js';
import {AppError, unauthorized} from './errors.js';
import type {Faults} from './faults.js';
import {newId} from './ids.js';
import type {OutgoingWebhooks} from './outgoing_webhooks.js';
import type {PostActions} from './post_actions.js';
import type {PostService} from './posts.js';
import {registerChannelRoutes} from './routes_channels.js';
import {registerControlRoutes, type Controls} from './routes_control.js';
import {registerFileRoutes} from './routes_files.js';
import {registerHookRoutes} from './routes_hooks.js';
import {registerPostRoutes} from './routes_posts.js';
import {registerUserRoutes} from './routes_users.js';
import type {Store} from './state.js';
import type {WebSocketHub} from './websocket.js';

declare module 'fastify' {
    interface FastifyRequest {
        caller: Caller | null;
        requestId: string;
        /** Date.now() when the request arrived (before any injected latency). */
        receivedAt: number;
        /** performance.now() before which its answer is not sent (an `answer` latency), or 0. */
        answerAt: number;
    }
    interface FastifyContextConfig {
        /** No session needed (ping, login, incoming webhooks). */
        public?: boolean;
    }
}

export interface Deps {
    store: Store;
    faults: Faults;
    hub: WebSocketHub;
    posts: PostService;
    webhooks: OutgoingWebhooks;
    actions: PostActions;
    requests: RequestLog;
}

export interface RequestRecord {
    method: string;
    path: string;
    /** `METHOD /route/:pattern`, the key of requestCounts(). */
    key: string;
    user_id: string | null;
    status: number;
    /** When the answer was sent (0 status: when the connection was dropped or left hanging). */
    at: number;
    /** When the request arrived, before any injected latency (e.g. to check a client waited out Retry-After). */
    received_at: number;
}

/** Every API request received (control routes excluded), for inspection. */
export class RequestLog {
    readonly records: RequestRecord[] = [];
    readonly counts = new Map<string, number>();

    add(record: RequestRecord): void {
        this.records.push(record);
        if (this.records.length > 20_000) {
            this.records.splice(0, this.records.length - 20_000);
        }
        this.counts.set(record.key, (this.counts.get(record.key) ?? 0) + 1);
    }

    clear(): void {
        this.records.length = 0;
        this.counts.clear();
    }
}

const CONTROL_PREFIX = '/_standin/';
const JSON_BODY_LIMIT = 300_000 + 512; // ServiceSettings.MaximumPayloadSizeBytes + 512
const EXPOSED_HEADERS = [
    'Token', 'X-Request-Id', 'X-Version-Id', 'Content-Disposition', 'Retry-After',
    'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset',
].join(', ');

export function requireCaller(req: FastifyRequest): Caller {
    if (!req.caller) {
        throw unauthorized();
    }
    return req.caller;
}

export function buildServer(deps: Deps, controls: Controls): FastifyInstance {
    const {store, faults, requests} = deps;
    const app = Fastify({logger: false, bodyLimit: JSON_BODY_LIMIT});
    const hung = new Set<Socket>();
    faults.onOutageEnd(() => {
        for (const socket of hung) {
            socket.destroy();
        }
        hung.clear();
    });

    app.decorateRequest('caller', null);
    app.decorateRequest('requestId', '');
    app.decorateRequest('receivedAt', 0);
    app.decorateRequest('answerAt', 0);

    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', {parseAs: 'string'}, (_req, body, done) => {
        const text = String(body);
        if (text.trim() === '') {
            done(null, undefined);
            return;
        }
        try {
            done(null, JSON.parse(text));
        } catch {
            done(new AppError(400, 'api.context.invalid_body_param.app_error', 'Invalid or missing body in request body.'), undefined);
        }
    });
    app.addContentTypeParser('*', {parseAs: 'buffer'}, (_req, body, done) => done(null, body));
    void app.register(formbody);
    void app.register(multipart);

    app.addHook('onRequest', async (req, reply) => {
        req.receivedAt = Date.now();
        req.requestId = newId();
        void reply.header('X-Request-Id', req.requestId);
        void reply.header('X-Version-Id', `${store.config.serverVersion}.standin`);
        const origin = req.headers.origin;
        if (origin) {
            void reply.header('Access-Control-Allow-Origin', origin);
            void reply.header('Access-Control-Allow-Credentials', 'true');
            void reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
            void reply.header('Vary', 'Origin');
        }
        const path = req.url.split('?')[0] ?? req.url;
        if (req.method === 'OPTIONS') {
            void reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
            void reply.header('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
            void reply.header('Access-Control-Max-Age', '600');
            return reply.code(204).send();
        }
        if (path.startsWith(CONTROL_PREFIX)) {
            return;
        }
        const info = {method: req.method, path, route: req.routeOptions.url};
        const latency = faults.latencyFor(info);
        if (latency?.mode === 'answer') {
            req.answerAt = performance.now() + latency.ms; // onSend waits for the rest
        } else if (latency) {
            await new Promise((resolve) => setTimeout(resolve, latency.ms));
        }
        const decision = faults.decide(info);
        switch (decision.kind) {
            case 'pass':
                void reply.headers(decision.headers);
                return;
            case 'outage':
                if (decision.mode === '503') {
                    return reply.code(decision.status).type('text/plain; charset=utf-8').send(`${decision.status} Service Unavailable\n`);
                }
                recordHijacked(req);
                reply.hijack();
                if (decision.mode === 'reset') {
                    req.raw.socket.destroy();
                } else {
                    hung.add(req.raw.socket);
                }
                return reply;
            case 'rate_limited':
                return sendLimitExceeded(reply, decision.headers);
            case 'fail':
                if (decision.status === 429) {
                    return sendLimitExceeded(reply, {'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '1', 'Retry-After': '1'});
                }
                throw new AppError(decision.status, decision.id ?? errorIdForStatus(decision.status), 'Fault injected by the Mattermost stand-in.');
        }
    });

    function recordHijacked(req: FastifyRequest): void {
        const path = req.url.split('?')[0] ?? req.url;
        requests.add({method: req.method, path, key: requestKey(req), user_id: null, status: 0, at: Date.now(), received_at: req.receivedAt});
    }

    app.addHook('preHandler', async (req) => {
        if (req.url.startsWith(CONTROL_PREFIX)) {
            return;
        }
        if (req.routeOptions.url === undefined || req.routeOptions.config.public) {
            try {
                req.caller = authenticate(store, req.raw);
            } catch {
                req.caller = null; // an invalid token on a public route continues unauthenticated
            }
            return;
        }
        req.caller = authenticate(store, req.raw);
        if (!req.caller) {
            throw unauthorized();
        }
    });

    app.addHook('onSend', async (req, reply, payload) => {
        // A timer may fire a little early (libuv's cached clock): wait again until the time has come.
        for (let wait = req.answerAt - performance.now(); req.answerAt > 0 && wait > 0; wait = req.answerAt - performance.now()) {
            await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const type = reply.getHeader('content-type');
        if (typeof type === 'string' && type.startsWith('application/json')) {
            void reply.header('content-type', 'application/json');
        }
        return payload;
    });

    app.addHook('onResponse', async (req, reply) => {
        const path = req.url.split('?')[0] ?? req.url;
        if (req.method === 'OPTIONS' || path.startsWith(CONTROL_PREFIX)) {
            return;
        }
        requests.add({
            method: req.method,
            path,
            key: requestKey(req),
            user_id: req.caller?.user.id ?? null,
            status: reply.statusCode,
            at: Date.now(),
            received_at: req.receivedAt,
        });
    });

    app.setErrorHandler((err, req, reply) => {
        const appError = toAppError(err);
        void reply.code(appError.statusCode).type('application/json').send(appError.toJSON(req.requestId));
    });

    app.setNotFoundHandler((req, reply) => {
        const e = new AppError(404, 'api.context.404.app_error');
        void reply.code(404).type('application/json').send(e.toJSON(req.requestId));
    });

    app.get('/api/v4/system/ping', {config: {public: true}}, async () => ({
        status: 'OK',
        ActiveSearchBackend: 'database',
        AndroidLatestVersion: '',
        AndroidMinVersion: '',
        IosLatestVersion: '',
        IosMinVersion: '',
    }));
    app.get('/api/v4/config/client', {config: {public: true}}, async () => ({
        Version: store.config.serverVersion,
        BuildNumber: 'standin',
        SiteURL: '',
        MaxPostSize: String(store.config.maxPostSize),
        MaxFileSize: String(store.config.maxFileSize),
        EnableFileAttachments: 'true',
        ShowEmailAddress: String(store.config.showEmailAddress),
        CollapsedThreads: 'disabled',
        DisableAppBar: String(store.config.disableAppBar),
        DefaultClientLocale: store.config.defaultClientLocale,
    }));

    registerUserRoutes(app, deps);
    registerChannelRoutes(app, deps);
    registerPostRoutes(app, deps);
    registerFileRoutes(app, deps);
    registerHookRoutes(app, deps);
    registerControlRoutes(app, controls);

    app.server.on('upgrade', (req, socket, head) => deps.hub.handleUpgrade(req, socket, head));
    return app;
}

export function requestKey(req: FastifyRequest): string {
    const path = req.url.split('?')[0] ?? req.url;
    return `${req.method} ${req.routeOptions.url ?? path}`;
}

function sendLimitExceeded(reply: FastifyReply, headers: Record<string, string>): FastifyReply {
    return reply
        .code(429)
        .headers(headers)
        .header('X-Content-Type-Options', 'nosniff')
        .type('text/plain; charset=utf-8')
        .send('limit exceeded\n');
}

function errorIdForStatus(status: number): string {
    switch (status) {
        case 400: return 'api.context.invalid_body_param.app_error';
        case 401: return 'api.context.session_expired.app_error';
        case 403: return 'api.context.permissions.app_error';
        case 404: return 'api.context.404.app_error';
        case 413: return 'api.context.request_body_too_large.app_error';
        case 503: return 'api.context.server_busy.app_error';
        default: return 'api.internal_error';
    }
}

function toAppError(err: unknown): AppError {
    if (err instanceof AppError) {
        return err;
    }
    const e = err as {statusCode?: number; code?: string; message?: string};
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.code === 'FST_REQ_FILE_TOO_LARGE' || e.statusCode === 413) {
        return new AppError(413, 'api.context.request_body_too_large.app_error');
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
        return new AppError(e.statusCode, 'api.context.invalid_body_param.app_error', e.message ?? 'Bad request.');
    }
    return new AppError(500, 'api.internal_error', 'Internal server error.', e.message ?? String(err));
}
