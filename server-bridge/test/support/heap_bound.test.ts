// The default heap bound of `npm start` (issue 20): the computation with injected machine readings,
// and the launcher helper run as `npm start` runs it.
import assert from 'node:assert/strict';
import {execFileSync, spawnSync} from 'node:child_process';
import path from 'node:path';
import {describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {
    attachmentLimitFrom, heapFlag, heapSetByOperator, heapShortfall, memoryLimitBytes, oldSpaceMb, type MemoryReadings,
} from '../../src/support/heap_bound.js';

const MB = 1024 * 1024;
const GB = 1024 * MB;
const V1_UNLIMITED = '9223372036854771712';
const host = (totalBytes: number, v2: string | null = null, v1: string | null = null): MemoryReadings => ({cgroupV2Max: v2, cgroupV1Limit: v1, totalBytes});

describe('default heap bound', {timeout: 60_000}, () => {
    test('the memory the process may use: the cgroup v2 limit, else the v1 limit, else the machine', () => {
        assert.equal(memoryLimitBytes(host(24 * GB)), 24 * GB);
        assert.equal(memoryLimitBytes(host(24 * GB, `${512 * MB}\n`)), 512 * MB);
        assert.equal(memoryLimitBytes(host(24 * GB, 'max\n')), 24 * GB, 'v2 "max" is no limit');
        assert.equal(memoryLimitBytes(host(24 * GB, null, `${256 * MB}\n`)), 256 * MB);
        assert.equal(memoryLimitBytes(host(24 * GB, null, V1_UNLIMITED)), 24 * GB, 'v1 "unlimited" is a huge number');
        assert.equal(memoryLimitBytes(host(2 * GB, `${4 * GB}`)), 2 * GB, 'a limit above the machine is the machine');
        assert.equal(memoryLimitBytes(host(8 * GB, 'garbage', `${300 * MB}`)), 300 * MB, 'an unreadable v2 value falls back to v1');
    });

    test('old space: 128 MB, more when the attachment limit needs it, at most half the memory, at least 32 MB', () => {
        assert.equal(oldSpaceMb(24 * GB, 50 * MB), 348, 'default attachment limit on a large machine: 48 + 6 × 50');
        assert.equal(oldSpaceMb(24 * GB, 10 * MB), 128, '48 + 6 × 10 is below the base');
        assert.equal(oldSpaceMb(24 * GB, 200 * MB), 1248, '48 + 6 × 200');
        assert.equal(oldSpaceMb(1 * GB, 50 * MB), 348, 'a 1 GB container holds the default limit');
        assert.equal(oldSpaceMb(512 * MB, 50 * MB), 256, 'never more than half of a 512 MB container');
        assert.equal(oldSpaceMb(200 * MB, 50 * MB), 100);
        assert.equal(oldSpaceMb(40 * MB, 50 * MB), 32, 'a floor for absurdly small limits');
    });

    test('a memory too small for the attachment limit is named, with the memory that would do', () => {
        assert.deepEqual(heapShortfall({}, [], host(512 * MB, `${512 * MB}`)), {boundMb: 256, neededMb: 348, memoryNeededMb: 696});
        assert.equal(heapShortfall({}, [], host(1 * GB)), null, '1 GB holds the default 50 MB limit');
        assert.equal(heapShortfall({BRIDGE_MAX_ATTACHMENT_BYTES: String(10 * MB)}, [], host(512 * MB)), null, 'a 10 MB limit fits in 512 MB');
        assert.equal(heapShortfall({NODE_OPTIONS: '--max-old-space-size=200'}, [], host(256 * MB)), null, 'the operator chose');
    });

    test('the operator\'s own setting wins: no flag is added', () => {
        assert.equal(heapSetByOperator('--max-old-space-size=512', []), true);
        assert.equal(heapSetByOperator('--enable-source-maps --max_old_space_size=64', []), true);
        assert.equal(heapSetByOperator('--max-old-space-size 64', []), true);
        assert.equal(heapSetByOperator(undefined, ['--max-old-space-size=96']), true);
        assert.equal(heapSetByOperator('--max-semi-space-size=16 --enable-source-maps', []), false);
        assert.equal(heapFlag({NODE_OPTIONS: '--max-old-space-size=512'}, [], host(24 * GB)), null);
    });

    test('the flag from the environment and the readings', () => {
        assert.equal(heapFlag({}, [], host(24 * GB)), '--max-old-space-size=348');
        assert.equal(heapFlag({BRIDGE_MAX_ATTACHMENT_BYTES: String(10 * MB)}, [], host(24 * GB)), '--max-old-space-size=128');
        assert.equal(heapFlag({BRIDGE_MAX_ATTACHMENT_BYTES: String(100 * MB)}, [], host(24 * GB)), '--max-old-space-size=648');
        assert.equal(heapFlag({}, [], host(24 * GB, null, `${192 * MB}`)), '--max-old-space-size=96');
        assert.equal(attachmentLimitFrom({BRIDGE_MAX_ATTACHMENT_BYTES: 'lots'}), 50 * MB, 'a bad value is the config\'s to refuse; the default here');
    });

    test('heap_flag prints the flag, or nothing when NODE_OPTIONS sets the heap', () => {
        const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/heap_flag.ts');
        const run = (env: Record<string, string>) => execFileSync(process.execPath, ['--import', 'tsx', script], {env: {PATH: process.env.PATH ?? '', ...env}, encoding: 'utf8'});
        assert.match(run({}), /^--max-old-space-size=\d+\n$/);
        const small = spawnSync(process.execPath, ['--import', 'tsx', script], {env: {PATH: process.env.PATH ?? '', BRIDGE_MAX_ATTACHMENT_BYTES: String(64 * GB)}, encoding: 'utf8'});
        assert.equal(small.status, 0);
        assert.match(small.stdout, /^--max-old-space-size=\d+\n$/, 'a limit no memory holds still starts, bounded at half of it');
        assert.match(small.stderr, /give the process \d+ MB or lower BRIDGE_MAX_ATTACHMENT_BYTES/);
        assert.equal(run({NODE_OPTIONS: '--max-old-space-size=300'}), '');
    });
});
