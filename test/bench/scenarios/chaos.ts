// 5. Chaos: a 2,000-message run (SQLite, one bridge) while faults happen, one kind after the other:
// 10 SIGKILLs of the bridge at random moments (restarted at once, same port and database), a
// 30-second Mattermost outage (503s), a 429 storm, and — when the inbound relay and the i-Reserve
// stand-in exist — an i-Reserve callback outage while agents reply. i-Reserve's sender retries each
// event (same webhook-id) until it is stored, as i-Reserve does. Afterwards: every message posted
// exactly once and in order; the time to drain after each fault (from the fault's end until every
// message stored before that moment was posted).
import type {BenchContext} from '../lib/context.js';
import {outboxBacklog} from '../lib/clients.js';
import {waitDrained} from '../lib/drain.js';
import {sleep} from '../lib/processes.js';
import {sendTraffic} from '../lib/traffic.js';
import {correct, verificationSummary, verifyDelivery} from '../lib/verify.js';
import {median, round} from '../lib/stats.js';
import {inboundChaos, type InboundChaos} from './chaos_inbound.js';

interface Fault {
    kind: 'sigkill' | 'mattermost_outage' | 'rate_limit_storm' | 'ireserve_callback_outage';
    startedAt: number;
    endedAt: number;
    detail?: Record<string, unknown>;
}

/** Random moments in [from, to) ms, at least `gap` apart, sorted. */
function randomMoments(count: number, from: number, to: number, gap: number): number[] {
    for (;;) {
        const moments = Array.from({length: count}, () => from + Math.random() * (to - from)).sort((a, b) => a - b);
        if (moments.every((m, i) => i === 0 || m - moments[i - 1]! >= gap)) {
            return moments;
        }
    }
}

