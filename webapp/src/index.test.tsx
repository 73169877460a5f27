// The entry registers everything with the host's registry and nothing else.
import {stringsFor, type Strings} from './i18n';
import type {PluginRegistry, HostStore} from './types/host';
import {getPanel, getPluginState} from './store/selectors';
import {threadReceived} from './store/actions';
import {postList} from './testing/fake_client';
import {CHANNEL_ID, ROOT_ID, T0, makeAgentReply, makeGuestMessage, makePost, makeRoot} from './testing/fixtures';
import {makeEntities, makeStore} from './testing/store';

type Calls = Record<string, unknown[][]>;

/**
 * What a registered text shows in English: a string, or a LocalizedText element naming a catalogue
 * string (localized_text.test.tsx renders one; here the entry's modules are an isolated copy whose
 * React the test's renderer does not share).
 */
function textOf(node: unknown): string {
    if (typeof node === 'string') {
        return node;
    }
    const name = (node as {props?: {name?: keyof Strings}}).props?.name;
    return name ? String(stringsFor('en')[name]) : '';
}

function fakeRegistry(withAppBar = false): {registry: PluginRegistry; calls: Calls} {
    const calls: Calls = {};
    const record = (name: string, result?: unknown) => (...args: unknown[]) => {
        (calls[name] ??= []).push(args);
        return result ?? `${name}-${calls[name]!.length}`;
    };
    const registry = {
        registerReducer: record('registerReducer'),
        registerPostTypeComponent: record('registerPostTypeComponent'),
        registerRightHandSidebarComponent: record('registerRightHandSidebarComponent', {id: 'rhs', showRHSPlugin: {type: 'SHOW_RHS'}, hideRHSPlugin: {type: 'HIDE_RHS'}, toggleRHSPlugin: null}),
        registerPostDropdownMenuAction: record('registerPostDropdownMenuAction'),
        registerChannelHeaderButtonAction: record('registerChannelHeaderButtonAction'),
        registerPostMessageAttachmentComponent: record('registerPostMessageAttachmentComponent'),
        registerWebSocketEventHandler: record('registerWebSocketEventHandler'),
        registerReconnectHandler: record('registerReconnectHandler'),
        registerAdminConsoleCustomSetting: record('registerAdminConsoleCustomSetting'),
        ...(withAppBar ? {registerAppBarComponent: record('registerAppBarComponent')} : {}),
    } as unknown as PluginRegistry;
    return {registry, calls};
}

