// Fault injection: latency, outages, scripted failures, rate limiting and 429 storms.
// Control routes (/_standin/*) and CORS preflights are never affected.

/**
 * Which requests a fault applies to. `path` is a route pattern (`/api/v4/posts/:post_id`), an exact
 * path, or a prefix ending in `*`; a RegExp is tested against the path. Omitted fields match all.
 */
export interface FaultMatch {
    method?: string;
    path?: string | RegExp;
}

export interface RequestInfo {
    method: string;
    /** URL path without the query. */
    path: string;
    /** Fastify route pattern, when the request matched a route. */
    route?: string;
}

/** `503`: answer with a proxy-style status (default 503); `reset`: close the socket without an answer; `hang`: never answer (sockets are closed when the outage ends). */
export type OutageMode = '503' | 'reset' | 'hang';

export interface OutageOptions {
    mode?: OutageMode;
    /** Omitted: until endOutage()/clear(). */
    durationMs?: number;
    /** Status for mode `503` (502, 503 or 504 are typical). */
    status?: number;
}

export interface StormOptions {
    /** The next `count` requests get 429. */
    count?: number;
    /** Or: every request for `durationMs` gets 429. */
    durationMs?: number;
    /** Retry-After / X-RateLimit-Reset seconds (default 1). */
    retryAfterSeconds?: number;
    match?: FaultMatch;
}

export interface RateLimitOptions {
    /** Sustained requests per second (Mattermost's RateLimitSettings.PerSec, default 10). */
    perSec: number;
    /** Burst size (RateLimitSettings.MaxBurst, default 100). */
    burst: number;
}

export interface FailNextOptions {
    match?: FaultMatch;
    /** Error id in the body (a sensible one for the status by default). */
    id?: string;
}

export type FaultDecision =
    | {kind: 'pass'; headers: Record<string, string>}
    | {kind: 'outage'; mode: OutageMode; status: number}
    | {kind: 'rate_limited'; headers: Record<string, string>}
    | {kind: 'fail'; status: number; id: string | undefined};

interface FailRule {
    remaining: number;
    status: number;
    options: FailNextOptions;
}

/**
 * How latency applies. `before`: the request waits `ms` before the stand-in handles it (a slow
 * network or queue in front of the server; what it does happens at the end). `answer`: it is
 * handled on arrival and answered `ms` after it arrived, the stand-in's own parsing and handling
 * included — a server that takes `ms` per request, not `ms` plus this process's work, which a
 * loaded machine stretches by milliseconds (the benchmarks' ideal concurrency / latency).
 */
export type LatencyMode = 'before' | 'answer';

export class Faults {
    private latency: {ms: number; match: FaultMatch | undefined; mode: LatencyMode} | null = null;
    private outage: {mode: OutageMode; until: number; status: number} | null = null;
    private failRules: FailRule[] = [];
    private storm: {remaining: number; until: number; retryAfter: number; match: FaultMatch | undefined} | null = null;
    private limiter: {perSec: number; burst: number; tokens: number; last: number} | null = null;
    private outageListeners: (() => void)[] = [];

    /** Adds `ms` of latency to every matching request (see LatencyMode); 0 removes it. */
    setLatency(ms: number, match?: FaultMatch, mode: LatencyMode = 'before'): void {
        this.latency = ms > 0 ? {ms, match, mode} : null;
    }

    startOutage(options: OutageOptions = {}): void {
        const until = options.durationMs !== undefined ? Date.now() + options.durationMs : Number.POSITIVE_INFINITY;
        const outage = {mode: options.mode ?? '503', until, status: options.status ?? 503};
        this.outage = outage;
        if (options.durationMs !== undefined) {
            // End it on time even if no request comes, so that hung requests are released.
            setTimeout(() => {
                if (this.outage === outage) {
                    this.endOutage();
                }
            }, options.durationMs).unref();
        }
    }

    endOutage(): void {
        this.outage = null;
        this.notifyOutageEnded();
    }

    /** The next `count` matching requests fail with `status` (a Mattermost error body; 429 gets the plain-text one). */
    failNext(count: number, status: number, options: FailNextOptions = {}): void {
        this.failRules.push({remaining: count, status, options});
    }

    rateLimitStorm(options: StormOptions): void {
        this.storm = {
            remaining: options.count ?? Number.POSITIVE_INFINITY,
            until: options.durationMs !== undefined ? Date.now() + options.durationMs : Number.POSITIVE_INFINITY,
            retryAfter: options.retryAfterSeconds ?? 1,
            match: options.match,
        };
        if (options.count === undefined && options.durationMs === undefined) {
            this.storm.remaining = 1;
        }
    }