export async function chaos(ctx: BenchContext): Promise<void> {
    const q = ctx.quick;
    const plan = {
        conversations: q ? 30 : 100,
        messages: q ? 10 : 20,
        sendSpanMs: q ? 16_000 : 150_000,
        kills: q ? 3 : 10,
        killWindow: q ? [1000, 5000] : [3000, 45_000],
        outageAt: q ? 7000 : 55_000,
        outageMs: q ? 3000 : 30_000,
        stormAt: q ? 11_000 : 100_000,
        stormMs: q ? 2000 : 10_000,
        callbackOutageAt: q ? 13_500 : 115_000,
        callbackOutageMs: q ? 2000 : 20_000,
        latencyMs: q ? 50 : 100,
        replies: q ? 24 : 200,
        leaseMs: q ? 3000 : 15_000, // full mode: the bridge's default (BRIDGE_DELIVERY_LEASE_MS unset)
    };
    const dir = ctx.dir('chaos');
    const env: Record<string, string> = {DATABASE_URL: `sqlite:${dir}/bridge.db`, BRIDGE_DATA_DIR: dir};
    if (q) {
        env.BRIDGE_DELIVERY_LEASE_MS = String(plan.leaseMs);
    }
    const [{info, control}, bridge] = await Promise.all([ctx.standIn('chaos'), ctx.bridge('chaos', env)]);
    const faults: Fault[] = [];
    let inbound: InboundChaos | undefined;
    try {
        inbound = await inboundChaos(ctx, info, control, bridge);
        if (!inbound.available) {
            ctx.skipped.push({scenario: 'chaos.ireserve_callback_outage', reason: inbound.reason});
        }
        const {licence, signingSecret} = await ctx.integration(bridge, info, 'L-BENCH-CHAOS', inbound.integrationSettings);
        inbound.setSecret(signingSecret);
        await control.latency(plan.latencyMs);
        const gap = plan.sendSpanMs / (plan.messages + 1);
        const t0 = Date.now();
        const at = (ms: number) => sleep(Math.max(0, t0 + ms - Date.now()));

        const state = {mattermostDown: false, killsDone: false, storm: false};
        const schedule = (async () => {
            // 1. SIGKILLs at random moments, restarted at once.
            for (const moment of randomMoments(plan.kills, plan.killWindow[0]!, plan.killWindow[1]!, 1000)) {
                await at(moment);
                const backlog = await outboxBacklog(bridge.url).catch(() => null);
                const startedAt = Date.now();
                await bridge.kill();
                await bridge.start();
                faults.push({kind: 'sigkill', startedAt, endedAt: Date.now(), detail: {restart_ms: Date.now() - startedAt, backlog_at_kill: backlog}});
                ctx.log(`chaos: SIGKILL ${faults.filter((f) => f.kind === 'sigkill').length}/${plan.kills} at ${round((startedAt - t0) / 1000, 1)} s, back in ${Date.now() - startedAt} ms`);
            }
            state.killsDone = true;
            // 2. Mattermost outage (503 on every API request, websockets refused).
            await at(plan.outageAt);
            state.mattermostDown = true;
            await sleep(q ? 1500 : 300); // replies under way finish first
            let startedAt = Date.now();
            await control.outage({mode: '503', duration_ms: plan.outageMs});
            await sleep(plan.outageMs);
            setTimeout(() => {
                state.mattermostDown = false;
            }, 500);
            faults.push({kind: 'mattermost_outage', startedAt, endedAt: Date.now(), detail: {duration_ms: plan.outageMs, status: 503}});
            ctx.log(`chaos: Mattermost outage of ${plan.outageMs / 1000} s over`);
            // 3. 429 storm: every request answered 429 with Retry-After: 1.
            await at(plan.stormAt);
            state.storm = true;
            await sleep(q ? 1500 : 300);
            startedAt = Date.now();
            await control.storm({duration_ms: plan.stormMs, retry_after_seconds: 1});
            await sleep(plan.stormMs);
            setTimeout(() => {
                state.storm = false;
            }, 1500);
            faults.push({kind: 'rate_limit_storm', startedAt, endedAt: Date.now(), detail: {duration_ms: plan.stormMs, retry_after_s: 1}});
            ctx.log(`chaos: 429 storm of ${plan.stormMs / 1000} s over`);
            // 4. i-Reserve callback outage (inbound replies), when the inbound side exists.
            if (inbound?.available) {
                await at(plan.callbackOutageAt);
                startedAt = Date.now();
                await inbound.outage(plan.callbackOutageMs);
                faults.push({kind: 'ireserve_callback_outage', startedAt, endedAt: Date.now(), detail: {duration_ms: plan.callbackOutageMs}});
                ctx.log(`chaos: i-Reserve callback outage of ${plan.callbackOutageMs / 1000} s over`);
            }
        })();
        // Agents reply while the faults happen — never while Mattermost is down (nobody can post
        // then); in quick mode (outgoing webhooks) only after the SIGKILLs and outside the 429 storm.
        const replies = inbound.available
            ? inbound.replyDuring(t0, 1000, plan.sendSpanMs, plan.replies, 'chaos-', () =>
                state.mattermostDown || (inbound!.mode === 'outgoing_webhook' && (!state.killsDone || state.storm)))
            : Promise.resolve();
        const traffic = await sendTraffic([bridge.url], {
            run: 'chaos', licence, secret: signingSecret, conversations: plan.conversations, messagesPerConversation: plan.messages,
            gapMs: () => gap * (0.5 + Math.random()),
        });
        await schedule;
        await replies;
        ctx.log(`chaos: all ${traffic.events} events stored (${traffic.retries} retries by the sender, ${traffic.duplicates} answered duplicate); draining`);
        const drainedAt = await waitDrained(() => [bridge.url], Math.max(300_000, plan.leaseMs * 3), 200);
        if (inbound.available) {
            await inbound.waitDelivered(120_000);
        }
        await sleep(500);
        const backlog = await outboxBacklog(bridge.url);
        const posts = await control.posts();
        const v = verifyDelivery(posts, traffic.expected);
        const inboundResult = inbound.available ? await inbound.verify() : undefined;

        // Time to drain after each fault: from its end until every message stored before then was posted.
        const drains = faults.map((fault) => {
            let latest = fault.endedAt;
            for (const [id, acceptedAt] of traffic.acceptedAt) {
                if (acceptedAt <= fault.endedAt) {
                    latest = Math.max(latest, v.deliveredAt.get(id) ?? Number.POSITIVE_INFINITY);
                }
            }
            const inboundLatest = fault.kind === 'ireserve_callback_outage' && inboundResult ? inboundResult.deliveredAfter(fault.endedAt) : fault.endedAt;
            return {...fault, at_s: round((fault.startedAt - t0) / 1000, 1), drain_ms: Math.max(latest, inboundLatest) - fault.endedAt};
        });
        const conditions = {database: 'sqlite', messages: plan.conversations * plan.messages, conversations: plan.conversations, standin_latency_ms: plan.latencyMs,
            lease_ms: plan.leaseMs, send_span_s: plan.sendSpanMs / 1000, kills: plan.kills, outage_s: plan.outageMs / 1000, storm_s: plan.stormMs / 1000,
            callback_outage_s: inbound.available ? plan.callbackOutageMs / 1000 : 'not measured (inbound side missing)',
            inbound_mode: inbound.available ? inbound.mode : null, agent_replies: inbound.available ? plan.replies : 0};
        const ok = correct(v) && (inboundResult?.correct ?? true);
        ctx.figure('chaos', {name: 'lost', value: v.lost + (inboundResult?.lost ?? 0), unit: 'messages', target: '0', met: v.lost + (inboundResult?.lost ?? 0) === 0, conditions});
        ctx.figure('chaos', {name: 'duplicated', value: v.duplicated + v.duplicate_roots + (inboundResult?.duplicated ?? 0), unit: 'messages', target: '0', met: v.duplicated + v.duplicate_roots + (inboundResult?.duplicated ?? 0) === 0, conditions});
        ctx.figure('chaos', {name: 'out_of_order', value: v.out_of_order + (inboundResult?.outOfOrder ?? 0), unit: 'messages', target: '0', met: v.out_of_order + (inboundResult?.outOfOrder ?? 0) === 0, conditions});
        ctx.figure('chaos', {name: 'parked_failed', value: backlog.failed, unit: 'jobs', conditions});
        const kills = drains.filter((d) => d.kind === 'sigkill').map((d) => d.drain_ms);
        if (kills.length > 0) {
            ctx.figure('chaos', {name: 'drain_after_sigkill_max', value: round(Math.max(...kills) / 1000, 1), unit: 's', runs: kills.map((k) => round(k / 1000, 1)), conditions});
            ctx.figure('chaos', {name: 'restart_ms_median', value: median(drains.filter((d) => d.kind === 'sigkill').map((d) => Number(d.detail?.restart_ms))), unit: 'ms', conditions});
        }
        for (const kind of ['mattermost_outage', 'rate_limit_storm', 'ireserve_callback_outage'] as const) {
            const d = drains.find((x) => x.kind === kind);
            if (d) {
                ctx.figure('chaos', {name: `drain_after_${kind}`, value: round(d.drain_ms / 1000, 1), unit: 's', conditions});
            }
        }
        ctx.figure('chaos', {name: 'total_drain_after_last_event', value: round((drainedAt - traffic.finishedAt) / 1000, 1), unit: 's', conditions});
        ctx.details.chaos = {plan, faults: drains, verification: verificationSummary(v), inbound: inboundResult?.summary, sender: {events: traffic.events, retries: traffic.retries, duplicates: traffic.duplicates}, backlog_after: backlog};
        ctx.log(`chaos: lost ${v.lost}, duplicated ${v.duplicated}, out of order ${v.out_of_order}; drains ${drains.map((d) => `${d.kind} ${round(d.drain_ms / 1000, 1)} s`).join(', ')}`);
        if (!ok) {
            ctx.failures.push(`chaos: lost ${v.lost}, duplicated ${v.duplicated} (+${v.duplicate_roots} roots), out of order ${v.out_of_order}${inboundResult ? `; inbound ${JSON.stringify(inboundResult.summary)}` : ''}: ${v.examples.join('; ')}`);
        }
    } finally {
        await control.clearFaults().catch(() => undefined);
        await inbound?.close();
        await bridge.stop();
        await info.stop();
    }
}
