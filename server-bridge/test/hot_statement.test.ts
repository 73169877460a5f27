import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';

import {loadConfig} from '../src/config/config.js';
import {openDatabase, type DatabaseHandle} from '../src/storage/database.js';
import {EventsRepository} from '../src/storage/events_repository.js';
import {directSqlite, HotStatement} from '../src/storage/hot_statement.js';
import {OutboxRepository} from '../src/storage/outbox_repository.js';

import {ENGINES, freshDatabaseUrl, stopPostgresServer} from './support/bridge_harness.js';

after(stopPostgresServer);

const clock = {now: () => 1_000_000};

async function open(engine: (typeof ENGINES)[number]): Promise<{handle: DatabaseHandle; dir: string}> {
    const dir = mkdtempSync(path.join(tmpdir(), 'hot-statement-test-'));
    const config = loadConfig({DATABASE_URL: await freshDatabaseUrl(engine, dir), BRIDGE_DATA_DIR: dir});
    return {handle: await openDatabase(config.database), dir};
}

const COUNT_EVENTS = new HotStatement<[licence: string], {n: number}>('select count(*) as n from events where licence = ?');

describe('hot SQLite statements', {timeout: 2 * 60_000}, () => {
    test('run on the connection only where Kysely would run the query now: never on PostgreSQL', async () => {
        for (const engine of ENGINES) {
            const {handle, dir} = await open(engine);
            try {
                const connection = directSqlite(handle.db, handle.db);
                if (engine === 'postgres') {
                    assert.equal(connection, undefined);
                    await handle.db.transaction().execute(async (trx) => {
                        assert.equal(directSqlite(handle.db, trx), undefined);
                    });
                    continue;
                }
                assert.ok(connection, 'SQLite, no transaction open: the connection');
                assert.equal(COUNT_EVENTS.on(connection), COUNT_EVENTS.on(connection), 'prepared once per connection');
                await handle.db.transaction().execute(async (trx) => {
                    assert.equal(directSqlite(handle.db, trx), connection, 'the transaction holds the one connection');
                    assert.equal(directSqlite(handle.db, handle.db), undefined, 'outside that transaction: wait for it through Kysely');
                });
            } finally {
                await handle.close();
                rmSync(dir, {recursive: true, force: true});
            }
        }
    });

    for (const engine of ENGINES) {
        test(`on ${engine}: a repository write through a transaction commits and rolls back with it; outside, it waits for the open one`, async () => {
            const {handle, dir} = await open(engine);
            const events = new EventsRepository(handle.db, clock);
            const outbox = new OutboxRepository(handle.db, handle.kind, clock);
            try {
                await assert.rejects(handle.db.transaction().execute(async (trx) => {
                    assert.equal(await events.record('L-1', 'w-rolled-back', 'conversation.message', trx), true);
                    assert.notEqual(await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: 'o', dedupeKey: 'd-1', payload: {}}, trx), null);
                    throw new Error('abort');
                }), /abort/);
                assert.equal(await events.has('L-1', 'w-rolled-back'), false, 'rolled back with the transaction');
                assert.equal(await outbox.statusOf('L-1', 'd-1'), undefined, 'the job too');

                // A write outside any transaction while a transaction is open: it lands after that
                // transaction ends (SQLite has one connection), never inside it.
                let release!: () => void;
                const held = new Promise<void>((resolve) => {
                    release = resolve;
                });
                const open = handle.db.transaction().execute(async (trx) => {
                    assert.equal(await events.record('L-1', 'w-in-transaction', 'conversation.message', trx), true);
                    await held;
                    throw new Error('abort');
                });
                const outside = events.record('L-1', 'w-outside', 'conversation.message');
                await new Promise((resolve) => setImmediate(resolve));
                release();
                await assert.rejects(open, /abort/);
                assert.equal(await outside, true);
                assert.equal(await events.has('L-1', 'w-in-transaction'), false);
                assert.equal(await events.has('L-1', 'w-outside'), true, 'the write outside the transaction was not rolled back with it');
                assert.equal(await events.record('L-1', 'w-outside', 'conversation.message'), false, 'a repeat is a duplicate');
                assert.equal(await events.record('L-1', 'w-committed', 'conversation.message'), true);
                assert.equal(await handle.db.transaction().execute((trx) => events.record('L-1', 'w-committed', 'conversation.message', trx)), false);
            } finally {
                await handle.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });
    }
});
