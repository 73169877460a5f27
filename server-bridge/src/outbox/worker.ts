import {randomUUID} from 'node:crypto';

import type {Logger} from 'pino';

import {UpstreamError} from '../domain/errors.js';
import type {Clock} from '../ports/clock.js';
import type {Completion, Job, OutboxRepository} from '../storage/outbox_repository.js';

import {backoffDelayMs} from './backoff.js';
import {judgeFailure, PermanentFailure} from './retry_policy.js';

/**
 * A job handler does one delivery. Contract: it must be safe to run again after a crash at any
 * point (idempotent or reconciling), and it throws to say the attempt failed; `judgeFailure`
 * (retry_policy.ts) decides between a retry with backoff (Retry-After honoured) and parking.
 * It may return a Completion: the record of what it did, written in the same transaction that marks
 * the job delivered (one commit instead of two, and never one without the other).
 */
export type JobHandler = (job: Job) => Promise<void | Completion>;

/** Part of the handler contract: handlers throw it to park their job at once. */
export {PermanentFailure} from './retry_policy.js';

export interface WorkerEvents {
    /** Called after a job was delivered (not awaited by the worker's loop for correctness). */
    delivered?(job: Job): Promise<void> | void;
    /** Called after a job was parked as failed, with the reason shown to admins. */
    parked?(job: Job, reason: string, code: string, error: unknown): Promise<void> | void;
    /** Called after a failed attempt that will be retried. */
    retrying?(job: Job, reason: string, code: string, delayMs: number): Promise<void> | void;
    /**
     * Called once when an upstream answers a licence's job again after a transient failure there
     * (the moment its waiting jobs are made due): other parts waiting on that upstream may stop
     * waiting too. Not awaited by the delivery it follows; a throw is logged.
     */
    recovered?(licence: string, upstream: string): Promise<void> | void;
}

export interface WorkerOptions {
    repository: OutboxRepository;
    handlers: Readonly<Record<string, JobHandler>>;
    concurrency: number;
    pollIntervalMs: number;
    leaseMs: number;
    maxAttempts: number;
    baseBackoffMs: number;
    maxBackoffMs: number;
    logger: Logger;
    clock: Clock;
    events?: WorkerEvents;
    random?: () => number;
    owner?: string;
    /**
     * Jobs claimed ahead of free delivery slots (default: `concurrency`). One claim then fills
     * several slots one after the other: a claim walks the waiting jobs, so its cost barely depends
     * on how many it takes, and claiming for every single finished delivery was the costliest query
     * of the delivery path. Claimed-ahead jobs are held under lease like running ones.
     */
    prefetch?: number;
    /**
     * Which upstream a job kind talks to (default: its direction). After a transient failure
     * (unreachable, 5xx, 429), the next success of a job with the same licence and upstream makes
     * that upstream's waiting jobs due at once: an outage's backoff does not outlast the outage.
     */
    upstreamOf?: (kind: string) => string;
    /**
     * While an upstream is known to be down (a transient failure since the last success there),
     * one of its failing jobs, the probe, is retried at most this long apart (default: 5 s, or
     * `maxBackoffMs` when smaller; an upstream's Retry-After still wins) instead of after its own
     * backoff, which grows with the outage. Its first success makes the others due (see
     * `upstreamOf`), so a backlog does not sit idle for a backoff after the upstream is back. A
     * probe attempt made before the job's own backoff ran out does not count toward `maxAttempts`:
     * the probe gives up no sooner than any other job. 0 turns probing off.
     */
    probeIntervalMs?: number;
}

/** How far apart a troubled upstream is probed by default (see WorkerOptions.probeIntervalMs). */
const DEFAULT_PROBE_INTERVAL_MS = 5000;

/** Failure codes whose waiting jobs are woken when their upstream answers again. */
const TRANSIENT_CODES = ['unreachable', 'server_error', 'rate_limited'] as const;

/** The job that probes a troubled upstream (per `licence\nupstream`). */
interface Probe {
    jobId: number;
    /** When its next (probe) attempt is due. */
    dueAt: number;
    /** When its own backoff runs out: an attempt before then is a probe and does not count. */
    ownDueAt: number;
}

interface Ready {
    job: Job;
    claimedAt: number;
}

/**
 * Delivers outbox jobs: claims runnable jobs under a lease, runs up to `concurrency` handlers at
 * once, and records each outcome (delivered, retry with backoff, parked). While it runs, a
 * heartbeat renews the leases of the jobs it holds every `leaseMs / 4`, so after a crash (no more
 * renewals) another process or the restarted one takes them over within `leaseMs`.
 */
