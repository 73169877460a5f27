import {sql, type Kysely, type SqlBool, type Transaction} from 'kysely';

import type {DeliveryDirection, DeliveryStatus} from '../contract/index.js';
import type {Clock} from '../ports/clock.js';

import type {DatabaseKind, Db} from './database.js';
import {directSqlite, HotStatement} from './hot_statement.js';
import type {Database} from './schema.js';
import {GroupCommit} from './group_commit.js';
import {writeTransaction} from './write_transaction.js';

export type Direction = DeliveryDirection;
/** A job's status, as the admin API shows it. */
export type OutboxStatus = DeliveryStatus;

export interface NewJob {
    licence: string;
    direction: Direction;
    kind: string;
    /** Jobs sharing (licence, orderingKey) run one at a time, in enqueue order. */
    orderingKey: string;
    conversationId?: string | null;
    /** When set, a second job with the same (licence, dedupeKey) is not queued (enqueue returns null). */
    dedupeKey?: string | null;
    payload: unknown;
    /** Run no earlier than this (ms); default now. */
    notBefore?: number;
}

export interface Job {
    id: number;
    licence: string;
    direction: Direction;
    kind: string;
    orderingKey: string;
    conversationId: string | null;
    dedupeKey: string | null;
    payload: unknown;
    /** Attempts including the current one. */
    attempts: number;
    createdAt: number;
}

export interface JobSummary {
    id: number;
    direction: Direction;
    kind: string;
    conversation_id: string | null;
    attempts: number;
    status: OutboxStatus;
    last_error: string | null;
    last_error_code: string | null;
    created_at: number;
    updated_at: number;
    /** Outbound notifications: the event's notification type (from the payload). */
    notification_type: string | null;
    /** Inbound jobs: the Mattermost channel of the agent's post (from the payload). */
    channel_id: string | null;
}

type Executor = Kysely<Database> | Transaction<Database>;

// Without RETURNING (as events_repository's RECORD): a row inserted (changes 1) has the id
// `lastInsertRowid` (outbox.id is the rowid); a dedupe hit inserts none.
const ENQUEUE = new HotStatement<[licence: string, direction: string, kind: string, orderingKey: string, conversationId: string | null,
    dedupeKey: string | null, payload: string, nextAttemptAt: number, createdAt: number, updatedAt: number]>(
    'insert into outbox (licence, direction, kind, ordering_key, conversation_id, dedupe_key, payload, status, attempts, next_attempt_at, created_at, updated_at)'
    + ' values (?, ?, ?, ?, ?, ?, ?, \'pending\', 0, ?, ?, ?) on conflict (licence, dedupe_key) where dedupe_key is not null do nothing');

/** Writes that record a job's outcome, run in the transaction that marks the job delivered. */
export type Completion = (trx: Transaction<Database>) => Promise<void>;

interface MarkRequest {
    id: number;
    owner: string;
    completion?: Completion | undefined;
}

/** At most this many deliveries recorded in one transaction (SQLite). */
const MAX_MARK_GROUP = 64;

type OutboxRow = {
    id: number; licence: string; direction: string; kind: string; ordering_key: string;
    conversation_id: string | null; dedupe_key: string | null; payload: string; attempts: number; created_at: number;
};

/**
 * The WHERE of the outbox_unfinished index (licence, ordering_key, id), word for word: SQLite reads a
 * partial index only for a query whose WHERE contains that term (PostgreSQL must prove it from the
 * query's WHERE, which a bound parameter hides). Every query by ordering key says it: that index is
 * the only one on ordering_key (migration 0013).
 */
const UNFINISHED = 'status in (\'pending\', \'in_flight\')';

/** The claim's "an earlier job of this conversation is unfinished" test. */
const blockedSqlite = (alias: string) => `not exists (select 1 from outbox p where p.licence = ${alias}.licence and p.ordering_key = ${alias}.ordering_key`
    + ` and p.id < ${alias}.id and p.${UNFINISHED})`;
const RETURNING = 'id, licence, direction, kind, ordering_key, conversation_id, dedupe_key, payload, attempts, created_at';

