import mm from '@mattermost/client';

import {kindForStatus, retryAfterMs, UpstreamError} from '../domain/errors.js';

/**
 * The one request funnel to Mattermost: a Client4 (bot token) whose every failure becomes an
 * UpstreamError carrying the real HTTP status, Mattermost's error id and Retry-After — Client4's
 * own ClientError loses the status and headers on non-JSON answers such as a 429's `limit exceeded`.
 * Every request has a timeout; a timeout or a network error is `unreachable` (retryable).
 */
export type MattermostClient = InstanceType<typeof mm.Client4>;

export interface MattermostClientOptions {
    serverUrl: string;
    token?: string;
    timeoutMs?: number;
    userAgent?: string;
}

type FetchResult = {response: Response; headers: Map<string, string>; data: unknown};
type DoFetchWithResponse = (url: string, options: RequestInit & {ignoreStatus?: boolean}) => Promise<FetchResult>;

function describe(status: number, data: unknown): {message: string; errorId?: string} {
    if (data && typeof data === 'object') {
        const body = data as {id?: unknown; message?: unknown};
        return {
            message: typeof body.message === 'string' && body.message !== '' ? body.message : `HTTP ${status}`,
            errorId: typeof body.id === 'string' ? body.id : undefined,
        };
    }
    const text = typeof data === 'string' ? data.trim().slice(0, 200) : '';
    return {message: text === '' ? `HTTP ${status}` : text};
}

export function createMattermostClient(options: MattermostClientOptions): MattermostClient {
    const client = new mm.Client4();
    client.setUrl(options.serverUrl.replace(/\/+$/, ''));
    if (options.token) {
        client.setToken(options.token);
    }
    client.setIncludeCookies(false);
    client.setUserAgent(options.userAgent ?? 'ireserve-bridge');
    const timeoutMs = options.timeoutMs ?? 30_000;
    const original = (client as unknown as {doFetchWithResponse: DoFetchWithResponse}).doFetchWithResponse;
    const funnel: DoFetchWithResponse = async (url, requestOptions) => {
        let result: FetchResult;
        try {
            result = await original(url, {...requestOptions, ignoreStatus: true, signal: requestOptions.signal ?? AbortSignal.timeout(timeoutMs)});
        } catch (error) {
            const cause = (error as {cause?: {message?: string}}).cause?.message ?? (error as Error).message;
            throw new UpstreamError('mattermost', 'unreachable', `Mattermost is unreachable: ${cause}`);
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
