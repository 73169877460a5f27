// OutboxWorker on its own: a real SQLite outbox, handlers written by each test, an adjustable
// clock. What it does with each outcome (delivered, retried with backoff, parked), its order and
// concurrency, stopping, and waking an upstream's waiting jobs when that upstream answers again
// (and probing it meanwhile).
// The worker's SQL is engine-neutral and the repository's is covered on both engines by
// outbox_repository.test.ts, so this file runs on SQLite only.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {describe, test} from 'node:test';

import pino from 'pino';

import {loadConfig} from '../../src/config/config.js';
import {UpstreamError} from '../../src/domain/errors.js';
import {describeFailure} from '../../src/domain/failure_messages.js';
import {OutboxWorker, PermanentFailure, type JobHandler, type WorkerOptions} from '../../src/outbox/worker.js';
import {openDatabase, type Db} from '../../src/storage/database.js';
import {OutboxRepository, type Job, type JobSummary} from '../../src/storage/outbox_repository.js';
import {waitFor} from '../support/bridge_harness.js';

const LICENCE = 'L-1';

interface Rig {
    worker: OutboxWorker;
    repository: OutboxRepository;
    db: Db;
    /** Real time plus `offset` ms: move it forward to make backed-off jobs due. */
    time: {offset: number; now(): number};
    delivered: Job[];
    retrying: Array<{job: Job; reason: string; code: string; delayMs: number}>;
    parked: Array<{job: Job; reason: string; code: string}>;
    /** `licence\nupstream` of every `recovered` event. */
    recovered: string[];
    enqueue(orderingKey: string, payload: unknown, kind?: string): Promise<number>;
    job(id: number): Promise<JobSummary>;
    close(): Promise<void>;
}

async function rig(handlers: Record<string, JobHandler>, options: Partial<WorkerOptions> = {}): Promise<Rig> {
    const dir = mkdtempSync(path.join(tmpdir(), 'worker-test-'));
    const config = loadConfig({DATABASE_URL: `sqlite:${path.join(dir, 'bridge.db')}`, BRIDGE_DATA_DIR: dir});
    const handle = await openDatabase(config.database);
    const time = {offset: 0, now: () => Date.now() + time.offset};
    const repository = new OutboxRepository(handle.db, handle.kind, time);
    const delivered: Rig['delivered'] = [];
    const retrying: Rig['retrying'] = [];
    const parked: Rig['parked'] = [];
    const recovered: Rig['recovered'] = [];
    const worker = new OutboxWorker({
        repository,
        handlers,
        concurrency: 4,
        pollIntervalMs: 10,
        leaseMs: 60_000,
        maxAttempts: 5,
        baseBackoffMs: 1000,
        maxBackoffMs: 60_000,
        logger: pino({level: 'silent'}),
        clock: time,
        random: () => 0.5,
        events: {
            delivered: (job) => void delivered.push(job),
            retrying: (job, reason, code, delayMs) => void retrying.push({job, reason, code, delayMs}),
            parked: (job, reason, code) => void parked.push({job, reason, code}),
            recovered: (licence, upstream) => void recovered.push(`${licence}\n${upstream}`),
        },
        ...options,
    });
    return {
        worker, repository, db: handle.db, time, delivered, retrying, parked, recovered,
        async enqueue(orderingKey, payload, kind = 'k') {
            const id = await repository.enqueue({licence: LICENCE, direction: 'outbound', kind, orderingKey, payload});
            worker.wake();
            return id!;
        },
        async job(id) {
            const found = (await repository.list(LICENCE)).find((entry) => entry.id === id);
            assert.ok(found, `job ${id} exists`);
            return found;
        },
        async close() {
            await worker.stop();
            await handle.close();
            rmSync(dir, {recursive: true, force: true});
        },
    };
}

/** A promise and its resolver, to hold a handler until the test lets it go. */
function gate(): {promise: Promise<void>; open(): void} {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => {
        open = resolve;
    });
    return {promise, open};
}

