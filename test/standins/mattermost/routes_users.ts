// Users, login/logout, tokens and teams.
import type {FastifyInstance} from 'fastify';
import {readableChannel, resolveUserParam} from './access.js';
import {AppError, forbidden, invalidBody} from './errors.js';
import {teamJson, userJson} from './serialize.js';
import {requireCaller, type Deps} from './server.js';

type P<T extends string> = {Params: Record<T, string>};

export function registerUserRoutes(app: FastifyInstance, {store}: Deps): void {
    app.post('/api/v4/users/login', {config: {public: true}}, async (req, reply) => {
        const body = (req.body ?? {}) as {login_id?: unknown; id?: unknown; password?: unknown};
        const password = typeof body.password === 'string' ? body.password : '';
        const user = typeof body.id === 'string' && body.id !== ''
            ? store.users.get(body.id)
            : typeof body.login_id === 'string' ? store.userByLogin(body.login_id) : undefined;
        if (!user || user.delete_at !== 0 || user.is_bot || user.password === '' || user.password !== password) {
            throw new AppError(401, 'api.user.login.invalid_credentials_email_username');
        }
        const session = store.addToken(user.id, 'session', 'login');
        const cookie = 'Path=/; SameSite=Lax';
        void reply.header('Token', session.token);
        void reply.header('Set-Cookie', [
            `MMAUTHTOKEN=${session.token}; ${cookie}; HttpOnly`,
            `MMUSERID=${user.id}; ${cookie}`,
            `MMCSRF=${session.csrf}; ${cookie}`,
        ]);
        return userJson(store, user, user.id);
    });

    app.post('/api/v4/users/logout', {config: {public: true}}, async (req, reply) => {
        if (req.caller) {
            req.caller.session.active = false;
        }
        void reply.header('Set-Cookie', [
            'MMAUTHTOKEN=; Path=/; Max-Age=0',
            'MMUSERID=; Path=/; Max-Age=0',
            'MMCSRF=; Path=/; Max-Age=0',
        ]);
        return {status: 'OK'};
    });

    // GET /users?in_channel=…: the channel's members (bots and deactivated users included), by
    // username, paged; only the in_channel listing is implemented.
    app.get<{Querystring: {in_channel?: string; page?: string; per_page?: string}}>('/api/v4/users', async (req) => {
        const caller = requireCaller(req);
        const channelId = req.query.in_channel;
        if (!channelId) {
            throw new AppError(501, 'api.context.invalid_param.app_error', 'The stand-in lists users by in_channel only.');
        }
        const channel = readableChannel(store, caller.user.id, channelId);
        const page = Math.max(0, Number(req.query.page ?? 0) || 0);
        const perPage = Math.min(200, Math.max(1, Number(req.query.per_page ?? 60) || 60));
        const members = [...(store.channelMembers.get(channel.id)?.keys() ?? [])]
            .map((id) => store.users.get(id))
            .filter((user) => user !== undefined)
            .sort((a, b) => a.username.localeCompare(b.username));
        return members.slice(page * perPage, (page + 1) * perPage).map((user) => userJson(store, user, caller.user.id));
    });

    app.get<P<'user_id'>>('/api/v4/users/:user_id', async (req) => {
        const caller = requireCaller(req);
        const id = req.params.user_id === 'me' ? caller.user.id : req.params.user_id;
        const user = store.users.get(id);
        if (!user) {
            throw new AppError(404, 'app.user.missing_account.const');
        }
        return userJson(store, user, caller.user.id);
    });

    app.get<P<'username'>>('/api/v4/users/username/:username', async (req) => {
        const caller = requireCaller(req);
        const user = store.userByUsername(req.params.username);
        if (!user) {
            throw new AppError(404, 'app.user.get_by_username.app_error', 'Unable to find an existing account matching your username for this team.');
        }
        return userJson(store, user, caller.user.id);
    });

    // Like api4/user.go getUserByEmail: e-mails hidden from a non-admin caller → 403; none → 404.
    app.get<P<'email'>>('/api/v4/users/email/:email', async (req) => {
        const caller = requireCaller(req);
        if (!store.config.showEmailAddress && !store.isAdmin(caller.user.id)) {
            throw new AppError(403, 'api.user.get_user_by_email.permissions.app_error', 'You do not have the appropriate permissions.');
        }
        const email = req.params.email.toLowerCase();
        const user = [...store.users.values()].find((candidate) => candidate.email.toLowerCase() === email);
        if (!user) {
            throw new AppError(404, 'app.user.missing_account.const', 'Unable to find the user.');
        }
        return userJson(store, user, caller.user.id);
    });

    app.post<{Querystring: {since?: string}}>('/api/v4/users/ids', async (req) => {
        const caller = requireCaller(req);
        const ids = req.body;
        if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) {
            throw invalidBody('user_ids');
        }
        const since = Number(req.query.since ?? 0);
        return [...new Set(ids as string[])]
            .map((id) => store.users.get(id))
            .filter((u) => u !== undefined && u.update_at > since)
            .sort((a, b) => a!.username.localeCompare(b!.username))
            .map((u) => userJson(store, u!, caller.user.id));
    });

    app.post('/api/v4/users/usernames', async (req) => {
        const caller = requireCaller(req);
        const names = req.body;
        if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
            throw invalidBody('usernames');
        }
        return (names as string[])
            .map((n) => store.userByUsername(n))
            .filter((u) => u !== undefined)
            .map((u) => userJson(store, u!, caller.user.id));
    });

    app.post<P<'user_id'>>('/api/v4/users/:user_id/tokens', async (req, reply) => {
        const caller = requireCaller(req);
        const userId = resolveUserParam(store, caller.user.id, req.params.user_id, true);
        if (!store.users.has(userId)) {
            throw new AppError(404, 'app.user.missing_account.const');
        }
        const body = (req.body ?? {}) as {description?: unknown};
        const rec = store.addToken(userId, 'pat', typeof body.description === 'string' ? body.description : '');
        void reply.code(200);
        return {id: rec.id, token: rec.token, user_id: rec.user_id, description: rec.description, is_active: true};
    });

    app.post('/api/v4/users/tokens/revoke', async (req) => {
        const caller = requireCaller(req);
        const body = (req.body ?? {}) as {token_id?: unknown};
        const rec = [...store.tokens.values()].find((t) => t.kind === 'pat' && t.id === body.token_id);
        if (!rec) {
            throw new AppError(404, 'app.user_access_token.get_by_user.app_error');
        }
        if (rec.user_id !== caller.user.id && !store.isAdmin(caller.user.id)) {
            throw forbidden();
        }
        rec.active = false;
        return {status: 'OK'};
    });

    app.get<P<'user_id'>>('/api/v4/users/:user_id/teams', async (req) => {
        const caller = requireCaller(req);
        const userId = resolveUserParam(store, caller.user.id, req.params.user_id, true);
        return store.teamsOfUser(userId).map(teamJson);
    });

    app.get<P<'team_id'>>('/api/v4/teams/:team_id', async (req) => {
        const caller = requireCaller(req);
        const team = store.teams.get(req.params.team_id);
        if (!team || team.delete_at !== 0) {
            throw new AppError(404, 'app.team.get.find.app_error');
        }
        if (!store.isTeamMember(team.id, caller.user.id) && !store.isAdmin(caller.user.id)) {
            throw forbidden();
        }
        return teamJson(team);
    });
}
