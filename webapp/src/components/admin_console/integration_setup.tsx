// System Console → Plugins → i-Reserve: the `IntegrationSetup` custom setting. It reads the saved
// Bridge URL, licence and admin key from the `config` prop, loads the licence's integration from
// the bridge's admin API, and shows the two set-up screens (Authentication, Configuration), Save,
// Test, the status and the failed deliveries.
//
// Saving: its own Save button PATCHes what changed; edits also mark System Console's page as
// unsaved (setSaveNeeded) and a registered save action saves them with the page's Save. A failed
// save keeps every typed value and shows the bridge's reason next to the field it names.
import React, {useCallback, useEffect, useMemo, useRef, useState} from 'react';

import {BridgeError, type BridgeAdminClient, type IntegrationStatus, type IntegrationView} from '../../client/bridge_client';
import {format, notificationTypeLabel, useStrings, type Strings} from '../../i18n';

import {useAdminStyles} from './admin_console_styles';
import AuthenticationSection from './authentication_section';
import {useBridgeClientFactory} from './bridge_context';
import ConfigurationSection, {channelList, type ChannelsState} from './configuration_section';
import {fieldKeyForProblem, formFromView, patchFrom, validateAgainst, type FieldErrors, type FieldKey, type FormState} from './integration_form';
import {errorMessage} from './messages';
import {readPluginSettings, settingsProblem, type AdminConfigLike} from './plugin_settings';
import StatusSection, {type DeliveriesState} from './status_section';
import TestSection from './test_section';

type SaveAction = () => Promise<{error?: {message?: string}}>;

/** The props System Console gives a plugin's custom setting (schema_admin_settings buildCustomSetting). */
export type CustomSettingProps = {
    id?: string;
    label?: React.ReactNode;
    helpText?: React.ReactNode;
    value?: unknown;
    disabled?: boolean;
    config?: AdminConfigLike;
    license?: unknown;
    setByEnv?: boolean;
    onChange?: (id: string, value: unknown) => void;
    setSaveNeeded?: () => void;
    registerSaveAction?: (action: SaveAction) => void;
    unRegisterSaveAction?: (action: SaveAction) => void;
    cancelSubmit?: () => void;
    showConfirm?: boolean;
};

const ID = 'irsv-setup';

type LoadState =
    | {state: 'loading'}
    | {state: 'error'; message: string}
    | {state: 'ready'; view: IntegrationView};

type SaveState =
    | {state: 'idle'}
    | {state: 'saving'}
    | {state: 'saved'}
    | {state: 'failed'; message: string};

function looksLikeView(value: unknown): value is IntegrationView {
    return typeof value === 'object' && value !== null && typeof (value as IntegrationView).mattermost === 'object';
}

function elementIdFor(key: FieldKey, form: FormState): string {
    if (key.startsWith('notification:')) {
        const type = key.slice('notification:'.length);
        const base = `${ID}-notification-${type.replace('.', '-')}`;
        return form.webhookTypes.includes(type as never) ? `${base}-url` : base;
    }
    if (key.startsWith('dm:')) {
        return `${ID}-dm-${key.slice('dm:'.length).replace('.', '-')}`;
    }
    return `${ID}-${key}`;
}

function fieldLabel(strings: Strings, key: FieldKey): string {
    if (key.startsWith('notification:')) {
        return notificationTypeLabel(strings, key.slice('notification:'.length));
    }
    if (key.startsWith('dm:')) {
        return `${strings.adminDmHeading}: ${notificationTypeLabel(strings, key.slice('dm:'.length))}`;
    }
    const labels: Record<string, string> = {
        serverUrl: strings.adminServerUrl,
        botToken: strings.adminBotToken,
        authMode: strings.adminAuthMode,
        loginId: strings.adminLoginId,
        password: strings.adminPassword,
        dmOnAssignment: strings.adminDmOnAssignment,
        dmOnGuestMessage: strings.adminDmOnGuestMessage,
        outgoingWebhookToken: strings.adminOutgoingToken,
        channelId: strings.adminChannel,
        relayMode: strings.adminRelayMode,
        inboundMode: strings.adminInboundMode,
        active: strings.adminActive,
    };
    return labels[key] ?? key;
}

