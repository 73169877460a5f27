import {Clock, newId} from './ids.js';
import {
    DEFAULT_CONFIG,
    type ChannelMemberRec,
    type ChannelRec,
    type FileRec,
    type IncomingWebhookRec,
    type OutgoingWebhookRec,
    type PostRec,
    type ReactionRec,
    type StandInConfig,
    type TeamRec,
    type TokenRec,
    type UserRec,
} from './records.js';

/** The whole in-memory server state. Plain data plus lookups; rules live in the services. */
export class Store {
    readonly clock = new Clock();
    config: StandInConfig = {...DEFAULT_CONFIG};

    users = new Map<string, UserRec>();
    teams = new Map<string, TeamRec>();
    teamMembers = new Map<string, Set<string>>();
    channels = new Map<string, ChannelRec>();
    channelMembers = new Map<string, Map<string, ChannelMemberRec>>();
    posts = new Map<string, PostRec>();
    /** Every post id ever created, in creation order (deleted ones included). */
    postOrder: string[] = [];
    postsByChannel = new Map<string, string[]>();
    repliesByRoot = new Map<string, string[]>();
    files = new Map<string, FileRec>();
    /** post id → `user_id|emoji_name` → reaction (removed ones keep delete_at > 0). */
    reactions = new Map<string, Map<string, ReactionRec>>();
    tokens = new Map<string, TokenRec>();
    outgoingHooks = new Map<string, OutgoingWebhookRec>();
    incomingHooks = new Map<string, IncomingWebhookRec>();
    /** pending_post_id → post id ('' while the first request is still saving) and expiry. */
    pendingPostIds = new Map<string, {postId: string; expiresAt: number}>();

    constructor(config?: Partial<StandInConfig>) {
        if (config) {
            this.config = {...DEFAULT_CONFIG, ...config};
        }
    }

    now(): number {
        return this.clock.now();
    }

    reset(): void {
        const config = this.config;
        const fresh = new Store(config);
        Object.assign(this, {...fresh, config, clock: this.clock});
    }

    // ---- users and tokens

    userByUsername(username: string): UserRec | undefined {
        const wanted = username.toLowerCase();
        for (const u of this.users.values()) {
            if (u.username === wanted) {
                return u;
            }
        }
        return undefined;
    }

    userByLogin(loginId: string): UserRec | undefined {
        const wanted = loginId.toLowerCase();
        for (const u of this.users.values()) {
            if (u.username === wanted || (u.email !== '' && u.email.toLowerCase() === wanted)) {
                return u;
            }
        }
        return undefined;
    }

    isAdmin(userId: string): boolean {
        const u = this.users.get(userId);
        return u !== undefined && u.roles.split(/\s+/).includes('system_admin');
    }

    addToken(userId: string, kind: 'pat' | 'session', description = ''): TokenRec {
        const rec: TokenRec = {
            id: newId(),
            token: newId(),
            user_id: userId,
            kind,
            description,
            active: true,
            csrf: newId(),
            create_at: this.now(),
        };
        this.tokens.set(rec.token, rec);
        return rec;
    }

    // ---- teams and channels

    isTeamMember(teamId: string, userId: string): boolean {
        return this.teamMembers.get(teamId)?.has(userId) ?? false;
    }

    addTeamMember(teamId: string, userId: string): void {
        let set = this.teamMembers.get(teamId);
        if (!set) {
            set = new Set();
            this.teamMembers.set(teamId, set);
        }
        set.add(userId);
    }

    teamsOfUser(userId: string): TeamRec[] {
        return [...this.teams.values()].filter((t) => t.delete_at === 0 && this.isTeamMember(t.id, userId));
    }

    isChannelMember(channelId: string, userId: string): boolean {
        return this.channelMembers.get(channelId)?.has(userId) ?? false;
    }

    channelMember(channelId: string, userId: string): ChannelMemberRec | undefined {
        return this.channelMembers.get(channelId)?.get(userId);
    }

