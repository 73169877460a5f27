import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {generateSigningSecret} from '../../src/crypto/standard_webhooks.js';
import {MattermostStandIn, type Seed} from '../../../test/standins/mattermost/index.js';
import {childBridgeEnv, ChildBridges} from '../support/child_bridge.js';
import {ADMIN_TOKEN, startBridge, waitFor} from '../support/bridge_harness.js';

import {assertDeliveredInOrder, botPosts, integrationRecord, message, sendEvent, started} from './support.js';

/** How long the sender keeps retrying one event while the bridge is down or restarting. */
const SEND_RETRY_MS = 120_000;

describe('outbound: the bridge process killed with SIGKILL mid-run (SQLite file, real main.ts)', {timeout: 5 * 60_000}, () => {
    let standIn: MattermostStandIn;
    let seed: Seed;
    let dir: string;
    const licence = 'L-CRASH';
    const secret = generateSigningSecret();
    let env: Record<string, string>;
    const children = new ChildBridges();

    before(async () => {
        standIn = await MattermostStandIn.start();
        seed = standIn.seedDefault();
        dir = mkdtempSync(path.join(tmpdir(), 'bridge-crash-'));
        env = childBridgeEnv(`sqlite:${path.join(dir, 'bridge.db')}`);
        // Create the integration in the same database file, as the admin API would.
        const setup = await startBridge({databaseUrl: env.DATABASE_URL, dir, env});
        await setup.bridge.context.integrations.save(integrationRecord(standIn, seed, licence, secret));
        await setup.close();
    });

    after(async () => {
        await children.killAll();
        await standIn.close();
        rmSync(dir, {recursive: true, force: true});
    });

    test('killed twice while 220 events are being sent and delivered: after restarts nothing is lost, nothing is posted twice, order holds', async (t) => {
        const rig = {standIn, seed};
        const botCount = () => botPosts(rig).length;
        // Slow Mattermost down a little so that the kills land mid-delivery.
        standIn.setLatency(15, {method: 'POST', path: '/api/v4/posts'});

        let child = await children.start(env);
        // A sender like i-Reserve's: on a refused connection or a non-2xx answer it tries again
        // (against whichever process is up), with the same webhook-id — for a bounded time, so a
        // bridge that never comes back fails the test instead of hanging it.
        let answeredDuplicate = 0;
        const send = async (event: unknown): Promise<void> => {
            const id = `evt_${randomBytes(8).toString('hex')}`;
            const deadline = Date.now() + SEND_RETRY_MS;
            let last = 'no attempt';
            while (Date.now() < deadline) {
                try {
                    const answer = await sendEvent(child.url, licence, secret, event, {id});
                    if (answer.status === 202 || answer.status === 200) {
                        answeredDuplicate += answer.status === 200 ? 1 : 0;
                        return;
                    }
                    last = `answered ${answer.status}`;
                } catch (error) {
                    last = (error as Error).message; // the process is down: retry
                }
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            throw new Error(`event ${id} was not accepted within ${SEND_RETRY_MS} ms (last: ${last})`);
        };
        const expected = new Map<string, string[]>();
        const sending = Promise.all(Array.from({length: 20}, async (_, c) => {
            const conversationId = `crash-${c}`;
            expected.set(conversationId, []);
            await send(started(conversationId));
            for (let m = 0; m < 10; m++) {
                await send(message(conversationId, `${conversationId}-m${m}`, `message ${m}`));
                expected.get(conversationId)!.push(`${conversationId}-m${m}`);
            }
        }));

        const kills: number[] = [];
        for (const threshold of [40, 130]) {
            await waitFor(() => botCount() >= threshold, `${threshold} posts before the kill`, 120_000, 2);
            child.process.kill('SIGKILL');
            assert.equal(await child.exited, null, 'killed, not exited');
            const atKill = botCount();
            kills.push(atKill);
            assert.ok(atKill < 220, `killed mid-run (${atKill} of 220 posted)`);
            child = await children.start(env);
        }
        await sending;

        await waitFor(() => botCount() >= 220, 'every event delivered after the restarts', 120_000, 20);
        // The last completions may still queue a root update (the guest waiting): let the outbox
        // empty (bounded) so that the stop below does not leave it pending, under load.
        await waitFor(async () => {
            const response = await fetch(`${child.url}/api/v1/integrations/${licence}`, {headers: {authorization: `Bearer ${ADMIN_TOKEN}`}});
            return response.ok && ((await response.json()) as {status: {queue_depth: number}}).status.queue_depth === 0;
        }, 'the outbox empty after the last post', 60_000, 50);
        // Stop gracefully (deliveries under way finish), then look: no late duplicate may appear.
        child.process.kill('SIGTERM');
        assert.equal(await child.exited, 0);
        assert.equal(botCount(), 220);
        assertDeliveredInOrder(rig, expected);
        t.diagnostic(`kills at ${kills.join(' and ')} posts; ${answeredDuplicate} retried sends answered "duplicate" (stored before the kill, answer lost)`);

        const verify = await startBridge({databaseUrl: env.DATABASE_URL, dir, env});
        try {
            assert.deepEqual(await verify.bridge.context.outbox.counts(licence), {queueDepth: 0, failed: 0});
            const undelivered = await verify.bridge.context.database.db.selectFrom('messages').select('message_id')
                .where('licence', '=', licence).where('delivered_at', 'is', null).execute();
            assert.deepEqual(undelivered, [], 'every message recorded as delivered with its post');
        } finally {
            await verify.close();
        }
    });
});
