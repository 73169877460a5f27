// The plugin's own state, at state['plugins-net.ireserve.mattermost'].
//
// The host's store stays the first source of posts and reactions; this state only holds what the
// host may not have: which conversation the panel shows, and the posts (with their reactions) the
// plugin fetched itself — a whole thread when the panel opens, its own sent replies, and the
// WebSocket events for the threads it follows — so the panel works with collapsed reply threads on.
import type {UnknownAction} from 'redux';
import type {ConversationAction} from '@ireserve/contract';

import type {Post, PostList} from '@mattermost/types/posts';
import type {Reaction} from '@mattermost/types/reactions';

import {isConversationRoot} from '../model/conversation';

import {ActionTypes} from './action_types';
import type {ActionFailure, PluginAction} from './actions';

export type LoadStatus = 'idle' | 'loading' | 'loaded' | 'error';

export type PanelState = {
    view: 'list' | 'conversation';
    rootId: string | null;
    channelId: string | null;
};

export type ThreadState = {status: LoadStatus; error: string | null; postIds: string[]};
export type ChannelConversationsState = {status: LoadStatus; error: string | null; rootIds: string[]};

/** The last action this agent started on a conversation, while it runs and what came back. */
export type ConversationActionState = {
    action: ConversationAction;

    /** When the agent clicked (the browser's clock). */
    startedAt: number;

    /** The root's update_at when the agent clicked (the server's clock). */
    rootUpdateAt: number;
    pending: boolean;
    failure: {kind: ActionFailure; message: string} | null;

    /** The bridge's immediate answer (its `ephemeral_text`) once it arrived, and when (the server's clock). */
    answer: string | null;
    answerAt: number;
};

export type PluginState = {
    panel: PanelState;
    posts: Record<string, Post>;

    /** Reactions of the posts above, keyed like the host's: `${user_id}-${emoji_name}`. */
    reactions: Record<string, Record<string, Reaction>>;
    threads: Record<string, ThreadState>;
    channels: Record<string, ChannelConversationsState>;
    actions: Record<string, ConversationActionState>;
};

export const initialState: PluginState = {
    panel: {view: 'list', rootId: null, channelId: null},
    posts: {},
    reactions: {},
    threads: {},
    channels: {},
    actions: {},
};

export const reactionKey = (reaction: Pick<Reaction, 'user_id' | 'emoji_name'>) => `${reaction.user_id}-${reaction.emoji_name}`;

function reactionsFromMetadata(post: Post): Record<string, Reaction> | null {
    const list = post.metadata?.reactions;
    if (!Array.isArray(list)) {
        return null;
    }
    const map: Record<string, Reaction> = {};
    for (const reaction of list) {
        map[reactionKey(reaction)] = reaction;
    }
    return map;
}

function withPosts(state: PluginState, posts: Post[]): Pick<PluginState, 'posts' | 'reactions'> {
    if (posts.length === 0) {
        return {posts: state.posts, reactions: state.reactions};
    }
    const nextPosts = {...state.posts};
    let nextReactions = state.reactions;
    for (const post of posts) {
        nextPosts[post.id] = post;
        const fromMetadata = reactionsFromMetadata(post);
        if (fromMetadata) {
            nextReactions = nextReactions === state.reactions ? {...nextReactions} : nextReactions;
            nextReactions[post.id] = fromMetadata;
        }
    }
    return {posts: nextPosts, reactions: nextReactions};
}

function postsOf(list: PostList): Post[] {
    const posts = list.posts ?? {};
    const ordered = (list.order ?? []).map((id) => posts[id]).filter((post): post is Post => Boolean(post));
    const inOrder = new Set(ordered.map((post) => post.id));
    return [...ordered, ...Object.values(posts).filter((post) => !inOrder.has(post.id))];
}

function addUnique(ids: string[], id: string): string[] {
    return ids.includes(id) ? ids : [...ids, id];
}

