// 2. Delivery: events → posts in the Mattermost stand-in answering every request after 20 ms,
// 200 conversations × 20 messages (SQLite). Rate against the ideal concurrency / latency; every
// message checked in the stand-in's posts: delivered once, in its conversation's order. After each
// run, a plain client (lib/plain_client.ts) posts to the same stand-in with as many requests in
// flight: what the stand-in and the machine allow at that moment, the bridge's rate as a share of it.
import {rmSync} from 'node:fs';
import path from 'node:path';

import type {BenchContext} from '../lib/context.js';
import {measureCpu} from '../lib/processes.js';
import {mainThreadProfile, summariseProfile} from '../lib/profile.js';
import {waitDrained} from '../lib/drain.js';
import {plainClient, type PlainClientResult} from '../lib/plain_client.js';
import {sendTraffic} from '../lib/traffic.js';
import {correct, steadyRate, verificationSummary, verifyDelivery} from '../lib/verify.js';
import {median, round} from '../lib/stats.js';

export async function delivery(ctx: BenchContext): Promise<void> {
    const conversations = ctx.quick ? 40 : 200;
    const messages = ctx.quick ? 10 : 20;
    const runs = ctx.quick ? 1 : 3;
    const latencyMs = 20;
    const concurrency = 16;
    const ideal = concurrency / (latencyMs / 1000);
    const rates: number[] = [];
    const endToEnd: number[] = [];
    const requestsPerEvent: number[] = [];
    const cpuPerEvent: number[] = [];
    const waitPct: number[] = [];
    const plainRates: number[] = [];
    const vsPlain: number[] = [];
    const details = [];
    for (let run = 1; run <= runs; run++) {
        const dir = ctx.dir(`delivery-${run}`);
        const [{info, control}, bridge] = await Promise.all([ctx.standIn(`delivery-${run}`), ctx.bridge(`delivery-${run}`, {
            DATABASE_URL: `sqlite:${dir}/bridge.db`, BRIDGE_DATA_DIR: dir, BRIDGE_DELIVERY_CONCURRENCY: String(concurrency),
        })]);
        try {
            const {licence, signingSecret} = await ctx.integration(bridge, info, `L-BENCH-DELIVERY-${run}`);
            await control.latency(latencyMs);
            await control.clearRequests();
            const m = await measureCpu(bridge.pid, async () => {
                const sent = await sendTraffic([bridge.url], {run: `d${run}`, licence, secret: signingSecret, conversations, messagesPerConversation: messages});
                return {sent, drainedAt: await waitDrained(() => [bridge.url], 600_000)};
            });
            const {sent: traffic, drainedAt} = m.result;
            cpuPerEvent.push(Math.round((m.cpuMs * 1000) / traffic.events));
            waitPct.push(round((m.mainThreadWaitMs / m.wallMs) * 100, 1));
            const posts = await control.posts();
            const counts = await control.requestCounts();
            const v = verifyDelivery(posts, traffic.expected);
            const ours = posts.filter((p) => p.create_at >= traffic.startedAt - 1000);
            const rate = steadyRate(ours.map((p) => p.create_at));
            const total = traffic.events;
            const e2e = total / ((Math.max(v.lastPostAt, 0) - traffic.startedAt) / 1000);
            const apiRequests = Object.values(counts).reduce((a, b) => a + b, 0);
            // The bridge is idle now (drained) and its posts are read: the plain client's posts change nothing measured above.
            const plain: PlainClientResult = await plainClient(info, concurrency, ctx.quick ? 2000 : 5000);
            plainRates.push(plain.rate_per_s);
            vsPlain.push(round((rate / plain.rate_per_s) * 100, 1));
            rates.push(round(rate, 0));
            endToEnd.push(round(e2e, 0));
            requestsPerEvent.push(round(apiRequests / total, 2));
            details.push({run, events: total, posts: ours.length, steady_rate: round(rate, 0), end_to_end_rate: round(e2e, 0), drained_after_ms: drainedAt - traffic.startedAt,
                intake_ms: traffic.finishedAt - traffic.startedAt, request_counts: counts, verification: verificationSummary(v), plain_client: plain});
            ctx.log(`delivery run ${run}/${runs}: ${round(rate, 0)} posts/s steady (ideal ${ideal}, plain client ${plain.rate_per_s}), ${round(e2e, 0)}/s end to end; lost ${v.lost}, duplicated ${v.duplicated}, out of order ${v.out_of_order}`);
            if (!correct(v)) {
                ctx.failures.push(`delivery run ${run}: lost ${v.lost}, duplicated ${v.duplicated}, out of order ${v.out_of_order}, duplicate roots ${v.duplicate_roots}: ${v.examples.join('; ')}`);
            }
        } finally {
            await bridge.stop();
            await info.stop();
        }
    }
    const conditions = {database: 'sqlite', conversations, messages_per_conversation: messages, events_per_run: conversations * (messages + 1),
        standin_latency_ms: latencyMs, delivery_concurrency: concurrency, ideal_per_s: ideal, runs};
    const rate = median(rates);
    ctx.figure('delivery', {name: 'posts_per_s', value: rate, unit: 'posts/s', runs: rates, conditions, note: 'middle 80 % of posts over the time they took'});
    ctx.figure('delivery', {name: 'vs_ideal', value: round((rate / ideal) * 100, 1), unit: '% of concurrency/latency', target: '>= 90 % of concurrency / latency', met: rate / ideal >= 0.9, conditions});
    ctx.figure('delivery', {name: 'plain_client_per_s', value: median(plainRates), unit: 'posts/s', runs: plainRates, conditions,
        note: 'a plain client posting to the same stand-in with as many requests in flight, right after each run: what the stand-in and the machine allow then'});
    ctx.figure('delivery', {name: 'vs_plain_client', value: median(vsPlain), unit: '% of the plain client\'s rate', runs: vsPlain, conditions});
    ctx.figure('delivery', {name: 'end_to_end_per_s', value: median(endToEnd), unit: 'events/s', runs: endToEnd, conditions, note: 'first event sent to last post'});
    ctx.figure('delivery', {name: 'bridge_cpu_per_event', value: median(cpuPerEvent), unit: 'µs CPU (intake + delivery)', runs: cpuPerEvent, conditions,
        target: '<= 400 µs CPU per delivered message (intake + delivery)', met: median(cpuPerEvent) <= 400});
    ctx.figure('delivery', {name: 'bridge_waiting_for_cpu', value: median(waitPct), unit: '% of wall time', runs: waitPct, conditions});
    ctx.figure('delivery', {name: 'api_requests_per_event', value: median(requestsPerEvent), unit: 'requests', runs: requestsPerEvent, conditions});
    const all = details.map((d) => d.verification);
    for (const key of ['lost', 'duplicated', 'out_of_order'] as const) {
        ctx.figure('delivery', {name: key, value: all.reduce((sum, v) => sum + v[key], 0), unit: 'messages', target: '0', met: all.every((v) => v[key] === 0), conditions});
    }
    ctx.details.delivery = details;
    if (!ctx.quick) {
        await deliveryProfile(ctx, conversations, messages, latencyMs, concurrency);
    }
}

