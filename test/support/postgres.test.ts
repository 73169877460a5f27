// The throw-away PostgreSQL harness: starts, serves, cleans up — also when starting fails and when
// the process running it is killed by a signal.
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {readdir} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {startPostgres, findPostgresBinDir} from './postgres.js';

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

async function psql(url: string, sql: string): Promise<string> {
    const bin = await findPostgresBinDir();
    const {stdout} = await execFileP(path.join(bin, 'psql'), ['-X', '-At', url, '-c', sql]);
    return stdout.trim();
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

async function waitFor(what: string, fn: () => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!fn()) {
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}

describe('startPostgres', {timeout: 3 * 60_000}, () => {
    it('serves on 127.0.0.1, creates databases, and stop() removes everything', async () => {
        const pg = await startPostgres();
        let stopped = false;
        try {
            const u = new URL(pg.url);
            assert.equal(u.hostname, '127.0.0.1');
            assert.equal(u.pathname, '/test');
            assert.equal(await psql(pg.url, 'select current_database()'), 'test');
            assert.equal(await psql(pg.url, 'show listen_addresses'), '127.0.0.1');
            const other = await pg.createDatabase('bridge_e2e');
            assert.equal(await psql(other, 'select current_database()'), 'bridge_e2e');
            await assert.rejects(pg.createDatabase('bad-name; drop'), /invalid database name/);
            const pid = Number(await psql(pg.url, 'select pg_backend_pid()'));
            assert.ok(pid > 0);
            await pg.stop();
            stopped = true;
            await pg.stop(); // idempotent
            assert.equal(existsSync(pg.dir), false);
            await assert.rejects(psql(pg.url, 'select 1'));
        } finally {
            if (!stopped) {
                await pg.stop();
            }
        }
    });

    it('rejects with the server log and leaves no directory when the server cannot start', async () => {
        const before = new Set(await readdir(tmpdir()));
        await assert.rejects(startPostgres({settings: {no_such_setting: 1}}), /did not start[\s\S]*no_such_setting/);
        const leftovers = (await readdir(tmpdir())).filter((d) => d.startsWith('ireserve-pg-') && !before.has(d));
        assert.deepEqual(leftovers, []);
    });

    it('kills the server and removes its directory when the owning process gets SIGTERM', async () => {
        const script = path.join(here, 'testdata', 'hold_postgres.ts');
        const child = spawn(process.execPath, ['--import', 'tsx', script], {stdio: ['ignore', 'pipe', 'inherit']});
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
        });
        const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
        await waitFor('the child to report its server', () => out.includes('\n'), 60_000);
        const {dir, pid} = JSON.parse(out.split('\n')[0]!) as {dir: string; pid: number};
        assert.ok(alive(pid));
        child.kill('SIGTERM');
        assert.equal(await exited, 'SIGTERM');
        await waitFor('the postmaster to die', () => !alive(pid));
        assert.equal(existsSync(dir), false);
    });
});
