// Test support: an in-memory bridge admin API behind an axios adapter. Components get the real
// bridge client (URLs, headers, bodies and error typing included) with this adapter instead of
// the network, so tests see exactly what would go over the wire.
import {AxiosError, AxiosHeaders, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig} from 'axios';

import {createBridgeClient, type BridgeChannel, type BridgeClientFactory, type Delivery, type InboundTestResult, type IntegrationView, type TestResult} from '../../client/bridge_client';

export const BRIDGE_URL = 'https://bridge.example.com';
export const LICENCE = 'L-1001';
export const ADMIN_KEY = 'admin-key-1';

export type SeenRequest = {method: string; path: string; body: unknown; authorization: string};

type Answer = {status: number; body?: unknown} | 'network';

export function makeView(overrides: Partial<IntegrationView> = {}): IntegrationView {
    return {
        licence: LICENCE,
        mattermost: {server_url: 'https://mm.example.com', bot_token_set: true, outgoing_webhook_token_set: false},
        channel_id: 'chan-support',
        notification_channels: {'booking.confirmed': 'chan-bookings', 'booking.cancelled': ''},
        relay_mode: 'all_replies',
        inbound_mode: 'outgoing_webhook',
        active: true,
        inbound_webhook_url: `${BRIDGE_URL}/api/v1/mattermost/outgoing-webhook`,
        actions_url: `${BRIDGE_URL}/api/v1/mattermost/actions`,
        slash_command_url: `${BRIDGE_URL}/api/v1/mattermost/command`,
        status: {state: 'ok', last_error: null, last_delivery_at: null, queue_depth: 0, failed: 0},
        ...overrides,
    };
}

export function makeChannel(id: string, displayName: string, overrides: Partial<BridgeChannel> = {}): BridgeChannel {
    return {
        id,
        name: displayName.toLowerCase().replace(/\W+/g, '-'),
        display_name: displayName,
        type: 'O',
        team_id: 'team-1',
        team_name: 'Holiday Park',
        member: true,
        selected: false,
        ...overrides,
    };
}

/** An application/problem+json answer shaped like the bridge's (a field error carries `errors`). */
export function problem(status: number, title: string, detail: string, field?: string, fieldMessage?: string): Answer {
    const errors = field ? {field, errors: [{field, message: fieldMessage ?? detail}]} : {};
    return {status, body: {type: 'about:blank', title, status, detail: field ? `${field}: ${fieldMessage ?? detail}` : detail, ...errors}};
}

export class FakeBridge {
    view: IntegrationView = makeView();
    channels: BridgeChannel[] = [makeChannel('chan-support', 'Support', {selected: true}), makeChannel('chan-bookings', 'Bookings')];
    testResults: TestResult[] = [];
    inboundResult: InboundTestResult | undefined;
    deliveries: Delivery[] = [];
    readonly requests: SeenRequest[] = [];

    /** Answers for the next matching requests ("PATCH", "GET /channels", …), used once each. */
    private readonly overrides: Array<{key: string; answer: Answer}> = [];
    private gate: Promise<void> | null = null;
    private openGate: (() => void) | null = null;

    /** The next request whose "METHOD /sub-path" starts with `key` gets `answer`. */
    answerNext(key: string, answer: Answer): void {
        this.overrides.push({key, answer});
    }

    /** Requests wait until release() (to see loading and saving states). */
    hold(): void {
        this.gate = new Promise((resolve) => {
            this.openGate = resolve;
        });
    }

    release(): void {
        this.openGate?.();
        this.gate = null;
    }

    calls(method: string, pathPart = ''): SeenRequest[] {
        return this.requests.filter((r) => r.method === method && r.path.includes(pathPart));
    }

    factory: BridgeClientFactory = (options) => createBridgeClient({...options, adapter: this.adapter});

    adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
        const url = new URL(config.url ?? '');
        const method = (config.method ?? 'get').toUpperCase();
        const prefix = `/api/v1/integrations/${LICENCE}`;
        const sub = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
        const body = typeof config.data === 'string' && config.data !== '' ? JSON.parse(config.data) : config.data;
        this.requests.push({method, path: url.pathname + url.search, body, authorization: String(config.headers?.Authorization ?? '')});
        if (this.gate) {
            await this.gate;
        }

        const key = `${method} ${sub}`;
        const index = this.overrides.findIndex((o) => key.startsWith(o.key));
        const answer: Answer = index >= 0 ? this.overrides.splice(index, 1)[0]!.answer : this.route(method, sub, url, body);
        if (answer === 'network') {
            throw new AxiosError('Network Error', AxiosError.ERR_NETWORK, config, {});
        }
        const response: AxiosResponse = {data: answer.body ?? '', status: answer.status, statusText: String(answer.status), headers: new AxiosHeaders(), config, request: {}};
        if (answer.status >= 400) {
            throw new AxiosError(`Request failed with status code ${answer.status}`, AxiosError.ERR_BAD_REQUEST, config, {}, response);
        }
        return response;
    };

    private route(method: string, sub: string, url: URL, body: unknown): Answer {
        if (`${url.origin}` !== BRIDGE_URL) {
            return 'network';
        }
        if (method === 'GET' && sub === '') {
            return {status: 200, body: this.view};
        }
        if (method === 'PATCH' && sub === '') {
            const patch = body as Record<string, unknown> & {mattermost?: Record<string, string>};
            const {mattermost, dm_settings: dm, ...rest} = patch as typeof patch & {dm_settings?: Record<string, unknown>};
            const auth = (mattermost?.auth ?? this.view.mattermost.auth) as 'token' | 'login' | undefined;
            this.view = {
                ...this.view,
                ...rest,
                mattermost: {
                    server_url: mattermost?.server_url ?? this.view.mattermost.server_url,
                    ...(auth ? {auth} : {}),
                    bot_token_set: this.view.mattermost.bot_token_set || Boolean(mattermost?.bot_token),
                    ...(auth === 'login' ? {
                        login_id: mattermost?.login_id ?? this.view.mattermost.login_id,
                        password_set: Boolean(this.view.mattermost.password_set || mattermost?.password),
                    } : {}),
                    outgoing_webhook_token_set: this.view.mattermost.outgoing_webhook_token_set || Boolean(mattermost?.outgoing_webhook_token),
                    slash_command_token_set: Boolean(this.view.mattermost.slash_command_token_set || mattermost?.slash_command_token),
                },
                ...(dm ? {dm_settings: {on_assignment: false, on_guest_message: false, subscriptions: {}, ...this.view.dm_settings, ...dm}} : {}),
            } as IntegrationView;
            return {status: 200, body: this.view};
        }
        if (method === 'GET' && sub === '/channels') {
            return {status: 200, body: {channels: this.channels}};
        }
        if (method === 'POST' && sub === '/test') {
            return {status: 200, body: {results: this.testResults, ...(this.inboundResult ? {inbound: this.inboundResult} : {})}};
        }
        if (method === 'GET' && sub === '/deliveries') {
            return {status: 200, body: {deliveries: this.deliveries}};
        }
        if (method === 'POST' && sub === '/deliveries/retry-failed') {
            const retried = this.deliveries.length;
            this.deliveries = [];
            return {status: 202, body: {retried}};
        }
        const retry = /^\/deliveries\/([^/]+)\/retry$/.exec(sub);
        if (method === 'POST' && retry) {
            const id = decodeURIComponent(retry[1]!);
            if (!this.deliveries.some((d) => String(d.id) === id)) {
                return problem(404, 'Not found', `There is no failed delivery ${id} for this licence.`);
            }
            this.deliveries = this.deliveries.filter((d) => String(d.id) !== id);
            return {status: 202, body: {id: Number(id), status: 'pending'}};
        }
        return problem(404, 'Not found', `There is no ${method} ${url.pathname}.`) as Answer;
    }
}
