// The stand-in: a real HTTP + websocket server with in-process seeding, faults and inspection.
import type {AddressInfo} from 'node:net';
import type {FastifyInstance} from 'fastify';
import {liveSession} from './auth.js';
import {AppError} from './errors.js';
import {Faults, type FailNextOptions, type FaultMatch, type LatencyMode, type OutageOptions, type RateLimitOptions, type StormOptions} from './faults.js';
import {newId} from './ids.js';
import {OutgoingWebhooks, type WebhookCall} from './outgoing_webhooks.js';
import {PostActions, type ActionCall} from './post_actions.js';
import {PostService, type CreatePostInput} from './posts.js';
import type {
    ChannelRec,
    ChannelType,
    IncomingWebhookRec,
    OutgoingWebhookRec,
    PostRec,
    ReactionRec,
    StandInConfig,
    TeamRec,
    TokenRec,
    UserRec,
} from './records.js';
import {buildServer, RequestLog, type RequestRecord} from './server.js';
import {Store} from './state.js';
import {WebSocketHub, type WsConnectionInfo} from './websocket.js';

export interface StartOptions {
    host?: string;
    /** 0 (default) picks a free port. */
    port?: number;
    config?: Partial<StandInConfig>;
}

export interface NewUser {
    username: string;
    email?: string;
    password?: string;
    /** Space-separated, as Mattermost stores them (default `system_user`). */
    roles?: string;
    first_name?: string;
    last_name?: string;
    nickname?: string;
    position?: string;
    team_ids?: string[];
}

export interface NewBot {
    username: string;
    display_name?: string;
    description?: string;
    owner_id?: string;
    /** `system_user` by default; add `system_admin` to let the bot see e-mails when they are hidden. */
    roles?: string;
    team_ids?: string[];
}

export interface NewChannel {
    team_id: string;
    name: string;
    display_name?: string;
    type?: Extract<ChannelType, 'O' | 'P'>;
    header?: string;
    purpose?: string;
    creator_id?: string;
}

export interface NewOutgoingWebhook {
    channel_id?: string;
    /** Defaults to the channel's team. */
    team_id?: string;
    callback_urls: string[];
    /** `application/json` for JSON; anything else (default) is form-encoded. */
    content_type?: string;
    trigger_words?: string[];
    trigger_when?: 0 | 1;
    creator_id?: string;
    token?: string;
    display_name?: string;
    username?: string;
    icon_url?: string;
}

export interface NewIncomingWebhook {
    channel_id: string;
    /** The user posts are made as (defaults to the first system admin, else the first user). */
    user_id?: string;
    display_name?: string;
    username?: string;
    icon_url?: string;
    channel_locked?: boolean;
}

export interface Seed {
    team: TeamRec;
    channel: ChannelRec;
    private_channel: ChannelRec;
    notification_channel: ChannelRec;
    admin: {user: UserRec; token: string; password: string};
    agent: {user: UserRec; token: string; password: string};
    agent2: {user: UserRec; token: string; password: string};
    bot: {user: UserRec; token: string};
}

export class MattermostStandIn {
    readonly store: Store;
    readonly faults = new Faults();
    readonly requests = new RequestLog();
    readonly hub: WebSocketHub;
    readonly posts: PostService;
    readonly webhooks: OutgoingWebhooks;
    readonly actions: PostActions;
    private app!: FastifyInstance;
    /** `http://127.0.0.1:<port>` (no trailing slash). */
    url = '';
    /** `ws://127.0.0.1:<port>/api/v4/websocket`. */
    wsUrl = '';

    private constructor(config?: Partial<StandInConfig>) {
        this.store = new Store(config);
        this.hub = new WebSocketHub({
            store: this.store,
            session: (token) => liveSession(this.store, token),
            refusing: () => this.faults.activeOutage() !== null,
            onUpgrade: () => this.requests.counts.set('GET /api/v4/websocket', (this.requests.counts.get('GET /api/v4/websocket') ?? 0) + 1),
        });
        this.posts = new PostService(this.store, this.hub);
        this.webhooks = new OutgoingWebhooks(this.store, this.posts);
        this.posts.onPosted((post, channel, author) => this.webhooks.handlePost(post, channel, author));
        this.actions = new PostActions(this.store, this.posts, this.hub);
    }

