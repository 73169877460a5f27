import type {Post, PostList} from '@mattermost/types/posts';
import type {Logger} from 'pino';

import type {BotSession, BotSessions} from '../bot/session.js';
import {INTEGRATION_MISSING_CODE, IRESERVE_PROPS_KEY, type ErasureKept} from '../contract/index.js';
import {UpstreamError} from '../domain/errors.js';
import {PermanentFailure} from '../outbox/retry_policy.js';
import type {JobHandler} from '../outbox/worker.js';
import type {Clock} from '../ports/clock.js';
import type {MattermostPort} from '../ports/mattermost.js';
import type {ConversationsRepository} from '../storage/conversations_repository.js';
import type {ErasuresRepository} from '../storage/erasures_repository.js';
import type {MessagesRepository} from '../storage/messages_repository.js';
import type {Job} from '../storage/outbox_repository.js';

import {OUTBOUND_JOB_KINDS, type OutboundJobPayload} from './jobs.js';

const ERASE_KIND = OUTBOUND_JOB_KINDS['conversation.erased'];
/** How long a deleted post's files are waited for to be detached by Mattermost. */
const FILE_DETACH_WAIT_MS = 15_000;
const CACHED_FILE = 'Someone downloaded this file shortly before the erasure: Mattermost keeps serving the download from its cache for up to 30 minutes after the post was deleted (the file\'s details are gone already). Nothing to do: it expires by itself.';

export interface ConversationErasureDeps {
    sessions: BotSessions;
    conversations: ConversationsRepository;
    messages: MessagesRepository;
    erasures: ErasuresRepository;
    logger: Logger;
    clock: Clock;
}

function isGone(error: unknown): boolean {
    return error instanceof UpstreamError && error.upstream === 'mattermost' && error.kind === 'not_found';
}

function isRefused(error: unknown): error is UpstreamError {
    return error instanceof UpstreamError && error.upstream === 'mattermost' && (error.kind === 'forbidden' || error.kind === 'not_a_member');
}

function previousRootOf(post: Post | undefined): string | undefined {
    const ireserve = (post?.props as Record<string, {previous_root_id?: unknown} | undefined> | undefined)?.[IRESERVE_PROPS_KEY];
    return typeof ireserve?.previous_root_id === 'string' && ireserve.previous_root_id !== '' ? ireserve.previous_root_id : undefined;
}

/**
 * Erases a conversation (DESIGN §12), as the outbox job `outbound.conversation.erased` queued by the
 * event intake or the retention sweep (storage/erasures_repository.ts records the request).
 *
 * Steps, each safe to run again after a crash or a Mattermost failure at any point (the job is
 * retried; a post already deleted answers 404, which counts as deleted):
 * 1. In Mattermost, as the bot: for every root the conversation had (the current one, those noted
 *    in `conversation_posts`, and any `previous_root_id` a root names), the bot's replies that carry
 *    files are deleted one by one first (Mattermost detaches only the deleted post's own files),
 *    agents' replies with files are tried too, then the root, which deletes every reply with it —
 *    both pinned on a real server in test/e2e/mattermost_facts_erasure.test.ts. Message posts not
 *    seen in a thread and the conversation's direct messages are deleted one by one.
 *    What Mattermost refuses, and files it still serves afterwards, are recorded as kept, with why.
 * 2. In the bridge's tables, in one transaction: the personal data is removed and the erasure is
 *    marked `done` (or `partial` when something was kept) — never before step 1 finished.
 * 3. The database's freed bytes are made unreadable (ErasuresRepository.reclaim).
 *
 * `guard` wraps every other handler: a job of a conversation with an erasure (in progress or
 * finished) does nothing and its payload is emptied — nothing is posted or relayed for it again.
 */
export class ConversationErasure {
    constructor(private readonly deps: ConversationErasureDeps) {}

    handlers(): Record<string, JobHandler> {
        return {[ERASE_KIND]: (job) => this.#erase(job)};
    }

    guard(handlers: Record<string, JobHandler>): Record<string, JobHandler> {
        const {erasures, logger} = this.deps;
        return Object.fromEntries(Object.entries(handlers).map(([kind, handler]) => [kind, kind === ERASE_KIND ? handler : async (job: Job) => {
            if (job.conversationId !== null && await erasures.get(job.licence, job.conversationId)) {
                logger.info({licence: job.licence, job: job.id, kind: job.kind, conversation: job.conversationId}, 'job of an erased conversation skipped');
                return (trx) => erasures.emptyJobPayload(job.id, trx);
            }
            return handler(job);
        }]));
    }

    async #erase(job: Job): Promise<void> {
        const {erasures, logger} = this.deps;
        const conversationId = (job.payload as OutboundJobPayload & {type: 'conversation.erased'}).data.conversation_id;
        const licence = job.licence;
        const erasure = await erasures.get(licence, conversationId);
        if (!erasure) {
            throw new PermanentFailure('No erasure is recorded for this conversation.', 'erasure_missing');
        }
        if (erasure.status === 'in_progress') {
            await this.#deleteInMattermost(job, conversationId);
            await erasures.scrub(licence, conversationId, job.id);
            const done = await erasures.get(licence, conversationId);
            logger.info({licence, job: job.id, conversation: conversationId, status: done?.status, kept: done?.kept.length}, 'conversation erased');
        }
        try {
            await erasures.reclaim();
        } catch (error) {
            logger.warn({err: error, licence}, 'could not reclaim the erased bytes in the database yet; the next erasure does');
        }
    }

