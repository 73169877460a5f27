// Memoised selectors over the host's store (posts, reactions, current user and channel) merged
// with the plugin's own state. The host's copy of a post wins; the plugin's copy fills the gaps.
//
// Per-conversation selectors are shared (selectorsFor(rootId)): the card, the panel and the
// delivery badges of a 500-reply thread all read one memoised computation per state change.
import {createSelector, lruMemoize} from 'reselect';

import type {Post} from '@mattermost/types/posts';
import type {Reaction} from '@mattermost/types/reactions';

import manifest from '../manifest';
import {parseActionNote, type ActionNote, type Viewer} from '../model/actions';
import {
    isConversationRoot,
    messageBody,
    parseConversation,
    parseMessage,
    type Conversation,
    type ParsedConversation,
} from '../model/conversation';
import {computeDeliveries, isAgentReply, type Delivery} from '../model/delivery';
import type {HostState} from '../types/host';

import {initialState, type ConversationActionState, type PanelState, type PluginState} from './reducers';

const STATE_KEY = `plugins-${manifest.id}` as const;

export const RECENT_REPLIES_LIMIT = 10;

const EMPTY_IDS: string[] = [];
const EMPTY_REACTIONS: Record<string, Record<string, Reaction>> = {};
const EMPTY_THREADS: Record<string, string[]> = {};

export const getPluginState = (state: HostState): PluginState => state[STATE_KEY] ?? initialState;
export const getPanel = (state: HostState): PanelState => getPluginState(state).panel;
export const getCurrentUserId = (state: HostState): string => state.entities.users.currentUserId;
export const getCurrentChannelId = (state: HostState): string => state.entities.channels.currentChannelId;

/** Who is looking: for the buttons that depend on whether a conversation is assigned to them. */
export const getViewer = createSelector(
    [getCurrentUserId, (state: HostState) => state.entities.users.profiles],
    (userId, profiles): Viewer => ({userId, username: profiles?.[userId]?.username ?? null}),
);

/** The last action this agent started on the conversation (pending, failed, answered), or null. */
export function getConversationAction(state: HostState, rootId: string): ConversationActionState | null {
    return getPluginState(state).actions?.[rootId] ?? null;
}

const getHostPosts = (state: HostState) => state.entities.posts.posts;
const getHostPostsInThread = (state: HostState) => state.entities.posts.postsInThread ?? EMPTY_THREADS;
const getHostReactions = (state: HostState) => state.entities.posts.reactions ?? EMPTY_REACTIONS;
const getPluginPosts = (state: HostState) => getPluginState(state).posts;
const getPluginReactions = (state: HostState) => getPluginState(state).reactions;

export function getPost(state: HostState, postId: string): Post | undefined {
    return getHostPosts(state)[postId] ?? getPluginPosts(state)[postId];
}

/** The current user's locale ('en' when unknown). */
/**
 * The user's language as the web app picks it (getCurrentLocale in mattermost-redux): the user's
 * own locale, else the server's default client locale (LocalizationSettings.DefaultClientLocale,
 * in the client config), else English.
 */
export function getLocale(state: HostState): string {
    const {currentUserId, profiles} = state.entities.users;
    return profiles?.[currentUserId]?.locale || state.entities.general.config?.DefaultClientLocale || 'en';
}

/** Largest upload the server accepts, from the client config (bytes), or null when unknown. */
export function getMaxFileSize(state: HostState): number | null {
    const value = Number(state.entities.general.config?.MaxFileSize);
    return Number.isFinite(value) && value > 0 ? value : null;
}

/** The conversation a post belongs to: its own id for a conversation root, its root's id for a reply. */
export function getConversationRootId(state: HostState, postId: string): string | null {
    const post = getPost(state, postId);
    if (!post) {
        return null;
    }
    if (isConversationRoot(post)) {
        return post.id;
    }
    if (post.root_id) {
        const root = getPost(state, post.root_id);
        if (root ? isConversationRoot(root) : parseMessage(post) !== null) {
            return post.root_id;
        }
    }
    return null;
}

function byCreateAt(a: Post, b: Post): number {
    return a.create_at - b.create_at || (a.id < b.id ? -1 : 1);
}

