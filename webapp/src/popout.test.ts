// The panel popped out (Mattermost 11): the main window's listener and the pop-out's follower,
// joined by an in-memory message channel like the web app's postMessage pair.
import {GET_PANEL, PANEL, followOpener, panelPopoutListener, popoutUtils, type PopoutUtils} from './popout';
import {selectConversation, showConversationList} from './store/actions';
import {getPanel} from './store/selectors';
import {CHANNEL_ID, ROOT_ID} from './testing/fixtures';
import {makeEntities, makeStore} from './testing/store';
import type {HostStore} from './types/host';

function pair() {
    const toPopout: Array<(channel: string, ...args: unknown[]) => void> = [];
    const toParent: Array<(channel: string, ...args: unknown[]) => void> = [];
    const closers: Array<() => void> = [];
    const sent: unknown[][] = [];
    const listeners = {
        sendToPopout: (channel: string, ...args: unknown[]) => {
            sent.push([channel, ...args]);
            toPopout.forEach((l) => l(channel, ...(JSON.parse(JSON.stringify(args)) as unknown[]))); // a copy, as postMessage makes
        },
        onMessageFromPopout: (l: (channel: string, ...args: unknown[]) => void) => toParent.push(l),
        onClosePopout: (l: () => void) => closers.push(l),
    };
    const utils: PopoutUtils = {
        isPopoutWindow: () => true,
        sendToParent: (channel, ...args) => toParent.forEach((l) => l(channel, ...args)),
        onMessageFromParent: (l) => toPopout.push(l),
    };
    return {listeners, utils, sent, close: () => closers.forEach((c) => c())};
}

test('the pop-out shows the main window\'s conversation and follows its clicks until it closes', () => {
    const main = makeStore(makeEntities());
    const popout = makeStore(makeEntities());
    main.dispatch(selectConversation(ROOT_ID, CHANNEL_ID));
    const {listeners, utils, sent, close} = pair();

    panelPopoutListener(main as unknown as HostStore)('team', 'channel', listeners);
    main.dispatch(showConversationList(CHANNEL_ID));
    expect(sent).toEqual([]); // nothing before the pop-out asks
    main.dispatch(selectConversation(ROOT_ID, CHANNEL_ID));

    followOpener(utils, popout.dispatch);
    expect(sent[0]).toEqual([PANEL, {view: 'conversation', rootId: ROOT_ID, channelId: CHANNEL_ID}]);
    expect(getPanel(popout.getState())).toEqual({view: 'conversation', rootId: ROOT_ID, channelId: CHANNEL_ID});

    // A card or menu click in the main window selects another view: the pop-out follows.
    main.dispatch(showConversationList(CHANNEL_ID));
    expect(getPanel(popout.getState())).toMatchObject({view: 'list', channelId: CHANNEL_ID});

    close();
    main.dispatch(selectConversation(ROOT_ID, CHANNEL_ID));
    expect(getPanel(popout.getState())).toMatchObject({view: 'list'});
    expect(sent.map(([channel]) => channel)).toEqual([PANEL, PANEL]);
    expect(GET_PANEL).not.toBe(PANEL);
});

test('without the web app\'s pop-out utilities there is nothing to follow', () => {
    expect(popoutUtils({} as Window)).toBeNull();
    expect(popoutUtils({WebappUtils: {popouts: {isPopoutWindow: () => false}}} as unknown as Window)).not.toBeNull();
});
