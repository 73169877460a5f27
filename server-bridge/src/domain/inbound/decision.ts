import {composerModeOf, type RelayMode} from '../../contract/index.js';

/**
 * Which Mattermost posts reach the visitor. Pure: no I/O, no adapter types. The inbound relay asks,
 * in order: `screenPost` (is this an agent's reply at all?), then — once it knows the post sits in a
 * mirrored conversation's thread — `decideRelay` (visitor or internal?).
 */

/** The part of a Mattermost post the decision needs (a `@mattermost/types` Post fits). */
export interface InboundPost {
    id: string;
    user_id: string;
    channel_id: string;
    /** '' for a top-level post. */
    root_id: string;
    message: string;
    type: string;
    props?: Record<string, unknown> | null;
    file_ids?: string[] | null;
    create_at: number;
    delete_at?: number;
    /** When the post's message was last edited (ms); 0 or absent when never. */
    edit_at?: number;
    /** Set on the copies Mattermost keeps of a post's earlier versions (edit history): the edited post's id. */
    original_id?: string;
}

export type IgnoreReason =
    /** The integration's own bot wrote it (outgoing webhooks fire for the bot's posts too). */
    | 'own_post'
    /** Another bot, or a post made through a bot account's token. */
    | 'bot_post'
    /** Made by an incoming webhook or an outgoing webhook's answer (another integration). */
    | 'webhook_post'
    /** Made by a server plugin. */
    | 'plugin_post'
    /** Join/leave, header change and the other `system_*` posts. */
    | 'system_post'
    | 'deleted'
    /** Not a thread reply. */
    | 'top_level'
    /** A thread reply, but not under a mirrored conversation's root post. */
    | 'not_a_conversation';

export type Screen = {relevant: true} | {relevant: false; reason: IgnoreReason};

function flag(props: Record<string, unknown> | null | undefined, key: string): boolean {
    const value = props?.[key];
    return value === true || value === 'true';
}

/** Drops everything that is not a person's thread reply. `botUserId` null = not known yet. */
export function screenPost(post: InboundPost, botUserId: string | null): Screen {
    if (botUserId !== null && post.user_id === botUserId) {
        return {relevant: false, reason: 'own_post'};
    }
    if (flag(post.props, 'from_webhook')) {
        return {relevant: false, reason: 'webhook_post'};
    }
    if (flag(post.props, 'from_bot')) {
        return {relevant: false, reason: 'bot_post'};
    }
    if (flag(post.props, 'from_plugin')) {
        return {relevant: false, reason: 'plugin_post'};
    }
    if (post.type.startsWith('system_')) {
        return {relevant: false, reason: 'system_post'};
    }
    if ((post.delete_at ?? 0) > 0) {
        return {relevant: false, reason: 'deleted'};
    }
    if (post.root_id === '') {
        return {relevant: false, reason: 'top_level'};
    }
    return {relevant: true};
}

export type RelayDecision =
    | {relay: true; via: 'composer' | 'thread_reply'}
    | {relay: false; reason: 'note' | 'composer_only' | 'unknown_mode'};

/**
 * Visitor or internal, for a reply in a conversation thread: the composer's explicit choice wins;
 * plain thread replies follow the relay mode. A composer post with an unreadable mode stays
 * internal — when in doubt, nothing reaches the visitor.
 */
export function decideRelay(post: InboundPost, relayMode: RelayMode): RelayDecision {
    const mode = composerModeOf(post.props);
    if (mode === 'visitor') {
        return {relay: true, via: 'composer'};
    }
    if (mode === 'note') {
        return {relay: false, reason: 'note'};
    }
    if (mode === 'unknown') {
        return {relay: false, reason: 'unknown_mode'};
    }
    return relayMode === 'all_replies' ? {relay: true, via: 'thread_reply'} : {relay: false, reason: 'composer_only'};
}
