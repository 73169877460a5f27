import {createHash} from 'node:crypto';

import {
    ACTION_LABELS, ACTION_NOTE_KIND, availableActions,
    type ActionNoteProps, type ConversationAction, type ConversationAssignee,
} from '../../contract/actions.js';
import type {ReplyAuthor} from '../inbound/author.js';
import {safeInline} from '../outbound/text_safety.js';

/**
 * Acting on a conversation (DESIGN §10), the pure part: which action the state allows, what the
 * `conversation.action` callback says, what the card's buttons and the thread note look like.
 */

/** The state the bridge knows, from the conversation's stored context. */
export interface ActionState {
    status: 'open' | 'closed';
    assignee: ConversationAssignee | null;
}

export function stateOf(context: Record<string, unknown>, status: string): ActionState {
    const raw = context.assignee as Partial<ConversationAssignee> | null | undefined;
    const assignee = raw && typeof raw === 'object' && typeof raw.name === 'string' && raw.name !== ''
        ? {name: raw.name, ...(typeof raw.email === 'string' ? {email: raw.email} : {}),
            ...(typeof raw.username === 'string' ? {username: raw.username} : {}),
            ...(typeof raw.mattermost_user_id === 'string' ? {mattermost_user_id: raw.mattermost_user_id} : {})}
        : null;
    return {status: status === 'closed' || context.status === 'closed' ? 'closed' : 'open', assignee};
}

/** Whether this assignee is that Mattermost user (by user id, else by e-mail, case-insensitive). */
function isUser(assignee: ConversationAssignee | null, user: {id: string; email?: string}): boolean {
    if (!assignee) {
        return false;
    }
    if (assignee.mattermost_user_id) {
        return assignee.mattermost_user_id === user.id;
    }
    return Boolean(assignee.email && user.email && assignee.email.toLowerCase() === user.email.toLowerCase());
}

/**
 * The refusal the bridge can decide itself, in plain words, or null when the action may go to
 * i-Reserve. `target` is who would get the conversation (claim: the actor; assign: the chosen user).
 */
export function refusalForState(action: ConversationAction, state: ActionState, target?: {id: string; email?: string; name: string}): string | null {
    if (!availableActions(state).includes(action)) {
        if (state.status === 'closed') {
            return 'This conversation is closed. Reopen it first.';
        }
        if (action === 'reopen') {
            return 'This conversation is already open.';
        }
        if (action === 'unassign') {
            return 'Nobody has this conversation, so there is nobody to unassign.';
        }
        return `You cannot ${action} this conversation now.`;
    }
    if (action === 'claim' && target && isUser(state.assignee, target)) {
        return 'You already have this conversation.';
    }
    if (action === 'assign' && target && isUser(state.assignee, target)) {
        return `${target.name} already has this conversation.`;
    }
    return null;
}

/** Who has the conversation after i-Reserve applied the action (undefined: unchanged). */
export function appliedState(action: ConversationAction, assignee: ReplyAuthor | undefined): {status?: 'open' | 'closed'; assignee?: ConversationAssignee | null} {
    switch (action) {
    case 'claim':
    case 'assign':
        return assignee ? {assignee: assigneeOf(assignee)} : {};
    case 'unassign':
        return {assignee: null};
    case 'close':
        return {status: 'closed'};
    case 'reopen':
        return {status: 'open'};
    }
}

export function assigneeOf(author: ReplyAuthor): ConversationAssignee {
    return {
        name: author.name,
        ...(author.email ? {email: author.email} : {}),
        username: author.username,
        mattermost_user_id: author.mattermost_user_id,
    };
}

/** The signed callback's body (docs/inbound.md, "conversation.action"). */
export interface ConversationActionCallback {
    type: 'conversation.action';
    licence: string;
    data: {
        conversation_id: string;
        action_id: string;
        action: ConversationAction;
        actor: ReplyAuthor;
        assignee?: ReplyAuthor;
        /** ISO 8601: when the agent clicked or typed it. */
        created_at: string;
    };
}

