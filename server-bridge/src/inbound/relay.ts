import type {Logger} from 'pino';
import type {Post} from '@mattermost/types/posts';

import type {BotSessions} from '../bot/session.js';
import type {Config} from '../config/config.js';
import {DELIVERED_EMOJI, FAILED_EMOJI, deliveryNoticeOf, formatBytes} from '../contract/index.js';
import {UpstreamError} from '../domain/errors.js';
import {describeAuthorMatch, mapAuthor} from '../domain/inbound/author.js';
import {decideRelay, screenPost, type IgnoreReason, type InboundPost} from '../domain/inbound/decision.js';
import {
    buildReply, buildReplyDeleted, buildReplyEdited, deliveredNotice, failureNotice, replyChangeWebhookId, replyWebhookId, type ReplyAttachment,
} from '../domain/inbound/reply.js';
import type {Integration} from '../domain/integration.js';
import type {IReservePort} from '../ports/ireserve.js';
import type {MattermostConnector} from '../mattermost/connector.js';
import type {Metrics} from '../observability/metrics.js';
import {sendCallback} from '../ireserve/send_callback.js';
import {judgeFailure, PermanentFailure} from '../outbox/retry_policy.js';
import type {JobHandler} from '../outbox/worker.js';
import type {Clock} from '../ports/clock.js';
import type {MattermostPort} from '../ports/mattermost.js';
import type {ConversationsRepository} from '../storage/conversations_repository.js';
import type {DirectoryRepository} from '../storage/directory_repository.js';
import type {DatabaseHandle} from '../storage/database.js';
import type {InboundStateRepository} from '../storage/inbound_state_repository.js';
import type {RelayedRepliesRepository} from '../storage/relayed_replies_repository.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';
import type {Completion, Job, OutboxRepository} from '../storage/outbox_repository.js';
import type {WaitingTracker} from '../outbound/waiting.js';

import {
    INBOUND_JOB_KINDS,
    type FeedbackPayload, type InboundSource, type PostChange, type ReplyChangePayload, type ReplyPayload, type ResolvePayload,
} from './jobs.js';

/** The parts of the bridge context the relay uses (the BridgeContext fits). */
export interface InboundDeps {
    config: Config;
    logger: Logger;
    clock: Clock;
    metrics: Metrics;
    integrations: IntegrationsRepository;
    conversations: ConversationsRepository;
    directory: DirectoryRepository;
    outbox: OutboxRepository;
    /** For the websocket listeners' own connection. */
    mattermost: MattermostConnector;
    /** The websocket listeners' lease and "caught up" mark. */
    inboundState: InboundStateRepository;
    sessions: BotSessions;
    wakeWorker: () => void;
    /** For the transaction that queues a reply and notes it as relayed. */
    database: DatabaseHandle;
    /** The posts relayed to i-Reserve: their edits and deletions follow (DESIGN §12). */
    relayedReplies: RelayedRepliesRepository;
    /** Waiting guests (DESIGN §11): a reply delivered to the visitor is an answer. */
    waitingTracker?: WaitingTracker;
}

/**
 * What happened to an arriving post:
 * `queued` (a reply job was created), `duplicate` (one already existed for this post),
 * `internal` (a note, or a plain reply under `composer_only`), `ignored` (not an agent's reply in a
 * conversation thread), `deferred` (could not be looked at now; a resolve job will).
 */
export type Outcome = 'queued' | 'duplicate' | 'internal' | 'ignored' | 'deferred';

class DeadlineExceeded extends Error {}

function isGone(error: unknown): boolean {
    return error instanceof UpstreamError && error.kind === 'not_found';
}

/** Deferred posts of one channel are looked at in the order they arrived (the post id when the channel is unknown). */
function resolveOrderingKey(resolve: Pick<ResolvePayload, 'post_id' | 'channel_id'>): string {
    return resolve.channel_id ? `resolve:${resolve.channel_id}` : `resolve:${resolve.post_id}`;
}

