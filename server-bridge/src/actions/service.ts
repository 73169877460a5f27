import {randomUUID} from 'node:crypto';

import type {Post} from '@mattermost/types/posts';
import type {UserProfile} from '@mattermost/types/users';
import type {Logger} from 'pino';

import {ACTION_NOTE_KIND, type ActionOutcome, type ConversationAction} from '../contract/actions.js';
import {verifyActionContext} from '../crypto/action_context.js';
import {
    actionDedupeKey, actionNote, actionWebhookId, appliedState, buildActionCallback, queuedText, refusalForState, stateOf,
} from '../domain/actions/rules.js';
import {UpstreamError} from '../domain/errors.js';
import {displayName, mapAuthor, type ReplyAuthor} from '../domain/inbound/author.js';
import type {PostLedger} from '../bot/post_ledger.js';
import type {BotSessions} from '../bot/session.js';
import type {Integration} from '../domain/integration.js';
import type {Metrics} from '../observability/metrics.js';
import {OUTBOUND_JOB_KINDS} from '../outbound/jobs.js';
import {sendCallback} from '../ireserve/send_callback.js';
import {snakeCaseKeys} from '../support/snake_case.js';
import {judgeFailure} from '../outbox/retry_policy.js';
import type {JobHandler} from '../outbox/worker.js';
import type {Clock} from '../ports/clock.js';
import type {IReservePort} from '../ports/ireserve.js';
import type {MattermostPort} from '../ports/mattermost.js';
import type {ConversationRecord, ConversationsRepository} from '../storage/conversations_repository.js';
import type {DirectoryRepository} from '../storage/directory_repository.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';
import type {Completion, Job, OutboxRepository} from '../storage/outbox_repository.js';

import {ACTION_JOB_KINDS, LEGACY_ACTION_JOB_KINDS, type ActionCallbackPayload, type ActionNotePayload, type ActionVia} from './jobs.js';

export interface ActionsDeps {
    logger: Logger;
    clock: Clock;
    metrics: Metrics;
    integrations: IntegrationsRepository;
    conversations: ConversationsRepository;
    directory: DirectoryRepository;
    outbox: OutboxRepository;
    sessions: BotSessions;
    ledger: PostLedger;
    ireserve: IReservePort;
    wakeWorker: () => void;
    /** The outbox's attempt limit: the last failed attempt parks the job. */
    maxAttempts: number;
}

/**
 * A request the bridge cannot tell came from Mattermost for this integration (unknown licence,
 * wrong signature): answered 401, nothing else said. `reason` goes to the metrics only.
 */
export class ActionForged extends Error {
    override name = 'ActionForged';
    constructor(readonly reason: 'unknown_licence' | 'bad_signature') {
        super('The action request is not signed for this integration.');
    }
}

/** An action the bridge refuses itself: `text` is said to the person who tried; nothing was sent. */
export class ActionRefused extends Error {
    override name = 'ActionRefused';
    constructor(readonly reason: string, readonly text: string) {
        super(text);
    }
}

/** A click as Mattermost forwards it (ids already validated by the route). */
export interface ButtonClick {
    userId: string;
    channelId: string;
    postId: string;
    context: {licence: string; conversation_id: string; action: ConversationAction; sig: string};
    /** The user chosen in the `assign` select (`context.selected_option`). */
    selectedOption?: string;
}

/** What the bridge asks for (a click or a slash command, already tied to a conversation). */
export interface ActionRequest {
    integration: Integration;
    conversation: ConversationRecord;
    action: ConversationAction;
    actorUserId: string;
    /** `assign`: the Mattermost user to get the conversation. */
    assigneeUserId?: string;
    via: ActionVia;
}

export interface ActionAccepted {
    result: 'queued' | 'duplicate';
    /** The immediate answer to the actor. */
    text: string;
    actionId?: string;
}

/** Mattermost ids: 26 lowercase letters and digits. */
export const MATTERMOST_ID = /^[a-z0-9]{26}$/;

function isNotFound(error: unknown): boolean {
    return error instanceof UpstreamError && error.kind === 'not_found';
}

/** i-Reserve's "no" (DESIGN §10): a 4xx other than 408/429. Those two, 5xx and network trouble retry. */
function isRefusal(error: unknown): error is UpstreamError {
    return error instanceof UpstreamError && error.upstream === 'ireserve' && error.status !== undefined
        && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
}

