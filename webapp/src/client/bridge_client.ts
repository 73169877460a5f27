// The one place the webapp talks to the i-Reserve bridge: its admin API (DESIGN §5), used by
// System Console only. Every request goes to `<BridgeURL>/api/v1/integrations/<licence>…` with
// `Authorization: Bearer <admin key>` (the integration's own key: it reaches this licence only).
// The bridge is another origin, so it must list this Mattermost site in BRIDGE_CORS_ORIGINS.
//
// Errors: every failure is thrown as a BridgeError carrying the real HTTP status (0 when no
// response arrived) and, when the bridge answered with application/problem+json, its `title`,
// `detail` and `field` (the dotted path of the offending request field). Nothing here retries.
import axios, {AxiosError, type AxiosAdapter, type AxiosInstance, type Method} from 'axios';

export type RelayMode = 'all_replies' | 'composer_only';
export type InboundMode = 'outgoing_webhook' | 'websocket';

export type IntegrationStatus = {
    state: 'ok' | 'error';
    last_error: string | null;
    last_error_at?: string | null;

    /** ISO 8601 text or epoch milliseconds, as the bridge sends it; null before the first delivery. */
    last_delivery_at: string | number | null;
    queue_depth: number;
    failed: number;
};

/** GET /api/v1/integrations/{licence}: the settings without secrets. */
/** How the bridge signs in to Mattermost: a bot access token, or the bot account's e-mail and password. */
export type AuthMode = 'token' | 'login';

/** Direct messages from the bot (all off by default); subscriptions: notification type → e-mails. */
export type DmSettings = {
    on_assignment: boolean;
    on_guest_message: boolean;
    subscriptions: Record<string, string[]>;
};

export type IntegrationView = {
    licence: string;
    mattermost: {
        server_url: string;
        auth?: AuthMode;
        bot_token_set: boolean;
        login_id?: string;
        password_set?: boolean;
        outgoing_webhook_token_set: boolean;

        /** Whether the /ireserve slash command's token is saved (the token itself is write-only). */
        slash_command_token_set?: boolean;
    };
    channel_id: string;

    /** notification type → channel id, or an http(s) incoming-webhook URL; '' = not sent. */
    notification_channels: Record<string, string>;
    relay_mode: RelayMode;
    inbound_mode: InboundMode;
    active: boolean;
    dm_settings?: DmSettings;

    /** Read-only: where a Mattermost outgoing webhook must post. */
    inbound_webhook_url: string;

    /** Read-only (DESIGN §10): where Mattermost sends card button clicks, and the /ireserve command's request URL. Absent on older bridges. */
    actions_url?: string;
    slash_command_url?: string;
    status: IntegrationStatus;
};

/** PATCH /api/v1/integrations/{licence}: only the fields present change. Secrets are write-only. */
export type IntegrationPatch = {
    mattermost?: {server_url?: string; auth?: AuthMode; bot_token?: string; login_id?: string; password?: string; outgoing_webhook_token?: string; slash_command_token?: string};
    channel_id?: string;
    notification_channels?: Record<string, string>;
    relay_mode?: RelayMode;
    inbound_mode?: InboundMode;
    active?: boolean;
    dm_settings?: Partial<DmSettings>;
};

export type BridgeChannel = {
    id: string;
    name: string;
    display_name: string;
    type: string;
    team_id: string;
    team_name: string;

    /** false: the saved channel the bot has left (listed so it stays selectable; names empty when hidden). */
    member: boolean;
    selected: boolean;
    notification_types?: string[];
};

export type TestErrorCode = 'not_a_member' | 'not_on_team' | 'not_visible' | 'channel_not_found' | 'token_rejected' | 'unreachable' | 'rejected';

export type TestResult = {

    /** The configured target: a channel id, or an incoming-webhook URL. */
    channel_id: string;

    /** 'mirror' or 'notification:<type>'. */
    purpose: string;
    target?: 'channel' | 'incoming_webhook';
    ok: boolean;
    error?: TestErrorCode | string;

    /** Plain language: what was posted, or on failure how to fix it. */
    message?: string;

    /** Link to the sample post, when one was made in a channel. */
    permalink?: string;
    channel_name?: string;

    /** A dry run: nothing was posted; `skipped` when the target cannot be checked without posting. */
    dry_run?: boolean;
    skipped?: boolean;
};

