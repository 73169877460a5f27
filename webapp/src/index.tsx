// The plugin's entry: it only registers. What each registration shows lives in components/,
// what it reads and does in store/.
import React from 'react';
import {CONVERSATION_POST_TYPE, NOTIFICATION_POST_TYPE} from '@ireserve/contract';

import LazyIntegrationSetup from './components/admin_console_loader/admin_console_loader';
import ChannelHeaderIcon from './components/channel_header_icon/channel_header_icon';
import ConversationCard from './components/conversation_card/conversation_card';
import ConversationPanel from './components/conversation_panel/conversation_panel';
import PostDeliveryBadge from './components/delivery_badge/delivery_badge';
import LocalizedText from './components/localized_text/localized_text';
import NotificationCard from './components/notification_card/notification_card';
import manifest from './manifest';
import {followOpener, panelPopoutListener, popoutUtils} from './popout';
import {appBarIconURL} from './public_path';
import {openConversation, setRhsRegistration, togglePanel} from './rhs';
import reducer from './store/reducers';
import {getConversationRootId, getPanel} from './store/selectors';
import {loadThread} from './store/operations';
import {WEBSOCKET_EVENTS, handleWebSocketEvent} from './store/websocket';
import {getDefaultClient} from './client/mattermost_client';
import {injectStyles} from './styles/styles';
import type {ChannelLike, HostStore, PluginRegistry} from './types/host';

export class Plugin {
    private removeStyles: (() => void) | null = null;

    initialize(registry: PluginRegistry, store: HostStore): void {
        this.removeStyles = injectStyles();

        registry.registerReducer(reducer);

        // Agent experience (DESIGN §6): cards, the panel and its ways in, delivery badges. Texts handed
        // to the host are elements, so they follow a change of the user's language.
        registry.registerPostTypeComponent(CONVERSATION_POST_TYPE, ConversationCard);
        registry.registerPostTypeComponent(NOTIFICATION_POST_TYPE, NotificationCard);
        setRhsRegistration(registry.registerRightHandSidebarComponent(ConversationPanel, <LocalizedText name='panelTitle'/>));

        // The web app lists plugin post menu items under the post's "Message actions" menu
        // (components/actions_menu/actions_menu.tsx), on conversation posts only.
        registry.registerPostDropdownMenuAction(
            <LocalizedText name='openInPanel'/>,
            (postId) => {
                const rootId = getConversationRootId(store.getState(), postId);
                if (rootId) {
                    openConversation(store.dispatch, rootId, null);
                }
            },
            (postId) => getConversationRootId(store.getState(), postId) !== null,
        );

        // With the App Bar on (DisableAppBar false, the default since Mattermost 9) the web app shows
        // a plugin's App Bar icon and hides its channel-header button (selectors/plugins.ts
        // getChannelHeaderPluginComponents); with it off, or on a server without registerAppBarComponent,
        // the channel-header button is the way in. Both toggle: a second click closes the panel.
        const toggle = (channel: ChannelLike | null | undefined) => togglePanel(store.dispatch, store.getState, channel?.id ?? null);
        registry.registerChannelHeaderButtonAction(
            <ChannelHeaderIcon/>,
            toggle,
            <LocalizedText name='channelHeaderDropdown'/>,
            <LocalizedText name='channelHeaderTooltip'/>,
        );
        if (typeof registry.registerAppBarComponent === 'function') {
            registry.registerAppBarComponent(appBarIconURL(), toggle, <LocalizedText name='channelHeaderTooltip'/>);
        }
        registry.registerPostMessageAttachmentComponent(PostDeliveryBadge);

        // The panel popped out into its own window (Mattermost 11): the same conversation there,
        // following the main window's card and menu clicks (popout.ts).
        if (typeof registry.registerRHSPluginPopoutListener === 'function') {
            registry.registerRHSPluginPopoutListener(manifest.id, panelPopoutListener(store));
        }
        const popouts = popoutUtils();
        if (popouts?.isPopoutWindow()) {
            followOpener(popouts, store.dispatch);
        }

        for (const event of WEBSOCKET_EVENTS) {
            registry.registerWebSocketEventHandler(event, (msg) => handleWebSocketEvent(store.dispatch, store.getState, msg));
        }
        registry.registerReconnectHandler(() => {
            const panel = getPanel(store.getState());
            if (panel.view === 'conversation' && panel.rootId) {
                loadThread(store.dispatch, getDefaultClient(), panel.rootId);
            }
        });

        // System Console (issue 5): the custom setting of plugin.json's settings_schema. Its screens
        // are a separate chunk, downloaded when an admin opens the page (admin_console_loader).
        registry.registerAdminConsoleCustomSetting('IntegrationSetup', LazyIntegrationSetup, {showTitle: true});
    }

    uninitialize(): void {
        setRhsRegistration(null);
        this.removeStyles?.();
        this.removeStyles = null;
    }
}

window.registerPlugin(manifest.id, new Plugin());
