import {z} from 'zod';

import {
    AUTH_MODES, INBOUND_MODES, INBOX_MAX_LENGTH, MAX_REMINDER_THRESHOLDS, MAX_ROUTES, MIN_REMINDER_SECONDS, NOTIFICATION_TYPES, RELAY_MODES,
    REMINDER_NOTIFY, RETENTION_DAYS_MAX, ROUTE_MATCH_FIELDS,
    isIncomingWebhookTarget, normalisePrefix, type FieldIssue, type IntegrationPatch, type NotificationType,
} from '../contract/index.js';
import {HH_MM_PATTERN, isKnownTimeZone} from '../domain/waiting/quiet_hours.js';
import {MATTERMOST_ID_PATTERN} from '../domain/ids.js';

import {InvalidSettings} from './errors.js';

/**
 * The admin API's request bodies (DESIGN §5) and their parsing into InvalidSettings naming the
 * field. Unknown fields are refused (a typo must not be silently ignored), except the read-only
 * fields of the GET answer, which a client may send back unchanged and which are ignored.
 */

export const LICENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export {MATTERMOST_ID_PATTERN};

export function isHttpUrl(value: string): boolean {
    try {
        const url = new URL(value);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
        return false;
    }
}

const httpUrl = z.string().trim().refine(isHttpUrl, {message: 'must be an http(s) URL, like https://mattermost.example.com'});
const secret = z.string().trim().min(1, {message: 'must not be empty'}).max(1024, {message: 'is too long'});
const readOnly = z.unknown().optional();
const channelId = z.string().trim().regex(MATTERMOST_ID_PATTERN, {message: 'must be a Mattermost channel id (26 lowercase letters and digits)'});

const NOTIFICATION_TARGET_HINT = 'must be a Mattermost channel id (26 lowercase letters and digits), an http(s) incoming-webhook URL, or "" (not sent)';

const notificationChannels = z.record(z.string(), z.union([z.string(), z.null()], {message: NOTIFICATION_TARGET_HINT}))
    .superRefine((map, ctx) => {
        for (const [type, raw] of Object.entries(map)) {
            if (!(NOTIFICATION_TYPES as readonly string[]).includes(type)) {
                ctx.addIssue({code: 'custom', path: [type], message: `is not a known notification type (known: ${NOTIFICATION_TYPES.join(', ')})`});
                continue;
            }
            const value = (raw ?? '').trim();
            if (value !== '' && !(isIncomingWebhookTarget(value) ? isHttpUrl(value) : MATTERMOST_ID_PATTERN.test(value))) {
                ctx.addIssue({code: 'custom', path: [type], message: NOTIFICATION_TARGET_HINT});
            }
        }
    })
    .transform((map) => Object.fromEntries(Object.entries(map).map(([type, value]) => [type, (value ?? '').trim()])) as NotificationChannelsInput);

export type NotificationChannelsInput = Partial<Record<NotificationType, string>>;

/**
 * `mattermost.auth` is `"token"` (a bot access token, the default) or `"login"` (the bot account's
 * `login_id` — e-mail or username — and `password`, for servers where access tokens are off).
 * Which one applies when `auth` is omitted is decided by the service (from the fields sent, else the
 * stored mode). Passwords are not trimmed.
 */
const mattermostSchema = z.strictObject({
    server_url: httpUrl,
    auth: z.enum(AUTH_MODES, {message: 'must be "token" (a bot access token) or "login" (the bot account\'s e-mail and password)'}).optional(),
    bot_token: secret.optional(),
    login_id: z.string().trim().min(1, {message: 'must not be empty'}).max(256, {message: 'is too long'}).optional(),
    password: z.string().min(1, {message: 'must not be empty'}).max(1024, {message: 'is too long'}).optional(),
    /** '' or null removes it. */
    outgoing_webhook_token: z.string().trim().max(1024, {message: 'is too long'}).nullable().optional(),
    bot_token_set: readOnly,
    password_set: readOnly,
    /** The `/ireserve` slash command's token (DESIGN §10); '' or null removes it. */
    slash_command_token: z.string().trim().max(1024, {message: 'is too long'}).nullable().optional(),
    outgoing_webhook_token_set: readOnly,
    slash_command_token_set: readOnly,
    bot_user_id: readOnly,
}, {message: 'must be an object'});

