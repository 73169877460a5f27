// Waiting guests (DESIGN §11, issue 16): waiting spells, the root's waiting_since, reminders through
// the outbox with a due time, quiet hours, response-time figures, the admin status and settings —
// on a real bridge (SQLite and PostgreSQL) with an injected clock, against the Mattermost and
// i-Reserve stand-ins.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import type {ReminderSettings} from '../../src/contract/index.js';
import {MattermostStandIn, type PostRec} from '../../../test/standins/mattermost/index.js';
import {IReserveStandIn} from '../../../test/standins/ireserve/index.js';
import {ADMIN_TOKEN, ENGINES, TestClock, startBridge, stopPostgresServer, waitFor, type Engine, type RunningBridge} from '../support/bridge_harness.js';
import {deliveredReplies, outboxRows, post, setupIntegration, unique, type Setup, type World} from '../inbound/support.js';

import {ireserve, message, sendEvent, started, updated} from './support.js';

after(stopPostgresServer);

const REMINDER_KIND = 'outbound.conversation.reminder';

interface Rig extends World {
    clock: TestClock;
}

async function startRig(engine: Engine): Promise<Rig> {
    const mm = await MattermostStandIn.start();
    const seed = mm.seedDefault();
    const ireserveStandIn = await IReserveStandIn.start();
    const clock = new TestClock();
    const bridge = await startBridge({engine, clock});
    return {
        engine, mm, seed, ireserve: ireserveStandIn, bridge, clock,
        async close() {
            await bridge.close();
            await mm.close();
            await ireserveStandIn.close();
        },
    };
}

async function withReminders(rig: Rig, setup: Setup, reminders: ReminderSettings | null, bridge: RunningBridge = rig.bridge): Promise<void> {
    await bridge.bridge.context.integrations.save({...setup.record, reminders});
}

async function send(rig: Rig, setup: Setup, event: unknown, bridge: RunningBridge = rig.bridge): Promise<void> {
    const answer = await sendEvent(bridge.url, setup.licence, setup.secret, event, {timestamp: Math.floor(rig.clock.now() / 1000)});
    assert.equal(answer.status, 202, JSON.stringify(answer.json));
}

function visitor(conversationId: string, text = 'Is the cottage free in June?'): unknown {
    return message(conversationId, unique('m'), text, {sender: {type: 'visitor', name: 'Lotte Jansen'}});
}

function agentMessage(conversationId: string): unknown {
    return message(conversationId, unique('m'), 'Yes, it is.', {sender: {type: 'agent', name: 'Anna Agent'}});
}

function rootOf(rig: Rig, conversationId: string): PostRec | undefined {
    return rig.mm.allPosts().find((p) => p.user_id === rig.seed.bot.user.id && p.type === 'custom_irsv_conversation' && ireserve(p).conversation_id === conversationId && !p.delete_at);
}

function remindersOf(rig: Rig, conversationId: string): PostRec[] {
    return rig.mm.allPosts().filter((p) => p.user_id === rig.seed.bot.user.id && ireserve(p).conversation_id === conversationId && typeof ireserve(p).after_seconds === 'number');
}

/** Nothing due is left to deliver for the licence (reminders set for later do not count). */
async function settled(rig: Rig, setup: Setup, bridge: RunningBridge = rig.bridge): Promise<void> {
    await waitFor(async () => (await bridge.bridge.context.outbox.counts(setup.licence, [REMINDER_KIND])).queueDepth === 0, 'the outbox to settle', 30_000);
}

async function pendingReminders(rig: Rig, setup: Setup): Promise<Array<{dedupe_key: string | null}>> {
    return (await outboxRows(rig, setup.licence)).filter((row) => row.kind === REMINDER_KIND && row.status === 'pending');
}

async function waitingSince(rig: Rig, conversationId: string): Promise<string | undefined> {
    const root = await waitFor(() => rootOf(rig, conversationId), 'the root post');
    const value = ireserve(root).waiting_since;
    return typeof value === 'string' ? value : undefined;
}

