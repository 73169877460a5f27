// Test support: an in-memory bridge admin API behind an axios adapter. Components get the real
// bridge client (URLs, headers, bodies and error typing included) with this adapter instead of
// the network, so tests see exactly what would go over the wire.
import type {
    ActionTestResult, ChannelView, DeliveryView, ErasureView, InboundTestResult, IntegrationPatch, IntegrationStatusView, IntegrationView, NotificationType, TestResult,
} from '@ireserve/contract';
import {AxiosError, AxiosHeaders, type AxiosAdapter, type AxiosResponse, type InternalAxiosRequestConfig} from 'axios';

import {createBridgeClient, type BridgeClientFactory} from '../client/bridge_client';

import {Gate} from './gate';

export const BRIDGE_URL = 'https://bridge.example.com';
export const LICENCE = 'L-1001';
export const ADMIN_KEY = 'admin-key-1';

export type SeenRequest = {method: string; path: string; body: unknown; authorization: string};

type Answer = {status: number; body?: unknown} | 'network';

/** Changes to the sample view; the nested objects are merged into the sample's. */
export type ViewOverrides = Partial<Omit<IntegrationView, 'mattermost' | 'notification_channels' | 'status'>> & {
    mattermost?: Partial<IntegrationView['mattermost']>;
    notification_channels?: Partial<Record<NotificationType, string>>;
    status?: Partial<IntegrationStatusView>;
};

/** A view as the bridge sends it (every field present), with `overrides`. */
export function makeView(overrides: ViewOverrides = {}): IntegrationView {
    const {mattermost, notification_channels: notifications, status, ...rest} = overrides;
    return {
        licence: LICENCE,
        mattermost: {server_url: 'https://mm.example.com', auth: 'token', bot_token_set: true, password_set: false, outgoing_webhook_token_set: false, slash_command_token_set: false, bot_user_id: 'bot-user-1', ...mattermost},
        channel_id: 'chan-support',
        routes: [],
        notification_channels: {'booking.confirmed': 'chan-bookings', 'booking.changed': '', 'booking.cancelled': '', 'payment.received': '', 'arrival.today': '', ...notifications},
        relay_mode: 'all_replies',
        inbound_mode: 'outgoing_webhook',
        ireserve: {callback_url: 'https://ireserve.example.com/callbacks'},
        active: true,
        dm_settings: {on_assignment: false, on_guest_message: false, subscriptions: {}},
        inbound_webhook_url: `${BRIDGE_URL}/api/v1/mattermost/outgoing-webhook`,
        actions_url: `${BRIDGE_URL}/api/v1/mattermost/actions`,
        slash_command_url: `${BRIDGE_URL}/api/v1/mattermost/command`,
        status: {state: 'ok', last_error: null, last_error_at: null, last_delivery_at: null, queue_depth: 0, failed: 0, ...status},
        created_at: '2026-01-05T09:00:00.000Z',
        updated_at: '2026-01-05T09:00:00.000Z',
        ...rest,
    };
}

export function makeChannel(id: string, displayName: string, overrides: Partial<ChannelView> = {}): ChannelView {
    return {
        id,
        name: displayName.toLowerCase().replace(/\W+/g, '-'),
        display_name: displayName,
        type: 'O',
        team_id: 'team-1',
        team_name: 'Holiday Park',
        member: true,
        selected: false,
        routes: [],
        notification_types: [],
        ...overrides,
    };
}

/** A failed delivery as GET …/deliveries lists it, with `overrides`. */
export function makeDelivery(overrides: Partial<DeliveryView> & Pick<DeliveryView, 'id'>): DeliveryView {
    return {
        direction: 'outbound',
        kind: 'conversation.message',
        conversation_id: 'conv-1',
        attempts: 1,
        status: 'failed',
        last_error: 'The bot is not a member of the channel.',
        last_error_code: 'not_a_member',
        notification_type: null,
        channel_id: null,
        created_at: '2026-01-05T09:00:00.000Z',
        updated_at: '2026-01-05T09:05:00.000Z',
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
    channels: ChannelView[] = [makeChannel('chan-support', 'Support', {selected: true}), makeChannel('chan-bookings', 'Bookings')];
    testResults: TestResult[] = [];
    inboundResult: InboundTestResult | undefined;
    actionsResult: ActionTestResult | undefined;
    deliveries: DeliveryView[] = [];
    erasures: ErasureView[] = [];
    readonly requests: SeenRequest[] = [];

    /** Answers for the next matching requests ("PATCH", "GET /channels", …), used once each. */
    private readonly overrides: Array<{key: string; answer: Answer}> = [];
    private readonly gate = new Gate();

    /** The next request whose "METHOD /sub-path" starts with `key` gets `answer`. */
    answerNext(key: string, answer: Answer): void {
        this.overrides.push({key, answer});
    }

    /** Requests wait until release() (to see loading and saving states). */
    hold(): void {
        this.gate.hold();
    }

    release(): void {
        this.gate.release();
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
        await this.gate.pass();

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
            const {mattermost, dm_settings: dm, notification_channels: notifications, ireserve, routes, ...rest} = body as IntegrationPatch;
            const auth = mattermost?.auth ?? this.view.mattermost.auth;
            const saved = this.view;
            this.view = {
                ...saved,
                ...rest,
                mattermost: {
                    server_url: mattermost?.server_url ?? saved.mattermost.server_url,
                    auth,
                    bot_token_set: auth === 'token' && (saved.mattermost.bot_token_set || Boolean(mattermost?.bot_token)),
                    ...(auth === 'login' ? {login_id: mattermost?.login_id ?? saved.mattermost.login_id} : {}),
                    password_set: auth === 'login' && (saved.mattermost.password_set || Boolean(mattermost?.password)),
                    outgoing_webhook_token_set: saved.mattermost.outgoing_webhook_token_set || Boolean(mattermost?.outgoing_webhook_token),
                    slash_command_token_set: saved.mattermost.slash_command_token_set || Boolean(mattermost?.slash_command_token),
                    bot_user_id: saved.mattermost.bot_user_id,
                },
                notification_channels: {...saved.notification_channels, ...notifications},
                ireserve: {callback_url: ireserve?.callback_url === undefined ? saved.ireserve.callback_url : ireserve.callback_url || null},
                dm_settings: {...saved.dm_settings, ...dm},
                // Like the bridge: a route without a token keeps the one saved for its channel.
                routes: routes === undefined ? saved.routes : routes.map(({outgoing_webhook_token: token, ...route}) => ({
                    ...route,
                    outgoing_webhook_token_set: token === undefined
                        ? saved.routes.some((old) => old.channel_id === route.channel_id && old.outgoing_webhook_token_set)
                        : token !== '',
                })),
            };
            if (rest.reminders && rest.reminders.after_seconds.length === 0) {
                // Like the bridge: no thresholds = reminders off, and the view leaves them out.
                delete this.view.reminders;
            }
            return {status: 200, body: this.view};
        }
        if (method === 'GET' && sub === '/channels') {
            return {status: 200, body: {channels: this.channels}};
        }
        if (method === 'POST' && sub === '/test') {
            return {status: 200, body: {results: this.testResults, ...(this.inboundResult ? {inbound: this.inboundResult} : {}), ...(this.actionsResult ? {actions: this.actionsResult} : {})}};
        }
        if (method === 'GET' && sub === '/erasures') {
            return {status: 200, body: {erasures: this.erasures}};
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
