import {sql, type Transaction} from 'kysely';

import type {Db} from './database.js';
import {directSqlite, HotStatement} from './hot_statement.js';
import type {Database} from './schema.js';

type Executor = Db | Transaction<Database>;

/** `start` on SQLite, prepared once (run with every visitor message's delivery). */
const START = new HotStatement<[at: number, licence: string, conversationId: string, answeredBefore: number]>(
    'update conversations set waiting_since = ? where licence = ? and conversation_id = ? and waiting_since is null and (answered_at is null or answered_at < ?)');

/** `answer` on SQLite, prepared once (run with every agent message's delivery). */
const ANSWER_READ = new HotStatement<[licence: string, conversationId: string], AnswerRow>(
    'select waiting_since, answered_at, first_answered_at from conversations where licence = ? and conversation_id = ?');
const ANSWER_WRITE = new HotStatement<[answeredAt: number, firstAnsweredAt: number, ends: 0 | 1, licence: string, conversationId: string,
    since: number | null, answeredBefore: number | null]>(
    'update conversations set answered_at = ?, first_answered_at = ?, waiting_since = case when ? then null else waiting_since end'
    + ' where licence = ? and conversation_id = ? and waiting_since is ? and answered_at is ?');
/** `rootState` on SQLite, prepared once (run with every message's delivery). */
const ROOT_STATE = new HotStatement<[licence: string, conversationId: string], {root_post_id: string | null; waiting_since: number | null; root_waiting_shown: number | null}>(
    'select root_post_id, waiting_since, root_waiting_shown from conversations where licence = ? and conversation_id = ?');

interface AnswerRow {
    waiting_since: number | string | null;
    answered_at: number | string | null;
    first_answered_at: number | string | null;
}

/** The waiting state of a conversation and what its root post shows of it (see ConversationRecord). */
export interface RootWaitingState {
    rootPostId: string | null;
    waitingSince: number | null;
    rootWaitingShown: number | null;
}

/** How a waiting spell ended (see WaitingRepository.end). */
export interface EndedSpell {
    /** When the spell started (its id within the conversation). */
    since: number;
    /** This answer was the conversation's first. */
    first: boolean;
}

/**
 * The waiting state of conversations (DESIGN §11), kept on their `conversations` row: a spell
 * starts at a visitor message with no answer after it and ends at an agent's answer or at closing.
 * Every change is a compare-and-set, so the outbound jobs (visitor and agent messages, closing)
 * and the inbound relay (replies delivered to the visitor), which may run at the same time in
 * different processes, agree: exactly one caller starts a spell and exactly one ends it. Times are
 * the bridge's clock (ms); a spell is named by its start time.
 */
export class WaitingRepository {
    constructor(private readonly db: Db) {}

