// Creating, editing and deleting posts with Mattermost's rules (api4/post.go, app/post.go).
import {canPostInChannel, livePost} from './access.js';
import {AppError, forbidden, invalidBody} from './errors.js';
import {newId} from './ids.js';
import {generateActionIds} from './attachment_actions.js';
import type {ChannelRec, PostRec, UserRec} from './records.js';
import {postJson} from './serialize.js';
import type {Store} from './state.js';
import type {WebSocketHub} from './websocket.js';

export interface CreatePostInput {
    channel_id?: unknown;
    message?: unknown;
    root_id?: unknown;
    file_ids?: unknown;
    props?: unknown;
    type?: unknown;
    pending_post_id?: unknown;
    create_at?: unknown;
}

export interface PostPatch {
    message?: unknown;
    props?: unknown;
    file_ids?: unknown;
    is_pinned?: unknown;
}

/** Called after a post made through the REST API is saved (outgoing webhooks hang here). */
export type PostedListener = (post: PostRec, channel: ChannelRec, author: UserRec) => void;

const POST_PROPS_MAX_RUNES = 800_000;
const POST_FILEIDS_MAX_RUNES = 300;
const IDENTITY_PROPS = ['from_bot', 'from_webhook', 'from_oauth_app', 'from_plugin'];
const STANDARD_TYPES = new Set(['', 'slack_attachment', 'me']);

export class PostService {
    private listeners: PostedListener[] = [];

    constructor(private readonly store: Store, private readonly hub: WebSocketHub) {}

    onPosted(listener: PostedListener): void {
        this.listeners.push(listener);
    }

    /**
     * `POST /api/v4/posts` as `author`. Returns the prepared post and whether it was a
     * pending_post_id repeat (then the stored post is returned as is: no metadata, no event).
     * Throws AppError with Mattermost's status and id.
     */
    createAsUser(author: UserRec, input: CreatePostInput): {json: Record<string, unknown>; deduped: boolean} {
        const store = this.store;
        const channelId = str(input.channel_id);
        const message = str(input.message);
        const type = str(input.type);
        const rootId = str(input.root_id);
        const pendingPostId = str(input.pending_post_id);
        const fileIds = strArray(input.file_ids, 'file_ids');
        const props = propsOf(input.props);

        if (runeCount(message) > store.config.maxPostSize) {
            throw new AppError(400, 'model.post.is_valid.message_length.app_error',
                `Post Message property is longer than the maximum permitted length (${store.config.maxPostSize}).`);
        }
        if (type.startsWith('system_')) {
            throw invalidBody('post.type');
        }
        const channel = store.channels.get(channelId);
        if (!channel || !canPostInChannel(store, author.id, channel)) {
            if (!channel && store.isAdmin(author.id)) {
                throw new AppError(400, 'api.context.invalid_param.app_error', 'Invalid post.channel_id parameter.');
            }
            throw forbidden();
        }
        if (channel.delete_at !== 0) {
            throw new AppError(400, 'api.post.create_post.can_not_post_to_deleted.error');
        }

        const existing = this.dedupe(author.id, pendingPostId);
        if (existing) {
            return {json: postJson(store, existing, {metadata: false}), deduped: true};
        }

        this.checkRoot(rootId, channelId);
        this.checkValid(type, fileIds, props);

        const createAt = store.isAdmin(author.id) && typeof input.create_at === 'number' && input.create_at > 0
            ? input.create_at
            : 0;
        const post = this.insert(author, channel, {message, type, rootId, props, fileIds, createAt});
        if (pendingPostId !== '') {
            store.pendingPostIds.set(pendingPostId, {postId: post.id, expiresAt: Date.now() + store.config.pendingPostIdTtlMs});
        }
        this.publishPosted(post, channel, author, pendingPostId);
        for (const listener of this.listeners) {
            listener(post, channel, author);
        }
        return {json: postJson(store, post, {pendingPostId}), deduped: false};
    }

