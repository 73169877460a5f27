import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, test} from 'node:test';

import {loadConfig} from '../src/config/config.js';
import {createLogger} from '../src/observability/logger.js';
import {openDatabase} from '../src/storage/database.js';
import {EventsRepository} from '../src/storage/events_repository.js';
import {Housekeeping, RETENTION} from '../src/storage/housekeeping.js';
import {OutboxRepository} from '../src/storage/outbox_repository.js';

import {ENGINES, freshDatabaseUrl, stopPostgresServer} from './support/bridge_harness.js';

after(stopPostgresServer);

for (const engine of ENGINES) {
    test(`housekeeping on ${engine} forgets old event ids and delivered jobs, and nothing still to do`, {timeout: 2 * 60_000}, async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'housekeeping-test-'));
        const handle = await openDatabase(loadConfig({DATABASE_URL: await freshDatabaseUrl(engine, dir), BRIDGE_DATA_DIR: dir}).database);
        const clock = {t: 1_000_000_000, now() {
            return this.t;
        }};
        const outbox = new OutboxRepository(handle.db, handle.kind, clock);
        const events = new EventsRepository(handle.db, clock);
        await events.record('L-1', 'msg_old', 'conversation.message');
        const delivered = await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: 'a', payload: 1});
        const failed = await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: 'b', payload: 2});
        const jobs = await outbox.claim('w', 10, 1000);
        assert.equal(await outbox.markDelivered(delivered!, 'w'), true);
        assert.equal(await outbox.park(failed!, 'w', 'The bot is not a member', 'not_a_member'), true);
        assert.equal(jobs.length, 2);
        await outbox.enqueue({licence: 'L-1', direction: 'outbound', kind: 'k', orderingKey: 'c', payload: 3});

        clock.t += Math.max(RETENTION.eventsMs, RETENTION.deliveredJobsMs) + 1;
        await events.record('L-1', 'msg_new', 'conversation.message');
        const housekeeping = new Housekeeping({outbox, events, logger: createLogger('silent')});
        assert.deepEqual(await housekeeping.runOnce(), {events: 1, jobs: 1, erasures: 0});
        assert.equal(await events.has('L-1', 'msg_old'), false);
        assert.equal(await events.has('L-1', 'msg_new'), true, 'a recent id is kept');
        assert.deepEqual(await outbox.counts('L-1'), {queueDepth: 1, failed: 1}, 'pending and parked jobs are kept');
        await handle.close();
        rmSync(dir, {recursive: true, force: true});
    });
}
