import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {sql} from 'kysely';

import {generateSigningSecret} from '../../src/crypto/standard_webhooks.js';
import {MattermostStandIn, type Seed} from '../../../test/standins/mattermost/index.js';
import {ENGINES, stopPostgresServer} from '../support/bridge_harness.js';

import {botPosts, drained, message, postsOfMessage, started, startRig, type OutboundRig, type SendOptions} from './support.js';

after(stopPostgresServer);

/** Nothing of a refused event may remain: no event id, no message id, no job, no post. */
async function assertNothingStored(r: OutboundRig, postsBefore: number): Promise<void> {
    const {db} = r.running.bridge.context.database;
    for (const table of ['events', 'messages', 'outbox', 'conversations'] as const) {
        const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('licence', '=', r.licence).executeTakeFirst();
        assert.equal(Number(row?.n), 0, `nothing in ${table}`);
    }
    assert.equal(botPosts(r).length, postsBefore, 'nothing posted');
}

function assertProblem(answer: {status: number; contentType: string; json: Record<string, unknown>}, status: number): void {
    assert.equal(answer.status, status, JSON.stringify(answer.json));
    assert.match(answer.contentType, /^application\/problem\+json/);
    assert.equal(answer.json.status, status);
    assert.equal(typeof answer.json.title, 'string');
}

