import type {ActionOutcome, ConversationAction} from '../contract/actions.js';
import type {ReplyAuthor} from '../domain/inbound/author.js';

/**
 * The outbox jobs of conversation actions (DESIGN §10). Keys (all per licence):
 * - `action.callback`: the signed `conversation.action` callback to i-Reserve.
 *   ordering `reply:<conversation id>` — the same key as the conversation's replies, so replies and
 *   actions reach i-Reserve in the order agents made them; dedupe `action:<conversation>:<action>:
 *   <state version>[:<target user>]` (domain/actions/rules.ts) — a double click is one job.
 * - `action.note`: the bot's one-line note in the thread saying what became of the action.
 *   ordering `action_note:<conversation id>`, dedupe `action_note:<action id>` — one note per action.
 * When i-Reserve applied the action, an outbound `conversation.updated` job (ordering
 * `conv:<conversation id>`, dedupe `action_applied:<action id>`) brings the card up to date; a later
 * `conversation.updated` from i-Reserve runs after it and wins.
 */
export const JOB_ACTION_CALLBACK = 'action.callback';
export const JOB_ACTION_NOTE = 'action.note';

export type ActionVia = 'button' | 'command';

export interface ActionCallbackPayload {
    /** The bridge's id of the action (callback `data.action_id`, `webhook-id` derived from it). */
    actionId: string;
    conversationId: string;
    rootId: string;
    channelId: string;
    action: ConversationAction;
    actor: ReplyAuthor;
    assignee?: ReplyAuthor;
    /** When the agent clicked or typed it (ms). */
    createdAt: number;
    via: ActionVia;
}

export interface ActionNotePayload {
    actionId: string;
    conversationId: string;
    rootId: string;
    channelId: string;
    action: ConversationAction;
    outcome: ActionOutcome;
    actorName: string;
    actorUserId: string;
    assigneeName?: string;
    detail?: string;
}
