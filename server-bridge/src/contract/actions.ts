/**
 * Acting on a conversation from Mattermost (DESIGN §10): the names, props and answers the bridge and
 * the webapp plugin share. Pure, no imports outside this folder (see index.ts).
 *
 * Flow: the root post carries Mattermost interactive-message actions (`props.attachments[0].actions`)
 * whose integration URL is the bridge's `ACTIONS_PATH`; a click (attachment button, or the plugin's
 * own button through Client4 `doPostAction(postId, actionId, selectedOption)`) makes Mattermost call
 * the bridge; the bridge checks, answers with `ephemeral_text` at once and sends a signed
 * `conversation.action` callback to i-Reserve; i-Reserve's answer becomes the card's new state and a
 * bot note in the thread (`ActionNoteProps`).
 */

/** The actions. Mattermost routes only action ids made of letters and digits, so these are the ids too. */
export const CONVERSATION_ACTIONS = ['claim', 'assign', 'unassign', 'close', 'reopen'] as const;
export type ConversationAction = (typeof CONVERSATION_ACTIONS)[number];

export function isConversationAction(value: unknown): value is ConversationAction {
    return typeof value === 'string' && (CONVERSATION_ACTIONS as readonly string[]).includes(value);
}

/** Button labels (the attachment buttons and the plugin's buttons say the same). */
export const ACTION_LABELS: Record<ConversationAction, string> = {
    claim: 'Claim',
    assign: 'Assign…',
    unassign: 'Unassign',
    close: 'Close',
    reopen: 'Reopen',
};

/** Where Mattermost sends a click: `BRIDGE_PUBLIC_URL` + this path. */
export const ACTIONS_PATH = '/api/v1/mattermost/actions';
/** Where Mattermost sends the `/ireserve` slash command: `BRIDGE_PUBLIC_URL` + this path. */
export const SLASH_COMMAND_PATH = '/api/v1/mattermost/command';
/** The slash command's trigger word. */
export const SLASH_COMMAND_TRIGGER = 'ireserve';

/**
 * Who has the conversation, in the root's `props.ireserve.assignee`. `name` always; `email` when
 * i-Reserve or Mattermost told it; `username` and `mattermost_user_id` when the bridge knows the
 * Mattermost user (set by an action from Mattermost; i-Reserve's own updates may carry name/e-mail only).
 */
export interface ConversationAssignee {
    name: string;
    email?: string;
    username?: string;
    mattermost_user_id?: string;
}

/**
 * The actions offered for a conversation's state: open → claim, assign, close (+ unassign when
 * someone has it); closed → reopen. `claim` is left out for the user who already has it when
 * `viewerUserId` is given (the plugin knows who looks; the attachment buttons are the same for all).
 */
export function availableActions(state: {status: string; assignee?: ConversationAssignee | null}, viewerUserId?: string): ConversationAction[] {
    if (state.status === 'closed') {
        return ['reopen'];
    }
    const assigned = Boolean(state.assignee && state.assignee.name);
    const mine = assigned && viewerUserId !== undefined && state.assignee?.mattermost_user_id === viewerUserId;
    const actions: ConversationAction[] = [];
    if (!mine) {
        actions.push('claim');
    }
    actions.push('assign');
    if (assigned) {
        actions.push('unassign');
    }
    actions.push('close');
    return actions;
}

/**
 * The `context` of each attachment action, as the bridge writes it and Mattermost sends it back:
 * `sig` is an HMAC of (licence, conversation_id, action) under a per-integration key the bridge
 * keeps sealed. Mattermost strips `integration` (URL and context) from posts it sends to clients.
 */
export interface ActionContext {
    licence: string;
    conversation_id: string;
    action: ConversationAction;
    sig: string;
}

/** What i-Reserve answered, as the thread note tells it. `failed`: it could not be asked (settings), see `detail`. */
export const ACTION_OUTCOMES = ['applied', 'refused', 'failed'] as const;
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];

/** `props.ireserve.kind` of the bot's note after an action. */
export const ACTION_NOTE_KIND = 'action_note';

/**
 * `props.ireserve` of the bot's one-line note in the conversation's thread after an action
 * ("Anna Agent took this conversation"; "i-Reserve refused to close this conversation: …").
 */
export interface ActionNoteProps {
    v: 1;
    kind: typeof ACTION_NOTE_KIND;
    /** The bridge's id of this action (also `data.action_id` of the callback). */
    action_id: string;
    conversation_id: string;
    action: ConversationAction;
    outcome: ActionOutcome;
    /** Display name of who clicked or typed it. */
    actor_name: string;
    actor_user_id: string;
    /** `assign`/`claim`: who was to get the conversation. */
    assignee_name?: string;
    /** i-Reserve's problem `detail` (refused) or the bridge's reason (failed). */
    detail?: string;
}

export function isActionNoteProps(value: unknown): value is ActionNoteProps {
    const props = value as Partial<ActionNoteProps> | null;
    return typeof props === 'object' && props !== null && props.kind === ACTION_NOTE_KIND && isConversationAction(props.action)
        && typeof props.outcome === 'string' && (ACTION_OUTCOMES as readonly string[]).includes(props.outcome);
}

/**
 * The bridge's answer to Mattermost's action request: Mattermost shows `ephemeral_text` to the
 * person who clicked (only on HTTP 200; see server/channels/app/integration_action.go).
 */
export interface ActionResponse {
    ephemeral_text: string;
}
