import {sql, type Kysely, type Migration, type MigrationProvider} from 'kysely';

import {snakeCaseKeys} from '../support/snake_case.js';

import type {DatabaseKind} from './database.js';

/**
 * Migrations run at start, in name order, once each (kysely's Migrator keeps the ledger and a lock,
 * so several processes starting at once on PostgreSQL are safe). Never edit a released migration:
 * add a new one.
 */
export function migrations(kind: DatabaseKind): Record<string, Migration> {
    const bigint = kind === 'postgres' ? 'bigint' : 'integer';
    return {
        '0001_initial': {
            async up(db: Kysely<unknown>) {
                await db.schema.createTable('integrations')
                    .addColumn('licence', 'text', (c) => c.primaryKey())
                    .addColumn('server_url', 'text', (c) => c.notNull())
                    .addColumn('auth_mode', 'text', (c) => c.notNull().defaultTo('token'))
                    .addColumn('bot_token_enc', 'text')
                    .addColumn('login_id', 'text')
                    .addColumn('password_enc', 'text')
                    .addColumn('outgoing_webhook_token_enc', 'text')
                    .addColumn('outgoing_webhook_token_hash', 'text')
                    .addColumn('channel_id', 'text', (c) => c.notNull())
                    .addColumn('notification_channels', 'text', (c) => c.notNull().defaultTo('{}'))
                    .addColumn('relay_mode', 'text', (c) => c.notNull())
                    .addColumn('inbound_mode', 'text', (c) => c.notNull())
                    .addColumn('callback_url', 'text')
                    .addColumn('signing_secret_enc', 'text', (c) => c.notNull())
                    .addColumn('previous_signing_secret_enc', 'text')
                    .addColumn('previous_signing_secret_expires_at', bigint)
                    .addColumn('admin_key_hash', 'text', (c) => c.notNull())
                    .addColumn('dm_settings', 'text', (c) => c.notNull().defaultTo('{}'))
                    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(0))
                    .addColumn('bot_user_id', 'text')
                    .addColumn('last_error', 'text')
                    .addColumn('last_error_at', bigint)
                    .addColumn('last_delivery_at', bigint)
                    .addColumn('created_at', bigint, (c) => c.notNull())
                    .addColumn('updated_at', bigint, (c) => c.notNull())
                    .execute();
                await db.schema.createIndex('integrations_outgoing_webhook_token_hash')
                    .on('integrations').column('outgoing_webhook_token_hash').execute();

                await db.schema.createTable('events')
                    .addColumn('licence', 'text', (c) => c.notNull())
                    .addColumn('webhook_id', 'text', (c) => c.notNull())
                    .addColumn('event_type', 'text', (c) => c.notNull())
                    .addColumn('received_at', bigint, (c) => c.notNull())
                    .addPrimaryKeyConstraint('events_pk', ['licence', 'webhook_id'])
                    .execute();

                await db.schema.createTable('conversations')
                    .addColumn('licence', 'text', (c) => c.notNull())
                    .addColumn('conversation_id', 'text', (c) => c.notNull())
                    .addColumn('channel_id', 'text')
                    .addColumn('root_post_id', 'text')
                    .addColumn('context', 'text', (c) => c.notNull().defaultTo('{}'))
                    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
                    .addColumn('created_at', bigint, (c) => c.notNull())
                    .addColumn('updated_at', bigint, (c) => c.notNull())
                    .addPrimaryKeyConstraint('conversations_pk', ['licence', 'conversation_id'])
                    .execute();
                await db.schema.createIndex('conversations_root_post')
                    .on('conversations').columns(['licence', 'root_post_id']).execute();

                await db.schema.createTable('messages')
                    .addColumn('licence', 'text', (c) => c.notNull())
                    .addColumn('conversation_id', 'text', (c) => c.notNull())
                    .addColumn('message_id', 'text', (c) => c.notNull())
                    .addColumn('post_ids', 'text')
                    .addColumn('delivered_at', bigint)
                    .addColumn('created_at', bigint, (c) => c.notNull())
                    .addPrimaryKeyConstraint('messages_pk', ['licence', 'conversation_id', 'message_id'])
                    .execute();

                await db.schema.createTable('outbox')
                    .addColumn('id', kind === 'postgres' ? 'bigserial' : 'integer', (c) =>
                        kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement())
                    .addColumn('licence', 'text', (c) => c.notNull())
                    .addColumn('direction', 'text', (c) => c.notNull())
                    .addColumn('kind', 'text', (c) => c.notNull())
                    .addColumn('ordering_key', 'text', (c) => c.notNull())
                    .addColumn('conversation_id', 'text')
                    .addColumn('dedupe_key', 'text')
                    .addColumn('payload', 'text', (c) => c.notNull())
                    .addColumn('status', 'text', (c) => c.notNull())
                    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
                    .addColumn('next_attempt_at', bigint, (c) => c.notNull())
                    .addColumn('lease_owner', 'text')
                    .addColumn('lease_until', bigint)
                    .addColumn('last_error', 'text')
                    .addColumn('last_error_code', 'text')
                    .addColumn('created_at', bigint, (c) => c.notNull())
                    .addColumn('updated_at', bigint, (c) => c.notNull())
                    .addColumn('delivered_at', bigint)
                    .execute();
                await db.schema.createIndex('outbox_order').on('outbox')
                    .columns(['licence', 'ordering_key', 'id']).execute();
                await db.schema.createIndex('outbox_due').on('outbox')
                    .columns(['status', 'next_attempt_at']).execute();
                await db.schema.createIndex('outbox_dedupe').on('outbox')
                    .columns(['licence', 'dedupe_key']).unique().execute();

                await db.schema.createTable('directory_users')
                    .addColumn('licence', 'text', (c) => c.notNull())
                    .addColumn('ireserve_user_id', 'text', (c) => c.notNull())
                    .addColumn('email', 'text', (c) => c.notNull())
                    .addColumn('email_lower', 'text', (c) => c.notNull())
                    .addPrimaryKeyConstraint('directory_users_pk', ['licence', 'ireserve_user_id'])
                    .execute();
                await db.schema.createIndex('directory_users_email')
                    .on('directory_users').columns(['licence', 'email_lower']).execute();

                await db.schema.createTable('kv')
                    .addColumn('licence', 'text', (c) => c.notNull())
                    .addColumn('key', 'text', (c) => c.notNull())
                    .addColumn('value', 'text', (c) => c.notNull())
                    .addColumn('updated_at', bigint, (c) => c.notNull())
                    .addPrimaryKeyConstraint('kv_pk', ['licence', 'key'])
                    .execute();
            },
        },
        '0002_outbox_claim_index': {
            // The claim walks pending jobs in id order (see OutboxRepository.claim).
            async up(db: Kysely<unknown>) {
                await db.schema.createIndex('outbox_claim').on('outbox').columns(['status', 'id']).execute();
            },
        },
        '0003_outbox_drop_due_index': {
            // (status, next_attempt_at) served the first claim query; the claim, the counts and the
            // clean-up now read (status, id). One index less to keep up on every enqueue and on
            // every status change (claim, delivered, retry).
            async up(db: Kysely<unknown>) {
                await db.schema.dropIndex('outbox_due').ifExists().execute();
            },
        },
        '0004_conversation_actions': {
            // DESIGN §10: the per-integration key that signs the card's action context (sealed like
            // the other secrets), the slash command's token (sealed, found by keyed hash), and each
            // conversation's short number per licence (`#17`), given when its root is made.
            async up(db: Kysely<unknown>) {
                await db.schema.alterTable('integrations').addColumn('action_key_enc', 'text').execute();
                await db.schema.alterTable('integrations').addColumn('slash_command_token_enc', 'text').execute();
                await db.schema.alterTable('integrations').addColumn('slash_command_token_hash', 'text').execute();
                await db.schema.createIndex('integrations_slash_command_token_hash')
                    .on('integrations').column('slash_command_token_hash').execute();
                await db.schema.alterTable('conversations').addColumn('number', 'integer').execute();
                await db.schema.createIndex('conversations_number').on('conversations')
                    .columns(['licence', 'number']).unique().execute();
            },
        },
        '0005_job_names': {
            // One naming style for job kinds (`outbound.dm.notify` → `outbound.direct_message`) and
            // one case for job payloads (the inbound jobs' camelCase keys → snake_case). Rows an
            // earlier version queued, or parked for a replay, are rewritten so they still run.
            async up(db: Kysely<unknown>) {
                await sql`update outbox set kind = 'outbound.direct_message' where kind = 'outbound.dm.notify'`.execute(db);
                const rows = await sql<{id: number | string; payload: string}>`select id, payload from outbox
                    where kind in ('inbound.resolve', 'inbound.reply', 'inbound.feedback') and status <> 'delivered'`.execute(db);
                for (const row of rows.rows) {
                    const payload = snakeCaseKeys(JSON.parse(row.payload) as unknown);
                    await sql`update outbox set payload = ${JSON.stringify(payload)} where id = ${row.id}`.execute(db);
                }
            },
        },
        '0006_message_edits': {
            // DESIGN §12: i-Reserve edits and deletes messages. The latest edited text waits on the
            // message row until its posts show it (an edit of a message not yet posted is applied
            // when it is posted), with i-Reserve's edit time (a late, older edit never wins); a
            // deleted message keeps only its ids and the time it was deleted.
            async up(db: Kysely<unknown>) {
                await db.schema.alterTable('messages').addColumn('edited_text', 'text').execute();
                await db.schema.alterTable('messages').addColumn('edited_at', bigint).execute();
                await db.schema.alterTable('messages').addColumn('deleted_at', bigint).execute();
            },
        },
        '0007_erasure': {
            // DESIGN §12: a conversation's erasure (GDPR art. 17) — its record and what could not be
            // deleted; every Mattermost post the bridge made for a conversation that is not a reply
            // under its current root (each root it ever had, its direct messages), so an erasure
            // finds them all; the optional per-integration retention of closed conversations.
            async up(db: Kysely<unknown>) {
                await db.schema.createTable('erasures')
                    .addColumn('licence', 'text', (c) => c.notNull())
                    .addColumn('conversation_id', 'text', (c) => c.notNull())
                    .addColumn('status', 'text', (c) => c.notNull())
                    .addColumn('source', 'text', (c) => c.notNull())
                    .addColumn('kept', 'text', (c) => c.notNull().defaultTo('[]'))
                    .addColumn('requested_at', bigint, (c) => c.notNull())
                    .addColumn('completed_at', bigint)
                    .addPrimaryKeyConstraint('erasures_pk', ['licence', 'conversation_id'])
                    .execute();
                await db.schema.createIndex('erasures_requested').on('erasures')
                    .columns(['licence', 'requested_at']).execute();
                await db.schema.createTable('conversation_posts')
                    .addColumn('licence', 'text', (c) => c.notNull())
                    .addColumn('post_id', 'text', (c) => c.notNull())
                    .addColumn('conversation_id', 'text', (c) => c.notNull())
                    .addColumn('role', 'text', (c) => c.notNull())
                    .addColumn('created_at', bigint, (c) => c.notNull())
                    .addPrimaryKeyConstraint('conversation_posts_pk', ['licence', 'post_id'])
                    .execute();
                await db.schema.createIndex('conversation_posts_conversation').on('conversation_posts')
                    .columns(['licence', 'conversation_id']).execute();
                await db.schema.alterTable('integrations').addColumn('retention_days', 'integer').execute();
                await db.schema.createIndex('conversations_status_updated').on('conversations')
                    .columns(['licence', 'status', 'updated_at']).execute();
            },
        },
        '0008_action_job_names': {
            // The actions' jobs follow the convention too: `action.callback` → `inbound.action`,
            // `action.note` → `inbound.action_note`, camelCase payload keys → snake_case. Rows an
            // earlier version queued or parked are rewritten so they still run (a process of the
            // earlier version that queues one during an upgrade is still served: actions/jobs.ts).
            async up(db: Kysely<unknown>) {
                const rows = await sql<{id: number | string; kind: string; payload: string}>`select id, kind, payload from outbox
                    where kind in ('action.callback', 'action.note') and status <> 'delivered'`.execute(db);
                for (const row of rows.rows) {
                    const kind = row.kind === 'action.callback' ? 'inbound.action' : 'inbound.action_note';
                    const payload = snakeCaseKeys(JSON.parse(row.payload) as unknown);
                    await sql`update outbox set kind = ${kind}, payload = ${JSON.stringify(payload)} where id = ${row.id}`.execute(db);
                }
            },
        },
        '0009_relayed_replies': {
            // DESIGN §12: which agents' posts were relayed to i-Reserve (so an edit or a deletion of
            // exactly those is relayed too), the edit each one was last relayed at, and whether its
            // deletion was relayed. Ids and times only.
            async up(db: Kysely<unknown>) {
                await db.schema.createTable('relayed_replies')
                    .addColumn('licence', 'text', (c) => c.notNull())
                    .addColumn('post_id', 'text', (c) => c.notNull())
                    .addColumn('conversation_id', 'text', (c) => c.notNull())
                    .addColumn('edit_at', bigint, (c) => c.notNull().defaultTo(0))
                    .addColumn('deleted_at', bigint)
                    .addColumn('created_at', bigint, (c) => c.notNull())
                    .addPrimaryKeyConstraint('relayed_replies_pk', ['licence', 'post_id'])
                    .execute();
            },
        },
        '0010_routes': {
            // DESIGN §13: the integration's ordered routes (JSON; a route's outgoing-webhook token
            // sealed inside it), and the keyed hashes of those tokens, each naming one integration
            // (the primary key keeps a token to one integration, whatever races).
            async up(db: Kysely<unknown>) {
                await db.schema.alterTable('integrations').addColumn('routes', 'text', (c) => c.notNull().defaultTo('[]')).execute();
                await db.schema.createTable('route_webhook_tokens')
                    .addColumn('token_hash', 'text', (c) => c.primaryKey())
                    .addColumn('licence', 'text', (c) => c.notNull())
                    .execute();
                await db.schema.createIndex('route_webhook_tokens_licence').on('route_webhook_tokens').column('licence').execute();
            },
        },
        '0011_waiting': {
            // DESIGN §11: each conversation's waiting spell (since when its guest waits, null when
            // nobody waits), its latest and first answer, and the integration's reminder settings.
            // An index finds the waiting ones of a licence (admin status, gauges).
            async up(db: Kysely<unknown>) {
                await db.schema.alterTable('conversations').addColumn('waiting_since', bigint).execute();
                await db.schema.alterTable('conversations').addColumn('answered_at', bigint).execute();
                await db.schema.alterTable('conversations').addColumn('first_answered_at', bigint).execute();
                await db.schema.createIndex('conversations_waiting').on('conversations')
                    .columns(['licence', 'waiting_since']).execute();
                await db.schema.alterTable('integrations').addColumn('reminders', 'text').execute();
            },
        },
        '0012_outbox_unfinished_index': {
            // The claim asks, for every job it walks, whether an earlier job of its conversation is
            // unfinished. On (licence, ordering_key, id) that probe stepped through every delivered
            // job of the conversation first (status is not in that index): thousands of row reads
            // per claim with a backlog. Only unfinished jobs are in this one, so the probe is one
            // look-up. Its WHERE is the claim's own term, word for word (SQLite uses a partial index
            // only when the query's WHERE contains it).
            async up(db: Kysely<unknown>) {
                await sql`create index outbox_unfinished on outbox (licence, ordering_key, id) where status in ('pending', 'in_flight')`.execute(db);
            },
        },
        '0013_outbox_fewer_indexes': {
            // Every enqueue writes the outbox row and each of its indexes; an index keyed by a
            // conversation or an event id lands on a page of its own, one WAL page more per event
            // at commit and at checkpoint. Two of them go:
            // - outbox_order (licence, ordering_key, id): every query by ordering key asks for
            //   unfinished jobs (the claim, hasUnfinished, hasLaterPending) and reads
            //   outbox_unfinished, which holds only those.
            // - outbox_dedupe holds only jobs with a dedupe key (partial): an event's job has none —
            //   the event's id is recorded in `events` in the same transaction, which answers a
            //   repeat as a duplicate before anything is queued (EventIntake).
            // The intake's WAL went from 4.7 to 2.9 pages per event (groups of 16).
            async up(db: Kysely<unknown>) {
                await db.schema.dropIndex('outbox_order').ifExists().execute();
                await db.schema.dropIndex('outbox_dedupe').execute();
                await sql`create unique index outbox_dedupe on outbox (licence, dedupe_key) where dedupe_key is not null`.execute(db);
            },
        },
        '0014_root_waiting_shown': {
            // What the conversation's root post last showed of the waiting state (DESIGN §11): the
            // spell's start (ms), 0 for "nobody waits", null when not known (rows from before). A
            // job that changes the state patches the root only when it differs from this, and only
            // when no later job of the conversation will look at it again.
            async up(db: Kysely<unknown>) {
                await db.schema.alterTable('conversations').addColumn('root_waiting_shown', bigint).execute();
            },
        },
    };
}

export class StaticMigrationProvider implements MigrationProvider {
    constructor(private readonly all: Record<string, Migration>) {}
    async getMigrations(): Promise<Record<string, Migration>> {
        return this.all;
    }
}
