import {sql, type Transaction} from 'kysely';

import type {Clock} from '../ports/clock.js';

import type {Db} from './database.js';
import {directSqlite, HotStatement} from './hot_statement.js';
import type {Database} from './schema.js';

type Executor = Db | Transaction<Database>;

// Without RETURNING (as events_repository's RECORD): rows inserted, 1 or 0 for a repeat.
const INSERT_QUEUED = new HotStatement<[licence: string, conversationId: string, messageId: string, createdAt: number]>(
    'insert into messages (licence, conversation_id, message_id, post_ids, delivered_at, created_at) values (?, ?, ?, null, null, ?)'
    + ' on conflict (licence, conversation_id, message_id) do nothing');
const RECORD_EDIT = new HotStatement<[text: string, editedAt: number, licence: string, conversationId: string, messageId: string, editedAt: number], {message_id: string}>(
    'update messages set edited_text = ?, edited_at = ? where licence = ? and conversation_id = ? and message_id = ?'
    + ' and deleted_at is null and (edited_at is null or edited_at <= ?) returning message_id');
const RECORD_DELETION = new HotStatement<[deletedAt: number, licence: string, conversationId: string, messageId: string], {message_id: string}>(
    'update messages set deleted_at = ?, edited_text = null where licence = ? and conversation_id = ? and message_id = ? and deleted_at is null returning message_id');

export interface MessageRecord {
    licence: string;
    conversationId: string;
    messageId: string;
    /** The posts that carry the message, in order, once delivered. */
    postIds: string[];
    deliveredAt: number | null;
    createdAt: number;
    /** The latest text i-Reserve edited the message to; null while it reads as sent. */
    editedText: string | null;
    /** i-Reserve's time of that edit (ms). */
    editedAt: number | null;
    /** When i-Reserve deleted the message (ms). */
    deletedAt: number | null;
}

/** What became of an edit or a deletion i-Reserve sent: recorded, or why not. */
export type ChangeOutcome = 'recorded' | 'unknown_message' | 'already_deleted' | 'stale_edit';

/** What the ledger knows of one post the bridge makes. */
export interface PostIntent {
    /** Set once Mattermost confirmed the post. */
    postId: string | null;
    /** When the first attempt to create it started. */
    startedAt: number;
}

const INTENT_PREFIX = 'outbound.post:';

// The delivery path's statements on SQLite, prepared once (storage/hot_statement.ts); each has its Kysely query beside it.
const GET_MESSAGE = new HotStatement<[licence: string, conversationId: string, messageId: string], Database['messages']>(
    'select * from messages where licence = ? and conversation_id = ? and message_id = ?');
const MARK_DELIVERED = new HotStatement<[postIds: string, deliveredAt: number, licence: string, conversationId: string, messageId: string]>(
    'update messages set post_ids = ?, delivered_at = ? where licence = ? and conversation_id = ? and message_id = ?');
const GET_INTENT = new HotStatement<[licence: string, key: string], {value: string}>('select value from kv where licence = ? and key = ?');

/**
 * Conversation messages (the message↔post link and the per-conversation `message_id`
 * idempotency key), and the **post ledger** that makes posting exactly-once as users see it.
 *
 * The ledger (rows in `kv`, key `outbound.post:<intent key>`) is written *before* a post is
 * created ("started") and again when Mattermost confirms it (its post id). A delivery that finds a
 * started intent without a post id cannot know whether the earlier attempt reached Mattermost
 * (the process may have died between "posted" and "recorded"), so it reconciles against
 * Mattermost before posting again. Every query takes the licence.
 */
export class MessagesRepository {
    constructor(private readonly db: Db, private readonly clock: Clock) {}

    /** Records a queued message; false when this message id is already known in the conversation. */
    async insertQueued(licence: string, conversationId: string, messageId: string, executor: Executor = this.db): Promise<boolean> {
        const sqlite = directSqlite(this.db, executor);
        if (sqlite) {
            return INSERT_QUEUED.on(sqlite).run(licence, conversationId, messageId, this.clock.now()).changes === 1;
        }
        const row = await executor.insertInto('messages')
            .values({licence, conversation_id: conversationId, message_id: messageId, post_ids: null, delivered_at: null, created_at: this.clock.now()})
            .onConflict((oc) => oc.columns(['licence', 'conversation_id', 'message_id']).doNothing())
            .returning('message_id')
            .executeTakeFirst();
        return row !== undefined;
    }

