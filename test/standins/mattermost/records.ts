// Records kept by the stand-in. Field names follow Mattermost's JSON so that they serialise as-is.

export type ChannelType = 'O' | 'P' | 'D' | 'G';

export interface UserRec {
    id: string;
    create_at: number;
    update_at: number;
    delete_at: number;
    username: string;
    email: string;
    first_name: string;
    last_name: string;
    nickname: string;
    position: string;
    roles: string;
    locale: string;
    is_bot: boolean;
    bot_description: string;
    bot_owner_id: string;
    password: string;
}

export interface TeamRec {
    id: string;
    create_at: number;
    update_at: number;
    delete_at: number;
    name: string;
    display_name: string;
    type: 'O' | 'I';
}

export interface ChannelRec {
    id: string;
    create_at: number;
    update_at: number;
    delete_at: number;
    team_id: string;
    type: ChannelType;
    name: string;
    display_name: string;
    header: string;
    purpose: string;
    creator_id: string;
    last_post_at: number;
    last_root_post_at: number;
    total_msg_count: number;
    total_msg_count_root: number;
}

export interface ChannelMemberRec {
    channel_id: string;
    user_id: string;
    roles: string;
    last_viewed_at: number;
    last_update_at: number;
}

export interface PostRec {
    id: string;
    create_at: number;
    update_at: number;
    edit_at: number;
    delete_at: number;
    is_pinned: boolean;
    user_id: string;
    channel_id: string;
    root_id: string;
    message: string;
    type: string;
    props: Record<string, unknown>;
    hashtags: string;
    file_ids: string[];
}

export interface FileRec {
    id: string;
    user_id: string;
    channel_id: string;
    post_id: string;
    create_at: number;
    update_at: number;
    delete_at: number;
    name: string;
    extension: string;
    size: number;
    mime_type: string;
    data: Buffer;
}

export interface ReactionRec {
    user_id: string;
    post_id: string;
    emoji_name: string;
    channel_id: string;
    create_at: number;
    update_at: number;
    delete_at: number;
}

/** A personal access token or a login session: both map a bearer token to a user. */
export interface TokenRec {
    id: string;
    token: string;
    user_id: string;
    kind: 'pat' | 'session';
    description: string;
    active: boolean;
    csrf: string;
    create_at: number;
}

export interface OutgoingWebhookRec {
    id: string;
    token: string;
    create_at: number;
    creator_id: string;
    team_id: string;
    channel_id: string;
    trigger_words: string[];
    /** 0 = first word matches a trigger word exactly, 1 = first word starts with one. */
    trigger_when: 0 | 1;
    callback_urls: string[];
    content_type: string;
    display_name: string;
    description: string;
    username: string;
    icon_url: string;
}

export interface IncomingWebhookRec {
    id: string;
    create_at: number;
    user_id: string;
    team_id: string;
    channel_id: string;
    display_name: string;
    description: string;
    username: string;
    icon_url: string;
    channel_locked: boolean;
}

/** Server settings the stand-in honours (names follow Mattermost's config where there is one). */
export interface StandInConfig {
    /** PrivacySettings.ShowEmailAddress (default true). */
    showEmailAddress: boolean;
    /** FileSettings.MaxFileSize in bytes (default 100 MiB). */
    maxFileSize: number;
    /** Maximum message length in runes (default 16,383). */
    maxPostSize: number;
    /**
     * Real servers only limit the JSON of `file_ids` to 300 runes (at most 10 ids). Set a number to be
     * stricter (e.g. 5, what older servers enforced); null keeps the real rule.
     */
    maxFileIdsPerPost: number | null;
    /** ServiceSettings.EnablePostUsernameOverride (Mattermost's default is false; the stand-in's is true). */
    enablePostUsernameOverride: boolean;
    /** ServiceSettings.EnablePostIconOverride (Mattermost's default is false; the stand-in's is true). */
    enablePostIconOverride: boolean;
    /** How long a pending_post_id is remembered (Mattermost: 30 s). */
    pendingPostIdTtlMs: number;
    /** ServiceSettings.OutgoingIntegrationRequestsTimeout (30 s). */
    outgoingWebhookTimeoutMs: number;
    /**
     * ServiceSettings.AllowedUntrustedInternalConnections. null = no restriction (stand-in default);
     * a list = outgoing webhooks to loopback/private hosts not in it are refused, as Mattermost does.
     */
    allowedUntrustedInternalConnections: string[] | null;
    /** How long a dropped websocket connection can be resumed (Mattermost: about 5 min). */
    websocketResumeWindowMs: number;
    /** How long an unauthenticated websocket may wait for its authentication_challenge (5 s). */
    websocketAuthTimeoutMs: number;
    /** Version reported in X-Version-Id and the websocket hello. */
    serverVersion: string;
    /** ExperimentalSettings.DisableAppBar, in the client config as DisableAppBar (Mattermost's default: false). */
    disableAppBar: boolean;
    /** LocalizationSettings.DefaultClientLocale, in the client config (Mattermost's default: "en"). */
    defaultClientLocale: string;
}

export const DEFAULT_CONFIG: StandInConfig = {
    showEmailAddress: true,
    maxFileSize: 100 * 1024 * 1024,
    maxPostSize: 16383,
    maxFileIdsPerPost: null,
    enablePostUsernameOverride: true,
    enablePostIconOverride: true,
    pendingPostIdTtlMs: 30_000,
    outgoingWebhookTimeoutMs: 30_000,
    allowedUntrustedInternalConnections: null,
    websocketResumeWindowMs: 5 * 60_000,
    websocketAuthTimeoutMs: 5_000,
    disableAppBar: false,
    defaultClientLocale: 'en',
    serverVersion: '10.11.0',
};
