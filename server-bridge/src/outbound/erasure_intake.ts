import type {Transaction} from 'kysely';

import type {OutboundEvent} from '../domain/outbound/events.js';
import type {ErasuresRepository} from '../storage/erasures_repository.js';
import type {OutboxRepository} from '../storage/outbox_repository.js';
import type {Database} from '../storage/schema.js';

import {erasureJob} from './jobs.js';

/** The answer to an event for a conversation that is erased or being erased (DESIGN §12). */
export type ErasedAnswer = {status: 'accepted'} | {status: 'not_sent'; reason: 'erased'; detail: string};

/**
 * The event intake's part of erasure, run inside its transaction after the event id was recorded:
 * `conversation.erased` records the erasure and queues its job (a repeat — another webhook id for the
 * same conversation — changes nothing); any event of an erased conversation, erasure in progress
 * included, is answered `not_sent` (reason `erased`) and stores nothing more. Returns undefined for
 * events the intake handles as before.
 */
export class ErasureIntake {
    constructor(private readonly deps: {erasures: ErasuresRepository; outbox: OutboxRepository}) {}

    async screen(trx: Transaction<Database>, licence: string, webhookId: string, event: OutboundEvent): Promise<ErasedAnswer | undefined> {
        if (event.type === 'notification') {
            return undefined;
        }
        const conversationId = event.data.conversation_id;
        const existing = await this.deps.erasures.get(licence, conversationId, trx);
        if (existing) {
            const when = new Date(existing.requestedAt).toISOString();
            const state = existing.status === 'in_progress' ? `is being erased (requested at ${when})` : `was erased (requested at ${when})`;
            const detail = event.type === 'conversation.erased'
                ? `Conversation ${conversationId} ${state}; the erasure is not repeated.`
                : `Conversation ${conversationId} ${state}; events for it are not delivered.`;
            return {status: 'not_sent', reason: 'erased', detail};
        }
        if (event.type !== 'conversation.erased') {
            return undefined;
        }
        await this.deps.erasures.request(licence, conversationId, 'event', trx);
        await this.deps.outbox.enqueue(erasureJob(licence, conversationId, webhookId), trx);
        return {status: 'accepted'};
    }
}
