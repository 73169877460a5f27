import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';

import {loadConfig} from '../../src/config/config.js';
import {generateSigningSecret} from '../../src/crypto/standard_webhooks.js';
import {openDatabase} from '../../src/storage/database.js';
import {MattermostStandIn} from '../../../test/standins/mattermost/index.js';
import {ENGINES, freshDatabaseUrl, startBridge, stopPostgresServer, waitFor} from '../support/bridge_harness.js';
import {childBridgeEnv, ChildBridges} from '../support/child_bridge.js';

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
            const children = new ChildBridges();
            const env = childBridgeEnv(await freshDatabaseUrl(engine, dir));
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
                let child = await children.start(env);
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
                child = await children.start(env);
                await waitFor(async () => deleted() === posts.length, 'every post deleted after the restart', 60_000, 50);
                child.process.kill('SIGTERM');
                assert.equal(await child.exited, 0);
                assert.equal(await status(), 'done');
                const late = await children.start(env);
                const answer = await sendEvent(late.url, licence, secret, message('doomed', 'm-late', 'too late'));
                assert.deepEqual([answer.status, answer.json.status, answer.json.reason], [200, 'not_sent', 'erased']);
            } finally {
                await children.killAll();
                await mm.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });
    });
}
