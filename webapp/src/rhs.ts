// Opening the i-Reserve panel in the right-hand sidebar. The host hands out the "show" and "hide"
// actions when the panel is registered (index.tsx); every way in (card button, post menu, App Bar,
// channel header) ends here.
import type {Dispatch, UnknownAction} from 'redux';

import {selectConversation, showConversationList} from './store/actions';
import type {HostState, RhsRegistration} from './types/host';

let registration: Pick<RhsRegistration, 'id' | 'showRHSPlugin' | 'hideRHSPlugin'> | null = null;

export function setRhsRegistration(value: Pick<RhsRegistration, 'id' | 'showRHSPlugin' | 'hideRHSPlugin'> | null): void {
    registration = value;
}

/**
 * Whether the sidebar shows this panel now: the web app's views.rhs holds the open sidebar's state
 * ('plugin') and the plugin component's id (actions/views/rhs.ts toggleRHSPlugin decides the same way).
 */
export function isPanelOpen(state: HostState): boolean {
    const rhs = state.views?.rhs;
    return Boolean(registration && rhs && rhs.rhsState === 'plugin' && rhs.pluggableId === registration.id);
}

/** The App Bar and channel-header button: open the channel's conversation list, or close the panel. */
export function togglePanel(dispatch: Dispatch, getState: () => HostState, channelId: string | null): void {
    if (registration && isPanelOpen(getState())) {
        dispatch(registration.hideRHSPlugin as UnknownAction);
        return;
    }
    openConversationList(dispatch, channelId);
}

function showPanel(dispatch: Dispatch): void {
    if (registration) {
        dispatch(registration.showRHSPlugin);
    }
}

export function openConversation(dispatch: Dispatch, rootId: string, channelId: string | null): void {
    dispatch(selectConversation(rootId, channelId));
    showPanel(dispatch);
}

export function openConversationList(dispatch: Dispatch, channelId: string | null): void {
    dispatch(showConversationList(channelId));
    showPanel(dispatch);
}
