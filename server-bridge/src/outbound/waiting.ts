import type {Transaction} from 'kysely';
import type {Logger} from 'pino';

import type {Integration} from '../domain/integration.js';
import {reminderDue, remindersOn} from '../domain/waiting/reminders.js';
import type {Metrics} from '../observability/metrics.js';
import type {Db} from '../storage/database.js';
import {rootShowsWaiting} from '../storage/conversations_repository.js';
import type {Job, OutboxRepository} from '../storage/outbox_repository.js';
import type {Database} from '../storage/schema.js';
import type {WaitingRepository} from '../storage/waiting_repository.js';

import {ROOT_SETTLING_KINDS, WAITING_JOB_KINDS, reminderKey, reminderKeyPrefix, type ReminderPayload, type WaitingPayload} from './jobs.js';

type Executor = Db | Transaction<Database>;

/** How a change made by an outbox job of the conversation reaches the root. */
export interface ChangeOptions {
    /**
     * The caller is a job of the conversation that calls `settleRoot` in the same transaction after
     * the change: no `waiting` job is queued for the change itself.
     */
    settledByCaller?: boolean;
}

/**
 * Keeps the waiting state of conversations (DESIGN §11) from the events the bridge already sees,
 * and queues what follows from a change, in the caller's transaction:
 * - a visitor message starts a spell: the root shows `waiting_since` and each reminder threshold
 *   gets a job due then (reminders.ts posts it);
 * - an agent's answer ends it: the root drops `waiting_since`, the spell's pending reminders are
 *   removed, and the response times are counted;
 * - closing ends it too (the close's own root update shows it), without counting a response.
 * Only the caller that changes the state queues (WaitingRepository's compare-and-set), so two
 * processes seeing the same event queue nothing twice; the jobs' dedupe keys add a second guard.
 */
export class WaitingTracker {
    constructor(private readonly deps: {
        waiting: WaitingRepository;
        outbox: OutboxRepository;
        metrics: Metrics;
        logger: Logger;
    }) {}

    /** A visitor's message at `at` (the bridge's clock when it was received). */
    async visitorMessage(integration: Integration, conversationId: string, at: number, executor?: Executor, options: ChangeOptions = {}): Promise<void> {
        const {licence} = integration;
        const since = await this.deps.waiting.start(licence, conversationId, at, executor);
        if (since === null) {
            return;
        }
        if (!options.settledByCaller) {
            await this.#showOnRoot(licence, conversationId, since, 'start', executor);
        }
        const settings = integration.reminders;
        if (remindersOn(settings)) {
            for (const after of settings.after_seconds) {
                const key = reminderKey(conversationId, since, after);
                const payload: ReminderPayload = {conversation_id: conversationId, waiting_since: since, after_seconds: after};
                await this.deps.outbox.enqueue({
                    licence, direction: 'outbound', kind: WAITING_JOB_KINDS.reminder, orderingKey: key, conversationId,
                    dedupeKey: key, payload, notBefore: reminderDue(settings, since, after),
                }, executor);
            }
        }
        this.deps.logger.debug({licence, conversation: conversationId, since}, 'guest waiting');
    }

    /** An agent's answer at `at`: a reply delivered to the visitor, or an agent message from i-Reserve. */
    async answered(licence: string, conversationId: string, at: number, executor?: Executor, options: ChangeOptions = {}): Promise<void> {
        const ended = await this.deps.waiting.answer(licence, conversationId, at, executor);
        if (!ended) {
            return;
        }
        if (!options.settledByCaller) {
            await this.#showOnRoot(licence, conversationId, ended.since, 'end', executor);
        }
        await this.deps.outbox.cancelPending(licence, WAITING_JOB_KINDS.reminder, reminderKeyPrefix(conversationId, ended.since), executor);
        const seconds = Math.max(0, (at - ended.since) / 1000);
        this.deps.metrics.response.observe(seconds);
        if (ended.first) {
            this.deps.metrics.firstResponse.observe(seconds);
        }
        this.deps.logger.debug({licence, conversation: conversationId, waited_s: seconds}, 'guest answered');
    }

    /** The conversation was closed: a running spell ends (the caller shows it on the root). */
    async closed(licence: string, conversationId: string, executor?: Executor): Promise<void> {
        const since = await this.deps.waiting.close(licence, conversationId, executor);
        if (since !== null) {
            await this.deps.outbox.cancelPending(licence, WAITING_JOB_KINDS.reminder, reminderKeyPrefix(conversationId, since), executor);
        }
    }

    /**
     * Called by every job of ROOT_SETTLING_KINDS when it is done (in its completion's transaction,
     * or when it is parked): when the root does not show the conversation's waiting state as it is
     * now, and no later job of those kinds waits behind `job` in its order (that one settles it when
     * it is done), queues a `waiting` job that patches the root. So a burst of messages delivered one
     * after the other patches the root at most once, after the last one, and not at all when the
     * root already shows the state the burst ends in; no job is queued per message.
     * The dedupe key names `job`: a completion run twice (a lease lost) queues one.
     */
    async settleRoot(licence: string, conversationId: string, job: Pick<Job, 'id' | 'orderingKey'>, executor?: Executor): Promise<void> {
        const state = await this.deps.waiting.rootState(licence, conversationId, executor);
        if (!state?.rootPostId || rootShowsWaiting(state)) {
            return; // the job that makes the root shows the state then
        }
        if (await this.deps.outbox.hasLaterPending(licence, job.orderingKey, job.id, ROOT_SETTLING_KINDS, executor)) {
            return;
        }
        const ongoing = state.waitingSince !== null;
        await this.#showOnRoot(licence, conversationId, state.waitingSince ?? state.rootWaitingShown ?? 0, ongoing ? 'start' : 'end', executor,
            `waiting:${conversationId}:after:${job.id}`);
    }

    /** Queues a `waiting` job that patches the root; one per `dedupeKey` (by default: per spell start or end). */
    async #showOnRoot(licence: string, conversationId: string, since: number, change: WaitingPayload['change'], executor?: Executor,
        dedupeKey = `waiting:${conversationId}:${since}:${change}`): Promise<void> {
        const payload: WaitingPayload = {conversation_id: conversationId, waiting_since: since, change};
        await this.deps.outbox.enqueue({
            licence, direction: 'outbound', kind: WAITING_JOB_KINDS.waiting, orderingKey: `conv:${conversationId}`, conversationId,
            dedupeKey, payload,
        }, executor);
    }
}