type EditorProps = {
    client: BridgeAdminClient;
    licence: string;
    initialView: IntegrationView;
    siteUrl: string;
    disabled: boolean;
    setSaveNeeded?: () => void;
    registerSaveAction?: (action: SaveAction) => void;
    unRegisterSaveAction?: (action: SaveAction) => void;
};

function IntegrationEditor({client, licence, initialView, siteUrl, disabled, setSaveNeeded, registerSaveAction, unRegisterSaveAction}: EditorProps) {
    const {strings} = useStrings();
    const [view, setView] = useState(initialView);
    const [status, setStatus] = useState<IntegrationStatus | null>(initialView.status ?? null);
    const [form, setForm] = useState<FormState>(() => formFromView(initialView, siteUrl));
    const [errors, setErrors] = useState<FieldErrors>({});
    const [save, setSave] = useState<SaveState>({state: 'idle'});
    const [channels, setChannels] = useState<ChannelsState>({state: 'loading'});
    const [deliveries, setDeliveries] = useState<DeliveriesState>({state: 'loading'});
    const [refreshing, setRefreshing] = useState(false);
    const mounted = useRef(true);
    useEffect(() => {
        mounted.current = true;
        return () => {
            mounted.current = false;
        };
    }, []);

    const describe = useCallback((err: unknown) => errorMessage(strings, err, client.baseUrl, licence), [strings, client, licence]);

    const loadChannels = useCallback(async () => {
        setChannels((current) => ({state: 'loading', channels: current.state === 'error' ? undefined : current.channels}));
        try {
            const list = await client.listChannels();
            if (mounted.current) {
                setChannels({state: 'ready', channels: list});
            }
        } catch (err) {
            if (mounted.current) {
                setChannels({state: 'error', message: describe(err)});
            }
        }
    }, [client, describe]);

    const loadDeliveries = useCallback(async () => {
        try {
            const list = await client.listFailedDeliveries();
            if (mounted.current) {
                setDeliveries({state: 'ready', deliveries: list});
            }
        } catch (err) {
            if (mounted.current) {
                setDeliveries({state: 'error', message: describe(err)});
            }
        }
    }, [client, describe]);

    /** Status and failed deliveries again; the form and its unsaved edits are left alone. */
    const refresh = useCallback(async () => {
        setRefreshing(true);
        try {
            const latest = await client.getIntegration();
            if (mounted.current) {
                setStatus(latest.status ?? null);
            }
        } catch {
            // The deliveries call below reports the same problem where it is visible.
        }
        await loadDeliveries();
        if (mounted.current) {
            setRefreshing(false);
        }
    }, [client, loadDeliveries]);

    useEffect(() => {
        loadChannels();
        loadDeliveries();
    }, [loadChannels, loadDeliveries]);

    const patch = useMemo(() => patchFrom(form, view), [form, view]);
    const dirty = patch !== null || form.webhookTypes.some((type) => form.notifications[type].trim() === '');

    const change = (delta: Partial<FormState>) => {
        setForm((current) => ({...current, ...delta}));
        setErrors((current) => {
            const next = {...current};
            for (const key of Object.keys(delta)) {
                delete next[key as FieldKey];
                if (key === 'notifications' || key === 'webhookTypes') {
                    for (const field of Object.keys(next)) {
                        if (field.startsWith('notification:')) {
                            delete next[field as FieldKey];
                        }
                    }
                }
            }
            return next;
        });
        if (save.state !== 'saving') {
            setSave({state: 'idle'});
        }
        setSaveNeeded?.();
    };

    // Focus moves to the field at fault once it is rendered enabled again (inputs are disabled while saving).
    const [focusKey, setFocusKey] = useState<FieldKey | null>(null);
    useEffect(() => {
        if (focusKey && save.state !== 'saving') {
            const element = document.getElementById(elementIdFor(focusKey, form)) ?? document.querySelector<HTMLElement>(`input[name="${ID}-${focusKey}"]`);
            element?.focus();
            setFocusKey(null);
        }
    }, [focusKey, save.state, form]);
    const focusField = setFocusKey;

    const doSave = async (): Promise<{ok: boolean; message?: string}> => {
        const invalid = validateAgainst(form, view, {
            serverUrl: strings.adminServerUrlInvalid,
            webhookUrl: strings.adminWebhookUrlInvalid,
            loginIdRequired: strings.adminLoginIdRequired,
            passwordRequired: strings.adminPasswordRequired,
            botTokenRequired: strings.adminBotTokenRequired,
            email: strings.adminDmEmailInvalid,
        });
        const firstInvalid = Object.keys(invalid)[0] as FieldKey | undefined;
        if (firstInvalid) {
            setErrors(invalid);
            setSave({state: 'failed', message: strings.adminFixErrors});
            focusField(firstInvalid);
            return {ok: false, message: strings.adminFixErrors};
        }
        if (!patch) {
            setSave({state: 'idle'});
            return {ok: true};
        }
        setSave({state: 'saving'});
        setErrors({});
        try {
            const answer = await client.patchIntegration(patch);
            const saved = looksLikeView(answer) ? answer : await client.getIntegration();
            if (!mounted.current) {
                return {ok: true};
            }
            setView(saved);
            setStatus(saved.status ?? status);
            setForm(formFromView(saved, siteUrl));
            setSave({state: 'saved'});
            loadChannels();
            return {ok: true};
        } catch (err) {
            const message = describe(err);
            if (!mounted.current) {
                return {ok: false, message};
            }
            const key = err instanceof BridgeError ? fieldKeyForProblem(err.field) : null;
            let summary = message;
            if (key && err instanceof BridgeError && err.field) {
                const own = err.messageFor(err.field);
                setErrors({[key]: own});
                summary = `${fieldLabel(strings, key)}: ${own}`;
            }
            setSave({state: 'failed', message: format(strings.adminSaveFailed, {message: /[.!?]$/.test(summary) ? summary : `${summary}.`})});
            if (key) {
                focusField(key);
            }
            return {ok: false, message: summary};
        }
    };

    // System Console's own Save runs this after saving the page (the admin may press either).
    const saveRef = useRef(doSave);
    saveRef.current = doSave;
    useEffect(() => {
        if (!registerSaveAction) {
            return undefined;
        }
        const action: SaveAction = async () => {
            const result = await saveRef.current();
            return result.ok ? {} : {error: {message: result.message ?? strings.adminFixErrors}};
        };
        registerSaveAction(action);
        return () => unRegisterSaveAction?.(action);

        // Registered once per mount (and language): the action runs the latest form through saveRef.
    }, [registerSaveAction, unRegisterSaveAction, strings.adminFixErrors]);

    let saveText: React.ReactNode = null;
    if (save.state === 'saving') {
        saveText = strings.adminSaving;
    } else if (save.state === 'saved') {
        saveText = strings.adminSaved;
    } else if (save.state === 'idle') {
        saveText = dirty ? strings.adminUnsaved : strings.adminNoChanges;
    }

    return (
        <>
            {disabled ? <p className='irsv-admin__notice'>{strings.adminDisabled}</p> : null}
            <AuthenticationSection
                idPrefix={ID}
                form={form}
                view={view}
                errors={errors}
                disabled={disabled || save.state === 'saving'}
                onChange={change}
            />
            <ConfigurationSection
                idPrefix={ID}
                form={form}
                channels={channels}
                errors={errors}
                disabled={disabled || save.state === 'saving'}
                onChange={change}
                onReloadChannels={loadChannels}
            />
            <div className='irsv-admin__bar'>
                <button
                    type='button'
                    className='irsv-btn irsv-btn--primary'
                    disabled={disabled || save.state === 'saving' || !dirty}
                    onClick={() => doSave()}
                >
                    {save.state === 'saving' ? strings.adminSaving : strings.adminSave}
                </button>
                <span
                    className={save.state === 'saved' ? 'irsv-admin__state irsv-admin__state--ok' : 'irsv-admin__state'}
                    role='status'
                >
                    {saveText}
                </span>
                {save.state === 'failed' ? <p className='irsv-error' role='alert'>{save.message}</p> : null}
            </div>
            <TestSection
                idPrefix={ID}
                client={client}
                channels={channelList(channels)}
                dirty={dirty}
                disabled={disabled}
                onTested={() => {
                    // The test checks the bot's memberships: list the channels (and the status) again.
                    refresh();
                    loadChannels();
                }}
            />
            <StatusSection
                idPrefix={ID}
                client={client}
                status={status}
                deliveries={deliveries}
                refreshing={refreshing}
                disabled={disabled}
                onRefresh={refresh}
            />
        </>
    );
}