/** The SQLite claim of `claim()` below, prepared once. */
const CLAIM = new HotStatement<[owner: string, leaseUntil: number, now: number, due: number, limit: number, expired: number, limit2: number, limit3: number], OutboxRow>(
    'update outbox set status = \'in_flight\', lease_owner = ?, lease_until = ?, attempts = attempts + 1, updated_at = ? where id in ('
    + ` select id from (select o.id from outbox o indexed by outbox_claim where o.status = 'pending' and o.next_attempt_at <= ? and ${blockedSqlite('o')} order by o.id limit ?)`
    + ` union all select id from (select e.id from outbox e where e.status = 'in_flight' and e.lease_until < ? and ${blockedSqlite('e')} order by e.id limit ?)`
    + ` order by id limit ?) returning ${RETURNING}`);

const MARK_DELIVERED = new HotStatement<[deliveredAt: number, updatedAt: number, id: number, owner: string]>(
    'update outbox set status = \'delivered\', delivered_at = ?, updated_at = ?, lease_owner = null, lease_until = null, last_error = null, last_error_code = null'
    + ' where id = ? and lease_owner = ? and status = \'in_flight\'');

/**
 * hasLaterPending's statement for `n` kinds. The outbox_unfinished index's WHERE, word for word, lets
 * SQLite look up the conversation's unfinished jobs; without it SQLite walked every pending job after
 * `afterId` on the (status, id) index — the whole backlog, once per delivered message.
 */
const LATER_PENDING = new Map<number, HotStatement<unknown[], {id: number}>>();
function laterPending(n: number): HotStatement<unknown[], {id: number}> {
    let statement = LATER_PENDING.get(n);
    if (!statement) {
        statement = new HotStatement(`select id from outbox where licence = ? and ordering_key = ? and id > ? and ${UNFINISHED} and status = 'pending'`
            + ` and kind in (${Array.from({length: n}, () => '?').join(', ')}) limit 1`);
        LATER_PENDING.set(n, statement);
    }
    return statement;
}

/** cancelPending on SQLite (a prefix ending in ASCII: see there). */
const CANCEL_PENDING = new HotStatement<[licence: string, kind: string, length: number, prefix: string, from: string, to: string]>(
    'delete from outbox where licence = ? and kind = ? and status = \'pending\' and substr(dedupe_key, 1, ?) = ? and dedupe_key >= ? and dedupe_key < ?');