    /**
     * A visitor message at `at`: starts a spell unless one is running or an answer came at or after
     * `at`. A closed conversation waits too: a guest writing again after the close is exactly the
     * guest nobody would notice. Returns the new spell's start, or null when none started.
     */
    async start(licence: string, conversationId: string, at: number, executor: Executor = this.db): Promise<number | null> {
        const connection = directSqlite(this.db, executor);
        if (connection) {
            return START.on(connection).run(at, licence, conversationId, at).changes > 0 ? at : null;
        }
        const result = await executor.updateTable('conversations').set({waiting_since: at})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId)
            .where('waiting_since', 'is', null)
            .where((eb) => eb.or([eb('answered_at', 'is', null), eb('answered_at', '<', at)]))
            .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0 ? at : null;
    }

    /**
     * An agent's answer at `at`: ends the running spell (when it started at or before `at`) and
     * records the answer. Returns the spell it ended, or null when none was running.
     */
    async answer(licence: string, conversationId: string, at: number, executor: Executor = this.db): Promise<EndedSpell | null> {
        const connection = directSqlite(this.db, executor);
        if (connection) {
            // The same compare-and-set as below (another process may change the row between the two statements).
            for (;;) {
                const row = ANSWER_READ.on(connection).get(licence, conversationId);
                const plan = row && planAnswer(row, at);
                if (!plan) {
                    return null;
                }
                if (ANSWER_WRITE.on(connection).run(plan.answeredAt, plan.firstAnsweredAt, plan.ends ? 1 : 0, licence, conversationId, plan.since, plan.answeredBefore).changes > 0) {
                    return plan.ended;
                }
            }
        }
        for (;;) {
            const row = await executor.selectFrom('conversations').select(['waiting_since', 'answered_at', 'first_answered_at'])
                .where('licence', '=', licence).where('conversation_id', '=', conversationId).executeTakeFirst();
            if (!row) {
                return null;
            }
            const plan = planAnswer(row, at);
            if (!plan) {
                return null;
            }
            let update = executor.updateTable('conversations').set({
                answered_at: plan.answeredAt,
                first_answered_at: plan.firstAnsweredAt,
                ...(plan.ends ? {waiting_since: null} : {}),
            }).where('licence', '=', licence).where('conversation_id', '=', conversationId);
            update = plan.since === null ? update.where('waiting_since', 'is', null) : update.where('waiting_since', '=', plan.since);
            update = plan.answeredBefore === null ? update.where('answered_at', 'is', null) : update.where('answered_at', '=', plan.answeredBefore);
            const result = await update.executeTakeFirst();
            if (Number(result.numUpdatedRows) > 0) {
                return plan.ended;
            }
            // Someone else changed the row in between: look again.
        }
    }

    /** The conversation's waiting state and what its root shows of it; undefined when there is no such conversation. */
    async rootState(licence: string, conversationId: string, executor: Executor = this.db): Promise<RootWaitingState | undefined> {
        const connection = directSqlite(this.db, executor);
        const row = connection
            ? ROOT_STATE.on(connection).get(licence, conversationId)
            : await executor.selectFrom('conversations').select(['root_post_id', 'waiting_since', 'root_waiting_shown'])
                .where('licence', '=', licence).where('conversation_id', '=', conversationId).executeTakeFirst();
        if (!row) {
            return undefined;
        }
        return {
            rootPostId: row.root_post_id,
            waitingSince: row.waiting_since === null ? null : Number(row.waiting_since),
            rootWaitingShown: row.root_waiting_shown === null ? null : Number(row.root_waiting_shown),
        };
    }

    /** Closing ends the running spell without an answer. Returns its start, or null when none was running. */
    async close(licence: string, conversationId: string, executor: Executor = this.db): Promise<number | null> {
        const row = await executor.selectFrom('conversations').select('waiting_since')
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).executeTakeFirst();
        if (row?.waiting_since === null || row?.waiting_since === undefined) {
            return null;
        }
        const since = Number(row.waiting_since);
        const result = await executor.updateTable('conversations').set({waiting_since: null})
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).where('waiting_since', '=', since)
            .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0 ? since : null;
    }

    /** The running spell's start, or null. */
    async since(licence: string, conversationId: string, executor: Executor = this.db): Promise<number | null> {
        const row = await executor.selectFrom('conversations').select('waiting_since')
            .where('licence', '=', licence).where('conversation_id', '=', conversationId).executeTakeFirst();
        return row?.waiting_since === null || row?.waiting_since === undefined ? null : Number(row.waiting_since);
    }

    /** How many conversations of the licence wait now, and since when the longest waits (null: none). */
    async summary(licence: string): Promise<{count: number; oldest: number | null}> {
        const row = await this.db.selectFrom('conversations')
            .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.min('waiting_since').as('oldest')])
            .where('licence', '=', licence).where('waiting_since', 'is not', null).executeTakeFirst();
        return {count: Number(row?.n ?? 0), oldest: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest)};
    }

    /** The same over every licence (the gauges). */
    async totals(): Promise<{count: number; oldest: number | null}> {
        const row = await this.db.selectFrom('conversations')
            .select([sql<number | string>`count(*)`.as('n'), sql<number | string | null>`min(waiting_since)`.as('oldest')])
            .where('waiting_since', 'is not', null).executeTakeFirst();
        return {count: Number(row?.n ?? 0), oldest: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest)};
    }
}

/** What an answer at `at` writes over `row` (see `answer`); undefined when it changes nothing. */
function planAnswer(row: AnswerRow, at: number): {answeredAt: number; firstAnsweredAt: number; ends: boolean; since: number | null; answeredBefore: number | null; ended: EndedSpell | null} | undefined {
    const since = row.waiting_since === null ? null : Number(row.waiting_since);
    const answeredBefore = row.answered_at === null ? null : Number(row.answered_at);
    const ends = since !== null && since <= at;
    if (!ends && answeredBefore !== null && answeredBefore >= at) {
        return undefined; // a later answer is already recorded
    }
    return {
        answeredAt: answeredBefore === null ? at : Math.max(answeredBefore, at),
        firstAnsweredAt: row.first_answered_at === null ? at : Number(row.first_answered_at),
        ends, since, answeredBefore,
        ended: ends ? {since: since!, first: row.first_answered_at === null} : null,
    };
}
