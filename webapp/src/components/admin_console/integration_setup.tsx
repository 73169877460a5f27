// System Console → Plugins → i-Reserve: the `IntegrationSetup` custom setting. It reads the saved
// Bridge URL, licence and admin key from the `config` prop, loads the licence's integration from
// the bridge's admin API, and shows the two set-up screens (Authentication, Configuration), the
// reminders for waiting guests, Test, the status (with the guests waiting now) and the failed deliveries.
//
// Saving is the page's: edits mark System Console's page as unsaved (setSaveNeeded) and the page's
// own Save runs the registered save action, which PATCHes what changed (use_integration_editor.ts).
// A failed save keeps every typed value and shows the reason next to the field it names and at the
// top of the set-up, because the page itself shows nothing of it.
import React, {useEffect, useMemo, useState} from 'react';
import type {IntegrationView} from '@ireserve/contract';

import {BridgeError, type BridgeAdminClient} from '../../client/bridge_client';
import {format, useStrings} from '../../i18n';

import {useAdminStyles} from './admin_console_styles';
import AuthenticationSection from './authentication_section';
import {useBridgeClientFactory} from './bridge_context';
import ConfigurationSection, {channelList} from './configuration_section';
import {errorMessage} from './messages';
import {readPluginSettings, settingsProblem, type AdminConfigLike} from './plugin_settings';
import RemindersSection from './reminders_section';
import ErasuresSection from './erasures_section';
import RoutesSection from './routes_section';
import StatusSection from './status_section';
import TestSection from './test_section';
import {ID, useIntegrationEditor, type SaveAction} from './use_integration_editor';

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

type LoadState =
    | {state: 'loading'}
    | {state: 'error'; message: string}
    | {state: 'ready'; view: IntegrationView};

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
    const editor = useIntegrationEditor({client, licence, initialView, siteUrl, strings, setSaveNeeded, registerSaveAction, unRegisterSaveAction});
    const {view, status, form, errors, save, channels, deliveries, refreshing, dirty, change, loadChannels, refresh} = editor;

    let saveText: React.ReactNode = null;
    if (save.state === 'saving') {
        saveText = strings.adminSaving;
    } else if (save.state === 'saved' && !dirty) {
        saveText = strings.adminSaved;
    } else if (save.state !== 'failed') {
        saveText = dirty ? strings.adminUnsaved : strings.adminNoChanges;
    }

    // What every section editing the form gets: its fields, their errors, and no edits while saving.
    const formSection = {idPrefix: ID, form, errors, disabled: disabled || save.state === 'saving', onChange: change};

    return (
        <>
            {disabled ? <p className='irsv-admin__notice'>{strings.adminDisabled}</p> : null}
            <div className='irsv-admin__bar'>
                <span
                    className={save.state === 'saved' && !dirty ? 'irsv-admin__state irsv-admin__state--ok' : 'irsv-admin__state'}
                    role='status'
                    data-testid='irsv-save-state'
                >
                    {saveText}
                </span>
                {save.state === 'failed' ? <p className='irsv-error' role='alert'>{save.message}</p> : null}
            </div>
            <AuthenticationSection
                {...formSection}
                view={view}
            />
            <ConfigurationSection
                {...formSection}
                channels={channels}
                onReloadChannels={loadChannels}
            />
            <RoutesSection
                {...formSection}
                channels={channels}
            />
            <RemindersSection {...formSection}/>
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
                channels={channelList(channels)}
            />
            <ErasuresSection
                idPrefix={ID}
                client={client}
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
