import type {Channel} from '@mattermost/types/channels';
import type {FileInfo} from '@mattermost/types/files';
import type {Post, PostList} from '@mattermost/types/posts';
import type {Team} from '@mattermost/types/teams';
import type {UserProfile} from '@mattermost/types/users';

import type {Dispatcher} from 'undici';

import {kindForStatus, UpstreamError} from '../domain/errors.js';
import {egressRefusal} from '../support/egress.js';
import type {DownloadedFile, MattermostPort, NewPost, UploadFile} from '../ports/mattermost.js';

import {createLoginSession, createMattermostClient, type MattermostClient} from './client.js';
import type {LoginSession} from './login_session.js';

/** `timeoutMs`: one request (and the login); `downloadTimeoutMs`: one file download. */
export type RestAdapterOptions = {serverUrl: string; timeoutMs: number; downloadTimeoutMs: number; loginCooldownMs?: number; dispatcher?: Dispatcher}
    & ({token: string; login?: undefined} | {token?: undefined; login: {loginId: string; password: string}});

/** MattermostPort over REST API v4 with Client4 (see client.ts for the error funnel). */
export class MattermostRestAdapter implements MattermostPort {
    readonly client: MattermostClient;
    readonly serverUrl: string;
    /** Set when the bot logs in with e-mail and password (auth mode `login`). */
    readonly session: LoginSession | undefined;
    readonly #accessToken: string | undefined;
    readonly #downloadTimeoutMs: number;

    constructor(options: RestAdapterOptions) {
        this.serverUrl = options.serverUrl.replace(/\/+$/, '');
        this.#downloadTimeoutMs = options.downloadTimeoutMs;
        if (options.login) {
            // The token is also set on the client for the one raw fetch (downloadFile) outside the funnel.
            const session = createLoginSession({
                serverUrl: this.serverUrl, ...options.login, timeoutMs: options.timeoutMs, dispatcher: options.dispatcher,
                rejectedCooldownMs: options.loginCooldownMs, onToken: (token) => this.client.setToken(token),
            });
            this.session = session;
            this.client = createMattermostClient({serverUrl: this.serverUrl, timeoutMs: options.timeoutMs, session, dispatcher: options.dispatcher});
        } else {
            this.session = undefined;
            this.#accessToken = options.token;
            this.client = createMattermostClient({serverUrl: this.serverUrl, token: options.token, timeoutMs: options.timeoutMs, dispatcher: options.dispatcher});
        }
    }