    /** Turn Mattermost-style rate limiting on (a token bucket), or off with null. */
    setRateLimit(options: RateLimitOptions | null): void {
        this.limiter = options ? {...options, tokens: options.burst, last: Date.now()} : null;
    }

    clear(): void {
        this.latency = null;
        this.failRules = [];
        this.storm = null;
        this.limiter = null;
        this.endOutage();
    }

    /** The outage in force, if any. */
    activeOutage(): {mode: OutageMode; status: number} | null {
        if (this.outage && Date.now() >= this.outage.until) {
            this.outage = null;
            this.notifyOutageEnded();
        }
        return this.outage;
    }

    /** Called once when the current outage ends (used to release hung requests). */
    onOutageEnd(listener: () => void): void {
        this.outageListeners.push(listener);
    }

    latencyFor(req: RequestInfo): {ms: number; mode: LatencyMode} | null {
        return this.latency && matches(this.latency.match, req) ? {ms: this.latency.ms, mode: this.latency.mode} : null;
    }

    /** What to do with a request, after a 'before' latency (on arrival with an 'answer' one). Consumes storm/fail budgets. */
    decide(req: RequestInfo): FaultDecision {
        const outage = this.activeOutage();
        if (outage) {
            return {kind: 'outage', mode: outage.mode, status: outage.status};
        }
        const storm = this.storm;
        if (storm) {
            if (storm.remaining <= 0 || Date.now() >= storm.until) {
                this.storm = null;
            } else if (matches(storm.match, req)) {
                storm.remaining -= 1;
                const s = String(storm.retryAfter);
                return {
                    kind: 'rate_limited',
                    headers: {'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': s, 'Retry-After': s},
                };
            }
        }
        let headers: Record<string, string> = {};
        if (this.limiter) {
            const verdict = this.takeToken(this.limiter);
            if (!verdict.allowed) {
                return {kind: 'rate_limited', headers: verdict.headers};
            }
            headers = verdict.headers;
        }
        const rule = this.failRules.find((r) => r.remaining > 0 && matches(r.options.match, req));
        if (rule) {
            rule.remaining -= 1;
            this.failRules = this.failRules.filter((r) => r.remaining > 0);
            return {kind: 'fail', status: rule.status, id: rule.options.id};
        }
        return {kind: 'pass', headers};
    }

    // A GCRA-like token bucket with throttled's headers (X-RateLimit-Limit = burst + 1 there; burst here).
    private takeToken(l: {perSec: number; burst: number; tokens: number; last: number}): {allowed: boolean; headers: Record<string, string>} {
        const now = Date.now();
        l.tokens = Math.min(l.burst, l.tokens + ((now - l.last) / 1000) * l.perSec);
        l.last = now;
        const resetSeconds = (remainingTokens: number): string => String(Math.ceil((l.burst - remainingTokens) / l.perSec));
        if (l.tokens >= 1) {
            l.tokens -= 1;
            return {
                allowed: true,
                headers: {
                    'X-RateLimit-Limit': String(l.burst),
                    'X-RateLimit-Remaining': String(Math.floor(l.tokens)),
                    'X-RateLimit-Reset': resetSeconds(l.tokens),
                },
            };
        }
        const retryAfter = Math.max(1, Math.ceil((1 - l.tokens) / l.perSec));
        return {
            allowed: false,
            headers: {
                'X-RateLimit-Limit': String(l.burst),
                'X-RateLimit-Remaining': '0',
                'X-RateLimit-Reset': resetSeconds(l.tokens),
                'Retry-After': String(retryAfter),
            },
        };
    }

    private notifyOutageEnded(): void {
        for (const listener of this.outageListeners) {
            listener();
        }
    }
}

export function matches(match: FaultMatch | undefined, req: RequestInfo): boolean {
    if (!match) {
        return true;
    }
    if (match.method && match.method.toUpperCase() !== req.method.toUpperCase()) {
        return false;
    }
    const p = match.path;
    if (p === undefined) {
        return true;
    }
    if (p instanceof RegExp) {
        return p.test(req.path);
    }
    if (p.endsWith('*')) {
        return req.path.startsWith(p.slice(0, -1));
    }
    return p === req.path || p === req.route;
}

/** A FaultMatch from JSON (`{method, path, path_regex}`), for the HTTP control API. */
export function matchFromJson(value: unknown): FaultMatch | undefined {
    if (!value || typeof value !== 'object') {
        return undefined;
    }
    const v = value as {method?: unknown; path?: unknown; path_regex?: unknown};
    const out: FaultMatch = {};
    if (typeof v.method === 'string') {
        out.method = v.method;
    }
    if (typeof v.path_regex === 'string') {
        out.path = new RegExp(v.path_regex);
    } else if (typeof v.path === 'string') {
        out.path = v.path;
    }
    return out;
}