test('registers the plugin under its id and wires every way in', () => {
    const registerPlugin = jest.fn();
    window.registerPlugin = registerPlugin;
    jest.isolateModules(() => {
        require('./index');
    });
    expect(registerPlugin).toHaveBeenCalledTimes(1);
    const [id, plugin] = registerPlugin.mock.calls[0]!;
    expect(id).toBe('net.ireserve.mattermost');

    const guest = makeGuestMessage('hi', T0 + 1);
    const reply = makeAgentReply('reply', 'hello', T0 + 2);
    const unrelated = makePost({id: 'unrelated', message: 'lunch?'});
    const store = makeStore(makeEntities([makeRoot(), guest, reply, unrelated]));
    const dispatched: unknown[] = [];
    const hostStore = {
        ...store,
        getState: store.getState,
        dispatch: (action: never) => {
            dispatched.push(action);
            return store.dispatch(action);
        },
    } as unknown as HostStore;

    const {registry, calls} = fakeRegistry();
    plugin.initialize(registry, hostStore);

    expect(calls.registerReducer).toHaveLength(1);
    expect(calls.registerPostTypeComponent!.map(([type]) => type)).toEqual(['custom_irsv_conversation', 'custom_irsv_notification']);
    expect(textOf(calls.registerRightHandSidebarComponent![0]![1])).toBe('i-Reserve');
    expect(calls.registerAppBarComponent).toBeUndefined();
    expect(calls.registerPostMessageAttachmentComponent).toHaveLength(1);
    expect(calls.registerWebSocketEventHandler!.map(([event]) => event)).toEqual(['posted', 'post_edited', 'post_deleted', 'reaction_added', 'reaction_removed', 'ephemeral_message']);
    expect(calls.registerReconnectHandler).toHaveLength(1);
    // System Console: the stand-in that downloads the screens on first render (admin_console_loader).
    const [settingKey, setting, settingOptions] = calls.registerAdminConsoleCustomSetting![0] as [string, {name: string}, unknown];
    expect([settingKey, setting.name, settingOptions]).toEqual(['IntegrationSetup', 'LazySetting', {showTitle: true}]);
    expect(document.getElementById('net.ireserve.mattermost-styles')).not.toBeNull();

    // Post menu: "Open in i-Reserve panel" on every post of a conversation thread, nowhere else.
    const [text, action, filter] = calls.registerPostDropdownMenuAction![0] as [unknown, (id: string) => void, (id: string) => boolean];
    expect(textOf(text)).toBe('Open in i-Reserve panel');
    expect([ROOT_ID, guest.id, 'reply', 'unrelated'].map(filter)).toEqual([true, true, true, false]);
    action('reply');
    expect(getPanel(store.getState())).toEqual({view: 'conversation', rootId: ROOT_ID, channelId: null});
    expect(dispatched).toContainEqual({type: 'SHOW_RHS'});

    // Channel header: lists the channel's conversations in the panel.
    const [, headerAction, dropdownText, tooltipText] = calls.registerChannelHeaderButtonAction![0] as [unknown, (channel: {id: string}) => void, unknown, unknown];
    expect([textOf(dropdownText), textOf(tooltipText)]).toEqual(['i-Reserve conversations', 'Open conversations of this channel']);
    headerAction({id: CHANNEL_ID});
    expect(getPanel(store.getState())).toMatchObject({view: 'list', channelId: CHANNEL_ID});

    // WebSocket events reach the plugin's own posts.
    store.dispatch(threadReceived(ROOT_ID, postList([makeRoot()])));
    const posted = calls.registerWebSocketEventHandler![0]![1] as (msg: unknown) => void;
    posted({event: 'posted', data: {post: JSON.stringify(makeAgentReply('ws', 'live', T0 + 3))}});
    expect(getPluginState(store.getState()).threads[ROOT_ID]?.postIds).toContain('ws');

    plugin.uninitialize();
    expect(document.getElementById('net.ireserve.mattermost-styles')).toBeNull();
});

test('with the App Bar: an icon from the plugin\'s public/ folder that opens the channel\'s list, and closes the panel when it shows', () => {
    const registerPlugin = jest.fn();
    window.registerPlugin = registerPlugin;
    jest.isolateModules(() => {
        require('./index');
    });
    const plugin = registerPlugin.mock.calls[0]![1];
    const store = makeStore(makeEntities([makeRoot()]));
    let rhs: {rhsState: string | null; pluggableId: string} = {rhsState: null, pluggableId: ''};
    const dispatched: unknown[] = [];
    const hostStore = {
        ...store,
        getState: () => ({...store.getState(), views: {rhs}}),
        dispatch: (action: never) => {
            dispatched.push(action);
            return store.dispatch(action);
        },
    } as unknown as HostStore;
    const {registry, calls} = fakeRegistry(true);
    plugin.initialize(registry, hostStore);

    const [iconUrl, action, tooltip] = calls.registerAppBarComponent![0] as [string, (channel: {id: string}) => void, unknown];
    expect(iconUrl).toBe('http://localhost/plugins/net.ireserve.mattermost/public/app-bar-icon.svg');
    expect(textOf(tooltip)).toBe('Open conversations of this channel');
    expect(calls.registerChannelHeaderButtonAction).toHaveLength(1); // kept for servers with the App Bar off

    action({id: CHANNEL_ID});
    expect(getPanel(store.getState())).toMatchObject({view: 'list', channelId: CHANNEL_ID});
    expect(dispatched).toContainEqual({type: 'SHOW_RHS'});

    // The host now shows this panel: the same click closes it.
    rhs = {rhsState: 'plugin', pluggableId: 'rhs'};
    action({id: CHANNEL_ID});
    expect(dispatched.at(-1)).toEqual({type: 'HIDE_RHS'});
    plugin.uninitialize();
});
