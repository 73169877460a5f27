// Mattermost 11 can pop the right-hand sidebar out into a window of its own
// (webapp/channels/src/utils/popouts/popout_windows.ts popoutRhsPlugin: it opens
// /_popout/rhs/<team>/<channel>/plugin/<id>, a fresh web app that loads the plugins again and
// shows only the plugin's sidebar component). That window starts with an empty plugin state, so:
//   - the main window registers a pop-out listener (registry.registerRHSPluginPopoutListener): when
//     the panel is popped out, it answers the pop-out's request with the panel's state and then
//     sends every change of it (a card or menu click in the main window selects a conversation);
//   - the pop-out window (window.WebappUtils.popouts.isPopoutWindow()) asks its opener for that
//     state and follows what it receives; the panel then loads the thread itself, as usual.
// Servers without pop-outs have neither function: nothing happens there.
import type {Dispatch} from 'redux';

import type {PanelState} from './store/reducers';
import {selectConversation, showConversationList} from './store/actions';
import {getPanel} from './store/selectors';
import type {HostStore} from './types/host';

/** The pop-out asks for the panel's state; the main window answers and keeps sending it. */
export const GET_PANEL = 'irsv_get_panel';
export const PANEL = 'irsv_panel';

export type PopoutListeners = {
    sendToPopout?: (channel: string, ...args: unknown[]) => void;
    onMessageFromPopout?: (listener: (channel: string, ...args: unknown[]) => void) => void;
    onClosePopout?: (listener: () => void) => void;
};

export type PopoutUtils = {
    isPopoutWindow(): boolean;
    sendToParent(channel: string, ...args: unknown[]): void;
    onMessageFromParent(listener: (channel: string, ...args: unknown[]) => void): void;
};

function isPanel(value: unknown): value is PanelState {
    const panel = value as PanelState | null;
    return Boolean(panel) && (panel!.view === 'list' || panel!.view === 'conversation');
}

/** Main window: the listener given to registerRHSPluginPopoutListener. */
export function panelPopoutListener(store: HostStore) {
    return (_teamName: string, _channelName: string | undefined, listeners: PopoutListeners) => {
        const send = listeners.sendToPopout;
        if (!send) {
            return;
        }
        let last: PanelState | null = null;
        let ready = false;
        const push = () => {
            const panel = getPanel(store.getState());
            if (ready && panel !== last) {
                last = panel;
                send(PANEL, panel);
            }
        };
        listeners.onMessageFromPopout?.((channel) => {
            if (channel === GET_PANEL) {
                ready = true;
                last = null;
                push();
            }
        });
        const unsubscribe = store.subscribe(push);
        listeners.onClosePopout?.(unsubscribe);
    };
}

/** Pop-out window: ask the opener for the panel's state and follow it. */
export function followOpener(utils: PopoutUtils, dispatch: Dispatch): void {
    utils.onMessageFromParent((channel, panel) => {
        if (channel !== PANEL || !isPanel(panel)) {
            return;
        }
        if (panel.view === 'conversation' && panel.rootId) {
            dispatch(selectConversation(panel.rootId, panel.channelId));
        } else {
            dispatch(showConversationList(panel.channelId));
        }
    });
    utils.sendToParent(GET_PANEL);
}

/** window.WebappUtils.popouts where the web app offers it (Mattermost 11 and later). */
export function popoutUtils(win: Window = window): PopoutUtils | null {
    const utils = (win as unknown as {WebappUtils?: {popouts?: PopoutUtils}}).WebappUtils?.popouts;
    return utils && typeof utils.isPopoutWindow === 'function' ? utils : null;
}
