import type {Post} from '@mattermost/types/posts';
import type {Logger} from 'pino';

import type {JobLedgerUse, PostLedger, PostScope} from '../bot/post_ledger.js';
import type {BotSession, BotSessions} from '../bot/session.js';
import {CONVERSATION_POST_TYPE, IRESERVE_PROPS_KEY, NOTIFICATION_POST_TYPE, isIncomingWebhookTarget} from '../contract/index.js';
import {UpstreamError} from '../domain/errors.js';
import {notificationTarget, routeChannel} from '../domain/integration.js';
import type {
    ConversationMessage, ConversationMessageDeleted, ConversationMessageEdited, ConversationStarted, ConversationUpdated, NotificationEvent,
} from '../domain/outbound/events.js';
import {messagePropsOf, planMessageEdit, type PostedPart} from '../domain/outbound/message_edit.js';
import {
    attachmentBlob,
    messageParts,
    notificationPost,
    rootPost,
    type ConversationContext,
    type MessagePart,
    type RootExtras,
} from '../domain/outbound/post_formats.js';
import {signActionContext} from '../crypto/action_context.js';
import {incomingWebhookNotification} from '../domain/outbound/webhook_attachments.js';
import type {JobHandler} from '../outbox/worker.js';
import type {IncomingWebhookPort} from '../ports/incoming_webhook.js';
import {rootShowsWaiting, type ConversationRecord, type ConversationsRepository} from '../storage/conversations_repository.js';
import type {MessagesRepository} from '../storage/messages_repository.js';
import type {Completion, Job, OutboxRepository} from '../storage/outbox_repository.js';

import type {DirectMessages} from './direct_messages.js';
import {OUTBOUND_JOB_KINDS, ROOT_SETTLING_KINDS, WAITING_JOB_KINDS, type OutboundJobPayload} from './jobs.js';
import type {WaitingTracker} from './waiting.js';

export interface OutboundDeliveryDeps {
    sessions: BotSessions;
    ledger: PostLedger;
    conversations: ConversationsRepository;
    messages: MessagesRepository;
    /** The outbox, read to see whether a later job of the conversation will show its state anyway. */
    outbox: Pick<OutboxRepository, 'hasLaterPending'>;
    logger: Logger;
    /** Notification targets that are incoming-webhook URLs. */
    incomingWebhooks: IncomingWebhookPort;
    /** Personal DMs (dm_settings): asked to queue its DMs at the start of each outbound job. */
    directMessages?: DirectMessages;
    /**
     * Root posts carry action buttons (DESIGN §10) calling `url` (`BRIDGE_PUBLIC_URL/api/v1/mattermost/actions`),
     * their context signed with the licence's action key (`keyOf`: IntegrationsRepository.ensureActionKey).
     */
    actions?: {url: string; keyOf(licence: string): Promise<string | undefined>};
    /**
     * Waiting guests (DESIGN §11): told of every visitor and agent message and every close; the
     * root shows `waiting_since`. Without it no waiting state is kept (the bench compares both).
     */
    waiting?: WaitingTracker;
}

/** One delivery: the job's attempt and its integration's bot. */
type Session = BotSession & {job: Job};

type Linked = ConversationRecord & {channelId: string; rootPostId: string};

function isRootGone(error: unknown): boolean {
    return error instanceof UpstreamError && error.upstream === 'mattermost' && (error.kind === 'root_missing' || error.kind === 'not_found');
}

function ireserveOf(post: Post): Record<string, unknown> {
    const value = (post.props as Record<string, unknown> | undefined)?.[IRESERVE_PROPS_KEY];
    return value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {};
}

function assigneeEmailOf(context: Record<string, unknown> | undefined): string | undefined {
    const assignee = context?.assignee as {email?: unknown} | null | undefined;
    return typeof assignee?.email === 'string' && assignee.email !== '' ? assignee.email : undefined;
}

