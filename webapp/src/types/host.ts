// The slice of the Mattermost web app this plugin relies on: the registry it is initialised with
// (webapp/channels/src/plugins/registry.ts) and the parts of the host's Redux state it reads
// (@mattermost/types GlobalState). Only what the plugin uses is declared here.
import type React from 'react';
import type {UnknownAction, Dispatch, Reducer, Store} from 'redux';

import type {Post} from '@mattermost/types/posts';
import type {Reaction} from '@mattermost/types/reactions';

import type {PopoutListeners} from '../popout';
import type {PluginState} from '../store/reducers';
import type manifest from '../manifest';

export type PostTypeComponentProps = {
    post: Post;
    isRHS?: boolean;
    compactDisplay?: boolean;
    theme?: Record<string, string>;
};

export type PostMessageAttachmentProps = {
    postId: string;
    onHeightChange?: (height: number) => void;
};

export type RhsRegistration = {
    id: string;
    /** A plain action in every server version. */
    showRHSPlugin: UnknownAction;

    /** Thunks in current server versions. */
    hideRHSPlugin: unknown;
    toggleRHSPlugin: unknown;
};

export type WebSocketMessage = {
    event: string;
    data: Record<string, unknown>;
    broadcast?: {channel_id?: string; user_id?: string; team_id?: string};
    seq?: number;
};

export type ChannelLike = {id: string; display_name?: string; name?: string};

export interface PluginRegistry {
    registerReducer(reducer: Reducer): void;
    registerPostTypeComponent(type: string, component: React.ElementType<PostTypeComponentProps>): string;
    registerRightHandSidebarComponent(component: React.ElementType, title: React.ReactNode): RhsRegistration;
    registerPostDropdownMenuAction(text: React.ReactNode, action: (postId: string) => void, filter: (postId: string) => boolean): string;
    registerChannelHeaderButtonAction(icon: React.ReactNode, action: (channel: ChannelLike) => void, dropdownText: React.ReactNode, tooltipText: React.ReactNode): string;
    registerPostMessageAttachmentComponent(component: React.ElementType<PostMessageAttachmentProps>): string;
    registerWebSocketEventHandler(event: string, handler: (msg: WebSocketMessage) => void): void;
    registerReconnectHandler(handler: () => void): void;
    registerAdminConsoleCustomSetting(key: string, component: React.ElementType, options?: {showTitle: boolean}): void;

    /** An App Bar icon (an image URL) with its click action; absent on servers without the App Bar. */
    registerAppBarComponent?(iconUrl: string, action: (channel: ChannelLike | null) => void, tooltipText: React.ReactNode): unknown;

    /** Mattermost 11: called when the sidebar is popped out into its own window (popout.ts). */
    registerRHSPluginPopoutListener?(pluginId: string, onPopoutOpened: (teamName: string, channelName: string | undefined, listeners: PopoutListeners) => void): void;
}

export type HostPostsState = {
    posts: Record<string, Post>;
    postsInThread: Record<string, string[]>;
    reactions: Record<string, Record<string, Reaction>>;
};

export type HostState = {
    entities: {
        general: {config: Partial<Record<string, string>>};
        users: {currentUserId: string; profiles: Record<string, {id: string; locale?: string; username?: string}>};
        channels: {currentChannelId: string};
        posts: HostPostsState;
    };

    /** The right-hand sidebar (actions/views/rhs.ts): which kind is open, and which plugin component. */
    views?: {rhs?: {rhsState?: string | null; pluggableId?: string}};
} & {
    [K in `plugins-${typeof manifest.id}`]?: PluginState;
};

export type HostStore = Store<HostState> & {dispatch: Dispatch};

declare global {
    interface Window {
        registerPlugin(id: string, plugin: {initialize(registry: PluginRegistry, store: HostStore): void; uninitialize?(): void}): void;
        basename?: string;
    }
}
