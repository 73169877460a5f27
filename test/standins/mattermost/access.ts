// Permission rules, as Mattermost's default roles apply them.
import {AppError, forbidden} from './errors.js';
import type {ChannelRec, PostRec} from './records.js';
import type {Store} from './state.js';

/** read_channel / read_channel_content: members, system admins, and team members for public channels. */
export function canReadChannel(store: Store, userId: string, channel: ChannelRec): boolean {
    if (store.isAdmin(userId) || store.isChannelMember(channel.id, userId)) {
        return true;
    }
    return channel.type === 'O' && store.isTeamMember(channel.team_id, userId);
}

/** create_post (and upload_file, add_reaction): channel members and system admins. */
export function canPostInChannel(store: Store, userId: string, channel: ChannelRec): boolean {
    return store.isAdmin(userId) || store.isChannelMember(channel.id, userId);
}

/** The post if it exists and is not deleted (404 `app.post.get.app_error` otherwise). */
export function livePost(store: Store, postId: string): PostRec {
    const post = store.posts.get(postId);
    if (!post || post.delete_at !== 0) {
        throw new AppError(404, 'app.post.get.app_error');
    }
    return post;
}

/** A post the user may read: 404 when unknown or deleted, 403 without read access. */
export function readablePost(store: Store, userId: string, postId: string): {post: PostRec; channel: ChannelRec} {
    const post = livePost(store, postId);
    const channel = store.channels.get(post.channel_id);
    if (!channel || !canReadChannel(store, userId, channel)) {
        throw forbidden();
    }
    return {post, channel};
}

/** A channel the user may read: 404 when unknown (`app.channel.get.existing.app_error`), 403 without access. */
export function readableChannel(store: Store, userId: string, channelId: string): ChannelRec {
    const channel = store.channels.get(channelId);
    if (!channel) {
        throw new AppError(404, 'app.channel.get.existing.app_error');
    }
    if (!canReadChannel(store, userId, channel)) {
        throw forbidden();
    }
    return channel;
}

/** `{user_id}` path parameters accept `me`; other users need system admin. */
export function resolveUserParam(store: Store, sessionUserId: string, param: string, othersNeedAdmin: boolean): string {
    const userId = param === 'me' ? sessionUserId : param;
    if (othersNeedAdmin && userId !== sessionUserId && !store.isAdmin(sessionUserId)) {
        throw forbidden();
    }
    return userId;
}
