import type SqliteDatabase from 'better-sqlite3';
import type {Kysely, Transaction} from 'kysely';

import type {Database} from './schema.js';

/** The better-sqlite3 connection behind a SQLite `Db` (registered by `openDatabase`). */
const connections = new WeakMap<Kysely<Database>, SqliteDatabase.Database>();

/** Called once by `openDatabase` for a SQLite database: the connection its Kysely instance runs on. */
export function registerSqliteConnection(db: Kysely<Database>, connection: SqliteDatabase.Database): void {
    connections.set(db, connection);
}

/**
 * The SQLite connection on which a hot statement may run directly, right now, with the same
 * meaning as the query run through `executor` — or undefined, and the caller runs its Kysely query:
 * - PostgreSQL (or a Db not opened by `openDatabase`): undefined, always.
 * - `executor` is a transaction of `db`: the connection. Kysely's SQLite driver has ONE connection,
 *   held by the transaction from BEGIN to COMMIT, so a statement run on it is part of that transaction
 *   (committed or rolled back with it). Only pass a transaction whose callback is still running.
 * - `executor` is `db` itself: the connection when no transaction is open on it (the statement is
 *   its own autocommit transaction, as Kysely would run it); undefined while some transaction holds
 *   it, so that the Kysely query waits for that transaction as it always did.
 */
export function directSqlite(db: Kysely<Database>, executor: Kysely<Database> | Transaction<Database>): SqliteDatabase.Database | undefined {
    const connection = connections.get(db);
    if (connection === undefined) {
        return undefined;
    }
    if (executor.isTransaction) {
        return connection;
    }
    return executor === db && !connection.inTransaction ? connection : undefined;
}

/**
 * A hot SQLite statement prepared once: SQL text that a hot path (event intake, the outbox's claim and
 * completion) runs many times a second, prepared the first time it runs on a connection and reused
 * after that, without building a query (Kysely's building and compiling cost several times what
 * SQLite spends running an intake statement).
 *
 * Contract:
 * - Declare it once, at module level, with `?` placeholders: `new HotStatement<[licence: string], Row>(sql)`.
 * - Run it only on a connection from `directSqlite(db, executor)`, and keep the Kysely query beside it
 *   for when that is undefined (PostgreSQL, or the connection held by another transaction). Both must
 *   mean the same: the repository's tests run them on both engines.
 * - `on(connection)` returns better-sqlite3's Statement (`run`, `get`, `all`); use it synchronously,
 *   never iterate it across an await.
 * - The SQL is plain SQLite SQL; values are bound, never spliced into the text.
 */
export class HotStatement<Params extends unknown[], Row = unknown> {
    readonly #prepared = new WeakMap<SqliteDatabase.Database, SqliteDatabase.Statement<Params, Row>>();

    constructor(readonly source: string) {}

    on(connection: SqliteDatabase.Database): SqliteDatabase.Statement<Params, Row> {
        let statement = this.#prepared.get(connection);
        if (statement === undefined) {
            statement = connection.prepare<Params, Row>(this.source);
            this.#prepared.set(connection, statement);
        }
        return statement;
    }
}
