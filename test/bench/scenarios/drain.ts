// Intake while the bridge delivers at full speed: the condition after an outage, when a backlog
// drains while new events keep coming. A backlog is stored while the Mattermost stand-in hangs
// every request; then the stand-in answers again (no latency) and, while the outbox drains, the
// intake scenario's closed loop of signed events runs against the bridge, rounds alternating with
// the raw Fastify hello server (the ceiling) as in the intake scenario. Every message — the
// backlog's and the ones sent during the drain — is checked in the stand-in's posts: exactly once,
// in its conversation's order.
import path from 'node:path';

import {outboxBacklog} from '../lib/clients.js';
import type {BenchContext} from '../lib/context.js';
import {waitDrained} from '../lib/drain.js';
import {conversationId, messageEvent, resign, signedEvent, startedEvent, type SignedRequest} from '../lib/events.js';
import {closedLoop} from '../lib/load.js';
import {TEST_DIR, measureCpu, startScript} from '../lib/processes.js';
import {median, round} from '../lib/stats.js';
import {sendTraffic} from '../lib/traffic.js';
import {correct, steadyRate, verificationSummary, verifyDelivery} from '../lib/verify.js';

/**
 * One conversation per closed-loop connection: started, then messages 1, 2, … in the order they
 * were stored. A connection asks for its next request only once the previous one was answered,
 * and an event that was not stored (no answer, 5xx, 429) is sent again with its webhook-id, as
 * i-Reserve retries — so the conversation's order is the order of the events, and the stand-in's
 * posts can be verified like any other traffic.
 */
class LiveConversations {
    readonly #pending: Array<SignedRequest | undefined> = [];
    readonly #stored: boolean[] = [];
    /** Events stored per conversation (started included), by connection. */
    readonly #count: number[] = [];

    constructor(readonly run: string, readonly licence: string, readonly secret: string) {}

    next = (worker: number): SignedRequest => {
        const pending = this.#pending[worker];
        if (pending && !this.#stored[worker]) {
            return resign(this.secret, pending);
        }
        const seq = this.#count[worker] ?? 0;
        const conversation = conversationId(this.run, worker);
        const request = signedEvent(this.licence, this.secret, seq === 0 ? startedEvent(conversation) : messageEvent(conversation, seq));
        this.#pending[worker] = request;
        this.#stored[worker] = false;
        return request;
    };

    answered = (worker: number, status: number): void => {
        if ((status === 202 || status === 200) && !this.#stored[worker]) {
            this.#stored[worker] = true;
            this.#count[worker] = (this.#count[worker] ?? 0) + 1;
        }
    };