export type Thread = {root: Post | undefined; replies: Post[]};

export type GuestMessage = {postId: string; text: string; at: number; senderName: string | null; hasFiles: boolean};

export type ConversationSummary = {
    rootId: string;
    channelId: string | null;
    root: Post | undefined;
    parsed: ParsedConversation | null;
    conversation: Conversation | null;

    /** The bot that mirrors this conversation: the author of the root post. */
    botUserId: string | null;

    /** Replies in the thread: the server's count, or the replies loaded when that is higher. */
    messageCount: number;
    latestGuestMessage: GuestMessage | null;

    /** The bot's latest note about an action (applied or refused by i-Reserve) in the thread. */
    latestActionNote: (ActionNote & {postId: string; at: number}) | null;
};

export type RecentReply = {post: Post; delivery: Delivery};

export type ConversationSelectors = {
    getThread: (state: HostState) => Thread;
    getSummary: (state: HostState) => ConversationSummary;
    getDeliveries: (state: HostState) => Map<string, Delivery>;
    getRecentReplies: (state: HostState) => RecentReply[];
};

const memo = {memoize: lruMemoize, argsMemoize: lruMemoize} as const;

function makeConversationSelectors(rootId: string): ConversationSelectors {
    const getThread = createSelector(
        [
            getHostPosts,
            (state: HostState) => getHostPostsInThread(state)[rootId] ?? EMPTY_IDS,
            getPluginPosts,
            (state: HostState) => getPluginState(state).threads[rootId]?.postIds ?? EMPTY_IDS,
        ],
        (hostPosts, hostIds, pluginPosts, pluginIds): Thread => {
            const root = hostPosts[rootId] ?? pluginPosts[rootId];
            const replies: Post[] = [];
            const seen = new Set<string>([rootId]);
            for (const id of [...hostIds, ...pluginIds]) {
                if (seen.has(id)) {
                    continue;
                }
                seen.add(id);
                const post = hostPosts[id] ?? pluginPosts[id];
                if (post && post.root_id === rootId && post.delete_at === 0 && post.state !== 'DELETED') {
                    replies.push(post);
                }
            }
            replies.sort(byCreateAt);
            return {root, replies};
        },
        memo,
    );

    const getSummary = createSelector([getThread], ({root, replies}): ConversationSummary => {
        const parsed = root ? parseConversation(root) : null;
        let latestGuestMessage: GuestMessage | null = null;
        let latestActionNote: ConversationSummary['latestActionNote'] = null;
        for (let i = replies.length - 1; i >= 0 && !latestActionNote; i--) {
            const note = root && replies[i]!.user_id === root.user_id ? parseActionNote(replies[i]!) : null;
            if (note) {
                latestActionNote = {...note, postId: replies[i]!.id, at: replies[i]!.create_at};
            }
        }
        for (let i = replies.length - 1; i >= 0; i--) {
            const post = replies[i]!;
            const message = parseMessage(post);
            if (message?.senderType === 'visitor') {
                latestGuestMessage = {
                    postId: post.id,
                    text: messageBody(post),
                    at: message.sentAt ?? post.create_at,
                    senderName: message.senderName,
                    hasFiles: (post.file_ids?.length ?? 0) > 0,
                };
                break;
            }
        }
        return {
            rootId,
            channelId: root?.channel_id ?? null,
            root,
            parsed,
            conversation: parsed?.ok ? parsed.conversation : null,
            botUserId: root?.user_id || null,
            messageCount: Math.max(replies.length, root?.reply_count ?? 0),
            latestGuestMessage,
            latestActionNote,
        };
    }, memo);

    const getDeliveries = createSelector(
        [getThread, getSummary, getHostReactions, getPluginReactions],
        ({replies}, summary, hostReactions, pluginReactions) => {
            let byId: Map<string, Post> | null = null;
            const reactionsOf = (postId: string): Reaction[] => {
                const map = hostReactions[postId] ?? pluginReactions[postId];
                if (map) {
                    return Object.values(map);
                }
                byId ??= new Map(replies.map((reply) => [reply.id, reply]));
                return byId.get(postId)?.metadata?.reactions ?? [];
            };
            return computeDeliveries(rootId, summary.botUserId, summary.conversation?.relayMode ?? 'unknown', replies, reactionsOf);
        },
        memo,
    );

    const getRecentReplies = createSelector(
        [getThread, getDeliveries, getCurrentUserId, getSummary],
        ({replies}, deliveries, currentUserId, summary): RecentReply[] => {
            const mine: RecentReply[] = [];
            for (let i = replies.length - 1; i >= 0 && mine.length < RECENT_REPLIES_LIMIT; i--) {
                const post = replies[i]!;
                const delivery = deliveries.get(post.id);
                if (post.user_id === currentUserId && delivery && isAgentReply(post, rootId, summary.botUserId)) {
                    mine.push({post, delivery});
                }
            }
            return mine;
        },
        memo,
    );

    return {getThread, getSummary, getDeliveries, getRecentReplies};
}

