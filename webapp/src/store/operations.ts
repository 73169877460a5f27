// The plugin's asynchronous work: loading a thread or a channel's conversations, sending a reply.
// Each takes the Redux dispatch and the Mattermost client explicitly (no thunk middleware needed).
import type {Dispatch} from 'redux';

import type {FileInfo} from '@mattermost/types/files';
import type {Post} from '@mattermost/types/posts';

import {MattermostError, type MattermostClient} from '../client/mattermost_client';
import type {ReplyMode} from '../model/conversation';

import {
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
            props: {ireserve_reply: {mode: input.mode}},
            pending_post_id: input.pendingPostId,
        });
    } catch (err) {
        throw new SendReplyError('post', asMattermostError(err));
    }
    dispatch(postReceived(post));
    return post;
}
