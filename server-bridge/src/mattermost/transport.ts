import {request, type Dispatcher} from 'undici';

/**
 * What Client4's `doFetchWithResponse` returns (@mattermost/client lib/client4.js): the response,
 * its headers in a Map keyed the way Client4 spells them (`Content-Type`, `Token`), and the body —
 * parsed as JSON only when the content type is exactly `application/json`, lines of JSON for
 * `application/x-ndjson`, a Blob for `application/zip`, text otherwise.
 */
export type FetchResult = {response: Response; headers: Map<string, string>; data: unknown};

/** The parts of a fetch Response that Client4 and our funnel read (ok, status, headers.get). */
class ReadResponse {
    readonly ok: boolean;
    readonly statusText = '';
    readonly redirected = false;
    readonly headers: {get(name: string): string | null; has(name: string): boolean};

    constructor(readonly status: number, readonly url: string, raw: Record<string, string | string[] | undefined>) {
        this.ok = status >= 200 && status < 300;
        this.headers = {
            get: (name) => joined(raw[name.toLowerCase()]) ?? null,
            has: (name) => raw[name.toLowerCase()] !== undefined,
        };
    }
}

function joined(value: string | string[] | undefined): string | undefined {
    return Array.isArray(value) ? value.join(', ') : value;
}

/** Client4's header spelling: each word's first letter upper-cased (`x-version-id` → `X-Version-Id`). */
function client4Headers(raw: Record<string, string | string[] | undefined>): Map<string, string> {
    const headers = new Map<string, string>();
    for (const key in raw) {
        const value = joined(raw[key]);
        if (value !== undefined) {
            headers.set(key.replace(/\b[a-z]/g, (letter) => letter.toUpperCase()), value);
        }
    }
    return headers;
}

/**
 * Whether `sendOverDispatcher` can carry this body: none, or a string (every JSON call of Client4).
 * Anything else (a FormData upload) goes through fetch, which encodes it.
 */
export function plainBody(body: unknown): body is string | undefined | null {
    return body === undefined || body === null || typeof body === 'string';
}

/**
 * One request with undici's `request()` on `dispatcher` (the egress policy's: its address rules
 * apply to every connection), answered the way Client4's fetch-based funnel answers: a request
 * costs no web streams, Headers or fetch machinery, and the kept-alive connections are reused.
 * Redirects are not followed (request() never follows them). `timeoutMs` bounds the wait for the
 * answer's headers and then for each piece of its body (undici's timers, no AbortSignal). Throws what
 * the connection throws (an EgressRefused, a timeout, a reset) and a body that does not parse;
 * statuses are returned.
 */
export async function sendOverDispatcher(url: string, options: {method?: string; headers?: unknown; body?: string | null; signal?: AbortSignal | null},
    dispatcher: Dispatcher | undefined, timeoutMs?: number): Promise<FetchResult> {
    const answer = await request(url, {
        method: (options.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
        headers: options.headers as Record<string, string> | undefined,
        body: options.body ?? undefined,
        signal: options.signal ?? undefined,
        // Without a timeout, undici's defaults (300 s each) apply.
        ...(timeoutMs === undefined ? {} : {headersTimeout: timeoutMs, bodyTimeout: timeoutMs}),
        ...(dispatcher ? {dispatcher} : {}),
    });
    const raw = answer.headers as Record<string, string | string[] | undefined>;
    const contentType = joined(raw['content-type']);
    let data: unknown;
    if (contentType === 'application/json') {
        data = JSON.parse(await answer.body.text());
    } else if (contentType === 'application/x-ndjson') {
        data = (await answer.body.text()).trim().split('\n').map((line) => JSON.parse(line) as unknown);
    } else if (contentType === 'application/zip') {
        data = await answer.body.blob();
    } else {
        data = await answer.body.text();
    }
    return {response: new ReadResponse(answer.statusCode, url, raw) as unknown as Response, headers: client4Headers(raw), data};
}
