import {sql, type Transaction} from 'kysely';

import type {Clock} from '../ports/clock.js';

import type {Db} from './database.js';
import {directSqlite, HotStatement} from './hot_statement.js';
import type {Database} from './schema.js';

/** What the bridge knows of a conversation: its root post link and its latest context. */
export interface ConversationRecord {
    licence: string;
    conversationId: string;
    channelId: string | null;
    rootPostId: string | null;
    /** Free-form context as last reported by i-Reserve (visitor, page_url, status, assignee, ...). */
    context: Record<string, unknown>;
    status: string;
    /** Short number per licence (`#17`), given when the root is made (ensureNumber); null before. */
    number: number | null;
    /** Since when the guest waits for an answer (DESIGN §11); null when nobody waits. See WaitingRepository. */
    waitingSince: number | null;
    /**
     * What the root post last showed of the waiting state: a spell's start, 0 for nobody waiting,
     * null when not known. The root shows the state as it is when `rootShowsWaiting` holds.
     */
    rootWaitingShown: number | null;
    createdAt: number;
    updatedAt: number;
}

type Executor = Db | Transaction<Database>;

/** `get` on SQLite, prepared once (every delivered message reads its conversation). */
const GET_CONVERSATION = new HotStatement<[licence: string, conversationId: string], Database['conversations']>(
    'select * from conversations where licence = ? and conversation_id = ?');

/** `kv` key of the per-licence counter behind conversation numbers. */
const NUMBER_COUNTER_KEY = 'conversation.number';

/** Conversations of a licence and their link to a root post in Mattermost. */
export class ConversationsRepository {
    constructor(private readonly db: Db, private readonly clock: Clock) {}

