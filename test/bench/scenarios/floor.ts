// 8. The floor (issue 20): what the bridge's work costs with nothing in the way, on the same machine
// in the same run, so the bridge's intake and delivery CPU figures have a limit to be compared with.
// - intake: the same signed event requests as the intake scenario, closed loop, against a bare
//   `node:http` server (floor_intake_server.ts: Standard Webhooks check, JSON parse, event + job rows
//   with better-sqlite3 prepared statements, group commit): CPU µs per event of that process; then
//   its latency at half of its own maximum rate, measured as the intake scenario measures the
//   bridge's (open loop, from each request's due time): the tail that durable storage on this disk
//   allows with nothing else in the way.
// - delivery: claim a job row, POST it to the Mattermost stand-in (another process, no latency) and
//   complete it (floor_delivery.ts), once over a kept-alive `node:http` Agent and once through
//   Node's global `fetch` (what Client4 uses): CPU µs per message of that process.
// When the intake and delivery scenarios ran before it in the same run, the bridge's figures are
// also given as multiples of the floor.
import {execFile} from 'node:child_process';
import path from 'node:path';
import {promisify} from 'node:util';

import type {BenchContext} from '../lib/context.js';
import {conversationId, messageEvent, signedEvent} from '../lib/events.js';
import {closedLoop, openLoop} from '../lib/load.js';
import {TEST_DIR, measureCpu, sleep, startScript} from '../lib/processes.js';
import {median, round} from '../lib/stats.js';

const run = promisify(execFile);

interface DeliveryFloor {
    mode: 'http' | 'fetch';
    messages: number;
    cpu_us_per_message: number;
    wall_ms: number;
    rate_per_s: number;
}

export async function floor(ctx: BenchContext): Promise<void> {
    await intakeFloor(ctx);
    await deliveryFloor(ctx);
    compareWithBridge(ctx);
}

async function intakeFloor(ctx: BenchContext): Promise<void> {
    const rounds = ctx.quick ? 2 : 5;
    const durationMs = ctx.quick ? 1000 : 5000;
    const warmupMs = ctx.quick ? 250 : 1000;
    const connections = 32;
    const licence = 'L-BENCH-FLOOR';
    // Any Standard Webhooks secret: the floor server and the load generator share it.
    const secret = `whsec_${Buffer.from('floor-bench-signing-key-32-bytes').toString('base64')}`;
    const server = await startScript(path.join(TEST_DIR, 'bench/floor_intake_server.ts'), [path.join(ctx.dir('floor-intake'), 'floor.db'), licence, secret],
        path.join(ctx.logs, 'floor-intake.log'));
    const cpuUs: number[] = [];
    const rates: number[] = [];
    const latencyRounds = ctx.quick ? 1 : 3;
    const latencyDurationMs = ctx.quick ? 2000 : 10_000;
    const latency: Array<{p50: number; p99: number; p999: number}> = [];
    const latencyWaitPct: number[] = [];
    let rate = 0;
    try {
        let n = 0;
        const next = () => {
            n += 1;
            return signedEvent(licence, secret, messageEvent(conversationId('floor', n % 1000), 100_000 + n));
        };
        for (let r = 0; r < rounds; r++) {
            const m = await measureCpu(server.pid, () => closedLoop({origin: server.url, connections, warmupMs, durationMs, next}));
            const accepted = m.result.statuses['202'] ?? 0;
            if (accepted < m.result.requests * 0.99) {
                throw new Error(`floor intake: the bare server accepted only ${accepted} of ${m.result.requests} events: ${JSON.stringify(m.result.statuses)}`);
            }
            rates.push(m.result.rate);
            cpuUs.push(Math.round((m.cpuMs * 1000) / m.result.total));
            ctx.log(`floor intake round ${r + 1}/${rounds}: ${rates.at(-1)}/s, ${cpuUs.at(-1)} µs CPU/event`);
        }
        // The intake scenario's latency method, at half of this server's own maximum rate.
        rate = Math.max(10, Math.round(median(rates) / 2));
        for (let r = 0; r < latencyRounds; r++) {
            await sleep(500);
            const m = await measureCpu(server.pid, () => openLoop({origin: server.url, rate, connections: 64, warmupMs, durationMs: latencyDurationMs, next}));
            const result = m.result;
            latencyWaitPct.push(round((m.mainThreadWaitMs / m.wallMs) * 100, 1));
            if ((result.statuses['202'] ?? 0) < result.requests * 0.99) {
                throw new Error(`floor intake latency: the bare server accepted only ${result.statuses['202'] ?? 0} of ${result.requests} events: ${JSON.stringify(result.statuses)}`);
            }
            latency.push(result.latency_ms);
            ctx.log(`floor intake latency round ${r + 1}/${latencyRounds} at ${rate}/s: p50 ${result.latency_ms.p50} ms, p99 ${result.latency_ms.p99} ms, main thread waiting for a CPU ${latencyWaitPct.at(-1)} % of the time`);
        }
    } finally {
        await server.stop();
    }
    const conditions = {database: 'sqlite (better-sqlite3, WAL, synchronous=NORMAL)', server: 'node:http', connections, duration_ms: durationMs, warmup_ms: warmupMs, rounds,
        work: 'Standard Webhooks HMAC check, JSON parse, event + outbox job rows by prepared statements, group commit (same turn of the event loop, ≤ 128)'};
    ctx.figure('floor', {name: 'intake_cpu_per_event', value: median(cpuUs), unit: 'µs CPU', runs: cpuUs, conditions});
    ctx.figure('floor', {name: 'intake_events_per_s', value: median(rates), unit: 'events/s', runs: rates, conditions});
    const latencyConditions = {...conditions, checkpoints: 'SQLite\'s automatic checkpoints (in the commit that passes 1,000 pages)',
        rate_per_s: rate, duration_ms: latencyDurationMs, rounds: latencyRounds, load: 'open loop, latency from due time, at half of the floor\'s own maximum rate (as intake.p99_at_half_max)'};
    for (const [name, pick] of [['p50', (l: typeof latency[number]) => l.p50], ['p99', (l: typeof latency[number]) => l.p99], ['p999', (l: typeof latency[number]) => l.p999]] as const) {
        const runs = latency.map(pick);
        ctx.figure('floor', {name: `intake_${name}_at_half_max`, value: median(runs), unit: 'ms', runs, conditions: latencyConditions});
    }
    ctx.figure('floor', {name: 'intake_waiting_for_cpu_at_half_max', value: median(latencyWaitPct), unit: '% of wall time', runs: latencyWaitPct, conditions: latencyConditions,
        note: 'the floor server\'s main thread runnable but not running during the latency rounds (/proc/<pid>/schedstat)'});
}

