import type {RouteInput, RouteView} from './routing.js';
import type {AuthMode, DmSettings, InboundMode, NotificationType, RelayMode, ReminderSettings} from './settings.js';

/**
 * The admin API's requests and answers (DESIGN §5, server-bridge/docs/admin-api.md) as the bridge
 * sends them and System Console reads them. Times are ISO 8601 text; JSON field names are snake_case.
 */

/** The integration's health, part of its view. */
export interface IntegrationStatusView {
    state: 'ok' | 'error';
    /** Plain language; null when all is well. */
    last_error: string | null;
    last_error_at: string | null;
    /** null before the first delivery. */
    last_delivery_at: string | null;
    /** Deliveries waiting or under way. */
    queue_depth: number;
    /** Deliveries parked as failed (replayable). */
    failed: number;
    /** Conversations whose guest waits for an answer now, and the longest wait (DESIGN §11). */
    waiting?: {count: number; longest_seconds: number};
}

/** GET/PATCH/PUT /api/v1/integrations/{licence}: the settings without secrets. */
export interface IntegrationView {
    licence: string;
    mattermost: {
        server_url: string;
        auth: AuthMode;
        bot_token_set: boolean;
        /** Auth mode `login` only: the bot account's e-mail or username (not a secret). */
        login_id?: string;
        /** The password itself is never returned. */
        password_set: boolean;
        outgoing_webhook_token_set: boolean;
        /** The `/ireserve` slash command's token (write-only, DESIGN §10). */
        slash_command_token_set: boolean;
        bot_user_id: string | null;
    };
    /** The default conversation channel: where a conversation goes when no route matches it. */
    channel_id: string;
    /** Ordered: the first route that matches a new conversation chooses its channel (routing.ts). */
    routes: RouteView[];
    /** Every known notification type → a channel id, or an http(s) incoming-webhook URL; '' = not sent. */
    notification_channels: Record<NotificationType, string>;
    relay_mode: RelayMode;
    inbound_mode: InboundMode;
    ireserve: {callback_url: string | null};
    active: boolean;
    dm_settings: DmSettings;
    /** Reminders while a guest waits (DESIGN §11); absent = off. */
    reminders?: ReminderSettings;
    /** Closed conversations with no activity for this many days are erased (DESIGN §12); null keeps them. Optional until every bridge reports it. */
    retention_days?: number | null;
    /** Read-only: where a Mattermost outgoing webhook must post. */
    inbound_webhook_url: string;
    /** Read-only: where the card's action buttons call the bridge (DESIGN §10). */
    actions_url: string;
    /** Read-only: the request URL of the `/ireserve` slash command. */
    slash_command_url: string;
    status: IntegrationStatusView;
    created_at: string;
    updated_at: string;
}

/** The secrets created with an integration or rotated; returned once. */
export interface NewSecrets {
    /** Standard Webhooks secret (`whsec_…`) i-Reserve signs events with. */
    signing_secret: string;
    /** The integration's admin key for System Console. */
    admin_key: string;
}

/**
 * PATCH /api/v1/integrations/{licence}: only the fields present change; secrets are write-only.
 * The bridge's parser accepts more (null to clear, the view's read-only fields echoed back); this is
 * what a client sends.
 */
export interface IntegrationPatch {
    mattermost?: {
        server_url?: string;
        auth?: AuthMode;
        bot_token?: string;
        login_id?: string;
        password?: string;
        /** '' removes it. */
        outgoing_webhook_token?: string;
        /** '' removes it. */
        slash_command_token?: string;
    };
    channel_id?: string;
    /** The whole ordered list ([] removes every route). */
    routes?: RouteInput[];
    /** '' clears a type. */
    notification_channels?: Partial<Record<NotificationType, string>>;
    relay_mode?: RelayMode;
    inbound_mode?: InboundMode;
    ireserve?: {callback_url?: string | null};
    active?: boolean;
    /** subscriptions: [] clears a type's subscribers. */
    dm_settings?: Partial<DmSettings>;
    /** Replaces the reminder settings as a whole; `after_seconds: []` turns reminders off. */
    reminders?: ReminderSettings;
    /** Whole days, 1 to RETENTION_DAYS_MAX; null turns retention off. */
    retention_days?: number | null;
}

/** One entry of GET …/{licence}/channels. */
export interface ChannelView {
    id: string;
    name: string;
    display_name: string;
    /** `O` public, `P` private; '' when the bot cannot see the channel any more. */
    type: string;
    team_id: string;
    team_name: string;
    /** The bot is a member (it can post there); false for a saved channel the bot has left. */
    member: boolean;
    /** It is the integration's default conversation channel. */
    selected: boolean;
    /** Indexes (0-based) of the routes that send conversations to this channel. */
    routes: number[];
    /** Notification types currently mapped to this channel. */
    notification_types: NotificationType[];
}

