// A Redux store shaped like the Mattermost web app's (the parts the plugin reads), with the
// plugin's reducer registered under its key, plus test actions that play the host's part.
import {combineReducers, legacy_createStore as createStore, type Store, type UnknownAction} from 'redux';

import type {Post} from '@mattermost/types/posts';
import type {Reaction} from '@mattermost/types/reactions';

import manifest from '../manifest';
import reducer, {reactionKey} from '../store/reducers';
import type {HostState} from '../types/host';

import {AGENT_ID, CHANNEL_ID} from './fixtures';

type Entities = HostState['entities'];

export function makeEntities(posts: Post[] = [], reactions: Reaction[] = [], overrides: {locale?: string; maxFileSize?: number} = {}): Entities {
    const byId: Record<string, Post> = {};
    const inThread: Record<string, string[]> = {};
    for (const post of posts) {
        byId[post.id] = post;
        if (post.root_id) {
            (inThread[post.root_id] ??= []).push(post.id);
        }
    }
    const reactionMap: Record<string, Record<string, Reaction>> = {};
    for (const r of reactions) {
        (reactionMap[r.post_id] ??= {})[reactionKey(r)] = r;
    }
    return {
        general: {config: {SiteURL: 'http://localhost', MaxFileSize: String(overrides.maxFileSize ?? 50 * 1024 * 1024)}},
        users: {currentUserId: AGENT_ID, profiles: {[AGENT_ID]: {id: AGENT_ID, locale: overrides.locale ?? 'en', username: 'sam'}}},
        channels: {currentChannelId: CHANNEL_ID},
        posts: {posts: byId, postsInThread: inThread, reactions: reactionMap},
    };
}

export const hostPostReceived = (post: Post) => ({type: 'TEST/HOST_POST', post});
/** The current user's profile changed (e.g. their language), as the web app's RECEIVED_ME. */
export const hostUserUpdated = (user: {id: string; locale?: string; username?: string}) => ({type: 'TEST/HOST_ME', user});
export const hostReactionAdded = (reaction: Reaction) => ({type: 'TEST/HOST_REACTION', reaction});

function entitiesReducer(initial: Entities) {
    return (state: Entities = initial, action: UnknownAction): Entities => {
        if (action.type === 'TEST/HOST_POST') {
            const post = (action as unknown as {post: Post}).post;
            const ids = post.root_id ? state.posts.postsInThread[post.root_id] ?? [] : null;
            return {
                ...state,
                posts: {
                    ...state.posts,
                    posts: {...state.posts.posts, [post.id]: post},
                    postsInThread: ids && !ids.includes(post.id) ? {...state.posts.postsInThread, [post.root_id]: [...ids, post.id]} : state.posts.postsInThread,
                },
            };
        }
        if (action.type === 'TEST/HOST_ME') {
            const user = (action as unknown as {user: {id: string; locale?: string; username?: string}}).user;
            return {...state, users: {...state.users, profiles: {...state.users.profiles, [user.id]: user}}};
        }
        if (action.type === 'TEST/HOST_REACTION') {
            const r = (action as unknown as {reaction: Reaction}).reaction;
            return {
                ...state,
                posts: {...state.posts, reactions: {...state.posts.reactions, [r.post_id]: {...state.posts.reactions[r.post_id], [reactionKey(r)]: r}}},
            };
        }
        return state;
    };
}

export function makeStore(entities: Entities = makeEntities()) {
    const rootReducer = combineReducers({
        entities: entitiesReducer(entities),
        [`plugins-${manifest.id}`]: reducer,
    });
    return createStore(rootReducer as never) as unknown as Store<HostState, UnknownAction>;
}
