/**
 * @jest-environment node
 */
// The bridge admin client against a real local HTTP server: URLs, headers, bodies, and how
// failures are typed.
import {createServer, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

import {recordingServer} from '../testing/recording_server';

import {BridgeError, createBridgeClient, normalizeBridgeUrl} from './bridge_client';

const recorder = recordingServer((raw) => raw.toString('utf8'));
const {seen} = recorder;

const send = (res: ServerResponse, status: number, body: unknown, type = 'application/json') => {
    res.writeHead(status, {'Content-Type': type});
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
};

const client = (bridgeUrl = `${recorder.baseUrl}/bridge/`) => createBridgeClient({bridgeUrl, licence: 'L-1001', adminKey: 'key-123'});

const view = {
    licence: 'L-1001',
    mattermost: {server_url: 'https://mm.example.com', bot_token_set: true, outgoing_webhook_token_set: false},
    channel_id: 'c1',
    notification_channels: {},
    relay_mode: 'all_replies',
    inbound_mode: 'outgoing_webhook',
    active: true,
    inbound_webhook_url: 'https://bridge.example.com/api/v1/mattermost/outgoing-webhook',
    status: {state: 'ok', last_error: null, last_delivery_at: null, queue_depth: 0, failed: 0},
};

test('getIntegration: the licence\'s URL under the bridge\'s path, bearer admin key', async () => {
    recorder.handler = (_req, res) => send(res, 200, view);
    const result = await client().getIntegration();
    expect(result.channel_id).toBe('c1');
    expect(seen[0]).toMatchObject({method: 'GET', url: '/bridge/api/v1/integrations/L-1001'});
    expect(seen[0]!.headers.authorization).toBe('Bearer key-123');
    expect(seen[0]!.headers.cookie).toBeUndefined();
});

test('patchIntegration sends exactly the patch as JSON', async () => {
    recorder.handler = (req, res) => send(res, 200, {...view, channel_id: JSON.parse(req.body).channel_id});
    const patch = {channel_id: 'c2', mattermost: {bot_token: 'tok'}};
    const result = await client().patchIntegration(patch);
    expect(result.channel_id).toBe('c2');
    expect(seen[0]).toMatchObject({method: 'PATCH', url: '/bridge/api/v1/integrations/L-1001'});
    expect(seen[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(seen[0]!.body)).toEqual(patch);
});

test('channels, test, failed deliveries and retry hit their endpoints', async () => {
    recorder.handler = (req, res) => {
        if (req.url.endsWith('/channels')) {
            send(res, 200, {channels: [{id: 'c1', name: 'support', display_name: 'Support', type: 'O', team_id: 't', team_name: 'park', member: true, selected: true}]});
        } else if (req.url.endsWith('/test')) {
            send(res, 200, {results: [{channel_id: 'c1', purpose: 'mirror', ok: true}]});
        } else if (req.url.endsWith('/retry-failed')) {
            send(res, 202, {retried: 4});
        } else if (req.url.includes('/deliveries?')) {
            send(res, 200, {deliveries: [{id: 'd 1', direction: 'outbound', conversation_id: 'conv', attempts: 3, status: 'failed', last_error: 'x'}]});
        } else {
            send(res, 202, {status: 'queued'});
        }
    };
    const c = client();
    expect(await c.listChannels()).toHaveLength(1);
    expect(await c.runTest()).toEqual({results: [{channel_id: 'c1', purpose: 'mirror', ok: true}]});
    const [delivery] = await c.listFailedDeliveries();
    await c.retryDelivery(delivery!.id);
    expect(await c.retryAllFailed()).toBe(4);
    expect(seen.map((req) => `${req.method} ${req.url}`)).toEqual([
        'GET /bridge/api/v1/integrations/L-1001/channels',
        'POST /bridge/api/v1/integrations/L-1001/test',
        'GET /bridge/api/v1/integrations/L-1001/deliveries?status=failed',
        'POST /bridge/api/v1/integrations/L-1001/deliveries/d%201/retry',
        'POST /bridge/api/v1/integrations/L-1001/deliveries/retry-failed',
    ]);
});

test('a problem+json answer becomes a BridgeError with status, title, detail and field', async () => {
    recorder.handler = (_req, res) => send(res, 400, {
        type: 'about:blank',
        title: 'Invalid settings',
        status: 400,
        detail: 'mattermost.bot_token: token rejected',
        field: 'mattermost.bot_token',
        code: 'token_rejected',
        errors: [{field: 'mattermost.bot_token', message: 'token rejected'}],
    }, 'application/problem+json');
    const error = await client().patchIntegration({mattermost: {bot_token: 'bad'}}).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({kind: 'http', status: 400, title: 'Invalid settings', detail: 'mattermost.bot_token: token rejected', field: 'mattermost.bot_token', message: 'mattermost.bot_token: token rejected'});
    expect((error as BridgeError).problem.code).toBe('token_rejected');
    expect((error as BridgeError).messageFor('mattermost.bot_token')).toBe('token rejected');
    expect((error as BridgeError).messageFor('channel_id')).toBe('mattermost.bot_token: token rejected');
    expect((error as BridgeError).retryable).toBe(false);
});

test('a non-JSON error page still carries the real status', async () => {
    recorder.handler = (_req, res) => send(res, 502, '<html>Bad gateway</html>', 'text/html');
    const error = await client().getIntegration().catch((err: unknown) => err) as BridgeError;
    expect(error).toMatchObject({kind: 'http', status: 502, message: 'The bridge answered HTTP 502.'});
    expect(error.retryable).toBe(true);
});

test('an answer that is not the admin API\'s shape is reported as such', async () => {
    recorder.handler = (_req, res) => send(res, 200, '<html>Mattermost</html>', 'text/html');
    const error = await client().listChannels().catch((err: unknown) => err) as BridgeError;
    expect(error).toMatchObject({kind: 'invalid_response'});
    expect(error.message).toMatch(/unexpected answer/);
});

test('nothing listening: a network error naming the bridge URL and BRIDGE_CORS_ORIGINS', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await client(`http://127.0.0.1:${port}/`).getIntegration().catch((err: unknown) => err) as BridgeError;
    expect(error).toMatchObject({kind: 'network', status: 0});
    expect(error.message).toBe(`cannot reach the bridge at http://127.0.0.1:${port} (check BRIDGE_CORS_ORIGINS includes this site)`);
    expect(error.retryable).toBe(true);
});

test('a Bridge URL that is not http(s) fails before any request', async () => {
    const error = await client('bridge.example.com').getIntegration().catch((err: unknown) => err) as BridgeError;
    expect(error).toMatchObject({kind: 'config'});
    expect(seen).toHaveLength(0);
    expect(normalizeBridgeUrl(' https://bridge.example.com/sub/ ')).toBe('https://bridge.example.com/sub');
    expect(normalizeBridgeUrl('ftp://x')).toBeNull();
});
