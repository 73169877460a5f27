import fs from 'node:fs';
import path from 'node:path';

import SqliteDatabase from 'better-sqlite3';
import {Kysely, Migrator, PostgresDialect, SqliteDialect, sql} from 'kysely';
import pg from 'pg';

import type {DatabaseConfig} from '../config/config.js';
import {ensureWritableDir} from '../support/writable_dir.js';

import {registerSqliteConnection} from './hot_statement.js';
import {migrations, StaticMigrationProvider} from './migrations.js';
import {WalCheckpointer} from './wal_checkpointer.js';
import {registerSqliteTransactions} from './write_transaction.js';
import type {Database} from './schema.js';

export type DatabaseKind = 'sqlite' | 'postgres';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
    readonly db: Db;
    readonly kind: DatabaseKind;
    /** Resolves when the database answers a trivial query; throws otherwise. */
    ping(): Promise<void>;
    close(): Promise<void>;
}

export class StorageError extends Error {
    override name = 'StorageError';
}

// PostgreSQL returns BIGINT as strings by default; every BIGINT of ours is a millisecond time or an
// id far below 2^53, so numbers are exact.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * Kysely prepares a statement for every query; better-sqlite3 statements can be run again, so the
 * same SQL text gets the same prepared statement (bounded, least recently used out first). A
 * statement still being iterated (`busy`) is never handed out twice. In the benchmarks preparing was
 * 11-14 % of the bridge's CPU; with the cache an intake transaction costs ~30 % less.
 */
function withStatementCache(db: SqliteDatabase.Database, max = 500): SqliteDatabase.Database {
    const cache = new Map<string, SqliteDatabase.Statement>();
    const prepare = (source: string): SqliteDatabase.Statement => {
        const hit = cache.get(source);
        if (hit && !hit.busy) {
            cache.delete(source);
            cache.set(source, hit);
            return hit;
        }
        const statement = db.prepare(source);
        cache.set(source, statement);
        if (cache.size > max) {
            cache.delete(cache.keys().next().value!);
        }
        return statement;
    };
    return new Proxy(db, {
        get(target, property) {
            if (property === 'prepare') {
                return prepare;
            }
            const value = Reflect.get(target, property, target) as unknown;
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
    });
}

function openSqlite(file: string): {db: Db; checkpointer: WalCheckpointer} {
    const dir = path.dirname(path.resolve(file));
    try {
        ensureWritableDir(dir);
    } catch (error) {
        throw new StorageError(`the data directory ${dir} cannot be created or is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    let sqlite: SqliteDatabase.Database;
    try {
        makePrivate(file);
        sqlite = new SqliteDatabase(file);
    } catch (error) {
        throw new StorageError(`cannot open the SQLite file ${file}: ${(error as Error).message}`);
    }
    // WAL + synchronous=NORMAL: a committed transaction survives a crash or SIGKILL of the process
    // (the durability the outbox relies on); only an OS crash or power loss may drop the newest commits.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    // Deleted content is overwritten with zeros, freed pages included: an erased conversation's
    // text must not survive in the file's free space (DESIGN §12; ErasuresRepository.reclaim
    // truncates the WAL, whose older frames hold earlier versions of the pages).
    sqlite.pragma('secure_delete = ON');
    // SQLite's page cache, at most 4 MiB (better-sqlite3 builds SQLite with 16 MiB per connection).
    // The hot pages (the outbox's waiting jobs, the tables' newest rows) fit many times over; the
    // rest is in the operating system's file cache. In the benchmark this kept 10-12 MB off the
    // RSS at the same CPU time per event (issue 20).
    sqlite.pragma('cache_size = -4096');
    // Checkpoints run on a worker thread, not inside a commit on the request path (the WAL stays
    // bounded: see WalCheckpointer).
    const checkpointer = new WalCheckpointer(sqlite, file);
    const dialect = new SqliteDialect({database: withStatementCache(sqlite)});
    const db = new Kysely<Database>({dialect});
    registerSqliteConnection(db, sqlite);
    registerSqliteTransactions(db, sqlite, dialect);
    return {db, checkpointer};
}

/**
 * The database holds guests' messages: its file is created readable by the bridge's user only
 * (0600), and an older file is narrowed to that. SQLite creates the -wal and -shm files with the
 * main file's mode; existing ones are narrowed too (DESIGN §14).
 */
function makePrivate(file: string): void {
    fs.closeSync(fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600));
    for (const part of [file, `${file}-wal`, `${file}-shm`]) {
        try {
            if ((fs.statSync(part).mode & 0o077) !== 0) {
                fs.chmodSync(part, 0o600);
            }
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
                throw error;
            }
        }
    }
}

function openPostgres(url: string): Db {
    const pool = new pg.Pool({connectionString: url, max: 10});
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    return new Kysely<Database>({dialect: new PostgresDialect({pool})});
}

/** Opens the database and brings its schema up to date. Throws StorageError with a readable reason. */
export async function openDatabase(config: DatabaseConfig): Promise<DatabaseHandle> {
    const {db, checkpointer} = config.kind === 'sqlite' ? openSqlite(config.file) : {db: openPostgres(config.url), checkpointer: undefined};
    const handle: DatabaseHandle = {
        db,
        kind: config.kind,
        async ping() {
            await sql`select 1`.execute(db);
        },
        async close() {
            // The worker's connection first: the last connection closed checkpoints and removes the WAL.
            await checkpointer?.close();
            await db.destroy();
        },
    };
    try {
        await handle.ping();
    } catch (error) {
        await handle.close().catch(() => undefined);
        throw new StorageError(`cannot reach the database: ${(error as Error).message}`);
    }
    const migrator = new Migrator({db, provider: new StaticMigrationProvider(migrations(config.kind))});
    const {error} = await migrator.migrateToLatest();
    if (error) {
        await handle.close().catch(() => undefined);
        throw new StorageError(`database migration failed: ${(error as Error).message}`);
    }
    return handle;
}
