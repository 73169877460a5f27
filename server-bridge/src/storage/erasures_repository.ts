import {sql, type Transaction} from 'kysely';

import type {ErasureKept, ErasureSource, ErasureStatus} from '../contract/index.js';
import type {Clock} from '../ports/clock.js';

import {StorageError, type DatabaseKind, type Db} from './database.js';
import {directSqlite, HotStatement} from './hot_statement.js';
import type {Database} from './schema.js';

type Executor = Db | Transaction<Database>;

/** Read for every intake event of a conversation (is it erased?). */
const GET = new HotStatement<[licence: string, conversationId: string], Database['erasures']>(
    'select licence, conversation_id, status, source, kept, requested_at, completed_at from erasures where licence = ? and conversation_id = ?');

export interface ErasureRecord {
    licence: string;
    conversationId: string;
    status: ErasureStatus;
    source: ErasureSource;
    kept: ErasureKept[];
    requestedAt: number;
    completedAt: number | null;
}

/** The role of a post in `conversation_posts`. */
export type ConversationPostRole = 'root' | 'direct_message';

/**
 * Erasures of conversations (DESIGN §12) and the posts an erasure must find. Every query takes the
 * licence. `request` is the one way an erasure starts (the event intake and the retention sweep):
 * the (licence, conversation) key makes a second request a no-op, across processes.
 *
 * `scrub` is the one list of personal data the bridge keeps about a conversation: a new table or
 * column holding some must be added there (and to the erasure tests, which check the bytes).
 */
export class ErasuresRepository {
    constructor(private readonly db: Db, private readonly kind: DatabaseKind, private readonly clock: Clock) {}