describe('OutboxWorker', {timeout: 2 * 60_000}, () => {
    test('delivers every job once, in order per ordering key, and reports each delivery', async () => {
        const seen: Array<{key: string; i: number}> = [];
        const r = await rig({k: async (job) => void seen.push(job.payload as {key: string; i: number})});
        try {
            r.worker.start();
            for (let i = 0; i < 5; i++) {
                for (const key of ['a', 'b', 'c']) {
                    await r.enqueue(key, {key, i});
                }
            }
            await waitFor(() => r.delivered.length === 15, '15 deliveries');
            assert.equal(seen.length, 15, 'each job handled once');
            for (const key of ['a', 'b', 'c']) {
                assert.deepEqual(seen.filter((entry) => entry.key === key).map((entry) => entry.i), [0, 1, 2, 3, 4], `order of ${key}`);
            }
            assert.deepEqual(await r.repository.counts(LICENCE), {queueDepth: 0, failed: 0});
            assert.ok((await r.repository.list(LICENCE)).every((job) => job.status === 'delivered' && job.attempts === 1));
        } finally {
            await r.close();
        }
    });

    test('runs different ordering keys in parallel up to `concurrency`, one job per key at a time', async () => {
        const hold = gate();
        const running = new Set<string>();
        let most = 0;
        const started: string[] = [];
        const r = await rig({k: async (job) => {
            const {key, i} = job.payload as {key: string; i: number};
            started.push(`${key}${i}`);
            running.add(key);
            most = Math.max(most, running.size);
            await hold.promise;
            running.delete(key);
        }}, {concurrency: 3});
        try {
            for (const key of ['a', 'b', 'c', 'd']) {
                await r.enqueue(key, {key, i: 0});
            }
            await r.enqueue('a', {key: 'a', i: 1});
            r.worker.start();
            await waitFor(() => started.length === 3, 'three deliveries under way');
            assert.deepEqual(started.sort(), ['a0', 'b0', 'c0'], 'the lowest ids first, never a1 while a0 runs');
            hold.open();
            await waitFor(() => r.delivered.length === 5, 'all five delivered');
            assert.equal(most, 3, 'never more than `concurrency` at once');
            assert.ok(started.indexOf('a1') > started.indexOf('a0'));
        } finally {
            await r.close();
        }
    });

    test('a retryable failure is retried after the backoff; Retry-After is honoured', async () => {
        let calls = 0;
        const r = await rig({k: async () => {
            calls += 1;
            if (calls === 1) {
                throw new UpstreamError('mattermost', 'server_error', 'bad gateway', {status: 502});
            }
            if (calls === 2) {
                throw new UpstreamError('mattermost', 'rate_limited', 'limit exceeded', {status: 429, retryAfterMs: 20_000});
            }
        }});
        try {
            r.worker.start();
            const id = await r.enqueue('a', {});
            await waitFor(() => r.retrying.length === 1, 'the first retry');
            assert.equal(r.retrying[0]!.delayMs, 500, 'attempt 1: half (random 0.5) of the 1000 ms base');
            assert.equal(r.retrying[0]!.code, 'server_error');
            assert.equal(r.retrying[0]!.reason, describeFailure('mattermost', 'server_error', 'bad gateway'));
            const waiting = await r.job(id);
            assert.equal(waiting.status, 'pending');
            assert.equal(waiting.last_error_code, 'server_error');
            assert.equal(waiting.last_error, r.retrying[0]!.reason, 'the reason is kept for the status page');

            r.time.offset += 500;
            await waitFor(() => r.retrying.length === 2, 'the second retry');
            assert.equal(r.retrying[1]!.delayMs, 20_000, 'Retry-After (20 s) beats the jittered 1000 ms');
            r.time.offset += 15_000;
            await new Promise((resolve) => setTimeout(resolve, 100));
            assert.equal(calls, 2, 'not due before Retry-After has passed');
            r.time.offset += 5000;
            await waitFor(() => r.delivered.length === 1, 'delivered on the third attempt');
            const done = await r.job(id);
            assert.equal(done.status, 'delivered');
            assert.equal(done.attempts, 3);
            assert.equal(done.last_error, null);
        } finally {
            await r.close();
        }
    });

    test('a permanent upstream failure is parked with a plain-language reason, and not tried again', async () => {
        let calls = 0;
        const r = await rig({k: async () => {
            calls += 1;
            throw new UpstreamError('mattermost', 'not_a_member', 'You do not have the appropriate permissions.', {status: 403});
        }});
        try {
            r.worker.start();
            const id = await r.enqueue('a', {});
            const next = await r.enqueue('a', {second: true});
            // The second job of the same key runs too: a parked job does not block its key.
            await waitFor(() => r.parked.length === 2, 'both parked');
            await new Promise((resolve) => setTimeout(resolve, 100));
            for (const jobId of [id, next]) {
                const parked = await r.job(jobId);
                assert.equal(parked.status, 'failed');
                assert.equal(parked.attempts, 1);
                assert.equal(parked.last_error_code, 'not_a_member');
                assert.match(parked.last_error!, /The bot is not a member of the channel\. Add the bot/);
            }
            assert.equal(r.parked[0]!.reason, (await r.job(id)).last_error, 'the parked event carries the reason shown');
            assert.deepEqual(r.retrying, []);
            assert.equal(calls, 2, 'each tried once');
        } finally {
            await r.close();
        }
    });

    test('PermanentFailure parks with its own message and code; an unknown job kind parks as unknown_kind', async () => {
        const r = await rig({k: async () => {
            throw new PermanentFailure('The event has no conversation_id.', 'invalid');
        }});
        try {
            r.worker.start();
            const invalid = await r.enqueue('a', {});
            const unknown = await r.enqueue('b', {}, 'no.such_kind');
            await waitFor(() => r.parked.length === 2, 'both parked');
            assert.equal((await r.job(invalid)).last_error, 'The event has no conversation_id.');
            assert.equal((await r.job(invalid)).last_error_code, 'invalid');
            assert.equal((await r.job(unknown)).last_error_code, 'unknown_kind');
            assert.match((await r.job(unknown)).last_error!, /no handler for job kind no\.such_kind/);
        } finally {
            await r.close();
        }
    });

    test('an unexpected error (a bug) is retried like a transient failure, then parked after maxAttempts', async () => {
        let calls = 0;
        const r = await rig({k: async () => {
            calls += 1;
            throw new TypeError('cannot read properties of undefined');
        }}, {maxAttempts: 3, baseBackoffMs: 10, maxBackoffMs: 10});
        try {
            r.worker.start();
            const id = await r.enqueue('a', {});
            await waitFor(() => r.parked.length === 1, 'parked after the last attempt');
            assert.equal(calls, 3);
            assert.deepEqual(r.retrying.map((entry) => entry.code), ['internal', 'internal']);
            const parked = await r.job(id);
            assert.equal(parked.last_error_code, 'internal');
            assert.equal(parked.last_error, 'Gave up after 3 attempts. Internal error: cannot read properties of undefined');
        } finally {
            await r.close();
        }
    });

    test('a retryable upstream failure also gives up after maxAttempts, saying so', async () => {
        const r = await rig({k: async () => {
            throw new UpstreamError('ireserve', 'unreachable', 'connect ECONNREFUSED');
        }}, {maxAttempts: 2, baseBackoffMs: 10, maxBackoffMs: 10});
        try {
            r.worker.start();
            const id = await r.enqueue('a', {});
            await waitFor(() => r.parked.length === 1, 'parked');
            const parked = await r.job(id);
            assert.equal(parked.attempts, 2);
            assert.equal(parked.last_error_code, 'unreachable');
            assert.equal(parked.last_error, `Gave up after 2 attempts. ${describeFailure('ireserve', 'unreachable', 'connect ECONNREFUSED')}`);
        } finally {
            await r.close();
        }
    });

    test('a completion is written in the transaction that marks the job delivered: both or neither', async () => {
        const record = (webhookId: string) => ({licence: LICENCE, webhook_id: webhookId, event_type: 'test', received_at: 1});
        const r = await rig({
            ok: async () => async (trx) => {
                await trx.insertInto('events').values(record('ok')).execute();
            },
            broken: async () => async (trx) => {
                await trx.insertInto('events').values(record('broken')).execute();
                throw new Error('the record could not be written');
            },
        });
        try {
            r.worker.start();
            const ok = await r.enqueue('a', {}, 'ok');
            const broken = await r.enqueue('b', {}, 'broken');
            await waitFor(() => r.delivered.length === 1, 'the good one delivered');
            await waitFor(async () => (await r.job(ok)).status === 'delivered', 'marked delivered');
            await new Promise((resolve) => setTimeout(resolve, 100));
            const records = await r.db.selectFrom('events').select('webhook_id').execute();
            assert.deepEqual(records.map((row) => row.webhook_id), ['ok'], 'the broken record rolled back with its mark');
            // Neither delivered nor failed: the job stays under lease, and is attempted again (and
            // reconciled by its handler) once the lease runs out.
            assert.equal((await r.job(broken)).status, 'in_flight');
            assert.equal(r.delivered.length, 1, 'not reported as delivered');
        } finally {
            await r.close();
        }
    });

    test('stop() waits for deliveries under way and hands claimed-ahead jobs back uncounted', async () => {
        const hold = gate();
        const started: number[] = [];
        const r = await rig({k: async (job) => {
            started.push(job.id);
            await hold.promise;
        }}, {concurrency: 1, prefetch: 5});
        try {
            const ids = [await r.enqueue('a', {}), await r.enqueue('b', {}), await r.enqueue('c', {})];
            r.worker.start();
            await waitFor(() => started.length === 1, 'the first delivery under way');
            let stopped = false;
            const stopping = r.worker.stop().then(() => {
                stopped = true;
            });
            await new Promise((resolve) => setTimeout(resolve, 50));
            assert.equal(stopped, false, 'stop() waits for the delivery under way');
            hold.open();
            await stopping;
            assert.deepEqual(started, [ids[0]], 'nothing new started after stop()');
            assert.equal((await r.job(ids[0]!)).status, 'delivered');
            for (const id of ids.slice(1)) {
                const job = await r.job(id);
                assert.equal(job.status, 'pending', 'handed back, not left under lease');
                assert.equal(job.attempts, 0, 'a job never started is not an attempt');
            }
        } finally {
            await r.close();
        }
    });

    test('after a transient failure, the next success towards the same upstream makes its waiting jobs due at once and is reported once', async () => {
        let down = true;
        const r = await rig({
            post: async (job) => {
                if (down && (job.payload as {first?: boolean}).first) {
                    throw new UpstreamError('mattermost', 'unreachable', 'connect ECONNREFUSED');
                }
            },
            callback: async () => undefined,
        }, {concurrency: 1, prefetch: 0, baseBackoffMs: 600_000, maxBackoffMs: 600_000, probeIntervalMs: 0, upstreamOf: (kind) => (kind === 'callback' ? 'ireserve' : 'mattermost')});
        try {
            const waiting = await r.enqueue('a', {first: true}, 'post');
            r.worker.start();
            await waitFor(() => r.retrying.length === 1, 'the failure');
            assert.equal(r.retrying[0]!.delayMs, 300_000, 'a five-minute backoff');
            down = false;
            await r.enqueue('b', {}, 'callback');
            await waitFor(() => r.delivered.length === 1, 'the callback delivered');
            await new Promise((resolve) => setTimeout(resolve, 100));
            assert.equal((await r.job(waiting)).status, 'pending', 'a success towards another upstream wakes nothing');
            assert.deepEqual(r.recovered, [], 'nor is it reported as a recovery');
            await r.enqueue('c', {}, 'post');
            await waitFor(async () => (await r.job(waiting)).status === 'delivered', 'the waiting post delivered long before its backoff');
            assert.equal(r.time.offset, 0, 'no time travelled');
            // Reported once, for that licence and upstream (the websocket listener reconnects on it).
            await waitFor(() => r.recovered.length === 1, 'the recovery reported');
            assert.deepEqual(r.recovered, [`${LICENCE}\nmattermost`]);
            await r.enqueue('d', {}, 'post');
            await waitFor(() => r.delivered.length === 4, 'one more post delivered');
            assert.deepEqual(r.recovered, [`${LICENCE}\nmattermost`], 'a success without trouble before it reports nothing');
        } finally {
            await r.close();
        }
    });

    test('while an upstream is down, one of its jobs probes it every probeIntervalMs (uncounted before its own backoff); the probe\'s success brings the rest', async () => {
        let down = true;
        const attempted: string[] = [];
        const r = await rig({
            callback: async (job) => {
                attempted.push((job.payload as {name: string}).name);
                if (down) {
                    throw new UpstreamError('ireserve', 'unreachable', 'connect ECONNREFUSED');
                }
            },
        }, {concurrency: 1, prefetch: 0, maxAttempts: 3, baseBackoffMs: 600_000, maxBackoffMs: 600_000, probeIntervalMs: 5000, upstreamOf: () => 'ireserve'});
        const settled = async (count: number) => {
            await waitFor(() => r.retrying.length === count, `${count} failed attempts`);
            await waitFor(async () => (await r.repository.list(LICENCE)).every((job) => job.status === 'pending'), 'no job under lease');
        };
        try {
            const first = await r.enqueue('a', {name: 'first'}, 'callback');
            r.worker.start();
            await settled(1);
            assert.equal(r.retrying[0]!.delayMs, 5000, 'the first failure there makes its job the probe: back in 5 s, not 5 minutes');
            const second = await r.enqueue('b', {name: 'second'}, 'callback');
            await settled(2);
            assert.equal(r.retrying[1]!.delayMs, 300_000, 'any other job keeps its own backoff: one probe per upstream');

            // i-Reserve stays down for a minute: the probe tries every 5 s, far more often than
            // maxAttempts, and is not given up — those attempts came before its own backoff ran out.
            for (let i = 0; i < 12; i++) {
                r.time.offset += 5000;
                await settled(3 + i);
                assert.equal(r.retrying.at(-1)!.job.id, first);
                assert.equal(r.retrying.at(-1)!.delayMs, 5000);
            }
            assert.deepEqual(attempted.filter((name) => name === 'second'), ['second'], 'the other job waited');
            assert.equal((await r.job(first)).attempts, 1, 'probe attempts before its own backoff ran out do not count');
            assert.equal(r.parked.length, 0);

            // Back up: the next probe succeeds and the other job is due at once, not in 4 minutes.
            down = false;
            r.time.offset += 5000;
            await waitFor(async () => (await r.job(second)).status === 'delivered', 'the waiting job delivered right after the probe');
            assert.equal((await r.job(first)).status, 'delivered');
            assert.deepEqual(r.recovered, [`${LICENCE}\nireserve`]);
            assert.equal(r.time.offset, 65_000, 'a minute of outage and one probe interval, no more');
        } finally {
            await r.close();
        }
    });

    test('a probe honours the upstream\'s Retry-After', async () => {
        const r = await rig({
            post: async () => {
                throw new UpstreamError('mattermost', 'rate_limited', 'limit exceeded', {status: 429, retryAfterMs: 30_000});
            },
        }, {concurrency: 1, prefetch: 0, baseBackoffMs: 600_000, maxBackoffMs: 600_000, probeIntervalMs: 5000, upstreamOf: () => 'mattermost'});
        try {
            await r.enqueue('a', {}, 'post');
            r.worker.start();
            await waitFor(() => r.retrying.length === 1, 'the 429');
            assert.equal(r.retrying[0]!.delayMs, 30_000, 'not sooner than asked, not the 300 s of its own backoff');
        } finally {
            await r.close();
        }
    });

    test('a probe attempt at or after the job\'s own backoff counts: the probe gives up no sooner than another job would', async () => {
        const r = await rig({
            callback: async () => {
                throw new UpstreamError('ireserve', 'unreachable', 'connect ECONNREFUSED');
            },
        }, {concurrency: 1, prefetch: 0, maxAttempts: 2, baseBackoffMs: 20_000, maxBackoffMs: 20_000, probeIntervalMs: 5000, upstreamOf: () => 'ireserve'});
        try {
            const id = await r.enqueue('a', {}, 'callback');
            r.worker.start();
            await waitFor(() => r.retrying.length === 1, 'the first failure');
            // Own backoff: 10 s (jitter pinned at half of 20 s); probes at +5 s (uncounted), +10 s (counted: the last attempt).
            r.time.offset += 5000;
            await waitFor(() => r.retrying.length === 2, 'the probe');
            assert.equal((await r.job(id)).attempts, 1);
            r.time.offset += 5000;
            await waitFor(() => r.parked.length === 1, 'given up at its own second attempt');
            assert.equal((await r.job(id)).attempts, 2);
            assert.match((await r.job(id)).last_error ?? '', /^Gave up after 2 attempts/);
        } finally {
            await r.close();
        }
    });
});
