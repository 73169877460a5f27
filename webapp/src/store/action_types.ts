// Redux action types of the plugin, prefixed with the plugin id (from plugin.json) so they never
// collide with the host's or another plugin's.
import manifest from '../manifest';

function prefixed<T extends string>(name: T): `${typeof manifest.id}/${T}` {
    return `${manifest.id}/${name}`;
}

export const ActionTypes = {
    CONVERSATION_SELECTED: prefixed('CONVERSATION_SELECTED'),
    CONVERSATION_LIST_SHOWN: prefixed('CONVERSATION_LIST_SHOWN'),
    THREAD_REQUESTED: prefixed('THREAD_REQUESTED'),
    THREAD_RECEIVED: prefixed('THREAD_RECEIVED'),
    THREAD_FAILED: prefixed('THREAD_FAILED'),
    CHANNEL_CONVERSATIONS_REQUESTED: prefixed('CHANNEL_CONVERSATIONS_REQUESTED'),
    CHANNEL_CONVERSATIONS_RECEIVED: prefixed('CHANNEL_CONVERSATIONS_RECEIVED'),
    CHANNEL_CONVERSATIONS_FAILED: prefixed('CHANNEL_CONVERSATIONS_FAILED'),
    POST_RECEIVED: prefixed('POST_RECEIVED'),
    POST_DELETED: prefixed('POST_DELETED'),
    REACTION_ADDED: prefixed('REACTION_ADDED'),
    REACTION_REMOVED: prefixed('REACTION_REMOVED'),
    CONVERSATION_ACTION_STARTED: prefixed('CONVERSATION_ACTION_STARTED'),
    CONVERSATION_ACTION_SENT: prefixed('CONVERSATION_ACTION_SENT'),
    CONVERSATION_ACTION_FAILED: prefixed('CONVERSATION_ACTION_FAILED'),
    CONVERSATION_ACTION_ANSWERED: prefixed('CONVERSATION_ACTION_ANSWERED'),
} as const;
