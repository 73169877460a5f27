import type {Logger} from 'pino';

import type {Clock} from '../ports/clock.js';
import type {Db} from '../storage/database.js';
import type {ErasuresRepository} from '../storage/erasures_repository.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';
import type {OutboxRepository} from '../storage/outbox_repository.js';

import {erasureJob} from './jobs.js';

const DAY_MS = 24 * 3600_000;
/** `kv` row (licence '') that says when a process last swept: one sweep per period across processes. */
const CLAIM_KEY = 'housekeeping.retention_sweep';
/** Conversations queued per integration and sweep; the rest wait for the next sweep. */
const BATCH = 500;

/**
 * The per-integration `retention_days` (DESIGN §12): closed conversations with no activity for
 * that many days are erased exactly as `conversation.erased` would (ErasuresRepository.request and
 * the same outbox job, source `retention`). Run by housekeeping; of several processes, the first
 * to claim the period sweeps and the others skip it (an atomic update of one `kv` row). Requesting
 * is idempotent per conversation, so even two sweeps never erase anything twice.
 */
export class RetentionSweep {
    constructor(private readonly deps: {
        db: Db; clock: Clock; integrations: IntegrationsRepository; erasures: ErasuresRepository; outbox: OutboxRepository;
        logger: Logger; wakeWorker: () => void;
    }) {}

    /** Queues the erasures due; returns how many. Does nothing when another process swept within `periodMs`. */
    async run(periodMs: number): Promise<number> {
        const {db, clock, integrations, erasures, outbox, logger} = this.deps;
        if (!await this.#claim(periodMs)) {
            return 0;
        }
        let queued = 0;
        for (const licence of await integrations.listLicences()) {
            const integration = await integrations.get(licence);
            if (!integration?.retentionDays) {
                continue;
            }
            const due = await erasures.closedBefore(licence, clock.now() - integration.retentionDays * DAY_MS, BATCH);
            for (const conversationId of due) {
                await db.transaction().execute(async (trx) => {
                    if (await erasures.request(licence, conversationId, 'retention', trx)) {
                        await outbox.enqueue(erasureJob(licence, conversationId, `retention:${conversationId}`), trx);
                        queued += 1;
                    }
                });
            }
            if (due.length > 0) {
                logger.info({licence, conversations: due.length, retention_days: integration.retentionDays}, 'closed conversations past their retention queued for erasure');
            }
        }
        if (queued > 0) {
            this.deps.wakeWorker();
        }
        return queued;
    }

    async #claim(periodMs: number): Promise<boolean> {
        const now = this.deps.clock.now();
        // 90 % of the period: timers of processes started a little apart still get one sweep per period between them.
        const row = await this.deps.db.insertInto('kv')
            .values({licence: '', key: CLAIM_KEY, value: String(now), updated_at: now})
            .onConflict((oc) => oc.columns(['licence', 'key']).doUpdateSet({value: String(now), updated_at: now})
                .where('kv.updated_at', '<', now - Math.floor(periodMs * 0.9)))
            .returning('key')
            .executeTakeFirst();
        return row !== undefined;
    }
}
