// Keeps the posts the plugin fetched itself up to date from the host's WebSocket events. Posts the
// host store already holds are kept current by the host; this only matters for the rest (e.g. a
// thread opened in the panel while collapsed reply threads are on).
import type {Dispatch} from 'redux';

import type {Post} from '@mattermost/types/posts';
import type {Reaction} from '@mattermost/types/reactions';

import {isConversationRoot} from '../model/conversation';
import type {HostState, WebSocketMessage} from '../types/host';

import {conversationActionAnswered, postDeleted, postReceived, reactionAdded, reactionRemoved} from './actions';
import {getPluginState} from './selectors';

export const WEBSOCKET_EVENTS = ['posted', 'post_edited', 'post_deleted', 'reaction_added', 'reaction_removed', 'ephemeral_message'] as const;

/** The server stamps the ephemeral post with its own clock; allow it to lag the browser's a little. */
const CLOCK_SKEW_MS = 60_000;

function parseJson<T>(value: unknown): T | null {
    if (typeof value !== 'string') {
        return typeof value === 'object' && value !== null ? value as T : null;
    }
    try {
        return JSON.parse(value) as T;
    } catch {
        return null;
    }
}

export function handleWebSocketEvent(dispatch: Dispatch, getState: () => HostState, msg: WebSocketMessage): void {
    const plugin = getPluginState(getState());
    switch (msg.event) {
    case 'posted':
    case 'post_edited': {
        const post = parseJson<Post>(msg.data?.post);
        if (!post?.id) {
            return;
        }
        const followed = plugin.posts[post.id] !== undefined ||
            (post.root_id !== '' && plugin.threads[post.root_id] !== undefined) ||
            (isConversationRoot(post) && plugin.channels[post.channel_id] !== undefined);
        if (followed) {
            dispatch(postReceived(post));
        }
        return;
    }
    case 'post_deleted': {
        const post = parseJson<Post>(msg.data?.post);
        if (post?.id && plugin.posts[post.id]) {
            dispatch(postDeleted(post.id));
        }
        return;
    }
    case 'reaction_added':
    case 'reaction_removed': {
        const reaction = parseJson<Reaction>(msg.data?.reaction);
        if (reaction?.post_id && plugin.posts[reaction.post_id]) {
            dispatch(msg.event === 'reaction_added' ? reactionAdded(reaction) : reactionRemoved(reaction));
        }
        return;
    }
    case 'ephemeral_message': {
        // The bridge's answer to this agent's action (its `ephemeral_text`): Mattermost sends it to
        // the clicker alone, in the clicked post's thread (app/integration_action.go).
        const post = parseJson<Post>(msg.data?.post);
        const started = post?.root_id ? plugin.actions[post.root_id] : undefined;
        if (post && started && typeof post.message === 'string' && post.message !== '' && (post.create_at ?? 0) >= started.startedAt - CLOCK_SKEW_MS) {
            dispatch(conversationActionAnswered(post.root_id, post.message, post.create_at ?? 0));
        }
        return;
    }
    default:
    }
}