const subscriberEmail = z.string().trim().max(254, {message: 'is too long'}).pipe(z.email({message: 'must be an e-mail address'}));

/** Direct messages from the bot (issue 9); every switch off by default. */
const dmSettingsSchema = z.strictObject({
    on_assignment: z.boolean({message: 'must be true or false'}).optional(),
    on_guest_message: z.boolean({message: 'must be true or false'}).optional(),
    /** notification type → subscriber e-mails; [] (or null) removes the type's subscribers. */
    subscriptions: z.record(z.string(), z.union([z.array(subscriberEmail, {message: 'must be a list of e-mail addresses'}).max(200, {message: 'has more than 200 subscribers'}), z.null()], {message: 'must be a list of e-mail addresses'}))
        .superRefine((map, ctx) => {
            for (const type of Object.keys(map)) {
                if (!(NOTIFICATION_TYPES as readonly string[]).includes(type)) {
                    ctx.addIssue({code: 'custom', path: [type], message: `is not a known notification type (known: ${NOTIFICATION_TYPES.join(', ')})`});
                }
            }
        })
        .optional(),
}, {message: 'must be an object'});

export type DmSettingsInput = z.infer<typeof dmSettingsSchema>;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * One route (DESIGN §13): at least one match field, and the channel. `outgoing_webhook_token` is
 * write-only: omitted keeps the token saved for the same channel, '' or null removes it.
 */
const routeSchema = z.strictObject({
    inbox: z.string({message: `must be text of 1 to ${INBOX_MAX_LENGTH} characters`}).trim()
        .min(1, {message: `must be 1 to ${INBOX_MAX_LENGTH} characters (leave it out to match any inbox)`})
        .max(INBOX_MAX_LENGTH, {message: `must be at most ${INBOX_MAX_LENGTH} characters`})
        .refine((value) => !CONTROL.test(value), {message: 'must not contain control characters'}).optional(),
    locale: z.string({message: 'must be a language tag, like nl or nl-NL'}).trim()
        .regex(/^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$/, {message: 'must be a language tag, like nl or nl-NL'})
        .max(35, {message: 'is too long'}).optional(),
    page_url_prefix: z.string({message: 'must be an http(s) URL, like https://www.example.com/parks/dunes'}).trim().max(2048, {message: 'is too long'})
        .refine((value) => isHttpUrl(value) && normalisePrefix(value) !== null, {message: 'must be an http(s) URL, like https://www.example.com/parks/dunes'})
        .transform((value) => normalisePrefix(value)!).optional(),
    channel_id: z.string({message: 'is required: the channel conversations matching this route go to'}).trim()
        .regex(MATTERMOST_ID_PATTERN, {message: 'must be a Mattermost channel id (26 lowercase letters and digits)'}),
    outgoing_webhook_token: z.string().trim().max(1024, {message: 'is too long'}).nullable().optional(),
    outgoing_webhook_token_set: readOnly,
}, {message: 'must be an object: {inbox?, locale?, page_url_prefix?, channel_id}'})
    .superRefine((route, ctx) => {
        if (ROUTE_MATCH_FIELDS.every((field) => route[field] === undefined)) {
            ctx.addIssue({code: 'custom', path: [], message: `matches nothing: give at least one of ${ROUTE_MATCH_FIELDS.join(', ')}`});
        }
    });

const routesSchema = z.array(routeSchema, {message: 'must be a list of routes'})
    .max(MAX_ROUTES, {message: `has more than ${MAX_ROUTES} routes`});

export type RouteInputParsed = z.infer<typeof routeSchema>;

