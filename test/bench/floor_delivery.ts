// The delivery floor (issue 20): what delivering one queued message costs with nothing in the way.
// In its own process: fills an outbox table (better-sqlite3, WAL, synchronous=NORMAL) with jobs,
// then `concurrency` workers each claim the next due job (one UPDATE … RETURNING, prepared), POST it
// as a Mattermost post (POST /api/v4/posts with the bot's token) and mark it done with the post id,
// until the table is drained. The POST goes either through a kept-alive `node:http` Agent
// ("http") or through Node's global `fetch` ("fetch", what Client4 uses). A first pass of `warmup`
// jobs is not measured. Prints one JSON line: messages, CPU µs per message (this process: user +
// system, all threads), wall time, rate.
//
// Usage: tsx floor_delivery.ts <http|fetch> <sqlite file> <server url> <bot token> <channel id> <messages> <concurrency> <warmup>
import {Agent, request} from 'node:http';

import Database from 'better-sqlite3';

const [mode, file, serverUrl, token, channelId, messagesArg, concurrencyArg, warmupArg] = process.argv.slice(2);
if ((mode !== 'http' && mode !== 'fetch') || !file || !serverUrl || !token || !channelId) {
    process.stderr.write('usage: floor_delivery.ts <http|fetch> <sqlite file> <server url> <bot token> <channel id> <messages> <concurrency> <warmup>\n');
    process.exit(2);
}
const messages = Number(messagesArg);
const concurrency = Number(concurrencyArg);
const warmup = Number(warmupArg);
const postsUrl = new URL('/api/v4/posts', serverUrl);
const agent = new Agent({keepAlive: true, maxSockets: concurrency});

const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`
    create table if not exists outbox (
        id integer primary key autoincrement, conversation_id text not null, payload text not null,
        state text not null default 'pending', attempts integer not null default 0,
        available_at integer not null, claimed_at integer, post_id text);
    create index if not exists outbox_due on outbox (state, available_at);
`);
const insertJob = db.prepare('insert into outbox (conversation_id, payload, available_at) values (?, ?, ?)');
const claim = db.prepare(`update outbox set state = 'claimed', attempts = attempts + 1, claimed_at = ?
    where id = (select id from outbox where state = 'pending' and available_at <= ? order by id limit 1)
    returning id, payload`);
const complete = db.prepare(`update outbox set state = 'done', post_id = ? where id = ? and state = 'claimed'`);

function fill(count: number, run: string): void {
    const now = Date.now();
    db.transaction(() => {
        for (let i = 0; i < count; i++) {
            const conversation = `floor-${run}-c${i % 200}`;
            insertJob.run(conversation, JSON.stringify({channel_id: channelId, message: `message ${i} of ${conversation}: is the cabin near the lake still free next week?`,
                props: {ireserve_conversation_id: conversation, ireserve_message_id: `${conversation}-m${i}`}}), now);
        }
    })();
}

function postWithHttp(body: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const req = request(postsUrl, {
            method: 'POST', agent,
            headers: {'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}`},
        }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
                const text = Buffer.concat(chunks).toString('utf8');
                if (res.statusCode !== 201) {
                    reject(new Error(`POST /api/v4/posts answered ${res.statusCode}: ${text.slice(0, 200)}`));
                    return;
                }
                resolve((JSON.parse(text) as {id: string}).id);
            });
            res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
    });
}

async function postWithFetch(body: string): Promise<string> {
    const response = await fetch(postsUrl, {method: 'POST', headers: {'content-type': 'application/json', authorization: `Bearer ${token}`}, body});
    const text = await response.text();
    if (response.status !== 201) {
        throw new Error(`POST /api/v4/posts answered ${response.status}: ${text.slice(0, 200)}`);
    }
    return (JSON.parse(text) as {id: string}).id;
}

const post = mode === 'http' ? postWithHttp : postWithFetch;

/** Claims, posts and completes jobs until none is due; the number delivered. */
async function drain(): Promise<number> {
    let delivered = 0;
    const worker = async (): Promise<void> => {
        for (;;) {
            const now = Date.now();
            const job = claim.get(now, now) as {id: number; payload: string} | undefined;
            if (!job) {
                return;
            }
            complete.run(await post(job.payload), job.id);
            delivered += 1;
        }
    };
    await Promise.all(Array.from({length: concurrency}, worker));
    return delivered;
}

fill(warmup, 'warmup');
await drain();
fill(messages, 'measured');
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const delivered = await drain();
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
agent.destroy();
db.close();
process.stdout.write(`${JSON.stringify({mode, messages: delivered, cpu_us_per_message: Math.round((cpu.user + cpu.system) / delivered),
    wall_ms: Math.round(wallMs), rate_per_s: Math.round(delivered / (wallMs / 1000))})}\n`);
