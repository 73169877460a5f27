// The HTTP control surface under /_standin/*, so that other processes (a browser test, a bench run)
// can seed, break and inspect the stand-in. No auth, no faults, not counted in requestCounts().
import type {FastifyInstance, FastifyReply} from 'fastify';
import {AppError} from './errors.js';
import {matchFromJson, type OutageMode} from './faults.js';
import type {MattermostStandIn} from './standin.js';

export type Controls = MattermostStandIn;

type Body = Record<string, unknown>;
type P<T extends string> = {Params: Record<T, string>};
type IncludeDeleted = {Querystring: {include_deleted?: string}};

function body(raw: unknown): Body {
    return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Body) : {};
}

function num(value: unknown): number | undefined {
    return typeof value === 'number' ? value : undefined;
}

export function registerControlRoutes(app: FastifyInstance, c: Controls): void {
    void app.register(async (scope) => {
        // Plain errors from the control methods are the caller's mistakes: 400 with the message.
        scope.setErrorHandler((err, _req, reply: FastifyReply) => {
            if (err instanceof AppError) {
                void reply.code(err.statusCode).send(err.toJSON(''));
                return;
            }
            void reply.code(400).send({error: err instanceof Error ? err.message : String(err)});
        });

        scope.get('/info', async () => ({url: c.url, ws_url: c.wsUrl, config: c.config}));
        scope.post('/reset', async () => {
            c.reset();
            return {status: 'OK'};
        });
        scope.post('/seed', async () => c.seedDefault());
        scope.get('/config', async () => c.config);
        scope.put('/config', async (req) => c.setConfig(body(req.body)));

        // seeding
        scope.post('/teams', async (req) => c.createTeam(body(req.body) as never));
        scope.post('/channels', async (req) => c.createChannel(body(req.body) as never));
        scope.post('/users', async (req) => c.createUser(body(req.body) as never));
        scope.post('/bots', async (req) => c.createBot(body(req.body) as never));
        scope.post<P<'user_id'>>('/users/:user_id/deactivate', async (req) => {
            c.deactivateUser(req.params.user_id);
            return {status: 'OK'};
        });
        scope.post('/tokens', async (req) => {
            const b = body(req.body);
            return c.createToken(String(b.user_id ?? ''), typeof b.description === 'string' ? b.description : '');
        });
        scope.get('/tokens', async () => c.tokens());
        scope.delete<P<'token'>>('/tokens/:token', async (req) => ({revoked: c.revokeToken(req.params.token)}));
        scope.post('/sessions', async (req) => c.createSession(String(body(req.body).user_id ?? '')));
        scope.post('/sessions/expire', async (req) => {
            const userId = body(req.body).user_id;
            return {expired: c.expireSessions(typeof userId === 'string' ? userId : undefined)};
        });
        scope.post<P<'team_id'>>('/teams/:team_id/members', async (req) => {
            c.addTeamMember(req.params.team_id, String(body(req.body).user_id ?? ''));
            return {status: 'OK'};
        });
        scope.post<P<'channel_id'>>('/channels/:channel_id/members', async (req) => {
            c.addChannelMember(req.params.channel_id, String(body(req.body).user_id ?? ''));
            return {status: 'OK'};
        });
        scope.delete<P<'channel_id' | 'user_id'>>('/channels/:channel_id/members/:user_id', async (req) =>
            ({removed: c.removeChannelMember(req.params.channel_id, req.params.user_id)}));
        scope.post('/outgoing_webhooks', async (req) => c.createOutgoingWebhook(body(req.body) as never));
        scope.delete<P<'id'>>('/outgoing_webhooks/:id', async (req) => ({deleted: c.deleteOutgoingWebhook(req.params.id)}));
        scope.post('/incoming_webhooks', async (req) => c.createIncomingWebhook(body(req.body) as never));
        scope.delete<P<'id'>>('/incoming_webhooks/:id', async (req) => ({deleted: c.deleteIncomingWebhook(req.params.id)}));
        scope.post('/posts', async (req) => {
            const {user_id: userId, ...post} = body(req.body);
            return c.createPost(String(userId ?? ''), post);
        });
        scope.delete<P<'post_id'>>('/posts/:post_id', async (req) => ({deleted: c.deletePost(req.params.post_id)}));

        // faults
        scope.post('/faults/latency', async (req) => {
            const b = body(req.body);
            c.setLatency(num(b.ms) ?? 0, matchFromJson(b.match), b.mode === 'answer' ? 'answer' : 'before');
            return {status: 'OK'};
        });
        scope.post('/faults/outage', async (req) => {
            const b = body(req.body);
            c.startOutage({
                mode: typeof b.mode === 'string' ? (b.mode as OutageMode) : undefined,
                durationMs: num(b.duration_ms),
                status: num(b.status),
            });
            return {status: 'OK'};
        });
        scope.delete('/faults/outage', async () => {
            c.endOutage();
            return {status: 'OK'};
        });
        scope.post('/faults/fail_next', async (req) => {
            const b = body(req.body);
            c.failNext(num(b.count) ?? 1, num(b.status) ?? 500, {
                match: matchFromJson(b.match),
                id: typeof b.id === 'string' ? b.id : undefined,
            });
            return {status: 'OK'};
        });
        scope.post('/faults/rate_limit', async (req) => {
            const b = body(req.body);
            c.setRateLimit({perSec: num(b.per_sec) ?? 10, burst: num(b.burst) ?? 100});
            return {status: 'OK'};
        });
        scope.delete('/faults/rate_limit', async () => {
            c.setRateLimit(null);
            return {status: 'OK'};
        });
        scope.post('/faults/storm', async (req) => {
            const b = body(req.body);
            c.rateLimitStorm({
                count: num(b.count),
                durationMs: num(b.duration_ms),
                retryAfterSeconds: num(b.retry_after_seconds),
                match: matchFromJson(b.match),
            });
            return {status: 'OK'};
        });
        scope.post('/faults/clear', async () => {
            c.clearFaults();
            return {status: 'OK'};
        });
        scope.post('/websocket/drop', async () => {
            c.dropWebsockets();
            return {status: 'OK'};
        });
        scope.post('/websocket/refuse', async (req) => {
            c.refuseWebsockets(num(body(req.body).duration_ms) ?? 0);
            return {status: 'OK'};
        });
        scope.post('/websocket/forget', async () => {
            c.forgetWebsocketConnections();
            return {status: 'OK'};
        });
        scope.get('/websocket/connections', async () => c.websocketConnections());

        // inspection
        scope.get<P<'channel_id'> & IncludeDeleted>('/channels/:channel_id/posts', async (req) =>
            c.channelPosts(req.params.channel_id, {include_deleted: req.query.include_deleted === 'true'}));
        scope.get<P<'root_id'> & IncludeDeleted>('/threads/:root_id', async (req) =>
            c.thread(req.params.root_id, {include_deleted: req.query.include_deleted === 'true'}));
        scope.get('/posts', async () => c.allPosts());
        scope.get<P<'post_id'>>('/posts/:post_id', async (req, reply) => {
            const post = c.getPost(req.params.post_id);
            return post ?? reply.code(404).send({error: 'no such post'});
        });
        scope.get<{Querystring: {post_id?: string}}>('/reactions', async (req) => c.reactions(req.query.post_id));
        scope.get('/requests', async () => ({counts: c.requestCounts(), log: c.requestLog()}));
        scope.delete('/requests', async () => {
            c.clearRequestLog();
            return {status: 'OK'};
        });
        scope.get('/webhook_calls', async () => c.webhookCalls());
    }, {prefix: '/_standin'});
}
