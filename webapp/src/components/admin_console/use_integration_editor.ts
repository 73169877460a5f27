// The state of the integration set-up (System Console → Plugins → i-Reserve → Integration set-up):
// the saved integration, the form and its errors, the save state, the bot's channels, the failed
// deliveries and the status, with the operations the screens call.
//
// Saving follows System Console's page (webapp/channels/src/components/admin_console/
// schema_admin_settings.tsx): an edit calls setSaveNeeded, which enables the page's Save and blocks
// navigation; the page's Save patches the config and then runs every registered save action; only
// when none returns an error does the page clear "save needed" and unblock navigation. The page
// shows nothing of a save action's error, so this hook keeps it for the set-up to show (at the
// field and at the top of the set-up). The set-up has no Save button of its own.
import {useCallback, useEffect, useMemo, useRef, useState} from 'react';
import type {IntegrationStatusView, IntegrationView} from '@ireserve/contract';

import {BridgeError, type BridgeAdminClient} from '../../client/bridge_client';
import {format, notificationTypeLabel, type Strings} from '../../i18n';

import {type ChannelsState} from './configuration_section';
import {fieldKeyForProblem, formFromView, patchFrom, validateAgainst, type FieldErrors, type FieldKey, type FormState} from './integration_form';
import {errorMessage} from './messages';
import {isReminderFieldKey} from './reminders_form';
import {isRouteFieldKey} from './routes_form';
import {type DeliveriesState} from './status_section';

/** What System Console's registerSaveAction takes: an empty object, or an error with a message. */
export type SaveAction = () => Promise<{error?: {message?: string}}>;

export type SaveState =
    | {state: 'idle'}
    | {state: 'saving'}
    | {state: 'saved'}
    | {state: 'failed'; message: string};

export const ID = 'irsv-setup';

function looksLikeView(value: unknown): value is IntegrationView {
    return typeof value === 'object' && value !== null && typeof (value as IntegrationView).mattermost === 'object';
}

export function elementIdFor(key: FieldKey, form: FormState): string {
    if (key.startsWith('notification:')) {
        const type = key.slice('notification:'.length);
        const base = `${ID}-notification-${type.replace('.', '-')}`;
        return form.webhookTypes.includes(type as never) ? `${base}-url` : base;
    }
    if (key.startsWith('dm:')) {
        return `${ID}-dm-${key.slice('dm:'.length).replace('.', '-')}`;
    }
    if (key.startsWith('reminderThreshold:')) {
        return `${ID}-reminder-threshold-${key.slice('reminderThreshold:'.length)}`;
    }
    if (key === 'remindersThresholds') {
        return `${ID}-reminder-threshold-0`;
    }
    const route = /^route:(\d+):(\w+)$/.exec(key);
    if (route) {
        // A route as a whole (no match field) is shown at its first field.
        return `${ID}-route-${route[1]}-${route[2] === 'match' ? 'inbox' : route[2]}`;
    }
    if (key === 'routes') {
        return `${ID}-routes-heading`;
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
    if (key.startsWith('reminderThreshold:')) {
        return format(strings.adminReminderThresholdLabel, {number: Number(key.slice('reminderThreshold:'.length)) + 1});
    }
    const route = /^route:(\d+):(\w+)$/.exec(key);
    if (route) {
        const names: Record<string, string> = {
            inbox: strings.adminRouteInbox, locale: strings.adminRouteLocale, pageUrlPrefix: strings.adminRoutePrefix,
            channelId: strings.adminRouteChannel, token: strings.adminRouteToken,
        };
        const legend = format(strings.adminRouteLegend, {number: Number(route[1]) + 1});
        return names[route[2]!] ? `${legend}: ${names[route[2]!]}` : legend;
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
        slashCommandToken: strings.adminSlashToken,
        channelId: strings.adminChannel,
        relayMode: strings.adminRelayMode,
        inboundMode: strings.adminInboundMode,
        active: strings.adminActive,
        remindersThresholds: strings.adminRemindersHeading,
        remindersNotify: strings.adminReminderNotify,
        quietTimezone: `${strings.adminQuietHours}: ${strings.adminQuietTimezone}`,
        quietFrom: `${strings.adminQuietHours}: ${strings.adminQuietFrom}`,
        quietTo: `${strings.adminQuietHours}: ${strings.adminQuietTo}`,
        routes: strings.adminRoutesHeading,
    };
    return labels[key] ?? key;
}

export type EditorOptions = {
    client: BridgeAdminClient;
    licence: string;
    initialView: IntegrationView;
    siteUrl: string;
    strings: Strings;
    setSaveNeeded?: () => void;
    registerSaveAction?: (action: SaveAction) => void;
    unRegisterSaveAction?: (action: SaveAction) => void;
};

export function useIntegrationEditor({client, licence, initialView, siteUrl, strings, setSaveNeeded, registerSaveAction, unRegisterSaveAction}: EditorOptions) {
    const [view, setView] = useState(initialView);
    const [status, setStatus] = useState<IntegrationStatusView | null>(initialView.status ?? null);
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

    /** An edit: the form changes, its errors go, and System Console's page needs saving. */
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
                if (key === 'reminders') {
                    for (const field of Object.keys(next)) {
                        if (isReminderFieldKey(field)) {
                            delete next[field as FieldKey];
                        }
                    }
                }
                if (key === 'routes') {
                    for (const field of Object.keys(next)) {
                        if (isRouteFieldKey(field)) {
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

    /** Validates, then PATCHes what changed (nothing at all when nothing did). */
    const doSave = async (): Promise<{ok: boolean; message?: string}> => {
        const invalid = validateAgainst(form, view, {
            serverUrl: strings.adminServerUrlInvalid,
            webhookUrl: strings.adminWebhookUrlInvalid,
            loginIdRequired: strings.adminLoginIdRequired,
            passwordRequired: strings.adminPasswordRequired,
            botTokenRequired: strings.adminBotTokenRequired,
            email: strings.adminDmEmailInvalid,
            retentionDays: strings.adminRetentionInvalid,
            reminders: {
                thresholdNumber: strings.adminReminderNumber,
                thresholdTooShort: strings.adminReminderTooShort,
                thresholdOrder: strings.adminReminderOrder,
                tooMany: strings.adminReminderTooMany,
                timezone: strings.adminQuietTimezoneInvalid,
                time: strings.adminQuietTimeInvalid,
            },
            routes: {
                channelRequired: strings.adminRouteChannelRequired,
                matchRequired: strings.adminRouteMatchRequired,
                prefixInvalid: strings.adminRoutePrefixInvalid,
                localeInvalid: strings.adminRouteLocaleInvalid,
                inboxTooLong: strings.adminRouteInboxTooLong,
                tooMany: strings.adminRoutesTooMany,
            },
        });
        const firstInvalid = Object.keys(invalid)[0] as FieldKey | undefined;
        if (firstInvalid) {
            setErrors(invalid);
            setSave({state: 'failed', message: strings.adminFixErrors});
            setFocusKey(firstInvalid);
            return {ok: false, message: strings.adminFixErrors};
        }
        if (!patch) {
            setSave((current) => (current.state === 'failed' ? {state: 'idle'} : current));
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
                setFocusKey(key);
            }
            return {ok: false, message: summary};
        }
    };

    // The page's Save runs this after saving the page's own settings.
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

    return {view, status, form, errors, save, channels, deliveries, refreshing, dirty, change, loadChannels, refresh, doSave};
}
