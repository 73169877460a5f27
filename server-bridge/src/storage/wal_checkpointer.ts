import {createRequire} from 'node:module';
import {Worker} from 'node:worker_threads';

import type SqliteDatabase from 'better-sqlite3';

export interface WalCheckpointerOptions {
    /** How often the worker checkpoints (ms). */
    intervalMs?: number;
    /**
     * The WAL file's bound (`journal_size_limit`). When the WAL holds more than half of it, the
     * connection's own thread completes a checkpoint between two transactions, so that its next
     * transaction starts the WAL over, in place.
     */
    limitBytes?: number;
    /** Told once when the worker failed and the connection checkpoints itself again. */
    onFailure?(error: Error): void;
}

/**
 * The worker's code (CommonJS, run with `eval`, so that it loads the same way from `src/` under tsx
 * and from `dist/`). It opens its own connection to the file and, every `intervalMs`:
 * - checkpoints PASSIVE: syncs the WAL, copies committed pages into the database file without
 *   waiting for or blocking the writer. SQLite syncs the database file only in a checkpoint that
 *   copied every frame, which a writer that keeps committing never lets this thread reach: so the
 *   worker syncs the copied pages itself (its own descriptor of the same file), and the checkpoint
 *   that completes has only the newest pages left to sync;
 * - when the WAL then holds more than `restartBytes` (half the limit), syncs the frames written
 *   since that checkpoint, posts `restart` and pauses until `resume`: the connection's thread
 *   completes the checkpoint (only the frames of the last moments left to copy and sync), and its
 *   next transaction writes the WAL from the start again, over the same file.
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
const frameBytes = db.pragma('page_size', {simple: true}) + 24;
const files = {db: workerData.file, wal: workerData.file + '-wal'};
const descriptors = {};
/** fdatasync of one of the database's files through this thread's own descriptor (opened once). */
function flush(which) {
    try {
        descriptors[which] ??= fs.openSync(files[which], 'r+');
    } catch (error) {
        if (error.code === 'ENOENT') {
            return;
        }
        throw error;
    }
    fs.fdatasyncSync(descriptors[which]);
}
let paused = false;
// What the last checkpoint found (frames in the WAL, frames copied): the same twice, nothing new.
let last = {log: 0, checkpointed: 0};
const timer = setInterval(() => {
    if (paused) {
        return;
    }
    let result;
    try {
        [result] = db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
        if (error.code !== 'SQLITE_BUSY' && error.code !== 'SQLITE_LOCKED') {
            throw error;
        }
        return;
    }
    const written = result.log !== last.log;
    if (result.checkpointed !== last.checkpointed) {
        flush('db');
    }
    last = result;
    // Past the threshold, and written since the last look (an idle WAL starts over at the next write).
    if (written && result.log * frameBytes > workerData.restartBytes) {
        flush('wal');
        paused = true;
        parentPort.postMessage('restart');
    }
}, workerData.intervalMs);
parentPort.postMessage('ready');
parentPort.on('message', (message) => {
    if (message === 'resume') {
        paused = false;
    } else if (message === 'close') {
        clearInterval(timer);
        for (const fd of Object.values(descriptors)) {
            fs.closeSync(fd);
        }
        db.close();
        parentPort.postMessage('closed');
    }
});
`;

interface CheckpointResult {
    busy: number;
    log: number;
    checkpointed: number;
}

/** A checkpoint that copied every frame of the WAL (`log`: frames in it, `checkpointed`: copied). */
function complete([result]: CheckpointResult[]): boolean {
    return result !== undefined && result.busy === 0 && result.checkpointed === result.log;
}

/**
 * Checkpoints a SQLite database in WAL mode from a worker thread, so that no commit on the event loop
 * pays for a checkpoint (with SQLite's automatic checkpoints, the commit that crossed 1,000 pages
 * copied them into the database file and synced it, on the request path: intake's slowest answers).
 * The connection's automatic checkpoints are turned off while the worker runs, and back on if the
 * worker fails. The WAL stays bounded without being emptied: a writer that commits again before any
 * checkpoint on another thread completes never lets the WAL start over, so when it holds more than
 * half of `limitBytes` this thread completes the checkpoint between two transactions (the worker
 * copied and synced nearly everything: what is left is a few milliseconds of frames and one sync of
 * each file), and the next transaction writes the WAL from its start again. The file keeps its size
 * (at most `limitBytes`, `journal_size_limit`): no truncation and no new blocks to allocate, which
 * on ext4 cost more than the checkpoint itself. Durability is unchanged (a checkpoint only copies
 * committed pages; the extra syncs only write earlier what SQLite would sync later).
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
        const limitBytes = options.limitBytes ?? 64 * 1024 * 1024;
        this.#connection = connection;
        connection.pragma(`journal_size_limit = ${Math.floor(limitBytes)}`);
        connection.pragma('wal_autocheckpoint = 0');
        const driver = createRequire(import.meta.url).resolve('better-sqlite3');
        this.#worker = new Worker(WORKER, {eval: true, workerData: {file, driver, intervalMs, restartBytes: limitBytes / 2}});
        // An idle process may exit: the worker does not keep it alive.
        this.#worker.unref();
        this.ready = new Promise<void>((resolve) => {
            this.#worker.once('message', () => resolve());
            this.#worker.once('error', () => resolve());
            this.#worker.once('exit', () => resolve());
        });
        this.#worker.on('message', (message) => {
            if (message === 'restart') {
                this.#completeSoon();
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

    #completing = false;

    /**
     * Completes a checkpoint from this thread at the first moment no transaction is open on the
     * connection (PASSIVE: never waits for a lock; complete when every frame was copied), then lets
     * the worker go on. The connection's next write transaction starts the WAL over.
     */
    #completeSoon(): void {
        if (this.#completing) {
            return;
        }
        this.#completing = true;
        const attempt = (): void => {
            if (this.#closed || !this.#connection.open) {
                this.#completing = false;
            } else if (this.#connection.inTransaction) {
                setTimeout(attempt, 1);
            } else if (!complete(this.#connection.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[])) {
                // Not every frame copied (a statement of this connection still reading an older
                // snapshot, or another checkpoint holding the lock): again shortly.
                setTimeout(attempt, 2);
            } else {
                this.#completing = false;
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