/**
 * The inbound relay: turns agents' thread replies in Mattermost into signed `conversation.reply`
 * callbacks to i-Reserve, and shows the outcome on the agent's post.
 *
 * Arrival (`acceptWebhook`, `acceptPost`) never loses a post to upstream trouble: when Mattermost
 * cannot be asked in time, an `inbound.resolve` job asks later. The reply job's dedupe key
 * `post:<id>` makes a post relayed at most once per licence, whatever path and however often it came.
 * Job handlers are idempotent: a re-run re-sends the callback with the same `webhook-id`, and the
 * follow-ups (reaction, thread notice) check before they act.
 */
export class InboundRelay {
    readonly #deps: () => InboundDeps;
    readonly #ireserve: IReservePort;

    constructor(deps: () => InboundDeps, ireserve: IReservePort) {
        this.#deps = deps;
        this.#ireserve = ireserve;
    }

    handlers(): Record<string, JobHandler> {
        return {
            [INBOUND_JOB_KINDS.resolve]: (job) => this.#resolve(job),
            [INBOUND_JOB_KINDS.reply]: (job) => this.#reply(job),
            [INBOUND_JOB_KINDS.feedback]: (job) => this.#feedback(job),
            [INBOUND_JOB_KINDS.replyEdited]: (job) => this.#replyChange(job),
            [INBOUND_JOB_KINDS.replyDeleted]: (job) => this.#replyChange(job),
        };
    }

    /**
     * An outgoing-webhook call for `postId` (the payload has no root id: the post is fetched).
     * Throws only when the post cannot even be queued for later (database trouble).
     */
    async acceptWebhook(integration: Integration, hook: {postId: string; userId: string; channelId: string}): Promise<Outcome> {
        if (integration.botUserId !== null && hook.userId === integration.botUserId) {
            return this.#count('outgoing_webhook', 'ignored', {postId: hook.postId, reason: 'own_post'}, integration.licence);
        }
        const work = async (): Promise<Outcome> => {
            let post: InboundPost;
            try {
                post = await this.#deps().sessions.of(integration).port.getPost(hook.postId);
            } catch (error) {
                if (isGone(error)) {
                    return this.#count('outgoing_webhook', 'ignored', {postId: hook.postId, reason: 'deleted'}, integration.licence);
                }
                throw error;
            }
            return this.#process(integration, post, 'outgoing_webhook');
        };
        return this.#withFallback(integration, work, {post_id: hook.postId, channel_id: hook.channelId, source: 'outgoing_webhook'});
    }

    /** A post that arrived whole (websocket event, re-sync). Throws only on database trouble. */
    async acceptPost(integration: Integration, post: InboundPost, source: InboundSource): Promise<Outcome> {
        const early = screenPost(post, integration.botUserId);
        if (!early.relevant) {
            return this.#count(source, 'ignored', {postId: post.id, reason: early.reason}, integration.licence);
        }
        return this.#withFallback(integration, () => this.#process(integration, post, source), {post_id: post.id, channel_id: post.channel_id, source, post});
    }

