// The harness's stand-in for the Mattermost web app: a Redux store shaped like the real one
// (entities.posts.{posts, postsInThread, reactions}, users, channels, general.config), a plugin
// registry with the methods the i-Reserve plugin uses (webapp/channels/src/plugins/registry.ts),
// and a small UI that mounts what plugins register the way the web app does:
//   - post type components for posts; with the user's "Enable post formatting" off, the plain
//     message instead (components/post_view/post_message_view/post_message_view.tsx);
//   - ordinary posts' text and the PostMessageAttachment pluggable inside "Show more" folding at
//     600 px (components/post_view/show_more/show_more.tsx);
//   - plugin post menu items under the post's "Message actions" menu (components/actions_menu/);
//   - the App Bar on the right when the client config's DisableAppBar is "false" (the default since
//     Mattermost 9): App Bar icons, and channel-header buttons of plugins without one; then the
//     channel header shows no plugin buttons (components/app_bar/, selectors/plugins.ts);
//   - the right-hand sidebar, its state in views.rhs {rhsState, pluggableId, selectedPostId,
//     isSidebarOpen} with show/hide/toggle as actions/views/rhs.ts;
//   - popping a plugin's sidebar out (Mattermost 11, utils/popouts/popout_windows.ts and
//     browser_popouts.ts): "Open in new window" opens {basename}/_popout/rhs/<team>/<channel>/plugin/<id>,
//     calls the plugin's registerRHSPluginPopoutListener listener with {sendToPopout,
//     onMessageFromPopout, onClosePopout} (postMessage between the windows); the pop-out is this page
//     again, booting itself and showing only that plugin's sidebar component
//     (components/rhs_plugin_popout), with window.WebappUtils.popouts {isPopoutWindow, sendToParent,
//     onMessageFromParent}. Data comes from the Mattermost API at the same origin (the proxy),
// with the session cookie, and stays live over the WebSocket, as in Mattermost.
/* global React, ReactDOM, Redux, ReactRedux */
(function () {
    'use strict';

    const h = React.createElement;
    const {useState, useEffect, useMemo, memo} = React;
    const {Provider, useSelector} = ReactRedux;
    const config = window.HARNESS_CONFIG || {basename: ''};
    const basename = config.basename || '';
    const popoutMatch = /^\/_popout\/rhs\/([^/]+)\/([^/]+)\/plugin\/([^/]+)/.exec(location.pathname.slice(basename.length));

    // ---- pop-out windows (use_browser_popout.ts, browser_popouts.ts): postMessage on this origin

    window.WebappUtils = {
        popouts: {
            isPopoutWindow: () => Boolean(popoutMatch),
            sendToParent(channel, ...args) {
                window.opener.postMessage({channel, args}, location.origin);
            },
            onMessageFromParent(listener) {
                window.addEventListener('message', (event) => {
                    if (event.origin === location.origin && event.source === window.opener) {
                        listener(event.data.channel, ...event.data.args);
                    }
                });
            },
        },
    };

    // ---- API (same origin, the user's session cookie, like the web app)

    function cookie(name) {
        const found = document.cookie.split(';').map((part) => part.trim()).find((part) => part.startsWith(name + '='));
        return found ? decodeURIComponent(found.slice(name.length + 1)) : '';
    }

    async function api(path, options) {
        const opts = options || {};
        const headers = Object.assign({'X-Requested-With': 'XMLHttpRequest'}, opts.headers || {});
        if (opts.method && opts.method !== 'GET') {
            headers['X-CSRF-Token'] = cookie('MMCSRF');
        }
        if (opts.body && typeof opts.body === 'string') {
            headers['Content-Type'] = 'application/json';
        }
        const res = await fetch(basename + '/api/v4' + path, Object.assign({}, opts, {headers, credentials: 'same-origin'}));
        const text = await res.text();
        const data = text && (res.headers.get('Content-Type') || '').includes('json') ? JSON.parse(text) : text;
        if (!res.ok) {
            throw new Error('API ' + res.status + ' ' + path + ': ' + (data && data.message ? data.message : text));
        }
        return data;
    }

    // ---- host store

    const emptyEntities = {
        general: {config: {SiteURL: location.origin + basename, MaxFileSize: String(50 * 1024 * 1024), DisableAppBar: 'false'}},
        preferences: {myPreferences: {}},
        users: {currentUserId: '', profiles: {}},
        channels: {currentChannelId: '', channels: {}},
        posts: {posts: {}, postsInThread: {}, reactions: {}},
    };

    function reactionKey(reaction) {
        return reaction.user_id + '-' + reaction.emoji_name;
    }

    function receivePosts(state, posts) {
        const byId = Object.assign({}, state.posts);
        const inThread = Object.assign({}, state.postsInThread);
        const reactions = Object.assign({}, state.reactions);
        for (const post of posts) {
            const previous = byId[post.id];
            if (previous && previous.update_at > post.update_at) {
                continue;
            }
            byId[post.id] = post;
            if (post.root_id) {
                const ids = inThread[post.root_id] || [];
                if (!ids.includes(post.id)) {
                    inThread[post.root_id] = ids.concat(post.id);
                }
            }
            const list = post.metadata && post.metadata.reactions;
            if (Array.isArray(list)) {
                const map = {};
                for (const reaction of list) {
                    map[reactionKey(reaction)] = reaction;
                }
                reactions[post.id] = map;
            } else if (!(post.metadata && post.has_reactions) && post.metadata) {
                reactions[post.id] = {};
            }
        }
        return Object.assign({}, state, {posts: byId, postsInThread: inThread, reactions});
    }

    function entities(state, action) {
        const s = state || emptyEntities;
        switch (action.type) {
        case 'HOST/ME':
            return Object.assign({}, s, {users: {currentUserId: action.user.id, profiles: Object.assign({}, s.users.profiles, {[action.user.id]: action.user})}});
        case 'HOST/PROFILES':
            return Object.assign({}, s, {users: Object.assign({}, s.users, {profiles: Object.assign({}, s.users.profiles, action.profiles)})});
        case 'HOST/CHANNEL':
            return Object.assign({}, s, {channels: {currentChannelId: action.channel.id, channels: Object.assign({}, s.channels.channels, {[action.channel.id]: action.channel})}});
        case 'HOST/CONFIG':
            return Object.assign({}, s, {general: {config: Object.assign({}, s.general.config, action.config)}});
        case 'HOST/PREFERENCE':
            return Object.assign({}, s, {preferences: {myPreferences: Object.assign({}, s.preferences.myPreferences, {[action.category + '--' + action.name]: {category: action.category, name: action.name, value: action.value}})}});
        case 'HOST/RECEIVED_POSTS':
            return Object.assign({}, s, {posts: receivePosts(s.posts, action.posts)});
        case 'HOST/POST_DELETED': {
            const post = s.posts.posts[action.postId];
            if (!post) {
                return s;
            }
            const posts = Object.assign({}, s.posts.posts, {[post.id]: Object.assign({}, post, {state: 'DELETED', delete_at: Date.now()})});
            return Object.assign({}, s, {posts: Object.assign({}, s.posts, {posts})});
        }
        case 'HOST/REACTION_ADDED':
        case 'HOST/REACTION_REMOVED': {
            const r = action.reaction;
            const current = Object.assign({}, s.posts.reactions[r.post_id] || {});
            if (action.type === 'HOST/REACTION_ADDED') {
                current[reactionKey(r)] = r;
            } else {
                delete current[reactionKey(r)];
            }
            const reactions = Object.assign({}, s.posts.reactions, {[r.post_id]: current});
            return Object.assign({}, s, {posts: Object.assign({}, s.posts, {reactions})});
        }
        default:
            return s;
        }
    }

    function views(state, action) {
        const s = state || {rhs: {rhsState: null, pluggableId: '', selectedPostId: '', isSidebarOpen: false}, theme: 'light', registryVersion: 0};
        switch (action.type) {
        case 'HOST/UPDATE_RHS_STATE':
            return Object.assign({}, s, {rhs: {
                rhsState: action.state,
                pluggableId: action.state === 'plugin' ? action.pluggableId : '',
                selectedPostId: action.state === 'thread' ? action.rootId : '',
                isSidebarOpen: action.state !== null,
            }});
        case 'HOST/THEME':
            return Object.assign({}, s, {theme: action.theme});
        case 'HOST/REGISTRY_CHANGED':
            return Object.assign({}, s, {registryVersion: s.registryVersion + 1});
        default:
            return s;
        }
    }

    const pluginReducers = {};
    const rootReducer = () => Redux.combineReducers(Object.assign({entities, views}, pluginReducers));
    const thunk = ({dispatch, getState}) => (next) => (action) => (typeof action === 'function' ? action(dispatch, getState) : next(action));
    const store = Redux.createStore(rootReducer(), Redux.applyMiddleware(thunk));

    // ---- plugin registry

    const registered = {
        postTypes: {},
        rhs: [],
        postMenu: [],
        channelHeader: [],
        appBar: [],
        popoutListeners: {},
        postAttachments: [],
        webSocket: {},
        reconnect: [],
        adminConsoleSettings: [],
        calls: [],
    };
    let nextId = 0;
    const newId = (prefix) => prefix + '-' + (++nextId);
    const registryChanged = () => store.dispatch({type: 'HOST/REGISTRY_CHANGED'});

    // Like the registry's reArg: positional arguments, or one object with the named fields.
    function args(list, names) {
        if (list.length === 1 && list[0] && typeof list[0] === 'object' && !React.isValidElement(list[0]) && names.some((n) => n in list[0])) {
            return names.map((n) => list[0][n]);
        }
        return list;
    }

    function resolveElement(element) {
        if (element && !React.isValidElement(element) && typeof element !== 'string') {
            return h(element);
        }
        return element;
    }

    // actions/views/rhs.ts: show is a plain action; hide and toggle are thunks that look at pluggableId.
    function rhsActions(id) {
        const show = {type: 'HOST/UPDATE_RHS_STATE', state: 'plugin', pluggableId: id};
        const hide = (dispatch, getState) => {
            if (getState().views.rhs.pluggableId === id) {
                dispatch({type: 'HOST/UPDATE_RHS_STATE', state: null});
            }
            return {data: true};
        };
        return {
            id,
            showRHSPlugin: show,
            hideRHSPlugin: hide,
            toggleRHSPlugin: (dispatch, getState) => {
                if (getState().views.rhs.pluggableId === id) {
                    dispatch(hide);
                    return {data: false};
                }
                dispatch(show);
                return {data: true};
            },
        };
    }

    class Registry {
        constructor(id) {
            this.id = id;
        }

        registerReducer(...a) {
            const [reducer] = args(a, ['reducer']);
            registered.calls.push('registerReducer');
            pluginReducers['plugins-' + this.id] = reducer;
            store.replaceReducer(rootReducer());
        }

        registerPostTypeComponent(...a) {
            const [type, component] = args(a, ['type', 'component']);
            registered.calls.push('registerPostTypeComponent:' + type);
            const id = newId('posttype');
            registered.postTypes[type] = {id, pluginId: this.id, component};
            registryChanged();
            return id;
        }

        registerRightHandSidebarComponent(...a) {
            const [component, title] = args(a, ['component', 'title']);
            registered.calls.push('registerRightHandSidebarComponent');
            const id = newId('rhs');
            registered.rhs.push({id, pluginId: this.id, component, title: resolveElement(title)});
            registryChanged();
            return rhsActions(id);
        }

        registerAppBarComponent(...a) {
            const [iconUrl, action, tooltipText, supportedProductIds, rhsComponent, rhsTitle] = args(a, ['iconUrl', 'action', 'tooltipText', 'supportedProductIds', 'rhsComponent', 'rhsTitle']);
            registered.calls.push('registerAppBarComponent');
            const id = newId('appbar');
            const rhs = rhsComponent ? this.registerRightHandSidebarComponent(rhsComponent, rhsTitle) : null;
            registered.appBar.push({id, pluginId: this.id, iconUrl, tooltipText: resolveElement(tooltipText), supportedProductIds,
                action: rhs ? () => store.dispatch(rhs.toggleRHSPlugin) : action, rhsComponentId: rhs ? rhs.id : null});
            registryChanged();
            return rhs ? {id, rhsComponent: rhs} : id;
        }

        registerPostDropdownMenuAction(...a) {
            const [text, action, filter] = args(a, ['text', 'action', 'filter']);
            registered.calls.push('registerPostDropdownMenuAction');
            const id = newId('postmenu');
            registered.postMenu.push({id, pluginId: this.id, text: resolveElement(text), action, filter});
            registryChanged();
            return id;
        }

        registerChannelHeaderButtonAction(...a) {
            const [icon, action, dropdownText, tooltipText] = args(a, ['icon', 'action', 'dropdownText', 'tooltipText']);
            registered.calls.push('registerChannelHeaderButtonAction');
            const id = newId('header');
            registered.channelHeader.push({id, pluginId: this.id, icon: resolveElement(icon), action, dropdownText: resolveElement(dropdownText), tooltipText: resolveElement(tooltipText)});
            registryChanged();
            return id;
        }

        registerPostMessageAttachmentComponent(...a) {
            const [component] = args(a, ['component']);
            registered.calls.push('registerPostMessageAttachmentComponent');
            const id = newId('attachment');
            registered.postAttachments.push({id, pluginId: this.id, component});
            registryChanged();
            return id;
        }

        registerRHSPluginPopoutListener(...a) {
            const [pluginId, onPopoutOpened] = args(a, ['pluginId', 'onPopoutOpened']);
            registered.calls.push('registerRHSPluginPopoutListener');
            registered.popoutListeners[pluginId] = onPopoutOpened;
        }

        registerWebSocketEventHandler(...a) {
            const [event, handler] = args(a, ['event', 'handler']);
            registered.calls.push('registerWebSocketEventHandler:' + event);
            (registered.webSocket[event] = registered.webSocket[event] || []).push(handler);
        }

        registerReconnectHandler(...a) {
            const [handler] = args(a, ['handler']);
            registered.calls.push('registerReconnectHandler');
            registered.reconnect.push(handler);
        }

        registerAdminConsoleCustomSetting(...a) {
            const [key, component, options] = args(a, ['key', 'component', 'options']);
            registered.calls.push('registerAdminConsoleCustomSetting:' + key);
            registered.adminConsoleSettings.push({key, component, options});
        }
    }

    const plugins = {};
    window.registerPlugin = function (id, plugin) {
        plugins[id] = plugin;
        plugin.initialize(new Registry(id), store);
    };

    // ---- WebSocket: keep the store live, then hand the event to plugins (as the web app does)

    let socket = null;
    let connected = false;

    function handleEvent(msg) {
        const data = msg.data || {};
        switch (msg.event) {
        case 'posted':
        case 'post_edited':
        case 'ephemeral_message': // handleNewPostEvent in the web app: the clicker's own thread shows it
            store.dispatch({type: 'HOST/RECEIVED_POSTS', posts: [JSON.parse(data.post)]});
            break;
        case 'post_deleted':
            store.dispatch({type: 'HOST/POST_DELETED', postId: JSON.parse(data.post).id});
            break;
        case 'reaction_added':
            store.dispatch({type: 'HOST/REACTION_ADDED', reaction: JSON.parse(data.reaction)});
            break;
        case 'reaction_removed':
            store.dispatch({type: 'HOST/REACTION_REMOVED', reaction: JSON.parse(data.reaction)});
            break;
        default:
        }
        for (const handler of registered.webSocket[msg.event] || []) {
            handler(msg);
        }
    }

    function connectWebSocket() {
        return new Promise((resolve, reject) => {
            const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + basename + '/api/v4/websocket';
            socket = new WebSocket(url);
            socket.onmessage = (event) => {
                const msg = JSON.parse(event.data);
                if (msg.event === 'hello') {
                    connected = true;
                    resolve();
                }
                if (msg.event) {
                    handleEvent(msg);
                }
            };
            socket.onerror = () => reject(new Error('websocket failed'));
            socket.onclose = () => {
                connected = false;
            };
        });
    }

    // ---- UI

    function initials(name) {
        return (name || '?').split(/\s+/).map((part) => part[0] || '').join('').slice(0, 2).toUpperCase();
    }

    function authorOf(state, post) {
        const profile = state.entities.users.profiles[post.user_id];
        if (post.props && post.props.ireserve && post.props.ireserve.sender_name) {
            return post.props.ireserve.sender_name;
        }
        if (profile) {
            return profile.first_name ? profile.first_name + ' ' + (profile.last_name || '') : profile.username;
        }
        return post.user_id.slice(0, 6);
    }

    /** The only markdown the harness renders: **bold** (enough for the bridge's sender headings). */
    function boldOnly(text) {
        return text.split(/\*\*(.+?)\*\*/).map((part, i) => (i % 2 === 1 ? h('strong', {key: i}, part) : part));
    }

    /** The "Message actions" menu (actions_menu.tsx): the plugin items whose filter accepts the post. */
    function ActionsMenu({post, onClose}) {
        const items = registered.postMenu.filter((item) => !item.filter || item.filter(post.id));
        return h('ul', {className: 'post-menu', role: 'menu', 'aria-label': 'Post extra options'},
            items.map((item) => h('li', {key: item.id, role: 'none'},
                h('button', {role: 'menuitem', onClick: () => {
                    onClose();
                    item.action(post.id);
                }}, item.text))));
    }

    /** A click on an attachment action, as the web app makes it (doPostActionWithCookie → Client4.doPostAction). */
    function doPostAction(postId, actionId, selectedOption) {
        return api('/posts/' + postId + '/actions/' + encodeURIComponent(actionId), {method: 'POST', body: JSON.stringify({selected_option: selectedOption || ''})}).
            catch((err) => console.warn('post action failed', err.message));
    }

    /** A `data_source: "users"` menu: the channel's members, like the web app's user autocomplete. */
    function UserSelect({post, action}) {
        const [users, setUsers] = useState([]);
        useEffect(() => {
            api('/users?in_channel=' + post.channel_id + '&page=0&per_page=200').then(setUsers, () => setUsers([]));
        }, [post.channel_id]);
        return h('select', {
            'aria-label': action.name,
            'data-attachment-action': action.id,
            value: '',
            onChange: (e) => e.target.value && doPostAction(post.id, action.id, e.target.value),
        }, h('option', {value: ''}, action.name), users.map((u) => h('option', {key: u.id, value: u.id}, '@' + u.username)));
    }

    /**
     * props.attachments with their interactive actions, as MessageAttachmentList draws them
     * (components/post_view/message_attachments/). Only for posts no plugin renders: the web app
     * skips PostBodyAdditionalContent for a plugin post type (message_with_additional_content.tsx).
     */
    function Attachments({post}) {
        const attachments = Array.isArray(post.props && post.props.attachments) ? post.props.attachments : [];
        return attachments.map((attachment, i) => h('div', {key: i, className: 'attachment', 'data-testid': 'attachment'},
            attachment.text ? h('div', null, attachment.text) : null,
            Array.isArray(attachment.actions) && attachment.actions.length > 0 ? h('div', {className: 'attachment-actions'},
                attachment.actions.map((action) => (action.type === 'select' && action.data_source === 'users'
                    ? h(UserSelect, {key: action.id, post, action})
                    : h('button', {key: action.id, type: 'button', 'data-attachment-action': action.id, onClick: () => doPostAction(post.id, action.id)}, action.name)))) : null));
    }

    /** The "…" menu: the web app's own items only (no plugin items there). */
    function DotMenu({post, onClose}) {
        return h('ul', {className: 'post-menu', role: 'menu', 'aria-label': 'Post options'},
            h('li', {role: 'none'}, h('button', {role: 'menuitem', onClick: () => {
                onClose();
                store.dispatch({type: 'HOST/UPDATE_RHS_STATE', state: 'thread', rootId: post.root_id || post.id});
            }}, 'Reply')),
            h('li', {role: 'none'}, h('button', {role: 'menuitem', onClick: onClose}, 'Copy Link')));
    }

    const MAX_POST_HEIGHT = 600;

    /** show_more.tsx: folds its children at 600 px with a "Show more" / "Show less" bar below. */
    function ShowMore({children}) {
        const [collapsed, setCollapsed] = useState(true);
        const [overflow, setOverflow] = useState(false);
        const ref = React.useRef(null);
        React.useLayoutEffect(() => {
            const check = () => setOverflow(Boolean(ref.current && ref.current.scrollHeight > MAX_POST_HEIGHT));
            check();
            const observer = new ResizeObserver(check);
            observer.observe(ref.current);
            return () => observer.disconnect();
        }, []);
        let className = 'post-message ' + (collapsed ? 'post-message--collapsed' : 'post-message--expanded');
        if (overflow) {
            className += ' post-message--overflow';
        }
        return h('div', {className},
            h('div', {className: 'post-message__text-container', ref, style: {maxHeight: collapsed ? MAX_POST_HEIGHT : undefined}}, children),
            overflow ? h('div', {className: 'post-collapse'},
                h('div', {className: 'post-collapse__show-more'},
                    h('button', {type: 'button', id: 'showMoreButton', className: 'post-collapse__show-more-button', onClick: () => setCollapsed(!collapsed)}, collapsed ? 'Show more' : 'Show less'))) : null);
    }

    function formattingOn(state) {
        const pref = state.entities.preferences.myPreferences['display_settings--formatting'];
        return !pref || pref.value !== 'false';
    }

    const Post = memo(function Post({post, author, isBot, isRHS, formatting}) {
        const [menuOpen, setMenuOpen] = useState(null);
        const pluginType = window.harness.pluginPostTypesOff || window.HARNESS_NO_PLUGIN_POST_TYPES ? null : registered.postTypes[post.type];
        let body;
        if (!formatting) {
            // post_message_view.tsx: formatting off renders the plain message, nothing of plugins.
            body = h('span', {className: 'post-message__plain'}, post.message);
        } else if (pluginType) {
            body = h(pluginType.component, {post, isRHS: Boolean(isRHS), compactDisplay: false, theme: {}});
        } else {
            // The message view (text and PostMessageAttachment pluggables inside Show more), then the
            // post's additional content (its attachments) below it.
            body = h(React.Fragment, null,
                h(ShowMore, null,
                    h('div', {className: 'post-message__text'}, boldOnly(post.message)),
                    (window.harness.pluggablesOff ? [] : registered.postAttachments).map((item) => h(item.component, {key: item.id, postId: post.id, onHeightChange: () => undefined}))),
                h(Attachments, {post}));
        }
        if (post.type === 'system_ephemeral') {
            body = h(React.Fragment, null, h('span', {className: 'post__visibility'}, '(Only visible to you)'), body);
        }
        const toggleMenu = (which) => setMenuOpen(menuOpen === which ? null : which);
        const hasPluginItems = registered.postMenu.some((item) => !item.filter || item.filter(post.id));
        return h('div', {className: 'post' + (post.root_id && !isRHS ? ' post--reply' : ''), 'data-post-id': post.id, 'data-testid': 'post'},
            h('div', {className: 'post__avatar', 'aria-hidden': 'true'}, initials(author)),
            h('div', null,
                h('div', {className: 'post__header'},
                    h('span', {className: 'post__author'}, author),
                    isBot ? h('span', {className: 'post__bot'}, 'BOT') : null,
                    h('span', {className: 'post__time'}, new Date(post.create_at).toLocaleTimeString('en-GB', {hour: '2-digit', minute: '2-digit'}))),
                body),
            h('div', {className: 'post__actions'},
                post.root_id || isRHS ? null : h('button', {type: 'button', 'aria-label': 'Reply', title: 'Reply', onClick: () => store.dispatch({type: 'HOST/UPDATE_RHS_STATE', state: 'thread', rootId: post.id})}, '↩'),
                // actions_menu.tsx: the apps icon, tooltip "Message actions", only when a plugin item applies.
                hasPluginItems ? h('button', {type: 'button', 'aria-label': 'actions', title: 'Message actions', 'aria-haspopup': 'menu', 'aria-expanded': menuOpen === 'actions', onClick: () => toggleMenu('actions')}, '⊞') : null,
                h('button', {type: 'button', 'aria-label': 'more', title: 'More', 'aria-haspopup': 'menu', 'aria-expanded': menuOpen === 'dot', onClick: () => toggleMenu('dot')}, '…')),
            menuOpen === 'actions' ? h(ActionsMenu, {post, onClose: () => setMenuOpen(null)}) : null,
            menuOpen === 'dot' ? h(DotMenu, {post, onClose: () => setMenuOpen(null)}) : null);
    });

    function PostView({post, isRHS}) {
        const author = useSelector((state) => authorOf(state, post));
        const formatting = useSelector(formattingOn);
        useSelector((state) => state.views.registryVersion);
        const isBot = post.props && post.props.from_bot === 'true';
        return h(Post, {post, author, isBot, isRHS, formatting});
    }

    function PostList() {
        const channelId = useSelector((state) => state.entities.channels.currentChannelId);
        const posts = useSelector((state) => state.entities.posts.posts);
        const list = useMemo(() => Object.values(posts).
            filter((post) => post.channel_id === channelId && post.delete_at === 0 && post.state !== 'DELETED').
            sort((a, b) => a.create_at - b.create_at), [posts, channelId]);
        const ref = React.useRef(null);
        useEffect(() => {
            // Like the web app: the channel opens at its newest post and follows new ones.
            if (ref.current) {
                ref.current.scrollTop = ref.current.scrollHeight;
            }
        }, [list.length, channelId]);
        return h('div', {className: 'post-list', 'data-testid': 'post-list', ref}, list.map((post) => h(PostView, {key: post.id, post})));
    }

    function ThreadView({rootId}) {
        const posts = useSelector((state) => state.entities.posts.posts);
        const ids = useSelector((state) => state.entities.posts.postsInThread[rootId]);
        const root = posts[rootId];
        const replies = useMemo(() => (ids || []).map((id) => posts[id]).filter((post) => post && post.delete_at === 0).sort((a, b) => a.create_at - b.create_at), [ids, posts]);
        if (!root) {
            return h('p', {style: {padding: 16}}, 'Loading…');
        }
        return h('div', {className: 'rhs__thread', 'data-testid': 'thread-view'},
            h(PostView, {post: root, isRHS: true}),
            replies.map((post) => h(PostView, {key: post.id, post, isRHS: true})));
    }

    /** popoutRhsPlugin: opens the pop-out, wires the messages, hands the listeners to the plugin. */
    function popoutRhsPlugin(pluginId) {
        const state = store.getState();
        const channel = state.entities.channels.channels[state.entities.channels.currentChannelId] || {};
        const path = basename + '/_popout/rhs/' + (channel.team_id || 'team') + '/' + (channel.name || 'channel') + '/plugin/' + pluginId;
        const popup = window.open(path, path.replace(/\//g, '-'), 'popup=true,width=800,height=900');
        if (!popup) {
            return;
        }
        const fromPopout = [];
        const onClose = [];
        window.addEventListener('message', (event) => {
            if (event.origin === location.origin && event.source === popup) {
                fromPopout.forEach((listener) => listener(event.data.channel, ...event.data.args));
            }
        });
        const closed = setInterval(() => {
            if (popup.closed) {
                clearInterval(closed);
                onClose.forEach((listener) => listener());
            }
        }, 200);
        const listener = registered.popoutListeners[pluginId];
        if (listener) {
            listener(channel.team_id || 'team', channel.name || 'channel', {
                sendToPopout: (ch, ...args) => popup.postMessage({channel: ch, args}, location.origin),
                onMessageFromPopout: (l) => fromPopout.push(l),
                onClosePopout: (l) => onClose.push(l),
            });
        }
    }

    /** components/rhs_plugin_popout: the pop-out window shows only the plugin's sidebar component. */
    function RhsPluginPopout({pluginId}) {
        useSelector((state) => state.views.registryVersion);
        const item = registered.rhs.find((entry) => entry.pluginId === pluginId);
        if (!item) {
            return h('p', {style: {padding: 16}}, 'Loading…');
        }
        return h('aside', {className: 'rhs rhs--popout', 'aria-label': 'Right-hand sidebar', 'data-testid': 'rhs'},
            h('div', {className: 'rhs__header'}, h('span', null, item.title)),
            h('div', {className: 'rhs__body'}, h(item.component)));
    }

    function Rhs() {
        const rhs = useSelector((state) => state.views.rhs);
        useSelector((state) => state.views.registryVersion);
        if (rhs.rhsState === 'plugin') {
            const item = registered.rhs.find((entry) => entry.id === rhs.pluggableId);
            if (!item) {
                return null;
            }
            return h('aside', {className: 'rhs', 'aria-label': 'Right-hand sidebar', 'data-testid': 'rhs'},
                h('div', {className: 'rhs__header'}, h('span', null, item.title),
                    window.harness.popoutsOff ? null : h('button', {type: 'button', 'aria-label': 'Open in new window', title: 'Open in new window', onClick: () => popoutRhsPlugin(item.pluginId)}, '⧉'),
                    h('button', {type: 'button', 'aria-label': 'Close the sidebar', onClick: () => store.dispatch({type: 'HOST/UPDATE_RHS_STATE', state: null})}, '×')),
                h('div', {className: 'rhs__body'}, h(item.component)));
        }
        if (rhs.rhsState === 'thread') {
            return h('aside', {className: 'rhs', 'aria-label': 'Right-hand sidebar', 'data-testid': 'rhs'},
                h('div', {className: 'rhs__header'}, h('span', null, 'Thread'),
                    h('button', {type: 'button', 'aria-label': 'Close the sidebar', onClick: () => store.dispatch({type: 'HOST/UPDATE_RHS_STATE', state: null})}, '×')),
                h('div', {className: 'rhs__body'}, h(ThreadView, {rootId: rhs.selectedPostId})));
        }
        return null;
    }

    function appBarEnabled(state) {
        return state.entities.general.config.DisableAppBar === 'false';
    }

    /** selectors/plugins.ts getChannelHeaderPluginComponents: with the App Bar on, a plugin's App Bar icon replaces its header button. */
    function channelHeaderComponents(state) {
        if (!appBarEnabled(state) || registered.appBar.length === 0) {
            return registered.channelHeader;
        }
        const withAppBar = registered.appBar.map((item) => item.pluginId);
        return registered.channelHeader.filter((item) => !withAppBar.includes(item.pluginId));
    }

    /** selectors/plugins.ts shouldShowAppBar. */
    function appBarShown(state) {
        return appBarEnabled(state) && (registered.appBar.length > 0 || channelHeaderComponents(state).length > 0);
    }

    function AppBar() {
        const channel = useSelector((state) => state.entities.channels.channels[state.entities.channels.currentChannelId]);
        const rhs = useSelector((state) => state.views.rhs);
        const headerItems = useSelector(channelHeaderComponents);
        useSelector((state) => state.views.registryVersion);
        // app_bar_plugin_component.tsx: an <img> of iconUrl (the old icon element for channel-header
        // buttons), the tooltip on hover, the action called with the channel and membership.
        // (The harness names the icon by its tooltip text for tests.)
        const icon = (item, content, active) => h('div', {
            key: item.id,
            id: 'app-bar-icon-' + item.pluginId,
            className: 'app-bar__icon' + (active ? ' app-bar__icon--active' : ''),
            role: 'button',
            tabIndex: 0,
            'aria-labelledby': 'app-bar-tooltip-' + item.id,
            onClick: () => item.action && item.action(channel, {}),
        }, content, h('span', {id: 'app-bar-tooltip-' + item.id, className: 'app-bar__tooltip'}, item.tooltipText || item.dropdownText || item.pluginId));
        return h('div', {className: 'app-bar', 'data-testid': 'app-bar', role: 'toolbar', 'aria-label': 'App Bar'},
            registered.appBar.map((item) => icon(item,
                h('img', {className: 'app-bar__img', src: item.iconUrl, alt: ''}),
                item.rhsComponentId ? rhs.pluggableId === item.rhsComponentId : rhs.rhsState === 'plugin' && registered.rhs.some((r) => r.id === rhs.pluggableId && r.pluginId === item.pluginId))),
            headerItems.map((item) => icon(item, h('span', {className: 'app-bar__old-icon'}, item.icon), false)));
    }

    function ChannelHeader() {
        const channel = useSelector((state) => state.entities.channels.channels[state.entities.channels.currentChannelId]);
        useSelector((state) => state.views.registryVersion);
        const appBar = useSelector(appBarShown);
        return h('header', {className: 'channel-header'},
            h('h2', null, channel ? channel.display_name : ''),
            (appBar ? [] : registered.channelHeader).map((item) => h('button', {
                key: item.id,
                type: 'button',
                className: 'channel-header__button',
                'aria-labelledby': 'header-tooltip-' + item.id,
                onClick: () => item.action(channel, {}),
            }, item.icon, h('span', {id: 'header-tooltip-' + item.id, className: 'app-bar__tooltip'}, item.tooltipText))));
    }

    function Sidebar() {
        const channels = useSelector((state) => state.entities.channels.channels);
        const current = useSelector((state) => state.entities.channels.currentChannelId);
        return h('nav', {className: 'lhs', 'aria-label': 'Channels'},
            h('h1', null, 'Holiday Park'),
            Object.values(channels).map((channel) => h('button', {key: channel.id, 'aria-current': channel.id === current, onClick: () => window.harness.openChannel(channel.id)}, '# ' + channel.display_name)));
    }

    function App() {
        const theme = useSelector((state) => state.views.theme);
        const rhsOpen = useSelector((state) => state.views.rhs.isSidebarOpen);
        const appBar = useSelector(appBarShown);
        useEffect(() => {
            document.body.className = 'theme-' + theme;
        }, [theme]);
        return h('div', {className: 'app' + (rhsOpen ? '' : ' app--no-rhs') + (appBar ? ' app--app-bar' : '')},
            h(Sidebar),
            h('main', {className: 'center'}, h(ChannelHeader), h(PostList)),
            rhsOpen ? h(Rhs) : null,
            appBar ? h(AppBar) : null);
    }

    /** React 18's createRoot, or React 17's ReactDOM.render (Mattermost 9.5 to 10.x give plugins React 17). */
    function createRoot(container) {
        if (ReactDOM.createRoot) {
            return ReactDOM.createRoot(container);
        }
        return {render: (element) => ReactDOM.render(element, container)};
    }

    function mount(container, element) {
        createRoot(container).render(element);
    }

    // ---- what the test drives

    function nextFrame() {
        return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    }

    window.harness = {
        store,
        createRoot,
        registered,
        api,
        start() {
            document.body.className = 'theme-light';
            const root = popoutMatch ? h(RhsPluginPopout, {pluginId: decodeURIComponent(popoutMatch[3])}) : h(App);
            mount(document.getElementById('root'), h(Provider, {store}, root));
            if (popoutMatch) {
                // A pop-out is the web app starting again in its own window: it logs itself in.
                this.popoutReady = this.boot();
            }
        },

        /** Log in state: the current user from /users/me, the client config, the WebSocket. */
        async boot() {
            const me = await api('/users/me');
            store.dispatch({type: 'HOST/ME', user: me});
            const clientConfig = await api('/config/client?format=old');
            store.dispatch({type: 'HOST/CONFIG', config: {
                MaxFileSize: clientConfig.MaxFileSize,
                DisableAppBar: clientConfig.DisableAppBar,
                DefaultClientLocale: clientConfig.DefaultClientLocale,
            }});
            await connectWebSocket();
            return me;
        },

        /** Switch to a channel and load its latest posts (replies included, collapsed threads off). */
        async openChannel(channelId) {
            const channel = await api('/channels/' + channelId);
            const list = await api('/channels/' + channelId + '/posts?page=0&per_page=200');
            const posts = list.order.map((id) => list.posts[id]);
            const ids = Array.from(new Set(posts.map((post) => post.user_id)));
            const users = await api('/users/ids', {method: 'POST', body: JSON.stringify(ids)});
            store.dispatch({type: 'HOST/PROFILES', profiles: Object.fromEntries(users.map((user) => [user.id, user]))});
            store.dispatch({type: 'HOST/RECEIVED_POSTS', posts});
            store.dispatch({type: 'HOST/CHANNEL', channel});
            await nextFrame();
        },

        /** The host's own thread fetch (what opening a thread in Mattermost does). */
        async loadThread(rootId) {
            const list = await api('/posts/' + rootId + '/thread');
            store.dispatch({type: 'HOST/RECEIVED_POSTS', posts: list.order.map((id) => list.posts[id])});
            await nextFrame();
        },

        /** Client config values, as a config change the server pushes (e.g. {DisableAppBar: 'true'}). */
        setConfig(config) {
            store.dispatch({type: 'HOST/CONFIG', config});
            return nextFrame();
        },

        /** A preference of the current user, e.g. ('display_settings', 'formatting', 'false'). */
        setPreference(category, name, value) {
            store.dispatch({type: 'HOST/PREFERENCE', category, name, value});
            return nextFrame();
        },

        /** The user changes their language in Settings: the web app receives the updated user. */
        setLocale(locale) {
            const state = store.getState().entities.users;
            store.dispatch({type: 'HOST/ME', user: Object.assign({}, state.profiles[state.currentUserId], {locale})});
            return nextFrame();
        },

        setTheme(theme) {
            store.dispatch({type: 'HOST/THEME', theme});
            return nextFrame();
        },

        /** Milliseconds from calling `action` until two frames later (render and paint done). */
        async measure(action) {
            const start = performance.now();
            await action();
            await nextFrame();
            return performance.now() - start;
        },

        openThread(rootId) {
            return this.measure(() => store.dispatch({type: 'HOST/UPDATE_RHS_STATE', state: 'thread', rootId}));
        },

        closeRhs() {
            store.dispatch({type: 'HOST/UPDATE_RHS_STATE', state: null});
            return nextFrame();
        },

        isConnected() {
            return connected;
        },

        pluginState(id) {
            return store.getState()['plugins-' + id];
        },

        nextFrame,
    };
}());
