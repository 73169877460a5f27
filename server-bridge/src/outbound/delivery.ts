import type {Post} from '@mattermost/types/posts';
import type {Logger} from 'pino';

import {UpstreamError} from '../domain/errors.js';
import {isIncomingWebhookTarget, type Integration} from '../domain/integration.js';
import type {ConversationMessage, ConversationStarted, ConversationUpdated, NotificationEvent} from '../domain/outbound/events.js';
import {
    attachmentBytes,
    CONVERSATION_POST_TYPE,
    messageParts,
    NOTIFICATION_POST_TYPE,
    notificationPost,
    rootPost,
    type ConversationContext,
    type MessagePart,
} from '../domain/outbound/post_formats.js';
import {incomingWebhookNotification} from '../domain/outbound/webhook_attachments.js';
import type {MattermostConnector} from '../mattermost/connector.js';
import {PermanentFailure, type JobHandler} from '../outbox/worker.js';
import type {Clock} from '../ports/clock.js';
import type {MattermostPort, NewPost} from '../ports/mattermost.js';
import type {ConversationRecord, ConversationsRepository} from '../storage/conversations_repository.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';
import type {MessagesRepository, PostIntent} from '../storage/messages_repository.js';
import type {Completion, Job} from '../storage/outbox_repository.js';

import type {DirectMessages} from './direct_messages.js';
import {postToIncomingWebhook} from '../mattermost/incoming_webhook.js';
import {OUTBOUND_JOB_KINDS, type OutboundJobPayload} from './jobs.js';
import type {RateGate} from './rate_gate.js';

/** Posts looked for when reconciling may have been made this long before the ledger says (clock skew). */
const RECONCILE_MARGIN_MS = 10 * 60_000;
/**
 * Ledger entries untouched this long are forgotten (checked at most hourly per licence). A job is
 * retried for a few hours at most; only a failed delivery replayed later than this, whose last
 * attempt had an unknown outcome, could post again.
 */
const LEDGER_RETENTION_MS = 14 * 24 * 3600_000;
const LEDGER_PRUNE_EVERY_MS = 3600_000;

export interface OutboundDeliveryDeps {
    integrations: IntegrationsRepository;
    conversations: ConversationsRepository;
    messages: MessagesRepository;
    mattermost: MattermostConnector;
    gate: RateGate;
    logger: Logger;
    clock: Clock;
    webhookTimeoutMs?: number;
    /** Personal DMs (dm_settings): asked to queue its DMs at the start of each outbound job. */
    directMessages?: DirectMessages;
}

/** One delivery's view of its integration: the Mattermost port (behind the rate gate) and the bot. */
interface Session {
    job: Job;
    licence: string;
    integration: Integration;
    port: MattermostPort;
    botUserId(): Promise<string>;
}

type Linked = ConversationRecord & {channelId: string; rootPostId: string};

function isRootGone(error: unknown): boolean {
    return error instanceof UpstreamError && error.upstream === 'mattermost' && (error.kind === 'root_missing' || error.kind === 'not_found');
}

function ireserveOf(post: Post): Record<string, unknown> {
    const value = (post.props as Record<string, unknown> | undefined)?.ireserve;
    return value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {};
}