/**
 * Conversation actions (DESIGN §10): claim, assign, unassign, close, reopen.
 *
 * Arrival (`button`, `request`) checks everything the bridge can decide itself — the signed context,
 * the card being the conversation's, the integration active, the actor (and the assignee) members
 * of the conversation's channel (asked of Mattermost), the state allowing it — and queues one
 * `inbound.action` job, or throws ActionForged / ActionRefused with nothing queued. The job sends
 * the signed `conversation.action` callback; its completion records i-Reserve's answer in the same
 * transaction that marks it delivered (the card update and the thread note are queued there), so a
 * crash anywhere leads to one callback `webhook-id` and one note.
 */
export class ConversationActions {
    readonly #deps: ActionsDeps;

    constructor(deps: ActionsDeps) {
        this.#deps = deps;
    }

    handlers(): Record<string, JobHandler> {
        const handlers: Record<string, JobHandler> = {
            [ACTION_JOB_KINDS.callback]: (job) => this.#callback(job),
            [ACTION_JOB_KINDS.note]: (job) => this.#note(job),
        };
        for (const key of ['callback', 'note'] as const) {
            const handler = handlers[ACTION_JOB_KINDS[key]]!;
            handlers[LEGACY_ACTION_JOB_KINDS[key]] = (job) => handler({...job, payload: snakeCaseKeys(job.payload)});
        }
        return handlers;
    }

    /**
     * A click on a card button. Throws ActionForged (context not signed by this integration's key),
     * ActionRefused (plain words for the actor), UpstreamError/storage errors only for trouble the
     * caller cannot fix.
     */
    async button(click: ButtonClick): Promise<ActionAccepted> {
        const {integrations, conversations} = this.#deps;
        const {context} = click;
        const integration = await integrations.getCached(context.licence);
        // An integration without a key never issued a button: nothing can be signed for it.
        if (!integration || integration.actionKey === null) {
            throw this.#forged('button', 'unknown_licence');
        }
        if (!verifyActionContext(integration.actionKey, {licence: context.licence, conversationId: context.conversation_id, action: context.action}, context.sig)) {
            throw this.#forged('button', 'bad_signature');
        }
        const conversation = await conversations.get(integration.licence, context.conversation_id);
        if (!conversation || conversation.rootPostId === null) {
            throw this.#refused('button', context.action, 'unknown_conversation', 'The bridge no longer knows this conversation.');
        }
        if (conversation.rootPostId !== click.postId || conversation.channelId !== click.channelId) {
            // Signed for another post: an older card (the thread was replaced) or a context copied elsewhere.
            throw this.#refused('button', context.action, 'wrong_post', 'This button does not belong to this conversation\'s current card. Use the card at the top of the conversation\'s thread.');
        }
        return this.request({
            integration, conversation, action: context.action, actorUserId: click.userId,
            ...(click.selectedOption === undefined ? {} : {assigneeUserId: click.selectedOption}), via: 'button',
        });
    }

