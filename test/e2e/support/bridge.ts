// The bridge for the end-to-end suites: a real bridge in this process (server-bridge's own test
// harness: 127.0.0.1, free port, SQLite file or a database on a throw-away PostgreSQL that is NOT
// Mattermost's), its admin API with the operator token, and signed i-Reserve events.
import {randomUUID} from 'node:crypto';
import {
    ADMIN_TOKEN, startBridge, stopPostgresServer, type Engine, type RunningBridge,
} from '../../../server-bridge/test/support/bridge_harness.js';
import type {DeliveryView, IntegrationStatusView, IntegrationView, NewSecrets, TestResult} from '../../../server-bridge/src/contract/index.js';
import {signedHeaders} from '../../../server-bridge/src/crypto/standard_webhooks.js';

export {ADMIN_TOKEN, startBridge, stopPostgresServer};
export type {DeliveryView, Engine, IntegrationView, RunningBridge, TestResult};

/** The engines the bridge scenarios run on: `E2E_BRIDGE_ENGINES=sqlite` narrows it. */
export const BRIDGE_ENGINES: Engine[] = (process.env.E2E_BRIDGE_ENGINES ?? 'sqlite,postgres')
    .split(',').map((e) => e.trim()).filter((e): e is Engine => e === 'sqlite' || e === 'postgres');

/** What PUT answers when it created the integration: the view and its secrets, shown once. */
export type CreatedIntegration = IntegrationView & Partial<NewSecrets>;

export interface Answer<T> {
    status: number;
    contentType: string;
    body: T;
    text: string;
}

async function call<T>(url: string, init: RequestInit): Promise<Answer<T>> {
    const res = await fetch(url, init);
    const text = await res.text();
    let body: unknown = text;
    try {
        body = text === '' ? undefined : JSON.parse(text);
    } catch {
        // not JSON
    }
    return {status: res.status, contentType: res.headers.get('content-type') ?? '', body: body as T, text};
}

/** One integration's admin API (operator token by default) and its signed event intake. */
export class BridgeClient {
    signingSecret = '';

    constructor(readonly bridgeUrl: string, readonly licence: string, public token: string = ADMIN_TOKEN) {}

    admin<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
        const headers: Record<string, string> = {Authorization: `Bearer ${this.token}`};
        if (body !== undefined) {
            headers['Content-Type'] = 'application/json';
        }
        return call<T>(`${this.bridgeUrl}/api/v1/integrations/${encodeURIComponent(this.licence)}${path}`, {
            method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        });
    }

    put(settings: unknown): Promise<Answer<CreatedIntegration>> {
        return this.admin('PUT', '', settings);
    }

    get(): Promise<Answer<IntegrationView>> {
        return this.admin('GET', '');
    }

    patch(settings: unknown): Promise<Answer<IntegrationView>> {
        return this.admin('PATCH', '', settings);
    }

    async status(): Promise<IntegrationStatusView> {
        const res = await this.get();
        if (res.status !== 200) {
            throw new Error(`GET integration ${this.licence}: ${res.status} ${res.text}`);
        }
        return res.body.status;
    }

    test(): Promise<Answer<{results: TestResult[]}>> {
        return this.admin('POST', '/test');
    }

    putUsers(users: Array<{ireserve_user_id: string; email: string}>): Promise<Answer<unknown>> {
        return this.admin('PUT', '/users', {users});
    }

    async deliveries(status?: string): Promise<DeliveryView[]> {
        const res = await this.admin<{deliveries: DeliveryView[]}>('GET', `/deliveries${status ? `?status=${status}` : ''}`);
        if (res.status !== 200) {
            throw new Error(`GET deliveries: ${res.status} ${res.text}`);
        }
        return res.body.deliveries;
    }

    retry(id: number | string): Promise<Answer<unknown>> {
        return this.admin('POST', `/deliveries/${id}/retry`);
    }

    /** POSTs a signed event; `id` is the webhook-id (the idempotency key). */
    sendEvent(type: string, data: Record<string, unknown>, id: string = `evt_${randomUUID()}`): Promise<Answer<{status?: string; detail?: string}>> {
        if (!this.signingSecret) {
            throw new Error('no signing secret yet: create the integration first');
        }
        const raw = JSON.stringify({type, data});
        const headers = signedHeaders(this.signingSecret, id, Math.floor(Date.now() / 1000), raw);
        return call(`${this.bridgeUrl}/api/v1/licences/${encodeURIComponent(this.licence)}/events`, {
            method: 'POST', headers: {...headers, 'Content-Type': 'application/json'}, body: raw,
        });
    }

    /** What the bridge says about this integration, for failure messages. */
    async diagnose(): Promise<string> {
        try {
            const [st, failed] = await Promise.all([this.status(), this.deliveries('failed')]);
            return `status ${JSON.stringify(st)}; failed deliveries ${JSON.stringify(failed.slice(0, 5))}`;
        } catch (err) {
            return `(could not read the bridge status: ${(err as Error).message})`;
        }
    }
}

/** The bridge's warn/error log lines (pino JSON), last `n`, for failure messages. */
export function logTail(bridge: RunningBridge, n = 8): string {
    return bridge.logs.filter((line) => /"level":(40|50|60)/.test(line)).slice(-n).join('\n');
}
