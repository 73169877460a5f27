import {sql} from 'kysely';

import type {Clock} from '../ports/clock.js';

import type {Db} from './database.js';

/**
 * The inbound relay's small durable state in the `kv` table (per licence): the websocket
 * "caught up until" mark and the leader lease that lets one bridge process hold the websocket;
 * in outgoing-webhook mode the catch-up's mark per channel and its lease (inbound/catch_up.ts).
 */
export const KEY_CAUGHT_UP = 'inbound.websocket.caught_up_at';
export const KEY_LEADER = 'inbound.websocket.leader';
export const KEY_CATCH_UP_LEASE = 'inbound.catch_up.lease';

/** The webhook catch-up's high-water mark of one channel: the newest `update_at` (Mattermost's clock) it has handled. */
export function catchUpMarkKey(channelId: string): string {
    return `inbound.catch_up.channel.${channelId}`;
}

export class InboundStateRepository {
    constructor(private readonly db: Db, private readonly clock: Clock) {}

    async get(licence: string, key: string): Promise<string | undefined> {
        const row = await this.db.selectFrom('kv').select('value').where('licence', '=', licence).where('key', '=', key).executeTakeFirst();
        return row?.value;
    }

    async set(licence: string, key: string, value: string): Promise<void> {
        const now = this.clock.now();
        await this.db.insertInto('kv').values({licence, key, value, updated_at: now})
            .onConflict((oc) => oc.columns(['licence', 'key']).doUpdateSet({value, updated_at: now}))
            .execute();
    }

    /**
     * Moves a numeric mark forward to `value`; never backwards (two processes catching up at once
     * may finish in any order). Creates it when absent.
     */
    async advance(licence: string, key: string, value: number): Promise<void> {
        const now = this.clock.now();
        await this.db.insertInto('kv').values({licence, key, value: String(value), updated_at: now})
            .onConflict((oc) => oc.columns(['licence', 'key'])
                .doUpdateSet({value: String(value), updated_at: now})
                .where(sql<number>`cast(${sql.ref('kv.value')} as bigint)`, '<', value))
            .execute();
    }

    /**
     * Takes or renews a lease: true when `owner` holds it afterwards. A lease not renewed for
     * `leaseMs` may be taken by another owner. One conditional UPDATE decides, so two processes
     * never both win on the same database.
     */
    async tryLease(licence: string, key: string, owner: string, leaseMs: number): Promise<boolean> {
        const now = this.clock.now();
        await this.db.insertInto('kv').values({licence, key, value: owner, updated_at: now})
            .onConflict((oc) => oc.columns(['licence', 'key']).doNothing()).execute();
        const result = await this.db.updateTable('kv').set({value: owner, updated_at: now})
            .where('licence', '=', licence).where('key', '=', key)
            .where((eb) => eb.or([eb('value', '=', owner), eb('updated_at', '<', now - leaseMs)]))
            .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
    }

    async releaseLease(licence: string, key: string, owner: string): Promise<void> {
        await this.db.deleteFrom('kv').where('licence', '=', licence).where('key', '=', key).where('value', '=', owner).execute();
    }
}
