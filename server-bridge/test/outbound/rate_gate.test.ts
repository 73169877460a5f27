// RateGate: Mattermost's Retry-After honoured for a whole integration, not just for the delivery
// that met the 429. Exact clock; the wrapped port is a small object counting its calls.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {UpstreamError} from '../../src/domain/errors.js';
import {RateGate} from '../../src/outbound/rate_gate.js';
import type {MattermostPort} from '../../src/ports/mattermost.js';

function clock(start = 1_000_000) {
    return {t: start, now() {
        return this.t;
    }};
}

/** A port whose `getMe` answers or throws what the test queues; `calls` counts what reached it. */
function port() {
    const answers: Array<unknown> = [];
    const target = {
        calls: 0,
        serverUrl: 'http://mattermost.test',
        async getMe(this: {calls: number}) {
            this.calls += 1;
            const next = answers.shift();
            if (next instanceof Error) {
                throw next;
            }
            return next ?? {id: 'bot'};
        },
    };
    return {target, answers, wrapped: (gate: RateGate, key: string) => gate.wrap(key, target as unknown as MattermostPort) as unknown as typeof target};
}

const rateLimited = (retryAfterMs?: number) => new UpstreamError('mattermost', 'rate_limited', 'limit exceeded', {status: 429, retryAfterMs});

async function failure(call: Promise<unknown>): Promise<UpstreamError> {
    const error = await call.then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    return error;
}

describe('RateGate', {timeout: 60_000}, () => {
    test('remaining: 0 while open; counts down after hold; opens again once the wait is over', () => {
        const time = clock();
        const gate = new RateGate(time);
        assert.equal(gate.remaining('L-1'), 0);
        gate.hold('L-1', 1000);
        assert.equal(gate.remaining('L-1'), 1000);
        time.t += 400;
        assert.equal(gate.remaining('L-1'), 600);
        time.t += 600;
        assert.equal(gate.remaining('L-1'), 0);
    });

    test('hold never shortens a longer wait, and keys are independent', () => {
        const time = clock();
        const gate = new RateGate(time);
        gate.hold('L-1', 5000);
        gate.hold('L-1', 200);
        assert.equal(gate.remaining('L-1'), 5000, 'a shorter hold leaves the longer wait');
        gate.hold('L-1', 8000);
        assert.equal(gate.remaining('L-1'), 8000, 'a longer hold extends it');
        assert.equal(gate.remaining('L-2'), 0, 'another integration is not held');
    });

    test('wrap: calls pass through while open, with their answers, and properties are untouched', async () => {
        const gate = new RateGate(clock());
        const {target, answers, wrapped} = port();
        const through = wrapped(gate, 'L-1');
        answers.push({id: 'bot-1'});
        assert.deepEqual(await through.getMe(), {id: 'bot-1'});
        assert.equal(target.calls, 1, 'called on the real port, with `this` bound to it');
        assert.equal(through.serverUrl, 'http://mattermost.test');
    });

    test('a 429 with Retry-After closes the gate: further calls fail fast without reaching Mattermost, then go again', async () => {
        const time = clock();
        const gate = new RateGate(time);
        const {target, answers, wrapped} = port();
        const through = wrapped(gate, 'L-1');
        answers.push(rateLimited(5000));
        const first = await failure(through.getMe());
        assert.equal(first.kind, 'rate_limited');
        assert.equal(first.status, 429, 'the 429 itself passes through unchanged');
        assert.equal(target.calls, 1);

        time.t += 2000;
        const held = await failure(through.getMe());
        assert.equal(held.kind, 'rate_limited');
        assert.equal(held.retryable, true);
        assert.equal(held.retryAfterMs, 3000, 'the remaining wait, for the outbox to reschedule after');
        assert.equal(target.calls, 1, 'not sent to Mattermost');

        const other = wrapped(gate, 'L-2');
        assert.deepEqual(await other.getMe(), {id: 'bot'}, 'another integration is not held');

        time.t += 3000;
        assert.deepEqual(await through.getMe(), {id: 'bot'});
        assert.equal(target.calls, 3);
    });

    test('a 429 without Retry-After holds for one second', async () => {
        const time = clock();
        const gate = new RateGate(time);
        const {answers, wrapped} = port();
        answers.push(rateLimited());
        await failure(wrapped(gate, 'L-1').getMe());
        assert.equal(gate.remaining('L-1'), 1000);
    });

    test('other failures do not close the gate', async () => {
        const gate = new RateGate(clock());
        const {target, answers, wrapped} = port();
        const through = wrapped(gate, 'L-1');
        answers.push(new UpstreamError('mattermost', 'server_error', 'boom', {status: 503, retryAfterMs: 60_000}));
        answers.push(new UpstreamError('mattermost', 'not_a_member', 'no', {status: 403}));
        answers.push(new Error('a bug'));
        assert.equal((await failure(through.getMe())).kind, 'server_error');
        assert.equal((await failure(through.getMe())).kind, 'not_a_member');
        await assert.rejects(through.getMe(), /a bug/);
        assert.equal(gate.remaining('L-1'), 0);
        assert.deepEqual(await through.getMe(), {id: 'bot'});
        assert.equal(target.calls, 4);
    });
});
