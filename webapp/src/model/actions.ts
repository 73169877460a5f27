// Acting on a conversation (DESIGN §10), as the webapp reads it from the posts the bridge makes:
// the root's interactive-message actions (`props.attachments[].actions`, ids = action names, only
// those the conversation's state allows) and the bot's feedback notes in the thread
// (`props.ireserve.kind = 'action_note'`). Untrusted input from posts: every field is checked.
import {ACTION_NOTE_KIND, ACTION_OUTCOMES, isConversationAction, type ActionOutcome, type ConversationAction} from '@ireserve/contract';
import type {Post} from '@mattermost/types/posts';

import type {Conversation} from './conversation';
import {ireserveProps} from './conversation';

/**
 * The action ids the root post offers (Mattermost only routes a click to an action present on the
 * post). The bridge names each action's id after the action.
 */
export function offeredActions(post: Pick<Post, 'props'> | undefined | null): Set<ConversationAction> {
    const offered = new Set<ConversationAction>();
    const attachments = post?.props?.attachments;
    if (!Array.isArray(attachments)) {
        return offered;
    }
    for (const attachment of attachments) {
        const actions = (attachment as {actions?: unknown} | null)?.actions;
        if (!Array.isArray(actions)) {
            continue;
        }
        for (const action of actions) {
            const id = (action as {id?: unknown} | null)?.id;
            if (isConversationAction(id)) {
                offered.add(id);
            }
        }
    }
    return offered;
}

export type Viewer = {userId: string; username: string | null};

/** Whether the conversation is assigned to the viewer: by Mattermost user id, else by username. */
export function isAssignedTo(conversation: Conversation, viewer: Viewer): boolean {
    if (conversation.assigneeUserId) {
        return conversation.assigneeUserId === viewer.userId;
    }
    return Boolean(conversation.assigneeUsername && viewer.username && conversation.assigneeUsername === viewer.username);
}

/**
 * The buttons an agent sees, in order, from the conversation's state and who is looking:
 * closed → Reopen; open and mine → Unassign, Close; open and someone else's → Claim (take over),
 * Assign…, Close; open and unassigned → Claim, Assign…, Close. Only actions the root offers are
 * kept (an older bridge, or a state the bridge sees differently, offers fewer).
 */
export function actionsFor(conversation: Conversation, viewer: Viewer, offered: ReadonlySet<ConversationAction>): ConversationAction[] {
    let wanted: ConversationAction[];
    if (conversation.status === 'closed') {
        wanted = ['reopen'];
    } else if (isAssignedTo(conversation, viewer)) {
        wanted = ['unassign', 'close'];
    } else {
        wanted = ['claim', 'assign', 'close'];
    }
    return wanted.filter((action) => offered.has(action));
}

export type ActionNote = {
    action: ConversationAction;

    /** applied / refused by i-Reserve; failed: the bridge could not ask i-Reserve (its reason in `detail`). */
    outcome: ActionOutcome;
    actorName: string | null;
    detail: string | null;
};

function text(value: unknown): string | null {
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** A bot note about an action (applied or refused by i-Reserve), or null for any other post. */
export function parseActionNote(post: Pick<Post, 'props'>): ActionNote | null {
    const props = ireserveProps(post);
    if (!props || props.kind !== ACTION_NOTE_KIND || !isConversationAction(props.action)) {
        return null;
    }
    const outcome = ACTION_OUTCOMES.find((known) => known === props.outcome);
    if (!outcome) {
        return null;
    }
    return {action: props.action, outcome, actorName: text(props.actor_name), detail: text(props.detail)};
}