for (const engine of ENGINES) {
    describe(`event intake on ${engine}`, {timeout: 5 * 60_000}, () => {
        let standIn: MattermostStandIn;
        let seed: Seed;
        let r: OutboundRig;
        const previousSecret = generateSigningSecret();
        before(async () => {
            standIn = await MattermostStandIn.start();
            seed = standIn.seedDefault();
            r = await startRig(engine, {
                standIn,
                seed,
                // The secret was rotated: the previous one stays valid until it expires.
                integration: {previousSigningSecret: {secret: previousSecret, expiresAt: Date.now() + 24 * 3600_000}},
                env: {BRIDGE_MAX_BODY_BYTES: String(8 * 1024 * 1024), BRIDGE_MAX_ATTACHMENT_BYTES: String(1024 * 1024)},
            });
        });
        after(async () => {
            await r.close();
            await standIn.close();
        });

        describe('signatures', () => {
            const now = () => Math.floor(Date.now() / 1000);
            const body = JSON.stringify(started('c-sig'));
            const table: Array<{name: string; options: () => SendOptions; reason?: string}> = [
                {name: 'missing webhook-signature header', options: () => ({body, headers: {'webhook-signature': undefined}}), reason: 'missing_headers'},
                {name: 'missing webhook-id header', options: () => ({body, headers: {'webhook-id': undefined}}), reason: 'missing_headers'},
                {name: 'missing webhook-timestamp header', options: () => ({body, headers: {'webhook-timestamp': undefined}}), reason: 'missing_headers'},
                {name: 'bad signature (another secret)', options: () => ({body, secret: generateSigningSecret()}), reason: 'no_matching_signature'},
                {name: 'signature without the v1, prefix', options: () => ({body, headers: {'webhook-signature': 'c2lnbmF0dXJl'}}), reason: 'no_matching_signature'},
                {name: 'timestamp too old (5 min + 1 s)', options: () => ({body, timestamp: now() - 301}), reason: 'timestamp_too_old'},
                {name: 'timestamp too new (5 min + 1 s)', options: () => ({body, timestamp: now() + 301}), reason: 'timestamp_too_new'},
                {name: 'timestamp not in seconds', options: () => ({body, headers: {'webhook-timestamp': '2025-06-01T09:30:00Z'}}), reason: 'bad_timestamp'},
                {name: 'body altered by one byte after signing', options: () => ({body: body.replace('c-sig', 'c-siG'), signBody: body}), reason: 'no_matching_signature'},
                {name: 'body signed with the previous (rotated) secret', options: () => ({body, secret: previousSecret})},
                {name: 'timestamp 4 minutes old', options: () => ({body, timestamp: now() - 240})},
                {name: 'timestamp 4 minutes ahead', options: () => ({body, timestamp: now() + 240})},
            ];
            for (const row of table) {
                test(`${row.name} → ${row.reason ? '401' : 'accepted'}`, async () => {
                    const answer = await r.send(undefined, {...row.options(), id: `sig-${Math.random()}`});
                    if (!row.reason) {
                        assert.ok([200, 202].includes(answer.status), JSON.stringify(answer.json));
                        return;
                    }
                    assertProblem(answer, 401);
                    assert.equal(answer.json.reason, row.reason);
                    assert.equal(typeof answer.json.detail, 'string');
                    assert.ok(!String(answer.json.detail).includes(r.secret.slice(6, 20)), 'the secret is never shown');
                });
            }

            test('several space-separated v1 signatures: one valid entry is enough', async () => {
                const {signedHeaders} = await import('../../src/crypto/standard_webhooks.js');
                const id = `multi-${Math.random()}`;
                const timestamp = now();
                const stale = signedHeaders(generateSigningSecret(), id, timestamp, body)['webhook-signature'];
                const good = signedHeaders(r.secret, id, timestamp, body)['webhook-signature'];
                const answer = await r.send(undefined, {body, id, timestamp, headers: {'webhook-signature': `${stale} ${good}`}});
                assert.ok([200, 202].includes(answer.status));
            });

            test('an expired previous secret is refused', async () => {
                const {integrations} = r.running.bridge.context;
                const record = (await integrations.getRecord(r.licence))!;
                await integrations.save({...record, previousSigningSecret: {secret: previousSecret, expiresAt: Date.now() - 1000}});
                try {
                    const answer = await r.send(undefined, {body, secret: previousSecret});
                    assertProblem(answer, 401);
                } finally {
                    await integrations.save({...record});
                }
            });

            test('a failed signature is counted in /metrics and never logged with the secret', async () => {
                const metrics = await (await fetch(`${r.running.url}/metrics`)).text();
                assert.match(metrics, /ireserve_bridge_events_received_total\{type="unknown",result="rejected"\} \d+/);
                assert.ok(!r.running.logs.some((line) => line.includes(r.secret.slice(6))), 'no secret in the logs');
            });
        });

        describe('answers', () => {
            test('unknown licence → 401 like a wrong signature (DESIGN §14); inactive integration → 409; non-JSON → 415', async () => {
                assertProblem(await r.send(started('c-x'), {licence: 'L-nobody'}), 401);

                const {integrations} = r.running.bridge.context;
                const record = (await integrations.getRecord(r.licence))!;
                await integrations.save({...record, active: false});
                try {
                    const inactive = await r.send(started('c-x'));
                    assertProblem(inactive, 409);
                } finally {
                    await integrations.save(record);
                }

                const form = await r.send(undefined, {body: 'type=conversation.started', headers: {'content-type': 'application/x-www-form-urlencoded'}});
                assertProblem(form, 415);
                const text = await r.send(undefined, {body: JSON.stringify(started('c-x')), headers: {'content-type': 'text/plain'}});
                assertProblem(text, 415);
            });

            test('duplicate event id → 200 duplicate, posted once; a repeated message_id under a new event id → duplicate too', async () => {
                standIn.clearRequestLog();
                const first = await r.send(started('c-dup'), {id: 'evt-dup-1'});
                assert.deepEqual([first.status, first.json], [202, {status: 'accepted'}]);
                const again = await r.send(started('c-dup'), {id: 'evt-dup-1'});
                assert.deepEqual([again.status, again.json], [200, {status: 'duplicate'}]);

                assert.equal((await r.send(message('c-dup', 'm-1', 'hello'), {id: 'evt-dup-2'})).status, 202);
                const sameMessage = await r.send(message('c-dup', 'm-1', 'hello'), {id: 'evt-dup-3'});
                assert.deepEqual([sameMessage.status, sameMessage.json], [200, {status: 'duplicate'}]);
                await drained(r);
                // After delivery too.
                const late = await r.send(message('c-dup', 'm-1', 'hello'), {id: 'evt-dup-4'});
                assert.deepEqual([late.status, late.json], [200, {status: 'duplicate'}]);
                await drained(r);
                assert.equal(postsOfMessage(r, 'm-1').length, 1);
                assert.equal(botPosts(r).filter((post) => post.type === 'custom_irsv_conversation' && (post.props.ireserve as {conversation_id?: string}).conversation_id === 'c-dup').length, 1);
                // The same message id in another conversation is another message.
                assert.equal((await r.send(message('c-dup-other', 'm-1', 'hello'))).status, 202);

                const metrics = await (await fetch(`${r.running.url}/metrics`)).text();
                assert.match(metrics, /ireserve_bridge_events_received_total\{type="conversation.message",result="duplicate"\} [2-9]/);
                assert.match(metrics, /ireserve_bridge_events_received_total\{type="conversation.started",result="accepted"\} \d+/);
            });
        });

        test('concurrent events are stored together, each answered for itself: one that fails in storage fails alone', async () => {
            const {db, kind} = r.running.bridge.context.database;
            // A database-level failure for one event id only (as a broken disk page or a bug would cause).
            if (kind === 'sqlite') {
                await sql`create trigger poison_event before insert on events when new.webhook_id = 'evt-poison' begin select raise(abort, 'poisoned'); end`.execute(db);
            } else {
                await sql`create function poison_event() returns trigger as $$ begin if new.webhook_id = 'evt-poison' then raise exception 'poisoned'; end if; return new; end $$ language plpgsql`.execute(db);
                await sql`create trigger poison_event before insert on events for each row execute function poison_event()`.execute(db);
            }
            try {
                const sends = Array.from({length: 30}, (_, i) => r.send(started(`c-group-${i}`), {id: `evt-group-${i}`}));
                const poisoned = r.send(started('c-group-poison'), {id: 'evt-poison'});
                const twice = [r.send(started('c-group-twice'), {id: 'evt-group-twice'}), r.send(started('c-group-twice'), {id: 'evt-group-twice'})];
                const answers = await Promise.all(sends);
                assert.deepEqual(answers.map((answer) => answer.status), answers.map(() => 202));
                assertProblem(await poisoned, 500);
                assert.deepEqual((await Promise.all(twice)).map((answer) => answer.json.status).sort(), ['accepted', 'duplicate']);
                const stored = await db.selectFrom('events').select('webhook_id').where('licence', '=', r.licence)
                    .where('webhook_id', 'like', 'evt-group-%').execute();
                assert.equal(stored.length, 31);
                const jobs = await db.selectFrom('outbox').select('id').where('licence', '=', r.licence).where('conversation_id', '=', 'c-group-poison').execute();
                assert.equal(jobs.length, 0, 'nothing of the failed event was stored');
            } finally {
                await sql`drop trigger poison_event${sql.raw(kind === 'sqlite' ? '' : ' on events')}`.execute(db);
                if (kind !== 'sqlite') {
                    await sql`drop function poison_event()`.execute(db);
                }
            }
            await drained(r);
            assert.equal((await r.send(started('c-group-poison'), {id: 'evt-poison'})).status, 202, 'sent again once the cause is gone');
        });

        describe('invalid bodies (nothing half-written)', () => {
            let clean: OutboundRig;
            before(async () => {
                await drained(r); // posts of the earlier tests are made before counting
                clean = await startRig(engine, {
                    standIn,
                    seed,
                    env: {BRIDGE_MAX_BODY_BYTES: String(8 * 1024 * 1024), BRIDGE_MAX_ATTACHMENT_BYTES: String(1024 * 1024)},
                });
            });
            after(() => clean.close());

            const cases: Array<{name: string; body: string; field?: string; detail?: RegExp}> = [
                {name: 'malformed JSON', body: '{"type": "conversation.started", "data": {', detail: /not valid JSON/},
                {name: 'empty body', body: '', detail: /not valid JSON/},
                {name: 'a JSON array', body: '[]', detail: /expected object/i},
                {name: 'unknown event type', body: JSON.stringify({type: 'conversation.deleted', data: {}}), field: 'type', detail: /must be one of conversation\.started/},
                {name: 'data missing', body: JSON.stringify({type: 'conversation.started'}), field: 'data'},
                {name: 'wrong type: conversation_id a number', body: JSON.stringify({type: 'conversation.started', data: {conversation_id: 42, visitor: {name: 'A'}, page_url: 'https://x.example'}}), field: 'data.conversation_id'},
                {name: 'wrong type: sender.type unknown', body: JSON.stringify(message('c', 'm', 'hi', {sender: {type: 'robot', name: 'R'}})), field: 'data.sender.type'},
                {name: 'page_url not http(s)', body: JSON.stringify(started('c', {page_url: 'javascript:alert(1)'})), field: 'data.page_url'},
                {name: 'started_at not a date-time', body: JSON.stringify(started('c', {started_at: 'yesterday'})), field: 'data.started_at'},
                {name: 'empty message without attachments', body: JSON.stringify(message('c', 'm', '   ')), field: 'data.text'},
                {name: 'attachment data not base64', body: JSON.stringify(message('c', 'm', '', {attachments: [{filename: 'a.txt', content_type: 'text/plain', data: 'not base64!'}]})), field: 'data.attachments.0.data'},
                {name: 'attachment over the per-file limit', body: JSON.stringify(message('c', 'm', 'big file', {attachments: [{filename: 'a.bin', content_type: 'application/octet-stream', data: Buffer.alloc(1024 * 1024 + 1).toString('base64')}]})), field: 'data.attachments.0.data', detail: /more than the limit of 1 MB per file/},
                {name: 'status not open/closed', body: JSON.stringify({type: 'conversation.updated', data: {conversation_id: 'c', status: 'archived'}}), field: 'data.status'},
            ];
            for (const row of cases) {
                test(`${row.name} → 400${row.field ? ` naming ${row.field}` : ''}`, async () => {
                    const before = botPosts(clean).length;
                    const answer = await clean.send(undefined, {body: row.body});
                    assertProblem(answer, 400);
                    if (row.field) {
                        assert.equal(answer.json.field, row.field);
                        assert.ok(String(answer.json.detail).startsWith(`${row.field}:`), String(answer.json.detail));
                    }
                    if (row.detail) {
                        assert.match(String(answer.json.detail), row.detail);
                    }
                    await assertNothingStored(clean, before);
                });
            }

            test('10 MB body → 413 before anything is read into the store', async () => {
                const tenMegabytes = JSON.stringify(message('c', 'm', 'x'.repeat(10 * 1024 * 1024)));
                const rejectedSoFar = async () => Number(/ireserve_bridge_events_received_total\{type="unknown",result="rejected"\} (\d+)/
                    .exec(await (await fetch(`${clean.running.url}/metrics`)).text())?.[1] ?? 0);
                const rejectedBefore = await rejectedSoFar();
                const before = botPosts(clean).length;
                const answer = await clean.send(undefined, {body: tenMegabytes});
                assertProblem(answer, 413);
                await assertNothingStored(clean, before);
                assert.equal(await rejectedSoFar(), rejectedBefore + 1, 'counted as rejected');
            });
        });

        test('a 10 MB event within the configured limits is accepted and its file delivered intact', async () => {
            const big = await startRig(engine, {standIn, seed});
            try {
                const file = Buffer.alloc(7_400_000, 7);
                const event = message('c-big', 'm-big', 'the floor plan', {attachments: [{filename: 'plan.bin', content_type: 'application/octet-stream', data: file.toString('base64')}]});
                const body = JSON.stringify(event);
                assert.ok(body.length > 9_800_000, `about 10 MB (${body.length})`);
                assert.equal((await big.send(undefined, {body})).status, 202);
                await drained(big);
                const [post] = postsOfMessage(big, 'm-big');
                const stored = standIn.store.files.get(post!.file_ids[0]!);
                assert.equal(stored?.size, file.length);
                assert.ok(stored?.data.equals(file));
            } finally {
                await big.close();
            }
        });
    });
}