/** One more run under `node --cpu-prof` (full mode only): where the bridge's time goes while delivering. */
export async function deliveryProfile(ctx: BenchContext, conversations: number, messages: number, latencyMs: number, concurrency: number): Promise<void> {
    const dir = ctx.dir('delivery-profile');
    const profDir = path.join(ctx.logs, 'profiles-delivery');
    rmSync(profDir, {recursive: true, force: true});
    const {info, control} = await ctx.standIn('delivery-profile');
    const bridge = await ctx.bridge('delivery-profile', {
        DATABASE_URL: `sqlite:${dir}/bridge.db`, BRIDGE_DATA_DIR: dir, BRIDGE_DELIVERY_CONCURRENCY: String(concurrency),
    }, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
    let from = 0;
    let to = 0;
    let exitedAt = 0;
    const pid = bridge.pid;
    try {
        const {licence, signingSecret} = await ctx.integration(bridge, info, 'L-BENCH-DELIVERY-PROFILE');
        await control.latency(latencyMs);
        from = Date.now();
        await sendTraffic([bridge.url], {run: 'dprof', licence, secret: signingSecret, conversations, messagesPerConversation: messages});
        to = await waitDrained(() => [bridge.url], 300_000);
    } finally {
        await bridge.stop();
        exitedAt = Date.now();
        await info.stop();
    }
    const file = mainThreadProfile(profDir, pid);
    if (file && to > from) {
        ctx.details.delivery_profile = summariseProfile(file, 20, {fromEndMs: exitedAt - from, toEndMs: exitedAt - to});
    }
}
