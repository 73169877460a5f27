// The one place the webapp talks to the i-Reserve bridge: its admin API (DESIGN §5), used by
// System Console only. Every request goes to `<BridgeURL>/api/v1/integrations/<licence>…` with
// `Authorization: Bearer <admin key>` (the integration's own key: it reaches this licence only).
// The bridge is another origin, so it must list this Mattermost site in BRIDGE_CORS_ORIGINS.
//
// Errors: every failure is thrown as a BridgeError carrying the real HTTP status (0 when no
// response arrived) and, when the bridge answered with application/problem+json, its `title`,
// `detail` and `field` (the dotted path of the offending request field). Nothing here retries.
// The requests and answers are the contract's (@ireserve/contract: server-bridge/src/contract/admin_api.ts).
import type {
    ChannelView,
    ChannelsAnswer,
    DeliveriesAnswer,
    ErasuresAnswer,
    ErasureView,
    DeliveryView,
    IntegrationPatch,
    IntegrationView,
    ProblemDocument,
    RetryFailedAnswer,
    TestReport,
} from '@ireserve/contract';
import axios, {AxiosError, type AxiosAdapter, type AxiosInstance, type Method} from 'axios';

export interface BridgeAdminClient {

    /** The bridge URL requests go to (for messages). */
    readonly baseUrl: string;

    /** GET …/{licence}. 404: no integration for the licence; 401/403: the key was refused. */
    getIntegration(): Promise<IntegrationView>;

    /** PATCH …/{licence}. Not retried; the bridge validates the whole result before storing anything. */
    patchIntegration(patch: IntegrationPatch): Promise<IntegrationView>;

    /** GET …/{licence}/channels. */
    listChannels(): Promise<ChannelView[]>;

    /** POST …/{licence}/test: posts a sample message to every configured channel (not idempotent). */
    runTest(options?: {dryRun?: boolean}): Promise<TestReport>;

    /** GET …/{licence}/deliveries?status=failed. */
    listFailedDeliveries(): Promise<DeliveryView[]>;

    /** POST …/{licence}/deliveries/{id}/retry → 202. 404 when it is no longer failed. */
    retryDelivery(id: number): Promise<void>;

    /** POST …/{licence}/deliveries/retry-failed → 202 {retried}: every failed delivery queued again. */
    retryAllFailed(): Promise<number>;

    /** GET …/{licence}/erasures: erased conversations, newest first, with what could not be deleted. */
    listErasures(): Promise<ErasureView[]>;
}

export type BridgeErrorKind = 'config' | 'network' | 'http' | 'invalid_response';

/** What the client keeps of an application/problem+json answer. */
export type Problem = Partial<Pick<ProblemDocument, 'title' | 'detail' | 'field' | 'code' | 'errors'>>;

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
        listChannels: async () => expectObject<ChannelsAnswer>(await call('GET', '/channels'), 'GET channels', 'channels').channels,
        runTest: async (options = {}) => expectObject<TestReport>(await call('POST', '/test', options.dryRun ? {dry_run: true} : {}), 'POST test', 'results'),
        listErasures: async () => expectObject<ErasuresAnswer>(await call('GET', '/erasures'), 'GET erasures', 'erasures').erasures,
        listFailedDeliveries: async () => expectObject<DeliveriesAnswer>(await call('GET', '/deliveries', undefined, {status: 'failed'}), 'GET deliveries', 'deliveries').deliveries,
        retryDelivery: async (id) => {
            await call('POST', `/deliveries/${encodeURIComponent(String(id))}/retry`, {});
        },
        retryAllFailed: async () => {
            const answer = await call<Partial<RetryFailedAnswer>>('POST', '/deliveries/retry-failed', {});
            return typeof answer?.retried === 'number' ? answer.retried : 0;
        },
    };
}