/** Seven days: a longer threshold is surely a typo (milliseconds for seconds). */
const MAX_REMINDER_SECONDS = 7 * 24 * 3600;
const hhmm = z.string({message: 'must be a time like "08:00" (HH:MM, 24 hours)'}).trim().regex(HH_MM_PATTERN, {message: 'must be a time like "08:00" (HH:MM, 24 hours)'});

/** Reminders for waiting guests (DESIGN §11); `after_seconds: []` (or null for the whole) = off. */
const remindersSchema = z.strictObject({
    after_seconds: z.array(
        z.number({message: 'must be a number of seconds'}).int({message: 'must be a whole number of seconds'})
            .min(MIN_REMINDER_SECONDS, {message: `must be at least ${MIN_REMINDER_SECONDS} seconds`})
            .max(MAX_REMINDER_SECONDS, {message: `must be at most ${MAX_REMINDER_SECONDS} seconds (7 days)`}),
        {message: 'must be a list of numbers of seconds, like [300, 900]'},
    ).max(MAX_REMINDER_THRESHOLDS, {message: `has more than ${MAX_REMINDER_THRESHOLDS} thresholds`})
        .superRefine((list, ctx) => {
            list.forEach((value, index) => {
                if (index > 0 && value <= list[index - 1]!) {
                    ctx.addIssue({code: 'custom', path: [index], message: `must be greater than the threshold before it (${list[index - 1]}): thresholds go in ascending order`});
                }
            });
        }),
    notify: z.enum(REMINDER_NOTIFY, {message: 'must be "assignee" (the assignee, or @here when nobody has the conversation) or "channel" (always @here)'}).optional(),
    quiet_hours: z.strictObject({
        timezone: z.string({message: 'must be an IANA time zone, like "Europe/Amsterdam"'}).trim()
            .refine(isKnownTimeZone, {message: 'is not a known IANA time zone (like "Europe/Amsterdam")'}),
        from: hhmm,
        to: hhmm,
    }, {message: 'must be an object {timezone, from, to}, or null'}).nullable().optional(),
}, {message: 'must be an object {after_seconds, notify, quiet_hours}, or null'});

export type RemindersInput = z.infer<typeof remindersSchema>;

const putSchema = z.strictObject({
    mattermost: mattermostSchema,
    channel_id: channelId,
    routes: routesSchema.optional(),
    notification_channels: notificationChannels.optional(),
    relay_mode: z.enum(RELAY_MODES).optional(),
    inbound_mode: z.enum(INBOUND_MODES).optional(),
    ireserve: z.strictObject({
        callback_url: z.union([z.literal(''), httpUrl, z.null()], {message: 'must be an http(s) URL, or null'}).optional(),
    }, {message: 'must be an object'}).optional(),
    active: z.boolean({message: 'must be true or false'}).optional(),
    dm_settings: dmSettingsSchema.optional(),
    retention_days: z.union([
        z.number({message: 'must be a whole number of days from 1 to 3650, or null'}).int({message: 'must be a whole number of days'})
            .min(1, {message: 'must be at least 1 day'}).max(RETENTION_DAYS_MAX, {message: `must be at most ${RETENTION_DAYS_MAX} days`}),
        z.null(),
    ], {message: 'must be a whole number of days from 1 to 3650, or null'}).optional(),
    reminders: remindersSchema.nullable().optional(),
    licence: z.string().optional(),
    inbound_webhook_url: readOnly,
    actions_url: readOnly,
    slash_command_url: readOnly,
    status: readOnly,
    created_at: readOnly,
    updated_at: readOnly,
}, {message: 'the body must be a JSON object'});

const patchSchema = putSchema.extend({mattermost: mattermostSchema.partial()}).partial();

export type SettingsInput = z.infer<typeof patchSchema>;
// Every PATCH body a client builds from the contract's IntegrationPatch fits this schema's input type.
const _patchFitsSchema: (patch: IntegrationPatch) => z.input<typeof patchSchema> = (patch) => patch;
export type FullSettingsInput = z.infer<typeof putSchema>;