function postsOf(list: {order: string[]; posts: Record<string, Post>}): Post[] {
    return Object.values(list.posts).sort((a, b) => a.create_at - b.create_at);
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
 * (the outbox contract): each post goes through the post ledger (MessagesRepository) with a
 * deterministic `pending_post_id`, and a post whose earlier attempt has an unknown outcome is
 * looked for in Mattermost before it is made again. Failures are thrown as UpstreamError (the
 * worker retries or parks them) or PermanentFailure.
 */
export class OutboundDelivery {
    readonly #deps: OutboundDeliveryDeps;
    /** licence + settings version → bot user id, learned once per integration (and stored). */
    readonly #botIds = new Map<string, Promise<string>>();
    readonly #prunedAt = new Map<string, number>();

    constructor(deps: OutboundDeliveryDeps) {
        this.#deps = deps;
    }

    handlers(): Record<string, JobHandler> {
        return {
            [OUTBOUND_JOB_KINDS['conversation.started']]: (job) => this.#started(job, (job.payload as OutboundJobPayload & {type: 'conversation.started'}).data),
            [OUTBOUND_JOB_KINDS['conversation.message']]: (job) => this.#message(job, (job.payload as OutboundJobPayload & {type: 'conversation.message'}).data),
            [OUTBOUND_JOB_KINDS['conversation.updated']]: (job) => this.#updated(job, (job.payload as OutboundJobPayload & {type: 'conversation.updated'}).data),
            [OUTBOUND_JOB_KINDS.notification]: (job) => {
                const payload = job.payload as OutboundJobPayload & {type: 'notification'};
                return this.#notification(job, payload.data, payload.event_id);
            },
        };
    }

    // ---- handlers

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
            status: existing ? undefined : 'open' as const,
        });
        await conversations.upsertContext(s.licence, data.conversation_id, context as Record<string, unknown>, context.status);
        const conversation = (await conversations.get(s.licence, data.conversation_id))!;
        if (conversation.rootPostId) {
            await this.#refreshRoot(s, conversation as Linked);
        } else {
            await this.#createRoot(s, conversation);
        }
    }

    async #updated(job: Job, data: ConversationUpdated): Promise<void> {
        const s = await this.#session(job);
        const {conversations} = this.#deps;
        const patch: ConversationContext = defined({status: data.status, assignee: data.assignee});
        if (this.#deps.directMessages && data.assignee?.email && s.integration.dmSettings.on_assignment) {
            // Decided against the assignee stored before this event; queued before it is stored, so a re-run cannot lose it.
            const before = await conversations.get(s.licence, data.conversation_id);
            await this.#deps.directMessages.onUpdated(s.integration, job, data, assigneeEmailOf(before?.context));
        }
        await conversations.upsertContext(s.licence, data.conversation_id, patch as Record<string, unknown>, data.status);
        const conversation = (await conversations.get(s.licence, data.conversation_id))!;
        if (conversation.rootPostId) {
            await this.#refreshRoot(s, conversation as Linked);
        } else {
            await this.#createRoot(s, conversation);
        }
    }

    async #message(job: Job, data: ConversationMessage): Promise<Completion | void> {
        const s = await this.#session(job);
        const {messages} = this.#deps;
        const record = await messages.get(s.licence, data.conversation_id, data.message_id);
        if (record?.deliveredAt) {
            return; // replayed after it was delivered: nothing to do
        }
        if (this.#deps.directMessages && data.sender.type === 'visitor' && s.integration.dmSettings.on_guest_message) {
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
        const parts = messageParts(data);
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
        // The message row is the record; written with the job's completion (one commit).
        return async (trx) => {
            await messages.markDelivered(s.licence, data.conversation_id, data.message_id, postIds, `msg:${job.id}:`, trx, {forgetIntents: ledger.used});
        };
    }

    async #notification(job: Job, data: NotificationEvent, eventId: string): Promise<void> {
        const s = await this.#session(job);
        await this.#pruneLedger(s.licence);
        await this.#deps.directMessages?.onNotification(s.integration, job, data);
        const target = (s.integration.notificationChannels as Record<string, string | undefined>)[data.notification_type] ?? '';
        if (target.trim() === '') {
            this.#deps.logger.info({licence: s.licence, job: job.id, type: data.notification_type}, 'notification type no longer mapped to a channel; not sent');
            return;
        }
        const content = notificationPost(data, eventId);
        if (isIncomingWebhookTarget(target)) {
            await postToIncomingWebhook(target, incomingWebhookNotification(data, eventId), this.#deps.webhookTimeoutMs);
            return;
        }
        const key = `notification:${job.id}`;
        await this.#postOnce(s, key, async () => ({channel_id: target, message: content.message, type: NOTIFICATION_POST_TYPE, props: content.props}), async (intent) => {
            const list = await s.port.getPostsSince(target, intent.startedAt - RECONCILE_MARGIN_MS);
            const bot = await s.botUserId();
            return postsOf(list).find((post) => post.user_id === bot && post.delete_at === 0 && String(post.type) === NOTIFICATION_POST_TYPE
                && ireserveOf(post).event_id === eventId);
        });
    }

    // ---- conversation roots

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
     * Creates the conversation's root post and links it. With `previousRootId` (self-heal) the new
     * root says the earlier thread was removed, and goes to the integration's current channel.
     */
    async #createRoot(s: Session, conversation: ConversationRecord, previousRootId?: string | null): Promise<Linked> {
        const {conversations, messages} = this.#deps;
        const channelId = previousRootId || !conversation.channelId ? s.integration.channelId : conversation.channelId;
        const content = rootPost(s.licence, conversation.conversationId, conversation.context as ConversationContext, s.integration.relayMode,
            previousRootId ? {previousRootId} : {});
        const key = `root:${conversation.conversationId}:${previousRootId ?? 'none'}`;
        const rootPostId = await this.#postOnce(s, key,
            async () => ({channel_id: channelId, message: content.message, type: CONVERSATION_POST_TYPE, props: content.props}),
            async (intent) => {
                const list = await s.port.getPostsSince(channelId, intent.startedAt - RECONCILE_MARGIN_MS);
                const bot = await s.botUserId();
                return postsOf(list).find((post) => post.user_id === bot && post.delete_at === 0 && post.root_id === ''
                    && String(post.type) === CONVERSATION_POST_TYPE && post.id !== previousRootId
                    && ireserveOf(post).conversation_id === conversation.conversationId && ireserveOf(post).licence === s.licence);
            });
        await conversations.linkRoot(s.licence, conversation.conversationId, channelId, rootPostId);
        await messages.forgetIntents(s.licence, key);
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
            typeof previous === 'string' && previous !== '' ? {previousRootId: previous} : {});
        const props = {...(post.props as Record<string, unknown>), ireserve: content.props.ireserve};
        await s.port.patchPost(conversation.rootPostId, {message: content.message, props});
    }

    // ---- messages

    /**
     * Posts the parts of a message in order under the root; returns their post ids. Sets
     * `ledger.used` when it wrote or found post-ledger entries (they are forgotten on completion).
     */
    async #postParts(s: Session, conversation: Linked, data: ConversationMessage, parts: MessagePart[], ledger: {used: boolean}): Promise<string[]> {
        let thread: Post[] | undefined;
        const ids: string[] = [];
        for (const part of parts) {
            const key = `msg:${s.job.id}:${conversation.rootPostId}:${part.part}`;
            const id = await this.#postPart(s, key, part.part === parts.length, ledger, async () => {
                const fileIds: string[] = [];
                for (const index of part.attachments) {
                    const attachment = data.attachments[index]!;
                    // A retry uploads again: an upload that never got attached is harmless.
                    const info = await s.port.uploadFile(conversation.channelId, {
                        filename: attachment.filename,
                        contentType: attachment.content_type,
                        data: attachmentBytes(attachment),
                    });
                    fileIds.push(info.id);
                }
                return {
                    channel_id: conversation.channelId,
                    root_id: conversation.rootPostId,
                    message: part.message,
                    props: part.props,
                    ...(fileIds.length > 0 ? {file_ids: fileIds} : {}),
                };
            }, async () => {
                thread ??= postsOf(await s.port.getPostThread(conversation.rootPostId));
                const bot = await s.botUserId();
                return thread.find((post) => post.user_id === bot && post.delete_at === 0 && post.root_id === conversation.rootPostId
                    && ireserveOf(post).message_id === data.message_id && Number(ireserveOf(post).part ?? 1) === part.part);
            });
            ids.push(id);
        }
        return ids;
    }

    // ---- exactly-once posting

    /**
     * One part of a message, exactly once as users see it, with as few writes as that allows. Its
     * ledger key names the job, so only this job's attempts can have made it: a first attempt
     * (`attempts` 1, no ledger entry) posts at once and writes nothing to the ledger when it
     * succeeds — the message row, written with the job's completion, is then the record; a crash
     * before that completion leaves the job to a later attempt, which looks for the post first
     * (`find`), as does any attempt that finds a ledger entry. The ledger is written only when it
     * must be: the post id of a part that more parts follow, and a note before rethrowing when
     * creating the post failed (its outcome may be unknown, and a replay of a parked job starts
     * counting attempts afresh).
     */
    async #postPart(s: Session, key: string, last: boolean, ledger: {used: boolean}, build: () => Promise<NewPost>, find: () => Promise<Post | undefined>): Promise<string> {
        const {messages, logger, clock} = this.#deps;
        const intent = await messages.intent(s.licence, key);
        if (intent) {
            ledger.used = true;
            if (intent.postId) {
                return intent.postId;
            }
        }
        if (intent || s.job.attempts > 1) {
            const found = await find();
            if (found) {
                logger.info({licence: s.licence, job: s.job.id, post: found.id}, 'found the post of an earlier attempt; not posting again');
                if (!last) {
                    ledger.used = true;
                    await messages.completeIntent(s.licence, key, found.id, intent?.startedAt ?? clock.now());
                }
                return found.id;
            }
        }
        const draft = await build();
        let post: Post;
        try {
            post = await s.port.createPost({...draft, pending_post_id: await this.#pendingPostId(s, key)});
        } catch (error) {
            ledger.used = true;
            await messages.startIntent(s.licence, key).catch(() => undefined);
            throw error;
        }
        if (!last) {
            ledger.used = true;
            await messages.completeIntent(s.licence, key, post.id, intent?.startedAt ?? clock.now());
        }
        return post.id;
    }

    /**
     * Makes the post named by `key` exactly once as users see it. Already recorded → its id. Started
     * before with an unknown outcome → look for it (`find`) and record it when found. Otherwise
     * note the intent, create the post with a deterministic `pending_post_id` (Mattermost returns the
     * existing post for a repeat within 30 s) and record it.
     */
    async #postOnce(s: Session, key: string, build: () => Promise<NewPost>, find: (intent: PostIntent) => Promise<Post | undefined>): Promise<string> {
        const {messages, logger} = this.#deps;
        const intent = await messages.intent(s.licence, key);
        if (intent?.postId) {
            return intent.postId;
        }
        let startedAt: number;
        if (intent) {
            startedAt = intent.startedAt;
            const found = await find(intent);
            if (found) {
                logger.info({licence: s.licence, job: s.job.id, post: found.id}, 'found the post of an earlier attempt; not posting again');
                await messages.completeIntent(s.licence, key, found.id, startedAt);
                return found.id;
            }
        } else {
            startedAt = await messages.startIntent(s.licence, key);
        }
        const draft = await build();
        const post = await s.port.createPost({...draft, pending_post_id: await this.#pendingPostId(s, key)});
        await messages.completeIntent(s.licence, key, post.id, startedAt);
        return post.id;
    }

    /**
     * `<bot user id>:<job created at, ms>:<licence>:<ledger key>` — stable across retries of the same
     * post, unique across bots, licences and bridges. It starts like the web app's own
     * `<user id>:<timestamp>`; Mattermost treats it as an opaque key of its de-duplication cache.
     */
    async #pendingPostId(s: Session, key: string): Promise<string> {
        return `${await s.botUserId()}:${s.job.createdAt}:${s.licence}:${key}`;
    }

    /** Notification posts stay in the ledger (it is their only record); old entries are dropped now and then. */
    async #pruneLedger(licence: string): Promise<void> {
        const now = this.#deps.clock.now();
        if (now - (this.#prunedAt.get(licence) ?? 0) < LEDGER_PRUNE_EVERY_MS) {
            return;
        }
        this.#prunedAt.set(licence, now);
        try {
            await this.#deps.messages.forgetIntentsOlderThan(licence, LEDGER_RETENTION_MS);
        } catch (error) {
            this.#deps.logger.warn({err: error, licence}, 'pruning the post ledger failed; will try again later');
        }
    }

    // ---- the integration

    async #session(job: Job): Promise<Session> {
        const {integrations, mattermost, gate} = this.#deps;
        const integration = await integrations.getCached(job.licence);
        if (!integration) {
            throw new PermanentFailure('The integration for this licence no longer exists.', 'no_integration');
        }
        if (!integration.active) {
            throw new PermanentFailure('The integration is not active. Activate it in the settings, then retry the failed deliveries.', 'inactive');
        }
        let port: MattermostPort;
        try {
            port = gate.wrap(job.licence, mattermost.for(integration));
        } catch (error) {
            throw new PermanentFailure(`The bridge cannot connect to Mattermost with these settings: ${(error as Error).message}.`, 'invalid');
        }
        let botUserId: Promise<string> | undefined;
        return {
            job,
            licence: job.licence,
            integration,
            port,
            botUserId: () => {
                botUserId ??= this.#botUserId(integration, port);
                return botUserId;
            },
        };
    }

    /** The bot's user id: stored with the integration, learned with `getMe` the first time. */
    async #botUserId(integration: Integration, port: MattermostPort): Promise<string> {
        if (integration.botUserId) {
            return integration.botUserId;
        }
        // Keyed by the settings' version: a new token (maybe another bot) is asked again.
        // Concurrent first deliveries share one getMe.
        const cacheKey = `${integration.licence}:${integration.updatedAt}`;
        let learned = this.#botIds.get(cacheKey);
        if (!learned) {
            learned = (async () => {
                const me = await port.getMe();
                await this.#deps.integrations.setBotUserId(integration.licence, me.id);
                return me.id;
            })();
            this.#botIds.set(cacheKey, learned);
            learned.catch(() => this.#botIds.delete(cacheKey));
        }
        return learned;
    }
}
