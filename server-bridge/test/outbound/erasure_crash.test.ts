import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';

import {loadConfig} from '../../src/config/config.js';
import {generateSigningSecret} from '../../src/crypto/standard_webhooks.js';
import {openDatabase} from '../../src/storage/database.js';
import {MattermostStandIn} from '../../../test/standins/mattermost/index.js';
import {ADMIN_TOKEN, ENGINES, freshDatabaseUrl, LOOPBACK_HOSTS, startBridge, stopPostgresServer, waitFor} from '../support/bridge_harness.js';
import {startChildBridge, type ChildBridge} from '../support/child_bridge.js';

import {botPosts, integrationRecord, message, sendEvent, started} from './support.js';

after(stopPostgresServer);

for (const engine of ENGINES) {
    describe(`erasure: the bridge killed with SIGKILL while erasing, on ${engine} (real main.ts)`, {timeout: 4 * 60_000}, () => {
        test('the restarted bridge resumes the erasure and finishes it; it never read "done" before', async () => {
            const mm = await MattermostStandIn.start();
            const seed = mm.seedDefault();
            const dir = mkdtempSync(path.join(tmpdir(), 'bridge-erasure-crash-'));
            const licence = 'L-ERASECRASH';
            const secret = generateSigningSecret();
            const children: ChildBridge[] = [];
            const env = {
                BRIDGE_HOST: '127.0.0.1',
                BRIDGE_PORT: '0',
                DATABASE_URL: await freshDatabaseUrl(engine, dir),
                BRIDGE_SECRET_KEY: randomBytes(32).toString('hex'),
                BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
                LOG_LEVEL: 'warn',
                BRIDGE_DELIVERY_BASE_BACKOFF_MS: '20',
                BRIDGE_DELIVERY_MAX_BACKOFF_MS: '200',
                BRIDGE_DELIVERY_POLL_MS: '20',
                BRIDGE_ALLOWED_INTERNAL_HOSTS: LOOPBACK_HOSTS,
                // A killed process's lease runs out quickly, so the restarted one takes the erasure over soon.
                BRIDGE_DELIVERY_LEASE_MS: '2000',
            };
            const status = async (): Promise<string | undefined> => {
                // Read straight from the database (no bridge, no worker that could carry on the erasure).
                const database = await openDatabase(loadConfig({...env, BRIDGE_DATA_DIR: dir}).database);
                try {
                    const row = await database.db.selectFrom('erasures').select('status')
                        .where('licence', '=', licence).where('conversation_id', '=', 'doomed').executeTakeFirst();
                    return row?.status;
                } finally {
                    await database.close();
                }
            };
            try {
                const setup = await startBridge({databaseUrl: env.DATABASE_URL, dir, env});
                try {
                    await setup.bridge.context.integrations.save(integrationRecord(mm, seed, licence, secret));
                } finally {
                    await setup.close();
                }
                let child = await startChildBridge(env);
                children.push(child);
                assert.equal((await sendEvent(child.url, licence, secret, started('doomed'))).status, 202);
                for (let i = 0; i < 6; i++) {
                    const attachments = [{filename: `f${i}.txt`, content_type: 'text/plain', data: Buffer.from(`file ${i}`).toString('base64')}];
                    assert.equal((await sendEvent(child.url, licence, secret, message('doomed', `m${i}`, `text ${i}`, {attachments}))).status, 202);
                }
                await waitFor(() => botPosts({standIn: mm, seed}).length >= 7, 'the conversation delivered', 60_000);
                const posts = botPosts({standIn: mm, seed}).map((post) => post.id);
                const deleted = () => posts.filter((id) => (mm.getPost(id)?.delete_at ?? 0) > 0).length;

                // Slow deletions, so the kill lands between the first and the last.
                mm.setLatency(300, {method: 'DELETE', path: '/api/v4/posts/*'});
                assert.equal((await sendEvent(child.url, licence, secret, {type: 'conversation.erased', data: {conversation_id: 'doomed'}})).status, 202);
                await waitFor(() => deleted() >= 1, 'a first post deleted', 60_000, 5);
                child.process.kill('SIGKILL');
                assert.equal(await child.exited, null, 'killed, not exited');
                const atKill = deleted();
                assert.ok(atKill < posts.length, `killed mid-erasure (${atKill} of ${posts.length} posts deleted)`);
                assert.equal(await status(), 'in_progress', 'not "done" while posts remain');

                mm.setLatency(0);
                child = await startChildBridge(env);
                children.push(child);
                await waitFor(async () => deleted() === posts.length, 'every post deleted after the restart', 60_000, 50);
                child.process.kill('SIGTERM');
                assert.equal(await child.exited, 0);
                assert.equal(await status(), 'done');
                const late = await startChildBridge(env);
                children.push(late);
                const answer = await sendEvent(late.url, licence, secret, message('doomed', 'm-late', 'too late'));
                assert.deepEqual([answer.status, answer.json.status, answer.json.reason], [200, 'not_sent', 'erased']);
            } finally {
                for (const child of children) {
                    if (child.process.exitCode === null && child.process.signalCode === null) {
                        child.process.kill('SIGKILL');
                        await child.exited;
                    }
                }
                await mm.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });
    });
}