    static async start(opts: StartOptions = {}): Promise<MattermostStandIn> {
        const standIn = new MattermostStandIn(opts.config);
        standIn.app = buildServer({
            store: standIn.store,
            faults: standIn.faults,
            hub: standIn.hub,
            posts: standIn.posts,
            webhooks: standIn.webhooks,
            actions: standIn.actions,
            requests: standIn.requests,
        }, standIn);
        await standIn.app.listen({host: opts.host ?? '127.0.0.1', port: opts.port ?? 0});
        const address = standIn.app.server.address() as AddressInfo;
        const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        standIn.url = `http://${host}:${address.port}`;
        standIn.wsUrl = `ws://${host}:${address.port}/api/v4/websocket`;
        return standIn;
    }

    async close(): Promise<void> {
        this.faults.clear();
        this.webhooks.abortAll();
        this.actions.abortAll();
        await this.hub.close();
        await this.app.close();
    }

    /** Forget all data, faults, logs and websocket connections (the config is kept). */
    reset(): void {
        this.store.reset();
        this.faults.clear();
        this.requests.clear();
        this.webhooks.calls.length = 0;
        this.actions.calls.length = 0;
        this.hub.forgetAll();
    }

    get config(): Readonly<StandInConfig> {
        return this.store.config;
    }

    setConfig(patch: Partial<StandInConfig>): StandInConfig {
        Object.assign(this.store.config, patch);
        return {...this.store.config};
    }

    /** PrivacySettings.ShowEmailAddress. */
    setShowEmailAddress(show: boolean): void {
        this.store.config.showEmailAddress = show;
    }

    // ---- seeding

    createTeam(input: {name: string; display_name?: string; type?: 'O' | 'I'}): TeamRec {
        const now = this.store.now();
        const team: TeamRec = {
            id: newId(), create_at: now, update_at: now, delete_at: 0,
            name: input.name, display_name: input.display_name ?? input.name, type: input.type ?? 'O',
        };
        this.store.teams.set(team.id, team);
        return team;
    }

    createChannel(input: NewChannel): ChannelRec {
        if (!this.store.teams.has(input.team_id)) {
            throw new Error(`unknown team ${input.team_id}`);
        }
        const now = this.store.now();
        const channel: ChannelRec = {
            id: newId(), create_at: now, update_at: now, delete_at: 0,
            team_id: input.team_id, type: input.type ?? 'O', name: input.name,
            display_name: input.display_name ?? input.name, header: input.header ?? '', purpose: input.purpose ?? '',
            creator_id: input.creator_id ?? '', last_post_at: now, last_root_post_at: now,
            total_msg_count: 0, total_msg_count_root: 0,
        };
        this.store.channels.set(channel.id, channel);
        return channel;
    }

    createUser(input: NewUser): UserRec {
        return this.addUser({
            username: input.username,
            email: input.email ?? `${input.username}@example.com`,
            password: input.password ?? '',
            roles: input.roles ?? 'system_user',
            first_name: input.first_name ?? '',
            last_name: input.last_name ?? '',
            nickname: input.nickname ?? '',
            position: input.position ?? '',
            is_bot: false,
            bot_description: '',
            bot_owner_id: '',
        }, input.team_ids);
    }

    /** A bot account (is_bot, no password; authenticate with createToken). */
    createBot(input: NewBot): UserRec {
        return this.addUser({
            username: input.username,
            email: '',
            password: '',
            roles: input.roles ?? 'system_user',
            first_name: input.display_name ?? '',
            last_name: '',
            nickname: '',
            position: '',
            is_bot: true,
            bot_description: input.description ?? '',
            bot_owner_id: input.owner_id ?? '',
        }, input.team_ids);
    }

    deactivateUser(userId: string): void {
        const user = this.mustUser(userId);
        user.delete_at = this.store.now();
        user.update_at = user.delete_at;
    }

    /** A personal access token for the user. */
    createToken(userId: string, description = ''): {id: string; token: string; user_id: string} {
        this.mustUser(userId);
        const rec = this.store.addToken(userId, 'pat', description);
        return {id: rec.id, token: rec.token, user_id: rec.user_id};
    }

    /** A login session for the user (as POST /users/login would make), with its CSRF token. */
    createSession(userId: string): {token: string; csrf: string; user_id: string} {
        this.mustUser(userId);
        const rec = this.store.addToken(userId, 'session', 'control');
        return {token: rec.token, csrf: rec.csrf, user_id: userId};
    }

    /** Revoke a token (by token string or token id): further use answers 401. */
    revokeToken(tokenOrId: string): boolean {
        const rec = this.findToken(tokenOrId);
        if (!rec) {
            return false;
        }
        rec.active = false;
        return true;
    }

