// formatBytes: the one byte-size wording of both halves (bridge reasons, webapp composer).
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {formatBytes} from '../../src/contract/index.js';

describe('formatBytes', {timeout: 30_000}, () => {
    test('the largest 1024-based unit, at most one decimal, none when whole', () => {
        assert.equal(formatBytes(0), '0 B');
        assert.equal(formatBytes(1000), '1,000 B');
        assert.equal(formatBytes(1024), '1 KB');
        assert.equal(formatBytes(1536), '1.5 KB');
        assert.equal(formatBytes(1024 * 1024), '1 MB');
        assert.equal(formatBytes(1024 * 1024 + 1), '1 MB');
        assert.equal(formatBytes(52_428_800), '50 MB');
        assert.equal(formatBytes(3 * 1024 ** 4), '3,072 GB');
    });

    test('written for the locale', () => {
        assert.equal(formatBytes(1536, 'nl'), '1,5 KB');
        assert.equal(formatBytes(1536, 'de'), '1,5 KB');
    });
});