export interface ChannelsAnswer {
    channels: ChannelView[];
}

/**
 * `not_a_member`: the bot sees the channel but may not post (add it: /invite). `not_on_team`: the
 * bot is on no team, so not on the channel's. `not_visible`: the bot cannot see the channel — a
 * private channel without it, or a team it is not on.
 */
export const TEST_ERROR_CODES = ['not_a_member', 'not_on_team', 'not_visible', 'channel_not_found', 'token_rejected', 'unreachable', 'rejected'] as const;
export type TestErrorCode = (typeof TEST_ERROR_CODES)[number];

/** One target of POST …/{licence}/test (the Test button). */
export interface TestResult {
    /** The configured target: a channel id, or for an incoming webhook its URL. */
    channel_id: string;
    /** `mirror` (the default conversation channel), `route:<index>` (0-based) or `notification:<type>`. */
    purpose: string;
    target: 'channel' | 'incoming_webhook';
    ok: boolean;
    error?: TestErrorCode;
    /** Plain language: what happened and, on failure, how to fix it. */
    message: string;
    /** On success in a channel: `<server>/<team>/pl/<post id>`. */
    permalink?: string;
    /** The channel's name (without ~) when Mattermost showed it. */
    channel_name?: string;
    /** A dry run: nothing was posted; `skipped` when the target cannot be checked without posting. */
    dry_run?: true;
    skipped?: true;
}

/**
 * Causes the inbound half of the Test names (`cause` of InboundTestResult):
 * - `inactive`: the integration is switched off; inbound calls are ignored.
 * - `no_webhook_token`: no outgoing-webhook token is saved.
 * - `private_channel`: outgoing webhooks never fire in private channels (use WebSocket mode).
 * - `probe_not_posted`: Mattermost refused the probe post (the outbound results say why).
 * - `unknown_token`: the call arrived with a token that matches no integration (wrong token saved).
 * - `other_integration`: it arrived with the token saved for another integration.
 * - `no_call`: nothing arrived — `untrusted_address` is named instead when the bridge's public
 *   address is loopback or private (Mattermost refuses those unless they are listed in
 *   ServiceSettings.AllowedUntrustedInternalConnections).
 * - `socket_*` (WebSocket mode): `socket_connecting`, `socket_disconnected`, `socket_not_started`.
 */
export const INBOUND_CAUSES = [
    'inactive', 'no_webhook_token', 'private_channel', 'probe_not_posted', 'unknown_token', 'other_integration',
    'no_call', 'untrusted_address', 'socket_connecting', 'socket_disconnected', 'socket_not_started',
] as const;
export type InboundCause = (typeof INBOUND_CAUSES)[number];

/** The inbound check of one conversation channel (webhook mode: a probe through its outgoing webhook). */
export interface InboundChannelResult {
    channel_id: string;
    /** `mirror` or `route:<index>`: the first setting that sends conversations to this channel. */
    purpose: string;
    ok: boolean;
    cause?: InboundCause;
    message: string;
}

/**
 * The inbound half of the Test: whether agents' replies reach the bridge (server-bridge
 * admin/inbound_test.ts; docs/self-test.md). In webhook mode every conversation channel (the
 * default one and each route's) is probed; `ok` is true when all are fine, `cause` and `message`
 * are the first failing channel's (else the default channel's), and `channels` lists each
 * channel's own result when there is more than one.
 */
export interface InboundTestResult {
    mode: InboundMode;
    ok: boolean;
    dry_run: boolean;
    /** Set when not ok (and for warnings of a dry run). */
    cause?: InboundCause;
    /** Plain language: what was checked and, on failure, the likely cause and its fix. */
    message: string;
    channels?: InboundChannelResult[];
}

/**
 * Causes the action check of the Test names (`cause` of ActionTestResult):
 * - `probe_not_posted`: Mattermost refused the bot's probe post (the outbound results say why).
 * - `not_triggered`: Mattermost refused to let the bot trigger the probe's action (its error is quoted).
 * - `untrusted_address`: Mattermost could not call the action URL, whose host is a loopback or
 *   private address — Mattermost calls those only when listed in
 *   ServiceSettings.AllowedUntrustedInternalConnections.
 * - `unreachable`: Mattermost could not call the action URL (a public address: DNS, firewall, TLS,
 *   BRIDGE_PUBLIC_URL).
 * - `wrong_receiver`: Mattermost called the URL and got an answer, but not from this bridge.
 */