    /** Expire login sessions (all, or one user's); personal access tokens are not affected. */
    expireSessions(userId?: string): number {
        let n = 0;
        for (const rec of this.store.tokens.values()) {
            if (rec.kind === 'session' && rec.active && (userId === undefined || rec.user_id === userId)) {
                rec.active = false;
                n += 1;
            }
        }
        return n;
    }

    addTeamMember(teamId: string, userId: string): void {
        this.mustUser(userId);
        this.store.addTeamMember(teamId, userId);
    }

    addChannelMember(channelId: string, userId: string): void {
        this.mustUser(userId);
        if (!this.store.channels.has(channelId)) {
            throw new Error(`unknown channel ${channelId}`);
        }
        this.store.addChannelMember(channelId, userId);
    }

    /** Removes a user from a team and, as Mattermost does, from the team's channels. */
    removeTeamMember(teamId: string, userId: string): boolean {
        for (const channel of this.store.channels.values()) {
            if (channel.team_id === teamId) {
                this.store.removeChannelMember(channel.id, userId);
            }
        }
        return this.store.teamMembers.get(teamId)?.delete(userId) ?? false;
    }

    removeChannelMember(channelId: string, userId: string): boolean {
        return this.store.removeChannelMember(channelId, userId);
    }

    /** Delete a channel permanently (as `DELETE /api/v4/channels/{id}?permanent=true`): it answers 404 afterwards. */
    deleteChannel(channelId: string): boolean {
        this.store.channelMembers.delete(channelId);
        return this.store.channels.delete(channelId);
    }

    createOutgoingWebhook(input: NewOutgoingWebhook): OutgoingWebhookRec {
        const channel = input.channel_id ? this.store.channels.get(input.channel_id) : undefined;
        if (input.channel_id && !channel) {
            throw new Error(`unknown channel ${input.channel_id}`);
        }
        if (channel && channel.type !== 'O') {
            // Mattermost refuses outgoing webhooks on private channels (403).
            throw new AppError(403, 'api.webhook.create_outgoing.not_open.app_error', 'Outgoing webhooks can only be created for public channels.');
        }
        const teamId = input.team_id ?? channel?.team_id ?? '';
        if (!this.store.teams.has(teamId)) {
            throw new Error('an outgoing webhook needs a team_id or a channel_id');
        }
        if (!channel && (input.trigger_words ?? []).length === 0) {
            throw new AppError(400, 'api.webhook.create_outgoing.triggers.app_error', 'Either trigger_words or channel_id must be set.');
        }
        const hook: OutgoingWebhookRec = {
            id: newId(),
            token: input.token ?? newId(),
            create_at: this.store.now(),
            creator_id: input.creator_id ?? this.defaultUserId(),
            team_id: teamId,
            channel_id: input.channel_id ?? '',
            trigger_words: input.trigger_words ?? [],
            trigger_when: input.trigger_when ?? 0,
            callback_urls: input.callback_urls,
            content_type: input.content_type ?? 'application/x-www-form-urlencoded',
            display_name: input.display_name ?? '',
            description: '',
            username: input.username ?? '',
            icon_url: input.icon_url ?? '',
        };
        this.store.outgoingHooks.set(hook.id, hook);
        return hook;
    }

    deleteOutgoingWebhook(id: string): boolean {
        return this.store.outgoingHooks.delete(id);
    }

    createIncomingWebhook(input: NewIncomingWebhook): IncomingWebhookRec & {url: string} {
        const channel = this.store.channels.get(input.channel_id);
        if (!channel) {
            throw new Error(`unknown channel ${input.channel_id}`);
        }
        const hook: IncomingWebhookRec = {
            id: newId(),
            create_at: this.store.now(),
            user_id: input.user_id ?? this.defaultUserId(),
            team_id: channel.team_id,
            channel_id: channel.id,
            display_name: input.display_name ?? '',
            description: '',
            username: input.username ?? '',
            icon_url: input.icon_url ?? '',
            channel_locked: input.channel_locked ?? false,
        };
        this.store.incomingHooks.set(hook.id, hook);
        return {...hook, url: `${this.url}/hooks/${hook.id}`};
    }

    deleteIncomingWebhook(id: string): boolean {
        return this.store.incomingHooks.delete(id);
    }

    /** Post as a user with the REST rules (permissions, events, outgoing webhooks). Throws AppError. */
    createPost(userId: string, input: CreatePostInput): Record<string, unknown> {
        return this.posts.createAsUser(this.mustUser(userId), input).json;
    }

