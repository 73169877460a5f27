// A reminder due while the bridge process is killed with SIGKILL (issue 16): after the restart it is
// posted exactly once — the outbox holds it with its due time, the post ledger makes it once even
// when the kill landed while Mattermost was creating it. Real main.ts, SQLite file, real clock
// (the shortest threshold, 10 s).
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {loadConfig} from '../../src/config/config.js';
import {generateSigningSecret} from '../../src/crypto/standard_webhooks.js';
import {openDatabase} from '../../src/storage/database.js';
import {MattermostStandIn, type Seed} from '../../../test/standins/mattermost/index.js';
import {startBridge, waitFor} from '../support/bridge_harness.js';
import {childBridgeEnv, ChildBridges} from '../support/child_bridge.js';

import {botPosts, integrationRecord, ireserve, message, sendEvent, started} from './support.js';

describe('waiting: kill -9 with a reminder due (SQLite file, real main.ts)', {timeout: 3 * 60_000}, () => {
    let standIn: MattermostStandIn;
    let seed: Seed;
    let dir: string;
    let env: Record<string, string>;
    const licence = 'L-REMIND-CRASH';
    const secret = generateSigningSecret();
    const children = new ChildBridges();

    before(async () => {
        standIn = await MattermostStandIn.start();
        seed = standIn.seedDefault();
        dir = mkdtempSync(path.join(tmpdir(), 'bridge-remind-crash-'));
        env = childBridgeEnv(`sqlite:${path.join(dir, 'bridge.db')}`);
        const setup = await startBridge({databaseUrl: env.DATABASE_URL, dir, env});
        await setup.bridge.context.integrations.save({...integrationRecord(standIn, seed, licence, secret), reminders: {after_seconds: [10], notify: 'channel'}});
        await setup.close();
    });

    after(async () => {
        await children.killAll();
        await standIn.close();
        rmSync(dir, {recursive: true, force: true});
    });

    test('killed while the reminder is being posted: after the restart it is there exactly once', async (t) => {
        const reminders = () => botPosts({standIn, seed}).filter((post) => typeof ireserve(post).after_seconds === 'number');
        let child = await children.start(env);
        for (const event of [started('crash-wait', {visitor: {name: 'Lotte Jansen'}}), message('crash-wait', 'crash-wait-m1', 'Hello?')]) {
            const answer = await sendEvent(child.url, licence, secret, event);
            assert.equal(answer.status, 202);
        }
        await waitFor(() => botPosts({standIn, seed}).some((post) => post.type === 'custom_irsv_conversation' && typeof ireserve(post).waiting_since === 'string'),
            'the root showing the wait', 30_000);

        // Mattermost is slow to create posts, so the kill lands while the reminder is being created.
        standIn.setLatency(1500, {method: 'POST', path: '/api/v4/posts'});
        // The ledger notes the reminder's key before it asks Mattermost: read the shared database.
        const look = await openDatabase(loadConfig({DATABASE_URL: env.DATABASE_URL!, BRIDGE_DATA_DIR: dir}).database);
        try {
            await waitFor(async () => {
                const rows = await look.db.selectFrom('kv').select('key').where('licence', '=', licence).execute();
                return rows.some((row) => row.key.includes('reminder:crash-wait:'));
            }, 'the reminder\'s post under way (ledger entry started)', 60_000, 10);
        } finally {
            await look.close();
        }
        child.process.kill('SIGKILL');
        assert.equal(await child.exited, null, 'killed, not exited');
        const atKill = reminders().length;
        standIn.setLatency(0);

        child = await children.start(env);
        await waitFor(() => reminders().length >= 1, 'the reminder after the restart', 60_000);
        child.process.kill('SIGTERM');
        assert.equal(await child.exited, 0);
        const posted = reminders();
        assert.equal(posted.length, 1, 'exactly one reminder');
        assert.match(posted[0]!.message, /^⏰ Lotte Jansen has waited \d+ seconds — @here$/);
        t.diagnostic(`reminders visible at the kill: ${atKill}`);

        const verify = await startBridge({databaseUrl: env.DATABASE_URL, dir, env});
        try {
            const rows = await verify.bridge.context.database.db.selectFrom('outbox').select(['kind', 'status'])
                .where('licence', '=', licence).where('kind', '=', 'outbound.conversation.reminder').execute();
            assert.deepEqual(rows.map((row) => row.status), ['delivered']);
        } finally {
            await verify.close();
        }
    });
});
