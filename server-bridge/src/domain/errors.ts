/**
 * Typed failures of the upstreams (Mattermost, i-Reserve). Adapters classify every failure once,
 * from the real HTTP status and the upstream's error id — never from message text — and the rest of
 * the bridge decides on `retryable` and `kind` alone.
 */
export type FailureKind =
    | 'unreachable' // network error, timeout, DNS
    | 'rate_limited' // 429
    | 'server_error' // 5xx
    | 'token_rejected' // 401
    | 'not_a_member' // 403 on a channel
    | 'forbidden' // other 403
    | 'not_found' // 404
    | 'root_missing' // 400 api.post.create_post.root_id.app_error
    | 'too_large' // 413 or a local size limit
    | 'invalid' // other 4xx
    | 'login_rejected' // bot login with e-mail and password refused
    | 'address_refused'; // an internal address not listed in BRIDGE_ALLOWED_INTERNAL_HOSTS (DESIGN §14)

export type Upstream = 'mattermost' | 'ireserve' | 'webhook';

export class UpstreamError extends Error {
    override name = 'UpstreamError';
    constructor(
        readonly upstream: Upstream,
        readonly kind: FailureKind,
        message: string,
        readonly options: {status?: number; errorId?: string; retryAfterMs?: number; detail?: string} = {},
    ) {
        super(message);
    }

    get status(): number | undefined {
        return this.options.status;
    }

    get errorId(): string | undefined {
        return this.options.errorId;
    }

    get retryAfterMs(): number | undefined {
        return this.options.retryAfterMs;
    }

    /** The upstream's own short explanation (i-Reserve's problem `detail`), printable, when it gave one. */
    get detail(): string | undefined {
        return this.options.detail;
    }

    /** `login_rejected` is retryable on purpose: deliveries wait for the admin to fix the login instead of failing one by one. */
    get retryable(): boolean {
        return this.kind === 'unreachable' || this.kind === 'rate_limited' || this.kind === 'server_error' || this.kind === 'login_rejected';
    }
}

/** Classifies an HTTP failure status the same way for every upstream. */
export function kindForStatus(status: number, errorId?: string): FailureKind {
    if (status === 429) {
        return 'rate_limited';
    }
    if (status === 408 || status >= 500) {
        return status === 408 ? 'unreachable' : 'server_error';
    }
    if (status === 401) {
        return 'token_rejected';
    }
    if (status === 403) {
        return errorId === 'api.context.permissions.app_error' ? 'not_a_member' : 'forbidden';
    }
    if (status === 404) {
        return 'not_found';
    }
    if (status === 413) {
        return 'too_large';
    }
    if (errorId === 'api.post.create_post.root_id.app_error') {
        return 'root_missing';
    }
    return 'invalid';
}

/** Seconds from `Retry-After` (or `X-RateLimit-Reset`) as milliseconds; undefined when absent. */
export function retryAfterMs(retryAfter: string | null | undefined, rateLimitReset?: string | null): number | undefined {
    for (const raw of [retryAfter, rateLimitReset]) {
        if (raw && /^\d+(\.\d+)?$/.test(raw.trim())) {
            return Math.round(Number(raw) * 1000);
        }
    }
    if (retryAfter) {
        const date = Date.parse(retryAfter);
        if (!Number.isNaN(date)) {
            return Math.max(0, date - Date.now());
        }
    }
    return undefined;
}
