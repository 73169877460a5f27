// Issue 13 item 9 (database files private to the bridge's user) and issue 14 defect 2
// (BRIDGE_CORS_ORIGINS with a trailing slash still matches the browser's Origin).
import assert from 'node:assert/strict';
import {chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';

import {ConfigError, loadConfig} from '../../src/config/config.js';
import {startBridge} from '../support/bridge_harness.js';

function mode(file: string): number {
    return statSync(file).mode & 0o777;
}

describe('database files and browser origins', {timeout: 60_000}, () => {
    test('the SQLite file and its -wal and -shm files are created 0600; an older 0644 file is narrowed', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'bridge-modes-'));
        try {
            const file = path.join(dir, 'bridge.db');
            const running = await startBridge({engine: 'sqlite', dir, databaseUrl: `sqlite:${file}`});
            await running.bridge.context.integrations.listLicences();
            for (const part of [file, `${file}-wal`, `${file}-shm`]) {
                assert.ok(existsSync(part), part);
                assert.equal(mode(part).toString(8), '600', part);
            }
            await running.close();
            for (const part of [file, `${file}-wal`, `${file}-shm`]) {
                if (existsSync(part)) {
                    chmodSync(part, 0o644);
                }
            }
            const again = await startBridge({engine: 'sqlite', dir, databaseUrl: `sqlite:${file}`});
            assert.equal(mode(file).toString(8), '600');
            await again.close();
        } finally {
            rmSync(dir, {recursive: true, force: true});
        }
    });

    test('a new SQLite file next to an existing one in a shared directory is still private', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'bridge-modes-'));
        try {
            writeFileSync(path.join(dir, 'other.txt'), 'x', {mode: 0o644});
            const file = path.join(dir, 'fresh.db');
            const running = await startBridge({engine: 'sqlite', dir, databaseUrl: `sqlite:${file}`});
            assert.equal(mode(file).toString(8), '600');
            await running.close();
        } finally {
            rmSync(dir, {recursive: true, force: true});
        }
    });

    test('BRIDGE_CORS_ORIGINS is kept normalised: a trailing slash or upper case still matches the browser\'s Origin', async () => {
        assert.deepEqual(loadConfig({BRIDGE_CORS_ORIGINS: 'https://Chat.Example.com/, http://localhost:8065'}).corsOrigins, ['https://chat.example.com', 'http://localhost:8065']);
        assert.throws(() => loadConfig({BRIDGE_CORS_ORIGINS: 'https://chat.example.com/some/path'}), (error: unknown) => error instanceof ConfigError && /BRIDGE_CORS_ORIGINS: must be an origin/.test(error.message));
        const running = await startBridge({engine: 'sqlite', env: {BRIDGE_CORS_ORIGINS: 'https://chat.example.com/'}});
        try {
            const preflight = await fetch(`${running.url}/api/v1/integrations/L-1`, {
                method: 'OPTIONS',
                headers: {origin: 'https://chat.example.com', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type'},
            });
            assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://chat.example.com');
        } finally {
            await running.close();
        }
    });
});
