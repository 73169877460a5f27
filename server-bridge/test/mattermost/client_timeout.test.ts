// Every Mattermost request has a timeout (config.timeouts.mattermostMs): a server that never
// answers, or stops in the middle of its answer, makes the call fail as `unreachable` (retryable)
// instead of holding a delivery slot — for the JSON calls over undici's request() as for uploads.
import assert from 'node:assert/strict';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, test} from 'node:test';

import {parseAllowedInternalHosts} from '../../src/config/config.js';
import {createMattermostClient} from '../../src/mattermost/client.js';
import {EgressPolicy} from '../../src/support/egress.js';
import {upstreamError} from '../support/upstream_error.js';

describe('Mattermost client timeouts', {timeout: 60_000}, () => {
    const egress = new EgressPolicy(parseAllowedInternalHosts('127.0.0.0/8'));
    const held: http.ServerResponse[] = [];
    let server: http.Server;
    let url: string;

    before(async () => {
        server = http.createServer((request, response) => {
            request.resume();
            if (request.url?.startsWith('/api/v4/users/me')) {
                // Headers, then half a body, then nothing.
                response.writeHead(200, {'content-type': 'application/json'});
                response.write('{"id": "us');
            }
            held.push(response); // never answered (or never finished)
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async () => {
        for (const response of held) {
            response.destroy();
        }
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await egress.close();
    });

    test('no answer at all: unreachable', async () => {
        const client = createMattermostClient({serverUrl: url, token: 'token', timeoutMs: 300, dispatcher: egress.dispatcher});
        const error = await upstreamError(() => client.getPost('p1'));
        assert.equal(error.kind, 'unreachable');
        assert.equal(error.retryable, true);
    });

    test('an answer that stops halfway: unreachable', async () => {
        const client = createMattermostClient({serverUrl: url, token: 'token', timeoutMs: 300, dispatcher: egress.dispatcher});
        const error = await upstreamError(() => client.getMe());
        assert.equal(error.kind, 'unreachable');
    });

    test('an upload (fetch) without an answer: unreachable', async () => {
        const client = createMattermostClient({serverUrl: url, token: 'token', timeoutMs: 300, dispatcher: egress.dispatcher});
        const form = new FormData();
        form.append('channel_id', 'c1');
        form.append('files', new Blob(['a']), 'a.txt');
        const error = await upstreamError(() => client.uploadFile(form));
        assert.equal(error.kind, 'unreachable');
    });
});
