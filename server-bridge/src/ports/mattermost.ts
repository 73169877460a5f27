import type {Channel} from '@mattermost/types/channels';
import type {FileInfo} from '@mattermost/types/files';
import type {Post, PostList} from '@mattermost/types/posts';
import type {Team} from '@mattermost/types/teams';
import type {UserProfile} from '@mattermost/types/users';

/**
 * What the bridge needs from one Mattermost server, as the integration's bot. Every method throws
 * UpstreamError (domain/errors.ts) on failure, with the real status and `retryable`; none retries
 * by itself — retrying is the outbox's job.
 */
export interface NewPost {
    channel_id: string;
    message: string;
    root_id?: string;
    type?: string;
    props?: Record<string, unknown>;
    file_ids?: string[];
    /** Mattermost returns the already created post for a repeat within 30 s. */
    pending_post_id?: string;
}

export interface UploadFile {
    filename: string;
    /** The file's bytes; the Blob's `type` is its content type. */
    data: Blob;
}

export interface DownloadedFile {
    filename: string;
    contentType: string;
    size: number;
    data: Buffer;
}

export interface MattermostPort {
    getMe(): Promise<UserProfile>;
    getUser(userId: string): Promise<UserProfile>;
    /**
     * GET /api/v4/users/email/{email}: 404 `not_found` when no user has it; 403 when Mattermost
     * hides e-mail addresses from the bot (PrivacySettings.ShowEmailAddress off, bot not an admin).
     */
    getUserByEmail(email: string): Promise<UserProfile>;
    createPost(post: NewPost): Promise<Post>;
    getPost(postId: string): Promise<Post>;
    /** `props` replaces the whole props map. Only the post's author (the bot) may patch. */
    patchPost(postId: string, patch: {message?: string; props?: Record<string, unknown>}): Promise<Post>;
    /** DELETE /api/v4/posts/{id}: the bot's own posts (any channel member may delete their own). */
    deletePost(postId: string): Promise<void>;
    /**
     * POST /api/v4/posts/{id}/actions/{action_id} as the bot (Client4 `doPostAction`): Mattermost
     * calls the action's integration URL and answers 200 when that answered 200; else 400
     * `api.post.do_action.action_integration.app_error` (refused address, unreachable, non-200).
     */
    doPostAction(postId: string, actionId: string): Promise<void>;
    getPostThread(rootId: string): Promise<PostList>;
    /**
     * GET /channels/{id}/posts?since=: posts whose `update_at` is after `sinceMs` (edited and
     * deleted ones included), newest first, at most 1000 (inbound/channel_posts.ts).
     */
    getPostsSince(channelId: string, sinceMs: number): Promise<PostList>;
    /** GET /channels/{id}/posts?page=&per_page=: live posts (replies too), newest first by `create_at`; `perPage` ≤ 200. */
    getChannelPostsPage(channelId: string, page: number, perPage: number): Promise<PostList>;
    /**
     * GET /channels/{id}/posts?after={postId}&page=&per_page=&skipFetchThreads=true: the channel's live
     * posts (replies too) whose `create_at` is STRICTLY after the anchor's, oldest first in pages
     * (`page` is an offset of `perPage`, ≤ 200); `order` holds only those, `posts` adds their roots.
     * A soft-deleted anchor still works; an unknown (erased) one answers an empty list (pinned in
     * test/e2e/mattermost_facts.test.ts).
     */
    getPostsAfter(channelId: string, postId: string, page: number, perPage: number): Promise<PostList>;
    uploadFile(channelId: string, file: UploadFile): Promise<FileInfo>;
    getFileInfo(fileId: string): Promise<FileInfo>;
    /** Downloads a file; throws UpstreamError kind `too_large` when it exceeds `maxBytes`. */
    downloadFile(fileId: string, maxBytes: number): Promise<DownloadedFile>;
    addReaction(userId: string, postId: string, emojiName: string): Promise<void>;
    /** Removing a reaction that is not there succeeds. */
    removeReaction(userId: string, postId: string, emojiName: string): Promise<void>;
    getChannel(channelId: string): Promise<Channel>;
    /**
     * Whether the user is a member of the channel: GET /api/v4/channels/{id}/members/{user_id}
     * (404 → false). Throws UpstreamError on anything else (the bot not in the channel: 403).
     */
    isChannelMember(channelId: string, userId: string): Promise<boolean>;
    /** GET /api/v4/users/username/{username}: 404 `not_found` when nobody has it. */
    getUserByUsername(username: string): Promise<UserProfile>;
    /** Channels the bot is a member of, across its teams. */
    getMyChannels(): Promise<Channel[]>;
    getMyTeams(): Promise<Team[]>;
    createDirectChannel(userIds: [string, string]): Promise<Channel>;
    /**
     * The bearer token the bot's requests carry, for the WebSocket: the access token, or the login
     * session's token (logging in first when there is none, and again when `refused` is the token
     * Mattermost just turned down). Throws UpstreamError `login_rejected` when the login fails.
     */
    authToken(refused?: string): Promise<string>;
    /** The server's URL, for permalinks. */
    readonly serverUrl: string;
}
