import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';

import {loadConfig} from '../src/config/config.js';
import {openDatabase} from '../src/storage/database.js';
import {migrations} from '../src/storage/migrations.js';

import {ENGINES, freshDatabaseUrl, stopPostgresServer} from './support/bridge_harness.js';

after(stopPostgresServer);

/**
 * Jobs queued (or parked) by a bridge from before a job-renaming migration keep running after the
 * upgrade: the rows are written as that version wrote them, then the migration runs over them again
 * (its `up`, as the migrator runs it; the ledger cannot be rewound once later migrations exist).
 */
for (const engine of ENGINES) {
    describe(`migration 0005_job_names on ${engine}`, {timeout: 60_000}, () => {
        test('renames the direct-message kind and snake_cases the inbound payloads of jobs still to run', async () => {
            const dir = mkdtempSync(path.join(tmpdir(), 'job-names-'));
            const url = await freshDatabaseUrl(engine, dir);
            const config = loadConfig({DATABASE_URL: url, BRIDGE_DATA_DIR: dir});
            const handle = await openDatabase(config.database);
            const old = [
                {kind: 'outbound.dm.notify', status: 'pending', payload: {reason: 'assignment', email: 'a@example.com', event_id: 'e1', conversation_id: 'c1'}},
                {kind: 'inbound.reply', status: 'failed', payload: {
                    postId: 'p1', rootId: 'r1', channelId: 'ch1', conversationId: 'c1', text: 'hi', fileIds: ['f1'], createdAt: 5,
                    author: {name: 'Ann', username: 'ann', mattermost_user_id: 'u1'}, authorMatch: 'matched', authorNote: 'matched', via: 'thread_reply', source: 'websocket',
                }},
                {kind: 'inbound.resolve', status: 'pending', payload: {postId: 'p2', channelId: 'ch1', source: 'websocket', post: {id: 'p2', root_id: 'r1', channel_id: 'ch1'}}},
                {kind: 'inbound.feedback', status: 'delivered', payload: {postId: 'p3', rootId: 'r1', channelId: 'ch1', outcome: 'delivered'}},
            ];
            for (const [index, row] of old.entries()) {
                await handle.db.insertInto('outbox').values({
                    licence: 'L-1', direction: row.kind.startsWith('inbound') ? 'inbound' : 'outbound', kind: row.kind, ordering_key: `k${index}`,
                    conversation_id: 'c1', dedupe_key: `d${index}`, payload: JSON.stringify(row.payload), status: row.status, attempts: 0,
                    next_attempt_at: 1, lease_owner: null, lease_until: null, last_error: null, last_error_code: null, created_at: 1, updated_at: 1, delivered_at: null,
                }).execute();
            }
            try {
                await migrations(handle.kind)['0005_job_names']!.up(handle.db as never);
                const rows = await handle.db.selectFrom('outbox').select(['kind', 'payload']).orderBy('id').execute();
                const [dm, reply, resolve, feedback] = rows.map((row) => ({kind: row.kind, payload: JSON.parse(row.payload) as Record<string, unknown>}));
                assert.equal(dm!.kind, 'outbound.direct_message');
                assert.deepEqual(dm!.payload, old[0]!.payload, 'already snake_case: unchanged');
                assert.equal(reply!.kind, 'inbound.reply');
                assert.deepEqual(reply!.payload, {
                    post_id: 'p1', root_id: 'r1', channel_id: 'ch1', conversation_id: 'c1', text: 'hi', file_ids: ['f1'], created_at: 5,
                    author: {name: 'Ann', username: 'ann', mattermost_user_id: 'u1'}, author_match: 'matched', author_note: 'matched', via: 'thread_reply', source: 'websocket',
                });
                assert.deepEqual(resolve!.payload, {post_id: 'p2', channel_id: 'ch1', source: 'websocket', post: {id: 'p2', root_id: 'r1', channel_id: 'ch1'}},
                    'the post inside keeps Mattermost\'s own keys');
                assert.deepEqual(feedback!.payload, old[3]!.payload, 'a delivered job is never read again: left as it was');
            } finally {
                await handle.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });
    });

    describe(`migration 0008_action_job_names on ${engine}`, {timeout: 60_000}, () => {
        test('renames the actions\' kinds and snake_cases their payloads for jobs still to run', async () => {
            const dir = mkdtempSync(path.join(tmpdir(), 'action-job-names-'));
            const url = await freshDatabaseUrl(engine, dir);
            const config = loadConfig({DATABASE_URL: url, BRIDGE_DATA_DIR: dir});
            const handle = await openDatabase(config.database);
            const actor = {name: 'Ann', username: 'ann', mattermost_user_id: 'u1', ireserve_user_id: 'i1'};
            const old = [
                {kind: 'action.callback', status: 'pending', payload: {
                    actionId: 'a1', conversationId: 'c1', rootId: 'r1', channelId: 'ch1', action: 'claim', actor, assignee: actor, createdAt: 5, via: 'button',
                }},
                {kind: 'action.note', status: 'failed', payload: {
                    actionId: 'a1', conversationId: 'c1', rootId: 'r1', channelId: 'ch1', action: 'assign', outcome: 'refused',
                    actorName: 'Ann', actorUserId: 'u1', assigneeName: 'Ben', detail: 'No.',
                }},
                {kind: 'action.callback', status: 'delivered', payload: {actionId: 'a0', conversationId: 'c1'}},
            ];
            for (const [index, row] of old.entries()) {
                await handle.db.insertInto('outbox').values({
                    licence: 'L-1', direction: 'inbound', kind: row.kind, ordering_key: `k${index}`,
                    conversation_id: 'c1', dedupe_key: `d${index}`, payload: JSON.stringify(row.payload), status: row.status, attempts: 0,
                    next_attempt_at: 1, lease_owner: null, lease_until: null, last_error: null, last_error_code: null, created_at: 1, updated_at: 1, delivered_at: null,
                }).execute();
            }
            try {
                await migrations(handle.kind)['0008_action_job_names']!.up(handle.db as never);
                const rows = await handle.db.selectFrom('outbox').select(['kind', 'payload']).orderBy('id').execute();
                const [callback, note, delivered] = rows.map((row) => ({kind: row.kind, payload: JSON.parse(row.payload) as Record<string, unknown>}));
                assert.equal(callback!.kind, 'inbound.action');
                assert.deepEqual(callback!.payload, {
                    action_id: 'a1', conversation_id: 'c1', root_id: 'r1', channel_id: 'ch1', action: 'claim', actor, assignee: actor, created_at: 5, via: 'button',
                }, 'the authors inside keep their (already snake_case) keys');
                assert.equal(note!.kind, 'inbound.action_note');
                assert.deepEqual(note!.payload, {
                    action_id: 'a1', conversation_id: 'c1', root_id: 'r1', channel_id: 'ch1', action: 'assign', outcome: 'refused',
                    actor_name: 'Ann', actor_user_id: 'u1', assignee_name: 'Ben', detail: 'No.',
                });
                assert.deepEqual(delivered, {kind: 'action.callback', payload: old[2]!.payload}, 'a delivered job is never read again: left as it was');
            } finally {
                await handle.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });
    });
}