function defined<T extends object>(value: T): Partial<T> {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Delivers outbound jobs to Mattermost. Every handler is safe to run again at any point
 * (the outbox contract): each post goes through the post ledger (bot/post_ledger.ts), which makes
 * it exactly once as users see it. Failures are thrown as UpstreamError (the worker retries or
 * parks them) or PermanentFailure.
 */
export class OutboundDelivery {
    readonly #deps: OutboundDeliveryDeps;

    constructor(deps: OutboundDeliveryDeps) {
        this.#deps = deps;
    }

    handlers(): Record<string, JobHandler> {
        return {
            [OUTBOUND_JOB_KINDS['conversation.started']]: (job) => this.#started(job, (job.payload as OutboundJobPayload & {type: 'conversation.started'}).data),
            [OUTBOUND_JOB_KINDS['conversation.message']]: (job) => {
                const data = (job.payload as OutboundJobPayload & {type: 'conversation.message'}).data;
                return this.#settlingRoot(job, data.conversation_id, this.#message(job, data));
            },
            [OUTBOUND_JOB_KINDS['conversation.updated']]: (job) => this.#updated(job, (job.payload as OutboundJobPayload & {type: 'conversation.updated'}).data),
            [OUTBOUND_JOB_KINDS['conversation.message_edited']]: (job) => this.#messageEdited(job, (job.payload as OutboundJobPayload & {type: 'conversation.message_edited'}).data),
            [OUTBOUND_JOB_KINDS['conversation.message_deleted']]: (job) => this.#messageDeleted(job, (job.payload as OutboundJobPayload & {type: 'conversation.message_deleted'}).data),
            [WAITING_JOB_KINDS.waiting]: (job) => this.#waiting(job, (job.payload as {conversation_id: string}).conversation_id),
            [OUTBOUND_JOB_KINDS.notification]: (job) => {
                const payload = job.payload as OutboundJobPayload & {type: 'notification'};
                return this.#notification(job, payload.data, payload.event_id);
            },
        };
    }

    /**
     * The worker parked `job`. A job of ROOT_SETTLING_KINDS that never completes still settles the
     * root: earlier jobs of the conversation may have left it to this one. Never throws.
     */
    async parked(job: Job): Promise<void> {
        const waiting = this.#deps.waiting;
        const conversationId = job.conversationId;
        if (!waiting || conversationId === null || !ROOT_SETTLING_KINDS.includes(job.kind)) {
            return;
        }
        try {
            await waiting.settleRoot(job.licence, conversationId, job);
        } catch (error) {
            this.#deps.logger.warn({err: error, licence: job.licence, job: job.id, conversation: conversationId},
                'could not queue the root\'s waiting update after a parked delivery; the conversation\'s next job brings it up to date');
        }
    }

    // ---- handlers

    /** Adds WaitingTracker.settleRoot to the completion of `handled` (when waiting is tracked), whatever the handler did. */
    async #settlingRoot(job: Job, conversationId: string, handled: Promise<Completion | void>): Promise<Completion | void> {
        const completion = await handled;
        const waiting = this.#deps.waiting;
        if (!waiting) {
            return completion;
        }
        return async (trx) => {
            await completion?.(trx);
            await waiting.settleRoot(job.licence, conversationId, job, trx);
        };
    }

    async #started(job: Job, data: ConversationStarted): Promise<void> {
        const s = await this.#session(job);
        const {conversations} = this.#deps;
        const existing = await conversations.get(s.licence, data.conversation_id);
        const context: ConversationContext = defined({
            visitor_name: data.visitor.name,
            visitor_email: data.visitor.email,
            page_url: data.page_url,
            started_at: data.started_at ?? new Date(job.createdAt).toISOString(),
            locale: data.locale,
            booking: data.booking,
            inbox: data.inbox,
            status: existing ? undefined : 'open' as const,
        });
        await conversations.upsertContext(s.licence, data.conversation_id, context as Record<string, unknown>, context.status);
        await this.#showContext(s, data.conversation_id);
    }

    async #updated(job: Job, data: ConversationUpdated): Promise<void> {
        const s = await this.#session(job);
        const {conversations} = this.#deps;
        // A booking replaces the stored one whole (null removes it); the root is patched in place below.
        const patch: ConversationContext = defined({status: data.status, assignee: data.assignee, booking: data.booking, inbox: data.inbox});
        if (data.status === 'closed') {
            await this.#deps.waiting?.closed(s.licence, data.conversation_id);
        }
        if (this.#deps.directMessages && data.assignee?.email && await this.#deps.directMessages.mayNotify(s.integration, 'assignment')) {
            // Decided against the assignee stored before this event; queued before it is stored, so a re-run cannot lose it.
            const before = await conversations.get(s.licence, data.conversation_id);
            await this.#deps.directMessages.onUpdated(s.integration, job, data, assigneeEmailOf(before?.context));
        }
        await conversations.upsertContext(s.licence, data.conversation_id, patch as Record<string, unknown>, data.status);
        await this.#showContext(s, data.conversation_id);
    }

    async #message(job: Job, sent: ConversationMessage): Promise<Completion | void> {
        const s = await this.#session(job);
        const {messages} = this.#deps;
        const record = await messages.get(s.licence, sent.conversation_id, sent.message_id);
        if (record?.deliveredAt) {
            return; // replayed after it was delivered: nothing to do
        }
        if (record?.deletedAt) {
            // Deleted before it was posted: never posted (an earlier attempt's post, if any, is removed).
            await this.#removeUnrecorded(s, sent);
            return;
        }
        // Edited before it was posted: posted as edited.
        const data = record?.editedText ? {...sent, text: record.editedText} : sent;
        const editedAt = record?.editedText && record.editedAt !== null ? new Date(record.editedAt).toISOString() : undefined;
        if (this.#deps.directMessages && data.sender.type === 'visitor' && await this.#deps.directMessages.mayNotify(s.integration, 'guest_messages')) {
            const current = await this.#deps.conversations.get(s.licence, data.conversation_id);
            await this.#deps.directMessages.onMessage(s.integration, job, data, assigneeEmailOf(current?.context));
        }
        // A message for a conversation the bridge has not seen starts it with what the message tells.
        const seed: ConversationContext = defined({
            visitor_name: data.sender.type === 'visitor' ? data.sender.name : undefined,
            started_at: data.sent_at ?? new Date(job.createdAt).toISOString(),
            status: 'open' as const,
        });
        let conversation = await this.#ensureRoot(s, data.conversation_id, seed);
        const parts = messageParts(data, {editedAt});
        const ledger = {used: job.attempts > 1};
        let postIds: string[];
        try {
            postIds = await this.#postParts(s, conversation, data, parts, ledger);
        } catch (error) {
            if (!isRootGone(error)) {
                throw error;
            }
            this.#deps.logger.info({licence: s.licence, job: job.id, conversation: data.conversation_id}, 'the conversation\'s root post is gone; starting a new thread');
            conversation = await this.#createRoot(s, conversation, conversation.rootPostId);
            postIds = await this.#postParts(s, conversation, data, parts, ledger);
        }
        // The message row is the record; written with the job's completion (one commit), with the
        // waiting state it changes (the guest waits from when the bridge received the message).
        const waiting = this.#deps.waiting;
        return async (trx) => {
            await messages.markDelivered(s.licence, data.conversation_id, data.message_id, postIds, `msg:${job.id}:`, trx, {forgetIntents: ledger.used});
            // The root is settled after this (#settlingRoot), for every path of this handler.
            if (waiting && data.sender.type === 'visitor') {
                await waiting.visitorMessage(s.integration, data.conversation_id, job.createdAt, trx, {settledByCaller: true});
            } else if (waiting && data.sender.type === 'agent') {
                await waiting.answered(s.licence, data.conversation_id, job.createdAt, trx, {settledByCaller: true});
            }
        };
    }

    /**
     * An edit of a message (DESIGN §12): the text recorded on the message row (the latest edit,
     * whichever job runs) replaces the text of its posts, re-split in place (domain/outbound/
     * message_edit.ts). A message not posted yet is left to its own job, which posts the edited
     * text; a deleted one to the deletion. Safe to run again: it plans from the posts as they are.
     */
    async #messageEdited(job: Job, data: ConversationMessageEdited): Promise<Completion | void> {
        const s = await this.#session(job);
        const {messages, conversations} = this.#deps;
        const record = await messages.get(s.licence, data.conversation_id, data.message_id);
        if (!record?.deliveredAt || record.deletedAt !== null || record.postIds.length === 0) {
            return;
        }
        const text = record.editedText ?? data.text;
        const editedAt = record.editedAt !== null ? new Date(record.editedAt).toISOString() : data.edited_at;
        const posted: PostedPart[] = [];
        for (const postId of record.postIds) {
            const post = await this.#livePost(s, postId);
            if (post && messagePropsOf((post.props ?? {}) as Record<string, unknown>)?.message_id === data.message_id) {
                posted.push({id: post.id, message: post.message, fileIds: post.file_ids ?? [], props: (post.props ?? {}) as Record<string, unknown>});
            }
        }
        if (posted.length === 0) {
            this.#deps.logger.info({licence: s.licence, job: job.id, conversation: data.conversation_id, message: data.message_id},
                'the message\'s posts are gone from Mattermost; the edit has nothing to change');
            return;
        }
        const plan = planMessageEdit(posted, text, editedAt);
        for (const change of plan.patch) {
            await s.port.patchPost(change.postId, {message: change.message, props: change.props});
        }
        const conversation = await conversations.get(s.licence, data.conversation_id);
        const rootId = conversation?.rootPostId;
        const channelId = conversation?.channelId;
        const added: string[] = [];
        const ledger = {used: job.attempts > 1};
        if (plan.add.length > 0 && rootId && channelId) {
            const scope = scopeOf(s);
            const existing = new Set(posted.map((post) => post.id));
            for (const [index, part] of plan.add.entries()) {
                added.push(await this.#deps.ledger.postForJob(scope, {
                    key: `edit:${job.id}:${part.part}`,
                    channelId,
                    rootId,
                    content: {message: part.message, props: part.props},
                    matches: (post) => !existing.has(post.id) && ireserveOf(post).message_id === data.message_id && Number(ireserveOf(post).part) === part.part,
                }, {last: index === plan.add.length - 1, use: ledger}));
            }
        }
        for (const postId of plan.remove) {
            await this.#deleteIfThere(s, postId);
        }
        const postIds = plan.order.map((entry) => ('postId' in entry ? entry.postId : added[entry.add])).filter((id): id is string => id !== undefined);
        return async (trx) => {
            await messages.replacePosts(s.licence, data.conversation_id, data.message_id, postIds, `edit:${job.id}:`, trx);
        };
    }

    /**
     * A deletion of a message (DESIGN §12): every post that carries it is deleted; Mattermost removes
     * their files with them. A message not posted yet is never posted (its job sees the deletion).
     * Safe to run again: a post already gone counts as deleted.
     */
    async #messageDeleted(job: Job, data: ConversationMessageDeleted): Promise<void> {
        const s = await this.#session(job);
        const record = await this.#deps.messages.get(s.licence, data.conversation_id, data.message_id);
        if (!record?.deliveredAt) {
            return;
        }
        for (const postId of record.postIds) {
            await this.#deleteIfThere(s, postId);
        }
        this.#deps.logger.info({licence: s.licence, job: job.id, conversation: data.conversation_id, message: data.message_id, posts: record.postIds.length},
            'message deleted in Mattermost as i-Reserve asked');
    }

    /**
     * A message deleted before its job recorded any post: an earlier attempt may still have posted it
     * (the process died before recording): the bot's posts of that message in the thread are deleted.
     */
    async #removeUnrecorded(s: Session, data: ConversationMessage): Promise<void> {
        const conversation = await this.#deps.conversations.get(s.licence, data.conversation_id);
        if (!conversation?.rootPostId) {
            return;
        }
        let thread;
        try {
            thread = await s.port.getPostThread(conversation.rootPostId);
        } catch (error) {
            if (isRootGone(error)) {
                return;
            }
            throw error;
        }
        const bot = await s.botUserId();
        for (const post of Object.values(thread.posts)) {
            if (post.user_id === bot && post.delete_at === 0 && post.root_id !== '' && ireserveOf(post).message_id === data.message_id) {
                await this.#deleteIfThere(s, post.id);
            }
        }
        await this.#deps.ledger.forget(s.licence, `msg:${s.job.id}:`);
    }

    /** The post, or undefined when Mattermost no longer has it (deleted or unknown). */
    async #livePost(s: Session, postId: string): Promise<Post | undefined> {
        try {
            const post = await s.port.getPost(postId);
            return post.delete_at === 0 ? post : undefined;
        } catch (error) {
            if (error instanceof UpstreamError && error.kind === 'not_found') {
                return undefined;
            }
            throw error;
        }
    }

    /** Deletes a post of the bot; one already gone (404) counts as deleted. */
    async #deleteIfThere(s: Session, postId: string): Promise<void> {
        try {
            await s.port.deletePost(postId);
        } catch (error) {
            if (!(error instanceof UpstreamError && error.kind === 'not_found')) {
                throw error;
            }
        }
    }

    async #notification(job: Job, data: NotificationEvent, eventId: string): Promise<void> {
        const s = await this.#session(job);
        await this.#deps.ledger.prune(s.licence);
        await this.#deps.directMessages?.onNotification(s.integration, job, data);
        const target = notificationTarget(s.integration.notificationChannels, data.notification_type);
        if (target.trim() === '') {
            this.#deps.logger.info({licence: s.licence, job: job.id, type: data.notification_type}, 'notification type no longer mapped to a channel; not sent');
            return;
        }
        const content = notificationPost(data, eventId);
        if (isIncomingWebhookTarget(target)) {
            await this.#deps.incomingWebhooks.post(target, incomingWebhookNotification(data, eventId));
            return;
        }
        await this.#deps.ledger.post(scopeOf(s), {
            key: `notification:${job.id}`,
            channelId: target,
            content: {message: content.message, type: NOTIFICATION_POST_TYPE, props: content.props},
            matches: (post) => String(post.type) === NOTIFICATION_POST_TYPE && ireserveOf(post).event_id === eventId,
        });
    }

    /**
     * A waiting spell started or ended: the root shows the conversation's waiting state as it is now.
     * Nothing is patched when the root already shows it (the state moved back: a quick answer costs no
     * patch for a start nobody saw), or when a later job of ROOT_SETTLING_KINDS waits behind this one
     * in the conversation's order: that one shows the state as it is then, so a burst of messages
     * delivered in one go patches the root once, not once per message.
     */
    async #waiting(job: Job, conversationId: string): Promise<void> {
        const s = await this.#session(job);
        const conversation = await this.#deps.conversations.get(s.licence, conversationId);
        if (!conversation || rootShowsWaiting(conversation)) {
            return;
        }
        if (await this.#deps.outbox.hasLaterPending(job.licence, job.orderingKey, job.id, ROOT_SETTLING_KINDS)) {
            return;
        }
        await this.#showContext(s, conversationId);
    }

    // ---- conversation roots

    /** Shows the conversation's stored context on its root post: brought up to date, or created. */
    async #showContext(s: Session, conversationId: string): Promise<void> {
        const conversation = (await this.#deps.conversations.get(s.licence, conversationId))!;
        if (conversation.rootPostId) {
            await this.#refreshRoot(s, conversation as Linked);
        } else {
            await this.#createRoot(s, conversation);
        }
    }

    /** The conversation with a root post, creating both when needed (fields of `seed` fill gaps only). */
    async #ensureRoot(s: Session, conversationId: string, seed: ConversationContext): Promise<Linked> {
        const {conversations} = this.#deps;
        let conversation = await conversations.get(s.licence, conversationId);
        if (!conversation) {
            await conversations.upsertContext(s.licence, conversationId, seed as Record<string, unknown>, seed.status);
            conversation = (await conversations.get(s.licence, conversationId))!;
        } else if (!conversation.rootPostId) {
            const gaps = Object.fromEntries(Object.entries(seed).filter(([key]) => conversation!.context[key] === undefined));
            if (Object.keys(gaps).length > 0) {
                await conversations.upsertContext(s.licence, conversationId, gaps);
                conversation = (await conversations.get(s.licence, conversationId))!;
            }
        }
        if (conversation.rootPostId && conversation.channelId) {
            return conversation as Linked;
        }
        return this.#createRoot(s, conversation);
    }

    /**
     * Creates the conversation's root post and links it. The first root goes to the channel the
     * integration's routes choose (DESIGN §13); after that the conversation stays in its channel:
     * with `previousRootId` (self-heal) the new root says the earlier thread was removed and goes to
     * the same channel, whatever the routes say now.
     */
    async #createRoot(s: Session, conversation: ConversationRecord, previousRootId?: string | null): Promise<Linked> {
        const {conversations, ledger} = this.#deps;
        const context = conversation.context as ConversationContext;
        const channelId = conversation.channelId ?? routeChannel(s.integration, {inbox: context.inbox, locale: context.locale, page_url: context.page_url});
        const content = rootPost(s.licence, conversation.conversationId, conversation.context as ConversationContext, s.integration.relayMode,
            await this.#rootExtras(s, conversation, previousRootId ?? undefined));
        const key = `root:${conversation.conversationId}:${previousRootId ?? 'none'}`;
        const rootPostId = await ledger.post(scopeOf(s), {
            key,
            channelId,
            content: {message: content.message, type: CONVERSATION_POST_TYPE, props: content.props},
            matches: (post) => String(post.type) === CONVERSATION_POST_TYPE && post.id !== previousRootId
                && ireserveOf(post).conversation_id === conversation.conversationId && ireserveOf(post).licence === s.licence,
        });
        await conversations.linkRoot(s.licence, conversation.conversationId, channelId, rootPostId, this.#waitingShownBy(conversation));
        await ledger.forget(s.licence, key);
        return {...conversation, channelId, rootPostId};
    }

    /**
     * Brings the root post's card up to date: the bot patches its own root with the full props
     * (a patch replaces the whole props map, so the post's other props are carried over). A root
     * that is gone is replaced (self-heal).
     */
    async #refreshRoot(s: Session, conversation: Linked): Promise<void> {
        let post: Post;
        try {
            post = await s.port.getPost(conversation.rootPostId);
        } catch (error) {
            if (isRootGone(error)) {
                this.#deps.logger.info({licence: s.licence, job: s.job.id, conversation: conversation.conversationId}, 'the conversation\'s root post is gone; starting a new thread');
                await this.#createRoot(s, conversation, conversation.rootPostId);
                return;
            }
            throw error;
        }
        const previous = ireserveOf(post).previous_root_id;
        const content = rootPost(s.licence, conversation.conversationId, conversation.context as ConversationContext, s.integration.relayMode,
            await this.#rootExtras(s, conversation, typeof previous === 'string' && previous !== '' ? previous : undefined));
        // Mattermost strips the buttons' `integration` from the post it returns: they are rebuilt whole.
        const props = {...(post.props as Record<string, unknown>), ...content.props};
        await s.port.patchPost(conversation.rootPostId, {message: content.message, props});
        await this.#deps.conversations.noteRootShows(s.licence, conversation.conversationId, conversation.rootPostId, this.#waitingShownBy(conversation));
    }

    /** The waiting spell a root made from `conversation` shows (null: none; the root shows waiting only when it is tracked). */
    #waitingShownBy(conversation: ConversationRecord): number | null {
        return this.#deps.waiting ? conversation.waitingSince : null;
    }

    /** The root's number (given now when it has none) and its action buttons. */
    async #rootExtras(s: Session, conversation: ConversationRecord, previousRootId: string | undefined): Promise<RootExtras> {
        const {conversationId} = conversation;
        const number = await this.#deps.conversations.ensureNumber(s.licence, conversationId);
        const extras: RootExtras = {number, ...(previousRootId ? {previousRootId} : {}), ...(this.#deps.waiting ? {waitingSince: conversation.waitingSince} : {})};
        const actions = this.#deps.actions;
        if (actions) {
            const key = s.integration.actionKey ?? await actions.keyOf(s.licence);
            if (key) {
                extras.card = {url: actions.url, sign: (action) => signActionContext(key, {licence: s.licence, conversationId, action})};
            }
        }
        return extras;
    }

    // ---- messages

    /**
     * Posts the parts of a message in order under the root; returns their post ids. Sets
     * `ledger.used` when it wrote or found post-ledger entries (they are forgotten on completion).
     */
    async #postParts(s: Session, conversation: Linked, data: ConversationMessage, parts: MessagePart[], ledger: JobLedgerUse): Promise<string[]> {
        const scope = scopeOf(s);
        const ids: string[] = [];
        for (const part of parts) {
            const id = await this.#deps.ledger.postForJob(scope, {
                key: `msg:${s.job.id}:${conversation.rootPostId}:${part.part}`,
                channelId: conversation.channelId,
                rootId: conversation.rootPostId,
                content: async () => {
                    const fileIds: string[] = [];
                    for (const index of part.attachments) {
                        const attachment = data.attachments[index]!;
                        // A retry uploads again: an upload that never got attached is harmless.
                        const info = await s.port.uploadFile(conversation.channelId, {filename: attachment.filename, data: attachmentBlob(attachment)});
                        fileIds.push(info.id);
                    }
                    return {message: part.message, props: part.props, ...(fileIds.length > 0 ? {file_ids: fileIds} : {})};
                },
                matches: (post) => ireserveOf(post).message_id === data.message_id && Number(ireserveOf(post).part ?? 1) === part.part,
            }, {last: part.part === parts.length, use: ledger});
            ids.push(id);
        }
        return ids;
    }

    async #session(job: Job): Promise<Session> {
        return {...await this.#deps.sessions.forJob(job.licence), job};
    }
}

function scopeOf(s: Session): PostScope {
    return {session: s, job: s.job};
}
