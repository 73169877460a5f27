// A MattermostClient that records calls and answers as told: injected through ServicesProvider.
import type {FileInfo} from '@mattermost/types/files';
import type {Post, PostList} from '@mattermost/types/posts';
import type {UserProfile} from '@mattermost/types/users';

import {MattermostError, type MattermostClient, type NewPost} from '../client/mattermost_client';

import {makePost} from './fixtures';
import {Gate} from './gate';

export class FakeClient implements MattermostClient {
    created: NewPost[] = [];
    uploads: Array<{channelId: string; fileName: string; clientId: string}> = [];
    threadRequests: string[] = [];
    channelRequests: string[] = [];
    createPostFailure: MattermostError | null = null;
    uploadFailure: MattermostError | null = null;
    postActions: Array<{postId: string; actionId: string; selectedOption: string}> = [];
    postActionFailure: MattermostError | null = null;
    channelMembers: UserProfile[] = [];
    memberRequests: string[] = [];
    thread: PostList = {order: [], posts: {}, next_post_id: '', prev_post_id: '', first_inaccessible_post_time: 0};
    channelPosts: PostList = {order: [], posts: {}, next_post_id: '', prev_post_id: '', first_inaccessible_post_time: 0};
    private readonly postGate = new Gate();
    private readonly actionGate = new Gate();
    private nextId = 0;

    /** Makes createPost wait until release() is called. */
    hold(): void {
        this.postGate.hold();
    }

    release(): void {
        this.postGate.release();
    }

    async createPost(post: NewPost): Promise<Post> {
        this.created.push(post);
        await this.postGate.pass();
        if (this.createPostFailure) {
            throw this.createPostFailure;
        }
        this.nextId += 1;
        return makePost({
            id: `created${String(this.nextId).padStart(19, '0')}`,
            channel_id: post.channel_id,
            root_id: post.root_id,
            message: post.message,
            props: post.props,
            file_ids: post.file_ids,
            create_at: Date.now(),
        });
    }

    async uploadFile(channelId: string, _file: Blob, fileName: string, clientId: string): Promise<FileInfo> {
        this.uploads.push({channelId, fileName, clientId});
        if (this.uploadFailure) {
            throw this.uploadFailure;
        }
        return {id: `file-${this.uploads.length}`, name: fileName} as FileInfo;
    }

    async getPostThread(rootId: string): Promise<PostList> {
        this.threadRequests.push(rootId);
        return this.thread;
    }

    async getChannelRootPosts(channelId: string): Promise<PostList> {
        this.channelRequests.push(channelId);
        return this.channelPosts;
    }

    /** Makes doPostAction wait until releaseActions() is called. */
    holdActions(): void {
        this.actionGate.hold();
    }

    releaseActions(): void {
        this.actionGate.release();
    }

    async doPostAction(postId: string, actionId: string, selectedOption = ''): Promise<void> {
        this.postActions.push({postId, actionId, selectedOption});
        await this.actionGate.pass();
        if (this.postActionFailure) {
            throw this.postActionFailure;
        }
    }

    async getChannelMembers(channelId: string): Promise<UserProfile[]> {
        this.memberRequests.push(channelId);
        return this.channelMembers;
    }
}

export function postList(posts: Post[]): PostList {
    return {
        order: posts.map((post) => post.id),
        posts: Object.fromEntries(posts.map((post) => [post.id, post])),
        next_post_id: '',
        prev_post_id: '',
        first_inaccessible_post_time: 0,
    };
}

export {MattermostError};
