// The integration set-up form as data: built from the bridge's view, checked, and turned into the
// PATCH body that changes exactly what the admin changed. Secrets are write-only: a token field
// is sent only when something was typed in it (empty = keep the saved token).
import {
    DEFAULT_AUTH_MODE,
    DEFAULT_INBOUND_MODE,
    DEFAULT_RELAY_MODE,
    NOTIFICATION_TYPES,
    RETENTION_DAYS_MAX,
    isIncomingWebhookTarget,
    isNotificationType,
    type AuthMode,
    type DmSettings,
    type InboundMode,
    type IntegrationPatch,
    type IntegrationView,
    type NotificationType,
    type RelayMode,
} from '@ireserve/contract';

import {
    reminderFieldKey,
    remindersFormFromView,
    remindersPatch,
    validateReminders,
    type ReminderFieldKey,
    type ReminderMessages,
    type RemindersForm,
} from './reminders_form';
import {
    routeFieldKey,
    routesFormFromView,
    routesPatch,
    validateRoutes,
    type RouteFieldKey,
    type RouteForm,
    type RouteMessages,
} from './routes_form';

export type FormState = {
    serverUrl: string;

    /** 'token' (bot access token) or 'login' (the bot account's e-mail and password). */
    authMode: AuthMode;
    botToken: string;
    loginId: string;

    /** Write-only like the tokens: '' = keep the saved password. */
    password: string;
    outgoingWebhookToken: string;

    /** The /ireserve slash command's token, write-only like the others. */
    slashCommandToken: string;
    channelId: string;

    /** '' = do not send, a channel id, or an http(s) incoming-webhook URL. */
    notifications: Record<NotificationType, string>;

    /** Types whose target is typed as an incoming-webhook URL (even while the URL is still empty). */
    webhookTypes: NotificationType[];
    relayMode: RelayMode;
    inboundMode: InboundMode;
    active: boolean;

    /** Direct messages from the bot. */
    dmOnAssignment: boolean;
    dmOnGuestMessage: boolean;

    /** notification type → subscriber e-mails as typed (comma, semicolon, space or newline separated). */
    dmSubscriptions: Record<NotificationType, string>;

    /** Reminders while a guest waits (reminders_form.ts). */
    reminders: RemindersForm;

    /** Days after which closed conversations are erased, as typed; '' = kept until erased. */
    retentionDays: string;

    /** The ordered routes to other conversation channels (routes_form.ts). */
    routes: RouteForm[];
};

/** Form fields errors can be attached to. */
export type FieldKey =
    | 'serverUrl'
    | 'authMode'
    | 'botToken'
    | 'loginId'
    | 'password'
    | 'outgoingWebhookToken'
    | 'slashCommandToken'
    | 'channelId'
    | `notification:${NotificationType}`
    | 'relayMode'
    | 'inboundMode'
    | 'active'
    | 'dmOnAssignment'
    | 'dmOnGuestMessage'
    | `dm:${NotificationType}`
    | 'retentionDays'
    | ReminderFieldKey
    | RouteFieldKey;

export type FieldErrors = Partial<Record<FieldKey, string>>;

/** What every System Console section that edits the form gets: its fields, their errors, and no edits while saving. */
export type FormSectionProps = {
    idPrefix: string;
    form: FormState;
    errors: FieldErrors;
    disabled: boolean;
    onChange: (change: Partial<FormState>) => void;
};

function isHttpUrl(value: string): boolean {
    if (!isIncomingWebhookTarget(value)) {
        return false;
    }
    try {
        return Boolean(new URL(value.trim()).host);
    } catch {
        return false;
    }
}

/** The e-mails in a subscriber field, in order, without repeats (case-insensitive). */
export function parseEmails(text: string): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const part of text.split(/[\s,;]+/)) {
        const email = part.trim();
        if (email !== '' && !seen.has(email.toLowerCase())) {
            seen.add(email.toLowerCase());
            out.push(email);
        }
    }
    return out;
}

function looksLikeEmail(value: string): boolean {
    return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
}

function dmFromView(view: IntegrationView): DmSettings {
    return {
        on_assignment: Boolean(view.dm_settings?.on_assignment),
        on_guest_message: Boolean(view.dm_settings?.on_guest_message),
        subscriptions: view.dm_settings?.subscriptions ?? {},
    };
}