/** `prefix` with its last character's successor: the keys starting with `prefix` sort below it (bytewise, last character ASCII). */
function successorOfLast(prefix: string): string {
    return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function toJob(row: OutboxRow): Job {
    return {
        id: Number(row.id),
        licence: row.licence,
        direction: row.direction as Direction,
        kind: row.kind,
        orderingKey: row.ordering_key,
        conversationId: row.conversation_id,
        dedupeKey: row.dedupe_key,
        payload: JSON.parse(row.payload) as unknown,
        attempts: Number(row.attempts),
        createdAt: Number(row.created_at),
    };
}

/**
 * The durable outbox. Claiming hands out, per (licence, ordering_key), only the oldest job that is
 * not yet delivered or parked, so order holds per conversation while different conversations run
 * in parallel. A claim is a lease: a job whose owner died is handed out again after `lease_until`.
 * On PostgreSQL the claim uses FOR UPDATE SKIP LOCKED so several processes share one outbox and
 * no job is handed to two of them. Parked (failed) jobs do not block later jobs.
 */
export class OutboxRepository {
    /**
     * SQLite: the deliveries recorded in the same turn of the event loop, a group in ONE transaction
     * (a commit per group instead of one per delivered message: the commit, writing the WAL, was the
     * costliest statement of a delivery). Each job's completion and mark stay one unit: when the
     * group's transaction fails, each is written alone, so the one that broke it fails by itself.
     */
    readonly #marks: GroupCommit<MarkRequest, boolean>;

    constructor(private readonly db: Db, private readonly kind: DatabaseKind, private readonly clock: Clock) {
        this.#marks = new GroupCommit<MarkRequest, boolean>({
            db,
            maxGroup: MAX_MARK_GROUP,
            write: async (trx, request) => {
                await request.completion?.(trx);
                return this.#mark(request, trx);
            },
            alone: (request) => this.#markOne(request),
        });
    }

    /** Queues a job inside the caller's transaction (or alone). Returns its id, or null for a dedupe hit. */
    async enqueue(job: NewJob, executor: Executor = this.db): Promise<number | null> {
        const now = this.clock.now();
        const sqlite = directSqlite(this.db, executor);
        if (sqlite) {
            const inserted = ENQUEUE.on(sqlite).run(job.licence, job.direction, job.kind, job.orderingKey, job.conversationId ?? null,
                job.dedupeKey ?? null, JSON.stringify(job.payload), job.notBefore ?? now, now, now);
            return inserted.changes === 1 ? Number(inserted.lastInsertRowid) : null;
        }
        const row = await executor.insertInto('outbox').values({
            licence: job.licence,
            direction: job.direction,
            kind: job.kind,
            ordering_key: job.orderingKey,
            conversation_id: job.conversationId ?? null,
            dedupe_key: job.dedupeKey ?? null,
            payload: JSON.stringify(job.payload),
            status: 'pending',
            attempts: 0,
            next_attempt_at: job.notBefore ?? now,
            created_at: now,
            updated_at: now,
        }).onConflict((oc) => oc.columns(['licence', 'dedupe_key']).where('dedupe_key', 'is not', null).doNothing())
            .returning('id').executeTakeFirst();
        return row ? Number(row.id) : null;
    }

    /** Leases up to `limit` runnable jobs to `owner` for `leaseMs`. */
    async claim(owner: string, limit: number, leaseMs: number): Promise<Job[]> {
        if (limit <= 0) {
            return [];
        }
        const now = this.clock.now();
        const connection = directSqlite(this.db, this.db);
        if (connection) {
            return CLAIM.on(connection).all(owner, now + leaseMs, now, now, limit, now, limit, limit).map(toJob).sort((a, b) => a.id - b.id);
        }
        const blocked = (alias: string) => sql`not exists (
                      select 1 from outbox p
                      where p.licence = ${sql.ref(`${alias}.licence`)} and p.ordering_key = ${sql.ref(`${alias}.ordering_key`)} and p.id < ${sql.ref(`${alias}.id`)}
                        and p.status in ('pending', 'in_flight'))`;
        const set = sql`status = 'in_flight', lease_owner = ${owner}, lease_until = ${now + leaseMs}, attempts = attempts + 1, updated_at = ${now}`;
        const returning = sql`id, licence, direction, kind, ordering_key, conversation_id, dedupe_key, payload, attempts, created_at`;
        // SQLite: walk pending jobs in id order on the (status, id) index and stop after `limit`
        // runnable ones, so a claim costs about the same with 100 or 100,000 jobs waiting (the single
        // OR form, kept for PostgreSQL below, made SQLite collect and sort every due job on each
        // claim: ~20 ms at 20,000 waiting, once per finished delivery). Expired leases are few.
        // PostgreSQL: one statement with FOR UPDATE SKIP LOCKED, so processes never share a job.
        const query = this.kind === 'sqlite'
            ? sql<OutboxRow>`
            update outbox set ${set}
            where id in (
                select id from (
                    select o.id from outbox o indexed by outbox_claim
                    where o.status = 'pending' and o.next_attempt_at <= ${now} and ${blocked('o')}
                    order by o.id limit ${limit})
                union all
                select id from (
                    select e.id from outbox e
                    where e.status = 'in_flight' and e.lease_until < ${now} and ${blocked('e')}
                    order by e.id limit ${limit})
                order by id limit ${limit})
            returning ${returning}`
            : sql<OutboxRow>`
            update outbox set ${set}
            where id in (
                select o.id from outbox o
                where ((o.status = 'pending' and o.next_attempt_at <= ${now})
                       or (o.status = 'in_flight' and o.lease_until < ${now}))
                  and ${blocked('o')}
                order by o.id
                limit ${limit}
                for update skip locked)
            returning ${returning}`;
        // One statement is atomic on both engines (autocommit): no transaction around it.
        const result = await query.execute(this.db);
        return result.rows.map(toJob).sort((a, b) => a.id - b.id);
    }

    /**
     * Extends the leases of every job `owner` holds (the worker's heartbeat), so a lease can be
     * short — a crashed process's jobs are taken over soon — without a long delivery losing its job.
     */
    async renewLeases(owner: string, leaseMs: number): Promise<number> {
        const now = this.clock.now();
        const result = await this.db.updateTable('outbox')
            .set({lease_until: now + leaseMs})
            .where('lease_owner', '=', owner).where('status', '=', 'in_flight')
            .executeTakeFirst();
        return Number(result.numUpdatedRows);
    }

    /** Hands claimed jobs that were never started back to the outbox (their attempt does not count). */
    async release(ids: readonly number[], owner: string): Promise<number> {
        if (ids.length === 0) {
            return 0;
        }
        const now = this.clock.now();
        const result = await this.db.updateTable('outbox')
            .set((eb) => ({status: 'pending', lease_owner: null, lease_until: null, updated_at: now, attempts: eb('attempts', '-', 1)}))
            .where('id', 'in', [...ids]).where('lease_owner', '=', owner).where('status', '=', 'in_flight')
            .executeTakeFirst();
        return Number(result.numUpdatedRows);
    }

    /**
     * Makes waiting jobs of these kinds due now when their last attempt failed with one of `codes`
     * (an upstream that was down or rate-limited and now answers again): they need not sit out the
     * rest of a backoff that grew during the outage. Returns how many.
     */
    async wakeWaiting(licence: string, filter: {kinds?: readonly string[]; direction?: Direction}, codes: readonly string[]): Promise<number> {
        if (filter.kinds?.length === 0 || codes.length === 0) {
            return 0;
        }
        const now = this.clock.now();
        let query = this.db.updateTable('outbox')
            .set({next_attempt_at: now, updated_at: now})
            .where('licence', '=', licence).where('status', '=', 'pending').where('next_attempt_at', '>', now)
            .where('last_error_code', 'in', [...codes]);
        if (filter.kinds) {
            query = query.where('kind', 'in', [...filter.kinds]);
        }
        if (filter.direction) {
            query = query.where('direction', '=', filter.direction);
        }
        const result = await query.executeTakeFirst();
        return Number(result.numUpdatedRows);
    }

    /** The status of the job queued under `dedupeKey`, or undefined when there is none (never queued, or delivered and pruned). */
    async statusOf(licence: string, dedupeKey: string): Promise<OutboxStatus | undefined> {
        const row = await this.db.selectFrom('outbox').select('status')
            .where('licence', '=', licence).where('dedupe_key', '=', dedupeKey).executeTakeFirst();
        return row?.status as OutboxStatus | undefined;
    }

    /** True while a job of (licence, orderingKey) is waiting or running: a newcomer would queue behind it. */
    async hasUnfinished(licence: string, orderingKey: string): Promise<boolean> {
        const row = await this.db.selectFrom('outbox').select('id')
            .where('licence', '=', licence).where('ordering_key', '=', orderingKey).where(sql.raw<SqlBool>(UNFINISHED))
            .limit(1).executeTakeFirst();
        return row !== undefined;
    }

    /**
     * True when a job of one of `kinds` waits behind job `afterId` in its (licence, orderingKey):
     * it will run after this one, in order (jobs behind a running one are always pending).
     */
    async hasLaterPending(licence: string, orderingKey: string, afterId: number, kinds: readonly string[], executor: Executor = this.db): Promise<boolean> {
        if (kinds.length === 0) {
            return false;
        }
        const connection = directSqlite(this.db, executor);
        if (connection) {
            return laterPending(kinds.length).on(connection).get(licence, orderingKey, afterId, ...kinds) !== undefined;
        }
        const row = await executor.selectFrom('outbox').select('id')
            .where('licence', '=', licence).where('ordering_key', '=', orderingKey).where('id', '>', afterId)
            .where(sql.raw<SqlBool>(UNFINISHED)).where('status', '=', 'pending').where('kind', 'in', [...kinds])
            .limit(1).executeTakeFirst();
        return row !== undefined;
    }

    /**
     * Ends a lease as delivered. False when the lease was lost (another owner took the job over).
     * `completion` (the handler's record of what it did) is written in the same transaction, and
     * is kept even when the lease was lost: what it records did happen. On SQLite the deliveries
     * recorded in the same turn of the event loop share one transaction (see `#marks`).
     */
    async markDelivered(id: number, owner: string, completion?: Completion): Promise<boolean> {
        if (this.kind !== 'sqlite') {
            return this.#markOne({id, owner, completion});
        }
        return this.#marks.submit({id, owner, completion});
    }

    /** One delivery recorded: its completion and its mark in one transaction (the mark alone without completion). */
    async #markOne(pending: MarkRequest): Promise<boolean> {
        const {completion} = pending;
        if (!completion) {
            return this.#mark(pending, this.db);
        }
        return writeTransaction(this.db, async (trx) => {
            await completion(trx);
            return this.#mark(pending, trx);
        });
    }

    async #mark({id, owner}: MarkRequest, executor: Executor): Promise<boolean> {
        const now = this.clock.now();
        const connection = directSqlite(this.db, executor);
        if (connection) {
            return MARK_DELIVERED.on(connection).run(now, now, id, owner).changes === 1;
        }
        const result = await executor.updateTable('outbox')
            .set({status: 'delivered', delivered_at: now, updated_at: now, lease_owner: null, lease_until: null, last_error: null, last_error_code: null})
            .where('id', '=', id).where('lease_owner', '=', owner).where('status', '=', 'in_flight')
            .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
    }

    /**
     * Ends a lease with a retry after `delayMs`. `uncounted`: this attempt does not count toward
     * giving up (a probe of an upstream known to be down, made before the job's own backoff ran out).
     */
    async reschedule(id: number, owner: string, delayMs: number, error: string, code: string, options: {uncounted?: boolean} = {}): Promise<boolean> {
        const now = this.clock.now();
        const result = await this.db.updateTable('outbox')
            .set((eb) => ({
                status: 'pending', next_attempt_at: now + delayMs, updated_at: now, lease_owner: null, lease_until: null, last_error: error, last_error_code: code,
                ...(options.uncounted ? {attempts: eb('attempts', '-', 1)} : {}),
            }))
            .where('id', '=', id).where('lease_owner', '=', owner).where('status', '=', 'in_flight')
            .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
    }

    /** Ends a lease as failed (parked) with a plain-language reason; replayable with `retry`. */
    async park(id: number, owner: string, error: string, code: string): Promise<boolean> {
        const now = this.clock.now();
        const result = await this.db.updateTable('outbox')
            .set({status: 'failed', updated_at: now, lease_owner: null, lease_until: null, last_error: error, last_error_code: code})
            .where('id', '=', id).where('lease_owner', '=', owner).where('status', '=', 'in_flight')
            .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
    }

    /** Replays a parked job of this licence. False when there is no such failed job. */
    async retry(licence: string, id: number): Promise<boolean> {
        const now = this.clock.now();
        const result = await this.db.updateTable('outbox')
            .set({status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now})
            .where('licence', '=', licence).where('id', '=', id).where('status', '=', 'failed')
            .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
    }

    /** Replays every parked job of this licence, in their original order. Returns how many. */
    async retryAll(licence: string): Promise<number> {
        const now = this.clock.now();
        const result = await this.db.updateTable('outbox')
            .set({status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now})
            .where('licence', '=', licence).where('status', '=', 'failed')
            .executeTakeFirst();
        return Number(result.numUpdatedRows);
    }

    async list(licence: string, filter: {status?: OutboxStatus; limit?: number} = {}): Promise<JobSummary[]> {
        // Only two small fields are read out of the payload (which may hold attachments), in the database.
        const field = (pathSqlite: string, pathPg: ReturnType<typeof sql>) => (this.kind === 'sqlite'
            ? sql<string | null>`json_extract(payload, ${pathSqlite})`
            : sql<string | null>`(payload::jsonb ${pathPg})`);
        let query = this.db.selectFrom('outbox')
            .select(['id', 'direction', 'kind', 'conversation_id', 'attempts', 'status', 'last_error', 'last_error_code', 'created_at', 'updated_at'])
            .select([
                sql<string | null>`case when kind = 'outbound.notification' then ${field('$.data.notification_type', sql`-> 'data' ->> 'notification_type'`)} end`.as('notification_type'),
                // Payloads are snake_case; delivered rows of before migration 0005, which are not rewritten, say `channelId`.
                sql<string | null>`case when direction = 'inbound' then coalesce(${field('$.channel_id', sql`->> 'channel_id'`)}, ${field('$.channelId', sql`->> 'channelId'`)}) end`.as('channel_id'),
            ])
            .where('licence', '=', licence);
        if (filter.status) {
            query = query.where('status', '=', filter.status);
        }
        const rows = await query.orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
        return rows.map((row) => ({
            ...row, id: Number(row.id), direction: row.direction as Direction, status: row.status as OutboxStatus,
            notification_type: typeof row.notification_type === 'string' ? row.notification_type : null,
            channel_id: typeof row.channel_id === 'string' ? row.channel_id : null,
        }));
    }

    /**
     * Jobs waiting or running, and jobs parked as failed, for one licence. Jobs of `scheduledKinds`
     * that are not due yet (reminders set for later) are no delivery waiting and are not counted.
     */
    async counts(licence: string, scheduledKinds: readonly string[] = []): Promise<{queueDepth: number; failed: number}> {
        let query = this.db.selectFrom('outbox')
            .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
            .where('licence', '=', licence).where('status', 'in', ['pending', 'in_flight', 'failed']);
        if (scheduledKinds.length > 0) {
            const now = this.clock.now();
            query = query.where((eb) => eb.not(eb.and([eb('kind', 'in', scheduledKinds), eb('status', '=', 'pending'), eb('next_attempt_at', '>', now)])));
        }
        const rows = await query.groupBy('status').execute();
        let queueDepth = 0;
        let failed = 0;
        for (const row of rows) {
            if (row.status === 'failed') {
                failed += Number(row.n);
            } else {
                queueDepth += Number(row.n);
            }
        }
        return {queueDepth, failed};
    }

    /** Totals across all licences, for /metrics. */
    async totals(): Promise<Array<{direction: string; status: string; n: number}>> {
        const rows = await this.db.selectFrom('outbox')
            .select(['direction', 'status', (eb) => eb.fn.countAll<number>().as('n')])
            .where('status', 'in', ['pending', 'in_flight', 'failed'])
            .groupBy(['direction', 'status']).execute();
        return rows.map((row) => ({direction: row.direction, status: row.status, n: Number(row.n)}));
    }

    /**
     * Deletes the licence's pending jobs of `kind` whose dedupe key starts with `prefix` (reminders
     * of a spell that ended); a job already running is left to see for itself. Returns how many.
     */
    async cancelPending(licence: string, kind: string, prefix: string, executor: Executor = this.db): Promise<number> {
        const connection = prefix !== '' && prefix.charCodeAt(prefix.length - 1) < 0x7f ? directSqlite(this.db, executor) : undefined;
        if (connection) {
            // The same statement as below, prepared once (an agent's answer runs it).
            return CANCEL_PENDING.on(connection).run(licence, kind, prefix.length, prefix, prefix, successorOfLast(prefix)).changes;
        }
        let query = executor.deleteFrom('outbox')
            .where('licence', '=', licence).where('kind', '=', kind).where('status', '=', 'pending')
            .where(sql<string>`substr(dedupe_key, 1, ${prefix.length})`, '=', prefix);
        if (this.kind === 'sqlite' && prefix !== '' && prefix.charCodeAt(prefix.length - 1) < 0x7f) {
            // SQLite compares text bytewise (the column has no collation): the keys starting with
            // `prefix` are those in [prefix, prefix with its last character's successor), a range
            // of the (licence, dedupe_key) index (for a last character in ASCII, where bytes and
            // characters order alike). Without it every pending job of the licence was read.
            query = query.where('dedupe_key', '>=', prefix).where('dedupe_key', '<', successorOfLast(prefix));
        }
        const result = await query.executeTakeFirst();
        return Number(result.numDeletedRows);
    }

    /** Deletes delivered jobs older than `olderThanMs`; returns how many. */
    async prune(olderThanMs: number): Promise<number> {
        const result = await this.db.deleteFrom('outbox')
            .where('status', '=', 'delivered').where('delivered_at', '<', this.clock.now() - olderThanMs)
            .executeTakeFirst();
        return Number(result.numDeletedRows);
    }
}
