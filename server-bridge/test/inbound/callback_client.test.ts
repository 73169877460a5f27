import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {generateSigningSecret, signedHeaders} from '../../src/crypto/standard_webhooks.js';
import {UpstreamError} from '../../src/domain/errors.js';
import {IReserveCallbackClient} from '../../src/ireserve/callback_client.js';
import {IReserveStandIn, type Endpoint, type Step} from '../../../test/standins/ireserve/index.js';

describe('i-Reserve callback client: failures classified from the status alone', {timeout: 60_000}, () => {
    let ireserve: IReserveStandIn;
    let endpoint: Endpoint;
    const secret = generateSigningSecret();
    const client = new IReserveCallbackClient({timeoutMs: 500});
    before(async () => {
        ireserve = await IReserveStandIn.start();
        endpoint = ireserve.endpoint('client', {secret});
    });
    after(async () => {
        await ireserve.close();
    });

    const send = () => {
        const body = JSON.stringify({type: 'conversation.reply'});
        return client.deliver({url: endpoint.url, body, headers: signedHeaders(secret, 'msg_test', Math.floor(Date.now() / 1000), body)});
    };

    test('a table of answers', async () => {
        const cases: Array<[string, Step, {ok: number} | {kind: string; retryable: boolean; status?: number; retryAfterMs?: number; message?: RegExp}]> = [
            ['200', {status: 200}, {ok: 200}],
            ['202', {status: 202, body: {}}, {ok: 202}],
            ['204', {status: 204}, {ok: 204}],
            ['400 with problem detail', {status: 400, body: {title: 'Bad Request', detail: 'Conversation is closed'}}, {kind: 'invalid', retryable: false, status: 400, message: /^HTTP 400: Conversation is closed$/}],
            ['401', {status: 401, body: {}}, {kind: 'token_rejected', retryable: false, status: 401}],
            ['404 with a text body (summarised, never echoed)', {status: 404, body: 'no such route'}, {kind: 'not_found', retryable: false, status: 404, message: /^HTTP 404$/}],
            ['409', {status: 409}, {kind: 'invalid', retryable: false, status: 409}],
            ['413', {status: 413}, {kind: 'too_large', retryable: false, status: 413}],
            ['301 is not followed', {status: 301, headers: {location: 'http://127.0.0.1:1/elsewhere'}}, {kind: 'invalid', retryable: false, status: 301}],
            ['408', {status: 408}, {kind: 'unreachable', retryable: true, status: 408}],
            ['429 with Retry-After', {status: 429, headers: {'retry-after': '7'}}, {kind: 'rate_limited', retryable: true, status: 429, retryAfterMs: 7000}],
            ['500', {status: 500, body: {message: 'boom'}}, {kind: 'server_error', retryable: true, status: 500, message: /boom/}],
            ['503 with an HTML page', {status: 503, body: '<html>down</html>'}, {kind: 'server_error', retryable: true, status: 503, message: /^HTTP 503$/}],
            ['connection dropped', 'down', {kind: 'unreachable', retryable: true}],
            ['too slow', {status: 200, delayMs: 800}, {kind: 'unreachable', retryable: true, message: /timed out/}],
        ];
        for (const [name, step, expected] of cases) {
            endpoint.respond(step);
            if ('ok' in expected) {
                assert.deepEqual(await send(), {status: expected.ok}, name);
                continue;
            }
            await assert.rejects(send(), (error: unknown) => {
                assert.ok(error instanceof UpstreamError, name);
                assert.equal(error.upstream, 'ireserve', name);
                assert.equal(error.kind, expected.kind, name);
                assert.equal(error.retryable, expected.retryable, name);
                assert.equal(error.status, expected.status, name);
                if (expected.retryAfterMs !== undefined) {
                    assert.equal(error.retryAfterMs, expected.retryAfterMs, name);
                }
                if (expected.message) {
                    assert.match(error.message, expected.message, name);
                }
                return true;
            }, name);
        }
        assert.ok(endpoint.calls().every((call) => call.verified), 'every call was signed');
    });

    test('a callback URL that is not http(s) is refused without a request', async () => {
        await assert.rejects(client.deliver({url: 'ftp://example.com/x', body: '{}', headers: {}}), (error: unknown) =>
            error instanceof UpstreamError && error.kind === 'invalid' && !error.retryable);
        await assert.rejects(client.deliver({url: 'not a url', body: '{}', headers: {}}), (error: unknown) =>
            error instanceof UpstreamError && error.kind === 'invalid');
    });
});
