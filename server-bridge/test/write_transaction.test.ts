import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';

import {sql} from 'kysely';

import {loadConfig} from '../src/config/config.js';
import {openDatabase, type DatabaseHandle} from '../src/storage/database.js';
import {EventsRepository} from '../src/storage/events_repository.js';
import {directSqlite} from '../src/storage/hot_statement.js';
import {OutboxRepository} from '../src/storage/outbox_repository.js';
import {writeTransaction} from '../src/storage/write_transaction.js';

import {ENGINES, freshDatabaseUrl, stopPostgresServer} from './support/bridge_harness.js';

after(stopPostgresServer);

const clock = {now: () => 1_000_000};

async function open(engine: (typeof ENGINES)[number]): Promise<{handle: DatabaseHandle; dir: string}> {
    const dir = mkdtempSync(path.join(tmpdir(), 'write-transaction-test-'));
    const config = loadConfig({DATABASE_URL: await freshDatabaseUrl(engine, dir), BRIDGE_DATA_DIR: dir});
    return {handle: await openDatabase(config.database), dir};
}

const job = (dedupeKey: string) => ({licence: 'L-1', direction: 'outbound' as const, kind: 'k', orderingKey: 'o', dedupeKey, payload: {}});

describe('writeTransaction', {timeout: 2 * 60_000}, () => {
    for (const engine of ENGINES) {
        test(`on ${engine}: hot statements and Kysely queries in it commit together, or roll back together when it throws`, async () => {
            const {handle, dir} = await open(engine);
            const {db} = handle;
            const events = new EventsRepository(db, clock);
            const outbox = new OutboxRepository(db, handle.kind, clock);
            try {
                const result = await writeTransaction(db, async (trx) => {
                    assert.equal(trx.isTransaction, true);
                    if (engine === 'sqlite') {
                        assert.ok(directSqlite(db, trx), 'hot statements run on the connection, inside the transaction');
                        assert.equal(directSqlite(db, db), undefined, 'outside it they wait through Kysely');
                    } else {
                        assert.equal(directSqlite(db, trx), undefined);
                    }
                    assert.equal(await events.record('L-1', 'w-1', 'conversation.message', trx), true);
                    assert.notEqual(await outbox.enqueue(job('d-1'), trx), null);
                    await trx.insertInto('kv').values({licence: 'L-1', key: 'k-1', value: 'v', updated_at: 1}).execute();
                    return 'done';
                });
                assert.equal(result, 'done');
                assert.equal(await events.has('L-1', 'w-1'), true);
                assert.equal(await outbox.statusOf('L-1', 'd-1'), 'pending');
                assert.ok(await db.selectFrom('kv').select('value').where('key', '=', 'k-1').executeTakeFirst());

                await assert.rejects(writeTransaction(db, async (trx) => {
                    assert.equal(await events.record('L-1', 'w-2', 'conversation.message', trx), true);
                    assert.notEqual(await outbox.enqueue(job('d-2'), trx), null);
                    await trx.insertInto('kv').values({licence: 'L-1', key: 'k-2', value: 'v', updated_at: 1}).execute();
                    throw new Error('abort');
                }), /abort/);
                assert.equal(await events.has('L-1', 'w-2'), false, 'the hot insert was rolled back');
                assert.equal(await outbox.statusOf('L-1', 'd-2'), undefined, 'the job too');
                assert.equal(await db.selectFrom('kv').select('value').where('key', '=', 'k-2').executeTakeFirst(), undefined, 'and the Kysely insert');

                await assert.rejects(writeTransaction(db, (trx) => trx.transaction().execute(async () => 'nested')), 'no transaction inside it');
                assert.equal(await writeTransaction(db, (trx) => events.record('L-1', 'w-1', 'conversation.message', trx)), false, 'a committed id stays a duplicate');
            } finally {
                await handle.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });

        test(`on ${engine}: a commit that fails keeps nothing, and the next transaction runs`, async () => {
            const {handle, dir} = await open(engine);
            const {db} = handle;
            const events = new EventsRepository(db, clock);
            try {
                // A deferred foreign key is checked at COMMIT: the commit fails with the transaction still open.
                await sql`create table wt_parent (id integer primary key)`.execute(db);
                await sql`create table wt_child (parent integer references wt_parent (id) deferrable initially deferred)`.execute(db);
                await assert.rejects(writeTransaction(db, async (trx) => {
                    assert.equal(await events.record('L-1', 'w-fk', 'conversation.message', trx), true);
                    await sql`insert into wt_child (parent) values (42)`.execute(trx);
                }), /foreign key/i);
                assert.equal(await events.has('L-1', 'w-fk'), false, 'nothing of the failed commit is kept');
                assert.equal(await writeTransaction(db, (trx) => events.record('L-1', 'w-after', 'conversation.message', trx)), true);
                assert.equal(await events.has('L-1', 'w-after'), true);
            } finally {
                await handle.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });

        test(`on ${engine}: while one is open across awaits, other writes and transactions wait for it and never join it`, async () => {
            const {handle, dir} = await open(engine);
            const {db} = handle;
            const events = new EventsRepository(db, clock);
            try {
                let release!: () => void;
                const held = new Promise<void>((resolve) => {
                    release = resolve;
                });
                let entered!: () => void;
                const inside = new Promise<void>((resolve) => {
                    entered = resolve;
                });
                const open = writeTransaction(db, async (trx) => {
                    assert.equal(await events.record('L-1', 'w-in', 'conversation.message', trx), true);
                    entered();
                    await held;
                    throw new Error('abort');
                });
                await inside;
                const outside = events.record('L-1', 'w-outside', 'conversation.message');
                const other = writeTransaction(db, (trx) => events.record('L-1', 'w-other', 'conversation.message', trx));
                const kyselyTransaction = db.transaction().execute((trx) => events.record('L-1', 'w-kysely', 'conversation.message', trx));
                await new Promise((resolve) => setImmediate(resolve));
                release();
                await assert.rejects(open, /abort/);
                assert.deepEqual(await Promise.all([outside, other, kyselyTransaction]), [true, true, true]);
                assert.equal(await events.has('L-1', 'w-in'), false, 'the aborted transaction kept nothing');
                for (const id of ['w-outside', 'w-other', 'w-kysely']) {
                    assert.equal(await events.has('L-1', id), true, `${id} was not rolled back with it`);
                }
            } finally {
                await handle.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });
    }
});
