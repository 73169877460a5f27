// DESIGN §14, issue 13 items 1, 8 and 11, issue 14 defects 1 and 3: nothing is buffered before the
// caller is known, each route has its own body limit, slow clients are closed, refusals are counted.
import assert from 'node:assert/strict';
import net from 'node:net';
import {after, before, describe, test} from 'node:test';

import {signedHeaders} from '../../src/crypto/standard_webhooks.js';
import {ADMIN_TOKEN, startBridge, waitFor, type RunningBridge} from '../support/bridge_harness.js';
import {createIntegration, startWorld, stopWorld, type World} from '../admin/support.js';

import {counter, partialRequest} from './support.js';

const TEN_MB = 10 * 1024 * 1024;
const WEBHOOK = '/api/v1/mattermost/outgoing-webhook';

describe('HTTP exposure: authentication before bodies, limits per route, timeouts, refusals counted', {timeout: 120_000}, () => {
    let world: World;
    let signingSecret: string;
    before(async () => {
        world = await startWorld('sqlite', {BRIDGE_HTTP_HEADERS_TIMEOUT_MS: '1000', BRIDGE_HTTP_REQUEST_TIMEOUT_MS: '3000', BRIDGE_HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000'});
        signingSecret = (await createIntegration(world, 'L-EXPOSED')).signing_secret;
    });
    after(() => stopWorld(world));

    test('the admin API answers a request without a valid token before its body arrives', async () => {
        for (const authorization of [undefined, 'Bearer wrong-token-0123456789']) {
            const answer = await partialRequest(world.running.url, {
                method: 'PUT', path: '/api/v1/integrations/L-EXPOSED',
                headers: {'content-type': 'application/json', ...(authorization ? {authorization} : {})},
                announced: TEN_MB, sent: '{"mattermost":',
            });
            assert.equal(answer.status, authorization ? 403 : 401);
            assert.match(answer.headers['content-type'] ?? '', /^application\/problem\+json/);
        }
    });

    test('the events route refuses an unknown licence and missing signature headers before the body arrives', async () => {
        const headers = {'content-type': 'application/json', ...signedHeaders(signingSecret, 'msg_1', Math.floor(Date.now() / 1000), 'x')};
        const unknown = await partialRequest(world.running.url, {method: 'POST', path: '/api/v1/licences/L-NOBODY/events', headers, announced: TEN_MB, sent: '{"type":'});
        assert.equal(unknown.status, 401);
        const unsigned = await partialRequest(world.running.url, {method: 'POST', path: '/api/v1/licences/L-EXPOSED/events', headers: {'content-type': 'application/json'}, announced: TEN_MB, sent: '{"type":'});
        assert.equal(unsigned.status, 401);
        const formEncoded = await partialRequest(world.running.url, {method: 'POST', path: '/api/v1/licences/L-EXPOSED/events', headers: {'content-type': 'application/x-www-form-urlencoded'}, announced: TEN_MB, sent: 'a=b'});
        assert.equal(formEncoded.status, 415);
    });

    test('an unknown licence and a known one answer a badly signed event alike (item 8)', async () => {
        const body = JSON.stringify({type: 'conversation.started', data: {}});
        const answers = [];
        for (const licence of ['L-EXPOSED', 'L-NOBODY']) {
            for (const headers of [
                {},
                signedHeaders('whsec_' + Buffer.alloc(32, 1).toString('base64'), 'msg_2', Math.floor(Date.now() / 1000), body),
            ]) {
                const response = await fetch(`${world.running.url}/api/v1/licences/${licence}/events`, {method: 'POST', headers: {'content-type': 'application/json', ...headers}, body});
                answers.push({licence, status: response.status, text: (await response.text()).replace(licence, '<licence>')});
            }
        }
        const [knownUnsigned, knownBad, unknownUnsigned, unknownBad] = answers;
        assert.equal(knownUnsigned?.status, 401);
        assert.deepEqual([unknownUnsigned?.status, unknownUnsigned?.text], [knownUnsigned?.status, knownUnsigned?.text]);
        assert.deepEqual([unknownBad?.status, unknownBad?.text], [knownBad?.status, knownBad?.text]);
        assert.doesNotMatch(unknownBad!.text, /unknown licence|no integration/i);
    });

    test('each route has the body limit its content needs: admin and outgoing webhook are small', async () => {
        const big = 'x'.repeat(300 * 1024);
        const admin = await fetch(`${world.running.url}/api/v1/integrations/L-EXPOSED`, {
            method: 'PATCH', headers: {authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json'}, body: JSON.stringify({channel_id: big}),
        });
        assert.equal(admin.status, 413);
        const hook = await fetch(`${world.running.url}${WEBHOOK}`, {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded'}, body: `token=x&text=${big}`});
        assert.equal(hook.status, 413);
        assert.match((await hook.json() as {detail: string}).detail, /limit of this route/);
    });

    test('the admin API with a non-JSON body answers 415 saying what to send (issue 14, defect 3)', async () => {
        // curl -d '{"relay_mode":"composer_only"}' sends application/x-www-form-urlencoded.
        for (const contentType of ['application/x-www-form-urlencoded', 'text/plain']) {
            const response = await fetch(`${world.running.url}/api/v1/integrations/L-EXPOSED`, {
                method: 'PATCH', headers: {authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': contentType}, body: '{"relay_mode":"composer_only"}',
            });
            assert.equal(response.status, 415);
            assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
            const problem = await response.json() as {detail: string};
            assert.match(problem.detail, /Content-Type: application\/json/);
            assert.ok(problem.detail.includes(contentType));
        }
        const stored = await world.running.bridge.context.integrations.get('L-EXPOSED');
        assert.equal(stored?.relayMode, 'all_replies', 'nothing was saved');
    });

    test('a client that never finishes its headers is disconnected (headers timeout)', async () => {
        const url = new URL(world.running.url);
        const socket = net.connect(Number(url.port), url.hostname);
        let closed = false;
        socket.on('close', () => {
            closed = true;
        });
        socket.on('error', () => undefined);
        socket.resume();
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
        await waitFor(() => closed, 'the bridge to close the slow connection', 15_000);
    });

    test('an idle kept-alive connection is closed (keep-alive timeout)', async () => {
        const url = new URL(world.running.url);
        const socket = net.connect(Number(url.port), url.hostname);
        let closed = false;
        let answered = false;
        socket.on('data', () => {
            answered = true;
        });
        socket.on('close', () => {
            closed = true;
        });
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        await waitFor(() => answered, 'the answer');
        await waitFor(() => closed, 'the bridge to close the idle connection', 15_000);
    });

    test('refused requests are counted per route and reason in /metrics (item 11)', async () => {
        const before = await counter(world.running.url, 'ireserve_bridge_requests_refused_total', {route: WEBHOOK, reason: 'unknown_token'});
        await fetch(`${world.running.url}${WEBHOOK}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({token: 'no-such-token', post_id: 'p'.repeat(26)})});
        assert.equal(await counter(world.running.url, 'ireserve_bridge_requests_refused_total', {route: WEBHOOK, reason: 'unknown_token'}), before + 1);
        await fetch(`${world.running.url}/api/v1/integrations`);
        assert.ok(await counter(world.running.url, 'ireserve_bridge_requests_refused_total', {route: '/api/v1/integrations', reason: 'no_credentials'}) >= 1);
        await fetch(`${world.running.url}/api/v1/licences/L-NOBODY/events`, {method: 'POST', headers: {'content-type': 'application/json'}, body: '{}'});
        assert.ok(await counter(world.running.url, 'ireserve_bridge_requests_refused_total', {route: '/api/v1/licences/:licence/events', reason: 'missing_headers'}) >= 1);
    });
});

describe('the outgoing-webhook route bounds what one caller\'s refused calls cost (item 11)', {timeout: 60_000}, () => {
    let running: RunningBridge;
    before(async () => {
        running = await startBridge({engine: 'sqlite'});
    });
    after(() => running?.close());

    test('after 20 refused calls in a minute the caller is answered 429 with Retry-After, before its body is read', async () => {
        const call = () => fetch(`${running.url}${WEBHOOK}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({token: 'guess', post_id: 'p'.repeat(26)})});
        for (let i = 0; i < 20; i += 1) {
            assert.equal((await call()).status, 401);
        }
        const limited = await call();
        assert.equal(limited.status, 429);
        assert.ok(Number(limited.headers.get('retry-after')) > 0);
        const early = await partialRequest(running.url, {method: 'POST', path: WEBHOOK, headers: {'content-type': 'application/json'}, announced: 200_000, sent: '{"token":'});
        assert.equal(early.status, 429);
        assert.ok(await counter(running.url, 'ireserve_bridge_requests_refused_total', {route: WEBHOOK, reason: 'too_many_refusals'}) >= 2);
    });

    test('the slash command route bounds token guessing the same way', async () => {
        const call = () => fetch(`${running.url}/api/v1/mattermost/command`, {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded'}, body: 'token=guess&text=help'});
        for (let i = 0; i < 20; i += 1) {
            assert.equal((await call()).status, 200, 'Mattermost shows the refusal to the user');
        }
        const limited = await call();
        assert.equal(limited.status, 429);
        assert.ok(Number(limited.headers.get('retry-after')) > 0);
    });
});