export function buildActionCallback(input: {licence: string; conversationId: string; actionId: string; action: ConversationAction; actor: ReplyAuthor; assignee?: ReplyAuthor; createdAtMs: number}): ConversationActionCallback {
    return {
        type: 'conversation.action',
        licence: input.licence,
        data: {
            conversation_id: input.conversationId,
            action_id: input.actionId,
            action: input.action,
            actor: input.actor,
            ...(input.assignee ? {assignee: input.assignee} : {}),
            created_at: new Date(input.createdAtMs).toISOString(),
        },
    };
}

/** `act_` + 32 url-safe characters, the same for the same (licence, action id) on every retry and process. */
export function actionWebhookId(licence: string, actionId: string): string {
    return `act_${createHash('sha256').update(`conversation.action\n${licence}\n${actionId}`).digest('base64url').slice(0, 32)}`;
}

/**
 * The dedupe key of an action: the same action on the same conversation in the same state (the
 * conversation's `updatedAt`, its state version) with the same target is one action — a double
 * click queues one callback. Close/reopen/unassign have no target: two agents closing at once is one close.
 */
export function actionDedupeKey(conversationId: string, action: ConversationAction, stateVersion: number, targetUserId?: string): string {
    const target = action === 'claim' || action === 'assign' ? `:${targetUserId ?? ''}` : '';
    return `action:${conversationId}:${action}:${stateVersion}${target}`;
}

/** The thread note's one line. */
export function noteMessage(note: ActionNoteProps): string {
    const actor = safeInline(note.actor_name, 100);
    const assignee = note.assignee_name ? safeInline(note.assignee_name, 100) : 'someone';
    if (note.outcome === 'applied') {
        switch (note.action) {
        case 'claim':
            return `${actor} took this conversation.`;
        case 'assign':
            return `${actor} assigned this conversation to ${assignee}.`;
        case 'unassign':
            return `${actor} unassigned this conversation.`;
        case 'close':
            return `${actor} closed this conversation.`;
        case 'reopen':
            return `${actor} reopened this conversation.`;
        }
    }
    const what = note.action === 'assign' ? `assign this conversation to ${assignee}` : `${note.action} this conversation`;
    const detail = note.detail ? ` ${safeInline(note.detail, 500)}` : '';
    return note.outcome === 'refused'
        ? `:no_entry: i-Reserve refused ${actor}'s request to ${what}.${detail}`
        : `:warning: ${actor}'s request to ${what} could not be sent to i-Reserve.${detail}`;
}

export function actionNote(fields: Omit<ActionNoteProps, 'v' | 'kind'>): {message: string; props: {ireserve: ActionNoteProps}} {
    const note: ActionNoteProps = {v: 1, kind: ACTION_NOTE_KIND, ...fields};
    return {message: noteMessage(note), props: {ireserve: note}};
}

/** The immediate answer to the person who clicked, once the action is queued. */
export function queuedText(action: ConversationAction, assigneeName?: string): string {
    const what = action === 'assign' ? `assign this conversation to ${assigneeName ?? 'them'}` : `${action} this conversation`;
    return `Asked i-Reserve to ${what}. The thread will say when it is done.`;
}

/** One Mattermost interactive-message action (props.attachments[].actions[]). */
export interface AttachmentAction {
    id: ConversationAction;
    name: string;
    type: 'button' | 'select';
    style?: 'default' | 'primary' | 'danger' | 'good';
    data_source?: 'users';
    integration: {url: string; context: Record<string, string>};
}

/**
 * The root post's attachment with the buttons for the state (the same for everyone: the plugin
 * draws its own, aware of who looks). `sign` makes each action's context signature.
 */
export function cardAttachment(state: ActionState, url: string, context: {licence: string; conversationId: string}, sign: (action: ConversationAction) => string): {fallback: string; actions: AttachmentAction[]} {
    const actions = availableActions(state).map((action): AttachmentAction => ({
        id: action,
        name: ACTION_LABELS[action],
        type: action === 'assign' ? 'select' : 'button',
        ...(action === 'assign' ? {data_source: 'users' as const} : {}),
        ...(action === 'claim' ? {style: 'primary' as const} : {}),
        integration: {url, context: {licence: context.licence, conversation_id: context.conversationId, action, sig: sign(action)}},
    }));
    return {fallback: `Actions: ${actions.map((action) => action.name).join(', ')}`, actions};
}