/** The inbound half of the Test (server-bridge admin/inbound_test.ts). */
export type InboundTestResult = {
    mode: 'outgoing_webhook' | 'websocket';
    ok: boolean;
    dry_run: boolean;

    /** e.g. `unknown_token`, `untrusted_address`, `no_call`, `private_channel`, `socket_disconnected`. */
    cause?: string;
    message: string;
};

export type TestReport = {results: TestResult[]; inbound?: InboundTestResult};

export type Delivery = {
    id: number | string;
    direction: 'outbound' | 'inbound';

    /** The job kind, e.g. `conversation.message`. */
    kind?: string;
    conversation_id: string | null;
    attempts: number;
    status: string;
    last_error: string | null;
    last_error_code?: string | null;

    /** Notifications: the notification type (null otherwise). */
    notification_type?: string | null;

    /** A notification's target now (channel id, incoming-webhook URL, '' when unmapped); a reply's channel. */
    channel_id?: string | null;
    updated_at?: string;
};

export interface BridgeAdminClient {

    /** The bridge URL requests go to (for messages). */
    readonly baseUrl: string;

    /** GET …/{licence}. 404: no integration for the licence; 401/403: the key was refused. */
    getIntegration(): Promise<IntegrationView>;

    /** PATCH …/{licence}. Not retried; the bridge validates the whole result before storing anything. */
    patchIntegration(patch: IntegrationPatch): Promise<IntegrationView>;

    /** GET …/{licence}/channels. */
    listChannels(): Promise<BridgeChannel[]>;

    /** POST …/{licence}/test: posts a sample message to every configured channel (not idempotent). */
    runTest(options?: {dryRun?: boolean}): Promise<TestReport>;

    /** GET …/{licence}/deliveries?status=failed. */
    listFailedDeliveries(): Promise<Delivery[]>;

    /** POST …/{licence}/deliveries/{id}/retry → 202. 404 when it is no longer failed. */
    retryDelivery(id: number | string): Promise<void>;

    /** POST …/{licence}/deliveries/retry-failed → 202 {retried}: every failed delivery queued again. */
    retryAllFailed(): Promise<number>;
}

export type BridgeErrorKind = 'config' | 'network' | 'http' | 'invalid_response';

export type Problem = {
    title?: string;
    detail?: string;
    field?: string;

    /** A machine-readable reason some answers carry (e.g. `token_rejected`). */
    code?: string;

    /** Every field at fault, each with its own message (without the field's name). */
    errors?: Array<{field: string; message: string}>;
};

export class BridgeError extends Error {
    override readonly name = 'BridgeError';

    constructor(
        readonly kind: BridgeErrorKind,
        readonly status: number,
        message: string,
        readonly problem: Problem = {},
    ) {
        super(message);
    }

    get title(): string | undefined {
        return this.problem.title;
    }

    get detail(): string | undefined {
        return this.problem.detail;
    }

    /** The request field the bridge blamed, dotted (e.g. `mattermost.bot_token`). */
    get field(): string | undefined {
        return this.problem.field;
    }

    /** The message for one field: its own entry in `errors`, else the detail. */
    messageFor(field: string): string {
        const own = this.problem.errors?.find((entry) => entry.field === field)?.message;
        return own ?? this.problem.detail ?? this.message;
    }

    /** True when the same request may succeed later without anyone changing anything. */
    get retryable(): boolean {
        if (this.kind === 'network') {
            return true;
        }
        return this.kind === 'http' && (this.status === 408 || this.status === 429 || (this.status >= 500 && this.status !== 501));
    }
}

export type BridgeClientOptions = {
    bridgeUrl: string;
    licence: string;
    adminKey: string;

    /** An axios adapter to use instead of the network (tests). */
    adapter?: AxiosAdapter;
};

export type BridgeClientFactory = (options: BridgeClientOptions) => BridgeAdminClient;

/** The bridge URL without trailing slashes, or null when it is not an http(s) URL. */
export function normalizeBridgeUrl(value: string): string | null {
    const trimmed = value.trim();
    if (!/^https?:\/\//i.test(trimmed)) {
        return null;
    }
    try {
        const url = new URL(trimmed);
        return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    } catch {
        return null;
    }
}

