// The delivery backoff: capped exponential with full jitter, Retry-After honoured up to the cap.
// Pure: the random source is injected.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {backoffDelayMs} from '../../src/outbox/backoff.js';

const policy = {baseBackoffMs: 500, maxBackoffMs: 300_000};
/** The largest draw `Math.random` can give (just below 1). */
const top = () => 1 - Number.EPSILON;
const bottom = () => 0;

describe('backoff', {timeout: 60_000}, () => {
    test('the ceiling doubles per attempt from the base: 500, 1000, 2000, … ms', () => {
        const ceilings = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(attempt, policy, top) + 1);
        assert.deepEqual(ceilings, [500, 1000, 2000, 4000, 8000, 16_000]);
    });

    test('full jitter: anywhere from 0 up to the ceiling, whole milliseconds', () => {
        assert.equal(backoffDelayMs(3, policy, bottom), 0);
        assert.equal(backoffDelayMs(3, policy, () => 0.5), 1000);
        assert.equal(backoffDelayMs(3, policy, () => 0.25), 500);
        for (let i = 0; i < 200; i++) {
            const delay = backoffDelayMs(4, policy);
            assert.ok(Number.isInteger(delay) && delay >= 0 && delay < 4000, `${delay} within [0, 4000)`);
        }
    });

    test('capped at maxBackoffMs, also for absurd attempt counts', () => {
        assert.equal(backoffDelayMs(10, policy, top), 255_999, 'attempt 10: 256 s, under the cap');
        assert.equal(backoffDelayMs(11, policy, top), 299_999, 'attempt 11 would be 512 s: capped at 300 s');
        for (const attempt of [25, 60, 1000, Number.MAX_SAFE_INTEGER]) {
            const delay = backoffDelayMs(attempt, policy, top);
            assert.ok(Number.isFinite(delay) && delay <= policy.maxBackoffMs, `attempt ${attempt}: ${delay}`);
        }
    });

    test('attempt 0 or below counts as the first attempt', () => {
        assert.equal(backoffDelayMs(0, policy, top), 499);
        assert.equal(backoffDelayMs(-3, policy, top), 499);
    });

    test('Retry-After wins when it asks for longer, never beyond the cap; a shorter one changes nothing', () => {
        assert.equal(backoffDelayMs(1, policy, bottom, 10_000), 10_000, 'longer than the jittered delay');
        assert.equal(backoffDelayMs(1, policy, top, 0), 499, 'Retry-After 0: the backoff stands');
        assert.equal(backoffDelayMs(5, policy, () => 0.5, 1000), 4000, 'shorter than the jittered delay');
        assert.equal(backoffDelayMs(1, policy, bottom, 3_600_000), 300_000, 'an hour is capped at maxBackoffMs');
    });
});
