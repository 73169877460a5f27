// The harness's stand-in for the Mattermost web app: a Redux store shaped like the real one
// (entities.posts.{posts, postsInThread, reactions}, users, channels, general.config), a plugin
// registry with the methods the i-Reserve plugin uses (webapp/channels/src/plugins/registry.ts),
// and a small UI that mounts what plugins register: post type components for posts, the
// PostMessageAttachment pluggable under ordinary posts, post menu actions, channel header buttons
// and the right-hand sidebar. Data comes from the Mattermost API at the same origin (the proxy),
// with the session cookie, and stays live over the WebSocket, as in Mattermost.
/* global React, ReactDOM, Redux, ReactRedux */
(function () {
    'use strict';

    const h = React.createElement;
    const {useState, useEffect, useMemo, memo} = React;
    const {Provider, useSelector} = ReactRedux;
    const config = window.HARNESS_CONFIG || {basename: ''};
    const basename = config.basename || '';

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
        general: {config: {SiteURL: location.origin + basename, MaxFileSize: String(50 * 1024 * 1024)}},
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
        const s = state || {rhs: {state: null, pluggableId: null, rootId: null}, theme: 'light', registryVersion: 0};
        switch (action.type) {
        case 'HOST/UPDATE_RHS_STATE':
            return Object.assign({}, s, {rhs: {state: action.state, pluggableId: action.pluggableId || null, rootId: action.rootId || null}});
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
            return {
                id,
                showRHSPlugin: {type: 'HOST/UPDATE_RHS_STATE', state: 'plugin', pluggableId: id},
                hideRHSPlugin: (dispatch, getState) => {
                    if (getState().views.rhs.pluggableId === id) {
                        dispatch({type: 'HOST/UPDATE_RHS_STATE', state: null});
                    }
                },
                toggleRHSPlugin: (dispatch, getState) => {
                    const open = getState().views.rhs.pluggableId === id;
                    dispatch(open ? {type: 'HOST/UPDATE_RHS_STATE', state: null} : {type: 'HOST/UPDATE_RHS_STATE', state: 'plugin', pluggableId: id});
                },
            };
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

    function PostMenu({post, onClose}) {
        const items = registered.postMenu.filter((item) => !item.filter || item.filter(post.id));
        return h('ul', {className: 'post-menu', role: 'menu', 'aria-label': 'Post actions'},
            items.length === 0 ? h('li', {role: 'none', style: {padding: '6px 16px', opacity: 0.6}}, 'No actions') : null,
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

    const Post = memo(function Post({post, author, isBot, isRHS}) {
        const [menuOpen, setMenuOpen] = useState(false);
        const pluginType = window.harness.pluginPostTypesOff || window.HARNESS_NO_PLUGIN_POST_TYPES ? null : registered.postTypes[post.type];
        let body;
        if (pluginType) {
            body = h(pluginType.component, {post, isRHS: Boolean(isRHS), compactDisplay: false, theme: {}});
        } else {
            body = h(React.Fragment, null,
                h('div', {className: 'post-message__text'}, boldOnly(post.message)),
                h(Attachments, {post}),
                (window.harness.pluggablesOff ? [] : registered.postAttachments).map((item) => h(item.component, {key: item.id, postId: post.id, onHeightChange: () => undefined})));
        }
        if (post.type === 'system_ephemeral') {
            body = h(React.Fragment, null, h('span', {className: 'post__visibility'}, '(Only visible to you)'), body);
        }
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
                h('button', {type: 'button', 'aria-label': 'More actions', 'aria-haspopup': 'menu', 'aria-expanded': menuOpen, onClick: () => setMenuOpen(!menuOpen)}, '…')),
            menuOpen ? h(PostMenu, {post, onClose: () => setMenuOpen(false)}) : null);
    });

    function PostView({post, isRHS}) {
        const author = useSelector((state) => authorOf(state, post));
        const isBot = post.props && post.props.from_bot === 'true';
        return h(Post, {post, author, isBot, isRHS});
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

    function Rhs() {
        const rhs = useSelector((state) => state.views.rhs);
        useSelector((state) => state.views.registryVersion);
        if (rhs.state === 'plugin') {
            const item = registered.rhs.find((entry) => entry.id === rhs.pluggableId);
            if (!item) {
                return null;
            }
            return h('aside', {className: 'rhs', 'aria-label': 'Right-hand sidebar', 'data-testid': 'rhs'},
                h('div', {className: 'rhs__header'}, h('span', null, item.title),
                    h('button', {type: 'button', 'aria-label': 'Close the sidebar', onClick: () => store.dispatch({type: 'HOST/UPDATE_RHS_STATE', state: null})}, '×')),
                h('div', {className: 'rhs__body'}, h(item.component)));
        }
        if (rhs.state === 'thread') {
            return h('aside', {className: 'rhs', 'aria-label': 'Right-hand sidebar', 'data-testid': 'rhs'},
                h('div', {className: 'rhs__header'}, h('span', null, 'Thread'),
                    h('button', {type: 'button', 'aria-label': 'Close the sidebar', onClick: () => store.dispatch({type: 'HOST/UPDATE_RHS_STATE', state: null})}, '×')),
                h('div', {className: 'rhs__body'}, h(ThreadView, {rootId: rhs.rootId})));
        }
        return null;
    }

    function ChannelHeader() {
        const channel = useSelector((state) => state.entities.channels.channels[state.entities.channels.currentChannelId]);
        useSelector((state) => state.views.registryVersion);
        return h('header', {className: 'channel-header'},
            h('h2', null, channel ? channel.display_name : ''),
            registered.channelHeader.map((item) => h('button', {
                key: item.id,
                type: 'button',
                className: 'channel-header__button',
                'aria-label': typeof item.tooltipText === 'string' ? item.tooltipText : undefined,
                title: typeof item.tooltipText === 'string' ? item.tooltipText : undefined,
                onClick: () => item.action(channel, {}),
            }, item.icon)));
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
        const rhsOpen = useSelector((state) => state.views.rhs.state !== null);
        useEffect(() => {
            document.body.className = 'theme-' + theme;
        }, [theme]);
        return h('div', {className: rhsOpen ? 'app' : 'app app--no-rhs'},
            h(Sidebar),
            h('main', {className: 'center'}, h(ChannelHeader), h(PostList)),
            rhsOpen ? h(Rhs) : null);
    }

    // ---- what the test drives

    function nextFrame() {
        return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    }

    window.harness = {
        store,
        registered,
        api,
        start() {
            document.body.className = 'theme-light';
            ReactDOM.createRoot(document.getElementById('root')).render(h(Provider, {store}, h(App)));
        },

        /** Log in state: the current user from /users/me, the client config, the WebSocket. */
        async boot() {
            const me = await api('/users/me');
            store.dispatch({type: 'HOST/ME', user: me});
            const clientConfig = await api('/config/client?format=old');
            store.dispatch({type: 'HOST/CONFIG', config: {MaxFileSize: clientConfig.MaxFileSize}});
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
