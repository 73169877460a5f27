// How records are shown to API callers, the way Mattermost prepares them for clients.
import type {
    ChannelMemberRec,
    ChannelRec,
    FileRec,
    PostRec,
    ReactionRec,
    TeamRec,
    UserRec,
} from './records.js';
import {stripIntegrations} from './attachment_actions.js';
import type {Store} from './state.js';

export function userJson(store: Store, user: UserRec, viewerId: string | null): Record<string, unknown> {
    const self = viewerId === user.id;
    const admin = viewerId !== null && store.isAdmin(viewerId);
    const showEmail = store.config.showEmailAddress || self || admin;
    const json: Record<string, unknown> = {
        id: user.id,
        create_at: user.create_at,
        update_at: user.update_at,
        delete_at: user.delete_at,
        username: user.username,
        auth_data: '',
        auth_service: '',
        email: showEmail ? user.email : '',
        email_verified: true,
        nickname: user.nickname,
        first_name: user.first_name,
        last_name: user.last_name,
        position: user.position,
        roles: user.roles,
        props: {},
        notify_props: self ? defaultNotifyProps() : undefined,
        last_password_update: user.create_at,
        locale: user.locale,
        timezone: {automaticTimezone: '', manualTimezone: '', useAutomaticTimezone: 'true'},
        is_bot: user.is_bot,
        disable_welcome_email: false,
    };
    if (user.is_bot) {
        json.bot_description = user.bot_description;
    }
    if (json.notify_props === undefined) {
        delete json.notify_props;
    }
    return json;
}

function defaultNotifyProps(): Record<string, string> {
    return {
        channel: 'true',
        comments: 'never',
        desktop: 'mention',
        desktop_sound: 'true',
        email: 'true',
        first_name: 'false',
        mention_keys: '',
        push: 'mention',
        push_status: 'away',
    };
}

export function teamJson(team: TeamRec): Record<string, unknown> {
    return {
        id: team.id,
        create_at: team.create_at,
        update_at: team.update_at,
        delete_at: team.delete_at,
        display_name: team.display_name,
        name: team.name,
        description: '',
        email: '',
        type: team.type,
        company_name: '',
        allowed_domains: '',
        invite_id: '',
        allow_open_invite: team.type === 'O',
        scheme_id: null,
        group_constrained: null,
        policy_id: null,
        cloud_limits_archived: false,
    };
}

export function channelJson(channel: ChannelRec): Record<string, unknown> {
    return {
        id: channel.id,
        create_at: channel.create_at,
        update_at: channel.update_at,
        delete_at: channel.delete_at,
        team_id: channel.team_id,
        type: channel.type,
        display_name: channel.display_name,
        name: channel.name,
        header: channel.header,
        purpose: channel.purpose,
        last_post_at: channel.last_post_at,
        total_msg_count: channel.total_msg_count,
        extra_update_at: 0,
        creator_id: channel.creator_id,
        scheme_id: null,
        props: null,
        group_constrained: null,
        shared: null,
        total_msg_count_root: channel.total_msg_count_root,
        policy_id: null,
        last_root_post_at: channel.last_root_post_at,
    };
}

export function channelMemberJson(member: ChannelMemberRec, viewerId: string | null): Record<string, unknown> {
    const self = viewerId === member.user_id;
    return {
        channel_id: member.channel_id,
        user_id: member.user_id,
        roles: member.roles,
        last_viewed_at: self ? member.last_viewed_at : -1,
        msg_count: 0,
        mention_count: 0,
        mention_count_root: 0,
        urgent_mention_count: 0,
        msg_count_root: 0,
        notify_props: {
            desktop: 'default',
            email: 'default',
            ignore_channel_mentions: 'default',
            mark_unread: 'all',
            push: 'default',
        },
        last_update_at: self ? member.last_update_at : -1,
        scheme_guest: false,
        scheme_user: true,
        scheme_admin: member.roles.includes('channel_admin'),
        explicit_roles: '',
    };
}

export function fileInfoJson(file: FileRec): Record<string, unknown> {
    const json: Record<string, unknown> = {
        id: file.id,
        user_id: file.user_id,
        channel_id: file.channel_id,
        create_at: file.create_at,
        update_at: file.update_at,
        delete_at: file.delete_at,
        name: file.name,
        extension: file.extension,
        size: file.size,
        mime_type: file.mime_type,
        mini_preview: null,
        remote_id: '',
        archived: false,
    };
    if (file.post_id !== '') {
        json.post_id = file.post_id;
    }
    return json;
}

export function reactionJson(reaction: ReactionRec): Record<string, unknown> {
    return {
        user_id: reaction.user_id,
        post_id: reaction.post_id,
        emoji_name: reaction.emoji_name,
        create_at: reaction.create_at,
        update_at: reaction.update_at,
        delete_at: reaction.delete_at,
        remote_id: '',
        channel_id: reaction.channel_id,
    };
}

export interface PostJsonOptions {
    /** Echoed only in the create response and in the `posted` event. */
    pendingPostId?: string;
    /** Mattermost leaves metadata out of some answers (e.g. a de-duplicated create). */
    metadata?: boolean;
}

/** A post as Mattermost prepares it for clients (PreparePostForClient). */
export function postJson(store: Store, post: PostRec, opts: PostJsonOptions = {}): Record<string, unknown> {
    const deleted = post.delete_at !== 0;
    const json: Record<string, unknown> = {
        id: post.id,
        create_at: post.create_at,
        update_at: post.update_at,
        edit_at: post.edit_at,
        delete_at: post.delete_at,
        is_pinned: post.is_pinned,
        user_id: post.user_id,
        channel_id: post.channel_id,
        root_id: post.root_id,
        original_id: '',
        message: deleted ? '' : post.message,
        type: post.type,
        props: clientProps(post.props),
        hashtags: post.hashtags,
        file_ids: [...post.file_ids],
        pending_post_id: opts.pendingPostId ?? '',
        reply_count: store.replyCount(post),
        last_reply_at: 0,
        participants: null,
    };
    const reactions = store.reactionsOf(post.id);
    if (reactions.length > 0) {
        json.has_reactions = true;
    }
    if (opts.metadata !== false) {
        const metadata: Record<string, unknown> = {};
        const files = store.filesOf(post).filter((f) => f.delete_at === 0);
        if (files.length > 0 && !deleted) {
            metadata.files = files.map(fileInfoJson);
        }
        if (reactions.length > 0) {
            metadata.reactions = reactions.map(reactionJson);
        }
        json.metadata = metadata;
    }
    return json;
}

/** What clients see of a post's props: attachment actions without their `integration` (url, context). */
function clientProps(props: Record<string, unknown>): Record<string, unknown> {
    const copy = structuredClone(props);
    stripIntegrations(copy);
    return copy;
}
