import assert from 'node:assert/strict';
import {closeSync, mkdtempSync, openSync, readSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';

import SqliteDatabase from 'better-sqlite3';

import {loadConfig} from '../src/config/config.js';
import {openDatabase} from '../src/storage/database.js';
import {directSqlite} from '../src/storage/hot_statement.js';
import {WalCheckpointer} from '../src/storage/wal_checkpointer.js';

function walBytes(file: string): number {
    try {
        return statSync(`${file}-wal`).size;
    } catch {
        return 0;
    }
}

/** The WAL header's checkpoint sequence number: SQLite adds one each time the WAL starts over. */
function walSequence(file: string): number {
    const fd = openSync(`${file}-wal`, 'r');
    try {
        const header = Buffer.alloc(16);
        return readSync(fd, header, 0, 16, 0) === 16 ? header.readUInt32BE(12) : 0;
    } finally {
        closeSync(fd);
    }
}

/** Polls `check` until it holds, at most `tries` × 50 ms. */
async function eventually(check: () => boolean, tries = 200): Promise<boolean> {
    for (let i = 0; i < tries; i++) {
        if (check()) {
            return true;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return check();
}

describe('WAL checkpoints off the request path', {timeout: 2 * 60_000}, () => {
    test('under sustained writes the WAL starts over in place and stays bounded, with no checkpoint in any commit', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'wal-test-'));
        const file = path.join(dir, 'w.db');
        const sqlite = new SqliteDatabase(file);
        sqlite.pragma('journal_mode = WAL');
        sqlite.pragma('synchronous = NORMAL');
        sqlite.exec('create table t (id integer primary key, body text not null)');
        const limitBytes = 1024 * 1024;
        const checkpointer = new WalCheckpointer(sqlite, file, {intervalMs: 20, limitBytes});
        try {
            await checkpointer.ready;
            assert.equal(sqlite.pragma('wal_autocheckpoint', {simple: true}), 0, 'no automatic checkpoint inside a commit');
            const insert = sqlite.prepare('insert into t (body) values (?)');
            const body = 'x'.repeat(4000);
            const writeBatch = sqlite.transaction(() => {
                for (let i = 0; i < 5; i++) {
                    insert.run(body);
                }
            });
            // 40 MB written, 20 KB per commit, a commit every millisecond or so: sustained writes,
            // forty times the limit, with gaps too short for a checkpoint on another thread to
            // complete in (it syncs the WAL first). Without the worker the WAL would hold all of it.
            const written = 2000 * 5 * 4000;
            let largest = 0;
            // The file is never emptied and grown again: the WAL is written again from its start, so
            // its size never drops below what it already held (or the limit, which SQLite cuts a
            // larger file back to). When the worker catches up early the WAL may start over before the
            // file ever reaches the limit — that is fine; shrinking is not.
            let cutTo: {size: number; floor: number} | null = null;
            const firstSequence = walSequence(file);
            for (let batch = 0; batch < 2000; batch++) {
                writeBatch();
                const size = walBytes(file);
                const floor = Math.min(largest, limitBytes);
                if (size < floor && cutTo === null) {
                    cutTo = {size, floor};
                }
                largest = Math.max(largest, size);
                await new Promise((resolve) => setTimeout(resolve, 1));
            }
            assert.ok(largest < written / 4, `the WAL grew to ${largest} bytes of ${written} written`);
            // Each time the WAL starts over, SQLite counts it in the WAL header.
            assert.ok(walSequence(file) - firstSequence >= 3, `the WAL started over ${walSequence(file) - firstSequence} times`);
            assert.equal(cutTo, null, `the WAL file was cut to ${cutTo?.size} bytes after it had held ${cutTo?.floor}`);
            assert.ok(await eventually(() => walBytes(file) <= limitBytes), `the WAL is back within its limit (${walBytes(file)} bytes)`);
            assert.equal((sqlite.prepare('select count(*) as n from t').get() as {n: number}).n, 10_000);
        } finally {
            await checkpointer.close();
            assert.equal(sqlite.pragma('wal_autocheckpoint', {simple: true}), 1000, 'closed: the connection checkpoints itself again');
            sqlite.close();
        }
        // Every committed row is in the database file, intact, once the last connection closed.
        const reopened = new SqliteDatabase(file, {readonly: true});
        try {
            assert.equal(reopened.pragma('integrity_check', {simple: true}), 'ok');
            assert.equal((reopened.prepare('select count(*) as n from t').get() as {n: number}).n, 10_000);
        } finally {
            reopened.close();
            rmSync(dir, {recursive: true, force: true});
        }
    });

    test('a worker that fails hands checkpoints back to the connection', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'wal-test-'));
        const file = path.join(dir, 'w.db');
        const sqlite = new SqliteDatabase(file);
        sqlite.pragma('journal_mode = WAL');
        const failures: Error[] = [];
        // The worker cannot open a file that is not there: it fails at once.
        const checkpointer = new WalCheckpointer(sqlite, path.join(dir, 'missing.db'), {onFailure: (error) => failures.push(error)});
        try {
            assert.ok(await eventually(() => failures.length > 0), 'the failure is reported');
            assert.equal(sqlite.pragma('wal_autocheckpoint', {simple: true}), 1000, 'automatic checkpoints are back on');
            assert.equal(failures.length, 1, 'once');
        } finally {
            await checkpointer.close();
            sqlite.close();
            rmSync(dir, {recursive: true, force: true});
        }
    });

    test('the bridge\'s SQLite database runs with the worker; closing it leaves no WAL behind', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'wal-test-'));
        const file = path.join(dir, 'bridge.db');
        const handle = await openDatabase(loadConfig({DATABASE_URL: `sqlite:${file}`, BRIDGE_DATA_DIR: dir}).database);
        try {
            const sqlite = directSqlite(handle.db, handle.db);
            assert.ok(sqlite);
            assert.equal(sqlite.pragma('wal_autocheckpoint', {simple: true}), 0);
            await handle.db.insertInto('kv').values({licence: 'L-1', key: 'k', value: 'v', updated_at: 1}).execute();
        } finally {
            await handle.close();
        }
        assert.equal(walBytes(file), 0, 'the last connection closed checkpointed and removed the WAL');
        rmSync(dir, {recursive: true, force: true});
    });
});
