// DESIGN §14, issue 13 item 3: outbound calls reach internal addresses only when the operator
// lists them in BRIDGE_ALLOWED_INTERNAL_HOSTS; the check applies to the address connected to
// (names resolved, every spelling of an address), redirects are not followed, and answers that are
// not the upstream's own errors are summarised, never echoed.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import WebSocket from 'ws';

import {ConfigError, loadConfig, parseAllowedInternalHosts} from '../../src/config/config.js';
import {IReserveCallbackClient} from '../../src/ireserve/callback_client.js';
import {createMattermostClient} from '../../src/mattermost/client.js';
import {MattermostIncomingWebhooks} from '../../src/mattermost/incoming_webhook.js';
import {EgressPolicy, isInternalAddress} from '../../src/support/egress.js';

import {upstreamError} from '../support/upstream_error.js';

import {startRecorder, type Recorder} from './support.js';

describe('which addresses are internal', {timeout: 10_000}, () => {
    test('loopback, private, link-local, shared, reserved and multicast, in IPv4 and IPv6 forms that embed them', () => {
        for (const address of ['127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
            '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a00:1', '::127.0.0.1', '64:ff9b::a9fe:a9fe', '2002:7f00:1::', 'ff02::1', 'not an address']) {
            assert.equal(isInternalAddress(address), true, address);
        }
        for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:808:808']) {
            assert.equal(isInternalAddress(address), false, address);
        }
    });

    test('URL spellings (decimal, hex, octal, short, IPv4-mapped) all come out as the loopback address they are', () => {
        const policy = new EgressPolicy(parseAllowedInternalHosts(''));
        for (const url of ['http://2130706433/', 'http://0x7f000001/', 'http://0x7f.0.0.1/', 'http://0177.0.0.1/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/', 'http://[0:0:0:0:0:ffff:7f00:1]/', 'http://[::1]/', 'http://0/']) {
            assert.ok(policy.checkUrl(url), url);
        }
        assert.equal(policy.checkUrl('https://mattermost.example.com/'), undefined, 'names are checked when connecting');
        void policy.close();
    });

    test('BRIDGE_ALLOWED_INTERNAL_HOSTS: host names and CIDRs, parsed once; bad entries stop the start naming the variable', () => {
        const config = loadConfig({BRIDGE_ALLOWED_INTERNAL_HOSTS: 'Mattermost.Internal, 10.0.0.0/8 fd00::/8,127.0.0.1'});
        assert.deepEqual(config.allowedInternalHosts.hosts, ['mattermost.internal']);
        assert.deepEqual(config.allowedInternalHosts.cidrs.map((cidr) => `${cidr.address}/${cidr.prefix}`), ['10.0.0.0/8', 'fd00::/8', '127.0.0.1/32']);
        assert.deepEqual(loadConfig({}).allowedInternalHosts, {hosts: [], cidrs: []});
        for (const bad of ['10.0.0.0/33', 'http://x', '10.0.0.0/8/1', 'bad_host!']) {
            assert.throws(() => loadConfig({BRIDGE_ALLOWED_INTERNAL_HOSTS: bad}), (error: unknown) => error instanceof ConfigError && error.message.startsWith('BRIDGE_ALLOWED_INTERNAL_HOSTS:'), bad);
        }
        const policy = new EgressPolicy(config.allowedInternalHosts);
        assert.equal(policy.refusal('10.9.9.9', '10.9.9.9'), undefined);
        assert.equal(policy.refusal('mattermost.internal', '192.168.0.5'), undefined);
        assert.ok(policy.refusal('other.internal', '192.168.0.5'));
        assert.equal(policy.refusal('x', '::ffff:a00:1'), undefined, 'an IPv4-mapped address inside an allowed IPv4 range');
        void policy.close();
    });
});