export class OutboxWorker {
    readonly owner: string;
    readonly #options: WorkerOptions;
    readonly #active = new Set<Promise<void>>();
    readonly #ready: Ready[] = [];
    #running = false;
    #wake: (() => void) | undefined;
    #loop: Promise<void> | undefined;
    #pendingWake = false;
    #heartbeat: NodeJS.Timeout | undefined;
    /** When the leases were last renewed (or 0): a claimed-ahead job older than both is not started. */
    #renewedAt = 0;
    /** `licence\nupstream` where a job failed transiently since the last success there. */
    readonly #troubled = new Set<string>();
    /** The probe of each troubled upstream (see `probeIntervalMs`). In memory: after a restart the next failure elects one. */
    readonly #probes = new Map<string, Probe>();
    readonly #probeMs: number;

    constructor(options: WorkerOptions) {
        this.#options = options;
        this.#probeMs = Math.max(0, options.probeIntervalMs ?? Math.min(DEFAULT_PROBE_INTERVAL_MS, options.maxBackoffMs));
        this.owner = options.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
    }

    start(): void {
        if (this.#running) {
            return;
        }
        this.#running = true;
        this.#loop = this.#run();
        this.#heartbeat = setInterval(() => void this.#renew(), Math.max(50, Math.floor(this.#options.leaseMs / 4)));
        this.#heartbeat.unref();
    }

    /** Asks the loop to look for work now (e.g. right after an enqueue). */
    wake(): void {
        this.#pendingWake = true;
        this.#wake?.();
    }

    /** Stops claiming, hands claimed-ahead jobs back, then waits for the deliveries under way to finish. */
    async stop(): Promise<void> {
        this.#running = false;
        this.#wake?.();
        await this.#loop;
        await this.#release(this.#ready.splice(0).map((ready) => ready.job.id));
        await Promise.allSettled([...this.#active]);
        clearInterval(this.#heartbeat);
    }

    async #run(): Promise<void> {
        const {repository, concurrency, pollIntervalMs, leaseMs, logger, clock} = this.#options;
        const prefetch = Math.max(0, this.#options.prefetch ?? concurrency);
        while (this.#running) {
            this.#pendingWake = false;
            await this.#startReady();
            const free = concurrency - this.#active.size;
            let claimed = 0;
            let wanted = 0;
            if (free > 0) {
                wanted = free + prefetch;
                try {
                    const jobs = await repository.claim(this.owner, wanted, leaseMs);
                    claimed = jobs.length;
                    const claimedAt = clock.now();
                    this.#ready.push(...jobs.map((job) => ({job, claimedAt})));
                    await this.#startReady();
                } catch (error) {
                    logger.error({err: error}, 'claiming from the outbox failed');
                }
            }
            if (!this.#running) {
                break;
            }
            const full = this.#active.size >= concurrency;
            // A full claim may mean more work is waiting; a wake-up during the claim means new work.
            if (!full && ((claimed > 0 && claimed === wanted) || this.#pendingWake)) {
                continue;
            }
            await new Promise<void>((resolve) => {
                const timer = setTimeout(resolve, pollIntervalMs);
                this.#wake = () => {
                    clearTimeout(timer);
                    resolve();
                };
            });
            this.#wake = undefined;
        }
    }

    /** Starts claimed jobs while slots are free. One whose lease may have lapsed is handed back instead. */
    async #startReady(): Promise<void> {
        const {concurrency, leaseMs, clock} = this.#options;
        const stale: number[] = [];
        while (this.#running && this.#active.size < concurrency && this.#ready.length > 0) {
            const {job, claimedAt} = this.#ready.shift()!;
            if (clock.now() - Math.max(claimedAt, this.#renewedAt) > leaseMs / 2) {
                stale.push(job.id);
                continue;
            }
            const run = this.#deliver(job).finally(() => {
                this.#active.delete(run);
                this.wake();
            });
            this.#active.add(run);
        }
        await this.#release(stale);
    }

    /** Hands claimed jobs back to the outbox, unstarted. Never throws: a lease that is not released runs out instead. */
    async #release(jobIds: readonly number[]): Promise<void> {
        if (jobIds.length === 0) {
            return;
        }
        try {
            await this.#options.repository.release(jobIds, this.owner);
        } catch (error) {
            // Their leases run out instead; another claim takes them over then.
            this.#options.logger.warn({err: error, jobs: jobIds.length}, 'handing claimed jobs back to the outbox failed');
        }
    }