    /**
     * Mattermost's CreateWebhookPost: posts by incoming webhooks and outgoing-webhook answers.
     * They never trigger outgoing webhooks. Long text is split into several posts.
     */
    createWebhookPost(
        userId: string,
        channel: ChannelRec,
        text: string,
        overrideUsername: string,
        overrideIconUrl: string,
        props: Record<string, unknown>,
        type: string,
        rootId: string,
    ): PostRec {
        const store = this.store;
        const author = store.users.get(userId);
        if (!author) {
            throw new AppError(404, 'app.user.missing_account.const');
        }
        if (type.startsWith('system_')) {
            throw new AppError(400, 'api.context.invalid_param.app_error', 'Invalid post.type parameter.');
        }
        const base: Record<string, unknown> = {from_webhook: 'true'};
        if (store.config.enablePostUsernameOverride) {
            base.override_username = overrideUsername !== '' ? overrideUsername : 'webhook';
        }
        if (store.config.enablePostIconOverride && overrideIconUrl !== '') {
            base.override_icon_url = overrideIconUrl;
        }
        for (const [key, value] of Object.entries(props)) {
            if (key !== 'override_icon_url' && key !== 'override_username' && key !== 'from_webhook') {
                base[key] = value;
            }
        }
        const message = processSlackText(text);
        const pieces = splitRunes(message, store.config.maxPostSize);
        let first: PostRec | null = null;
        for (const [i, piece] of pieces.entries()) {
            const pieceProps = structuredClone(base);
            if (i < pieces.length - 1) {
                delete pieceProps.attachments;
            }
            try {
                this.checkRoot(rootId, channel.id);
                this.checkValid(type, [], pieceProps);
            } catch (err) {
                const detail = err instanceof AppError ? err.id : String(err);
                throw new AppError(500, 'api.post.create_webhook_post.creating.app_error', 'Error creating post.', `err=${detail}`);
            }
            const post = this.insert(author, channel, {message: piece, type, rootId, props: pieceProps, fileIds: [], createAt: 0});
            this.publishPosted(post, channel, author, '');
            first ??= post;
        }
        return first!;
    }

    /** `PUT /api/v4/posts/{id}/patch`: props replace the whole map (identity props are kept, as v11 does). */
    patch(editor: UserRec, postId: string, patch: PostPatch): Record<string, unknown> {
        const store = this.store;
        const post = store.posts.get(postId);
        // Mattermost masks unknown and deleted posts as a permission error here.
        if (!post || post.delete_at !== 0) {
            throw forbidden();
        }
        const channel = store.channels.get(post.channel_id)!;
        const admin = store.isAdmin(editor.id);
        if ((post.user_id !== editor.id && !admin) || !canPostInChannel(store, editor.id, channel)) {
            throw forbidden();
        }
        if (post.type.startsWith('system_')) {
            throw new AppError(400, 'api.post.update_post.system_message.app_error');
        }
        let edited = false;
        if (patch.message !== undefined && patch.message !== null) {
            const message = str(patch.message);
            if (runeCount(message) > store.config.maxPostSize) {
                throw new AppError(400, 'model.post.is_valid.message_length.app_error');
            }
            edited = edited || message !== post.message;
            post.message = message;
            post.hashtags = hashtags(message);
        }
        if (patch.file_ids !== undefined && patch.file_ids !== null) {
            const fileIds = strArray(patch.file_ids, 'file_ids');
            this.checkValid(post.type, fileIds, post.props);
            edited = edited || fileIds.join(',') !== post.file_ids.join(',');
            post.file_ids = fileIds;
        }
        if (patch.props !== undefined && patch.props !== null) {
            const props = propsOf(patch.props);
            for (const key of IDENTITY_PROPS) {
                if (post.props[key] !== undefined) {
                    props[key] = post.props[key];
                }
            }
            this.checkValid(post.type, post.file_ids, props);
            generateActionIds(props);
            post.props = props;
        }
        if (typeof patch.is_pinned === 'boolean') {
            post.is_pinned = patch.is_pinned;
        }
        const now = store.now();
        post.update_at = now;
        if (edited) {
            post.edit_at = now;
        }
        const json = postJson(store, post);
        this.hub.publishToChannel(post.channel_id, 'post_edited', {post: JSON.stringify(json)});
        return json;
    }