    /**
     * An agent edited or deleted a post (websocket `post_edited` / `post_deleted`, or what a re-sync
     * found). Only a post that was relayed is followed: its change is queued as a signed callback
     * behind the reply itself. Notes, unrelayed posts, the bot's own posts, edits that did not change
     * the text (`edit_at` not newer) and deletions the bot made are ignored. A change of a post that
     * still waits in a resolve job queues behind it. Throws only on database trouble.
     */
    async acceptChange(integration: Integration, post: InboundPost, change: PostChange, source: InboundSource): Promise<Outcome> {
        const {licence} = integration;
        if (integration.botUserId !== null && post.user_id === integration.botUserId) {
            return this.#count(source, 'ignored', {postId: post.id, reason: 'own_post', change}, licence);
        }
        if (post.root_id === '' || (post.original_id ?? '') !== '') {
            return this.#count(source, 'ignored', {postId: post.id, reason: post.root_id === '' ? 'top_level' : 'edit_history', change}, licence);
        }
        const deps = this.#deps();
        const relayed = await deps.relayedReplies.get(licence, post.id);
        if (!relayed) {
            if (await deps.outbox.hasUnfinished(licence, resolveOrderingKey({post_id: post.id, channel_id: post.channel_id}))) {
                return this.#defer(integration, {post_id: post.id, channel_id: post.channel_id, source, post, change}, 'the post itself is still waiting');
            }
            return this.#count(source, 'ignored', {postId: post.id, reason: 'not_relayed', change}, licence);
        }
        const deletedBy = post.props?.deleteBy;
        if (change === 'deleted' && typeof deletedBy === 'string' && deletedBy !== '' && deletedBy === integration.botUserId) {
            return this.#count(source, 'ignored', {postId: post.id, reason: 'deleted_by_bridge', change}, licence);
        }
        if (change === 'edited' && (post.delete_at ?? 0) > 0) {
            return this.#count(source, 'ignored', {postId: post.id, reason: 'deleted', change}, licence);
        }
        const editAt = post.edit_at ?? 0;
        if (change === 'edited' && editAt <= relayed.editAt) {
            // Not a newer edit of the text (a reaction, a pin, or this edit again).
            return this.#count(source, 'ignored', {postId: post.id, reason: 'not_edited', change}, licence);
        }
        const payload: ReplyChangePayload = change === 'edited'
            ? {post_id: post.id, conversation_id: relayed.conversationId, change, text: post.message, edit_at: editAt, source}
            : {post_id: post.id, conversation_id: relayed.conversationId, change, source};
        const id = await deps.database.db.transaction().execute(async (trx) => {
            const moved = change === 'edited'
                ? await deps.relayedReplies.advanceEdit(licence, post.id, editAt, trx)
                : await deps.relayedReplies.markDeleted(licence, post.id, trx);
            if (!moved) {
                return null;
            }
            return deps.outbox.enqueue({
                licence,
                direction: 'inbound',
                kind: change === 'edited' ? INBOUND_JOB_KINDS.replyEdited : INBOUND_JOB_KINDS.replyDeleted,
                orderingKey: `reply:${relayed.conversationId}`,
                conversationId: relayed.conversationId,
                dedupeKey: change === 'edited' ? `edited:${post.id}:${editAt}` : `deleted:${post.id}`,
                payload,
            }, trx);
        });
        if (id === null) {
            return this.#count(source, 'duplicate', {postId: post.id, change}, licence);
        }
        deps.wakeWorker();
        deps.logger.info({licence, post: post.id, conversation: relayed.conversationId, job: id, source, change}, `agent reply ${change}: queued for i-Reserve`);
        return this.#count(source, 'queued');
    }