async function metricValue(rig: Rig, line: string): Promise<number> {
    const text = await (await fetch(`${rig.bridge.url}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found ? Number(found.slice(found.lastIndexOf(' ') + 1)) : 0;
}

async function adminStatus(rig: Rig, setup: Setup): Promise<{waiting: {count: number; longest_seconds: number}; queue_depth: number}> {
    const response = await fetch(`${rig.bridge.url}/api/v1/integrations/${setup.licence}`, {headers: {authorization: `Bearer ${ADMIN_TOKEN}`}});
    assert.equal(response.status, 200);
    return (await response.json() as {status: {waiting: {count: number; longest_seconds: number}; queue_depth: number}}).status;
}

/** A conversation with its root, and a visitor message that starts a spell; returns the spell's start as the root shows it. */
async function guestWrites(rig: Rig, setup: Setup, conversationId: string, first = true): Promise<string> {
    if (first) {
        await send(rig, setup, started(conversationId, {visitor: {name: 'Lotte Jansen', email: 'lotte@example.com'}}));
    }
    const before = rig.clock.now();
    await send(rig, setup, visitor(conversationId));
    await settled(rig, setup);
    const since = await waitFor(() => waitingSince(rig, conversationId), 'waiting_since on the root');
    assert.ok(Date.parse(since) >= before - 1000 && Date.parse(since) <= rig.clock.now(), `waiting_since ${since} is when the message came`);
    return since;
}

for (const engine of ENGINES) {
    describe(`waiting guests and reminders (${engine})`, {timeout: 5 * 60_000}, () => {
        let rig: Rig;

        before(async () => {
            rig = await startRig(engine);
        });

        after(async () => {
            await rig?.close();
        });

        test('a waiting guest: waiting_since on the root, one reminder per threshold, @here when nobody has it; an agent message ends the wait', async () => {
            const setup = await setupIntegration(rig);
            await withReminders(rig, setup, {after_seconds: [60, 120], notify: 'assignee'});
            const conversationId = unique('conv');
            const since = await guestWrites(rig, setup, conversationId);
            const root = rootOf(rig, conversationId)!;
            assert.match(root.message, /⏳ Waiting for an answer since \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
            assert.equal((await adminStatus(rig, setup)).waiting.count, 1);
            assert.equal((await adminStatus(rig, setup)).queue_depth, 0, 'reminders set for later are no queue');
            assert.equal((await pendingReminders(rig, setup)).length, 2);

            rig.clock.advance(60_000);
            const [first] = await waitFor(() => (remindersOf(rig, conversationId).length === 1 ? remindersOf(rig, conversationId) : null), 'the first reminder');
            assert.equal(first!.message, '⏰ Lotte Jansen has waited 1 minute — @here');
            assert.equal(first!.root_id, root.id);
            assert.deepEqual(ireserve(first!), {v: 1, conversation_id: conversationId, waiting_since: since, after_seconds: 60});
            const status = await adminStatus(rig, setup);
            assert.equal(status.waiting.count, 1);
            assert.ok(status.waiting.longest_seconds >= 60, `longest ${status.waiting.longest_seconds}`);
            assert.ok(await metricValue(rig, 'ireserve_bridge_conversations_waiting') >= 1);
            assert.ok(await metricValue(rig, 'ireserve_bridge_longest_wait_seconds') >= 60);

            rig.clock.advance(60_000);
            await waitFor(() => remindersOf(rig, conversationId).length === 2, 'the second reminder');
            assert.equal(remindersOf(rig, conversationId)[1]!.message, '⏰ Lotte Jansen has waited 2 minutes — @here');

            const responses = await metricValue(rig, 'ireserve_bridge_response_seconds_count');
            const firsts = await metricValue(rig, 'ireserve_bridge_first_response_seconds_count');
            await send(rig, setup, agentMessage(conversationId));
            await waitFor(async () => await waitingSince(rig, conversationId) === undefined, 'waiting_since gone from the root');
            assert.doesNotMatch(rootOf(rig, conversationId)!.message, /Waiting for an answer/);
            assert.equal((await adminStatus(rig, setup)).waiting.count, 0);
            assert.equal(await metricValue(rig, 'ireserve_bridge_response_seconds_count'), responses + 1);
            assert.equal(await metricValue(rig, 'ireserve_bridge_first_response_seconds_count'), firsts + 1);
            assert.equal(remindersOf(rig, conversationId).length, 2, 'one reminder per threshold');
        });

        test('an agent\'s reply relayed from the thread answers between two thresholds: the rest is cancelled; the guest writing again starts a new spell', async () => {
            const setup = await setupIntegration(rig);
            await withReminders(rig, setup, {after_seconds: [60, 120], notify: 'assignee'});
            const conversationId = unique('conv');
            const first = await guestWrites(rig, setup, conversationId);
            rig.clock.advance(60_000);
            await waitFor(() => remindersOf(rig, conversationId).length === 1, 'the first reminder');

            const firsts = await metricValue(rig, 'ireserve_bridge_first_response_seconds_count');
            const root = rootOf(rig, conversationId)!;
            post(rig, rig.seed.agent.user.id, {channel_id: setup.channel.id, root_id: root.id, message: 'Yes, week 23 is free.'});
            await waitFor(() => deliveredReplies(setup.endpoint).length === 1, 'the reply relayed to i-Reserve');
            await waitFor(async () => await waitingSince(rig, conversationId) === undefined, 'waiting_since gone from the root');
            assert.deepEqual(await pendingReminders(rig, setup), [], 'the spell\'s pending reminder is cancelled');
            assert.equal(await metricValue(rig, 'ireserve_bridge_first_response_seconds_count'), firsts + 1);

            rig.clock.advance(60_000);
            await settled(rig, setup);
            assert.equal(remindersOf(rig, conversationId).length, 1, 'no reminder after the answer');

            // The guest writes again: a new spell, with its own reminders.
            const second = await guestWrites(rig, setup, conversationId, false);
            assert.notEqual(second, first);
            rig.clock.advance(60_000);
            await waitFor(() => remindersOf(rig, conversationId).length === 2, 'the new spell\'s first reminder');
            assert.equal(ireserve(remindersOf(rig, conversationId)[1]!).waiting_since, second);
            // A second answer is no first response.
            await send(rig, setup, agentMessage(conversationId));
            await waitFor(async () => await waitingSince(rig, conversationId) === undefined, 'the second wait ended');
            assert.equal(await metricValue(rig, 'ireserve_bridge_first_response_seconds_count'), firsts + 1);
        });

        test('assignee: the reminder mentions the assignee\'s Mattermost username found by e-mail; notify "channel": always @here', async () => {
            const setup = await setupIntegration(rig);
            await withReminders(rig, setup, {after_seconds: [60], notify: 'assignee'});
            const assigned = unique('conv');
            await send(rig, setup, started(assigned, {visitor: {name: 'Lotte Jansen'}}));
            await send(rig, setup, updated(assigned, {assignee: {name: 'Ben Backup', email: 'BEN@example.com'}}));
            await guestWrites(rig, setup, assigned, false);
            rig.clock.advance(60_000);
            const [reminder] = await waitFor(() => (remindersOf(rig, assigned).length === 1 ? remindersOf(rig, assigned) : null), 'the reminder');
            assert.equal(reminder!.message, '⏰ Lotte Jansen has waited 1 minute — @ben');

            await withReminders(rig, setup, {after_seconds: [60], notify: 'channel'});
            const channelWide = unique('conv');
            await send(rig, setup, started(channelWide, {visitor: {name: 'Lotte Jansen'}}));
            await send(rig, setup, updated(channelWide, {assignee: {name: 'Ben Backup', email: 'ben@example.com'}}));
            await guestWrites(rig, setup, channelWide, false);
            rig.clock.advance(60_000);
            await waitFor(() => remindersOf(rig, channelWide).length === 1, 'the reminder');
            assert.equal(remindersOf(rig, channelWide)[0]!.message, '⏰ Lotte Jansen has waited 1 minute — @here');
        });

        test('closing ends the wait and its reminders; a guest writing after the close waits again', async () => {
            const setup = await setupIntegration(rig);
            await withReminders(rig, setup, {after_seconds: [60], notify: 'assignee'});
            const conversationId = unique('conv');
            await guestWrites(rig, setup, conversationId);
            await send(rig, setup, updated(conversationId, {status: 'closed'}));
            await waitFor(async () => await waitingSince(rig, conversationId) === undefined, 'waiting_since gone from the root');
            assert.equal(ireserve(rootOf(rig, conversationId)!).status, 'closed');
            assert.deepEqual(await pendingReminders(rig, setup), []);
            rig.clock.advance(60_000);
            await settled(rig, setup);
            assert.deepEqual(remindersOf(rig, conversationId), []);
            assert.equal((await adminStatus(rig, setup)).waiting.count, 0);

            await guestWrites(rig, setup, conversationId, false);
            rig.clock.advance(60_000);
            await waitFor(() => remindersOf(rig, conversationId).length === 1, 'the reminder of the new wait');
        });

        test('quiet hours across midnight and the end of daylight saving: reminders due inside are posted at their end, only the latest', async () => {
            const setup = await setupIntegration(rig);
            // 24 Oct 2026, 22:50 in Amsterdam (CEST, UTC+2); the clocks go back at 03:00 on the 25th,
            // so 08:00 that morning is 07:00 UTC (CET, UTC+1), not 06:00.
            rig.clock.set(Date.parse('2026-10-24T20:50:00Z'));
            try {
                await withReminders(rig, setup, {after_seconds: [60, 120], notify: 'channel', quiet_hours: {timezone: 'Europe/Amsterdam', from: '22:00', to: '08:00'}});
                const conversationId = unique('conv');
                await guestWrites(rig, setup, conversationId);
                const due = (await outboxRows(rig, setup.licence)).filter((row) => row.kind === REMINDER_KIND);
                const rows = await rig.bridge.bridge.context.database.db.selectFrom('outbox').select(['next_attempt_at']).where('licence', '=', setup.licence).where('kind', '=', REMINDER_KIND).execute();
                assert.equal(due.length, 2);
                assert.deepEqual(rows.map((row) => new Date(Number(row.next_attempt_at)).toISOString()), ['2026-10-25T07:00:00.000Z', '2026-10-25T07:00:00.000Z']);

                // (30 s into the first minute after quiet hours, so the text's whole minutes are certain.)
                rig.clock.set(Date.parse('2026-10-25T07:00:30Z'));
                await waitFor(() => remindersOf(rig, conversationId).length === 1, 'the reminder at the end of quiet hours');
                await settled(rig, setup);
                await waitFor(async () => (await pendingReminders(rig, setup)).length === 0, 'both reminder jobs done');
                const posted = remindersOf(rig, conversationId);
                assert.equal(posted.length, 1, 'only the latest threshold is posted');
                assert.equal(ireserve(posted[0]!).after_seconds, 120);
                assert.equal(posted[0]!.message, '⏰ Lotte Jansen has waited 10 hours 10 minutes — @here');
            } finally {
                rig.clock.set(Date.now());
            }
        });

        test('two bridge processes on one database: exactly one reminder', async () => {
            const setup = await setupIntegration(rig);
            await withReminders(rig, setup, {after_seconds: [60], notify: 'assignee'});
            const second = await startBridge({engine, databaseUrl: rig.bridge.databaseUrl, clock: rig.clock});
            try {
                const conversationId = unique('conv');
                await guestWrites(rig, setup, conversationId);
                rig.clock.advance(60_000);
                await waitFor(() => remindersOf(rig, conversationId).length >= 1, 'the reminder');
                await settled(rig, setup);
                await settled(rig, setup, second);
                assert.equal(remindersOf(rig, conversationId).length, 1);
            } finally {
                await second.close();
            }
        });

        test('messages delivered in one go (queued while Mattermost was down): the root is patched once, to the state after the last one, and not at all when it shows that already', async () => {
            const setup = await setupIntegration(rig);
            for (const last of ['agent', 'visitor'] as const) {
                const conversationId = unique('conv');
                await send(rig, setup, started(conversationId, {visitor: {name: 'Lotte Jansen'}}));
                await settled(rig, setup);
                const root = await waitFor(() => rootOf(rig, conversationId), 'the root post');
                const burst = [visitor(conversationId), agentMessage(conversationId), visitor(conversationId), agentMessage(conversationId), visitor(conversationId), agentMessage(conversationId)];
                const events = last === 'agent' ? burst : burst.slice(0, -1);
                rig.mm.faults.startOutage({mode: '503'}); // (not rig.mm.startOutage: the bridge's websocket stays up)
                try {
                    for (const event of events) {
                        await send(rig, setup, event);
                    }
                } finally {
                    rig.mm.endOutage();
                }
                rig.mm.clearRequestLog();
                rig.clock.advance(3600_000); // past the backoff of the first message's failed attempt
                await settled(rig, setup);
                const replies = rig.mm.allPosts().filter((p) => p.root_id === root.id && !p.delete_at);
                assert.equal(replies.length, events.length, 'every message posted once');
                const patches = rig.mm.requestLog().filter((r) => r.method === 'PUT' && r.path === `/api/v4/posts/${root.id}/patch`);
                // Ending on an agent's message, nobody waits: what the root has shown since it was made.
                assert.equal(patches.length, last === 'visitor' ? 1 : 0, `patches for the ${events.length} waiting changes (last message: ${last})`);
                const waitingJobs = (await outboxRows(rig, setup.licence)).filter((row) => row.kind === 'outbound.conversation.waiting' && row.payload.conversation_id === conversationId);
                assert.equal(waitingJobs.length, last === 'visitor' ? 1 : 0, 'no waiting job per message: at most one, queued by the last');
                const since = await waitingSince(rig, conversationId);
                assert.equal(since !== undefined, last === 'visitor', `the root shows the state after the last message (${since})`);
            }
        });

        test('the last message of a burst is parked: the root still shows the state the delivered ones left', async () => {
            const setup = await setupIntegration(rig);
            const conversationId = unique('conv');
            await send(rig, setup, started(conversationId, {visitor: {name: 'Lotte Jansen'}}));
            await settled(rig, setup);
            const root = await waitFor(() => rootOf(rig, conversationId), 'the root post');
            const withFile = message(conversationId, unique('m'), 'Here is the form.', {
                sender: {type: 'visitor', name: 'Lotte Jansen'},
                attachments: [{filename: 'form.txt', content_type: 'text/plain', data: Buffer.from('form').toString('base64')}],
            });
            rig.mm.faults.startOutage({mode: '503'});
            try {
                // Both wait behind the first one's failed attempt: the first leaves the root to the second.
                await send(rig, setup, visitor(conversationId));
                await send(rig, setup, withFile);
            } finally {
                rig.mm.endOutage();
            }
            rig.mm.faults.failNext(1, 403, {match: {method: 'POST', path: '/api/v4/files'}}); // the second's upload: refused, parked at once
            rig.clock.advance(3600_000);
            await settled(rig, setup);
            const rows = (await outboxRows(rig, setup.licence)).filter((row) => JSON.stringify(row.payload).includes(conversationId));
            assert.equal(rows.filter((row) => row.status === 'failed').length, 1, 'the message with the file is parked');
            assert.equal(rig.mm.allPosts().filter((p) => p.root_id === root.id && !p.delete_at).length, 1, 'the first message is posted');
            // A parked job settles the root after the park is committed (DeliveryHandlers.parked), so the
            // outbox can read empty a moment before that waiting job is queued: wait for the root (bounded).
            await waitFor(() => waitingSince(rig, conversationId), 'the root to show the guest waiting since the first message');
        });
    });
}