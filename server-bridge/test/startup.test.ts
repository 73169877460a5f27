import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';

import {ConfigError, loadConfig} from '../src/config/config.js';

const main = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.ts');
// The child runs in a scratch directory, so tsx is named by its resolved location.
const tsx = import.meta.resolve('tsx');

/** Runs the real entry point (`npm start` runs its build) with only the given environment. */
function run(env: Record<string, string>, cwd: string, untilLine?: RegExp): Promise<{code: number | null; stdout: string; stderr: string}> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', tsx, main], {
            cwd,
            env: {PATH: process.env.PATH ?? '', HOME: cwd, ...env},
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            if (untilLine?.test(stdout)) {
                child.kill('SIGTERM');
            }
        });
        child.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
        });
        child.on('close', (code) => resolve({code, stdout, stderr}));
    });
}

describe('configuration', {timeout: 2 * 60_000}, () => {
    it('defaults: 127.0.0.1:8080, SQLite ./data/bridge.db, public URL on localhost', () => {
        const config = loadConfig({});
        assert.equal(config.host, '127.0.0.1');
        assert.equal(config.port, 8080);
        assert.deepEqual(config.database, {kind: 'sqlite', file: './data/bridge.db', dataDir: './data'});
        assert.equal(config.publicUrl, 'http://localhost:8080');
        assert.deepEqual(config.timeouts, {mattermostMs: 30_000, mattermostDownloadMs: 120_000, incomingWebhookMs: 30_000, ireserveMs: 30_000, inboundArrivalMs: 5000});
        assert.ok(Object.isFrozen(config));
    });

    const bad: Array<[string, Record<string, string>, RegExp]> = [
        ['non-numeric port', {BRIDGE_PORT: 'abc'}, /^BRIDGE_PORT: must be a whole number, got "abc"$/],
        ['port out of range', {BRIDGE_PORT: '70000'}, /^BRIDGE_PORT: must be between 0 and 65535/],
        ['unknown database scheme (value not echoed: it may hold a password)', {DATABASE_URL: 'mysql://u:secret@h/db'}, /^DATABASE_URL: must start with sqlite: or postgres:\/\/ \(the value is not shown/],
        ['postgres URL without a database', {DATABASE_URL: 'postgres://127.0.0.1'}, /^DATABASE_URL: must name a host and a database/],
        ['sqlite without a file', {DATABASE_URL: 'sqlite:'}, /^DATABASE_URL: must name a file/],
        ['short admin token', {BRIDGE_ADMIN_TOKEN: 'short'}, /^BRIDGE_ADMIN_TOKEN: must be at least 16 characters/],
        ['secret key of the wrong size', {BRIDGE_SECRET_KEY: 'abcd'}, /^BRIDGE_SECRET_KEY: must be 32 random bytes/],
        ['public URL not http(s)', {BRIDGE_PUBLIC_URL: 'ftp://x'}, /^BRIDGE_PUBLIC_URL: must be an http\(s\) URL/],
        ['unknown log level', {LOG_LEVEL: 'loud'}, /^LOG_LEVEL: must be one of/],
        ['CORS origin not a URL', {BRIDGE_CORS_ORIGINS: 'mattermost.example.com'}, /^BRIDGE_CORS_ORIGINS: must be an http\(s\) URL/],
        ['upstream timeout too short', {BRIDGE_MATTERMOST_TIMEOUT_MS: '10'}, /^BRIDGE_MATTERMOST_TIMEOUT_MS: must be between 100 and 600000, got 10$/],
        ['upstream timeout not a number', {BRIDGE_IRESERVE_TIMEOUT_MS: '30s'}, /^BRIDGE_IRESERVE_TIMEOUT_MS: must be a whole number, got "30s"$/],
    ];
    for (const [what, env, message] of bad) {
        it(`refuses ${what}, naming the variable`, () => {
            assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message));
        });
    }

    it('accepts a 32-byte key as hex or base64', () => {
        const key = Buffer.alloc(32, 7);
        assert.deepEqual(loadConfig({BRIDGE_SECRET_KEY: key.toString('hex')}).secretKey, key);
        assert.deepEqual(loadConfig({BRIDGE_SECRET_KEY: key.toString('base64')}).secretKey, key);
    });
});

describe('starting the bridge process', {timeout: 2 * 60_000}, () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
        ['a non-numeric port', {BRIDGE_PORT: 'abc'}, /^ireserve-bridge: configuration error: BRIDGE_PORT: must be a whole number, got "abc"\n$/],
        ['a malformed DATABASE_URL', {DATABASE_URL: 'postgres//nohost'}, /^ireserve-bridge: configuration error: DATABASE_URL: .+\n$/],
        ['an unwritable data directory', {DATABASE_URL: 'sqlite:/proc/ireserve-bridge/bridge.db'}, /^ireserve-bridge: the data directory \/proc\/ireserve-bridge cannot be created or is not writable \(\w+\)\n$/],
        ['a database that does not answer', {DATABASE_URL: 'postgres://bridge@127.0.0.1:1/bridge'}, /^ireserve-bridge: cannot reach the database: .+\n$/],
    ];
    for (const [what, env, line] of cases) {
        it(`stops with one clear line and exit code 1 on ${what} (no stack trace)`, async () => {
            const dir = mkdtempSync(path.join(tmpdir(), 'bridge-start-'));
            try {
                const result = await run(env, dir);
                assert.equal(result.code, 1);
                assert.match(result.stderr, line);
                assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
            } finally {
                rmSync(dir, {recursive: true, force: true});
            }
        });
    }

    it('with no configuration: listens on its defaults, says what to do next, keeps a 0600 key, and stops cleanly on SIGTERM', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'bridge-start-'));
        try {
            const result = await run({BRIDGE_PORT: '0'}, dir, /next:/);
            assert.equal(result.code, 0, result.stderr);
            assert.match(result.stdout, /i-Reserve bridge listening on http:\/\/127\.0\.0\.1:\d+ \(database: SQLite \.\/data\/bridge\.db\)/);
            assert.match(result.stdout, /BRIDGE_ADMIN_TOKEN is not set/);
            assert.equal(statSync(path.join(dir, 'data', 'secret.key')).mode & 0o777, 0o600);
            assert.ok(statSync(path.join(dir, 'data', 'bridge.db')).isFile());
        } finally {
            rmSync(dir, {recursive: true, force: true});
        }
    });
});