    async #deleteInMattermost(job: Job, conversationId: string): Promise<void> {
        const {conversations, messages, erasures} = this.deps;
        const licence = job.licence;
        let session: BotSession;
        try {
            session = await this.deps.sessions.forJob(licence, {requireActive: false});
        } catch (error) {
            if (error instanceof PermanentFailure && error.code === INTEGRATION_MISSING_CODE) {
                await erasures.addKept(licence, conversationId, [{what: 'thread', id: (await conversations.get(licence, conversationId))?.rootPostId ?? '',
                    reason: 'The integration was deleted, so the bridge could not reach Mattermost: the conversation\'s posts were not deleted there. A Mattermost admin can delete the thread.'}]);
                return;
            }
            throw error;
        }
        const {port} = session;
        const botUserId = await session.botUserId();
        const conversation = await conversations.get(licence, conversationId);
        const noted = await erasures.posts(licence, conversationId);
        const roots = [...new Set([conversation?.rootPostId, ...noted.filter((post) => post.role === 'root').map((post) => post.postId)]
            .filter((id): id is string => typeof id === 'string' && id !== ''))];
        const seen = new Set<string>();
        for (let index = 0; index < roots.length; index++) {
            const kept: ErasureKept[] = [];
            const rootId = roots[index]!;
            let thread: PostList;
            try {
                thread = await port.getPostThread(rootId);
            } catch (error) {
                if (isGone(error)) {
                    continue; // deleted already (by an earlier attempt, or by someone in Mattermost)
                }
                if (isRefused(error)) {
                    await erasures.addKept(licence, conversationId, [{what: 'thread', id: rootId, reason: refusedReason(error, 'read the thread')}]);
                    continue;
                }
                throw error;
            }
            const previous = previousRootOf(thread.posts[rootId]);
            if (previous && !roots.includes(previous)) {
                roots.push(previous);
            }
            const files: string[] = [];
            for (const post of Object.values(thread.posts)) {
                seen.add(post.id);
                if (post.id === rootId || (post.file_ids?.length ?? 0) === 0) {
                    continue;
                }
                files.push(...post.file_ids!);
                // The bot's own file-carrying replies first, one by one; an agent's is tried (it goes with the root anyway).
                await this.#delete(port, post.id, 'post', post.user_id === botUserId ? kept : []);
            }
            files.push(...(thread.posts[rootId]?.file_ids ?? []));
            await this.#delete(port, rootId, 'thread', kept);
            for (const fileId of files) {
                const reason = await this.#stillServed(port, fileId);
                if (reason) {
                    kept.push({what: 'file', id: fileId, reason});
                }
            }
            await erasures.addKept(licence, conversationId, kept);
        }
        const kept: ErasureKept[] = [];
        for (const message of await messages.list(licence, conversationId)) {
            for (const postId of message.postIds) {
                if (!seen.has(postId)) {
                    await this.#delete(port, postId, 'post', kept);
                }
            }
        }
        for (const post of noted.filter((entry) => entry.role === 'direct_message')) {
            await this.#delete(port, post.postId, 'post', kept);
        }
        await erasures.addKept(licence, conversationId, kept);
    }

    /** Deletes a post; gone already counts as deleted; a refusal is noted in `kept`; anything else is thrown (retried or parked). */
    async #delete(port: MattermostPort, postId: string, what: 'post' | 'thread', kept: ErasureKept[]): Promise<void> {
        try {
            await port.deletePost(postId);
        } catch (error) {
            if (isGone(error)) {
                return;
            }
            if (isRefused(error)) {
                kept.push({what, id: postId, reason: refusedReason(error, what === 'thread' ? 'delete the thread' : 'delete the post')});
                return;
            }
            throw error;
        }
    }

    /**
     * Why a file of a deleted post can still be read, or undefined when it cannot. Mattermost
     * detaches a deleted post's files moments after the DELETE answered (/info then answers 404):
     * waited for, boundedly. The download can outlive that for up to 30 minutes when someone
     * downloaded the file shortly before (its info stays in Mattermost's cache; pinned in
     * test/e2e/mattermost_facts_edits.test.ts) — checked only once /info is gone, so the check
     * itself never puts the file back into the cache.
     */
    async #stillServed(port: MattermostPort, fileId: string): Promise<string | undefined> {
        const deadline = this.deps.clock.now() + FILE_DETACH_WAIT_MS;
        for (;;) {
            try {
                await port.getFileInfo(fileId);
            } catch (error) {
                if (isGone(error) || isRefused(error)) {
                    break;
                }
                throw error;
            }
            if (this.deps.clock.now() > deadline) {
                return 'Mattermost deleted the post but still serves this file. A Mattermost admin can remove it (permanent post deletion or data retention).';
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
        }
        try {
            await port.downloadFile(fileId, 1);
            return CACHED_FILE;
        } catch (error) {
            if (error instanceof UpstreamError && error.kind === 'too_large') {
                return CACHED_FILE;
            }
            if (isGone(error) || isRefused(error)) {
                return undefined;
            }
            throw error;
        }
    }
}

function refusedReason(error: UpstreamError, what: string): string {
    return `Mattermost did not let the bot ${what} (HTTP ${error.status ?? 403}): the bot may have left the channel or lost its permissions. A Mattermost admin can delete it.`;
}