    async get(licence: string, conversationId: string, messageId: string): Promise<MessageRecord | undefined> {
        const connection = directSqlite(this.db, this.db);
        if (connection) {
            const found = GET_MESSAGE.on(connection).get(licence, conversationId, messageId);
            return found ? toRecord(found) : undefined;
        }
        const row = await this.db.selectFrom('messages').selectAll()
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).where('message_id', '=', messageId)
            .executeTakeFirst();
        return row ? toRecord(row) : undefined;
    }

    /** Messages of a conversation, oldest first. */
    async list(licence: string, conversationId: string): Promise<MessageRecord[]> {
        const rows = await this.db.selectFrom('messages').selectAll()
            .where('licence', '=', licence).where('conversation_id', '=', conversationId)
            .orderBy('created_at').orderBy('message_id').execute();
        return rows.map(toRecord);
    }

    /**
     * Marks the message delivered with its posts and forgets the ledger entries of the job that
     * delivered it (under `intentPrefix`; skipped with `forgetIntents: false` when the delivery
     * wrote and found none); run it in one transaction (the job's completion): afterwards the
     * message row is the record.
     */
    async markDelivered(licence: string, conversationId: string, messageId: string, postIds: readonly string[], intentPrefix: string,
        trx: Transaction<Database>, options: {forgetIntents?: boolean} = {}): Promise<void> {
        const connection = directSqlite(this.db, trx);
        if (connection) {
            MARK_DELIVERED.on(connection).run(JSON.stringify(postIds), this.clock.now(), licence, conversationId, messageId);
        } else {
            await trx.updateTable('messages')
                .set({post_ids: JSON.stringify(postIds), delivered_at: this.clock.now()})
                .where('licence', '=', licence).where('conversation_id', '=', conversationId).where('message_id', '=', messageId)
                .execute();
        }
        if (options.forgetIntents ?? true) {
            await this.forgetIntents(licence, intentPrefix, trx);
        }
    }

    /**
     * Records an edit on the message row (in the intake transaction): the new text waits there until
     * the posts show it. An edit older than the one recorded (`editedAt`) changes nothing
     * (`stale_edit`); so does an edit of a deleted or unknown message. Atomic: a conditional update.
     */
    async recordEdit(licence: string, conversationId: string, messageId: string, text: string, editedAt: number, executor: Executor = this.db): Promise<ChangeOutcome> {
        const sqlite = directSqlite(this.db, executor);
        if (sqlite) {
            return RECORD_EDIT.on(sqlite).get(text, editedAt, licence, conversationId, messageId, editedAt)
                ? 'recorded' : this.#whyNot(licence, conversationId, messageId, executor, 'stale_edit');
        }
        const row = await executor.updateTable('messages')
            .set({edited_text: text, edited_at: editedAt})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).where('message_id', '=', messageId)
            .where('deleted_at', 'is', null)
            .where((eb) => eb.or([eb('edited_at', 'is', null), eb('edited_at', '<=', editedAt)]))
            .returning('message_id')
            .executeTakeFirst();
        return row ? 'recorded' : this.#whyNot(licence, conversationId, messageId, executor, 'stale_edit');
    }

    /** Records a deletion (in the intake transaction); the edited text, if any, is dropped with it. */
    async recordDeletion(licence: string, conversationId: string, messageId: string, executor: Executor = this.db): Promise<ChangeOutcome> {
        const sqlite = directSqlite(this.db, executor);
        if (sqlite) {
            return RECORD_DELETION.on(sqlite).get(this.clock.now(), licence, conversationId, messageId)
                ? 'recorded' : this.#whyNot(licence, conversationId, messageId, executor, 'already_deleted');
        }
        const row = await executor.updateTable('messages')
            .set({deleted_at: this.clock.now(), edited_text: null})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).where('message_id', '=', messageId)
            .where('deleted_at', 'is', null)
            .returning('message_id')
            .executeTakeFirst();
        return row ? 'recorded' : this.#whyNot(licence, conversationId, messageId, executor, 'already_deleted');
    }

    async #whyNot(licence: string, conversationId: string, messageId: string, executor: Executor, otherwise: ChangeOutcome): Promise<ChangeOutcome> {
        const row = await executor.selectFrom('messages').select('deleted_at')
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).where('message_id', '=', messageId)
            .executeTakeFirst();
        if (!row) {
            return 'unknown_message';
        }
        return row.deleted_at !== null ? 'already_deleted' : otherwise;
    }

    /**
     * The posts that carry a delivered message after an edit re-split it, and forgets the ledger
     * entries of the job that did it (under `intentPrefix`); run it in the job's completion.
     */
    async replacePosts(licence: string, conversationId: string, messageId: string, postIds: readonly string[], intentPrefix: string, trx: Transaction<Database>): Promise<void> {
        await trx.updateTable('messages')
            .set({post_ids: JSON.stringify(postIds)})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).where('message_id', '=', messageId)
            .execute();
        await this.forgetIntents(licence, intentPrefix, trx);
    }

    // ---- the post ledger

    async intent(licence: string, key: string): Promise<PostIntent | undefined> {
        const connection = directSqlite(this.db, this.db);
        const row = connection
            ? GET_INTENT.on(connection).get(licence, INTENT_PREFIX + key)
            : await this.db.selectFrom('kv').select('value').where('licence', '=', licence).where('key', '=', INTENT_PREFIX + key).executeTakeFirst();
        if (!row) {
            return undefined;
        }
        const value = JSON.parse(row.value) as {post_id?: string | null; started_at?: number};
        return {postId: value.post_id ?? null, startedAt: Number(value.started_at ?? 0)};
    }

    /** Notes that a post is about to be created (kept if already noted); returns the time noted. */
    async startIntent(licence: string, key: string): Promise<number> {
        const now = this.clock.now();
        await this.db.insertInto('kv')
            .values({licence, key: INTENT_PREFIX + key, value: JSON.stringify({post_id: null, started_at: now}), updated_at: now})
            .onConflict((oc) => oc.columns(['licence', 'key']).doNothing())
            .execute();
        return now;
    }

    /** Records the post that fulfils the intent. */
    async completeIntent(licence: string, key: string, postId: string, startedAt: number): Promise<void> {
        const now = this.clock.now();
        const value = JSON.stringify({post_id: postId, started_at: startedAt});
        await this.db.insertInto('kv')
            .values({licence, key: INTENT_PREFIX + key, value, updated_at: now})
            .onConflict((oc) => oc.columns(['licence', 'key']).doUpdateSet({value, updated_at: now}))
            .execute();
    }

    /**
     * Forgets ledger entries of this licence not touched for `olderThanMs` (those of notifications,
     * which have no other record, and leftovers of crashed attempts). Returns how many.
     */
    async forgetIntentsOlderThan(licence: string, olderThanMs: number): Promise<number> {
        const result = await this.db.deleteFrom('kv').where('licence', '=', licence)
            .where(sql<boolean>`substr(${sql.ref('key')}, 1, ${INTENT_PREFIX.length}) = ${INTENT_PREFIX}`)
            .where('updated_at', '<', this.clock.now() - olderThanMs)
            .executeTakeFirst();
        return Number(result.numDeletedRows);
    }

    /** Forgets every ledger entry whose key starts with `prefix`. */
    async forgetIntents(licence: string, prefix: string, executor: Executor = this.db): Promise<void> {
        const full = INTENT_PREFIX + prefix;
        // substr() rather than LIKE: no wildcard escaping, and no collation-dependent ranges.
        await executor.deleteFrom('kv').where('licence', '=', licence)
            .where(sql<boolean>`substr(${sql.ref('key')}, 1, ${full.length}) = ${full}`)
            .execute();
    }
}

function toRecord(row: Database['messages']): MessageRecord {
    return {
        licence: row.licence,
        conversationId: row.conversation_id,
        messageId: row.message_id,
        postIds: row.post_ids ? JSON.parse(row.post_ids) as string[] : [],
        deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
        createdAt: Number(row.created_at),
        editedText: row.edited_text ?? null,
        editedAt: row.edited_at === null || row.edited_at === undefined ? null : Number(row.edited_at),
        deletedAt: row.deleted_at === null || row.deleted_at === undefined ? null : Number(row.deleted_at),
    };
}
