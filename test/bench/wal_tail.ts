// What stalls SQLite commits on the bridge's main thread (issue 20, intake p99). In one process, the
// bridge's own intake writes (its schema and migrations, EventsRepository.record +
// MessagesRepository.insertQueued + OutboxRepository.enqueue in one transaction per group: the hot
// statements the bridge runs) at a fixed rate, open loop: every millisecond the events due since the
// last tick are committed as one group, and each event's latency is counted from its due time to its
// group's commit (a stall delays every event due during it, as it delays the requests behind it).
// Prints the latency distribution, the commits' durations, the main thread's CPU and wait for a CPU
// (/proc/thread-self/schedstat: on a shared machine, what is not the disk), the event loop's delay
// and the WAL file's largest size. No HTTP: storage and checkpoints alone.
//
//   cd test && node --import tsx bench/wal_tail.ts [rate/s] [seconds] [variant]
//   variant: worker (the bridge's WalCheckpointer, default; WAL_OPTS='{"limitBytes":…}' passes
//   options) | auto (SQLite's automatic checkpoints, in the commit) | off (synchronous = OFF, no
//   sync at all: diagnostic only) | none (no checkpoint: the WAL grows)
// Which thread waits in which system call, and how long:
//   strace -f -T -tt -e trace=fsync,fdatasync,ftruncate,openat -o FILE node --import tsx bench/wal_tail.ts
// (the first thread is the main thread; openat says which descriptor is the database, the WAL).
// Where the main thread waits off a CPU: bpftrace on tracepoint:sched:sched_switch for its thread
// id, timing prev_state != 0 until it runs again, keyed by kstack.
import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {monitorEventLoopDelay} from 'node:perf_hooks';

import SqliteDatabase from 'better-sqlite3';
import {Kysely, Migrator, SqliteDialect} from 'kysely';

import {EventsRepository} from '../../server-bridge/src/storage/events_repository.js';
import {registerSqliteConnection} from '../../server-bridge/src/storage/hot_statement.js';
import {MessagesRepository} from '../../server-bridge/src/storage/messages_repository.js';
import {migrations, StaticMigrationProvider} from '../../server-bridge/src/storage/migrations.js';
import {OutboxRepository} from '../../server-bridge/src/storage/outbox_repository.js';
import type {Database} from '../../server-bridge/src/storage/schema.js';
import {WalCheckpointer} from '../../server-bridge/src/storage/wal_checkpointer.js';

const rate = Number(process.argv[2] ?? 2000);
const seconds = Number(process.argv[3] ?? 20);
const variant = process.argv[4] ?? 'worker';
const dir = mkdtempSync(path.join(process.env.WAL_TAIL_DIR ?? tmpdir(), 'wal-tail-'));
const file = path.join(dir, 'bridge.db');

const sqlite = new SqliteDatabase(file);
sqlite.pragma('journal_mode = WAL');
sqlite.pragma(`synchronous = ${variant === 'off' ? 'OFF' : 'NORMAL'}`);
sqlite.pragma('busy_timeout = 5000');
sqlite.pragma('foreign_keys = ON');
sqlite.pragma('secure_delete = ON');
sqlite.pragma('cache_size = -4096');
const db = new Kysely<Database>({dialect: new SqliteDialect({database: sqlite})});
registerSqliteConnection(db, sqlite);
const {error} = await new Migrator({db, provider: new StaticMigrationProvider(migrations('sqlite'))}).migrateToLatest();
if (error) {
    throw error as Error;
}
let checkpointer: WalCheckpointer | undefined;
if (variant === 'worker') {
    checkpointer = new WalCheckpointer(sqlite, file, JSON.parse(process.env.WAL_OPTS ?? '{}'));
    await checkpointer.ready;
} else if (variant === 'none') {
    sqlite.pragma('wal_autocheckpoint = 0');
}

const clock = {now: () => Date.now()};
const events = new EventsRepository(db, clock);
const messages = new MessagesRepository(db, clock);
const outbox = new OutboxRepository(db, 'sqlite', clock);
const licence = 'L-WAL-TAIL';
const text = 'Hello, I would like to know whether the cottage near the lake is still free in the first week of July. '.repeat(2);

let n = 0;
async function store(count: number): Promise<void> {
    await db.transaction().execute(async (trx) => {
        for (let i = 0; i < count; i++) {
            n += 1;
            const conversation = `conv-${n % 1000}`;
            const webhookId = `msg_${n}`;
            await events.record(licence, webhookId, 'conversation.message', trx);
            await messages.insertQueued(licence, conversation, `m-${n}`, trx);
            await outbox.enqueue({
                licence, direction: 'outbound', kind: 'post_message', orderingKey: `conversation:${conversation}`, conversationId: conversation,
                dedupeKey: `event:${webhookId}`,
                payload: {event_id: webhookId, type: 'conversation.message', data: {conversation_id: conversation, message_id: `m-${n}`, text, sent_at: new Date().toISOString()}},
            }, trx);
        }
    });
}

function walBytes(): number {
    try {
        return statSync(`${file}-wal`).size;
    } catch {
        return 0;
    }
}

const latencies: number[] = [];
const commits: number[] = [];
/** The main thread's time on a CPU and waiting for one (ns), from /proc/thread-self/schedstat. */
function schedstat(): [number, number] {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return [run!, wait!];
}
const schedBefore = schedstat();
const loop = monitorEventLoopDelay({resolution: 1});
const intervalMs = 1000 / rate;
const start = performance.now() + 500;
const end = start + seconds * 1000;
let nextDue = start;
let largestWal = 0;
let groups = 0;
loop.enable();
while (performance.now() < end) {
    const now = performance.now();
    const due: number[] = [];
    while (nextDue <= now && nextDue < end) {
        due.push(nextDue);
        nextDue += intervalMs;
    }
    if (due.length > 0) {
        const begin = performance.now();
        await store(due.length);
        groups += 1;
        const done = performance.now();
        commits.push(done - begin);
        for (const at of due) {
            latencies.push(done - at);
        }
        largestWal = Math.max(largestWal, walBytes());
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
}
loop.disable();
const schedAfter = schedstat();
const wallNs = (performance.now() - start + 500) * 1e6;
latencies.sort((a, b) => a - b);
commits.sort((a, b) => a - b);
const at = (list: number[], p: number): number => Math.round(list[Math.min(list.length - 1, Math.floor(list.length * p))]! * 100) / 100;
const pct = (p: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]! * 100) / 100;
const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
console.log(JSON.stringify({
    variant, opts: process.env.WAL_OPTS, rate, seconds, events: latencies.length, groups,
    latency_ms: {p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), p999: pct(0.999), max: pct(1)},
    commit_ms: {p50: at(commits, 0.5), p99: at(commits, 0.99), max: at(commits, 1), over_5ms: commits.filter((c) => c > 5).length},
    main_thread: {cpu_pct: Math.round(((schedAfter[0] - schedBefore[0]) / wallNs) * 1000) / 10, waiting_for_cpu_pct: Math.round(((schedAfter[1] - schedBefore[1]) / wallNs) * 1000) / 10},
    event_loop_delay_ms: {p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max)},
    largest_wal_mb: Math.round(largestWal / 1e5) / 10,
}));
await checkpointer?.close();
await db.destroy();
rmSync(dir, {recursive: true, force: true});