    authToken(refused?: string): Promise<string> {
        if (this.session) {
            return refused === undefined ? this.session.token() : this.session.refresh(refused);
        }
        return Promise.resolve(this.#accessToken ?? '');
    }

    getMe(): Promise<UserProfile> {
        return this.client.getMe();
    }

    getUser(userId: string): Promise<UserProfile> {
        return this.client.getUser(userId);
    }

    getUserByEmail(email: string): Promise<UserProfile> {
        return this.client.getUserByEmail(email);
    }

    createPost(post: NewPost): Promise<Post> {
        return this.client.createPost(post as Post);
    }

    getPost(postId: string): Promise<Post> {
        return this.client.getPost(postId);
    }

    patchPost(postId: string, patch: {message?: string; props?: Record<string, unknown>}): Promise<Post> {
        return this.client.patchPost({id: postId, ...patch} as Partial<Post> & {id: string});
    }

    async deletePost(postId: string): Promise<void> {
        await this.client.deletePost(postId);
    }

    async doPostAction(postId: string, actionId: string): Promise<void> {
        await this.client.doPostAction(postId, actionId);
    }

    getPostThread(rootId: string): Promise<PostList> {
        return this.client.getPostThread(rootId, false);
    }

    getPostsSince(channelId: string, sinceMs: number): Promise<PostList> {
        return this.client.getPostsSince(channelId, sinceMs, false);
    }

    getChannelPostsPage(channelId: string, page: number, perPage: number): Promise<PostList> {
        return this.client.getPosts(channelId, page, perPage, false);
    }

    getPostsAfter(channelId: string, postId: string, page: number, perPage: number): Promise<PostList> {
        return this.client.getPostsAfter(channelId, postId, page, perPage, false);
    }

    async uploadFile(channelId: string, file: UploadFile): Promise<FileInfo> {
        const form = new FormData();
        // Mattermost reads channel_id before the files: it must come first.
        form.append('channel_id', channelId);
        // The Blob is sent as it is: fetch streams it into the multipart body, no copy is made here.
        form.append('files', file.data, file.filename);
        const result = await this.client.uploadFile(form) as {file_infos: FileInfo[]};
        const info = result.file_infos[0];
        if (!info) {
            throw new UpstreamError('mattermost', 'invalid', 'Mattermost accepted the upload but returned no file');
        }
        return info;
    }

    getFileInfo(fileId: string): Promise<FileInfo> {
        // Client4 has no public getter for one file's info; its (protected) funnel still applies.
        const funnel = this.client as unknown as {doFetch<T>(url: string, options: RequestInit): Promise<T>};
        return funnel.doFetch<FileInfo>(`${this.client.getFileRoute(fileId)}/info`, {method: 'get'});
    }

    async downloadFile(fileId: string, maxBytes: number): Promise<DownloadedFile> {
        const info = await this.getFileInfo(fileId);
        if (info.size > maxBytes) {
            throw new UpstreamError('mattermost', 'too_large', `${info.name} is ${info.size} bytes, more than the limit of ${maxBytes}`);
        }
        // Client4 reads non-JSON bodies as text, which would corrupt binary files: fetch the bytes
        // with Client4's own request options (auth header) and classify failures the same way.
        let response: Response;
        if (this.session) {
            await this.session.token();
        }
        try {
            response = await fetch(this.client.getFileRoute(fileId), {
                ...this.client.getOptions({method: 'get'}),
                signal: AbortSignal.timeout(this.#downloadTimeoutMs),
            });
        } catch (error) {
            const refused = egressRefusal(error);
            throw refused
                ? new UpstreamError('mattermost', 'address_refused', refused.message)
                : new UpstreamError('mattermost', 'unreachable', `Mattermost is unreachable: ${(error as Error).message}`);
        }
        if (!response.ok) {
            throw new UpstreamError('mattermost', kindForStatus(response.status), `downloading file ${fileId} answered HTTP ${response.status}`, {status: response.status});
        }
        const data = Buffer.from(await response.arrayBuffer());
        if (data.length > maxBytes) {
            throw new UpstreamError('mattermost', 'too_large', `${info.name} is larger than the limit of ${maxBytes} bytes`);
        }
        return {filename: info.name, contentType: info.mime_type || 'application/octet-stream', size: data.length, data};
    }

    async addReaction(userId: string, postId: string, emojiName: string): Promise<void> {
        await this.client.addReaction(userId, postId, emojiName);
    }

    async removeReaction(userId: string, postId: string, emojiName: string): Promise<void> {
        await this.client.removeReaction(userId, postId, emojiName);
    }

    getChannel(channelId: string): Promise<Channel> {
        return this.client.getChannel(channelId);
    }

    async isChannelMember(channelId: string, userId: string): Promise<boolean> {
        try {
            await this.client.getChannelMember(channelId, userId);
            return true;
        } catch (error) {
            if (error instanceof UpstreamError && error.kind === 'not_found') {
                return false;
            }
            throw error;
        }
    }

    getUserByUsername(username: string): Promise<UserProfile> {
        return this.client.getUserByUsername(username);
    }

    getMyChannels(): Promise<Channel[]> {
        return this.client.getAllTeamsChannels();
    }

    getMyTeams(): Promise<Team[]> {
        return this.client.getMyTeams();
    }

    createDirectChannel(userIds: [string, string]): Promise<Channel> {
        return this.client.createDirectChannel(userIds);
    }
}
