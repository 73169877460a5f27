import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';

import pino from 'pino';

import {loadConfig} from '../src/config/config.js';
import type {Clock} from '../src/ports/clock.js';
import {openDatabase, type DatabaseHandle} from '../src/storage/database.js';
import {OutboxRepository} from '../src/storage/outbox_repository.js';
import {OutboxWorker} from '../src/outbox/worker.js';
import {systemClock} from '../src/ports/clock.js';

import {ENGINES, freshDatabaseUrl, stopPostgresServer, waitFor} from './support/bridge_harness.js';

after(stopPostgresServer);

async function open(engine: (typeof ENGINES)[number]): Promise<{handle: DatabaseHandle; clock: Clock & {t: number}; dir: string; url: string}> {
    const dir = mkdtempSync(path.join(tmpdir(), 'outbox-test-'));
    const url = await freshDatabaseUrl(engine, dir);
    const config = loadConfig({DATABASE_URL: url, BRIDGE_DATA_DIR: dir});
    const clock = {t: 1_000_000, now() {
        return this.t;
    }};
    return {handle: await openDatabase(config.database), clock, dir, url};
}

for (const engine of ENGINES) {
    describe(`outbox on ${engine}`, {timeout: 2 * 60_000}, () => {
        test('hands out only the head of each ordering key, in order, and other keys in parallel', async () => {
            const {handle, clock, dir} = await open(engine);
            const outbox = new OutboxRepository(handle.db, handle.kind, clock);
            for (const key of ['a', 'b']) {
                for (let i = 1; i <= 3; i++) {
                    await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: key, payload: {key, i}});
                }
            }
            const first = await outbox.claim('w1', 10, 1000);
            assert.deepEqual(first.map((job) => job.payload), [{key: 'a', i: 1}, {key: 'b', i: 1}]);
            assert.deepEqual(await outbox.claim('w2', 10, 1000), [], 'nothing else runnable while the heads are in flight');
            assert.equal(await outbox.markDelivered(first[0]!.id, 'w1'), true);
            const second = await outbox.claim('w1', 10, 1000);
            assert.deepEqual(second.map((job) => job.payload), [{key: 'a', i: 2}]);
            await handle.close();
            rmSync(dir, {recursive: true, force: true});
        });

        test('dedupe key queues once; parked jobs do not block and replay in order', async () => {
            const {handle, clock, dir} = await open(engine);
            const outbox = new OutboxRepository(handle.db, handle.kind, clock);
            assert.notEqual(await outbox.enqueue({licence: 'L-1', direction: 'inbound', kind: 'k', orderingKey: 'c', dedupeKey: 'post:1', payload: 1}), null);
            assert.equal(await outbox.enqueue({licence: 'L-1', direction: 'inbound', kind: 'k', orderingKey: 'c', dedupeKey: 'post:1', payload: 1}), null);
            assert.notEqual(await outbox.enqueue({licence: 'L-2', direction: 'inbound', kind: 'k', orderingKey: 'c', dedupeKey: 'post:1', payload: 1}), null, 'dedupe is per licence');
            await outbox.enqueue({licence: 'L-1', direction: 'inbound', kind: 'k', orderingKey: 'c', payload: 2});
            const [job] = await outbox.claim('w', 1, 1000);
            assert.ok(job);
            assert.equal(await outbox.park(job.id, 'w', 'The bot is not a member', 'not_a_member'), true);
            const next = await outbox.claim('w', 10, 1000);
            assert.deepEqual(next.map((entry) => [entry.licence, entry.payload]), [['L-2', 1], ['L-1', 2]]);
            assert.deepEqual(await outbox.counts('L-1'), {queueDepth: 1, failed: 1});
            const failed = await outbox.list('L-1', {status: 'failed'});
            assert.equal(failed.length, 1);
            assert.equal(failed[0]!.last_error, 'The bot is not a member');
            assert.equal(await outbox.retry('L-2', job.id), false, 'another licence cannot replay it');
            assert.equal(await outbox.retry('L-1', job.id), true);
            assert.deepEqual(await outbox.counts('L-1'), {queueDepth: 2, failed: 0});
            await handle.close();
            rmSync(dir, {recursive: true, force: true});
        });

        test('jobs without a dedupe key never collide; the questions by ordering key see only unfinished jobs', async () => {
            const {handle, clock, dir} = await open(engine);
            const outbox = new OutboxRepository(handle.db, handle.kind, clock);
            const job = (kind: string, payload: number) => ({licence: 'L-1', direction: 'outbound' as const, kind, orderingKey: 'conv:c', payload});
            const first = await outbox.enqueue(job('a', 1));
            assert.ok(first !== null && await outbox.enqueue(job('a', 1)) !== null, 'the same job twice without a key: queued twice');
            assert.equal(await outbox.statusOf('L-1', 'none'), undefined);
            await outbox.enqueue(job('b', 2));
            assert.equal(await outbox.hasUnfinished('L-1', 'conv:c'), true);
            assert.equal(await outbox.hasLaterPending('L-1', 'conv:c', first, ['b']), true);
            assert.equal(await outbox.hasLaterPending('L-1', 'conv:other', 0, ['b']), false);
            for (let i = 0; i < 3; i++) {
                const [head] = await outbox.claim('w', 10, 1000);
                assert.ok(head, 'one job of the key at a time');
                assert.equal(await outbox.markDelivered(head.id, 'w'), true);
            }
            assert.equal(await outbox.hasUnfinished('L-1', 'conv:c'), false, 'delivered jobs are finished');
            assert.equal(await outbox.hasLaterPending('L-1', 'conv:c', first, ['b']), false);
            await handle.close();
            rmSync(dir, {recursive: true, force: true});
        });

        test('a lease that runs out hands the job to another worker, and the old owner cannot complete it', async () => {
            const {handle, clock, dir} = await open(engine);
            const outbox = new OutboxRepository(handle.db, handle.kind, clock);
            await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: 'a', payload: 1});
            await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: 'a', payload: 2});
            const [job] = await outbox.claim('dead', 5, 1000);
            assert.equal(job?.attempts, 1);
            clock.t += 999;
            assert.deepEqual(await outbox.claim('w2', 5, 1000), []);
            clock.t += 2;
            const [again] = await outbox.claim('w2', 5, 1000);
            assert.equal(again?.id, job!.id, 'the expired head comes back, not the job behind it');
            assert.equal(again?.attempts, 2);
            assert.equal(await outbox.markDelivered(job!.id, 'dead'), false);
            assert.equal(await outbox.markDelivered(job!.id, 'w2'), true);
            await handle.close();
            rmSync(dir, {recursive: true, force: true});
        });

        test('renewing leases keeps a live worker\'s jobs; releasing hands unstarted jobs back without counting the attempt', async () => {
            const {handle, clock, dir} = await open(engine);
            const outbox = new OutboxRepository(handle.db, handle.kind, clock);
            await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: 'a', payload: 1});
            await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: 'b', payload: 2});
            const jobs = await outbox.claim('w1', 5, 1000);
            assert.equal(jobs.length, 2);
            clock.t += 900;
            assert.equal(await outbox.renewLeases('w1', 1000), 2);
            assert.equal(await outbox.renewLeases('someone-else', 1000), 0);
            clock.t += 900;
            assert.deepEqual(await outbox.claim('w2', 5, 1000), [], 'renewed: still w1\'s');
            assert.equal(await outbox.release([jobs[1]!.id], 'w2'), 0, 'only the owner releases');
            assert.equal(await outbox.release([jobs[1]!.id], 'w1'), 1);
            const [again] = await outbox.claim('w2', 5, 1000);
            assert.equal(again?.id, jobs[1]!.id);
            assert.equal(again?.attempts, 1, 'the released claim did not count as an attempt');
            await handle.close();
            rmSync(dir, {recursive: true, force: true});
        });

        test('the worker claims ahead: far fewer claims than jobs, order per key kept, nothing left claimed after stop', async () => {
            const {handle, clock, dir} = await open(engine);
            const outbox = new OutboxRepository(handle.db, handle.kind, systemClock);
            for (let i = 0; i < 5; i++) {
                for (let k = 0; k < 20; k++) {
                    await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: `c${k}`, payload: {k, i}});
                }
            }
            let claims = 0;
            const claim = outbox.claim.bind(outbox);
            outbox.claim = (...args) => {
                claims += 1;
                return claim(...args);
            };
            const done: Array<{k: number; i: number}> = [];
            const worker = new OutboxWorker({
                repository: outbox, concurrency: 4, pollIntervalMs: 10, leaseMs: 5000, maxAttempts: 3, baseBackoffMs: 1, maxBackoffMs: 5,
                logger: pino({level: 'silent'}), clock: systemClock,
                handlers: {k: async (job) => {
                    done.push(job.payload as {k: number; i: number});
                    await new Promise((resolve) => setTimeout(resolve, 1));
                }},
            });
            worker.start();
            await waitFor(() => done.length === 100, 'all jobs');
            await worker.stop();
            for (let k = 0; k < 20; k++) {
                assert.deepEqual(done.filter((job) => job.k === k).map((job) => job.i), [0, 1, 2, 3, 4], `order of key c${k}`);
            }
            assert.ok(claims < 60, `claims: ${claims} for 100 jobs`);
            // Stopping hands claimed-ahead jobs back: none stays in flight.
            for (let k = 0; k < 20; k++) {
                await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'slow', orderingKey: `s${k}`, payload: k});
            }
            let release!: () => void;
            const gate = new Promise<void>((resolve) => {
                release = resolve;
            });
            let running = 0;
            const second = new OutboxWorker({
                repository: outbox, concurrency: 2, pollIntervalMs: 10, leaseMs: 5000, maxAttempts: 3, baseBackoffMs: 1, maxBackoffMs: 5,
                logger: pino({level: 'silent'}), clock: systemClock, handlers: {slow: () => {
                    running += 1;
                    return gate;
                }},
            });
            second.start();
            await waitFor(() => running === 2, 'two slow jobs running');
            const stopping = second.stop();
            release();
            await stopping;
            assert.deepEqual(await outbox.counts('L-1'), {queueDepth: 18, failed: 0});
            const rows = await handle.db.selectFrom('outbox').select(['status', 'attempts']).where('kind', '=', 'slow').execute();
            assert.equal(rows.filter((row) => row.status === 'in_flight').length, 0, 'nothing left claimed');
            assert.equal(rows.filter((row) => row.status === 'pending' && Number(row.attempts) === 0).length, 18);
            void clock;
            await handle.close();
            rmSync(dir, {recursive: true, force: true});
        });

        test('deliveries recorded at once: each completion kept with its mark; one that fails fails alone, nothing of it kept', async () => {
            const {handle, clock, dir} = await open(engine);
            const outbox = new OutboxRepository(handle.db, handle.kind, clock);
            for (const key of ['a', 'b', 'c', 'd']) {
                await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: key, payload: key});
            }
            const jobs = await outbox.claim('w', 10, 60_000);
            assert.equal(jobs.length, 4);
            const note = (key: string, fail = false) => async (trx: Parameters<NonNullable<Parameters<OutboxRepository['markDelivered']>[2]>>[0]) => {
                await trx.insertInto('kv').values({licence: 'L-1', key: `note:${key}`, value: key, updated_at: 1}).execute();
                if (fail) {
                    throw new Error(`completion ${key} fails`);
                }
            };
            // Started in the same turn of the event loop: on SQLite they share a transaction.
            const outcomes = await Promise.allSettled(jobs.map((job) => outbox.markDelivered(job.id, 'w', note(String(job.payload), job.payload === 'c'))));
            assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
            assert.deepEqual(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : null)), [true, true, null, true]);
            const notes = await handle.db.selectFrom('kv').select('key').where('licence', '=', 'L-1').orderBy('key').execute();
            assert.deepEqual(notes.map((row) => row.key), ['note:a', 'note:b', 'note:d'], 'the failed completion left nothing');
            const statuses = await handle.db.selectFrom('outbox').select(['ordering_key', 'status']).orderBy('id').execute();
            assert.deepEqual(statuses.map((row) => `${row.ordering_key}:${row.status}`), ['a:delivered', 'b:delivered', 'c:in_flight', 'd:delivered']);
            // A lost lease: the mark says so, the completion is kept.
            assert.equal(await outbox.markDelivered(jobs[2]!.id, 'someone else', note('c2')), false);
            assert.ok(await handle.db.selectFrom('kv').select('key').where('key', '=', 'note:c2').executeTakeFirst());
            await handle.close();
            rmSync(dir, {recursive: true, force: true});
        });

        test('reschedule waits for its time; an uncounted one gives the attempt back', async () => {
            const {handle, clock, dir} = await open(engine);
            const outbox = new OutboxRepository(handle.db, handle.kind, clock);
            await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: 'a', payload: 1});
            const [job] = await outbox.claim('w', 5, 1000);
            await outbox.reschedule(job!.id, 'w', 500, 'Mattermost could not be reached', 'unreachable');
            clock.t += 499;
            assert.deepEqual(await outbox.claim('w', 5, 1000), []);
            clock.t += 1;
            const [again] = await outbox.claim('w', 5, 1000);
            assert.equal(again?.attempts, 2, 'a rescheduled attempt counts');
            // An uncounted attempt (a probe while the upstream is down) is handed back uncounted.
            assert.equal(await outbox.reschedule(again.id, 'w', 500, 'Mattermost could not be reached', 'unreachable', {uncounted: true}), true);
            clock.t += 500;
            const [third] = await outbox.claim('w', 5, 1000);
            assert.equal(third?.attempts, 2, 'the probe\'s attempt did not count');
            const [row] = await outbox.list('L-1');
            assert.equal(row?.last_error_code, 'unreachable');
            await handle.close();
            rmSync(dir, {recursive: true, force: true});
        });
    });
}

