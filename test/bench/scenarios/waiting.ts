// 8. Waiting guests (DESIGN §11, issue 16): what keeping the waiting state costs. The delivery
// scenario's traffic (conversations of alternating visitor and agent messages, so every message
// starts or ends a wait and the root is patched each time) through two bridges in the same run,
// one with BRIDGE_WAITING_TRACKING=off; rounds interleaved. CPU per event covers intake and
// delivery (the state is written with each message's delivery; intake itself is unchanged), and
// the Mattermost requests per event show the root patches.
import type {BenchContext} from '../lib/context.js';
import {measureCpu} from '../lib/processes.js';
import {waitDrained} from '../lib/drain.js';
import {sendTraffic} from '../lib/traffic.js';
import {correct, verifyDelivery} from '../lib/verify.js';
import {median, round} from '../lib/stats.js';

type Variant = 'on' | 'off';

export async function waiting(ctx: BenchContext): Promise<void> {
    const conversations = ctx.quick ? 40 : 200;
    const messages = ctx.quick ? 10 : 20;
    const rounds = ctx.quick ? 2 : 3;
    const latencyMs = 5;
    const concurrency = 16;
    const cpu: Record<Variant, number[]> = {on: [], off: []};
    const requests: Record<Variant, number[]> = {on: [], off: []};
    for (let r = 1; r <= rounds; r++) {
        for (const variant of (r % 2 === 1 ? ['on', 'off'] : ['off', 'on']) as Variant[]) {
            const name = `waiting-${variant}-${r}`;
            const dir = ctx.dir(name);
            const [{info, control}, bridge] = await Promise.all([ctx.standIn(name), ctx.bridge(name, {
                DATABASE_URL: `sqlite:${dir}/bridge.db`, BRIDGE_DATA_DIR: dir, BRIDGE_DELIVERY_CONCURRENCY: String(concurrency),
                BRIDGE_WAITING_TRACKING: variant,
            })]);
            try {
                const {licence, signingSecret} = await ctx.integration(bridge, info, `L-BENCH-WAITING-${variant}-${r}`);
                await control.latency(latencyMs);
                await control.clearRequests();
                const m = await measureCpu(bridge.pid, async () => {
                    const sent = await sendTraffic([bridge.url], {run: `w${variant}${r}`, licence, secret: signingSecret, conversations, messagesPerConversation: messages});
                    await waitDrained(() => [bridge.url], 600_000);
                    return sent;
                });
                const traffic = m.result;
                const v = verifyDelivery(await control.posts(), traffic.expected);
                if (!correct(v)) {
                    ctx.failures.push(`waiting ${variant} round ${r}: lost ${v.lost}, duplicated ${v.duplicated}, out of order ${v.out_of_order}`);
                }
                const counts = await control.requestCounts();
                cpu[variant].push(Math.round((m.cpuMs * 1000) / traffic.events));
                requests[variant].push(round(Object.values(counts).reduce((a, b) => a + b, 0) / traffic.events, 2));
                ctx.log(`waiting tracking ${variant}, round ${r}/${rounds}: ${cpu[variant].at(-1)} µs CPU per event, ${requests[variant].at(-1)} Mattermost requests per event`);
            } finally {
                await bridge.stop();
                await info.stop();
            }
        }
    }
    const conditions = {database: 'sqlite', conversations, messages_per_conversation: messages, events_per_run: conversations * (messages + 1),
        traffic: 'alternating visitor and agent messages: every message starts or ends a wait', standin_latency_ms: latencyMs, delivery_concurrency: concurrency, rounds};
    const on = median(cpu.on);
    const off = median(cpu.off);
    ctx.figure('waiting', {name: 'bridge_cpu_per_event_tracking_on', value: on, unit: 'µs CPU (intake + delivery)', runs: cpu.on, conditions});
    ctx.figure('waiting', {name: 'bridge_cpu_per_event_tracking_off', value: off, unit: 'µs CPU (intake + delivery)', runs: cpu.off, conditions});
    ctx.figure('waiting', {name: 'tracking_cpu_cost', value: round(((on - off) / off) * 100, 1), unit: '% more CPU per event', conditions,
        note: 'waits start and end with every message here (the worst case); the root patch of each is most of it'});
    ctx.figure('waiting', {name: 'api_requests_per_event_tracking_on', value: median(requests.on), unit: 'requests', runs: requests.on, conditions});
    ctx.figure('waiting', {name: 'api_requests_per_event_tracking_off', value: median(requests.off), unit: 'requests', runs: requests.off, conditions});
}
