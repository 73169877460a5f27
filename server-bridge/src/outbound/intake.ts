import type {Transaction} from 'kysely';

import {checkHeaders, verify, type VerifyFailure} from '../crypto/standard_webhooks.js';
import {notificationTarget, subscribersOf, type Integration} from '../domain/integration.js';
import type {OutboundEvent} from '../domain/outbound/events.js';
import type {Clock} from '../ports/clock.js';
import type {Db} from '../storage/database.js';
import type {EventsRepository} from '../storage/events_repository.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';
import type {ChangeOutcome, MessagesRepository} from '../storage/messages_repository.js';
import type {AgentNotifyRepository} from '../storage/agent_notify_repository.js';
import type {OutboxRepository} from '../storage/outbox_repository.js';
import type {Database} from '../storage/schema.js';
import {GroupCommit} from '../storage/group_commit.js';

import type {ErasureIntake} from './erasure_intake.js';
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
    | {status: 'not_sent'; reason: string; detail?: string};

export interface SignatureHeaders {
    id?: string;
    timestamp?: string;
    signature?: string;
}

interface Pending {
    integration: Integration;
    webhookId: string;
    event: OutboundEvent;
}

/** Events stored in one transaction, at most. */
const MAX_GROUP = 128;

/**
 * Takes in signed i-Reserve events. `authenticate` finds the integration and checks the Standard
 * Webhooks signature over the raw bytes; `accept` stores a verified, parsed event durably — the
 * event id, the message id (for messages) and the outbox job in ONE transaction, so an event is
 * either wholly stored (and will be delivered) or not at all.
 *
 * Group commit: events that arrive while a transaction is being written wait and are stored
 * together in the next one (each still answered only after that commit). One commit then
 * carries many events, which is most of what storing an event costs. If a group's transaction
 * fails, each of its events is tried alone, so one event cannot make others fail.
 */
export class EventIntake {
    readonly #groups: GroupCommit<Pending, IntakeResult>;

    constructor(private readonly deps: {
        db: Db;
        clock: Clock;
        integrations: IntegrationsRepository;
        events: EventsRepository;
        messages: MessagesRepository;
        outbox: OutboxRepository;
        wakeWorker: () => void;
        /** Agents' own DM choices: an unmapped notification type still goes when an agent subscribed to it. */
        agentNotify?: AgentNotifyRepository;
        /** Erasure (DESIGN §12): `conversation.erased`, and events of erased conversations. */
        erasure?: ErasureIntake;
    }) {
        this.#groups = new GroupCommit<Pending, IntakeResult>({
            db: deps.db,
            maxGroup: MAX_GROUP,
            write: (trx, pending) => this.#store(trx, pending),
            // A group that failed wakes it too: some of its events may have been stored alone.
            afterGroup: (results) => {
                if (results?.some((result) => result.status === 'accepted') ?? true) {
                    deps.wakeWorker();
                }
            },
        });
    }

    /**
     * What can be checked before the body is read (DESIGN §14): the signature headers are present
     * and the timestamp is fresh, and the licence exists. Throws IntakeError (`bad_signature` for
     * the headers, `unknown_licence`); the HTTP layer answers an unknown licence like a known
     * one with a wrong signature.
     */
    async screen(licence: string, headers: SignatureHeaders): Promise<void> {
        const failure = checkHeaders(headers, Math.floor(this.deps.clock.now() / 1000));
        if (failure !== null) {
            throw new IntakeError({kind: 'bad_signature', reason: failure});
        }
        if (!await this.deps.integrations.getCached(licence)) {
            throw new IntakeError({kind: 'unknown_licence'});
        }
    }

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
    accept(integration: Integration, webhookId: string, event: OutboundEvent): Promise<IntakeResult> {
        return this.#groups.submit({integration, webhookId, event});
    }

    async #store(trx: Transaction<Database>, {integration, webhookId, event}: Pending): Promise<IntakeResult> {
        const {events, messages, outbox} = this.deps;
        const licence = integration.licence;
        if (!await events.record(licence, webhookId, event.type, trx)) {
            return {status: 'duplicate', of: 'event'};
        }
        const erased = await this.deps.erasure?.screen(trx, licence, webhookId, event);
        if (erased) {
            return erased;
        }
        if (event.type === 'conversation.message'
            && !await messages.insertQueued(licence, event.data.conversation_id, event.data.message_id, trx)) {
            return {status: 'duplicate', of: 'message'};
        }
        if (event.type === 'conversation.message_edited' || event.type === 'conversation.message_deleted') {
            const {conversation_id: conversationId, message_id: messageId} = event.data;
            const outcome = event.type === 'conversation.message_edited'
                ? await messages.recordEdit(licence, conversationId, messageId, event.data.text,
                    event.data.edited_at ? Date.parse(event.data.edited_at) : this.deps.clock.now(), trx)
                : await messages.recordDeletion(licence, conversationId, messageId, trx);
            if (outcome !== 'recorded') {
                return {status: 'not_sent', reason: changeRefusal(outcome, conversationId, messageId)};
            }
        }
        if (event.type === 'notification') {
            const target = notificationTarget(integration.notificationChannels, event.data.notification_type);
            const subscribers = subscribersOf(integration.dmSettings, event.data.notification_type);
            if (target.trim() === '' && subscribers.length === 0
                && !await this.deps.agentNotify?.optedIn(licence, {type: event.data.notification_type}, trx)) {
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
            // No dedupe key: `events.record` above, in this transaction, already refused a repeated id.
            payload,
        }, trx);
        return {status: 'accepted'};
    }
}

/** Why an edit or a deletion changes nothing (the event is recorded: a repeat is a duplicate). */
function changeRefusal(outcome: Exclude<ChangeOutcome, 'recorded'>, conversationId: string, messageId: string): string {
    switch (outcome) {
    case 'unknown_message':
        return `No message "${messageId}" in conversation "${conversationId}" is known for this licence, so nothing was changed in Mattermost.`;
    case 'already_deleted':
        return `Message "${messageId}" in conversation "${conversationId}" was already deleted, so nothing was changed in Mattermost.`;
    case 'stale_edit':
        return `A later edit of message "${messageId}" in conversation "${conversationId}" was already received, so this one is not applied.`;
    }
}