describe('every outbound client connects only where the policy allows', {timeout: 30_000}, () => {
    let internal: Recorder;
    let port: string;
    const closed = new EgressPolicy(parseAllowedInternalHosts(''));
    const open = new EgressPolicy(parseAllowedInternalHosts('127.0.0.0/8'));
    before(async () => {
        internal = await startRecorder((request): {status: number; headers: Record<string, string>; body?: string} => request.url === '/redirect'
            ? {status: 302, headers: {location: '/api/v4/users/me'}}
            : {status: 404, headers: {'content-type': 'text/plain'}, body: 'SECRET-INTERNAL-PAGE'});
        port = new URL(internal.url).port;
    });
    after(async () => {
        await internal.close();
        await closed.close();
        await open.close();
    });

    test('Mattermost (Client4 over fetch): a literal address and a name that resolves to loopback are refused before a byte is sent', async () => {
        for (const serverUrl of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::ffff:127.0.0.1]:${port}`]) {
            const client = createMattermostClient({serverUrl, token: 'token', timeoutMs: 5000, dispatcher: closed.dispatcher});
            const error = await upstreamError(() => client.getMe());
            assert.equal(error.kind, 'address_refused', serverUrl);
            assert.equal(error.retryable, false);
            assert.match(error.message, /BRIDGE_ALLOWED_INTERNAL_HOSTS/);
        }
        assert.deepEqual(internal.requests, []);
    });

    test('Mattermost: an allowed address is reached; its redirect is not followed and a non-Mattermost body is not echoed', async () => {
        const client = createMattermostClient({serverUrl: `http://127.0.0.1:${port}`, token: 'token', timeoutMs: 5000, dispatcher: open.dispatcher});
        const notFound = await upstreamError(() => client.getMe());
        assert.equal(notFound.status, 404);
        assert.doesNotMatch(notFound.message, /SECRET-INTERNAL-PAGE/);
        const redirecting = createMattermostClient({serverUrl: `http://127.0.0.1:${port}/redirect#`, token: 'token', timeoutMs: 5000, dispatcher: open.dispatcher});
        internal.requests.length = 0;
        const redirect = await upstreamError(() => redirecting.getMe());
        assert.equal(redirect.status, 302);
        assert.match(redirect.message, /redirect/);
        assert.equal(internal.requests.length, 1, 'the redirect was not followed');
    });

    test('i-Reserve callbacks and incoming webhooks (axios) follow the same rules and do not echo bodies', async () => {
        internal.requests.length = 0;
        const callbacks = new IReserveCallbackClient({timeoutMs: 5000, egress: closed});
        for (const url of [`http://127.0.0.1:${port}/callback`, `http://localhost:${port}/callback`, `http://2130706433:${port}/callback`]) {
            const error = await upstreamError(() => callbacks.deliver({url, body: '{}', headers: {}}));
            assert.equal(error.kind, 'address_refused', url);
        }
        const hookError = await upstreamError(() => new MattermostIncomingWebhooks({timeoutMs: 5000, egress: closed}).post(`http://localhost:${port}/hooks/abc`, {text: 'x'}));
        assert.equal(hookError.kind, 'address_refused');
        assert.deepEqual(internal.requests, [], 'nothing reached the internal server');

        const allowed = await upstreamError(() => new IReserveCallbackClient({timeoutMs: 5000, egress: open}).deliver({url: `http://127.0.0.1:${port}/callback`, body: '{}', headers: {}}));
        assert.equal(allowed.status, 404);
        assert.doesNotMatch(allowed.message, /SECRET-INTERNAL-PAGE/);
        const hook = await upstreamError(() => new MattermostIncomingWebhooks({timeoutMs: 5000, egress: open}).post(`http://127.0.0.1:${port}/hooks/abc`, {text: 'x'}));
        assert.equal(hook.status, 404);
        assert.doesNotMatch(hook.message, /SECRET-INTERNAL-PAGE/);
    });

    test('the WebSocket agent refuses too', async () => {
        const error = await new Promise<Error>((resolve) => {
            const socket = new WebSocket(`ws://localhost:${port}/api/v4/websocket`, {agent: closed.httpAgent});
            socket.on('error', resolve);
        });
        assert.equal((error as {code?: string}).code, 'EGRESS_REFUSED');
    });
});
