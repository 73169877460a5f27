import type {ActionNoteProps, ConversationAction} from '../contract/actions.js';
import type {ReplyAuthor} from '../domain/inbound/author.js';

/**
 * The outbox jobs of conversation actions (DESIGN §10). Kinds are `<direction>.<subject>` and
 * payloads snake_case like every job (migration 0008_action_job_names converted rows written
 * before). Keys (all per licence):
 * - `inbound.action`: the signed `conversation.action` callback to i-Reserve.
 *   ordering `reply:<conversation id>` — the same key as the conversation's replies, so replies and
 *   actions reach i-Reserve in the order agents made them; dedupe `action:<conversation>:<action>:
 *   <state version>[:<target user>]` (domain/actions/rules.ts) — a double click is one job.
 * - `inbound.action_note`: the bot's one-line note in the thread saying what became of the action.
 *   ordering `action_note:<conversation id>`, dedupe `action_note:<action id>` — one note per action.
 * When i-Reserve applied the action, an outbound `conversation.updated` job (ordering
 * `conv:<conversation id>`, dedupe `action_applied:<action id>`) brings the card up to date; a later
 * `conversation.updated` from i-Reserve runs after it and wins.
 */
export const ACTION_JOB_KINDS = {
    callback: 'inbound.action',
    note: 'inbound.action_note',
} as const;

/**
 * The kinds a bridge before migration 0008 queued, with camelCase payloads. A process of that
 * version may still queue them while several processes are upgraded one by one, so the worker
 * runs them too (the payload's keys converted first).
 */
export const LEGACY_ACTION_JOB_KINDS = {
    callback: 'action.callback',
    note: 'action.note',
} as const;

export type ActionVia = 'button' | 'command';

export interface ActionCallbackPayload {
    /** The bridge's id of the action (callback `data.action_id`, `webhook-id` derived from it). */
    action_id: string;
    conversation_id: string;
    root_id: string;
    channel_id: string;
    action: ConversationAction;
    actor: ReplyAuthor;
    assignee?: ReplyAuthor;
    /** When the agent clicked or typed it (ms). */
    created_at: number;
    via: ActionVia;
}

/** The note's props (contract ActionNoteProps, without the version and kind) and where it goes. */
export type ActionNotePayload = Omit<ActionNoteProps, 'v' | 'kind'> & {
    root_id: string;
    channel_id: string;
};