    /** Edit a post's message as a user with the REST rules (`PUT /posts/{id}/patch`: own posts; sets `edit_at`, publishes `post_edited`). Throws AppError. */
    editPost(userId: string, postId: string, message: string): Record<string, unknown> {
        return this.posts.patch(this.mustUser(userId), postId, {message});
    }

    /** Delete a post (and its replies, for a root) as an admin or moderator would. */
    deletePost(postId: string, deleterId?: string): boolean {
        const post = this.store.posts.get(postId);
        if (!post || post.delete_at !== 0) {
            return false;
        }
        this.posts.softDelete(post, deleterId ?? post.user_id);
        return true;
    }

    /** A standard scenario: one team, three channels, an admin, two agents and a bot, with tokens. */
    seedDefault(): Seed {
        const team = this.createTeam({name: 'holiday-park', display_name: 'Holiday Park'});
        const admin = this.createUser({username: 'admin', email: 'admin@example.com', password: 'Admin-pass-1', roles: 'system_user system_admin', team_ids: [team.id]});
        const agent = this.createUser({username: 'anna', email: 'anna@example.com', password: 'Anna-pass-1', first_name: 'Anna', last_name: 'Agent', team_ids: [team.id]});
        const agent2 = this.createUser({username: 'ben', email: 'ben@example.com', password: 'Ben-pass-1', first_name: 'Ben', last_name: 'Backup', team_ids: [team.id]});
        const bot = this.createBot({username: 'ireserve-bot', display_name: 'i-Reserve', owner_id: admin.id, team_ids: [team.id]});
        const channel = this.createChannel({team_id: team.id, name: 'support', display_name: 'Support', creator_id: admin.id});
        const privateChannel = this.createChannel({team_id: team.id, name: 'support-private', display_name: 'Support (private)', type: 'P', creator_id: admin.id});
        const notifications = this.createChannel({team_id: team.id, name: 'bookings', display_name: 'Bookings', creator_id: admin.id});
        for (const c of [channel, privateChannel, notifications]) {
            for (const u of [admin, agent, agent2, bot]) {
                this.store.addChannelMember(c.id, u.id);
            }
        }
        return {
            team,
            channel,
            private_channel: privateChannel,
            notification_channel: notifications,
            admin: {user: admin, token: this.createToken(admin.id).token, password: 'Admin-pass-1'},
            agent: {user: agent, token: this.createToken(agent.id).token, password: 'Anna-pass-1'},
            agent2: {user: agent2, token: this.createToken(agent2.id).token, password: 'Ben-pass-1'},
            bot: {user: bot, token: this.createToken(bot.id).token},
        };
    }

    // ---- faults

    /** Add `ms` of latency to every (matching) request, before it is handled or (`answer`) by when it is answered. 0 removes it. */
    setLatency(ms: number, match?: FaultMatch, mode?: LatencyMode): void {
        this.faults.setLatency(ms, match, mode);
    }

    /** Outage: 503s (default), socket resets, or hanging requests; websocket upgrades are refused too. */
    startOutage(options: OutageOptions = {}): void {
        this.faults.startOutage(options);
        this.hub.dropAll();
    }

    endOutage(): void {
        this.faults.endOutage();
    }

    failNext(count: number, status: number, options?: FailNextOptions): void {
        this.faults.failNext(count, status, options);
    }

    /** The next `count` requests (or all for `durationMs`) get 429 `limit exceeded`. */
    rateLimitStorm(options: StormOptions): void {
        this.faults.rateLimitStorm(options);
    }

    /** Mattermost's rate limiter (off by default; Mattermost's own defaults are 10/s, burst 100). */
    setRateLimit(options: RateLimitOptions | null): void {
        this.faults.setRateLimit(options);
    }

    clearFaults(): void {
        this.faults.clear();
        this.hub.refuseFor(0);
    }

    /** Cut every websocket; clients may resume with connection_id + sequence_number. */
    dropWebsockets(): void {
        this.hub.dropAll();
    }

    /** Answer websocket upgrades with 503 for `ms` milliseconds. */
    refuseWebsockets(ms: number): void {
        this.hub.refuseFor(ms);
    }

    /** Drop every websocket and forget the connections (as a restart would): the next connect gets a new hello. */
    forgetWebsocketConnections(): void {
        this.hub.forgetAll();
    }

    // ---- inspection (records are copies; deleted posts keep their message here)

