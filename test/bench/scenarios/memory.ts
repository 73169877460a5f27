// Memory: RSS of one bridge (SQLite), started as `npm start` starts it, while 10,000 conversations
// and 100,000 messages go through it (intake and delivery to the stand-in), sampled from
// /proc/<pid>/status along the way.
import {readFileSync} from 'node:fs';

import {outboxBacklog} from '../lib/clients.js';
import type {BenchContext} from '../lib/context.js';
import {waitDrained} from '../lib/drain.js';
import {sleep} from '../lib/processes.js';
import {sendTraffic} from '../lib/traffic.js';
import {correct, verificationSummary, verifyDelivery} from '../lib/verify.js';
import {round} from '../lib/stats.js';

const MB = 1024 * 1024;

/** V8 heap used and reserved, and external memory, from the bridge's Prometheus default metrics. */
async function memoryBreakdown(url: string): Promise<Record<string, number> | undefined> {
    try {
        const text = await (await fetch(`${url}/metrics`)).text();
        const read = (metric: string) => Number(new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
        const figures = {
            heap_used_after_100k: read('ireserve_bridge_nodejs_heap_size_used_bytes'),
            heap_reserved_after_100k: read('ireserve_bridge_nodejs_heap_size_total_bytes'),
            external_after_100k: read('ireserve_bridge_nodejs_external_memory_bytes'),
        };
        return Object.values(figures).every(Number.isFinite) ? figures : undefined;
    } catch {
        return undefined;
    }
}

/** Resident memory by kind from /proc/<pid>/smaps_rollup: anonymous (heaps, malloc) and file-backed (code, mapped files). */
function residentKinds(pid: number): Record<string, number> | undefined {
    try {
        const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
        const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
        const figures = {rss_anonymous_after_100k: kb('Anonymous'), rss_file_backed_after_100k: kb('Rss') - kb('Anonymous')};
        return Object.values(figures).every(Number.isFinite) ? figures : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The bridge started as `npm start` starts it (the target), then the same run started as plain
 * `node dist/main.js`, where Node sizes the heap from the machine's memory (the figures before the
 * bound, `memory.unbounded.*`).
 */
const VARIANTS = [
    {name: 'memory', prefix: '', npmStart: true},
    {name: 'memory-unbounded', prefix: 'unbounded.', npmStart: false},
];

export async function memory(ctx: BenchContext): Promise<void> {
    for (const variant of VARIANTS) {
        await memoryRun(ctx, variant);
    }
}

async function memoryRun(ctx: BenchContext, variant: (typeof VARIANTS)[number]): Promise<void> {
    const conversations = 10_000;
    const messages = 10;
    const dir = ctx.dir(variant.name);
    const {info, control} = await ctx.standIn(variant.name);
    const bridge = await ctx.bridge(variant.name, {DATABASE_URL: `sqlite:${dir}/bridge.db`, BRIDGE_DATA_DIR: dir}, [], variant.npmStart);
    const samples: Array<{t_s: number; rss_mb: number; accepted: number}> = [];
    let accepted = 0;
    let backlog = 0;
    const t0 = Date.now();
    let sampling = true;
    const sampler = (async () => {
        while (sampling) {
            const rss = bridge.rss();
            if (rss) {
                samples.push({t_s: round((Date.now() - t0) / 1000, 1), rss_mb: round(rss.rss / MB, 1), accepted});
            }
            await sleep(1000);
        }
    })();
    try {
        const idle = bridge.rss()!;
        const {licence, signingSecret} = await ctx.integration(bridge, info, 'L-BENCH-MEMORY');
        const poller = setInterval(() => {
            outboxBacklog(bridge.url).then((b) => {
                backlog = b.pending;
            }, () => undefined);
        }, 500);
        const progress = setInterval(() => ctx.log(`${variant.name}: ${accepted} events stored, bridge RSS ${round((bridge.rss()?.rss ?? 0) / MB, 1)} MB`), 30_000);
        let traffic;
        try {
            traffic = await sendTraffic([bridge.url], {
                run: variant.npmStart ? 'mem' : 'memu', licence, secret: signingSecret, conversations, messagesPerConversation: messages, concurrency: 64,
                // Keep the backlog bounded (as a steady stream would): a waiting outbox is not what is measured here.
                beforeEach: async () => {
                    while (backlog > 5000) {
                        await sleep(200);
                    }
                    accepted += 1;
                },
            });
        } finally {
            clearInterval(progress);
            clearInterval(poller);
        }
        await waitDrained(() => [bridge.url], 900_000, 500);
        await sleep(3000);
        const settled = bridge.rss()!;
        const breakdown = {...await memoryBreakdown(bridge.url), ...residentKinds(bridge.pid)};
        sampling = false;
        await sampler;
        const posts = await control.posts();
        const v = verifyDelivery(posts, traffic.expected);
        if (!correct(v)) {
            ctx.failures.push(`${variant.name} run: lost ${v.lost}, duplicated ${v.duplicated}, out of order ${v.out_of_order}: ${v.examples.join('; ')}`);
        }
        const conditions = {database: 'sqlite', started_as: variant.npmStart ? 'npm start' : 'node dist/main.js', node_flags: bridge.startFlags.join(' ') || 'none', conversations, messages_per_conversation: messages, events: traffic.events, standin_latency_ms: 0, backlog_cap: 5000, sample_interval_ms: 1000, duration_s: round((Date.now() - t0) / 1000, 0)};
        const peak = Math.max(...samples.map((s) => s.rss_mb), settled.hwm / MB);
        ctx.figure('memory', {name: `${variant.prefix}rss_idle`, value: round(idle.rss / MB, 1), unit: 'MB', conditions});
        // The target is about the bridge started as `npm start` starts it; the plain start is shown beside it.
        ctx.figure('memory', {name: `${variant.prefix}rss_after_100k`, value: round(settled.rss / MB, 1), unit: 'MB', conditions,
            ...(variant.npmStart ? {target: '<= 200 MB when started with npm start', met: settled.rss / MB <= 200} : {})});
        ctx.figure('memory', {name: `${variant.prefix}rss_peak`, value: round(peak, 1), unit: 'MB', conditions, note: 'VmHWM or the highest sample'});
        // Where the RSS is: V8's heap (used / reserved), memory outside it (buffers, native addons),
        // and the resident pages by kind (anonymous: heaps and malloc; file-backed: code and mapped files).
        for (const [name, bytes] of Object.entries(breakdown)) {
            ctx.figure('memory', {name: `${variant.prefix}${name}`, value: round(bytes / MB, 1), unit: 'MB',
                conditions: {...conditions, source: name.startsWith('rss_') ? '/proc/<pid>/smaps_rollup after the drain' : 'the bridge\'s /metrics (prom-client default metrics) after the drain'}});
        }
        ctx.figure('memory', {name: `${variant.prefix}lost_duplicated_out_of_order`, value: v.lost + v.duplicated + v.out_of_order, unit: 'messages', target: '0', met: correct(v), conditions});
        ctx.details[variant.name] = {samples, verification: verificationSummary(v), drained_after_s: round((Date.now() - t0) / 1000, 0)};
        ctx.log(`${variant.name}: idle ${round(idle.rss / MB, 1)} MB, after ${traffic.events} events ${round(settled.rss / MB, 1)} MB, peak ${round(peak, 1)} MB`);
    } finally {
        sampling = false;
        await sampler;
        await bridge.stop();
        await info.stop();
    }
}
