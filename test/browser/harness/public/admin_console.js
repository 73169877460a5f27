// The harness's stand-in for System Console → Plugins → <plugin>: the plugin's settings_schema
// rendered the way Mattermost's schema_admin_settings does it — text settings, and custom settings
// mounted from what the plugin registered with registerAdminConsoleCustomSetting (the key matched
// lower-cased, props as buildCustomSetting passes them: id, label, helpText, value, disabled,
// config, license, setByEnv, onChange, setSaveNeeded, registerSaveAction, unRegisterSaveAction,
// cancelSubmit, showConfirm) — and the page's Save, with the semantics of schema_admin_settings.tsx
// (handleSubmit / doSubmit / setSaveNeeded there):
//   - an edit of a setting, or a custom setting's setSaveNeeded(), enables Save and blocks
//     navigation (setNavigationBlocked(true)): a sidebar link then asks to discard the changes;
//   - Save patches the config (PUT /api/v4/config/patch through the proxy when `persist` is set,
//     the way the web app's patchConfig does; plugin setting keys lower-cased, as Mattermost stores
//     them), then runs EVERY registered save action, whatever the patch answered;
//   - a save action's error keeps the page unsaved and navigation blocked, and the page shows no
//     message for it (only the patch's own error is shown beside Save);
//   - no error: Save is disabled again and navigation is free.
// Load after host.js; open with window.harness.openAdminConsole({...}); window.harness.adminConsole
// reports {saveNeeded, navigationBlocked, page, saves}.
/* global React, ReactRedux */
(function () {
    'use strict';

    const h = React.createElement;
    const {useState, useRef, useCallback} = React;
    const {Provider} = ReactRedux;

    function clone(value) {
        return JSON.parse(JSON.stringify(value));
    }

    function escapePathPart(part) {
        return part.replace(/\./g, '+');
    }

    function Row({label, inputId, helpText, children}) {
        return h('div', {className: 'admin-setting'},
            h('label', {className: 'admin-setting__label', htmlFor: inputId}, label),
            h('div', {className: 'admin-setting__control'},
                children,
                helpText ? h('div', {className: 'admin-setting__help'}, helpText) : null));
    }

    const probe = {saveNeeded: false, navigationBlocked: false, page: 'plugin', saves: 0};

    function DiscardChangesModal({onCancel, onDiscard}) {
        return h('div', {className: 'admin-modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'admin-discard-title'},
            h('div', {className: 'admin-modal__box'},
                h('h2', {id: 'admin-discard-title'}, 'Discard Changes?'),
                h('p', null, 'You have unsaved changes, are you sure you want to discard them?'),
                h('div', {className: 'admin-modal__buttons'},
                    h('button', {type: 'button', className: 'admin-button', onClick: onCancel}, 'Cancel'),
                    h('button', {type: 'button', className: 'admin-save', onClick: onDiscard}, 'Yes, Discard'))));
    }

    function AdminConsole({pluginId, pluginName, schema, initialConfig, disabled, persist}) {
        const [config, setConfig] = useState(initialConfig);
        const [values, setValues] = useState(() => Object.assign({}, (initialConfig.PluginSettings.Plugins || {})[pluginId] || {}));
        const [saveNeeded, setSaveNeededState] = useState(false);
        const [saving, setSaving] = useState(false);
        const [serverError, setServerError] = useState('');
        const [page, setPage] = useState('plugin');
        const [pendingPage, setPendingPage] = useState(null);
        const saveActions = useRef([]);
        const setSaveNeeded = useCallback((needed) => {
            setSaveNeededState(needed);
            probe.saveNeeded = needed;
            probe.navigationBlocked = needed;
        }, []);
        const navigate = (target) => {
            if (probe.navigationBlocked) {
                setPendingPage(target);
                return;
            }
            setPage(target);
            probe.page = target;
        };

        // Stable like the class methods Mattermost passes.
        const registerSaveAction = useCallback((action) => {
            saveActions.current.push(action);
        }, []);
        const unRegisterSaveAction = useCallback((action) => {
            const index = saveActions.current.indexOf(action);
            if (index >= 0) {
                saveActions.current.splice(index, 1);
            }
        }, []);
        const markSaveNeeded = useCallback(() => setSaveNeeded(true), [setSaveNeeded]);
        const handleChange = useCallback((id, value) => {
            setValues((current) => Object.assign({}, current, {[id]: value}));
            setSaveNeeded(true);
        }, [setSaveNeeded]);
        const cancelSubmit = useCallback(() => undefined, []);

        async function save() {
            setSaving(true);
            setServerError('');
            probe.saves += 1;
            const pluginValues = Object.assign({}, values);
            let patchError = '';
            if (persist) {
                try {
                    await window.harness.api('/config/patch', {method: 'PUT', body: JSON.stringify({PluginSettings: {Plugins: {[pluginId]: pluginValues}}})});
                } catch (err) {
                    patchError = err.message;
                }
            }
            if (patchError) {
                setServerError(patchError);
            } else {
                const next = clone(config);
                next.PluginSettings.Plugins = Object.assign({}, next.PluginSettings.Plugins, {[pluginId]: pluginValues});
                setConfig(next);
            }
            const results = await Promise.all(saveActions.current.map((action) => action()));
            const actionFailed = results.some((result) => result && result.error && result.error.message);
            setSaving(false);
            if (!patchError && !actionFailed) {
                setSaveNeeded(false);
            }
        }

        const rows = schema.settings.map((setting) => {
            const key = setting.key.toLowerCase();
            const inputId = 'PluginSettings.Plugins.' + escapePathPart(pluginId) + '.' + key;
            if (setting.type === 'custom') {
                const custom = window.harness.registered.adminConsoleSettings.find((entry) => entry.key.toLowerCase() === key);
                if (!custom) {
                    return h('div', {key, className: 'admin-banner admin-banner--warning'}, 'In order to view this setting, enable the plugin and click Save.');
                }
                const instance = h(custom.component, {
                    id: inputId,
                    label: setting.display_name,
                    helpText: setting.help_text ? h('span', null, setting.help_text) : null,
                    value: values[key],
                    disabled: Boolean(disabled),
                    config,
                    license: {},
                    setByEnv: false,
                    onChange: handleChange,
                    setSaveNeeded: markSaveNeeded,
                    registerSaveAction,
                    unRegisterSaveAction,
                    cancelSubmit,
                    showConfirm: false,
                });
                const showTitle = Boolean(custom.options && custom.options.showTitle);
                return showTitle ? h(Row, {key, label: setting.display_name, inputId, helpText: setting.help_text}, instance) : h('div', {key}, instance);
            }
            return h(Row, {key, label: setting.display_name, inputId, helpText: setting.help_text},
                h('input', {
                    id: inputId,
                    className: 'admin-input',
                    type: 'text',
                    placeholder: setting.placeholder || '',
                    value: values[key] || '',
                    disabled: Boolean(disabled),
                    onChange: (e) => handleChange(key, e.target.value),
                }));
        });

        const link = (target, text) => h('a', {
            className: 'admin-sidebar__item' + (page === target ? ' admin-sidebar__item--active' : ''),
            href: '#',
            'aria-current': page === target ? 'page' : undefined,
            onClick: (e) => {
                e.preventDefault();
                navigate(target);
            },
        }, text);
        const sidebar = h('nav', {className: 'admin-sidebar', 'aria-label': 'System Console'},
            h('div', {className: 'admin-sidebar__title'}, 'System Console'),
            h('div', {className: 'admin-sidebar__group'}, 'PLUGINS'),
            link('management', 'Plugin Management'),
            link('plugin', pluginName));
        const modal = pendingPage ? h(DiscardChangesModal, {
            onCancel: () => setPendingPage(null),
            onDiscard: () => {
                setPendingPage(null);
                setSaveNeeded(false);
                setPage(pendingPage);
                probe.page = pendingPage;
            },
        }) : null;
        if (page !== 'plugin') {
            return h('div', {className: 'admin-console'}, sidebar,
                h('main', {className: 'admin-main'}, h('div', {className: 'admin-header'}, h('h1', null, 'Plugin Management'))), modal);
        }

        return h('div', {className: 'admin-console'},
            sidebar,
            modal,
            h('main', {className: 'admin-main'},
                h('div', {className: 'admin-header'}, h('h1', null, pluginName)),
                h('div', {className: 'admin-scroll'},
                    h('form', {className: 'admin-form', onSubmit: (e) => {
                        e.preventDefault();
                        save();
                    }},
                    h('div', {className: 'admin-panel'},
                        schema.header ? h('div', {className: 'admin-banner'}, schema.header) : null,
                        rows,
                        schema.footer ? h('div', {className: 'admin-banner'}, schema.footer) : null))),
                h('div', {className: 'admin-save-bar'},
                    h('button', {type: 'button', className: 'admin-save', disabled: !saveNeeded || saving, onClick: save, 'data-testid': 'admin-console-save'}, saving ? 'Saving Config...' : 'Save'),
                    serverError ? h('span', {className: 'admin-save-error', role: 'alert'}, serverError) : null)));
    }

    let root = null;
    let container = null;

    /**
     * Shows System Console's page for a plugin instead of the channel view.
     * options: {pluginId, pluginName, schema (plugin.json settings_schema), config, disabled?,
     * persist? (Save patches the server's config through the proxy)}
     */
    window.harness.adminConsole = probe;
    window.harness.openAdminConsole = function (options) {
        Object.assign(probe, {saveNeeded: false, navigationBlocked: false, page: 'plugin', saves: 0});
        document.getElementById('root').style.display = 'none';
        if (!container) {
            container = document.createElement('div');
            container.id = 'admin-console-root';
            document.body.appendChild(container);
            root = window.harness.createRoot(container);
        }
        root.render(h(Provider, {store: window.harness.store}, h(AdminConsole, {
            key: String(Date.now()),
            pluginId: options.pluginId,
            pluginName: options.pluginName,
            schema: options.schema,
            initialConfig: options.config,
            disabled: options.disabled,
            persist: Boolean(options.persist),
        })));
        return window.harness.nextFrame();
    };
}());
