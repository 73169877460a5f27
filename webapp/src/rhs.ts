// Opening the i-Reserve panel in the right-hand sidebar. The host hands out the "show" action when
// the panel is registered (index.tsx); every way in (card button, post menu, channel header) ends here.
import type {Dispatch} from 'redux';

import {selectConversation, showConversationList} from './store/actions';
import type {RhsRegistration} from './types/host';

let registration: Pick<RhsRegistration, 'showRHSPlugin'> | null = null;

export function setRhsRegistration(value: Pick<RhsRegistration, 'showRHSPlugin'> | null): void {
    registration = value;
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
