import {sql, type Transaction} from 'kysely';

import type {Clock} from '../ports/clock.js';

import type {Db} from './database.js';
import type {Database} from './schema.js';

/**
 * Each agent's own choice of direct messages from the bot (`/ireserve notify`), per licence, keyed
 * by the agent's e-mail (lower case) — the key the DM decisions already have (assignee e-mail,
 * subscriber lists). A field that is absent follows the integration's `dm_settings` (the admin's
 * defaults). Rows in `kv` under `agent_notify:<email>`.
 */
export interface AgentNotify {
    /** DM me when a conversation is assigned to me. */
    assignment?: boolean;
    /** DM me on a new guest message in a conversation I have. */
    guest_messages?: boolean;
    /** notification type → DM me (true) or not (false), whatever the admin's subscriber list says. */
    types?: Record<string, boolean>;
}

const PREFIX = 'agent_notify:';

/** How long `optedIn` answers from memory (another process's change applies within this). */
const CACHE_MS = 5000;

export class AgentNotifyRepository {
    readonly #cache = new Map<string, {at: number; all: Promise<Map<string, AgentNotify>>}>();

    constructor(private readonly db: Db, private readonly clock: Clock) {}

    /**
     * Whether any agent of the licence turned this DM on for themselves — the hot paths' cheap
     * check before looking at the conversation (read at most every few seconds per licence).
     */
    async optedIn(licence: string, field: 'assignment' | 'guest_messages' | {type: string}, executor: Db | Transaction<Database> = this.db): Promise<boolean> {
        const now = this.clock.now();
        let entry = this.#cache.get(licence);
        if (!entry || now - entry.at >= CACHE_MS) {
            entry = {at: now, all: this.all(licence, executor)};
            this.#cache.set(licence, entry);
            entry.all.catch(() => this.#cache.delete(licence));
        }
        return [...(await entry.all).values()].some((own) => (typeof field === 'string' ? own[field] : own.types?.[field.type]) === true);
    }

    async get(licence: string, email: string): Promise<AgentNotify> {
        const row = await this.db.selectFrom('kv').select('value')
            .where('licence', '=', licence).where('key', '=', PREFIX + email.trim().toLowerCase()).executeTakeFirst();
        return row ? JSON.parse(row.value) as AgentNotify : {};
    }

    async set(licence: string, email: string, value: AgentNotify): Promise<void> {
        this.#cache.delete(licence);
        const now = this.clock.now();
        const json = JSON.stringify(value);
        await this.db.insertInto('kv').values({licence, key: PREFIX + email.trim().toLowerCase(), value: json, updated_at: now})
            .onConflict((oc) => oc.columns(['licence', 'key']).doUpdateSet({value: json, updated_at: now}))
            .execute();
    }

    /** Every agent's choices of the licence, by e-mail (for notification-type subscriptions). */
    async all(licence: string, executor: Db | Transaction<Database> = this.db): Promise<Map<string, AgentNotify>> {
        const rows = await executor.selectFrom('kv').select(['key', 'value']).where('licence', '=', licence)
            .where(sql<boolean>`substr(${sql.ref('key')}, 1, ${PREFIX.length}) = ${PREFIX}`).execute();
        return new Map(rows.map((row) => [row.key.slice(PREFIX.length), JSON.parse(row.value) as AgentNotify]));
    }
}
