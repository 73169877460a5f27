import type {ProbeSighting} from '../domain/inbound/probe.js';
import type {Clock} from '../ports/clock.js';

import type {Db} from './database.js';

const PREFIX = 'inbound.probe:';
const WAITING = 'waiting';

/**
 * Inbound self-test probes in the `kv` table, so that a probe that comes back through any bridge
 * process (several behind a load balancer) is seen by the one that runs the test. A row lives
 * from `open` to `close`, a few seconds.
 */
export class ProbesRepository {
    constructor(private readonly db: Db, private readonly clock: Clock) {}

    async open(licence: string, nonce: string): Promise<void> {
        await this.db.insertInto('kv').values({licence, key: PREFIX + nonce, value: WAITING, updated_at: this.clock.now()}).execute();
    }

    /**
     * Records that a webhook call carrying `nonce` arrived, authenticated as `licence` (null: its
     * token matched no integration). False when no probe is waiting under this nonce (the call is
     * then an ordinary one).
     */
    async sighted(nonce: string, licence: string | null): Promise<boolean> {
        const row = await this.db.selectFrom('kv').select(['licence', 'value']).where('key', '=', PREFIX + nonce).executeTakeFirst();
        if (!row) {
            return false;
        }
        if (row.value === WAITING) {
            const sighting: ProbeSighting = licence === null ? 'unknown_token' : licence === row.licence ? 'ok' : 'other_integration';
            await this.db.updateTable('kv').set({value: sighting, updated_at: this.clock.now()})
                .where('licence', '=', row.licence).where('key', '=', PREFIX + nonce).where('value', '=', WAITING).execute();
        }
        return true;
    }

    /** What came back so far; null while waiting. */
    async sighting(licence: string, nonce: string): Promise<ProbeSighting | null> {
        const row = await this.db.selectFrom('kv').select('value').where('licence', '=', licence).where('key', '=', PREFIX + nonce).executeTakeFirst();
        return row && row.value !== WAITING ? row.value as ProbeSighting : null;
    }

    async close(licence: string, nonce: string): Promise<void> {
        await this.db.deleteFrom('kv').where('licence', '=', licence).where('key', '=', PREFIX + nonce).execute();
    }
}
