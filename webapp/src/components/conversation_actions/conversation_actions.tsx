import React, {useState} from 'react';
import {useDispatch, useSelector} from 'react-redux';
import type {ConversationAction} from '@ireserve/contract';

import type {Post} from '@mattermost/types/posts';

import {format, useStrings, type Strings} from '../../i18n';
import {actionsFor, isAssignedTo, offeredActions} from '../../model/actions';
import type {Conversation} from '../../model/conversation';
import type {ConversationActionState} from '../../store/reducers';
import {runConversationAction} from '../../store/operations';
import {getConversationAction, getViewer} from '../../store/selectors';
import type {HostState} from '../../types/host';
import AssignPicker from '../assign_picker/assign_picker';
import {useServices} from '../services';

type Props = {
    /** The conversation's root post: its id, channel, update_at and the actions it offers (`props.attachments[].actions`). */
    root: Pick<Post, 'id' | 'channel_id' | 'update_at' | 'props'>;
    conversation: Conversation;
};

function label(strings: Strings, action: ConversationAction, takeOver: boolean): string {
    switch (action) {
    case 'claim': return takeOver ? strings.actionTakeOver : strings.actionClaim;
    case 'assign': return strings.actionAssign;
    case 'unassign': return strings.actionUnassign;
    case 'close': return strings.actionClose;
    case 'reopen': return strings.actionReopen;
    }
    return action;
}

/**
 * What to say under the buttons: sending, why it failed, or the bridge's answer — the answer only
 * until the root changes after it (then the card itself shows the outcome).
 */
function outcome(strings: Strings, state: ConversationActionState, rootUpdateAt: number): {text: string; error: boolean} | null {
    if (state.pending) {
        return {text: strings.actionSending, error: false};
    }
    if (state.failure) {
        switch (state.failure.kind) {
        case 'bridge': return {text: strings.actionErrorBridge, error: true};
        case 'gone': return {text: strings.actionErrorGone, error: true};
        case 'forbidden': return {text: strings.actionErrorForbidden, error: true};
        case 'network': return {text: strings.actionErrorNetwork, error: true};
        case 'session': return {text: strings.actionErrorSession, error: true};
        default: return {text: format(strings.actionErrorOther, {message: state.failure.message}), error: true};
        }
    }
    if (rootUpdateAt > Math.max(state.rootUpdateAt, state.answerAt)) {
        return null;
    }
    return {text: state.answer ?? strings.actionSent, error: false};
}

/**
 * The buttons to act on a conversation (claim, assign, unassign, close, reopen), for the card and
 * the panel. They follow the conversation's state and the viewer, and are limited to the actions
 * the root offers; a click triggers the root's interactive-message action through Mattermost with
 * the agent's session, exactly as the attachment button would. While a request runs the buttons
 * are disabled (one click is one request); the bridge's immediate answer is shown below them, and
 * the result arrives as a patch of the root, which re-renders the caller.
 */
export default function ConversationActions({root, conversation}: Props) {
    const {strings} = useStrings();
    const dispatch = useDispatch();
    const {client} = useServices();
    const viewer = useSelector(getViewer);
    const state = useSelector((s: HostState) => getConversationAction(s, root.id));
    const [picking, setPicking] = useState(false);

    const actions = actionsFor(conversation, viewer, offeredActions(root));
    if (actions.length === 0) {
        return null;
    }
    const takeOver = conversation.assignee !== null && !isAssignedTo(conversation, viewer);
    const pending = state?.pending ?? false;
    const name = conversation.visitorName || strings.unknownVisitor;
    const run = (action: ConversationAction, selectedOption?: string) => {
        void runConversationAction(dispatch, client, {rootId: root.id, rootUpdateAt: root.update_at, action, selectedOption});
    };
    const shown = state ? outcome(strings, state, root.update_at) : null;

    return (
        <div className='irsv-actions'>
            <div
                role='group'
                aria-label={format(strings.actionsLabel, {name})}
                className='irsv-actions__buttons'
            >
                {actions.map((action) => (
                    <button
                        key={action}
                        type='button'
                        className={action === 'claim' || action === 'reopen' ? 'irsv-btn irsv-btn--primary' : 'irsv-btn'}
                        data-action={action}
                        disabled={pending}
                        aria-expanded={action === 'assign' ? picking : undefined}
                        onClick={() => (action === 'assign' ? setPicking(!picking) : run(action))}
                    >
                        {label(strings, action, takeOver)}
                    </button>
                ))}
            </div>
            {picking && (
                <AssignPicker
                    channelId={root.channel_id}
                    currentAssigneeId={conversation.assigneeUserId}
                    onPick={(userId) => {
                        setPicking(false);
                        run('assign', userId);
                    }}
                    onCancel={() => setPicking(false)}
                />
            )}
            {shown && (
                <p
                    className={shown.error ? 'irsv-error' : 'irsv-status'}
                    role={shown.error ? 'alert' : 'status'}
                    data-testid='irsv-action-outcome'
                >
                    {shown.text}
                </p>
            )}
        </div>
    );
}
