// Thin HTTP clients for the harness: the bridge's admin API (operator token) and metrics, and the
// Mattermost stand-in's control API (/_standin/*).
import {request} from 'undici';

import {FeatureMissing} from './errors.js';

export const ADMIN_TOKEN = 'bench-operator-token-0123456789abcdef';
/** Several processes sharing one database must share the key that seals its secrets. */
export const SECRET_KEY = 'b'.repeat(8) + '0123456789abcdef'.repeat(3) + 'c'.repeat(8);

async function json<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{status: number; body: T}> {
    const response = await request(url, {
        method: method as 'GET',
        headers: body === undefined ? headers : {'content-type': 'application/json', ...headers},
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: 120_000,
        bodyTimeout: 120_000,
    });
    const text = await response.body.text();
    let parsed: unknown = text;
    try {
        parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
        // plain text
    }
    return {status: response.statusCode, body: parsed as T};
}

export interface IntegrationSetup {
    licence: string;
    signingSecret: string;
}

/** PUT /api/v1/integrations/{licence} with the operator token; returns the signing secret. */
export async function createIntegration(bridgeUrl: string, licence: string, settings: {
    serverUrl: string;
    botToken: string;
    channelId: string;
    outgoingWebhookToken?: string;
    inboundMode?: 'outgoing_webhook' | 'websocket';
    callbackUrl?: string | null;
}): Promise<IntegrationSetup> {
    const {status, body} = await json<Record<string, unknown>>('PUT', `${bridgeUrl}/api/v1/integrations/${licence}`, {
        mattermost: {
            server_url: settings.serverUrl,
            bot_token: settings.botToken,
            ...(settings.outgoingWebhookToken ? {outgoing_webhook_token: settings.outgoingWebhookToken} : {}),
        },
        channel_id: settings.channelId,
        relay_mode: 'all_replies',
        inbound_mode: settings.inboundMode ?? 'outgoing_webhook',
        ireserve: {callback_url: settings.callbackUrl ?? null},
        active: true,
    }, {authorization: `Bearer ${ADMIN_TOKEN}`});
    if (status === 404 || status === 405) {
        throw new FeatureMissing(`the admin API (PUT /api/v1/integrations/{licence}) answers ${status}: not built yet`);
    }
    if (status !== 201 && status !== 200) {
        throw new Error(`creating integration ${licence} answered ${status}: ${JSON.stringify(body).slice(0, 400)}`);
    }
    const secret = body.signing_secret;
    if (typeof secret !== 'string') {
        throw new Error(`creating integration ${licence} answered ${status} without a signing_secret`);
    }
    return {licence, signingSecret: secret};
}

export async function integrationStatus(bridgeUrl: string, licence: string): Promise<Record<string, unknown>> {
    const {status, body} = await json<Record<string, unknown>>('GET', `${bridgeUrl}/api/v1/integrations/${licence}`, undefined, {authorization: `Bearer ${ADMIN_TOKEN}`});
    if (status !== 200) {
        throw new Error(`GET integration ${licence} answered ${status}`);
    }
    return body;
}

/** Parses Prometheus text into {"name{labels}": value}. */
export async function metrics(bridgeUrl: string): Promise<Map<string, number>> {
    const response = await request(`${bridgeUrl}/metrics`);
    const text = await response.body.text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('#')) {
            continue;
        }
        const space = line.lastIndexOf(' ');
        out.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return out;
}

/** Sum of every sample of `name` whose labels contain all of `labels` (`key="value"`). */
export function sumMetric(all: Map<string, number>, name: string, labels: string[] = []): number {
    let total = 0;
    for (const [key, value] of all) {
        if ((key === name || key.startsWith(`${name}{`)) && labels.every((label) => key.includes(label))) {
            total += value;
        }
    }
    return total;
}

/** Outbox jobs waiting or running, as the bridge reports them (shared truth across processes). */
export async function outboxBacklog(bridgeUrl: string): Promise<{pending: number; inFlight: number; failed: number}> {
    const all = await metrics(bridgeUrl);
    return {
        pending: sumMetric(all, 'ireserve_bridge_outbox_jobs', ['status="pending"']),
        inFlight: sumMetric(all, 'ireserve_bridge_outbox_jobs', ['status="in_flight"']),
        failed: sumMetric(all, 'ireserve_bridge_outbox_jobs', ['status="failed"']),
    };
}

export interface StandInPost {
    id: string;
    create_at: number;
    delete_at: number;
    user_id: string;
    channel_id: string;
    root_id: string;
    message: string;
    type: string;
    props: Record<string, unknown>;
}

/** The Mattermost stand-in's control API. */
export class StandInControl {
    constructor(readonly control: string) {}

    async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
        const {status, body: answer} = await json<T>(method, `${this.control}${path}`, body);
        if (status >= 300) {
            throw new Error(`stand-in ${method} ${path} answered ${status}: ${JSON.stringify(answer).slice(0, 300)}`);
        }
        return answer;
    }

    /** Every request answered `ms` after it arrived, the stand-in's own handling included (its `answer` latency). */
    latency(ms: number): Promise<unknown> {
        return this.#call('POST', '/faults/latency', {ms, mode: 'answer'});
    }

    outage(options: {mode?: '503' | 'reset' | 'hang'; duration_ms?: number; status?: number}): Promise<unknown> {
        return this.#call('POST', '/faults/outage', options);
    }

    endOutage(): Promise<unknown> {
        return this.#call('DELETE', '/faults/outage');
    }

    storm(options: {count?: number; duration_ms?: number; retry_after_seconds?: number}): Promise<unknown> {
        return this.#call('POST', '/faults/storm', options);
    }

    clearFaults(): Promise<unknown> {
        return this.#call('POST', '/faults/clear');
    }

    /** Every post ever created, in creation order, deleted ones included. */
    posts(): Promise<StandInPost[]> {
        return this.#call('GET', '/posts');
    }

    requestCounts(): Promise<Record<string, number>> {
        return this.#call<{counts: Record<string, number>}>('GET', '/requests').then((r) => r.counts);
    }

    clearRequests(): Promise<unknown> {
        return this.#call('DELETE', '/requests');
    }

    createPost(userId: string, post: {channel_id: string; root_id?: string; message: string; props?: Record<string, unknown>}): Promise<StandInPost> {
        return this.#call('POST', '/posts', {user_id: userId, ...post});
    }

    createOutgoingWebhook(hook: {channel_id: string; callback_urls: string[]; content_type?: string; token?: string}): Promise<{id: string; token: string}> {
        return this.#call('POST', '/outgoing_webhooks', hook);
    }
}
