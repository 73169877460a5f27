// Request logging of the HTTP app (http/app.ts with observability/request_logger.ts): each request's
// logger is made only when the request logs, and then writes what Fastify's own child logger wrote —
// the request id on every line, redaction applied, levels respected. Real Fastify and pino, in memory.
import assert from 'node:assert/strict';
import {Writable} from 'node:stream';
import {describe, test} from 'node:test';

import type {FastifyInstance} from 'fastify';

import {buildApp} from '../../src/http/app.js';
import {createLogger} from '../../src/observability/logger.js';

type Line = Record<string, unknown>;

async function appLogging(level: string): Promise<{app: FastifyInstance; lines: Line[]}> {
    const lines: Line[] = [];
    const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
            lines.push(...chunk.toString('utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Line));
            done();
        },
    });
    const app = await buildApp({
        logger: createLogger(level, sink),
        corsOrigins: [],
        timeouts: {requestTimeoutMs: 10_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000},
        routes: [async (scope) => {
            scope.get('/quiet', async () => ({ok: true}));
            scope.get('/talks', async (request) => {
                request.log.info({token: 'do-not-show', step: 1}, 'handler says');
                request.log.child({part: 'inner'}).warn('child says');
                request.log.debug('only at debug');
                return {ok: true};
            });
        }],
    });
    return {app, lines};
}

describe('request logging', {timeout: 60_000}, () => {
    test('at info: an answered request writes nothing; a refused one writes one line with its request id, route and reason', async () => {
        const {app, lines} = await appLogging('info');
        try {
            assert.equal((await app.inject({method: 'GET', url: '/quiet'})).statusCode, 200);
            assert.equal(lines.length, 0, 'nothing logged');
            assert.equal((await app.inject({method: 'GET', url: '/nowhere'})).statusCode, 404);
            assert.equal(lines.length, 1);
            assert.equal(lines[0]!.msg, 'request');
            assert.equal(lines[0]!.status, 404);
            assert.equal(lines[0]!.reason, 'no_such_route');
            assert.equal(lines[0]!.service, 'ireserve-bridge');
            assert.match(String(lines[0]!.reqId), /^req-/);
        } finally {
            await app.close();
        }
    });

    test('what a handler logs carries the request id (its children too), with secrets redacted and debug left out at info', async () => {
        const {app, lines} = await appLogging('info');
        try {
            assert.equal((await app.inject({method: 'GET', url: '/talks'})).statusCode, 200);
            assert.deepEqual(lines.map((line) => line.msg), ['handler says', 'child says']);
            const [said, child] = lines;
            assert.match(String(said!.reqId), /^req-/);
            assert.equal(child!.reqId, said!.reqId);
            assert.equal(child!.part, 'inner');
            assert.equal(said!.token, '[redacted]');
            assert.equal(said!.step, 1);
        } finally {
            await app.close();
        }
    });

    test('at debug: answered requests are logged too, each with its own request id', async () => {
        const {app, lines} = await appLogging('debug');
        try {
            await app.inject({method: 'GET', url: '/quiet'});
            await app.inject({method: 'GET', url: '/talks'});
            const requests = lines.filter((line) => line.msg === 'request');
            assert.deepEqual(requests.map((line) => [line.route, line.status]), [['/quiet', 200], ['/talks', 200]]);
            assert.notEqual(requests[0]!.reqId, requests[1]!.reqId);
            assert.equal(lines.find((line) => line.msg === 'only at debug')?.reqId, requests[1]!.reqId);
        } finally {
            await app.close();
        }
    });
});
