// Channels, channel members and direct channels.
import type {FastifyInstance} from 'fastify';
import {canPostInChannel, readableChannel, resolveUserParam} from './access.js';
import {AppError, forbidden, invalidBody} from './errors.js';
import {isValidId} from './ids.js';
import type {ChannelRec} from './records.js';
import {channelJson, channelMemberJson} from './serialize.js';
import {requireCaller, type Deps} from './server.js';

type P<T extends string> = {Params: Record<T, string>};
type IncludeDeleted = {Querystring: {include_deleted?: string}};

export function registerChannelRoutes(app: FastifyInstance, {store}: Deps): void {
    const visible = (c: ChannelRec, includeDeleted: boolean): boolean => includeDeleted || c.delete_at === 0;
    const byDisplayName = (a: ChannelRec, b: ChannelRec): number => a.display_name.localeCompare(b.display_name) || a.name.localeCompare(b.name);

    // All channels of a user across teams (server >= 6.1). Mattermost streams this array; when the
    // user has no channel at all it has already written `[` and then appends an error, so the body
    // does not parse. The stand-in reproduces that.
    app.get<P<'user_id'> & IncludeDeleted>('/api/v4/users/:user_id/channels', async (req, reply) => {
        const caller = requireCaller(req);
        const userId = resolveUserParam(store, caller.user.id, req.params.user_id, true);
        const includeDeleted = req.query.include_deleted === 'true';
        const channels = store.channelsOfUser(userId)
            .filter((c) => visible(c, includeDeleted))
            .filter((c) => c.team_id === '' || includeDeleted || store.teams.get(c.team_id)?.delete_at === 0)
            .sort((a, b) => a.id.localeCompare(b.id));
        if (channels.length === 0) {
            const err = new AppError(404, 'app.channel.get_channels.not_found.app_error', 'No channels were found.');
            return reply.type('application/json').send(`[${JSON.stringify(err.toJSON(req.requestId))}`);
        }
        return reply.type('application/json').send(`[${channels.map((c) => JSON.stringify(channelJson(c))).join('\n,')}]`);
    });

    // Channels of a user in one team, DMs and GMs included; none at all is a 404.
    app.get<P<'user_id' | 'team_id'> & IncludeDeleted>('/api/v4/users/:user_id/teams/:team_id/channels', async (req) => {
        const caller = requireCaller(req);
        const userId = resolveUserParam(store, caller.user.id, req.params.user_id, true);
        if (!store.isTeamMember(req.params.team_id, caller.user.id) && !store.isAdmin(caller.user.id)) {
            throw forbidden();
        }
        const includeDeleted = req.query.include_deleted === 'true';
        const channels = store.channelsOfUser(userId)
            .filter((c) => (c.team_id === req.params.team_id || c.team_id === '') && visible(c, includeDeleted))
            .sort(byDisplayName);
        if (channels.length === 0) {
            throw new AppError(404, 'app.channel.get_channels.not_found.app_error', 'No channels were found.');
        }
        return channels.map(channelJson);
    });

    app.get<P<'channel_id'>>('/api/v4/channels/:channel_id', async (req) => {
        const caller = requireCaller(req);
        return channelJson(readableChannel(store, caller.user.id, req.params.channel_id));
    });

    app.get<P<'channel_id'>>('/api/v4/channels/:channel_id/members', async (req) => {
        const caller = requireCaller(req);
        const channel = readableChannel(store, caller.user.id, req.params.channel_id);
        return [...(store.channelMembers.get(channel.id)?.values() ?? [])].map((m) => channelMemberJson(m, caller.user.id));
    });

    app.get<P<'channel_id' | 'user_id'>>('/api/v4/channels/:channel_id/members/:user_id', async (req) => {
        const caller = requireCaller(req);
        const channel = readableChannel(store, caller.user.id, req.params.channel_id);
        const userId = req.params.user_id === 'me' ? caller.user.id : req.params.user_id;
        const member = store.channelMember(channel.id, userId);
        if (!member) {
            throw new AppError(404, 'app.channel.get_member.missing.app_error', 'No channel member found for that user ID and channel ID.');
        }
        return channelMemberJson(member, caller.user.id);
    });

    app.post<P<'channel_id'>>('/api/v4/channels/:channel_id/members', async (req, reply) => {
        const caller = requireCaller(req);
        const body = (req.body ?? {}) as {user_id?: unknown};
        if (typeof body.user_id !== 'string' || !store.users.has(body.user_id)) {
            throw invalidBody('user_id');
        }
        const channel = store.channels.get(req.params.channel_id);
        if (!channel) {
            throw new AppError(404, 'app.channel.get.existing.app_error');
        }
        if (channel.type === 'D' || channel.type === 'G') {
            throw new AppError(400, 'api.channel.add_user_to_channel.type.app_error');
        }
        const selfJoinPublic = body.user_id === caller.user.id && channel.type === 'O' && store.isTeamMember(channel.team_id, caller.user.id);
        if (!selfJoinPublic && !canPostInChannel(store, caller.user.id, channel)) {
            throw forbidden();
        }
        const member = store.addChannelMember(channel.id, body.user_id);
        void reply.code(201);
        return channelMemberJson(member, caller.user.id);
    });

    app.delete<P<'channel_id' | 'user_id'>>('/api/v4/channels/:channel_id/members/:user_id', async (req) => {
        const caller = requireCaller(req);
        const channel = store.channels.get(req.params.channel_id);
        if (!channel) {
            throw new AppError(404, 'app.channel.get.existing.app_error');
        }
        if (channel.type === 'D' || channel.type === 'G') {
            throw new AppError(400, 'api.channel.remove_channel_member.type.app_error');
        }
        const userId = req.params.user_id === 'me' ? caller.user.id : req.params.user_id;
        if (userId !== caller.user.id && !canPostInChannel(store, caller.user.id, channel)) {
            throw forbidden();
        }
        store.removeChannelMember(channel.id, userId);
        return {status: 'OK'};
    });

    // Get or create the DM between two users: 201 with the same channel every time.
    app.post('/api/v4/channels/direct', async (req, reply) => {
        const caller = requireCaller(req);
        const ids = req.body;
        if (!Array.isArray(ids) || ids.some((id) => !isValidId(id))) {
            throw invalidBody('user_ids');
        }
        const unique = [...new Set(ids as string[])];
        if (ids.length < 1 || ids.length > 2 || unique.some((id) => !store.users.has(id))) {
            throw invalidBody('user_ids');
        }
        if (!unique.includes(caller.user.id) && !store.isAdmin(caller.user.id)) {
            throw forbidden();
        }
        const channel = store.directChannel(unique[0]!, unique[1] ?? unique[0]!, caller.user.id);
        void reply.code(201);
        return channelJson(channel);
    });
}
