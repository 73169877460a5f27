// 3. Scale-out: 1, 2 and 3 bridge processes on one PostgreSQL sharing the outbox. Each process
// delivers at most `concurrency` at once to a stand-in answering after `latency` ms, so one process
// is bound by concurrency × latency, not by the stand-in or the CPU: a second process should add
// its own capacity. Events go round-robin to the processes; order and uniqueness are verified.
// A second, CPU-bound variant (no stand-in latency) shows what two shared cores allow.
import {startPostgres} from '../../support/postgres.js';
import type {BenchContext} from '../lib/context.js';
import {waitDrained} from '../lib/drain.js';
import type {BridgeProcess} from '../lib/processes.js';
import {sendTraffic} from '../lib/traffic.js';
import {correct, steadyRate, verificationSummary, verifyDelivery} from '../lib/verify.js';
import {median, round} from '../lib/stats.js';

interface Variant {
    name: string;
    latencyMs: number;
    concurrency: number;
    conversations: number;
    messages: number;
    runs: number;
    processes: number[];
}

export async function scaleout(ctx: BenchContext): Promise<void> {
    const pg = await startPostgres({database: 'bench'});
    try {
        // 4 deliveries at once × 100 ms = 40 posts/s per process: far below what one process can do
        // on one core, so each process is bound by its own concurrency, not by the CPU or the stand-in.
        const bound: Variant = {name: 'latency_bound', latencyMs: 100, concurrency: 4, conversations: 100, messages: 8, runs: 3, processes: [1, 2, 3]};
        const cpu: Variant = {name: 'cpu_bound', latencyMs: 0, concurrency: 16, conversations: 200, messages: 10, runs: 1, processes: [1, 2]};
        for (const variant of [bound, cpu]) {
            const rates = new Map<number, number[]>();
            const details = [];
            let allCorrect = true;
            for (let run = 1; run <= variant.runs; run++) {
                for (const n of variant.processes) {
                    const result = await oneRun(ctx, pg, variant, n, run);
                    rates.set(n, [...(rates.get(n) ?? []), result.rate]);
                    details.push(result.detail);
                    allCorrect &&= result.correct;
                }
            }
            const conditions = {database: 'postgresql (one server, shared outbox)', standin_latency_ms: variant.latencyMs, delivery_concurrency_per_process: variant.concurrency,
                conversations: variant.conversations, messages_per_conversation: variant.messages, runs: variant.runs, ideal_per_process_per_s: variant.latencyMs > 0 ? variant.concurrency / (variant.latencyMs / 1000) : null};
            const one = median(rates.get(1)!);
            for (const n of variant.processes) {
                const value = median(rates.get(n)!);
                ctx.figure('scaleout', {name: `${variant.name}.processes_${n}_posts_per_s`, value, unit: 'posts/s', runs: rates.get(n), conditions});
                if (n > 1) {
                    const speedup = round(value / one, 2);
                    ctx.figure('scaleout', {
                        name: `${variant.name}.speedup_${n}_vs_1`, value: speedup, unit: 'x',
                        ...(variant.name === 'latency_bound' && n === 2 ? {target: '>= 1.6x when the stand-in is not the bottleneck', met: speedup >= 1.6} : {}),
                        conditions,
                    });
                }
            }
            ctx.figure('scaleout', {name: `${variant.name}.duplicated_or_out_of_order`, value: details.reduce((s, d) => s + d.verification.duplicated + d.verification.out_of_order + d.verification.lost, 0),
                unit: 'messages', target: '0', met: allCorrect, conditions});
            ctx.details[`scaleout_${variant.name}`] = details;
        }
    } finally {
        await pg.stop();
    }
}

async function oneRun(ctx: BenchContext, pg: Awaited<ReturnType<typeof startPostgres>>, variant: Variant, n: number, run: number) {
    const tag = `${variant.name}_p${n}_r${run}`;
    const databaseUrl = await pg.createDatabase(`bench_${tag}`);
    const {info, control} = await ctx.standIn(`scaleout-${tag}`);
    const bridges: BridgeProcess[] = [];
    try {
        for (let i = 0; i < n; i++) {
            bridges.push(await ctx.bridge(`scaleout-${tag}-${i}`, {
                DATABASE_URL: databaseUrl, BRIDGE_DATA_DIR: ctx.dir(`scaleout-${tag}-${i}`), BRIDGE_DELIVERY_CONCURRENCY: String(variant.concurrency),
            }));
        }
        const {licence, signingSecret} = await ctx.integration(bridges[0]!, info, `L-BENCH-SCALE-${run}`);
        if (variant.latencyMs > 0) {
            await control.latency(variant.latencyMs);
        }
        const traffic = await sendTraffic(bridges.map((b) => b.url), {run: tag, licence, secret: signingSecret, conversations: variant.conversations, messagesPerConversation: variant.messages});
        await waitDrained(() => bridges.map((b) => b.url), 300_000);
        const posts = await control.posts();
        const v = verifyDelivery(posts, traffic.expected);
        const rate = round(steadyRate(posts.map((p) => p.create_at)), 0);
        ctx.log(`scale-out ${variant.name} ${n} process(es) run ${run}: ${rate} posts/s; lost ${v.lost}, duplicated ${v.duplicated}, out of order ${v.out_of_order}`);
        if (!correct(v)) {
            ctx.failures.push(`scale-out ${tag}: lost ${v.lost}, duplicated ${v.duplicated}, out of order ${v.out_of_order}: ${v.examples.join('; ')}`);
        }
        return {rate, correct: correct(v), detail: {variant: variant.name, processes: n, run, rate, events: traffic.events, verification: verificationSummary(v)}};
    } finally {
        for (const bridge of bridges) {
            await bridge.stop();
        }
        await info.stop();
    }
}