export const ACTION_TEST_CAUSES = ['probe_not_posted', 'not_triggered', 'untrusted_address', 'unreachable', 'wrong_receiver'] as const;
export type ActionTestCause = (typeof ACTION_TEST_CAUSES)[number];

/**
 * The action check of the Test: whether Mattermost can call the bridge's action URL, which the
 * card's buttons need (server-bridge admin/action_test.ts; docs/self-test.md).
 */
export interface ActionTestResult {
    /** The URL the buttons call (BRIDGE_PUBLIC_URL + /api/v1/mattermost/actions). */
    url: string;
    ok: boolean;
    dry_run: boolean;
    /** Set when not ok (and for a warning of a dry run). */
    cause?: ActionTestCause;
    /** Plain language: what was checked and, on failure, the likely cause and its fix. */
    message: string;
}

/** POST …/{licence}/test → 200: one result per configured target, the inbound check and the action check. */
export interface TestReport {
    results: TestResult[];
    inbound?: InboundTestResult;
    actions?: ActionTestResult;
}

export const DELIVERY_STATUSES = ['pending', 'in_flight', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
/** `outbound`: an i-Reserve event to Mattermost; `inbound`: an agent's reply to i-Reserve. */
export type DeliveryDirection = 'outbound' | 'inbound';

/**
 * `last_error_code` of a delivery whose integration was deleted (or never existed) when the
 * delivery was attempted. Codes are stable machine-readable reasons; `last_error` says it in words.
 */
export const INTEGRATION_MISSING_CODE = 'integration_missing';

/**
 * One delivery of GET …/{licence}/deliveries: a job of the bridge's outbox taking an i-Reserve
 * event to Mattermost (`outbound`) or an agent's reply to i-Reserve (`inbound`).
 */
export interface DeliveryView {
    id: number;
    direction: DeliveryDirection;
    /** The job kind, e.g. `conversation.message`. */
    kind: string;
    conversation_id: string | null;
    attempts: number;
    status: DeliveryStatus;
    last_error: string | null;
    /** A machine-readable reason, e.g. INTEGRATION_MISSING_CODE or `not_a_member`. */
    last_error_code: string | null;
    /** Notifications: the notification type; null for other deliveries. */
    notification_type: string | null;
    /**
     * Where it goes: for a notification, the channel id (or incoming-webhook URL) its type is
     * mapped to now — where a retry sends it ('' when the type is no longer mapped); for an agent's
     * reply, the channel of the post. Null when not known.
     */
    channel_id: string | null;
    created_at: string;
    updated_at: string;
}

export interface DeliveriesAnswer {
    deliveries: DeliveryView[];
}

/** POST …/{licence}/deliveries/retry-failed → 202. */
export interface RetryFailedAnswer {
    retried: number;
}

/** The longest `retention_days` accepted (ten years). */
export const RETENTION_DAYS_MAX = 3650;

/** An erasure's state: `in_progress` until the posts are deleted and the bridge's tables scrubbed. */
export const ERASURE_STATUSES = ['in_progress', 'done', 'partial'] as const;
export type ErasureStatus = (typeof ERASURE_STATUSES)[number];
/** `event`: i-Reserve sent `conversation.erased`; `retention`: the integration's `retention_days` ran out. */
export type ErasureSource = 'event' | 'retention';

/** Something an erasure could not delete (status `partial`), and why. */
export interface ErasureKept {
    /** `post`: a Mattermost post; `file`: a file still served by Mattermost; `thread`: a root and its replies. */
    what: 'post' | 'file' | 'thread';
    /** The Mattermost id. */
    id: string;
    /** Plain language. */
    reason: string;
}

/** One entry of GET …/{licence}/erasures (DESIGN §12). */
export interface ErasureView {
    conversation_id: string;
    status: ErasureStatus;
    source: ErasureSource;
    requested_at: string;
    /** null while in progress. */
    completed_at: string | null;
    /** What could not be deleted and why; empty when everything was. */
    kept: ErasureKept[];
}

export interface ErasuresAnswer {
    erasures: ErasureView[];
}

/** One field at fault in a refused request. */
export interface FieldIssue {
    /** Dotted path of the field, as sent (e.g. `mattermost.bot_token`). */
    field: string;
    /** Plain language, without the field's name. */
    message: string;
}

/** Every error answer: RFC 9457 `application/problem+json`. */
export interface ProblemDocument {
    type: string;
    title: string;
    status: number;
    detail?: string;
    /** The field at fault when there is one, dotted. */
    field?: string;
    /** A machine-readable reason some answers carry (e.g. `token_rejected`). */
    code?: string;
    /** Every field at fault, each with its own message. */
    errors?: FieldIssue[];
    [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