export default function IntegrationSetup(props: CustomSettingProps) {
    useAdminStyles();
    const {strings} = useStrings();
    const factory = useBridgeClientFactory();
    const settings = readPluginSettings(props.config, typeof window === 'undefined' ? '' : window.location.origin);
    const problem = settingsProblem(settings);
    const {bridgeUrl, licence, adminKey, siteUrl} = settings;
    const client = useMemo(() => (problem ? null : factory({bridgeUrl, licence, adminKey})), [factory, problem, bridgeUrl, licence, adminKey]);
    const [load, setLoad] = useState<LoadState>({state: 'loading'});
    const [attempt, setAttempt] = useState(0);

    useEffect(() => {
        if (!client) {
            return undefined;
        }
        let current = true;
        setLoad({state: 'loading'});
        client.getIntegration().then(
            (view) => current && setLoad({state: 'ready', view}),
            (err: unknown) => {
                if (!current) {
                    return;
                }
                const message = err instanceof BridgeError && err.kind === 'http' && err.status === 404 ? format(strings.adminNotFound, {licence}) : errorMessage(strings, err, client.baseUrl, licence);
                setLoad({state: 'error', message});
            },
        );
        return () => {
            current = false;
        };
    }, [client, attempt, licence, strings]);

    let body: React.ReactNode;
    if (problem === 'missing') {
        body = <p className='irsv-admin__notice'>{strings.adminMissingSettings}</p>;
    } else if (problem === 'invalid_url') {
        body = <p className='irsv-admin__notice irsv-admin__notice--error'>{format(strings.adminInvalidBridgeUrl, {url: bridgeUrl})}</p>;
    } else if (load.state === 'loading' || !client) {
        body = <p className='irsv-admin__notice' role='status'>{format(strings.adminLoading, {licence})}</p>;
    } else if (load.state === 'error') {
        body = (
            <div className='irsv-admin__notice irsv-admin__notice--error' role='alert'>
                <p>{load.message}</p>
                <button
                    type='button'
                    className='irsv-btn'
                    onClick={() => setAttempt(attempt + 1)}
                >
                    {strings.adminReload}
                </button>
            </div>
        );
    } else {
        body = (
            <IntegrationEditor
                key={attempt}
                client={client}
                licence={licence}
                initialView={load.view}
                siteUrl={siteUrl}
                disabled={Boolean(props.disabled)}
                setSaveNeeded={props.setSaveNeeded}
                registerSaveAction={props.registerSaveAction}
                unRegisterSaveAction={props.unRegisterSaveAction}
            />
        );
    }
    return (
        <div
            className='irsv-admin'
            data-testid='ireserve-integration-setup'
        >
            {body}
        </div>
    );
}