    async #renew(): Promise<void> {
        if (this.#active.size === 0 && this.#ready.length === 0) {
            return;
        }
        const startedAt = this.#options.clock.now();
        try {
            await this.#options.repository.renewLeases(this.owner, this.#options.leaseMs);
            this.#renewedAt = startedAt;
        } catch (error) {
            this.#options.logger.warn({err: error}, 'renewing delivery leases failed; will try again');
        }
    }

    async #deliver(job: Job): Promise<void> {
        const {repository, handlers, logger, events} = this.#options;
        const handler = handlers[job.kind];
        let completion: void | Completion;
        try {
            if (!handler) {
                throw new PermanentFailure(`no handler for job kind ${job.kind}`, 'unknown_kind');
            }
            completion = await handler(job);
        } catch (error) {
            await this.#fail(job, error);
            return;
        }
        try {
            if (await repository.markDelivered(job.id, this.owner, completion ?? undefined)) {
                await this.#recovered(job);
                await events?.delivered?.(job);
            } else {
                logger.warn({job: job.id}, 'delivered, but the lease had passed to another worker');
            }
        } catch (error) {
            logger.error({err: error, job: job.id}, 'recording a delivery failed; it will be reconciled on the next attempt');
        }
    }

    /** The upstream a job talks to (`upstreamOf`, else its direction). */
    #upstream(job: Job): string {
        return this.#options.upstreamOf?.(job.kind) ?? job.direction;
    }

    #troubleKey(job: Job): string {
        return `${job.licence}\n${this.#upstream(job)}`;
    }

    /** After a transient failure: the first success there makes the upstream's waiting jobs due. */
    async #recovered(job: Job): Promise<void> {
        this.#probes.delete(this.#troubleKey(job));
        if (!this.#troubled.delete(this.#troubleKey(job))) {
            return;
        }
        const {upstreamOf, handlers, repository, events, logger} = this.#options;
        const upstream = this.#upstream(job);
        void Promise.resolve()
            .then(() => events?.recovered?.(job.licence, upstream))
            .catch((error: unknown) => logger.warn({err: error, licence: job.licence, upstream}, 'reporting that an upstream answers again failed'));
        const filter = upstreamOf
            ? {kinds: Object.keys(handlers).filter((kind) => upstreamOf(kind) === upstream)}
            : {direction: job.direction};
        try {
            const woken = await repository.wakeWaiting(job.licence, filter, TRANSIENT_CODES);
            if (woken > 0) {
                logger.info({licence: job.licence, upstream, woken}, 'upstream answers again: waiting deliveries are due now');
                this.wake();
            }
        } catch (error) {
            logger.warn({err: error, licence: job.licence}, 'could not make waiting deliveries due; they keep their backoff');
        }
    }

    async #fail(job: Job, error: unknown): Promise<void> {
        const {repository, logger, events, maxAttempts, clock} = this.#options;
        const key = this.#troubleKey(job);
        const transient = error instanceof UpstreamError && (TRANSIENT_CODES as readonly string[]).includes(error.kind);
        if (transient) {
            this.#troubled.add(key);
        }
        const probe = this.#probes.get(key);
        const now = clock.now();
        // This attempt was the probe's, made before its own backoff ran out: it does not count.
        const uncounted = transient && probe?.jobId === job.id && now < probe.ownDueAt;
        const attempts = uncounted ? job.attempts - 1 : job.attempts;
        const verdict = judgeFailure(error, attempts, maxAttempts);
        const {reason, code} = verdict;
        if (verdict.unexpected) {
            logger.error({err: error, job: job.id, kind: job.kind}, 'delivery handler threw an unexpected error');
        }
        if (probe?.jobId === job.id && !(transient && verdict.retry)) {
            this.#probes.delete(key); // the next transient failure there elects another
        }
        try {
            if (verdict.retry) {
                let delay = backoffDelayMs(attempts, this.#options, this.#options.random, verdict.retryAfterMs);
                if (transient && this.#probeMs > 0 && (!probe || probe.jobId === job.id || now > probe.dueAt + this.#options.leaseMs)) {
                    // This job probes the upstream (none did, it already was, or the last one went
                    // missing: claimed by another process, or its outcome lost in a crash).
                    const ownDueAt = uncounted ? probe!.ownDueAt : now + delay;
                    delay = Math.min(ownDueAt - now, this.#probeMs);
                    if (verdict.retryAfterMs !== undefined) {
                        delay = Math.max(delay, Math.min(verdict.retryAfterMs, this.#options.maxBackoffMs));
                    }
                    this.#probes.set(key, {jobId: job.id, dueAt: now + delay, ownDueAt});
                }
                if (await repository.reschedule(job.id, this.owner, delay, reason, code, {uncounted})) {
                    logger.info({job: job.id, kind: job.kind, attempt: attempts, delayMs: delay, code, ...(uncounted ? {probe: true} : {})}, 'delivery failed, will retry');
                    await events?.retrying?.(job, reason, code, delay);
                }
                return;
            }
            if (await repository.park(job.id, this.owner, reason, code)) {
                logger.warn({job: job.id, kind: job.kind, code}, 'delivery parked as failed');
                await events?.parked?.(job, reason, code, error);
            }
        } catch (storageError) {
            logger.error({err: storageError, job: job.id}, 'recording a failed attempt failed; the lease will expire and the job run again');
        }
    }
}
