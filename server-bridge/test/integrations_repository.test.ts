import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';

import {loadConfig} from '../src/config/config.js';
import {SecretBox} from '../src/crypto/secret_box.js';
import {DEFAULT_DM_SETTINGS} from '../src/domain/integration.js';
import {openDatabase, type DatabaseHandle} from '../src/storage/database.js';
import {IntegrationsRepository, type IntegrationRecord} from '../src/storage/integrations_repository.js';

import {ENGINES, freshDatabaseUrl, stopPostgresServer} from './support/bridge_harness.js';

after(stopPostgresServer);

function record(licence: string, overrides: Partial<IntegrationRecord> = {}): IntegrationRecord {
    return {
        licence, serverUrl: 'http://127.0.0.1:1', auth: {mode: 'token', botToken: 'bot-token'}, outgoingWebhookToken: null,
        channelId: 'c'.repeat(26), notificationChannels: {}, relayMode: 'all_replies', inboundMode: 'outgoing_webhook',
        callbackUrl: null, signingSecret: 'whsec_c2VjcmV0', adminKeyHash: 'h', dmSettings: DEFAULT_DM_SETTINGS, active: true, botUserId: null,
        ...overrides,
    };
}

async function open(engine: (typeof ENGINES)[number]): Promise<{handle: DatabaseHandle; clock: {t: number; now(): number}; box: SecretBox; done(): Promise<void>}> {
    const dir = mkdtempSync(path.join(tmpdir(), 'integrations-test-'));
    const config = loadConfig({DATABASE_URL: await freshDatabaseUrl(engine, dir), BRIDGE_DATA_DIR: dir});
    const handle = await openDatabase(config.database);
    const clock = {t: 1_000_000, now() {
        return this.t;
    }};
    return {handle, clock, box: new SecretBox(randomBytes(32)), async done() {
        await handle.close();
        rmSync(dir, {recursive: true, force: true});
    }};
}

for (const engine of ENGINES) {
    describe(`integrations repository on ${engine}`, {timeout: 2 * 60_000}, () => {
        test('getCached: own writes are seen at once, another process\'s within the cache time', async () => {
            const {handle, clock, box, done} = await open(engine);
            const here = new IntegrationsRepository(handle.db, box, clock, {cacheMs: 1000});
            const elsewhere = new IntegrationsRepository(handle.db, box, clock, {cacheMs: 1000});
            await here.save(record('L-1'));
            assert.equal((await here.getCached('L-1'))?.active, true);
            await here.save(record('L-1', {active: false}));
            assert.equal((await here.getCached('L-1'))?.active, false, 'own write: seen at once');
            await elsewhere.save(record('L-1', {active: true}));
            assert.equal((await here.getCached('L-1'))?.active, false, 'another process\'s write: not yet');
            assert.equal((await here.get('L-1'))?.active, true, 'get always reads');
            clock.t += 1000;
            assert.equal((await here.getCached('L-1'))?.active, true, 'after the cache time');
            await elsewhere.delete('L-1');
            clock.t += 1000;
            assert.equal(await here.getCached('L-1'), undefined);
            await done();
        });

        test('recordDelivery: a burst writes once now and once at the end of the window; errors after the last delivery stay', async () => {
            const {handle, clock, box, done} = await open(engine);
            const repo = new IntegrationsRepository(handle.db, box, clock, {deliveryWriteEveryMs: 50});
            await repo.save(record('L-1'));
            let writes = 0;
            const execute = handle.db.updateTable.bind(handle.db);
            handle.db.updateTable = ((...args: Parameters<typeof execute>) => {
                writes += 1;
                return execute(...args);
            }) as typeof handle.db.updateTable;
            const status = async () => {
                const row = await handle.db.selectFrom('integrations').select(['last_delivery_at', 'last_error']).where('licence', '=', 'L-1').executeTakeFirstOrThrow();
                return {at: row.last_delivery_at === null ? null : Number(row.last_delivery_at), error: row.last_error};
            };
            await repo.recordError('L-1', 'The bot is not a member of the channel.');
            writes = 0;
            for (let i = 0; i < 100; i++) {
                clock.t += 1;
                await repo.recordDelivery('L-1');
            }
            assert.equal(writes, 1, 'the first delivery writes at once');
            assert.deepEqual(await status(), {at: 1_000_001, error: null}, 'and clears the earlier error');
            await new Promise((resolve) => setTimeout(resolve, 120));
            assert.equal(writes, 2, 'the rest of the burst: one write at the end of the window');
            assert.deepEqual(await status(), {at: 1_000_100, error: null});

            clock.t += 1;
            await repo.recordDelivery('L-1');
            clock.t += 1;
            await repo.recordDelivery('L-1');
            clock.t += 1;
            await repo.recordError('L-1', 'Mattermost rejected the bot token.');
            await new Promise((resolve) => setTimeout(resolve, 120));
            await repo.flushDeliveries();
            assert.equal((await status()).error, 'Mattermost rejected the bot token.', 'an error after the last delivery is not cleared');
            await done();
        });
    });
}