    /** Checks and queues an action (see the class comment). */
    async request(request: ActionRequest): Promise<ActionAccepted> {
        const {integration, conversation, action, via} = request;
        const {licence} = integration;
        const refuse = (reason: string, text: string) => this.#refused(via, action, reason, text);
        if (!integration.active) {
            throw refuse('inactive', 'The i-Reserve integration is switched off, so nothing can be sent to i-Reserve now.');
        }
        if (conversation.channelId === null || conversation.rootPostId === null) {
            throw refuse('unknown_conversation', 'This conversation has no thread in Mattermost yet.');
        }
        const {port} = this.#deps.sessions.of(integration);
        const channelId = conversation.channelId;
        const actor = await this.#member(port, channelId, request.actorUserId, refuse, true);
        let target: UserProfile | undefined;
        if (action === 'claim') {
            target = actor;
        } else if (action === 'assign') {
            const assigneeId = request.assigneeUserId ?? '';
            if (assigneeId === '') {
                throw refuse('no_assignee', 'Choose who should get this conversation.');
            }
            if (!MATTERMOST_ID.test(assigneeId)) {
                throw refuse('invalid', 'That is not a Mattermost user.');
            }
            target = await this.#member(port, channelId, assigneeId, refuse, false);
        }
        const state = stateOf(conversation.context, conversation.status);
        const stateRefusal = refusalForState(action, state, target ? {id: target.id, email: target.email, name: displayName(target)} : undefined);
        if (stateRefusal !== null) {
            throw refuse('state', stateRefusal);
        }
        const actorAuthor = await this.#author(licence, actor);
        const assigneeAuthor = target ? (target === actor ? actorAuthor : await this.#author(licence, target)) : undefined;
        const actionId = `act-${randomUUID()}`;
        const payload: ActionCallbackPayload = {
            action_id: actionId, conversation_id: conversation.conversationId, root_id: conversation.rootPostId, channel_id: channelId,
            action, actor: actorAuthor, ...(assigneeAuthor ? {assignee: assigneeAuthor} : {}),
            created_at: this.#deps.clock.now(), via,
        };
        const id = await this.#deps.outbox.enqueue({
            licence,
            direction: 'inbound',
            kind: ACTION_JOB_KINDS.callback,
            orderingKey: `reply:${conversation.conversationId}`,
            conversationId: conversation.conversationId,
            dedupeKey: actionDedupeKey(conversation.conversationId, action, conversation.updatedAt, target?.id),
            payload,
        });
        if (id === null) {
            this.#deps.metrics.actions.inc({action, via, result: 'duplicate'});
            return {result: 'duplicate', text: 'This is already on its way to i-Reserve.'};
        }
        this.#deps.wakeWorker();
        this.#deps.metrics.actions.inc({action, via, result: 'queued'});
        this.#deps.logger.info({licence, conversation: conversation.conversationId, action, action_id: actionId, job: id, via}, 'conversation action queued for i-Reserve');
        return {result: 'queued', text: queuedText(action, assigneeAuthor?.name), actionId};
    }

    /** The user, when a member of the channel; else a refusal (the actor's own words differ from an assignee's). */
    async #member(port: MattermostPort, channelId: string, userId: string, refuse: (reason: string, text: string) => ActionRefused, isActor: boolean): Promise<UserProfile> {
        let member: boolean;
        let user: UserProfile;
        try {
            member = await port.isChannelMember(channelId, userId);
            if (!member) {
                throw isActor
                    ? refuse('not_a_member', 'Only members of this conversation\'s channel can act on it. Join the channel first.')
                    : refuse('assignee_not_member', 'That person is not a member of this conversation\'s channel, so they cannot take it. Add them to the channel first.');
            }
            user = await port.getUser(userId);
        } catch (error) {
            if (error instanceof ActionRefused) {
                throw error;
            }
            if (isNotFound(error)) {
                throw refuse(isActor ? 'unknown_user' : 'unknown_assignee', 'That Mattermost user does not exist.');
            }
            this.#deps.logger.warn({err: error, channel: channelId}, 'could not check channel membership for an action');
            throw refuse('mattermost_unavailable', 'The bridge could not check this with Mattermost just now. Try again in a moment.');
        }
        if (user.delete_at || user.is_bot) {
            throw refuse(isActor ? 'unknown_user' : 'unknown_assignee', isActor ? 'Bots cannot act on conversations.' : 'A conversation can only be given to a person.');
        }
        return user;
    }

    /** Maps a Mattermost user like a reply author (DESIGN §4): e-mail matched in the licence's directory. */
    async #author(licence: string, user: UserProfile): Promise<ReplyAuthor> {
        const entry = user.email ? await this.#deps.directory.findByEmail(licence, user.email) : undefined;
        return mapAuthor(user, entry).author;
    }

    #forged(via: ActionVia, reason: ActionForged['reason']): ActionForged {
        this.#deps.metrics.actionRefusals.inc({via, reason});
        return new ActionForged(reason);
    }

    #refused(via: ActionVia, action: ConversationAction, reason: string, text: string): ActionRefused {
        this.#deps.metrics.actionRefusals.inc({via, reason});
        this.#deps.metrics.actions.inc({action, via, result: 'refused_by_bridge'});
        return new ActionRefused(reason, text);
    }

    // ---- job handlers

    /** Sends the signed callback; records applied/refused with the job's completion. */
    async #callback(job: Job): Promise<Completion> {
        const deps = this.#deps;
        const payload = job.payload as ActionCallbackPayload;
        // Actions queued before the integration was switched off are still sent.
        const {integration} = await deps.sessions.forJob(job.licence, {requireActive: false});
        const webhookId = actionWebhookId(integration.licence, payload.action_id);
        try {
            await sendCallback(deps, integration, {
                webhookId,
                body: () => JSON.stringify(buildActionCallback({
                    licence: integration.licence, conversationId: payload.conversation_id, actionId: payload.action_id, action: payload.action,
                    actor: payload.actor, ...(payload.assignee ? {assignee: payload.assignee} : {}), createdAtMs: payload.created_at,
                })),
            });
            deps.logger.info({licence: job.licence, conversation: payload.conversation_id, action: payload.action, action_id: payload.action_id,
                webhook_id: webhookId, attempt: job.attempts}, 'i-Reserve applied a conversation action');
        } catch (error) {
            if (isRefusal(error)) {
                deps.logger.info({licence: job.licence, conversation: payload.conversation_id, action: payload.action, action_id: payload.action_id,
                    status: error.status}, 'i-Reserve refused a conversation action');
                deps.metrics.actions.inc({action: payload.action, via: payload.via, result: 'refused'});
                const detail = error.detail ?? `i-Reserve answered HTTP ${error.status}.`;
                return async (trx) => {
                    await deps.conversations.touch(job.licence, payload.conversation_id, trx);
                    await this.#queueNote(job.licence, payload, 'refused', detail, trx);
                };
            }
            // The note says "failed" only when the worker is about to park the job (same verdict).
            const verdict = judgeFailure(error, job.attempts, deps.maxAttempts);
            if (!verdict.retry) {
                deps.metrics.actions.inc({action: payload.action, via: payload.via, result: 'failed'});
                await this.#queueNote(job.licence, payload, 'failed', verdict.reason);
            }
            throw error;
        }
        deps.metrics.actions.inc({action: payload.action, via: payload.via, result: 'applied'});
        const change = appliedState(payload.action, payload.assignee);
        return async (trx) => {
            // The card follows through the outbound path (patch, self-heal, assignment DM), in order with i-Reserve's own updates.
            await deps.outbox.enqueue({
                licence: job.licence,
                direction: 'outbound',
                kind: OUTBOUND_JOB_KINDS['conversation.updated'],
                orderingKey: `conv:${payload.conversation_id}`,
                conversationId: payload.conversation_id,
                dedupeKey: `action_applied:${payload.action_id}`,
                payload: {event_id: `action:${payload.action_id}`, type: 'conversation.updated', data: {conversation_id: payload.conversation_id, ...change}},
            }, trx);
            await this.#queueNote(job.licence, payload, 'applied', undefined, trx);
            deps.wakeWorker();
        };
    }

    async #queueNote(licence: string, action: ActionCallbackPayload, outcome: ActionOutcome, detail: string | undefined, executor?: Parameters<OutboxRepository['enqueue']>[1]): Promise<void> {
        const payload: ActionNotePayload = {
            action_id: action.action_id, conversation_id: action.conversation_id, root_id: action.root_id, channel_id: action.channel_id,
            action: action.action, outcome, actor_name: action.actor.name, actor_user_id: action.actor.mattermost_user_id,
            ...(action.assignee ? {assignee_name: action.assignee.name} : {}), ...(detail ? {detail} : {}),
        };
        const id = await this.#deps.outbox.enqueue({
            licence,
            direction: 'inbound',
            kind: ACTION_JOB_KINDS.note,
            orderingKey: `action_note:${action.conversation_id}`,
            conversationId: action.conversation_id,
            dedupeKey: `action_note:${action.action_id}`,
            payload,
        }, executor);
        if (id !== null) {
            this.#deps.wakeWorker();
        }
    }

    /**
     * Posts the note once through the post ledger (key `action_note:<action id>`; an attempt whose
     * outcome is unknown finds the note in the thread by its `action_id` before posting again).
     */
    async #note(job: Job): Promise<void> {
        const deps = this.#deps;
        const payload = job.payload as ActionNotePayload;
        const session = await deps.sessions.find(job.licence);
        if (!session) {
            return;
        }
        const {root_id: _root, channel_id: _channel, ...fields} = payload;
        const content = actionNote(fields);
        try {
            await deps.ledger.post({session, job}, {
                key: `action_note:${payload.action_id}`,
                channelId: payload.channel_id,
                rootId: payload.root_id,
                content,
                matches: (post) => isNoteOf(post, payload.action_id),
            });
        } catch (error) {
            if (isNotFound(error) || (error instanceof UpstreamError && error.kind === 'root_missing')) {
                deps.logger.info({licence: job.licence, conversation: payload.conversation_id}, 'the conversation\'s thread is gone; the action note is not posted');
                return;
            }
            throw error;
        }
    }
}

function isNoteOf(post: Post, actionId: string): boolean {
    const props = (post.props as Record<string, unknown> | undefined)?.ireserve as {kind?: unknown; action_id?: unknown} | undefined;
    return props?.kind === ACTION_NOTE_KIND && props.action_id === actionId;
}
