// Plain action creators. Anything asynchronous lives in operations.ts.
import type {ConversationAction} from '@ireserve/contract';
import type {Post, PostList} from '@mattermost/types/posts';
import type {Reaction} from '@mattermost/types/reactions';

import {ActionTypes} from './action_types';

export const selectConversation = (rootId: string, channelId: string | null) =>
    ({type: ActionTypes.CONVERSATION_SELECTED, rootId, channelId}) as const;

export const showConversationList = (channelId: string | null) =>
    ({type: ActionTypes.CONVERSATION_LIST_SHOWN, channelId}) as const;

export const threadRequested = (rootId: string) =>
    ({type: ActionTypes.THREAD_REQUESTED, rootId}) as const;

export const threadReceived = (rootId: string, postList: PostList) =>
    ({type: ActionTypes.THREAD_RECEIVED, rootId, postList}) as const;

export const threadFailed = (rootId: string, error: string) =>
    ({type: ActionTypes.THREAD_FAILED, rootId, error}) as const;

export const channelConversationsRequested = (channelId: string) =>
    ({type: ActionTypes.CHANNEL_CONVERSATIONS_REQUESTED, channelId}) as const;

export const channelConversationsReceived = (channelId: string, postList: PostList) =>
    ({type: ActionTypes.CHANNEL_CONVERSATIONS_RECEIVED, channelId, postList}) as const;

export const channelConversationsFailed = (channelId: string, error: string) =>
    ({type: ActionTypes.CHANNEL_CONVERSATIONS_FAILED, channelId, error}) as const;

/** A post the plugin learned of itself: one it just created, or one from a WebSocket event. */
export const postReceived = (post: Post) =>
    ({type: ActionTypes.POST_RECEIVED, post}) as const;

export const postDeleted = (postId: string) =>
    ({type: ActionTypes.POST_DELETED, postId}) as const;

export const reactionAdded = (reaction: Reaction) =>
    ({type: ActionTypes.REACTION_ADDED, reaction}) as const;

export const reactionRemoved = (reaction: Reaction) =>
    ({type: ActionTypes.REACTION_REMOVED, reaction}) as const;

/** The agent clicked an action of a conversation (at: the browser's ms; rootUpdateAt: the root's update_at then). */
export const conversationActionStarted = (rootId: string, action: ConversationAction, at: number, rootUpdateAt: number) =>
    ({type: ActionTypes.CONVERSATION_ACTION_STARTED, rootId, action, at, rootUpdateAt}) as const;

/** Mattermost answered the click: the bridge took the request (its answer follows as an ephemeral post). */
export const conversationActionSent = (rootId: string) =>
    ({type: ActionTypes.CONVERSATION_ACTION_SENT, rootId}) as const;

export type ActionFailure = 'bridge' | 'gone' | 'forbidden' | 'network' | 'session' | 'other';

export const conversationActionFailed = (rootId: string, failure: ActionFailure, message: string) =>
    ({type: ActionTypes.CONVERSATION_ACTION_FAILED, rootId, failure, message}) as const;

/** The bridge's immediate answer (`ephemeral_text`), shown to the agent who acted (at: the server's create_at). */
export const conversationActionAnswered = (rootId: string, message: string, at: number) =>
    ({type: ActionTypes.CONVERSATION_ACTION_ANSWERED, rootId, message, at}) as const;

export type PluginAction =
    | ReturnType<typeof selectConversation>
    | ReturnType<typeof showConversationList>
    | ReturnType<typeof threadRequested>
    | ReturnType<typeof threadReceived>
    | ReturnType<typeof threadFailed>
    | ReturnType<typeof channelConversationsRequested>
    | ReturnType<typeof channelConversationsReceived>
    | ReturnType<typeof channelConversationsFailed>
    | ReturnType<typeof postReceived>
    | ReturnType<typeof postDeleted>
    | ReturnType<typeof reactionAdded>
    | ReturnType<typeof reactionRemoved>
    | ReturnType<typeof conversationActionStarted>
    | ReturnType<typeof conversationActionSent>
    | ReturnType<typeof conversationActionFailed>
    | ReturnType<typeof conversationActionAnswered>;
