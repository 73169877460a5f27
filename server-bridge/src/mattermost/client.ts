import mm from '@mattermost/client';

import type {Dispatcher} from 'undici';

import {kindForStatus, retryAfterMs, UpstreamError} from '../domain/errors.js';
import {egressRefusal} from '../support/egress.js';

import {LoginSession} from './login_session.js';
import {plainBody, sendOverDispatcher, type FetchResult} from './transport.js';

/**
 * The one request funnel to Mattermost: a Client4 (bot token or login session) whose every failure becomes an
 * UpstreamError carrying the real HTTP status, Mattermost's error id and Retry-After — Client4's
 * own ClientError loses the status and headers on non-JSON answers such as a 429's `limit exceeded`.
 * Every request has a timeout; a timeout or a network error is `unreachable` (retryable).
 */
export type MattermostClient = InstanceType<typeof mm.Client4>;

/** Where a login-session client gets its token (see login_session.ts). */
export interface SessionTokenSource {
    token(): Promise<string>;
    /** Called after a 401 with the token that met it; logs in again (once for concurrent callers). */
    refresh(stale: string | undefined): Promise<string>;
}

export interface MattermostClientOptions {
    serverUrl: string;
    token?: string;
    /**
     * Instead of a fixed token: a login session. Every request carries its current token; a request
     * that answers 401 makes the session log in again once and is sent again, once. A refused login
     * throws UpstreamError kind `login_rejected`.
     */
    session?: SessionTokenSource;
    /** Every request's timeout (config.timeouts.mattermostMs). */
    timeoutMs: number;
    userAgent?: string;
    /** Every connection goes through it (EgressPolicy.dispatcher: the internal-address rules). */
    dispatcher?: Dispatcher;
}

type DoFetchWithResponse = (url: string, options: RequestInit & {ignoreStatus?: boolean}) => Promise<FetchResult>;

/**
 * Mattermost's own error (`{id, message}`, an AppError) is quoted; any other answer is summarised
 * by its status only, never echoed: the server URL is the admin's choice, and its answer must not
 * become a way to read what an address serves (DESIGN §14).
 */
function describe(status: number, data: unknown): {message: string; errorId?: string} {
    if (data && typeof data === 'object') {
        const body = data as {id?: unknown; message?: unknown};
        if (typeof body.id === 'string' && typeof body.message === 'string' && body.message !== '') {
            return {message: body.message.slice(0, 300), errorId: body.id};
        }
    }
    if (status >= 300 && status < 400) {
        return {message: `HTTP ${status}: a redirect, which the bridge does not follow (use the server's final address)`};
    }
    return {message: `HTTP ${status}`};
}

export function createMattermostClient(options: MattermostClientOptions): MattermostClient {
    const client = new mm.Client4();
    client.setUrl(options.serverUrl.replace(/\/+$/, ''));
    if (options.token) {
        client.setToken(options.token);
    }
    client.setIncludeCookies(false);
    client.setUserAgent(options.userAgent ?? 'ireserve-bridge');
    // Every request (the funnel below and the raw file download, which both take Client4's options)
    // goes through the dispatcher and never follows a redirect.
    const getOptions = client.getOptions.bind(client);
    client.getOptions = (requestOptions) => ({...getOptions(requestOptions), redirect: 'manual', ...(options.dispatcher ? {dispatcher: options.dispatcher} : {})} as ReturnType<typeof getOptions>);
    const {timeoutMs} = options;
    const original = (client as unknown as {doFetchWithResponse: DoFetchWithResponse}).doFetchWithResponse;
    const send = async (url: string, requestOptions: RequestInit & {ignoreStatus?: boolean}, token: string | undefined): Promise<FetchResult> => {
        const headers = token === undefined ? requestOptions.headers : {...requestOptions.headers as Record<string, string> | undefined, Authorization: `Bearer ${token}`};
        try {
            const sent = {...requestOptions, ...(headers ? {headers} : {}), ignoreStatus: true};
            // JSON calls (all but file uploads) go over undici's request() on the same dispatcher:
            // fetch's per-request machinery was most of a delivered message's CPU time. Their timeout
            // is undici's own (for the answer's headers, then for each piece of its body): an
            // AbortSignal.timeout per request cost ~13 µs and kept a 30 s timer alive per request.
            return plainBody(sent.body)
                ? await sendOverDispatcher(url, client.getOptions(sent as Parameters<typeof client.getOptions>[0]), options.dispatcher, timeoutMs)
                : await original(url, {...sent, signal: sent.signal ?? AbortSignal.timeout(timeoutMs)});
        } catch (error) {
            const refused = egressRefusal(error);
            if (refused) {
                throw new UpstreamError('mattermost', 'address_refused', refused.message);
            }
            const cause = (error as {cause?: {message?: string}}).cause?.message ?? (error as Error).message;
            throw new UpstreamError('mattermost', 'unreachable', `Mattermost is unreachable: ${cause}`);
        }
    };
    const session = options.session;
    const funnel: DoFetchWithResponse = async (url, requestOptions) => {
        let token = session ? await session.token() : undefined;
        let result = await send(url, requestOptions, token);
        if (session && result.response.status === 401) {
            // The session expired (or was revoked): log in again once, then resend this request once.
            token = await session.refresh(token);
            result = await send(url, requestOptions, token);
        }
        const {response, data} = result;
        if (response.ok) {
            return result;
        }
        const {message, errorId} = describe(response.status, data);
        throw new UpstreamError('mattermost', kindForStatus(response.status, errorId), message, {
            status: response.status,
            errorId,
            retryAfterMs: retryAfterMs(response.headers.get('retry-after'), response.headers.get('x-ratelimit-reset')),
        });
    };
    (client as unknown as {doFetchWithResponse: DoFetchWithResponse}).doFetchWithResponse = funnel;
    return client;
}

/**
 * A login session for a bot account that has an e-mail (or username) and password but no access
 * token: `POST /api/v4/users/login` through Client4's `login` (which reads the `Token` header),
 * through the same funnel. The password stays in this closure; it is never logged or returned.
 */
export function createLoginSession(options: {serverUrl: string; loginId: string; password: string; timeoutMs: number; rejectedCooldownMs?: number; onToken?: (token: string) => void; dispatcher?: Dispatcher}): LoginSession {
    const {loginId, password} = options;
    return new LoginSession(async () => {
        const client = createMattermostClient({serverUrl: options.serverUrl, timeoutMs: options.timeoutMs, dispatcher: options.dispatcher});
        await client.login(loginId, password);
        const token = client.getToken();
        if (!token) {
            throw new UpstreamError('mattermost', 'invalid', 'the login answered without a session token (no Token header)');
        }
        return token;
    }, {rejectedCooldownMs: options.rejectedCooldownMs, onToken: options.onToken});
}