    /**
     * An integration's `update` answering an action click (app/integration_action.go): the message
     * is replaced (even by an empty one) and, when given, the props (identity props kept), with no
     * author check. Publishes `post_edited`.
     */
    updateFromIntegration(post: PostRec, message: string, props: unknown): void {
        const store = this.store;
        if (runeCount(message) > store.config.maxPostSize) {
            throw new AppError(400, 'model.post.is_valid.message_length.app_error');
        }
        if (props !== undefined && props !== null) {
            const next = propsOf(props);
            for (const key of IDENTITY_PROPS) {
                if (post.props[key] !== undefined) {
                    next[key] = post.props[key];
                }
            }
            this.checkValid(post.type, post.file_ids, next);
            generateActionIds(next);
            post.props = next;
        }
        const now = store.now();
        if (message !== post.message) {
            post.edit_at = now;
        }
        post.message = message;
        post.hashtags = hashtags(message);
        post.update_at = now;
        this.hub.publishToChannel(post.channel_id, 'post_edited', {post: JSON.stringify(postJson(store, post))});
    }

    /** Soft delete: the post and its replies get delete_at and props.deleteBy. */
    delete(deleterId: string, postId: string): void {
        const store = this.store;
        const post = livePost(store, postId);
        const channel = store.channels.get(post.channel_id)!;
        if (post.user_id !== deleterId && !store.isAdmin(deleterId)) {
            throw forbidden();
        }
        if (!canPostInChannel(store, deleterId, channel)) {
            throw forbidden();
        }
        this.softDelete(post, deleterId);
    }

    /** Delete without permission checks (control API). */
    softDelete(post: PostRec, deleterId: string): void {
        const store = this.store;
        const snapshot = JSON.stringify(postJson(store, post));
        const now = store.now();
        const doomed = [post, ...(post.root_id === '' ? store.replies(post.id) : [])];
        for (const p of doomed) {
            if (p.delete_at !== 0) {
                continue;
            }
            p.delete_at = now;
            p.update_at = now;
            p.props = {...p.props, deleteBy: deleterId};
            for (const f of store.filesOf(p)) {
                f.delete_at = now;
            }
        }
        if (post.root_id !== '') {
            const root = store.posts.get(post.root_id);
            if (root) {
                root.update_at = now;
            }
        }
        this.hub.publishToChannel(post.channel_id, 'post_deleted', {post: snapshot, delete_by: deleterId});
    }

    // ---- internals

    private dedupe(userId: string, pendingPostId: string): PostRec | null {
        if (pendingPostId === '') {
            return null;
        }
        const seen = this.store.pendingPostIds.get(pendingPostId);
        if (!seen || Date.now() >= seen.expiresAt) {
            this.store.pendingPostIds.delete(pendingPostId);
            return null;
        }
        if (seen.postId === '') {
            throw new AppError(500, 'api.post.deduplicate_create_post.pending');
        }
        const post = this.store.posts.get(seen.postId);
        if (!post || post.delete_at !== 0) {
            throw new AppError(500, 'api.post.deduplicate_create_post.failed_to_get');
        }
        const channel = this.store.channels.get(post.channel_id);
        if (!channel || !canPostInChannel(this.store, userId, channel)) {
            return null; // Mattermost ignores a pending id whose post the caller may not read.
        }
        return post;
    }

    private checkRoot(rootId: string, channelId: string): void {
        if (rootId === '') {
            return;
        }
        const root = this.store.posts.get(rootId);
        if (!root || root.delete_at !== 0) {
            throw new AppError(400, 'api.post.create_post.root_id.app_error');
        }
        if (root.channel_id !== channelId) {
            throw new AppError(400, 'api.post.create_post.channel_root_id.app_error');
        }
        if (root.root_id !== '') {
            throw new AppError(400, 'api.post.create_post.root_id.app_error');
        }
    }

    private checkValid(type: string, fileIds: string[], props: Record<string, unknown>): void {
        if (!STANDARD_TYPES.has(type) && !type.startsWith('custom_')) {
            throw new AppError(400, 'model.post.is_valid.type.app_error', 'Invalid type.', `id=${type}`);
        }
        const strictMax = this.store.config.maxFileIdsPerPost;
        if (runeCount(JSON.stringify(fileIds)) > POST_FILEIDS_MAX_RUNES || (strictMax !== null && fileIds.length > strictMax)) {
            throw new AppError(400, 'model.post.is_valid.file_ids.app_error');
        }
        if (runeCount(JSON.stringify(props)) > POST_PROPS_MAX_RUNES) {
            throw new AppError(400, 'model.post.is_valid.props.app_error');
        }
    }