export default function reducer(state: PluginState = initialState, anyAction: UnknownAction): PluginState {
    const action = anyAction as PluginAction;
    switch (action.type) {
    case ActionTypes.CONVERSATION_SELECTED:
        return {...state, panel: {view: 'conversation', rootId: action.rootId, channelId: action.channelId ?? state.panel.channelId}};

    case ActionTypes.CONVERSATION_LIST_SHOWN:
        return {...state, panel: {...state.panel, view: 'list', channelId: action.channelId ?? state.panel.channelId}};

    case ActionTypes.THREAD_REQUESTED: {
        const previous = state.threads[action.rootId];
        return {...state, threads: {...state.threads, [action.rootId]: {status: 'loading', error: null, postIds: previous?.postIds ?? []}}};
    }

    case ActionTypes.THREAD_RECEIVED: {
        const posts = postsOf(action.postList);
        const replyIds = posts.filter((post) => post.id !== action.rootId && post.root_id === action.rootId).map((post) => post.id);
        const previous = state.threads[action.rootId]?.postIds ?? [];

        // Keep replies that arrived over the WebSocket while the request was in flight.
        const postIds = [...replyIds, ...previous.filter((id) => !replyIds.includes(id))];
        return {...state, ...withPosts(state, posts), threads: {...state.threads, [action.rootId]: {status: 'loaded', error: null, postIds}}};
    }

    case ActionTypes.THREAD_FAILED: {
        const previous = state.threads[action.rootId];
        return {...state, threads: {...state.threads, [action.rootId]: {status: 'error', error: action.error, postIds: previous?.postIds ?? []}}};
    }

    case ActionTypes.CHANNEL_CONVERSATIONS_REQUESTED: {
        const previous = state.channels[action.channelId];
        return {...state, channels: {...state.channels, [action.channelId]: {status: 'loading', error: null, rootIds: previous?.rootIds ?? []}}};
    }

    case ActionTypes.CHANNEL_CONVERSATIONS_RECEIVED: {
        const roots = postsOf(action.postList).filter((post) => isConversationRoot(post) && post.channel_id === action.channelId);
        const previous = state.channels[action.channelId]?.rootIds ?? [];
        const rootIds = [...roots.map((post) => post.id), ...previous.filter((id) => !roots.some((post) => post.id === id))];
        return {...state, ...withPosts(state, roots), channels: {...state.channels, [action.channelId]: {status: 'loaded', error: null, rootIds}}};
    }

    case ActionTypes.CHANNEL_CONVERSATIONS_FAILED: {
        const previous = state.channels[action.channelId];
        return {...state, channels: {...state.channels, [action.channelId]: {status: 'error', error: action.error, rootIds: previous?.rootIds ?? []}}};
    }

    case ActionTypes.POST_RECEIVED: {
        const {post} = action;
        const previous = state.posts[post.id];
        if (previous && previous.update_at > post.update_at) {
            return state; // an older copy (e.g. a late response) never replaces a newer one
        }
        let {threads, channels} = state;
        const thread = post.root_id ? threads[post.root_id] : undefined;
        if (thread && !thread.postIds.includes(post.id)) {
            threads = {...threads, [post.root_id]: {...thread, postIds: addUnique(thread.postIds, post.id)}};
        }
        const channel = channels[post.channel_id];
        if (isConversationRoot(post) && channel && !channel.rootIds.includes(post.id)) {
            channels = {...channels, [post.channel_id]: {...channel, rootIds: [post.id, ...channel.rootIds]}};
        }
        return {...state, ...withPosts(state, [post]), threads, channels};
    }

    case ActionTypes.POST_DELETED: {
        const post = state.posts[action.postId];
        if (!post) {
            return state;
        }
        return {...state, posts: {...state.posts, [post.id]: {...post, state: 'DELETED', delete_at: post.delete_at || Date.now()}}};
    }

    case ActionTypes.REACTION_ADDED: {
        const {reaction} = action;
        if (!state.posts[reaction.post_id]) {
            return state; // the host store keeps reactions of the posts it holds
        }
        const current = state.reactions[reaction.post_id] ?? {};
        return {...state, reactions: {...state.reactions, [reaction.post_id]: {...current, [reactionKey(reaction)]: reaction}}};
    }

    case ActionTypes.REACTION_REMOVED: {
        const {reaction} = action;
        const current = state.reactions[reaction.post_id];
        if (!current || !current[reactionKey(reaction)]) {
            return state;
        }
        const next = {...current};
        delete next[reactionKey(reaction)];
        return {...state, reactions: {...state.reactions, [reaction.post_id]: next}};
    }

    case ActionTypes.CONVERSATION_ACTION_STARTED:
        return {
            ...state,
            actions: {
                ...state.actions,
                [action.rootId]: {action: action.action, startedAt: action.at, rootUpdateAt: action.rootUpdateAt, pending: true, failure: null, answer: null, answerAt: 0},
            },
        };

    case ActionTypes.CONVERSATION_ACTION_SENT:
    case ActionTypes.CONVERSATION_ACTION_FAILED: {
        const current = state.actions[action.rootId];
        if (!current) {
            return state;
        }
        const failure = action.type === ActionTypes.CONVERSATION_ACTION_FAILED ? {kind: action.failure, message: action.message} : null;
        return {...state, actions: {...state.actions, [action.rootId]: {...current, pending: false, failure}}};
    }

    case ActionTypes.CONVERSATION_ACTION_ANSWERED: {
        const current = state.actions[action.rootId];
        if (!current) {
            return state;
        }
        return {...state, actions: {...state.actions, [action.rootId]: {...current, answer: action.message, answerAt: action.at}}};
    }

    default:
        return state;
    }
}