const usersSchema = z.strictObject({
    users: z.array(z.strictObject({
        ireserve_user_id: z.union([z.string(), z.number()], {message: 'must be a string'})
            .transform((value) => String(value).trim())
            .pipe(z.string().min(1, {message: 'must not be empty'}).max(200, {message: 'is too long'})),
        email: z.string().trim().pipe(z.email({message: 'must be an e-mail address'})),
    }), {message: 'must be a list of {ireserve_user_id, email}'}).max(50_000, {message: 'has more than 50000 users'}),
}, {message: 'the body must be a JSON object'});

export type UsersInput = z.infer<typeof usersSchema>;

function issuesOf(error: z.ZodError): FieldIssue[] {
    return error.issues.map((issue) => {
        const path = issue.path.map(String);
        if (issue.code === 'unrecognized_keys') {
            return {field: [...path, issue.keys[0] ?? ''].join('.'), message: 'is not a known field'};
        }
        return {field: path.join('.'), message: issue.message};
    });
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
    const result = schema.safeParse(body ?? null);
    if (result.success) {
        return result.data;
    }
    const issues = issuesOf(result.error);
    const first = issues[0] ?? {field: '', message: 'invalid request body'};
    throw new InvalidSettings(first.field, first.message, 'invalid', issues);
}

function checkLicenceEcho(licence: string, input: {licence?: string}): void {
    if (input.licence !== undefined && input.licence !== licence) {
        throw new InvalidSettings('licence', `does not match the licence in the URL (${licence})`);
    }
}

export function parseFullSettings(licence: string, body: unknown): FullSettingsInput {
    const input = parse(putSchema, body);
    checkLicenceEcho(licence, input);
    return input;
}

export function parsePartialSettings(licence: string, body: unknown): SettingsInput {
    const input = parse(patchSchema, body);
    checkLicenceEcho(licence, input);
    return input;
}

/** Also refuses an ireserve_user_id listed twice. */
export function parseUsers(body: unknown): UsersInput {
    const input = parse(usersSchema, body);
    const seen = new Map<string, number>();
    input.users.forEach((user, index) => {
        const first = seen.get(user.ireserve_user_id);
        if (first !== undefined) {
            throw new InvalidSettings(`users.${index}.ireserve_user_id`, `is listed twice (also at users.${first})`);
        }
        seen.set(user.ireserve_user_id, index);
    });
    return input;
}

export function parseLicence(licence: string): string {
    if (!LICENCE_PATTERN.test(licence)) {
        throw new InvalidSettings('licence', 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    }
    return licence;
}

/**
 * The Test's dry-run switch: `?dry_run=true|false` or a JSON body `{"dry_run": true|false}` (the
 * query wins when both are given). Anything else in the body is refused, naming the field.
 */
export function parseDryRun(query: unknown, body: unknown): boolean {
    const fromQuery = query !== null && typeof query === 'object' ? (query as Record<string, unknown>).dry_run : undefined;
    if (fromQuery !== undefined) {
        if (fromQuery === 'true' || fromQuery === '1') {
            return true;
        }
        if (fromQuery === 'false' || fromQuery === '0') {
            return false;
        }
        throw new InvalidSettings('dry_run', 'must be true or false');
    }
    if (body === undefined || body === null || body === '') {
        return false;
    }
    if (typeof body !== 'object' || Array.isArray(body)) {
        throw new InvalidSettings('', 'the body must be a JSON object, e.g. {"dry_run": true}');
    }
    for (const key of Object.keys(body)) {
        if (key !== 'dry_run') {
            throw new InvalidSettings(key, 'is not a known field (the Test takes only dry_run)');
        }
    }
    const value = (body as {dry_run?: unknown}).dry_run;
    if (value !== undefined && typeof value !== 'boolean') {
        throw new InvalidSettings('dry_run', 'must be true or false');
    }
    return value === true;
}
