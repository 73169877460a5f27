// Test data in the shapes the bridge and Mattermost produce (DESIGN §7).
import {CONVERSATION_POST_TYPE} from '@ireserve/contract';
import type {Post} from '@mattermost/types/posts';
import type {Reaction} from '@mattermost/types/reactions';

export const BOT_ID = 'botuserid00000000000000000';
export const AGENT_ID = 'agentuserid000000000000000';
export const OTHER_AGENT_ID = 'otheragentid00000000000000';
export const CHANNEL_ID = 'supportchannel000000000000';
export const ROOT_ID = 'rootpost000000000000000000';
export const T0 = Date.UTC(2025, 5, 14, 9, 30);

export function makePost(overrides: Partial<Post> & {id: string}): Post {
    return {
        create_at: T0,
        update_at: overrides.create_at ?? T0,
        edit_at: 0,
        delete_at: 0,
        is_pinned: false,
        user_id: AGENT_ID,
        channel_id: CHANNEL_ID,
        root_id: '',
        original_id: '',
        message: '',
        type: '' as Post['type'],
        props: {},
        hashtags: '',
        pending_post_id: '',
        reply_count: 0,
        metadata: {embeds: [], emojis: [], files: [], images: {}} as unknown as Post['metadata'],
        ...overrides,
    };
}

export function conversationProps(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        v: 1,
        licence: 'L-1001',
        conversation_id: 'conv-42',
        visitor_name: 'Anna de Vries',
        visitor_email: 'anna@example.com',
        page_url: 'https://park.example.com/accommodations/beach-house',
        started_at: new Date(T0).toISOString(),
        status: 'open',
        assignee: {name: 'Sam Support', email: 'sam@example.com'},
        relay_mode: 'all_replies',
        ...overrides,
    };
}

export function makeRoot(ireserve: Record<string, unknown> = conversationProps(), overrides: Partial<Post> = {}): Post {
    return makePost({
        id: ROOT_ID,
        user_id: BOT_ID,
        type: CONVERSATION_POST_TYPE as Post['type'],
        message: 'Web chat with Anna de Vries (anna@example.com) from https://park.example.com/accommodations/beach-house',
        props: {from_bot: 'true', ireserve: ireserve},
        ...overrides,
    });
}

let seq = 0;

export function makeGuestMessage(text: string, at: number, overrides: Partial<Post> = {}): Post {
    seq += 1;
    return makePost({
        id: `guest${String(seq).padStart(21, '0')}`,
        user_id: BOT_ID,
        root_id: ROOT_ID,
        create_at: at,
        message: text,
        props: {from_bot: 'true', ireserve: {v: 1, message_id: `m-${seq}`, sender_type: 'visitor', sender_name: 'Anna de Vries'}},
        ...overrides,
    });
}

export function makeAgentReply(id: string, text: string, at: number, overrides: Partial<Post> = {}): Post {
    return makePost({id, user_id: AGENT_ID, root_id: ROOT_ID, create_at: at, message: text, ...overrides});
}

export function reaction(postId: string, emoji: string, userId = BOT_ID): Reaction {
    return {post_id: postId, user_id: userId, emoji_name: emoji, create_at: T0 + 1};
}

/** The root's `props.attachments` as the bridge offers actions (ids = action names), for clients without the plugin. */
export function actionAttachments(ids: string[]): Array<Record<string, unknown>> {
    return [{
        fallback: 'Actions',
        actions: ids.map((id) => (id === 'assign'
            ? {id, type: 'select', name: 'Assign…', data_source: 'users'}
            : {id, type: 'button', name: id})),
    }];
}

/** A conversation root offering `ids` as actions. */
export function makeRootWithActions(ireserve: Record<string, unknown>, ids: string[], overrides: Partial<Post> = {}): Post {
    const root = makeRoot(ireserve, overrides);
    return {...root, props: {...root.props, attachments: actionAttachments(ids)}};
}

/** A bot note in the thread about an action (DESIGN §10 feedback). */
export function makeActionNote(id: string, note: Record<string, unknown>, at: number): Post {
    return makePost({
        id,
        user_id: BOT_ID,
        root_id: ROOT_ID,
        create_at: at,
        message: String(note.detail ?? note.action),
        props: {from_bot: 'true', ireserve: {v: 1, kind: 'action_note', ...note}},
    });
}