export function formFromView(view: IntegrationView, siteUrl: string): FormState {
    const notifications = {} as Record<NotificationType, string>;
    const dm = dmFromView(view);
    const dmSubscriptions = {} as Record<NotificationType, string>;
    for (const type of NOTIFICATION_TYPES) {
        notifications[type] = view.notification_channels?.[type] ?? '';
        dmSubscriptions[type] = (dm.subscriptions[type] ?? []).join(', ');
    }
    return {
        serverUrl: view.mattermost?.server_url || siteUrl,
        authMode: view.mattermost?.auth ?? DEFAULT_AUTH_MODE,
        botToken: '',
        loginId: view.mattermost?.login_id ?? '',
        password: '',
        outgoingWebhookToken: '',
        slashCommandToken: '',
        channelId: view.channel_id ?? '',
        notifications,
        webhookTypes: NOTIFICATION_TYPES.filter((type) => isIncomingWebhookTarget(notifications[type])),
        relayMode: view.relay_mode ?? DEFAULT_RELAY_MODE,
        inboundMode: view.inbound_mode ?? DEFAULT_INBOUND_MODE,
        active: Boolean(view.active),
        dmOnAssignment: dm.on_assignment,
        dmOnGuestMessage: dm.on_guest_message,
        dmSubscriptions,
        reminders: remindersFormFromView(view),
        retentionDays: typeof view.retention_days === 'number' ? String(view.retention_days) : '',
        routes: routesFormFromView(view),
    };
}

/** The typed retention as the bridge takes it: null for '' (off), a number, or undefined when it is not a whole number of days in range. */
export function retentionDaysOf(typed: string): number | null | undefined {
    const text = typed.trim();
    if (text === '') {
        return null;
    }
    if (!/^\d+$/.test(text)) {
        return undefined;
    }
    const days = Number(text);
    return days >= 1 && days <= RETENTION_DAYS_MAX ? days : undefined;
}

/** The PATCH body for what differs from the saved view; null when nothing does. */
export function patchFrom(form: FormState, view: IntegrationView): IntegrationPatch | null {
    const patch: IntegrationPatch = {};
    const mattermost: NonNullable<IntegrationPatch['mattermost']> = {};
    if (form.serverUrl.trim() !== (view.mattermost?.server_url ?? '')) {
        mattermost.server_url = form.serverUrl.trim();
    }
    const savedAuth = view.mattermost?.auth ?? DEFAULT_AUTH_MODE;
    if (form.authMode !== savedAuth) {
        mattermost.auth = form.authMode;
    }
    if (form.authMode === 'token' && form.botToken.trim() !== '') {
        mattermost.bot_token = form.botToken.trim();
    }
    if (form.authMode === 'login') {
        if (form.loginId.trim() !== (view.mattermost?.login_id ?? '') || form.authMode !== savedAuth) {
            mattermost.login_id = form.loginId.trim();
        }
        // Passwords are sent as typed (not trimmed).
        if (form.password !== '') {
            mattermost.password = form.password;
        }
    }
    if (form.outgoingWebhookToken.trim() !== '') {
        mattermost.outgoing_webhook_token = form.outgoingWebhookToken.trim();
    }
    if (form.slashCommandToken.trim() !== '') {
        mattermost.slash_command_token = form.slashCommandToken.trim();
    }
    if (Object.keys(mattermost).length > 0) {
        patch.mattermost = mattermost;
    }
    if (form.channelId !== (view.channel_id ?? '')) {
        patch.channel_id = form.channelId;
    }

    // The whole map is sent when any entry changed: '' clears a type, so merge and replace agree.
    const notifications = Object.fromEntries(NOTIFICATION_TYPES.map((type) => [type, form.notifications[type].trim()]));
    if (NOTIFICATION_TYPES.some((type) => notifications[type] !== (view.notification_channels?.[type] ?? ''))) {
        patch.notification_channels = notifications;
    }
    if (form.relayMode !== view.relay_mode) {
        patch.relay_mode = form.relayMode;
    }
    if (form.inboundMode !== view.inbound_mode) {
        patch.inbound_mode = form.inboundMode;
    }
    if (form.active !== Boolean(view.active)) {
        patch.active = form.active;
    }

    // Direct messages: the switches when changed; the subscriptions whole ([] clears a type) when any changed.
    const savedDm = dmFromView(view);
    const dm: NonNullable<IntegrationPatch['dm_settings']> = {};
    if (form.dmOnAssignment !== savedDm.on_assignment) {
        dm.on_assignment = form.dmOnAssignment;
    }
    if (form.dmOnGuestMessage !== savedDm.on_guest_message) {
        dm.on_guest_message = form.dmOnGuestMessage;
    }
    const subscriptions = Object.fromEntries(NOTIFICATION_TYPES.map((type) => [type, parseEmails(form.dmSubscriptions[type])]));
    if (NOTIFICATION_TYPES.some((type) => subscriptions[type]!.join(',') !== (savedDm.subscriptions[type] ?? []).join(','))) {
        dm.subscriptions = subscriptions;
    }
    if (Object.keys(dm).length > 0) {
        patch.dm_settings = dm;
    }
    const reminders = remindersPatch(form.reminders, view);
    if (reminders) {
        patch.reminders = reminders;
    }
    const retention = retentionDaysOf(form.retentionDays ?? '');
    if (retention !== undefined && retention !== (view.retention_days ?? null)) {
        patch.retention_days = retention;
    }
    const routes = routesPatch(form.routes ?? [], view);
    if (routes) {
        patch.routes = routes;
    }
    return Object.keys(patch).length > 0 ? patch : null;
}