    addChannelMember(channelId: string, userId: string): ChannelMemberRec {
        let members = this.channelMembers.get(channelId);
        if (!members) {
            members = new Map();
            this.channelMembers.set(channelId, members);
        }
        const existing = members.get(userId);
        if (existing) {
            return existing;
        }
        const now = this.now();
        const rec: ChannelMemberRec = {
            channel_id: channelId,
            user_id: userId,
            roles: 'channel_user',
            last_viewed_at: 0,
            last_update_at: now,
        };
        members.set(userId, rec);
        const channel = this.channels.get(channelId);
        if (channel && channel.team_id !== '') {
            this.addTeamMember(channel.team_id, userId);
        }
        return rec;
    }

    removeChannelMember(channelId: string, userId: string): boolean {
        return this.channelMembers.get(channelId)?.delete(userId) ?? false;
    }

    channelMemberIds(channelId: string): string[] {
        return [...(this.channelMembers.get(channelId)?.keys() ?? [])];
    }

    channelsOfUser(userId: string): ChannelRec[] {
        return [...this.channels.values()].filter((c) => this.isChannelMember(c.id, userId));
    }

    channelByName(teamId: string, name: string): ChannelRec | undefined {
        for (const c of this.channels.values()) {
            if (c.team_id === teamId && c.name === name) {
                return c;
            }
        }
        return undefined;
    }

    /** The DM channel of two users (the same user twice for a self-DM), created on first use. */
    directChannel(userA: string, userB: string, creatorId: string): ChannelRec {
        const [a, b] = [userA, userB].sort() as [string, string];
        const name = `${a}__${b}`;
        for (const c of this.channels.values()) {
            if (c.type === 'D' && c.name === name) {
                return c;
            }
        }
        const now = this.now();
        const channel: ChannelRec = {
            id: newId(), create_at: now, update_at: now, delete_at: 0, team_id: '', type: 'D', name,
            display_name: '', header: '', purpose: '', creator_id: creatorId, last_post_at: now,
            last_root_post_at: now, total_msg_count: 0, total_msg_count_root: 0,
        };
        this.channels.set(channel.id, channel);
        this.addChannelMember(channel.id, a);
        this.addChannelMember(channel.id, b);
        return channel;
    }

    // ---- posts

    addPost(post: PostRec): void {
        this.posts.set(post.id, post);
        this.postOrder.push(post.id);
        pushTo(this.postsByChannel, post.channel_id, post.id);
        if (post.root_id !== '') {
            pushTo(this.repliesByRoot, post.root_id, post.id);
        }
    }

    channelPosts(channelId: string): PostRec[] {
        return (this.postsByChannel.get(channelId) ?? []).map((id) => this.posts.get(id)!);
    }

    /** Replies of a root, oldest first, deleted ones included. */
    replies(rootId: string): PostRec[] {
        return (this.repliesByRoot.get(rootId) ?? []).map((id) => this.posts.get(id)!);
    }

    replyCount(post: PostRec): number {
        const rootId = post.root_id === '' ? post.id : post.root_id;
        return this.replies(rootId).filter((p) => p.delete_at === 0).length;
    }

    reactionsOf(postId: string): ReactionRec[] {
        return [...(this.reactions.get(postId)?.values() ?? [])]
            .filter((r) => r.delete_at === 0)
            .sort((a, b) => a.create_at - b.create_at);
    }

    getReaction(postId: string, userId: string, emoji: string): ReactionRec | undefined {
        return this.reactions.get(postId)?.get(`${userId}|${emoji}`);
    }

    setReaction(rec: ReactionRec): void {
        let byPost = this.reactions.get(rec.post_id);
        if (!byPost) {
            byPost = new Map();
            this.reactions.set(rec.post_id, byPost);
        }
        byPost.set(`${rec.user_id}|${rec.emoji_name}`, rec);
    }

    allReactions(): ReactionRec[] {
        return [...this.reactions.values()].flatMap((m) => [...m.values()]);
    }

    filesOf(post: PostRec): FileRec[] {
        return post.file_ids.map((id) => this.files.get(id)).filter((f): f is FileRec => f !== undefined);
    }
}

function pushTo(map: Map<string, string[]>, key: string, value: string): void {
    const list = map.get(key);
    if (list) {
        list.push(value);
    } else {
        map.set(key, [value]);
    }
}