    private insert(
        author: UserRec,
        channel: ChannelRec,
        f: {message: string; type: string; rootId: string; props: Record<string, unknown>; fileIds: string[]; createAt: number},
    ): PostRec {
        const store = this.store;
        const now = store.now();
        const createAt = f.createAt > 0 ? f.createAt : now;
        const props = {...f.props};
        delete props.add_channel_member;
        generateActionIds(props);
        if (author.is_bot) {
            props.from_bot = 'true';
        }
        const post: PostRec = {
            id: newId(),
            create_at: createAt,
            update_at: createAt,
            edit_at: 0,
            delete_at: 0,
            is_pinned: false,
            user_id: author.id,
            channel_id: channel.id,
            root_id: f.rootId,
            message: f.message,
            type: f.type,
            props,
            hashtags: hashtags(f.message),
            file_ids: [],
        };
        // Files attach only when unattached and uploaded by the author; others are silently dropped.
        for (const fileId of f.fileIds) {
            const file = store.files.get(fileId);
            if (file && file.post_id === '' && file.delete_at === 0 && file.user_id === author.id) {
                file.post_id = post.id;
                file.channel_id = channel.id;
                post.file_ids.push(fileId);
            }
        }
        store.addPost(post);
        channel.last_post_at = createAt;
        channel.total_msg_count += 1;
        if (f.rootId === '') {
            channel.last_root_post_at = createAt;
            channel.total_msg_count_root += 1;
        } else {
            const root = store.posts.get(f.rootId);
            if (root) {
                root.update_at = createAt;
            }
        }
        return post;
    }

    private publishPosted(post: PostRec, channel: ChannelRec, author: UserRec, pendingPostId: string): void {
        let senderName = `@${author.username}`;
        const override = post.props.override_username;
        if (this.store.config.enablePostUsernameOverride && channel.type !== 'D'
            && post.props.from_webhook === 'true' && typeof override === 'string') {
            senderName = override;
        }
        const data: Record<string, unknown> = {
            channel_display_name: channel.display_name,
            channel_name: channel.name,
            channel_type: channel.type,
            post: JSON.stringify(postJson(this.store, post, {pendingPostId})),
            sender_name: senderName,
            set_online: true,
            team_id: channel.team_id,
        };
        if (post.file_ids.length > 0) {
            data.otherFile = 'true';
        }
        this.hub.publishToChannel(channel.id, 'posted', data);
    }
}

export function runeCount(s: string): number {
    let n = 0;
    for (const _ of s) {
        n += 1;
    }
    return n;
}

function splitRunes(s: string, max: number): string[] {
    const runes = [...s];
    if (runes.length <= max) {
        return [s];
    }
    const out: string[] = [];
    for (let i = 0; i < runes.length; i += max) {
        out.push(runes.slice(i, i + max).join(''));
    }
    return out;
}

function hashtags(message: string): string {
    const tags = message.match(/(?<=^|\s)#\p{L}[\p{L}\d\-_.]*[\p{L}\d]/gu) ?? [];
    return tags.join(' ');
}

/** Mattermost's ProcessSlackText subset: `<url|text>` links and `<!channel>`-style mentions. */
export function processSlackText(text: string): string {
    return text
        .replace(/<([^\n<|>]+)\|([^|\n>]+)>/g, '[$2]($1)')
        .replace(/<!channel>/g, '@channel')
        .replace(/<!here>/g, '@here')
        .replace(/<!everyone>/g, '@all');
}

function str(value: unknown): string {
    return typeof value === 'string' ? value : '';
}

function strArray(value: unknown, name: string): string[] {
    if (value === undefined || value === null) {
        return [];
    }
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        throw invalidBody(name);
    }
    return value as string[];
}

function propsOf(value: unknown): Record<string, unknown> {
    if (value === undefined || value === null) {
        return {};
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
        throw invalidBody('props');
    }
    return structuredClone(value as Record<string, unknown>);
}
