import {createRequire} from 'node:module';
import {Worker} from 'node:worker_threads';

import type SqliteDatabase from 'better-sqlite3';

export interface WalCheckpointerOptions {
    /** How often the worker checkpoints (ms). */
    intervalMs?: number;
    /** Past this size, after a PASSIVE checkpoint, the connection's own thread empties the WAL (TRUNCATE). */
    limitBytes?: number;
    /** Told once when the worker failed and the connection checkpoints itself again. */
    onFailure?(error: Error): void;
}

/**
 * The worker's code (CommonJS, run with `eval`, so that it loads the same way from `src/` under tsx
 * and from `dist/`). It opens its own connection to the file and, every `intervalMs`:
 * - checkpoints PASSIVE: copies committed pages into the database file without waiting for or
 *   blocking the writer, and syncs the file; once every frame is copied, the writer starts the WAL
 *   over on its next commit (and cuts the file to `journal_size_limit`);
 * - when the WAL file is still past `limitBytes` after that (a writer that commits again before any
 *   checkpoint completes never starts the WAL over), posts `over_limit` and pauses until `resume`,
 *   leaving the checkpoint lock to the connection's thread, which then has only the frames written
 *   since this checkpoint left to copy.
 * It posts `ready` once its connection is open, and answers `close` by closing its connection
 * and posting `closed`. Any error but a busy database ends it (the connection then checkpoints itself).
 */
const WORKER = `
const {parentPort, workerData} = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.file, {fileMustExist: true});
db.pragma('busy_timeout = 5000');
// A checkpoint copies WAL frames without the page cache: keep this connection's cache small.
db.pragma('cache_size = -256');
const wal = workerData.file + '-wal';
function walBytes() {
    try { return fs.statSync(wal).size; } catch { return 0; }
}
let paused = false;
const timer = setInterval(() => {
    if (paused) {
        return;
    }
    try {
        db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
        if (error.code !== 'SQLITE_BUSY' && error.code !== 'SQLITE_LOCKED') {
            throw error;
        }
    }
    if (walBytes() > workerData.limitBytes) {
        paused = true;
        parentPort.postMessage('over_limit');
    }
}, workerData.intervalMs);
parentPort.postMessage('ready');
parentPort.on('message', (message) => {
    if (message === 'resume') {
        paused = false;
    } else if (message === 'close') {
        clearInterval(timer);
        db.close();
        parentPort.postMessage('closed');
    }
});
`;

/**
 * Checkpoints a SQLite database in WAL mode from a worker thread, so that no commit on the event loop
 * pays for a checkpoint (with SQLite's automatic checkpoints, the commit that crossed 1,000 pages
 * copied them into the database file and synced it, on the request path: intake's slowest answers).
 * The connection's automatic checkpoints are turned off while the worker runs, and back on if the
 * worker fails. The WAL stays bounded: PASSIVE checkpoints let the writer start the WAL over, the
 * file is cut to `limitBytes` when that happens (`journal_size_limit`), and when the WAL is past
 * `limitBytes` all the same (writes without a gap: a checkpoint on another thread never catches up
 * with them, nor wins the lock for a TRUNCATE) this thread empties it between two transactions
 * (TRUNCATE: most pages were already copied by the worker). Durability is unchanged (a checkpoint
 * only copies committed pages).
 */
export class WalCheckpointer {
    readonly #worker: Worker;
    readonly #connection: SqliteDatabase.Database;
    #closed = false;
    #exited = false;
    /** Resolves once the worker has opened its connection (or failed). */
    readonly ready: Promise<void>;

    constructor(connection: SqliteDatabase.Database, file: string, options: WalCheckpointerOptions = {}) {
        const intervalMs = options.intervalMs ?? 200;
        const limitBytes = options.limitBytes ?? 16 * 1024 * 1024;
        this.#connection = connection;
        connection.pragma(`journal_size_limit = ${Math.floor(limitBytes)}`);
        connection.pragma('wal_autocheckpoint = 0');
        const driver = createRequire(import.meta.url).resolve('better-sqlite3');
        this.#worker = new Worker(WORKER, {eval: true, workerData: {file, driver, intervalMs, limitBytes}});
        // An idle process may exit: the worker does not keep it alive.
        this.#worker.unref();
        this.ready = new Promise<void>((resolve) => {
            this.#worker.once('message', () => resolve());
            this.#worker.once('error', () => resolve());
            this.#worker.once('exit', () => resolve());
        });
        this.#worker.on('message', (message) => {
            if (message === 'over_limit') {
                this.#truncateSoon();
            }
        });
        const failed = (error: Error): void => {
            if (!this.#closed && connection.open && connection.pragma('wal_autocheckpoint', {simple: true}) === 0) {
                connection.pragma('wal_autocheckpoint = 1000');
                options.onFailure?.(error);
            }
        };
        this.#worker.on('error', failed);
        this.#worker.on('exit', (code) => {
            this.#exited = true;
            failed(new Error(`the WAL checkpointer's worker exited (${code})`));
        });
    }

    #truncating = false;

    /** Empties the WAL from this thread at the first moment no transaction is open on the connection. */
    #truncateSoon(): void {
        if (this.#truncating) {
            return;
        }
        this.#truncating = true;
        const attempt = (): void => {
            if (this.#closed || !this.#connection.open) {
                this.#truncating = false;
            } else if (this.#connection.inTransaction) {
                setTimeout(attempt, 1);
            } else if ((this.#connection.pragma('wal_checkpoint(TRUNCATE)') as Array<{busy: number}>)[0]?.busy) {
                // Another checkpoint holds the lock: again once it is done.
                setTimeout(attempt, 2);
            } else {
                this.#truncating = false;
                this.#worker.postMessage('resume');
            }
        };
        setImmediate(attempt);
    }

    /** Stops the worker and closes its connection; the database's own connection checkpoints by itself again. */
    async close(): Promise<void> {
        if (this.#closed) {
            return;
        }
        this.#closed = true;
        if (!this.#exited) {
            // Kept alive until the worker answered (it is unref'd while it runs).
            this.#worker.ref();
            const closed = new Promise<void>((resolve) => {
                const done = (): void => resolve();
                this.#worker.on('message', (message) => {
                    if (message === 'closed') {
                        done();
                    }
                });
                this.#worker.once('exit', done);
            });
            this.#worker.postMessage('close');
            await closed;
            await this.#worker.terminate();
        }
        if (this.#connection.open) {
            this.#connection.pragma('wal_autocheckpoint = 1000');
        }
    }
}