const MAX_CACHED_CONVERSATIONS = 200;
const conversationSelectors = new Map<string, ConversationSelectors>();

/** The shared memoised selectors of one conversation (least recently created dropped past 200). */
export function selectorsFor(rootId: string): ConversationSelectors {
    let selectors = conversationSelectors.get(rootId);
    if (!selectors) {
        selectors = makeConversationSelectors(rootId);
        conversationSelectors.set(rootId, selectors);
        if (conversationSelectors.size > MAX_CACHED_CONVERSATIONS) {
            const oldest = conversationSelectors.keys().next().value;
            if (oldest !== undefined) {
                conversationSelectors.delete(oldest);
            }
        }
    }
    return selectors;
}

export type ChannelConversation = {root: Post; conversation: Conversation | null};

/**
 * The list's order (DESIGN §11): conversations whose visitor waits first, the longest wait (the
 * earliest `waiting_since`) on top; then the rest, newest first.
 */
function byWaitingThenNewest(a: ChannelConversation, b: ChannelConversation): number {
    const aWaits = a.conversation?.waitingSince ?? null;
    const bWaits = b.conversation?.waitingSince ?? null;
    if (aWaits !== null || bWaits !== null) {
        if (aWaits === null) {
            return 1;
        }
        if (bWaits === null) {
            return -1;
        }
        if (aWaits !== bWaits) {
            return aWaits - bWaits;
        }
    }
    return (b.conversation?.startedAt ?? b.root.create_at) - (a.conversation?.startedAt ?? a.root.create_at);
}

/** Selector factory: the conversations of a channel known to the client, waiting ones first (byWaitingThenNewest). */
export function makeGetChannelConversations() {
    return createSelector(
        [
            getHostPosts,
            getPluginPosts,
            (state: HostState, channelId: string) => getPluginState(state).channels[channelId]?.rootIds ?? EMPTY_IDS,
            (_state: HostState, channelId: string) => channelId,
        ],
        (hostPosts, pluginPosts, pluginRootIds, channelId): ChannelConversation[] => {
            const roots = new Map<string, Post>();
            for (const id of pluginRootIds) {
                const post = hostPosts[id] ?? pluginPosts[id];
                if (post) {
                    roots.set(id, post);
                }
            }
            for (const post of Object.values(hostPosts)) {
                if (isConversationRoot(post) && post.channel_id === channelId) {
                    roots.set(post.id, post);
                }
            }
            return [...roots.values()].
                filter((root) => root.channel_id === channelId && root.delete_at === 0 && root.state !== 'DELETED').
                map((root) => {
                    const parsed = parseConversation(root);
                    return {root, conversation: parsed.ok ? parsed.conversation : null};
                }).
                sort(byWaitingThenNewest);
        },
        memo,
    );
}

/** Delivery of one post (null when it is not an agent reply in a conversation thread). */
export function getDeliveryOfPost(state: HostState, postId: string): Delivery | null {
    const post = getPost(state, postId);
    if (!post?.root_id) {
        return null;
    }
    const root = getPost(state, post.root_id);
    if (root && !isConversationRoot(root)) {
        return null;
    }
    if (!root) {
        return null;
    }
    return selectorsFor(post.root_id).getDeliveries(state).get(postId) ?? null;
}