if (ENGINES.includes('postgres')) {
    test('on PostgreSQL, concurrent claimers never get the same job and keep per-key order', {timeout: 2 * 60_000}, async () => {
        const {handle, clock, dir, url} = await open('postgres');
        const outbox = new OutboxRepository(handle.db, handle.kind, clock);
        const keys = 20;
        const perKey = 10;
        for (let i = 0; i < perKey; i++) {
            for (let k = 0; k < keys; k++) {
                await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: `c${k}`, payload: {k, i}});
            }
        }
        // Three separate connection pools stand in for three bridge processes.
        const others = await Promise.all([0, 1, 2].map(() => openDatabase(loadConfig({DATABASE_URL: url, BRIDGE_DATA_DIR: dir}).database)));
        const seen: Array<{k: number; i: number}> = [];
        const lastByKey = new Map<number, number>();
        // Bounded: claimers that stop finding the remaining jobs fail the test instead of spinning,
        // and one claimer's failure stops the others.
        const deadline = Date.now() + 60_000;
        let failed = false;
        await Promise.all(others.map(async (db, index) => {
            const repo = new OutboxRepository(db.db, db.kind, clock);
            while (!failed) {
                const jobs = await repo.claim(`w${index}`, 4, 60_000);
                if (jobs.length === 0 && seen.length === keys * perKey) {
                    return;
                }
                if (jobs.length === 0 && Date.now() > deadline) {
                    throw new Error(`claimer w${index} gave up: ${seen.length} of ${keys * perKey} jobs claimed after 60 s`);
                }
                for (const job of jobs) {
                    const payload = job.payload as {k: number; i: number};
                    assert.equal(lastByKey.get(payload.k) ?? -1, payload.i - 1, 'per-key order across claimers');
                    lastByKey.set(payload.k, payload.i);
                    seen.push(payload);
                    assert.equal(await repo.markDelivered(job.id, `w${index}`), true);
                }
                if (jobs.length === 0) {
                    await new Promise((resolve) => setTimeout(resolve, 5));
                }
            }
        }).map((claimer) => claimer.catch((error: unknown) => {
            failed = true;
            throw error;
        })));
        assert.equal(seen.length, keys * perKey);
        assert.equal(new Set(seen.map((entry) => `${entry.k}/${entry.i}`)).size, keys * perKey, 'no job twice');
        for (const db of others) {
            await db.close();
        }
        await handle.close();
        rmSync(dir, {recursive: true, force: true});
    });
}

