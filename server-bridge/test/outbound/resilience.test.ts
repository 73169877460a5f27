import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';

import {ADMIN_TOKEN, ENGINES, stopPostgresServer} from '../support/bridge_harness.js';

import {assertDeliveredInOrder, botPosts, drained, ireserve, message, rigsPerSuite, rootsOf, sendConversations, started, waitFor, type OutboundRig} from './support.js';

after(stopPostgresServer);

/** Calls the admin API of the rig's licence with the operator token. */
async function admin(r: OutboundRig, method: string, path: string): Promise<unknown> {
    const response = await fetch(`${r.running.url}/api/v1/integrations/${r.licence}${path}`, {method, headers: {authorization: `Bearer ${ADMIN_TOKEN}`}});
    assert.ok(response.ok, `${method} ${path} → ${response.status}`);
    return response.json();
}

for (const engine of ENGINES) {
    describe(`outbound resilience on ${engine}`, {timeout: 5 * 60_000}, () => {
        const rigs = rigsPerSuite(engine);
        const rig = rigs.rig;

        test('1,000 messages across 50 conversations arrive complete and in per-conversation order', async () => {
            const r = await rig();
            try {
                rigs.standIn.setLatency(1, {method: 'POST', path: '/api/v4/posts'});
                const expected = await sendConversations(r.send, 50, 20, 'bulk');
                assert.equal(await drained(r, 'all 1,050 jobs', 120_000), 0);
                assertDeliveredInOrder(r, expected);
                assert.equal(botPosts(r).length, 1050);
            } finally {
                await r.close();
            }
        });

        test('Mattermost down for a while (503s, then connection resets), then back → everything delivered, nothing twice', async () => {
            const r = await rig({env: {BRIDGE_DELIVERY_MAX_ATTEMPTS: '1000'}});
            try {
                rigs.standIn.startOutage({mode: '503'});
                const first = await sendConversations(r.send, 4, 5, 'down');
                await waitFor(() => rigs.standIn.requestLog().filter((entry) => entry.status === 503).length >= 20, 'the bridge to meet the outage');
                rigs.standIn.endOutage();
                rigs.standIn.startOutage({mode: 'reset'});
                const second = await sendConversations(r.send, 2, 5, 'reset');
                await waitFor(() => rigs.standIn.requestLog().filter((entry) => entry.status === 0).length >= 10, 'the bridge to meet the resets');
                rigs.standIn.endOutage();
                assert.equal(await drained(r, 'delivery after the outage', 60_000), 0);
                assertDeliveredInOrder(r, new Map([...first, ...second]));
                const failed = await r.running.bridge.context.outbox.list(r.licence, {status: 'failed'});
                assert.deepEqual(failed, []);
            } finally {
                rigs.standIn.clearFaults();
                await r.close();
            }
        });

        test('once Mattermost answers again, deliveries waiting out a long backoff are due at once', async () => {
            // Backoff of up to 10 minutes: without the wake-up, most of these would wait minutes.
            const r = await rig({env: {BRIDGE_DELIVERY_BASE_BACKOFF_MS: '600000', BRIDGE_DELIVERY_MAX_BACKOFF_MS: '600000'}});
            try {
                rigs.standIn.startOutage({mode: '503'});
                const waiting = await sendConversations(r.send, 6, 2, 'backoff');
                const {db} = r.running.bridge.context.database;
                const pendingFar = async () => (await db.selectFrom('outbox').select(['id', 'next_attempt_at']).where('licence', '=', r.licence)
                    .where('status', '=', 'pending').where('last_error_code', '=', 'server_error').execute())
                    .filter((row) => Number(row.next_attempt_at) > Date.now() + 60_000);
                await waitFor(async () => (await pendingFar()).length > 0, 'deliveries to back off for more than a minute');
                const far = await pendingFar();
                rigs.standIn.endOutage();
                // The next success (a new conversation's first attempt) tells the bridge Mattermost is back.
                await r.send(started('backoff-after'));
                assert.equal(await drained(r, 'every waiting delivery', 20_000), 0);
                assertDeliveredInOrder(r, waiting);
                const rows = await db.selectFrom('outbox').select(['id', 'status']).where('id', 'in', far.map((row) => row.id)).execute();
                assert.ok(rows.every((row) => row.status === 'delivered'), 'the deliveries that were minutes away were delivered now');
            } finally {
                rigs.standIn.clearFaults();
                await r.close();
            }
        });

        test('429 storm → delivered, and no request reaches Mattermost before the Retry-After has passed', async () => {
            // Backoff capped far above Retry-After, so that only Retry-After decides the wait.
            const r = await rig({env: {BRIDGE_DELIVERY_MAX_BACKOFF_MS: '5000', BRIDGE_DELIVERY_BASE_BACKOFF_MS: '1'}});
            try {
                rigs.standIn.rateLimitStorm({count: 3, retryAfterSeconds: 1});
                const expected = await sendConversations(r.send, 1, 4, 'storm');
                assert.equal(await drained(r, 'delivery after the storm', 60_000), 0);
                assertDeliveredInOrder(r, expected);
                const log = rigs.standIn.requestLog().filter((entry) => entry.path.startsWith('/api/v4/'));
                const limited = log.filter((entry) => entry.status === 429);
                assert.equal(limited.length, 3, 'three 429s were answered');
                for (const hit of limited) {
                    // Requests that arrived after this 429 was answered (by the stand-in's own timestamps).
                    const later = log.filter((entry) => entry !== hit && entry.received_at >= hit.at);
                    assert.ok(later.length > 0, 'a request followed the 429');
                    const first = Math.min(...later.map((entry) => entry.received_at));
                    assert.ok(first - hit.at >= 1000, `a request arrived ${first - hit.at} ms after a 429 with Retry-After: 1`);
                }
            } finally {
                rigs.standIn.clearFaults();
                await r.close();
            }
        });

        test('a parked notification says where it was going: type and channel in the deliveries list and in the status', async () => {
            const r = await rig();
            try {
                const channelId = r.seed.notification_channel.id;
                rigs.standIn.removeChannelMember(channelId, r.seed.bot.user.id);
                assert.equal((await r.send({type: 'notification', data: {notification_type: 'booking.confirmed', text: 'Booking 12'}})).status, 202);
                await drained(r, 'the notification to park');
                const listed = await admin(r, 'GET', '/deliveries?status=failed') as {deliveries: Array<Record<string, unknown>>};
                assert.equal(listed.deliveries.length, 1);
                const [parked] = listed.deliveries;
                assert.equal(parked?.kind, 'outbound.notification');
                assert.equal(parked?.notification_type, 'booking.confirmed');
                assert.equal(parked?.channel_id, channelId);
                assert.equal(parked?.conversation_id, null);
                const view = await admin(r, 'GET', '') as {status: {last_error: string}};
                assert.match(view.status.last_error, new RegExp(`^The booking\\.confirmed notification to channel ${channelId}: The bot is not a member`));
            } finally {
                await r.close();
            }
        });

        test('bot removed from the channel → parked as failed with the reason (other conversations unaffected), delivered after a replay once re-added', async () => {
            const r = await rig();
            const {outbox} = r.running.bridge.context;
            try {
                rigs.standIn.removeChannelMember(r.seed.channel.id, r.seed.bot.user.id);
                await r.send(started('kicked'));
                await r.send(message('kicked', 'k-1', 'first'));
                await r.send(message('kicked', 'k-2', 'second'));
                await drained(r, 'the deliveries to park');
                const failed = await outbox.list(r.licence, {status: 'failed'});
                assert.equal(failed.length, 3);
                for (const job of failed) {
                    assert.equal(job.last_error_code, 'not_a_member');
                    assert.match(job.last_error!, /The bot is not a member of the channel\. Add the bot to the channel/);
                }
                const integration = await r.running.bridge.context.integrations.get(r.licence);
                assert.match(integration?.lastError ?? '', /not a member/);
                const metrics = await (await fetch(`${r.running.url}/metrics`)).text();
                assert.match(metrics, /ireserve_bridge_deliveries_total\{direction="outbound",kind="outbound.conversation.message",result="failed"\} 2/);
                assert.match(metrics, /ireserve_bridge_outbox_jobs\{direction="outbound",status="failed"\} 3/);

                // Other conversations are not blocked: a notification still goes to its own channel.
                assert.equal((await r.send({type: 'notification', data: {notification_type: 'booking.confirmed', text: 'Booking 12'}})).status, 202);
                await drained(r);
                assert.equal(botPosts(r).filter((post) => post.type === 'custom_irsv_notification').length, 1);

                // The admin adds the bot back and replays through the admin API, one delivery at a time.
                rigs.standIn.addChannelMember(r.seed.channel.id, r.seed.bot.user.id);
                const listed = await admin(r, 'GET', '/deliveries?status=failed') as {deliveries: Array<{id: number; last_error: string}>};
                assert.deepEqual(listed.deliveries.map((delivery) => delivery.id).sort(), failed.map((job) => job.id).sort());
                for (const delivery of [...listed.deliveries].reverse()) {
                    await admin(r, 'POST', `/deliveries/${delivery.id}/retry`);
                }
                assert.equal(await drained(r, 'the replay'), 0);
                assertDeliveredInOrder(r, new Map([['kicked', ['k-1', 'k-2']]]));
                const [root] = rootsOf(r, 'kicked');
                assert.equal(ireserve(root!).visitor_name, 'Anna Visitor');
            } finally {
                await r.close();
            }
        });

        test('a message partly posted before a permanent failure is completed on replay, its posted part not repeated', async () => {
            const r = await rig();
            try {
                // Mattermost's MaxFileSize is smaller than the bridge's limit: the second post's file is refused.
                rigs.standIn.setConfig({maxFileSize: 4096});
                const small = Buffer.alloc(1000, 1).toString('base64');
                const large = Buffer.alloc(6000, 2).toString('base64');
                const attachments = [...Array.from({length: 5}, (_, i) => ({filename: `s${i}.bin`, content_type: 'application/octet-stream', data: small})),
                    {filename: 'large.bin', content_type: 'application/octet-stream', data: large}];
                await r.send(message('partial', 'p-1', 'six files', {attachments}));
                await drained(r);
                const [failed] = await r.running.bridge.context.outbox.list(r.licence, {status: 'failed'});
                assert.equal(failed?.last_error_code, 'too_large');
                assert.match(failed!.last_error!, /Mattermost refused the data as too large/);
                assert.equal(botPosts(r).filter((post) => ireserve(post).message_id === 'p-1').length, 1, 'the first post went out');

                rigs.standIn.setConfig({maxFileSize: 100 * 1024 * 1024});
                assert.deepEqual(await admin(r, 'POST', '/deliveries/retry-failed'), {retried: 1});
                assert.equal(await drained(r), 0);
                const posts = botPosts(r).filter((post) => ireserve(post).message_id === 'p-1');
                assert.deepEqual(posts.map((post) => [ireserve(post).part, post.file_ids.length]), [[1, 5], [2, 1]]);
            } finally {
                rigs.standIn.setConfig({maxFileSize: 100 * 1024 * 1024});
                await r.close();
            }
        });

        test('a rejected bot token parks deliveries with a plain reason; a new token and a replay deliver them', async () => {
            const r = await rig();
            const {outbox, integrations} = r.running.bridge.context;
            try {
                rigs.standIn.revokeToken(r.seed.bot.token);
                await r.send(message('revoked', 'r-1', 'hello'));
                await drained(r);
                const [job] = await outbox.list(r.licence, {status: 'failed'});
                assert.equal(job?.last_error_code, 'token_rejected');
                assert.match(job!.last_error!, /Mattermost rejected the bot token/);

                const record = (await integrations.getRecord(r.licence))!;
                await integrations.save({...record, auth: {mode: 'token', botToken: rigs.standIn.createToken(r.seed.bot.user.id).token}});
                assert.equal(await outbox.retryAll(r.licence), 1);
                r.running.bridge.context.wakeWorker();
                assert.equal(await drained(r), 0);
                assert.equal(botPosts(r).filter((post) => ireserve(post).message_id === 'r-1').length, 1);
            } finally {
                await r.close();
            }
        });
    });
}
