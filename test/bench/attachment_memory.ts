// How much memory one large attachment costs the bridge, end to end: a bridge started as `npm start`
// starts it, a signed conversation.message carrying one file (base64, default 10 MB decoded) is
// stored while the Mattermost stand-in holds every request (intake), then delivered (decode and
// upload). For each phase: the peak RSS above the RSS before it (VmHWM, reset through
// /proc/<pid>/clear_refs), and the V8 heap used afterwards. The file is read back from the
// stand-in and compared byte for byte. Reproducible, no timing involved:
//
//   npm run build && cd test && node --import tsx bench/attachment_memory.ts [megabytes]
import {randomBytes} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import path from 'node:path';

import {BenchContext} from './lib/context.js';
import {waitDrained} from './lib/drain.js';
import {conversationId, messageId, signedEvent, startedEvent} from './lib/events.js';
import {runConditions} from './lib/machine.js';
import {ROOT, readRss, sleep, waitFor} from './lib/processes.js';

const MB = 1024 * 1024;
const megabytes = Number(process.argv[2] ?? 10);

/** Resets the process's peak RSS (VmHWM) to its current RSS (Linux: clear_refs 5). */
function resetPeak(pid: number): void {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

async function heapUsed(url: string): Promise<number> {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^ireserve_bridge_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
}

const ctx = new BenchContext(false, runConditions('full', ROOT), path.join(ROOT, 'test/artifacts/bench'));
const {info, control} = await ctx.standIn('attachment-memory');
const dir = ctx.dir('attachment-memory');
const bytes = randomBytes(Math.round(megabytes * MB));
const bridge = await ctx.bridge('attachment-memory', {
    DATABASE_URL: `sqlite:${dir}/bridge.db`, BRIDGE_DATA_DIR: dir, BRIDGE_MAX_ATTACHMENT_BYTES: process.env.BRIDGE_MAX_ATTACHMENT_BYTES ?? String(Math.max(bytes.length, 50 * MB)),
}, [], true);
const send = async (body: unknown, licence: string, secret: string) => {
    const request = signedEvent(licence, secret, body);
    const response = await fetch(`${bridge.url}${request.path}`, {method: 'POST', headers: request.headers, body: request.body});
    if (response.status !== 202) {
        throw new Error(`event answered ${response.status}: ${await response.text()}`);
    }
};
try {
    const {licence, signingSecret} = await ctx.integration(bridge, info, 'L-ATTACHMENT-MEMORY');
    const conversation = conversationId('attachment', 1);
    await send(startedEvent(conversation), licence, signingSecret);
    await waitDrained(() => [bridge.url], 60_000);
    await sleep(1000);
    const phases: Record<string, {rss_before_mb: number; peak_above_mb: number; heap_used_after_mb: number}> = {};
    const measure = async (name: string, work: () => Promise<void>) => {
        const before = readRss(bridge.pid)!.rss;
        resetPeak(bridge.pid);
        await work();
        const peak = readRss(bridge.pid)!.hwm;
        phases[name] = {rss_before_mb: Math.round(before / MB), peak_above_mb: Math.round(((peak - before) / MB) * 10) / 10, heap_used_after_mb: Math.round(((await heapUsed(bridge.url)) / MB) * 10) / 10};
    };
    // Intake: stored while every Mattermost request hangs (nothing is delivered yet).
    await control.outage({mode: 'hang'});
    await measure('intake', () => send({
        type: 'conversation.message',
        data: {
            conversation_id: conversation, message_id: messageId(conversation, 1), sender: {type: 'visitor', name: 'Visitor'}, text: 'the floor plan',
            sent_at: new Date().toISOString(), attachments: [{filename: 'plan.bin', content_type: 'application/octet-stream', data: bytes.toString('base64')}],
        },
    }, licence, signingSecret));
    await sleep(1000);
    // Delivery: decoded and uploaded to the stand-in, then posted.
    await measure('delivery', async () => {
        await control.clearFaults();
        await waitDrained(() => [bridge.url], 120_000, 50);
    });
    const post = await waitFor(async () => (await control.posts()).find((p) => (p.props?.ireserve as {message_id?: string} | undefined)?.message_id === messageId(conversation, 1)), 'the post with the file');
    const fileIds = (post as unknown as {file_ids?: string[]}).file_ids ?? [];
    const file = await fetch(`${info.url}/api/v4/files/${fileIds[0]}`, {headers: {authorization: `Bearer ${info.seed.bot.token}`}});
    const received = Buffer.from(await file.arrayBuffer());
    if (!received.equals(bytes)) {
        throw new Error(`the file in Mattermost differs from the one sent (${received.length} bytes, sent ${bytes.length})`);
    }
    process.stdout.write(`${JSON.stringify({attachment_mb: megabytes, base64_mb: Math.round((Math.ceil(bytes.length / 3) * 4 / MB) * 10) / 10, started_as: bridge.startFlags.join(' '), phases, file_identical: true}, null, 2)}\n`);
} finally {
    await bridge.stop();
    await info.stop();
    ctx.cleanup();
}