    async get(licence: string, conversationId: string, executor: Executor = this.db): Promise<ConversationRecord | undefined> {
        const connection = directSqlite(this.db, executor);
        if (connection) {
            const found = GET_CONVERSATION.on(connection).get(licence, conversationId);
            return found ? toRecord(found) : undefined;
        }
        const row = await executor.selectFrom('conversations').selectAll()
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).executeTakeFirst();
        return row ? toRecord(row) : undefined;
    }

    /** The conversation whose root post this is, if any: how an agent's thread reply is recognised. */
    async findByRootPost(licence: string, rootPostId: string): Promise<ConversationRecord | undefined> {
        const row = await this.db.selectFrom('conversations').selectAll()
            .where('licence', '=', licence).where('root_post_id', '=', rootPostId).executeTakeFirst();
        return row ? toRecord(row) : undefined;
    }

    /**
     * Creates the conversation or merges the new context into it (fields given win). Callers
     * serialise per conversation (the outbox's ordering key), so read-then-write is safe here.
     */
    async upsertContext(licence: string, conversationId: string, context: Record<string, unknown>, status?: string, executor: Executor = this.db): Promise<void> {
        const now = this.clock.now();
        const existing = await this.get(licence, conversationId, executor);
        if (!existing) {
            await executor.insertInto('conversations').values({
                licence, conversation_id: conversationId, channel_id: null, root_post_id: null,
                context: JSON.stringify(context), status: status ?? 'open', number: null, created_at: now, updated_at: now,
            }).execute();
            return;
        }
        await executor.updateTable('conversations').set({
            context: JSON.stringify({...existing.context, ...context}),
            status: status ?? existing.status,
            updated_at: now,
        }).where('licence', '=', licence).where('conversation_id', '=', conversationId).execute();
    }

    /** The conversation with this short number, if any. */
    async findByNumber(licence: string, number: number): Promise<ConversationRecord | undefined> {
        const row = await this.db.selectFrom('conversations').selectAll()
            .where('licence', '=', licence).where('number', '=', number).executeTakeFirst();
        return row ? toRecord(row) : undefined;
    }

    /**
     * The conversation's short number, giving it the licence's next one when it has none. Numbers
     * come from a per-licence counter (a `kv` row bumped atomically), so processes never hand out
     * the same one; a number taken by a crash before it was stored is skipped, never reused.
     * Callers serialise per conversation (the outbox's ordering key).
     */
    async ensureNumber(licence: string, conversationId: string): Promise<number> {
        const existing = await this.db.selectFrom('conversations').select('number')
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).executeTakeFirst();
        if (existing?.number !== null && existing?.number !== undefined) {
            return Number(existing.number);
        }
        const now = this.clock.now();
        const row = await this.db.insertInto('kv')
            .values({licence, key: NUMBER_COUNTER_KEY, value: '1', updated_at: now})
            .onConflict((oc) => oc.columns(['licence', 'key']).doUpdateSet({
                value: sql<string>`cast(cast(${sql.ref('kv.value')} as integer) + 1 as text)`,
                updated_at: now,
            }))
            .returning('value')
            .executeTakeFirstOrThrow();
        const number = Number(row.value);
        await this.db.updateTable('conversations').set({number})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).where('number', 'is', null).execute();
        const stored = await this.db.selectFrom('conversations').select('number')
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).executeTakeFirst();
        return Number(stored?.number ?? number);
    }

    /**
     * Marks the conversation's state as changed without changing it (after i-Reserve refused an
     * action): `updatedAt` is the state version a repeated click is recognised by.
     */
    async touch(licence: string, conversationId: string, executor: Executor = this.db): Promise<void> {
        await executor.updateTable('conversations').set({updated_at: sql<number>`case when updated_at >= ${this.clock.now()} then updated_at + 1 else ${this.clock.now()} end`})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).execute();
    }

    /**
     * Links the conversation to its (new) root post, and notes the root among the conversation's posts.
     * `waitingShown`: the waiting spell the new root shows (null: nobody waits; omitted: not known).
     */
    async linkRoot(licence: string, conversationId: string, channelId: string, rootPostId: string, waitingShown?: number | null): Promise<void> {
        const now = this.clock.now();
        await this.db.transaction().execute(async (trx) => {
            await trx.updateTable('conversations')
                .set({channel_id: channelId, root_post_id: rootPostId, root_waiting_shown: waitingShown === undefined ? null : waitingShown ?? 0, updated_at: now})
                .where('licence', '=', licence).where('conversation_id', '=', conversationId).execute();
            // Every root a conversation ever had is remembered, so an erasure finds self-healed ones too (DESIGN §12).
            await trx.insertInto('conversation_posts')
                .values({licence, conversation_id: conversationId, post_id: rootPostId, role: 'root', created_at: now})
                .onConflict((oc) => oc.columns(['licence', 'post_id']).doNothing()).execute();
        });
    }

    /**
     * Notes what the root post `rootPostId` shows of the waiting state now that it was brought up to
     * date (`waitingShown`: the spell it shows, null: nobody waits). Nothing changes when the
     * conversation has another root by now.
     */
    async noteRootShows(licence: string, conversationId: string, rootPostId: string, waitingShown: number | null): Promise<void> {
        await this.db.updateTable('conversations').set({root_waiting_shown: waitingShown ?? 0})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).where('root_post_id', '=', rootPostId).execute();
    }

    /** Open conversations of one channel with a root post, by number (for `/ireserve open`). */
    async listOpenInChannel(licence: string, channelId: string, limit = 50): Promise<ConversationRecord[]> {
        const rows = await this.db.selectFrom('conversations').selectAll()
            .where('licence', '=', licence).where('channel_id', '=', channelId).where('status', '=', 'open').where('root_post_id', 'is not', null)
            .orderBy('number').orderBy('created_at').limit(limit).execute();
        return rows.map(toRecord);
    }

    /**
     * Every channel holding a conversation's root post (open or closed), with the creation time of
     * its first conversation: the channels the webhook catch-up reads.
     */
    async listChannels(licence: string): Promise<Array<{channelId: string; firstAt: number}>> {
        const rows = await this.db.selectFrom('conversations')
            .select(['channel_id', (eb) => eb.fn.min<number>('created_at').as('first_at')])
            .where('licence', '=', licence).where('channel_id', 'is not', null).where('root_post_id', 'is not', null)
            .groupBy('channel_id').orderBy('channel_id').execute();
        return rows.map((row) => ({channelId: row.channel_id as string, firstAt: Number(row.first_at)}));
    }

    /** Open conversations with a root post, for re-syncing their threads after a gap. */
    async listOpenWithRoot(licence: string, limit = 500): Promise<ConversationRecord[]> {
        const rows = await this.db.selectFrom('conversations').selectAll()
            .where('licence', '=', licence).where('status', '=', 'open').where('root_post_id', 'is not', null)
            .orderBy('updated_at', 'desc').limit(limit).execute();
        return rows.map(toRecord);
    }
}

function toRecord(row: Database['conversations']): ConversationRecord {
    return {
        licence: row.licence,
        conversationId: row.conversation_id,
        channelId: row.channel_id,
        rootPostId: row.root_post_id,
        context: JSON.parse(row.context) as Record<string, unknown>,
        status: row.status,
        number: row.number === null || row.number === undefined ? null : Number(row.number),
        waitingSince: row.waiting_since === null || row.waiting_since === undefined ? null : Number(row.waiting_since),
        rootWaitingShown: row.root_waiting_shown === null || row.root_waiting_shown === undefined ? null : Number(row.root_waiting_shown),
        createdAt: Number(row.created_at),
        updatedAt: Number(row.updated_at),
    };
}

/** The root post shows the conversation's waiting state as it is now (false when that is not known). */
export function rootShowsWaiting(conversation: Pick<ConversationRecord, 'waitingSince' | 'rootWaitingShown'>): boolean {
    return conversation.rootWaitingShown !== null && conversation.rootWaitingShown === (conversation.waitingSince ?? 0);
}
