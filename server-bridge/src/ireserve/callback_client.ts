import axios, {type AxiosInstance} from 'axios';

import {kindForStatus, retryAfterMs, UpstreamError} from '../domain/errors.js';

import type {IReservePort, SignedCallback} from '../ports/ireserve.js';
import {egressRefusal, type EgressPolicy} from '../support/egress.js';

/**
 * The one request funnel to i-Reserve (axios). Every failure is classified once, from the HTTP
 * status alone, into UpstreamError('ireserve', kind) carrying the real status and Retry-After:
 * 2xx delivered; 408/429/5xx and network errors/timeouts retryable; any other status permanent.
 * Redirects are not followed (a POST must not silently change target): a 3xx is permanent.
 */
export class IReserveCallbackClient implements IReservePort {
    readonly #http: AxiosInstance;

    /** `timeoutMs`: one callback (config.timeouts.ireserveMs); `egress`: the internal-address rules (the composition root always passes them). */
    constructor(options: {timeoutMs: number; maxBodyBytes?: number; userAgent?: string; egress?: EgressPolicy}) {
        this.#http = axios.create({
            ...(options.egress ? {httpAgent: options.egress.httpAgent, httpsAgent: options.egress.httpsAgent} : {}),
            timeout: options.timeoutMs,
            maxRedirects: 0,
            maxBodyLength: options.maxBodyBytes ?? Number.POSITIVE_INFINITY,
            maxContentLength: 1024 * 1024,
            responseType: 'text',
            transformResponse: [(data: unknown) => data],
            validateStatus: () => true,
            headers: {'User-Agent': options.userAgent ?? 'ireserve-bridge'},
        });
    }

    async deliver(callback: SignedCallback): Promise<{status: number}> {
        let url: URL;
        try {
            url = new URL(callback.url);
        } catch {
            throw new UpstreamError('ireserve', 'invalid', 'the callback URL is not a valid URL');
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
            throw new UpstreamError('ireserve', 'invalid', 'the callback URL must start with http:// or https://');
        }
        let response;
        try {
            response = await this.#http.post<string>(url.toString(), callback.body, {
                headers: {...callback.headers, 'Content-Type': 'application/json', Accept: 'application/json'},
            });
        } catch (error) {
            const refused = egressRefusal(error);
            if (refused) {
                throw new UpstreamError('ireserve', 'address_refused', refused.message);
            }
            const code = (error as {code?: string}).code;
            const detail = code === 'ECONNABORTED' || code === 'ETIMEDOUT' ? 'timed out' : code ?? (error as Error).message;
            throw new UpstreamError('ireserve', 'unreachable', detail);
        }
        const {status} = response;
        if (status >= 200 && status < 300) {
            return {status};
        }
        const explanation = summarise(response.data);
        const detail = `HTTP ${status}${explanation === '' ? '' : `: ${explanation}`}`;
        const header = (name: string) => {
            const value = response.headers[name] as unknown;
            return typeof value === 'string' ? value : undefined;
        };
        throw new UpstreamError('ireserve', status >= 300 && status < 400 ? 'invalid' : kindForStatus(status), detail, {
            status,
            retryAfterMs: retryAfterMs(header('retry-after')),
            ...(explanation === '' ? {} : {detail: explanation}),
        });
    }
}

/** A short, printable excerpt of the answer ('' when none): problem+json `detail`/`title`, a `message`/`error`, or text. */
function summarise(body: unknown): string {
    if (typeof body !== 'string' || body.trim() === '') {
        return '';
    }
    let text = body.trim();
    try {
        const parsed = JSON.parse(text) as Record<string, unknown>;
        const field = ['detail', 'message', 'error', 'title'].map((key) => parsed?.[key]).find((value) => typeof value === 'string' && value.trim() !== '');
        if (typeof field !== 'string') {
            return '';
        }
        text = field.trim();
    } catch {
        // Not i-Reserve's own (JSON) error: summarised by its status, never echoed (DESIGN §14).
        return '';
    }
    // eslint-disable-next-line no-control-regex
    text = text.replace(/[\u0000-\u001f]+/g, ' ');
    return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
