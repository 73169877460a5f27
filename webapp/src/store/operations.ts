// The plugin's asynchronous work: loading a thread or a channel's conversations, sending a reply.
// Each takes the Redux dispatch and the Mattermost client explicitly (no thunk middleware needed).
import type {Dispatch} from 'redux';
import {composerProps, type ConversationAction, type ReplyMode} from '@ireserve/contract';

import type {FileInfo} from '@mattermost/types/files';
import type {Post} from '@mattermost/types/posts';

import {MattermostError, type MattermostClient} from '../client/mattermost_client';

import {
    conversationActionFailed,
    conversationActionSent,
    conversationActionStarted,
    type ActionFailure,
    channelConversationsFailed,
    channelConversationsReceived,
    channelConversationsRequested,
    postReceived,
    threadFailed,
    threadReceived,
    threadRequested,
} from './actions';

function messageOf(err: unknown): string {
    return err instanceof Error ? err.message : String(err);
}

/** Fetches the whole thread into the plugin state. Never throws: failures land in the state. */
export async function loadThread(dispatch: Dispatch, client: MattermostClient, rootId: string): Promise<void> {
    dispatch(threadRequested(rootId));
    try {
        dispatch(threadReceived(rootId, await client.getPostThread(rootId)));
    } catch (err) {
        dispatch(threadFailed(rootId, messageOf(err)));
    }
}

/** Fetches the channel's latest root posts to list its conversations. Never throws. */
export async function loadChannelConversations(dispatch: Dispatch, client: MattermostClient, channelId: string): Promise<void> {
    dispatch(channelConversationsRequested(channelId));
    try {
        dispatch(channelConversationsReceived(channelId, await client.getChannelRootPosts(channelId)));
    } catch (err) {
        dispatch(channelConversationsFailed(channelId, messageOf(err)));
    }
}

export type Attachment = {key: string; file: Blob; name: string; size: number; fileId?: string};

export type SendReplyInput = {
    rootId: string;
    channelId: string;
    message: string;
    mode: ReplyMode;
    attachments: readonly Attachment[];

    /** Kept across retries of the same reply so that Mattermost de-duplicates a resend (30 s). */
    pendingPostId: string;

    /** Called after each upload, so that a retry does not upload the same file twice. */
    onUploaded?: (key: string, fileInfo: FileInfo) => void;
};

export class SendReplyError extends Error {
    override readonly name = 'SendReplyError';

    constructor(
        readonly stage: 'upload' | 'post',
        readonly error: MattermostError,
        readonly fileName: string | null = null,
    ) {
        super(error.message);
    }
}

function asMattermostError(err: unknown): MattermostError {
    return err instanceof MattermostError ? err : new MattermostError('network', 0, null, messageOf(err));
}

/**
 * Uploads the attachments that have no file id yet (one POST /api/v4/files each), then creates the
 * reply in the conversation thread with `props.ireserve_reply.mode`. Throws SendReplyError; on
 * success the new post is in the plugin state at once (the WebSocket copy follows).
 */
export async function sendReply(dispatch: Dispatch, client: MattermostClient, input: SendReplyInput): Promise<Post> {
    const fileIds: string[] = [];
    for (const attachment of input.attachments) {
        if (attachment.fileId) {
            fileIds.push(attachment.fileId);
            continue;
        }
        let info: FileInfo;
        try {
            info = await client.uploadFile(input.channelId, attachment.file, attachment.name, attachment.key);
        } catch (err) {
            throw new SendReplyError('upload', asMattermostError(err), attachment.name);
        }
        fileIds.push(info.id);
        input.onUploaded?.(attachment.key, info);
    }

    let post: Post;
    try {
        post = await client.createPost({
            channel_id: input.channelId,
            root_id: input.rootId,
            message: input.message,
            file_ids: fileIds,
            props: composerProps(input.mode),
            pending_post_id: input.pendingPostId,
        });
    } catch (err) {
        throw new SendReplyError('post', asMattermostError(err));
    }
    dispatch(postReceived(post));
    return post;
}

// Conversations with an action request in flight: a second click (double click, or the card and
// the panel at once) while one runs sends nothing.
const actionsInFlight = new Set<string>();

/** How a failed click is explained (ids from api4/apiaction.go and app/integration_action.go). */
export function actionFailureOf(err: unknown): {kind: ActionFailure; message: string} {
    const error = asMattermostError(err);
    if (error.kind === 'network') {
        return {kind: 'network', message: error.message};
    }
    if (error.status === 401) {
        return {kind: 'session', message: error.message};
    }
    if (error.status === 403) {
        return {kind: 'forbidden', message: error.message};
    }
    if (error.serverErrorId === 'api.post.do_action.action_id.app_error') {
        return {kind: 'gone', message: error.message};
    }
    if (error.serverErrorId === 'api.post.do_action.action_integration.app_error') {
        return {kind: 'bridge', message: error.message};
    }
    return {kind: 'other', message: error.message};
}

/**
 * Triggers one of the root post's interactive-message actions through Mattermost with the agent's
 * session, as a click on the attachment button would (the bridge gets the same request either
 * way). Returns false without sending when an action on this conversation is still running.
 * Never throws: the outcome lands in the plugin state; the bridge's answer arrives as an
 * ephemeral post (see websocket.ts), the result as a patch of the root.
 */
export async function runConversationAction(
    dispatch: Dispatch,
    client: MattermostClient,
    input: {rootId: string; rootUpdateAt: number; action: ConversationAction; selectedOption?: string; now?: () => number},
): Promise<boolean> {
    const {rootId, action} = input;
    if (actionsInFlight.has(rootId)) {
        return false;
    }
    actionsInFlight.add(rootId);
    dispatch(conversationActionStarted(rootId, action, (input.now ?? Date.now)(), input.rootUpdateAt));
    try {
        await client.doPostAction(rootId, action, input.selectedOption ?? '');
        dispatch(conversationActionSent(rootId));
    } catch (err) {
        const failure = actionFailureOf(err);
        dispatch(conversationActionFailed(rootId, failure.kind, failure.message));
    } finally {
        actionsInFlight.delete(rootId);
    }
    return true;
}