    /** Conversation id → messages stored (the started event is not a message). */
    expected(): Map<string, number> {
        return new Map(this.#count.map((count, worker) => [conversationId(this.run, worker), Math.max(0, count - 1)]));
    }
}

export async function drain(ctx: BenchContext): Promise<void> {
    const conversations = ctx.quick ? 100 : 1000;
    const messages = ctx.quick ? 10 : 20;
    const rounds = ctx.quick ? 1 : 3;
    const durationMs = ctx.quick ? 1000 : 4000;
    const warmupMs = ctx.quick ? 250 : 500;
    const connections = 32;
    const dir = ctx.dir('drain');
    const [{info, control}, hello, bridge] = await Promise.all([
        ctx.standIn('drain'),
        startScript(path.join(TEST_DIR, 'bench/hello_server.ts'), [], path.join(ctx.logs, 'drain-hello.log')),
        ctx.bridge('drain', {DATABASE_URL: `sqlite:${dir}/bridge.db`, BRIDGE_DATA_DIR: dir}),
    ]);
    try {
        const {licence, signingSecret} = await ctx.integration(bridge, info, 'L-BENCH-DRAIN');
        // The outage: every Mattermost request hangs while the backlog is stored.
        await control.outage({mode: 'hang'});
        const backlog = await sendTraffic([bridge.url], {run: 'drain', licence, secret: signingSecret, conversations, messagesPerConversation: messages, concurrency: 64});
        const queued = (await outboxBacklog(bridge.url)).pending;
        ctx.log(`drain: ${backlog.events} events stored during the outage, ${queued} jobs waiting; the stand-in answers again (no latency)`);
        const live = new LiveConversations('drain-live', licence, signingSecret);
        const helloGet = (): SignedRequest => ({path: '/', headers: {}, body: ''});
        const runs = {bridge: [] as number[], helloGet: [] as number[], p99: [] as number[], bridgeCpuPct: [] as number[], backlogAfter: [] as number[], statuses: [] as Record<string, number>[]};
        await control.clearFaults();
        const drainFrom = Date.now();
        for (let r = 0; r < rounds; r++) {
            for (const which of r % 2 === 0 ? ['bridge', 'hello'] : ['hello', 'bridge']) {
                if (which === 'bridge') {
                    const m = await measureCpu(bridge.pid, () => closedLoop({origin: bridge.url, connections, warmupMs, durationMs, next: live.next, answered: live.answered}));
                    runs.bridge.push(m.result.rate);
                    runs.p99.push(m.result.latency_ms.p99);
                    runs.bridgeCpuPct.push(round((m.cpuMs / m.wallMs) * 100, 1));
                    runs.statuses.push(m.result.statuses);
                    // Jobs still waiting when the window closed: the worker delivered all through it.
                    runs.backlogAfter.push((await outboxBacklog(bridge.url)).pending);
                } else {
                    runs.helloGet.push((await closedLoop({origin: hello.url, connections, warmupMs, durationMs, next: helloGet, method: 'GET'})).rate);
                }
            }
            ctx.log(`drain round ${r + 1}/${rounds}: bridge intake ${runs.bridge.at(-1)}/s while delivering (p99 ${runs.p99.at(-1)} ms, ${runs.backlogAfter.at(-1)} jobs still waiting), GET hello ${runs.helloGet.at(-1)}/s`);
        }
        const drainedAt = await waitDrained(() => [bridge.url], 900_000, 250);
        const posts = await control.posts();
        const vBacklog = verifyDelivery(posts, backlog.expected);
        const vLive = verifyDelivery(posts, live.expected());
        for (const [what, v] of [['backlog', vBacklog], ['events sent during the drain', vLive]] as const) {
            if (!correct(v)) {
                ctx.failures.push(`drain run (${what}): lost ${v.lost}, duplicated ${v.duplicated}, out of order ${v.out_of_order}, duplicate roots ${v.duplicate_roots}: ${v.examples.join('; ')}`);
            }
        }
        const backlogPostTimes = [...vBacklog.deliveredAt.values()];
        const drainS = (Math.max(...backlogPostTimes) - drainFrom) / 1000;
        const ratio = median(runs.bridge.map((b, i) => b / runs.helloGet[i]!));
        const windowsInDrain = runs.backlogAfter.filter((n) => n > 0).length;
        const conditions = {database: 'sqlite', backlog_conversations: conversations, backlog_messages: conversations * messages, backlog_events: backlog.events,
            standin_latency_ms: 0, delivery_concurrency: 16, connections, duration_ms: durationMs, warmup_ms: warmupMs, rounds,
            windows_with_jobs_still_waiting_at_their_end: `${windowsInDrain} of ${rounds}`};
        ctx.figure('drain', {name: 'bridge_events_per_s', value: median(runs.bridge), unit: 'events/s', runs: runs.bridge, conditions, note: 'closed loop while the outbox drains'});
        ctx.figure('drain', {name: 'fastify_hello_get_per_s', value: median(runs.helloGet), unit: 'requests/s', runs: runs.helloGet, conditions: {...conditions, note: 'GET / -> {"hello":"world"}, rounds alternating with the bridge'}});
        ctx.figure('drain', {name: 'bridge_vs_fastify_hello', value: round(ratio * 100, 1), unit: '% of ceiling', conditions,
            runs: runs.bridge.map((b, i) => round((b / runs.helloGet[i]!) * 100, 1))});
        ctx.figure('drain', {name: 'p99_closed_loop', value: median(runs.p99), unit: 'ms', runs: runs.p99, conditions: {...conditions, note: `${connections} requests always in flight, while delivering`}});
        ctx.figure('drain', {name: 'bridge_cpu', value: median(runs.bridgeCpuPct), unit: '% of one core', runs: runs.bridgeCpuPct, conditions, note: 'intake and delivery together'});
        ctx.figure('drain', {name: 'drain_messages_per_s', value: round(steadyRate(backlogPostTimes), 0), unit: 'messages/s', conditions, note: 'the backlog\'s messages: middle 80 % over the time they took, intake rounds running half of the time'});
        ctx.figure('drain', {name: 'drain_s', value: round(drainS, 1), unit: 's', conditions, note: 'from the end of the outage to the backlog\'s last message posted'});
        ctx.figure('drain', {name: 'lost_duplicated_out_of_order', value: [vBacklog, vLive].reduce((sum, v) => sum + v.lost + v.duplicated + v.out_of_order, 0), unit: 'messages',
            target: '0', met: correct(vBacklog) && correct(vLive), conditions: {...conditions, live_messages: vLive.expected_messages}});
        ctx.details.drain = {runs, queued_at_outage_end: queued, drained_after_s: round((drainedAt - drainFrom) / 1000, 1),
            backlog: verificationSummary(vBacklog), live: verificationSummary(vLive)};
        ctx.log(`drain: intake ${median(runs.bridge)}/s = ${round(ratio * 100, 1)} % of GET hello while delivering, p99 ${median(runs.p99)} ms; backlog drained at ${round(steadyRate(backlogPostTimes), 0)} messages/s in ${round(drainS, 1)} s; ${vLive.expected_messages} messages sent during the drain`);
    } finally {
        await control.clearFaults().catch(() => undefined);
        await bridge.stop();
        await hello.stop();
        await info.stop();
    }
}