export type ValidationMessages = {
    serverUrl: string;
    webhookUrl: string;

    /** Login mode: the login id (e-mail or username) is empty. */
    loginIdRequired?: string;

    /** Login mode: a password is needed (switching to login, or a new login id). */
    passwordRequired?: string;

    /** Switching to token mode needs a token. */
    botTokenRequired?: string;

    /** A subscriber entry is not an e-mail address ({value} is replaced). */
    email?: string;

    /** The reminders' checks. */
    reminders?: ReminderMessages;

    /** retention_days is not a whole number of days from 1 to RETENTION_DAYS_MAX. */
    retentionDays?: string;

    /** The routes' checks. */
    routes?: RouteMessages;
};

/**
 * Client-side checks that need no bridge; the bridge checks the rest (token, channel access). An
 * empty channel is allowed: the channel list needs a saved bot token first.
 */
export function validate(form: FormState, messages: ValidationMessages): FieldErrors {
    const errors: FieldErrors = {};
    if (!isHttpUrl(form.serverUrl)) {
        errors.serverUrl = messages.serverUrl;
    }
    for (const type of form.webhookTypes) {
        if (!isHttpUrl(form.notifications[type])) {
            errors[`notification:${type}`] = messages.webhookUrl;
        }
    }
    validateAuth(form, messages, errors);
    for (const type of NOTIFICATION_TYPES) {
        const wrong = parseEmails(form.dmSubscriptions?.[type] ?? '').find((email) => !looksLikeEmail(email));
        if (wrong !== undefined) {
            errors[`dm:${type}`] = (messages.email ?? '"{value}" is not an e-mail address').replace('{value}', wrong);
        }
    }
    if (messages.reminders) {
        Object.assign(errors, validateReminders(form.reminders, messages.reminders));
    }
    if (retentionDaysOf(form.retentionDays ?? '') === undefined) {
        errors.retentionDays = messages.retentionDays ?? `a whole number of days from 1 to ${RETENTION_DAYS_MAX}`;
    }
    if (messages.routes) {
        Object.assign(errors, validateRoutes(form.routes ?? [], messages.routes));
    }
    return errors;
}

/** What a login or a token switch needs; only when the form knows of the auth mode. */
function validateAuth(form: FormState, messages: ValidationMessages, errors: FieldErrors, savedAuth?: {mode: AuthMode; loginId: string}): void {
    if (form.authMode === 'login') {
        if (form.loginId.trim() === '') {
            errors.loginId = messages.loginIdRequired ?? 'required';
        }
        if (form.password === '' && savedAuth && (savedAuth.mode !== 'login' || savedAuth.loginId !== form.loginId.trim())) {
            errors.password = messages.passwordRequired ?? 'required';
        }
    } else if (form.authMode === 'token' && savedAuth && savedAuth.mode !== 'token' && form.botToken.trim() === '') {
        errors.botToken = messages.botTokenRequired ?? 'required';
    }
}

/** validate() plus what depends on the saved settings (a password or token needed when switching). */
export function validateAgainst(form: FormState, view: IntegrationView, messages: ValidationMessages): FieldErrors {
    const errors = validate(form, messages);
    validateAuth(form, messages, errors, {mode: view.mattermost?.auth ?? DEFAULT_AUTH_MODE, loginId: view.mattermost?.login_id ?? ''});
    return errors;
}

/** The form field a problem+json `field` (the request's dotted path) names, if any. */
export function fieldKeyForProblem(field: string | undefined): FieldKey | null {
    if (!field) {
        return null;
    }
    const path = field.replace(/^\//, '').replace(/\//g, '.');
    const reminder = reminderFieldKey(path);
    if (reminder) {
        return reminder;
    }
    const route = routeFieldKey(path);
    if (route) {
        return route;
    }
    const direct: Record<string, FieldKey> = {
        'mattermost.server_url': 'serverUrl',
        'mattermost.bot_token': 'botToken',
        'mattermost.auth': 'authMode',
        'mattermost.login_id': 'loginId',
        'mattermost.password': 'password',
        'dm_settings.on_assignment': 'dmOnAssignment',
        'dm_settings.on_guest_message': 'dmOnGuestMessage',
        'mattermost.outgoing_webhook_token': 'outgoingWebhookToken',
        'mattermost.slash_command_token': 'slashCommandToken',
        mattermost: 'serverUrl',
        channel_id: 'channelId',
        relay_mode: 'relayMode',
        inbound_mode: 'inboundMode',
        active: 'active',
        retention_days: 'retentionDays',
    };
    if (direct[path]) {
        return direct[path]!;
    }
    const dm = /^dm_settings\.subscriptions\.([a-z]+\.[a-z]+)/.exec(path);
    if (dm) {
        return isNotificationType(dm[1]) ? `dm:${dm[1]}` : null;
    }
    if (path.startsWith('notification_channels.')) {
        const type = path.slice('notification_channels.'.length);
        return isNotificationType(type) ? `notification:${type}` : null;
    }
    return null;
}
