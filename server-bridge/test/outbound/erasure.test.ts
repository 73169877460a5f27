import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import {existsSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {after, describe, test} from 'node:test';

import {sql} from 'kysely';

import {ADMIN_TOKEN, postgresServer, startBridge, stopPostgresServer, ENGINES, type Engine} from '../support/bridge_harness.js';

import {botPosts, drained, message, rootsOf, startRig, started, updated, waitFor, type OutboundRig} from './support.js';

after(stopPostgresServer);

/** What must be gone after the erasure: unique per run, so a match in the bytes can only be this conversation's. */
function personal() {
    const tag = randomBytes(4).toString('hex');
    return {
        name: `Zelda Erasable${tag}`,
        email: `zelda.${tag}@guests.example`,
        texts: [`my booking number is Q${tag}1`, `please call me on ${tag}22`, `the third text ${tag}333`],
        file: `passport scan ${tag}-file-content`,
        agentText: `Agent answer for Zelda ${tag}44`,
        edited: `edited text of Zelda ${tag}55`,
    };
}

async function erasure(rig: OutboundRig, conversationId: string) {
    return rig.running.bridge.context.database.db.selectFrom('erasures').selectAll()
        .where('licence', '=', rig.licence).where('conversation_id', '=', conversationId).executeTakeFirst();
}

/** The bridge's stored bytes: the SQLite file and its WAL, or every PostgreSQL table's (and TOAST table's) files. */
async function storedBytes(rig: OutboundRig, engine: Engine): Promise<Buffer> {
    if (engine === 'sqlite') {
        const file = rig.running.databaseUrl.slice('sqlite:'.length);
        return Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
    }
    const db = rig.running.bridge.context.database.db;
    await sql`checkpoint`.execute(db);
    const dataDir = (await sql<{data_directory: string}>`show data_directory`.execute(db)).rows[0]!.data_directory;
    const files = await sql<{file: string | null}>`
        select pg_relation_filepath(c.oid) as file from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('public', 'pg_toast') and c.relkind in ('r', 't')`.execute(db);
    const parts: Buffer[] = [];
    for (const {file} of files.rows) {
        if (file) {
            // A relation's data is its file plus 1 GB segments (.1, .2…); the tests' tables are small.
            const full = path.join(dataDir, file);
            if (existsSync(full)) {
                parts.push(readFileSync(full));
            }
        }
    }
    return Buffer.concat(parts);
}

function assertAbsent(bytes: Buffer, values: string[], where: string): void {
    for (const value of values) {
        assert.ok(!bytes.includes(Buffer.from(value)), `${where} still holds "${value}"`);
    }
}

async function admin(rig: OutboundRig, method: string, pathname: string, body?: unknown): Promise<{status: number; json: Record<string, unknown>}> {
    const response = await fetch(`${rig.running.url}/api/v1/integrations/${rig.licence}${pathname}`, {
        method, headers: {authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : {'content-type': 'application/json'})},
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {status: response.status, json: await response.json() as Record<string, unknown>};
}

async function agentCanRead(rig: OutboundRig, pathname: string): Promise<boolean> {
    const response = await fetch(`${rig.standIn.url}/api/v4${pathname}`, {headers: {authorization: `Bearer ${rig.seed.agent.token}`}});
    await response.arrayBuffer();
    return response.ok;
}

for (const engine of ENGINES) {
    describe(`erasure of a conversation (${engine})`, {timeout: 5 * 60_000}, () => {
        test('deletes every root (a self-healed one too), the replies (an agent\'s included), files and DMs; scrubs the tables and the stored bytes; later events → not_sent erased', async (t) => {
            const rig = await startRig(engine, {integration: {dmSettings: {on_assignment: false, on_guest_message: true, subscriptions: {}}}});
            try {
                if (engine === 'postgres') {
                    await postgresServer();
                }
                const p = personal();
                const kept = personal(); // another conversation, not erased: proves the byte check can see what is stored
                const cid = `erase-${randomBytes(3).toString('hex')}`;
                await rig.send(started(cid, {visitor: {name: p.name, email: p.email}}));
                await rig.send(started('kept-1', {visitor: {name: kept.name, email: kept.email}}));
                await rig.send(updated(cid, {assignee: {name: 'Anna Agent', email: 'anna@example.com'}}));
                await rig.send(message(cid, 'm1', p.texts[0]!, {sender: {type: 'visitor', name: p.name},
                    attachments: [{filename: 'scan.txt', content_type: 'text/plain', data: Buffer.from(p.file).toString('base64')}]}));
                assert.equal(await drained(rig), 0);
                // The thread's root disappears; the next message starts a new thread (self-heal).
                const firstRoot = rootsOf(rig, cid)[0]!;
                rig.standIn.deletePost(firstRoot.id, rig.seed.admin.user.id);
                await rig.send(message(cid, 'm2', p.texts[1]!, {sender: {type: 'visitor', name: p.name}}));
                assert.equal(await drained(rig), 0);
                const roots = rootsOf(rig, cid);
                assert.equal(roots.length, 2, 'a second root after the self-heal');
                const currentRoot = roots[1]!;
                // An agent answers in the thread, with a file.
                const upload = new FormData();
                upload.append('channel_id', rig.seed.channel.id);
                upload.append('files', new Blob([`agent file ${p.name}`]), 'agent.txt');
                const uploaded = await (await fetch(`${rig.standIn.url}/api/v4/files`, {method: 'POST', headers: {authorization: `Bearer ${rig.seed.agent.token}`}, body: upload})).json() as {file_infos: Array<{id: string}>};
                const agentPost = rig.standIn.createPost(rig.seed.agent.user.id, {channel_id: rig.seed.channel.id, root_id: currentRoot.id, message: p.agentText, file_ids: [uploaded.file_infos[0]!.id]});
                await rig.send(message(cid, 'm3', p.texts[2]!, {sender: {type: 'visitor', name: p.name}}));
                await rig.send({type: 'conversation.message_edited', data: {conversation_id: cid, message_id: 'm3', text: p.edited}});
                await rig.send(message('kept-1', 'k1', kept.texts[0]!));
                assert.equal(await drained(rig), 0);

                const conversationPosts = botPosts(rig).filter((post) => JSON.stringify(post.props).includes(cid)).map((post) => post.id);
                const dms = botPosts(rig).filter((post) => post.channel_id !== rig.seed.channel.id);
                assert.ok(dms.length >= 1, 'the assignee got a DM with the guest\'s text');
                const fileIds = botPosts(rig).flatMap((post) => post.file_ids);
                assert.ok(fileIds.length >= 1);
                const before = await storedBytes(rig, engine);
                assert.ok(before.includes(Buffer.from(p.name)) && before.includes(Buffer.from(p.texts[2]!)), 'before: the byte check sees the conversation');

                const answer = await rig.send({type: 'conversation.erased', data: {conversation_id: cid}}, {id: 'erase-event-1'});
                assert.equal(answer.status, 202);
                const done = await waitFor(async () => {
                    const row = await erasure(rig, cid);
                    return row?.status === 'done' || row?.status === 'partial' ? row : null;
                }, 'the erasure to finish');
                t.diagnostic(`erasure ${done.status}, kept ${done.kept}`);
                assert.equal(done.status, 'done', `nothing kept: ${done.kept}`);

                // Mattermost: nothing of the conversation is readable for an agent.
                for (const id of [...conversationPosts, ...dms.map((post) => post.id), agentPost.id as string, currentRoot.id]) {
                    assert.ok((rig.standIn.getPost(id)?.delete_at ?? 0) > 0, `post ${id} deleted`);
                    assert.equal(await agentCanRead(rig, `/posts/${id}`), false);
                }
                for (const id of [...fileIds, uploaded.file_infos[0]!.id]) {
                    assert.equal(await agentCanRead(rig, `/files/${id}`), false, `file ${id} no longer served`);
                }
                assert.equal(await agentCanRead(rig, `/posts/${currentRoot.id}/thread`), false);

                // Repeats and later events: clear answers, nothing stored or posted.
                const postsBefore = botPosts(rig).length;
                assert.deepEqual((await rig.send({type: 'conversation.erased', data: {conversation_id: cid}}, {id: 'erase-event-1'})).json, {status: 'duplicate'});
                const again = await rig.send({type: 'conversation.erased', data: {conversation_id: cid}});
                assert.equal(again.status, 200);
                assert.equal(again.json.status, 'not_sent');
                assert.equal(again.json.reason, 'erased');
                assert.match(String(again.json.detail), /was erased .* not repeated/);
                for (const event of [message(cid, 'm4', `late text ${p.name}`), started(cid, {visitor: {name: p.name}}), updated(cid, {status: 'closed'})]) {
                    const late = await rig.send(event);
                    assert.equal(late.status, 200);
                    assert.deepEqual([late.json.status, late.json.reason], ['not_sent', 'erased']);
                }
                assert.equal(await drained(rig), 0);
                assert.equal(botPosts(rig).length, postsBefore, 'nothing posted after the erasure');

                // The bridge's tables keep ids only.
                const db = rig.running.bridge.context.database.db;
                const conversation = await db.selectFrom('conversations').selectAll().where('licence', '=', rig.licence).where('conversation_id', '=', cid).executeTakeFirstOrThrow();
                assert.deepEqual([conversation.context, conversation.status, conversation.waiting_since], ['{}', 'erased', null]);
                const jobs = await db.selectFrom('outbox').select(['kind', 'payload']).where('licence', '=', rig.licence).where('conversation_id', '=', cid).execute();
                assert.deepEqual(jobs.map((job) => job.kind), ['outbound.conversation.erased']);
                assert.equal((await db.selectFrom('messages').select('message_id').where('licence', '=', rig.licence).where('conversation_id', '=', cid).execute()).length, 3, 'message ids kept');

                const bytes = await storedBytes(rig, engine);
                assertAbsent(bytes, [p.name, p.email, ...p.texts, p.edited, p.file, Buffer.from(p.file).toString('base64')], `the ${engine} database`);
                assert.ok(bytes.includes(Buffer.from(kept.name)), 'the other conversation is still stored');
            } finally {
                await rig.close();
            }
        });

        test('Mattermost failing halfway: the erasure waits "in progress", then resumes and finishes', async () => {
            const rig = await startRig(engine);
            try {
                const cid = 'erase-outage';
                await rig.send(started(cid));
                for (let i = 0; i < 4; i++) {
                    await rig.send(message(cid, `m${i}`, `text ${i}`, {attachments: [{filename: `f${i}.txt`, content_type: 'text/plain', data: Buffer.from(`file ${i}`).toString('base64')}]}));
                }
                assert.equal(await drained(rig), 0);
                const posts = botPosts(rig).map((post) => post.id);
                rig.standIn.setLatency(150, {method: 'DELETE', path: '/api/v4/posts/*'});
                assert.equal((await rig.send({type: 'conversation.erased', data: {conversation_id: cid}})).status, 202);
                await waitFor(() => posts.some((id) => (rig.standIn.getPost(id)?.delete_at ?? 0) > 0), 'a first post deleted');
                rig.standIn.startOutage({status: 503});
                const db = rig.running.bridge.context.database.db;
                await waitFor(async () => {
                    const job = await db.selectFrom('outbox').select(['last_error_code', 'status']).where('licence', '=', rig.licence).where('kind', '=', 'outbound.conversation.erased').executeTakeFirst();
                    return job?.last_error_code === 'server_error';
                }, 'a failed attempt during the outage');
                const halfway = await erasure(rig, cid);
                assert.equal(halfway?.status, 'in_progress', 'not reported done while posts remain');
                assert.ok(posts.some((id) => rig.standIn.getPost(id)?.delete_at === 0), 'some posts still there');
                rig.standIn.endOutage();
                rig.standIn.setLatency(0);
                await waitFor(async () => (await erasure(rig, cid))?.status === 'done', 'the erasure to finish after the outage', 60_000);
                for (const id of posts) {
                    assert.ok((rig.standIn.getPost(id)?.delete_at ?? 0) > 0, `post ${id} deleted`);
                }
            } finally {
                await rig.close();
            }
        });

        test('retention_days: validated in the admin API; closed conversations idle longer are erased by one process\'s hourly sweep; the erasures are listed', async () => {
            const rig = await startRig(engine);
            let second: Awaited<ReturnType<typeof startBridge>> | undefined;
            try {
                for (const [value, field] of [[0, 'retention_days'], [1.5, 'retention_days'], ['30', 'retention_days'], [3651, 'retention_days']] as const) {
                    const refused = await admin(rig, 'PATCH', '', {retention_days: value});
                    assert.equal(refused.status, 400, `retention_days ${value} refused`);
                    assert.equal(refused.json.field ?? (refused.json.errors as Array<{field: string}> | undefined)?.[0]?.field, field);
                }
                const saved = await admin(rig, 'PATCH', '', {retention_days: 30});
                assert.equal(saved.status, 200);
                assert.equal(saved.json.retention_days, 30);
                assert.equal((await admin(rig, 'GET', '')).json.retention_days, 30);

                for (const id of ['old-closed', 'old-open', 'new-closed']) {
                    await rig.send(started(id, {visitor: {name: `Visitor of ${id}`}}));
                }
                await rig.send(updated('old-closed', {status: 'closed'}));
                await rig.send(updated('new-closed', {status: 'closed'}));
                assert.equal(await drained(rig), 0);
                const db = rig.running.bridge.context.database.db;
                await db.updateTable('conversations').set({updated_at: Date.now() - 31 * 24 * 3600_000})
                    .where('licence', '=', rig.licence).where('conversation_id', 'in', ['old-closed', 'old-open']).execute();

                // A second process on the same database: of the two hourly rounds, one sweeps.
                second = await startBridge({databaseUrl: rig.running.databaseUrl, dir: rig.running.dir});
                const first = await rig.running.bridge.housekeeping.runOnce();
                const other = await second.bridge.housekeeping.runOnce();
                assert.deepEqual([first.erasures, other.erasures], [1, 0]);
                await waitFor(async () => (await erasure(rig, 'old-closed'))?.status === 'done', 'the retention erasure to finish');
                assert.equal(await erasure(rig, 'old-open'), undefined, 'an open conversation is kept');
                assert.equal(await erasure(rig, 'new-closed'), undefined, 'a recently closed conversation is kept');
                const root = rootsOf(rig, 'old-closed')[0]!;
                assert.ok((rig.standIn.getPost(root.id)?.delete_at ?? 0) > 0, 'its thread is deleted');

                const listed = await admin(rig, 'GET', '/erasures');
                assert.equal(listed.status, 200);
                const erasures = listed.json.erasures as Array<Record<string, unknown>>;
                assert.equal(erasures.length, 1);
                assert.deepEqual({...erasures[0], requested_at: typeof erasures[0]!.requested_at, completed_at: typeof erasures[0]!.completed_at},
                    {conversation_id: 'old-closed', status: 'done', source: 'retention', requested_at: 'string', completed_at: 'string', kept: []});
                assert.equal((await fetch(`${rig.running.url}/api/v1/integrations/${rig.licence}/erasures`)).status, 401, 'no token: refused');
                assert.equal((await fetch(`${rig.running.url}/api/v1/integrations/L-NOBODY/erasures`, {headers: {authorization: `Bearer ${ADMIN_TOKEN}`}})).status, 404);
                assert.equal((await admin(rig, 'PATCH', '', {retention_days: null})).json.retention_days, null);
            } finally {
                await second?.close();
                await rig.close();
            }
        });
    });
}
