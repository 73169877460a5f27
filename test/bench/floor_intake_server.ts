// The intake floor (issue 20): what taking one signed event costs with nothing in the way. A bare
// `node:http` server, in its own process like the bridge, that does the bridge's essential work per
// event and nothing else: reads the body, verifies the Standard Webhooks signature (HMAC-SHA256 over
// "id.timestamp.body", timestamp within 5 minutes, constant-time compare), parses the JSON, and
// stores the event row and an outbox job row with better-sqlite3 prepared statements (WAL,
// synchronous=NORMAL like the bridge's SQLite), events that arrive in the same turn of the event
// loop committed together (group commit, at most 128 per transaction, as the bridge's intake).
// Answers 202, 200 for a repeated webhook-id, 401 for a bad signature, 400 for a bad body.
//
// Usage: tsx floor_intake_server.ts <sqlite file> <licence> <signing secret>
// Prints its URL on stdout, runs until SIGTERM.
import {createHmac, timingSafeEqual} from 'node:crypto';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';

import Database from 'better-sqlite3';

const [file, licence, secret] = process.argv.slice(2);
if (!file || !licence || !secret) {
    process.stderr.write('usage: floor_intake_server.ts <sqlite file> <licence> <signing secret>\n');
    process.exit(2);
}
const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
const eventsPath = `/api/v1/licences/${encodeURIComponent(licence)}/events`;
const TOLERANCE_SECONDS = 300;
const MAX_GROUP = 128;

const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`
    create table if not exists events (
        licence text not null, webhook_id text not null, type text not null, received_at integer not null,
        primary key (licence, webhook_id));
    create table if not exists outbox (
        id integer primary key autoincrement, licence text not null, conversation_id text not null,
        kind text not null, payload text not null, state text not null default 'pending',
        attempts integer not null default 0, available_at integer not null);
    create index if not exists outbox_due on outbox (state, available_at);
`);
const insertEvent = db.prepare('insert into events (licence, webhook_id, type, received_at) values (?, ?, ?, ?) on conflict do nothing');
const insertJob = db.prepare('insert into outbox (licence, conversation_id, kind, payload, available_at) values (?, ?, ?, ?, ?)');

interface Pending {
    webhookId: string;
    type: string;
    conversation: string;
    payload: string;
    res: ServerResponse;
}

let group: Pending[] = [];
let scheduled = false;

const storeGroup = db.transaction((items: Pending[]) => {
    const now = Date.now();
    return items.map((item) => {
        if (insertEvent.run(licence, item.webhookId, item.type, now).changes === 0) {
            return false;
        }
        insertJob.run(licence, item.conversation, 'post_message', item.payload, now);
        return true;
    });
});

function flush(): void {
    scheduled = false;
    while (group.length > 0) {
        const items = group.slice(0, MAX_GROUP);
        group = group.slice(MAX_GROUP);
        const stored = storeGroup(items);
        items.forEach((item, index) => answer(item.res, stored[index] ? 202 : 200, stored[index] ? '{"status":"accepted"}' : '{"status":"duplicate"}'));
    }
}

function answer(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, {'content-type': 'application/json', 'content-length': Buffer.byteLength(body)});
    res.end(body);
}

function verified(req: IncomingMessage, body: Buffer): boolean {
    const id = req.headers['webhook-id'];
    const timestamp = req.headers['webhook-timestamp'];
    const signature = req.headers['webhook-signature'];
    if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(timestamp)) {
        return false;
    }
    if (Math.abs(Number(timestamp) - Math.floor(Date.now() / 1000)) > TOLERANCE_SECONDS) {
        return false;
    }
    const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
    return signature.split(' ').some((entry) => {
        if (!entry.startsWith('v1,')) {
            return false;
        }
        const offered = Buffer.from(entry.slice(3), 'base64');
        return offered.length === expected.length && timingSafeEqual(offered, expected);
    });
}

function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    if (req.method !== 'POST' || req.url !== eventsPath) {
        answer(res, 404, '{"title":"not found"}');
        return;
    }
    if (!verified(req, body)) {
        answer(res, 401, '{"title":"bad signature"}');
        return;
    }
    let event: {type?: unknown; data?: {conversation_id?: unknown}};
    try {
        event = JSON.parse(body.toString('utf8')) as typeof event;
    } catch {
        answer(res, 400, '{"title":"the body is not JSON"}');
        return;
    }
    const conversation = event.data?.conversation_id;
    if (typeof event.type !== 'string' || typeof conversation !== 'string') {
        answer(res, 400, '{"title":"type and data.conversation_id are required"}');
        return;
    }
    group.push({webhookId: req.headers['webhook-id'] as string, type: event.type, conversation, payload: JSON.stringify(event.data), res});
    if (!scheduled) {
        scheduled = true;
        // Like the bridge: the requests already read in this turn of the event loop join the group.
        setImmediate(flush);
    }
}

const server = createServer({keepAliveTimeout: 30_000}, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
});
server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
    db.close();
    process.exit(0);
});