    getPost(postId: string): PostRec | undefined {
        const post = this.store.posts.get(postId);
        return post ? clone(post) : undefined;
    }

    /** Posts of a channel, oldest first (deleted ones only with include_deleted). */
    channelPosts(channelId: string, opts: {include_deleted?: boolean} = {}): PostRec[] {
        return this.store.channelPosts(channelId).filter((p) => opts.include_deleted || p.delete_at === 0).map(clone);
    }

    /** A thread: the root then its replies, oldest first (deleted ones only with include_deleted). */
    thread(rootId: string, opts: {include_deleted?: boolean} = {}): PostRec[] {
        const root = this.store.posts.get(rootId);
        const all = [...(root ? [root] : []), ...this.store.replies(rootId)];
        return all.filter((p) => opts.include_deleted || p.delete_at === 0).map(clone);
    }

    /** Every post ever created, in creation order, deleted ones included (to look for duplicates). */
    allPosts(): PostRec[] {
        return this.store.postOrder.map((id) => clone(this.store.posts.get(id)!));
    }

    /** Live reactions (of one post, or all). */
    reactions(postId?: string): ReactionRec[] {
        return (postId === undefined ? this.store.allReactions() : this.store.reactionsOf(postId))
            .filter((r) => r.delete_at === 0)
            .map((r) => ({...r}));
    }

    /** Number of API requests per `METHOD /route/pattern` (control routes excluded). */
    requestCounts(): Record<string, number> {
        return Object.fromEntries(this.requests.counts);
    }

    requestLog(): RequestRecord[] {
        return [...this.requests.records];
    }

    clearRequestLog(): void {
        this.requests.clear();
    }

    /** Outgoing webhook calls made so far (with their outcome once `done`). */
    webhookCalls(): WebhookCall[] {
        return this.webhooks.calls.map((c) => ({...c}));
    }

    /** Action clicks forwarded to integrations so far (with their outcome once `done`). */
    actionCalls(): ActionCall[] {
        return this.actions.calls.map((c) => ({...c}));
    }

    websocketConnections(): WsConnectionInfo[] {
        return this.hub.connections();
    }

    tokens(): Omit<TokenRec, 'csrf'>[] {
        return [...this.store.tokens.values()].map(({csrf: _csrf, ...rest}) => rest);
    }

    /** Poll `check` until it returns a truthy value (returned), or throw after `timeoutMs`. */
    async waitFor<T>(check: () => T | Promise<T>, opts: {timeoutMs?: number; intervalMs?: number; what?: string} = {}): Promise<NonNullable<T>> {
        return pollUntil(check, opts);
    }

    // ---- helpers

    private addUser(fields: Omit<UserRec, 'id' | 'create_at' | 'update_at' | 'delete_at' | 'locale'>, teamIds: string[] = []): UserRec {
        const username = fields.username.toLowerCase();
        if (this.store.userByUsername(username)) {
            throw new Error(`username ${username} is taken`);
        }
        const now = this.store.now();
        const user: UserRec = {...fields, username, id: newId(), create_at: now, update_at: now, delete_at: 0, locale: 'en'};
        this.store.users.set(user.id, user);
        for (const teamId of teamIds) {
            this.store.addTeamMember(teamId, user.id);
        }
        return user;
    }

    private mustUser(userId: string): UserRec {
        const user = this.store.users.get(userId);
        if (!user) {
            throw new Error(`unknown user ${userId}`);
        }
        return user;
    }

    private findToken(tokenOrId: string): TokenRec | undefined {
        return this.store.tokens.get(tokenOrId) ?? [...this.store.tokens.values()].find((t) => t.id === tokenOrId);
    }

    private defaultUserId(): string {
        const users = [...this.store.users.values()];
        const admin = users.find((u) => this.store.isAdmin(u.id) && !u.is_bot) ?? users[0];
        if (!admin) {
            throw new Error('create a user first');
        }
        return admin.id;
    }
}

function clone<T>(value: T): T {
    return structuredClone(value);
}

/** Bounded polling: resolves with the first truthy value of `check`, rejects after `timeoutMs` (default 5 s). */
export async function pollUntil<T>(check: () => T | Promise<T>, opts: {timeoutMs?: number; intervalMs?: number; what?: string} = {}): Promise<NonNullable<T>> {
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    for (;;) {
        const value = await check();
        if (value) {
            return value as NonNullable<T>;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${opts.what ?? 'condition'}`);
        }
        await new Promise((resolve) => setTimeout(resolve, opts.intervalMs ?? 10));
    }
}
