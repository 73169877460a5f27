import type {Transaction} from 'kysely';

import type {Db} from './database.js';
import type {Database} from './schema.js';
import {writeTransaction} from './write_transaction.js';

interface Waiting<T, R> {
    item: T;
    resolve(result: R): void;
    reject(error: unknown): void;
}

/**
 * Group commit: items submitted while a group is being written, or in the same turn of the event
 * loop, are written together in ONE write transaction (`writeTransaction`), at most `maxGroup` per
 * transaction; each `submit` resolves only after its group committed. A commit — writing the WAL —
 * is most of what a small write costs, so one commit for many items is most of the saving.
 *
 * When a group's transaction fails, nothing of it is kept and each of its items is written again
 * alone (`alone`, by default its own `writeTransaction`), so the item that broke the group fails by
 * itself and the others succeed. A group of one is written alone directly. `afterGroup` runs once per
 * group after its items are settled (e.g. to wake a worker for what was queued). Never throws
 * outside a `submit`'s own promise.
 */
export class GroupCommit<T, R> {
    readonly #queue: Waiting<T, R>[] = [];
    #writing = false;

    constructor(private readonly options: {
        db: Db;
        maxGroup: number;
        /** Writes one item inside the group's transaction. */
        write: (trx: Transaction<Database>, item: T) => Promise<R>;
        /** Writes one item on its own; default: `write` in a transaction of its own. */
        alone?: (item: T) => Promise<R>;
        /** After each group, with the results when the group committed whole (undefined when its items were written alone). */
        afterGroup?: (results: R[] | undefined) => void;
    }) {}

    submit(item: T): Promise<R> {
        return new Promise<R>((resolve, reject) => {
            this.#queue.push({item, resolve, reject});
            if (!this.#writing) {
                this.#writing = true;
                // Let what else arrives in this turn of the event loop join the group.
                setImmediate(() => void this.#drain());
            }
        });
    }

    async #drain(): Promise<void> {
        const {db, maxGroup, write, afterGroup} = this.options;
        const alone = this.options.alone ?? ((item: T) => writeTransaction(db, (trx) => write(trx, item)));
        while (this.#queue.length > 0) {
            const group = this.#queue.splice(0, maxGroup);
            let results: R[] | undefined;
            if (group.length > 1) {
                try {
                    results = await writeTransaction(db, async (trx) => {
                        const out: R[] = [];
                        for (const waiting of group) {
                            out.push(await write(trx, waiting.item));
                        }
                        return out;
                    });
                } catch {
                    results = undefined; // each alone, below
                }
            }
            if (results) {
                group.forEach((waiting, index) => waiting.resolve(results[index]!));
            } else {
                for (const waiting of group) {
                    try {
                        waiting.resolve(await alone(waiting.item));
                    } catch (error) {
                        waiting.reject(error);
                    }
                }
            }
            afterGroup?.(results);
        }
        this.#writing = false;
    }
}