    /**
     * Runs `work` (the arrival path) within `config.timeouts.inboundArrivalMs`, else hands the post to a resolve job.
     * Order per channel holds across that hand-over: while an earlier post of the channel still waits
     * in a resolve job, a newcomer queues behind it instead of overtaking it inline (a reply deferred
     * during an outage must not reach i-Reserve after the agent's next reply).
     */
    async #withFallback(integration: Integration, arrive: () => Promise<Outcome>, resolve: ResolvePayload): Promise<Outcome> {
        if (await this.#deps().outbox.hasUnfinished(integration.licence, resolveOrderingKey(resolve))) {
            return this.#defer(integration, resolve, 'an earlier post of this channel is still waiting');
        }
        const work = arrive();
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new DeadlineExceeded()), this.#deps().config.timeouts.inboundArrivalMs);
        });
        try {
            return await Promise.race([work, deadline]);
        } catch (error) {
            // The work may still finish; the resolve job then meets the dedupe key and does nothing.
            work.catch(() => undefined);
            return await this.#defer(integration, resolve,
                error instanceof DeadlineExceeded ? 'Mattermost did not answer in time' : (error as Error).message);
        } finally {
            clearTimeout(timer);
        }
    }

    /** Queues a resolve job for the post (per channel, in arrival order). Throws only on database trouble. */
    async #defer(integration: Integration, resolve: ResolvePayload, reason: string): Promise<Outcome> {
        this.#deps().logger.info({licence: integration.licence, post: resolve.post_id, source: resolve.source, reason},
            'inbound post handed to a resolve job');
        await this.#deps().outbox.enqueue({
            licence: integration.licence,
            direction: 'inbound',
            kind: INBOUND_JOB_KINDS.resolve,
            orderingKey: resolveOrderingKey(resolve),
            dedupeKey: resolve.change ? `resolve:${resolve.post_id}:${resolve.change}:${resolve.post?.edit_at ?? 0}` : `resolve:${resolve.post_id}`,
            payload: resolve,
        });
        this.#deps().wakeWorker();
        return this.#count(resolve.source, 'deferred');
    }

    /** Screens, decides, maps the author and queues the reply. Throws UpstreamError on Mattermost trouble. */
    async #process(integration: Integration, post: InboundPost, source: InboundSource): Promise<Outcome> {
        const deps = this.#deps();
        const {licence} = integration;
        const ignore = (reason: IgnoreReason) => this.#count(source, 'ignored', {postId: post.id, reason}, licence);
        const early = screenPost(post, integration.botUserId);
        if (!early.relevant) {
            return ignore(early.reason);
        }
        const {port, botUserId} = deps.sessions.of(integration);
        const screen = screenPost(post, await botUserId());
        if (!screen.relevant) {
            return ignore(screen.reason);
        }
        const conversation = await deps.conversations.findByRootPost(licence, post.root_id);
        if (!conversation) {
            return ignore('not_a_conversation');
        }
        const decision = decideRelay(post, integration.relayMode);
        if (!decision.relay) {
            return this.#count(source, 'internal', {postId: post.id, reason: decision.reason, conversation: conversation.conversationId}, licence);
        }
        // Relayed already (a re-sync reads the last minutes again after every websocket gap): known
        // from the note written with its job, before asking Mattermost for the author — a round trip
        // per post that would hold back the live posts waiting behind the re-sync.
        if (await deps.relayedReplies.get(licence, post.id)) {
            return this.#count(source, 'duplicate', {postId: post.id}, licence);
        }
        const user = await port.getUser(post.user_id);
        if (user.is_bot) {
            return ignore('bot_post');
        }
        const entry = user.email ? await deps.directory.findByEmail(licence, user.email) : undefined;
        const {author, match} = mapAuthor(user, entry);
        const payload: ReplyPayload = {
            post_id: post.id,
            root_id: post.root_id,
            channel_id: post.channel_id,
            conversation_id: conversation.conversationId,
            text: post.message,
            file_ids: [...(post.file_ids ?? [])],
            created_at: post.create_at,
            author,
            author_match: match,
            author_note: describeAuthorMatch(match),
            via: decision.via,
            source,
        };
        // The reply and the note that it was relayed (its edits and deletions follow) in one commit.
        const id = await deps.database.db.transaction().execute(async (trx) => {
            const queued = await deps.outbox.enqueue({
                licence,
                direction: 'inbound',
                kind: INBOUND_JOB_KINDS.reply,
                orderingKey: `reply:${conversation.conversationId}`,
                conversationId: conversation.conversationId,
                dedupeKey: `post:${post.id}`,
                payload,
            }, trx);
            if (queued !== null) {
                await deps.relayedReplies.record(licence, post.id, conversation.conversationId, post.edit_at ?? 0, trx);
            }
            return queued;
        });
        if (id === null) {
            return this.#count(source, 'duplicate', {postId: post.id}, licence);
        }
        deps.wakeWorker();
        deps.logger.info({licence, post: post.id, conversation: conversation.conversationId, job: id, source, via: decision.via,
            author_match: match, ...(match === 'matched' ? {} : {author_note: payload.author_note})}, 'agent reply queued for i-Reserve');
        return this.#count(source, 'queued');
    }

    #count(source: InboundSource, outcome: Outcome, detail?: Record<string, unknown>, licence?: string): Outcome {
        const deps = this.#deps();
        deps.metrics.inboundPosts.inc({source, decision: outcome});
        if (detail && outcome !== 'queued') {
            deps.logger.debug({licence, source, outcome, ...detail}, 'inbound post not relayed');
        }
        return outcome;
    }

    // ---- job handlers

    async #resolve(job: Job): Promise<void> {
        const payload = job.payload as ResolvePayload;
        const session = await this.#deps().sessions.find(job.licence);
        if (!session) {
            return;
        }
        if (payload.change && payload.post) {
            await this.acceptChange(session.integration, payload.post, payload.change, payload.source);
            return;
        }
        let post = payload.post;
        if (!post) {
            try {
                post = await session.port.getPost(payload.post_id);
            } catch (error) {
                if (isGone(error)) {
                    return; // deleted before anyone could look: nothing to relay
                }
                throw error;
            }
        }
        await this.#process(session.integration, post, payload.source);
    }

    async #reply(job: Job): Promise<Completion | void> {
        const deps = this.#deps();
        const payload = job.payload as ReplyPayload;
        // Replies queued before the integration was switched off are still delivered.
        const session = await deps.sessions.forJob(job.licence, {requireActive: false});
        const {integration} = session;
        const webhookId = replyWebhookId(integration.licence, payload.post_id);
        try {
            await sendCallback({ireserve: this.#ireserve, clock: deps.clock}, integration, {
                webhookId,
                body: async () => JSON.stringify(buildReply({
                    licence: integration.licence,
                    conversationId: payload.conversation_id,
                    postId: payload.post_id,
                    text: payload.text,
                    author: payload.author,
                    attachments: await this.#attachments(session.port, payload.file_ids),
                    createdAtMs: payload.created_at,
                })),
            });
            deps.logger.info({licence: integration.licence, post: payload.post_id, conversation: payload.conversation_id, webhook_id: webhookId,
                attempt: job.attempts, author_match: payload.author_match}, 'agent reply delivered to i-Reserve');
        } catch (error) {
            // The agent sees the ⚠️ only when the worker is about to park the job (same verdict).
            const verdict = judgeFailure(error, job.attempts, deps.config.delivery.maxAttempts);
            if (!verdict.retry) {
                await this.#queueFeedback(job, payload, 'failed', verdict.reason);
            }
            throw error;
        }
        await this.#queueFeedback(job, payload, 'delivered');
        // The visitor has the answer now: a waiting spell ends (recorded with the job's completion).
        const tracker = deps.waitingTracker;
        if (tracker) {
            const answeredAt = deps.clock.now();
            return (trx) => tracker.answered(integration.licence, payload.conversation_id, answeredAt, trx);
        }
    }

    /**
     * `conversation.reply_edited` / `conversation.reply_deleted` to i-Reserve. Runs after the reply
     * itself (same ordering key); when the reply is parked as failed, this waits parked too (replay
     * both, in order), so i-Reserve never hears of a change to a reply it does not have.
     */
    async #replyChange(job: Job): Promise<void> {
        const deps = this.#deps();
        const payload = job.payload as ReplyChangePayload;
        const {integration} = await deps.sessions.forJob(job.licence, {requireActive: false});
        if (await deps.outbox.statusOf(job.licence, `post:${payload.post_id}`) === 'failed') {
            throw new PermanentFailure(`The reply itself has not reached i-Reserve, so its ${payload.change === 'edited' ? 'edit' : 'deletion'} waits: retry the failed reply first (retrying all failed deliveries keeps their order).`, 'reply_not_delivered');
        }
        const input = {licence: integration.licence, conversationId: payload.conversation_id, postId: payload.post_id};
        const webhookId = replyChangeWebhookId(integration.licence, payload.post_id, payload.change === 'edited' ? {editAt: payload.edit_at ?? 0} : 'deleted');
        await sendCallback({ireserve: this.#ireserve, clock: deps.clock}, integration, {
            webhookId,
            body: () => JSON.stringify(payload.change === 'edited'
                ? buildReplyEdited({...input, text: payload.text ?? '', editedAtMs: payload.edit_at ?? job.createdAt})
                : buildReplyDeleted(input)),
        });
        deps.logger.info({licence: integration.licence, post: payload.post_id, conversation: payload.conversation_id, webhook_id: webhookId,
            attempt: job.attempts, change: payload.change}, `agent reply ${payload.change}: delivered to i-Reserve`);
    }

    async #attachments(port: MattermostPort, fileIds: readonly string[]): Promise<ReplyAttachment[]> {
        const max = this.#deps().config.maxAttachmentBytes;
        const tooLarge = (name: string, size?: number) => new PermanentFailure(
            `The attachment "${name}"${size === undefined ? '' : ` (${formatBytes(size)})`} is larger than the bridge's limit of ${formatBytes(max)} per file, so the reply was not sent. Send a smaller file or a link.`,
            'too_large');
        const attachments: ReplyAttachment[] = [];
        for (const fileId of fileIds) {
            try {
                const info = await port.getFileInfo(fileId);
                if (info.size > max) {
                    throw tooLarge(info.name, info.size);
                }
                const file = await port.downloadFile(fileId, max);
                attachments.push({filename: file.filename, content_type: file.contentType, size: file.size, data: file.data.toString('base64')});
            } catch (error) {
                if (error instanceof UpstreamError && error.kind === 'too_large') {
                    throw tooLarge(fileId);
                }
                if (isGone(error)) {
                    throw new PermanentFailure('An attachment of this reply was deleted in Mattermost, so the reply was not sent.', 'attachment_missing');
                }
                throw error;
            }
        }
        return attachments;
    }

    async #queueFeedback(job: Job, reply: ReplyPayload, outcome: FeedbackPayload['outcome'], reason?: string): Promise<void> {
        const deps = this.#deps();
        const payload: FeedbackPayload = {post_id: reply.post_id, root_id: reply.root_id, channel_id: reply.channel_id, outcome, ...(reason ? {reason} : {}), source: reply.source};
        const id = await deps.outbox.enqueue({
            licence: job.licence,
            direction: 'inbound',
            kind: INBOUND_JOB_KINDS.feedback,
            orderingKey: `feedback:${reply.post_id}`,
            conversationId: reply.conversation_id,
            dedupeKey: `feedback:${reply.post_id}:${outcome}`,
            payload,
        });
        if (id !== null) {
            deps.wakeWorker();
        }
    }

    async #feedback(job: Job): Promise<void> {
        const deps = this.#deps();
        const payload = job.payload as FeedbackPayload;
        const session = await deps.sessions.find(job.licence);
        if (!session) {
            return;
        }
        const {port} = session;
        const botUserId = await session.botUserId();
        try {
            await port.addReaction(botUserId, payload.post_id, payload.outcome === 'delivered' ? DELIVERED_EMOJI : FAILED_EMOJI);
            if (payload.outcome === 'delivered') {
                // A replay that succeeded after a failure: the earlier ⚠️ no longer tells the truth.
                // Best effort: a refusal here must not undo the delivered feedback; a transient error retries.
                const bestEffort = (error: unknown) => {
                    if (error instanceof UpstreamError && error.retryable) {
                        throw error;
                    }
                };
                await port.removeReaction(botUserId, payload.post_id, FAILED_EMOJI).catch(bestEffort);
                // The ⚠️ note in the thread says the opposite now: edit it (the bot's own post; a
                // patch replaces the whole props map — MATTERMOST.md, api4/post.go patchPost).
                for (const note of await this.#failureNotes(port, botUserId, payload)) {
                    const edited = deliveredNotice(payload.post_id, deliveryNoticeOf(note.props)?.reason ?? 'unknown');
                    await port.patchPost(note.id, edited).catch(bestEffort);
                }
                return;
            }
            const reason = payload.reason ?? 'The reply could not be delivered.';
            const thread = await port.getPostThread(payload.root_id);
            const noticed = Object.values(thread.posts).some((post) => {
                const notice = deliveryNoticeOf(post.props);
                return post.user_id === botUserId && notice?.postId === payload.post_id && notice.status !== 'delivered';
            });
            if (!noticed) {
                await port.createPost({channel_id: payload.channel_id, root_id: payload.root_id, ...failureNotice(payload.post_id, reason)});
            }
        } catch (error) {
            if (isGone(error)) {
                return; // the agent's post or the thread is gone: nobody to tell
            }
            throw error;
        }
    }

    /** The bot's failure notes about this reply that still say it failed. */
    async #failureNotes(port: MattermostPort, botUserId: string, payload: FeedbackPayload): Promise<Post[]> {
        const thread = await port.getPostThread(payload.root_id);
        return Object.values(thread.posts).filter((post) => {
            const notice = deliveryNoticeOf(post.props);
            return post.user_id === botUserId && post.delete_at === 0 && notice?.postId === payload.post_id && notice.status === 'failed';
        });
    }
}
