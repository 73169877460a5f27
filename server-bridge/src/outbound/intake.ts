import {verify, type VerifyFailure} from '../crypto/standard_webhooks.js';
import type {Integration, NotificationType} from '../domain/integration.js';
import type {OutboundEvent} from '../domain/outbound/events.js';
import type {Clock} from '../ports/clock.js';
import type {Db} from '../storage/database.js';
import type {EventsRepository} from '../storage/events_repository.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';
import type {MessagesRepository} from '../storage/messages_repository.js';
import type {OutboxRepository} from '../storage/outbox_repository.js';

import {OUTBOUND_JOB_KINDS, orderingKeyFor, type OutboundJobPayload} from './jobs.js';

export type IntakeFailure =
    | {kind: 'unknown_licence'}
    | {kind: 'bad_signature'; reason: VerifyFailure}
    | {kind: 'inactive'};

/** A refused event, before anything was stored. */
export class IntakeError extends Error {
    override name = 'IntakeError';
    constructor(readonly failure: IntakeFailure) {
        super(failure.kind);
    }
}

export type IntakeResult =
    | {status: 'accepted'}
    | {status: 'duplicate'; of: 'event' | 'message'}
    | {status: 'not_sent'; reason: string};

export interface SignatureHeaders {
    id?: string;
    timestamp?: string;
    signature?: string;
}

/**
 * Takes in signed i-Reserve events. `authenticate` finds the integration and checks the Standard
 * Webhooks signature over the raw bytes; `accept` stores a verified, parsed event durably — the
 * event id, the message id (for messages) and the outbox job in ONE transaction, so an event is
 * either wholly stored (and will be delivered) or not at all.
 */
export class EventIntake {
    constructor(private readonly deps: {
        db: Db;
        clock: Clock;
        integrations: IntegrationsRepository;
        events: EventsRepository;
        messages: MessagesRepository;
        outbox: OutboxRepository;
        wakeWorker: () => void;
    }) {}

    /** Throws IntakeError: unknown licence, bad/missing/stale signature, or an inactive integration (checked after the signature). */
    async authenticate(licence: string, headers: SignatureHeaders, rawBody: Buffer): Promise<Integration> {
        const integration = await this.deps.integrations.getCached(licence);
        if (!integration) {
            throw new IntakeError({kind: 'unknown_licence'});
        }
        const failure = verify(integration.signingSecrets, headers, rawBody, Math.floor(this.deps.clock.now() / 1000));
        if (failure) {
            throw new IntakeError({kind: 'bad_signature', reason: failure});
        }
        if (!integration.active) {
            throw new IntakeError({kind: 'inactive'});
        }
        return integration;
    }

    /**
     * Stores the event for delivery. A repeated webhook id, or a message id already queued in its
     * conversation, is a duplicate (nothing new is queued). A notification whose type is mapped to
     * no channel is recorded (so a repeat is a duplicate) but not queued.
     */
    async accept(integration: Integration, webhookId: string, event: OutboundEvent): Promise<IntakeResult> {
        const {db, events, messages, outbox} = this.deps;
        const licence = integration.licence;
        const result = await db.transaction().execute(async (trx): Promise<IntakeResult> => {
            if (!await events.record(licence, webhookId, event.type, trx)) {
                return {status: 'duplicate', of: 'event'};
            }
            if (event.type === 'conversation.message'
                && !await messages.insertQueued(licence, event.data.conversation_id, event.data.message_id, trx)) {
                return {status: 'duplicate', of: 'message'};
            }
            if (event.type === 'notification') {
                const target = (integration.notificationChannels as Record<string, string | undefined>)[event.data.notification_type] ?? '';
                const subscribers = integration.dmSettings.subscriptions[event.data.notification_type as NotificationType] ?? [];
                if (target.trim() === '' && subscribers.length === 0) {
                    return {status: 'not_sent', reason: `No channel is mapped to notification type "${event.data.notification_type}", so it is not posted.`};
                }
            }
            const payload = {event_id: webhookId, type: event.type, data: event.data} as OutboundJobPayload;
            await outbox.enqueue({
                licence,
                direction: 'outbound',
                kind: OUTBOUND_JOB_KINDS[event.type],
                orderingKey: orderingKeyFor(payload),
                conversationId: event.type === 'notification' ? null : event.data.conversation_id,
                dedupeKey: `event:${webhookId}`,
                payload,
            }, trx);
            return {status: 'accepted'};
        });
        if (result.status === 'accepted') {
            this.deps.wakeWorker();
        }
        return result;
    }
}