function problemOf(data: unknown): Problem {
    let body = data;
    if (typeof body === 'string') {
        try {
            body = JSON.parse(body);
        } catch {
            return {};
        }
    }
    if (typeof body !== 'object' || body === null) {
        return {};
    }
    const record = body as Record<string, unknown>;
    const text = (key: string) => (typeof record[key] === 'string' && record[key] !== '' ? record[key] as string : undefined);
    const errors = Array.isArray(record.errors)
        ? record.errors.filter((entry): entry is {field: string; message: string} => typeof entry?.field === 'string' && typeof entry?.message === 'string')
        : undefined;
    return {title: text('title'), detail: text('detail'), field: text('field'), code: text('code'), ...(errors && errors.length > 0 ? {errors} : {})};
}

function errorFrom(err: unknown, baseUrl: string): BridgeError {
    if (err instanceof BridgeError) {
        return err;
    }
    if (err instanceof AxiosError && err.response) {
        const problem = problemOf(err.response.data);
        const status = err.response.status;
        const message = problem.detail ?? problem.title ?? `The bridge answered HTTP ${status}.`;
        return new BridgeError('http', status, message, problem);
    }
    return new BridgeError('network', 0, `cannot reach the bridge at ${baseUrl} (check BRIDGE_CORS_ORIGINS includes this site)`);
}

function expectObject<T>(data: unknown, what: string, key?: string): T {
    const ok = typeof data === 'object' && data !== null && (key === undefined || Array.isArray((data as Record<string, unknown>)[key]));
    if (!ok) {
        throw new BridgeError('invalid_response', 200, `The bridge sent an unexpected answer to ${what}. Is the Bridge URL the bridge's address?`);
    }
    return data as T;
}

export function createBridgeClient({bridgeUrl, licence, adminKey, adapter}: BridgeClientOptions): BridgeAdminClient {
    const baseUrl = normalizeBridgeUrl(bridgeUrl);
    const shownUrl = baseUrl ?? bridgeUrl.trim();
    const http: AxiosInstance = axios.create({
        headers: {Authorization: `Bearer ${adminKey}`, Accept: 'application/json, application/problem+json'},
        timeout: 60_000,
        withCredentials: false,
        ...(adapter ? {adapter} : {}),
    });

    // One request funnel: URL built with URL, every failure classified once.
    const call = async <T>(method: Method, path: string, body?: unknown, query?: Record<string, string>): Promise<T> => {
        if (!baseUrl) {
            throw new BridgeError('config', 0, `The Bridge URL "${bridgeUrl}" is not an http(s) address.`);
        }
        if (!licence.trim() || !adminKey.trim()) {
            throw new BridgeError('config', 0, 'The licence and the admin key are needed to reach the bridge.');
        }
        const url = new URL(`${baseUrl}/api/v1/integrations/${encodeURIComponent(licence.trim())}${path}`);
        for (const [key, value] of Object.entries(query ?? {})) {
            url.searchParams.set(key, value);
        }
        try {
            const response = await http.request<T>({method, url: url.toString(), data: body});
            return response.data;
        } catch (err) {
            throw errorFrom(err, shownUrl);
        }
    };

    return {
        baseUrl: shownUrl,
        getIntegration: async () => expectObject<IntegrationView>(await call('GET', ''), 'GET integration', undefined),
        patchIntegration: async (patch) => expectObject<IntegrationView>(await call('PATCH', '', patch), 'PATCH integration'),
        listChannels: async () => expectObject<{channels: BridgeChannel[]}>(await call('GET', '/channels'), 'GET channels', 'channels').channels,
        runTest: async (options = {}) => expectObject<TestReport>(await call('POST', '/test', options.dryRun ? {dry_run: true} : {}), 'POST test', 'results'),
        listFailedDeliveries: async () => expectObject<{deliveries: Delivery[]}>(await call('GET', '/deliveries', undefined, {status: 'failed'}), 'GET deliveries', 'deliveries').deliveries,
        retryDelivery: async (id) => {
            await call('POST', `/deliveries/${encodeURIComponent(String(id))}/retry`, {});
        },
        retryAllFailed: async () => {
            const answer = await call<{retried?: number}>('POST', '/deliveries/retry-failed', {});
            return typeof answer?.retried === 'number' ? answer.retried : 0;
        },
    };
}