    async get(licence: string, conversationId: string, executor: Executor = this.db): Promise<ErasureRecord | undefined> {
        const sqlite = directSqlite(this.db, executor);
        if (sqlite) {
            const found = GET.on(sqlite).get(licence, conversationId);
            return found ? toRecord(found) : undefined;
        }
        const row = await executor.selectFrom('erasures').selectAll()
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).executeTakeFirst();
        return row ? toRecord(row) : undefined;
    }

    /** Records an erasure as in progress; false when the conversation already has one (nothing changes). */
    async request(licence: string, conversationId: string, source: ErasureSource, executor: Executor = this.db): Promise<boolean> {
        const row = await executor.insertInto('erasures')
            .values({licence, conversation_id: conversationId, status: 'in_progress', source, kept: '[]', requested_at: this.clock.now(), completed_at: null})
            .onConflict((oc) => oc.columns(['licence', 'conversation_id']).doNothing())
            .returning('conversation_id')
            .executeTakeFirst();
        return row !== undefined;
    }

    /** Adds what could not be deleted (an item with the same `what` and `id` is noted once). */
    async addKept(licence: string, conversationId: string, items: readonly ErasureKept[]): Promise<void> {
        if (items.length === 0) {
            return;
        }
        await this.db.transaction().execute(async (trx) => {
            const current = await this.get(licence, conversationId, trx);
            if (!current) {
                return;
            }
            const kept = [...current.kept];
            for (const item of items) {
                if (!kept.some((known) => known.what === item.what && known.id === item.id)) {
                    kept.push(item);
                }
            }
            await trx.updateTable('erasures').set({kept: JSON.stringify(kept)})
                .where('licence', '=', licence).where('conversation_id', '=', conversationId).execute();
        });
    }

    /** Erasures of a licence, newest first. */
    async list(licence: string, limit = 200): Promise<ErasureRecord[]> {
        const rows = await this.db.selectFrom('erasures').selectAll().where('licence', '=', licence)
            .orderBy('requested_at', 'desc').orderBy('conversation_id').limit(limit).execute();
        return rows.map(toRecord);
    }

    // ---- the posts an erasure deletes

    /** Notes a post made for the conversation (kept as an id after an erasure; repeated notes are one). */
    async notePost(licence: string, conversationId: string, postId: string, role: ConversationPostRole, executor: Executor = this.db): Promise<void> {
        await executor.insertInto('conversation_posts')
            .values({licence, conversation_id: conversationId, post_id: postId, role, created_at: this.clock.now()})
            .onConflict((oc) => oc.columns(['licence', 'post_id']).doNothing())
            .execute();
    }

    async posts(licence: string, conversationId: string): Promise<Array<{postId: string; role: ConversationPostRole}>> {
        const rows = await this.db.selectFrom('conversation_posts').select(['post_id', 'role'])
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).orderBy('created_at').execute();
        return rows.map((row) => ({postId: row.post_id, role: row.role as ConversationPostRole}));
    }

    // ---- retention

    /** Closed conversations of the licence not changed since `before` and not erased yet (oldest first). */
    async closedBefore(licence: string, before: number, limit: number): Promise<string[]> {
        const rows = await this.db.selectFrom('conversations').select('conversation_id')
            .where('licence', '=', licence).where('status', '=', 'closed').where('updated_at', '<', before)
            .where(({not, exists, selectFrom}) => not(exists(selectFrom('erasures').select('erasures.conversation_id')
                .whereRef('erasures.licence', '=', 'conversations.licence')
                .whereRef('erasures.conversation_id', '=', 'conversations.conversation_id'))))
            .orderBy('updated_at').limit(limit).execute();
        return rows.map((row) => row.conversation_id);
    }

    // ---- the scrub

    /**
     * Removes the conversation's personal data from the bridge's tables and marks the erasure
     * finished, in one transaction (so the erasure reads "done" only once everything is gone). Kept: ids (conversation, messages, posts, event ids), the short number, the erasure
     * record. Removed: the context (visitor name and e-mail, page, locale, booking, assignee name
     * and e-mail), messages' edited texts waiting to be shown, every outbox row of the conversation but `keepJobId` (event bodies with texts and
     * attachments, agents' replies with their authors' e-mails, action callbacks and notes); a row
     * still being worked on elsewhere keeps only an empty payload.
     */
    async scrub(licence: string, conversationId: string, keepJobId: number): Promise<void> {
        await this.db.transaction().execute((trx) => this.#scrub(licence, conversationId, keepJobId, trx));
    }

    async #scrub(licence: string, conversationId: string, keepJobId: number, trx: Transaction<Database>): Promise<void> {
        const now = this.clock.now();
        // Nobody waits on an erased conversation any more (DESIGN §11's waiting spell ends; no reminder counts it).
        await trx.updateTable('conversations').set({context: '{}', status: 'erased', waiting_since: null, updated_at: now})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).execute();
        await trx.updateTable('messages').set({edited_text: null})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).execute();
        await trx.deleteFrom('outbox')
            .where('licence', '=', licence).where('conversation_id', '=', conversationId)
            .where('id', '<>', keepJobId).where('status', '<>', 'in_flight').execute();
        await trx.updateTable('outbox').set({payload: '{}', last_error: null})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId)
            .where('id', '<>', keepJobId).execute();
        const current = await this.get(licence, conversationId, trx);
        await trx.updateTable('erasures')
            .set({status: (current?.kept.length ?? 0) > 0 ? 'partial' : 'done', completed_at: now})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).execute();
    }

    /** Empties one job's payload (a job of an erased conversation that was skipped), in its completion. */
    async emptyJobPayload(jobId: number, trx: Transaction<Database>): Promise<void> {
        await trx.updateTable('outbox').set({payload: '{}'}).where('id', '=', jobId).execute();
    }

    /**
     * Makes deleted bytes unreadable in the database files, after a scrub committed. SQLite
     * (secure_delete is on, so freed cells and pages are zeroed) truncates its WAL, whose older
     * frames still hold the pages as they were. PostgreSQL rewrites the tables a scrub changes
     * (VACUUM FULL: a plain VACUUM leaves removed row versions' bytes in the pages' free space);
     * this locks them for the rewrite, which grows with the outbox (delivered jobs are kept 14
     * days). Concurrent callers share one run: a call waits for a run that started after it.
     */
    reclaim(): Promise<void> {
        if (!this.#reclaiming) {
            this.#reclaiming = this.#reclaimNow().finally(() => {
                this.#reclaiming = undefined;
            });
            return this.#reclaiming;
        }
        this.#reclaimAgain ??= this.#reclaiming.catch(() => undefined).then(() => {
            this.#reclaimAgain = undefined;
            return this.reclaim();
        });
        return this.#reclaimAgain;
    }

    #reclaiming: Promise<void> | undefined;
    #reclaimAgain: Promise<void> | undefined;

    async #reclaimNow(): Promise<void> {
        if (this.kind === 'sqlite') {
            // The WAL checkpointer's worker may be copying pages (it holds the checkpoint lock, and
            // SQLite answers busy rather than wait for it): again until the WAL is emptied.
            for (let attempt = 1; ; attempt++) {
                const {rows} = await sql<{busy: number}>`pragma wal_checkpoint(TRUNCATE)`.execute(this.db);
                if (!rows[0]?.busy) {
                    return;
                }
                if (attempt >= 500) {
                    throw new StorageError('the WAL could not be emptied: the database stayed busy for 5 s');
                }
                await new Promise((resolve) => setTimeout(resolve, 10));
            }
        } else {
            await sql`vacuum full conversations, messages, outbox`.execute(this.db);
        }
    }
}

function toRecord(row: Database['erasures']): ErasureRecord {
    return {
        licence: row.licence,
        conversationId: row.conversation_id,
        status: row.status as ErasureStatus,
        source: row.source as ErasureSource,
        kept: JSON.parse(row.kept) as ErasureKept[],
        requestedAt: Number(row.requested_at),
        completedAt: row.completed_at === null ? null : Number(row.completed_at),
    };
}