async function deliveryFloor(ctx: BenchContext): Promise<void> {
    const rounds = ctx.quick ? 1 : 3;
    const messages = ctx.quick ? 1000 : 5000;
    const warmup = ctx.quick ? 200 : 1000;
    const concurrency = 16;
    const {info} = await ctx.standIn('floor-delivery');
    const results: Record<'http' | 'fetch', DeliveryFloor[]> = {http: [], fetch: []};
    try {
        for (let r = 0; r < rounds; r++) {
            for (const mode of r % 2 === 0 ? ['http', 'fetch'] as const : ['fetch', 'http'] as const) {
                const db = path.join(ctx.dir(`floor-delivery-${mode}-${r}`), 'floor.db');
                const {stdout} = await run(process.execPath, ['--import', 'tsx', path.join(TEST_DIR, 'bench/floor_delivery.ts'), mode, db, info.url,
                    info.seed.bot.token, info.seed.channel.id, String(messages), String(concurrency), String(warmup)], {cwd: TEST_DIR, timeout: 300_000});
                const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as DeliveryFloor;
                if (result.messages !== messages) {
                    throw new Error(`floor delivery (${mode}) delivered ${result.messages} of ${messages} messages`);
                }
                results[mode].push(result);
                ctx.log(`floor delivery round ${r + 1}/${rounds} (${mode}): ${result.rate_per_s} posts/s, ${result.cpu_us_per_message} µs CPU/message`);
            }
        }
    } finally {
        await info.stop();
    }
    const conditions = {database: 'sqlite (better-sqlite3, WAL, synchronous=NORMAL)', messages, warmup_messages: warmup, delivery_concurrency: concurrency, rounds,
        standin_latency_ms: 0, work: 'claim (UPDATE … RETURNING), POST /api/v4/posts to the stand-in in another process, complete (UPDATE)'};
    const cpu = (mode: 'http' | 'fetch') => results[mode].map((r) => r.cpu_us_per_message);
    ctx.figure('floor', {name: 'delivery_cpu_per_message_http', value: median(cpu('http')), unit: 'µs CPU', runs: cpu('http'), conditions: {...conditions, client: 'node:http Agent, keep-alive'}});
    ctx.figure('floor', {name: 'delivery_cpu_per_message_fetch', value: median(cpu('fetch')), unit: 'µs CPU', runs: cpu('fetch'), conditions: {...conditions, client: 'global fetch (undici), as Client4'}});
    ctx.details.floor_delivery = results;
}

/** The bridge's intake and delivery CPU figures of this run as multiples of the floor (when both ran). */
function compareWithBridge(ctx: BenchContext): void {
    const value = (name: string) => ctx.figures.find((f) => f.name === name)?.value;
    const intakeBridge = value('intake.bridge_cpu_per_event');
    const intakeFloor = value('floor.intake_cpu_per_event');
    if (intakeBridge !== undefined && intakeFloor) {
        ctx.figure('floor', {name: 'bridge_intake_cpu_vs_floor', value: round(intakeBridge / intakeFloor, 1), unit: '× the floor',
            note: 'intake.bridge_cpu_per_event ÷ floor.intake_cpu_per_event'});
    }
    const p99Bridge = value('intake.p99_at_half_max');
    const p99Floor = value('floor.intake_p99_at_half_max');
    if (p99Bridge !== undefined && p99Floor) {
        ctx.figure('floor', {name: 'bridge_intake_p99_vs_floor', value: round(p99Bridge / p99Floor, 1), unit: '× the floor',
            note: 'intake.p99_at_half_max ÷ floor.intake_p99_at_half_max (each at half of its own maximum rate)'});
    }
    const deliveryBridge = value('delivery.bridge_cpu_per_event');
    const deliveryFloor = value('floor.delivery_cpu_per_message_http');
    if (deliveryBridge !== undefined && intakeFloor && deliveryFloor) {
        ctx.figure('floor', {name: 'bridge_message_cpu_vs_floor', value: round(deliveryBridge / (intakeFloor + deliveryFloor), 1), unit: '× the floor',
            note: 'delivery.bridge_cpu_per_event (intake + delivery) ÷ (floor intake + floor delivery over node:http)'});
    }
}
