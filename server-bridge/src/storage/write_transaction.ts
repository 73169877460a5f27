import type SqliteDatabase from 'better-sqlite3';
import {Transaction, type Dialect, type Driver} from 'kysely';

import type {Db} from './database.js';
import {HotStatement} from './hot_statement.js';
import type {Database} from './schema.js';

/** What `writeTransaction` needs of a SQLite database (registered by `openDatabase`). */
interface DirectSqlite {
    connection: SqliteDatabase.Database;
    dialect: Dialect;
    /** Only to complete the Transaction's props: a Transaction never opens, closes or begins through it. */
    driver: Driver;
}

const direct = new WeakMap<Db, DirectSqlite>();

/** Called once by `openDatabase` for a SQLite database: the connection and dialect its Kysely instance runs on. */
export function registerSqliteTransactions(db: Db, connection: SqliteDatabase.Database, dialect: Dialect): void {
    direct.set(db, {connection, dialect, driver: dialect.createDriver()});
}

const BEGIN = new HotStatement<[]>('begin immediate');
const COMMIT = new HotStatement<[]>('commit');
const ROLLBACK = new HotStatement<[]>('rollback');

/**
 * Runs `work` as ONE write transaction of `db`: committed when `work` resolves, rolled back when it
 * throws (or when the commit fails) — nothing of it is kept then. What it resolves to is returned.
 *
 * PostgreSQL: Kysely's transaction (`db.transaction().execute(work)`), unchanged.
 *
 * SQLite: the same meaning for less work — BEGIN IMMEDIATE … COMMIT run directly on the
 * better-sqlite3 connection, with prepared statements, instead of Kysely's transaction machinery
 * (~12 µs per transaction, measured: the intake writes one per group of events, the outbox one per
 * completed delivery). How it stays one transaction:
 * - Kysely's SQLite driver has one connection behind a lock. `writeTransaction` takes that lock
 *   (`db.connection()`) before BEGIN and keeps it until after COMMIT/ROLLBACK, so no other Kysely
 *   query or transaction runs on the connection in between, across every await of `work`.
 * - `work` gets a Kysely `Transaction` bound to that held connection: its queries run inside the
 *   transaction, `directSqlite(db, trx)` hands hot statements the connection (hot_statement.ts),
 *   and nesting (`trx.transaction()`) throws as in any Kysely transaction.
 * - Hot statements outside the transaction ask `directSqlite(db, db)`, which sees the connection
 *   `inTransaction` and sends them to Kysely, whose lock makes them wait for COMMIT. The WAL
 *   checkpointer likewise waits for a moment no transaction is open (wal_checkpointer.ts).
 * - IMMEDIATE: the write lock is taken at BEGIN (waiting up to `busy_timeout` for another
 *   connection's writer), so a transaction that reads before it writes never fails with
 *   SQLITE_BUSY on its first write. One process writes a SQLite file; the checkpointer's
 *   connection only copies pages (PASSIVE) and never holds the write lock.
 *
 * Contract for callers: do not call it (nor `db.transaction()`) from inside `work` — the lock is
 * held, so that waits forever, as a nested Kysely transaction would; run every statement of the
 * transaction through `trx` (or a hot statement on `directSqlite(db, trx)`) and finish them before
 * `work` resolves.
 */
export async function writeTransaction<T>(db: Db, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    const sqlite = direct.get(db);
    if (sqlite === undefined) {
        return db.transaction().execute(work);
    }
    return db.connection().execute(async (held) => {
        const {connection} = sqlite;
        if (connection.inTransaction) {
            // Every transaction on this connection holds Kysely's lock, which is ours now.
            throw new Error('writeTransaction: the SQLite connection is inside a transaction that does not hold its lock');
        }
        BEGIN.on(connection).run();
        try {
            const result = await work(new Transaction<Database>({
                config: {dialect: sqlite.dialect},
                dialect: sqlite.dialect,
                driver: sqlite.driver,
                executor: held.getExecutor(),
            }));
            COMMIT.on(connection).run();
            return result;
        } catch (error) {
            // SQLite ends the transaction itself on some errors (a full disk, I/O): roll back only what is open.
            if (connection.inTransaction) {
                ROLLBACK.on(connection).run();
            }
            throw error;
        }
    });
}
