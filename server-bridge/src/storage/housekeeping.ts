import type {Logger} from 'pino';

import type {EventsRepository} from './events_repository.js';
import type {OutboxRepository} from './outbox_repository.js';

/** How long what is done is kept: long past any sender's retries or any replay an admin would make. */
export const RETENTION = Object.freeze({
    /** Seen event ids: a repeat of an older `webhook-id` would be accepted again. */
    eventsMs: 7 * 24 * 3600_000,
    /** Delivered outbox jobs (and with them the inbound `post:<id>` dedupe keys). */
    deliveredJobsMs: 14 * 24 * 3600_000,
});

/**
 * Keeps the database from growing without bound: once an hour (and once shortly after start) it
 * forgets old event ids and delivered jobs, and queues the erasures of closed conversations past
 * their integration's `retention_days` (one process per hour does that part). Idempotent, so every
 * bridge process may run it.
 * Failures are logged and tried again at the next round; they never stop the bridge.
 */
export class Housekeeping {
    #timer: NodeJS.Timeout | undefined;

    constructor(private readonly deps: {
        outbox: OutboxRepository; events: EventsRepository; logger: Logger; everyMs?: number;
        /** The retention sweep (outbound/retention_sweep.ts): erasures of closed conversations past `retention_days`. */
        retention?: {run(periodMs: number): Promise<number>};
    }) {}

    start(): void {
        const every = this.deps.everyMs ?? 3600_000;
        this.#timer = setTimeout(() => {
            void this.runOnce();
            this.#timer = setInterval(() => void this.runOnce(), every);
            this.#timer.unref();
        }, Math.min(every, 60_000));
        this.#timer.unref();
    }

    stop(): void {
        clearTimeout(this.#timer);
        clearInterval(this.#timer);
        this.#timer = undefined;
    }

    async runOnce(): Promise<{events: number; jobs: number; erasures: number}> {
        try {
            const events = await this.deps.events.prune(RETENTION.eventsMs);
            const jobs = await this.deps.outbox.prune(RETENTION.deliveredJobsMs);
            if (events + jobs > 0) {
                this.deps.logger.info({events, jobs}, 'housekeeping removed old event ids and delivered jobs');
            }
            const erasures = await this.deps.retention?.run(this.deps.everyMs ?? 3600_000) ?? 0;
            return {events, jobs, erasures};
        } catch (error) {
            this.deps.logger.warn({err: error}, 'housekeeping failed; it will try again');
            return {events: 0, jobs: 0, erasures: 0};
        }
    }
}
