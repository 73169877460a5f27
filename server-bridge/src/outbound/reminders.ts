import type {Post} from '@mattermost/types/posts';
import type {Logger} from 'pino';

import type {PostLedger} from '../bot/post_ledger.js';
import type {BotSessions} from '../bot/session.js';
import {IRESERVE_PROPS_KEY, PROPS_VERSION, type ReminderProps} from '../contract/index.js';
import {UpstreamError} from '../domain/errors.js';
import {safeInline} from '../domain/outbound/text_safety.js';
import {isQuiet, quietEnd} from '../domain/waiting/quiet_hours.js';
import {overtaken, reminderMessage, remindersOn} from '../domain/waiting/reminders.js';
import type {JobHandler} from '../outbox/worker.js';
import type {Clock} from '../ports/clock.js';
import type {MattermostPort} from '../ports/mattermost.js';
import type {ConversationsRepository} from '../storage/conversations_repository.js';
import type {Job, OutboxRepository} from '../storage/outbox_repository.js';

import {WAITING_JOB_KINDS, reminderKey, type ReminderPayload} from './jobs.js';

export interface RemindersDeps {
    sessions: BotSessions;
    ledger: PostLedger;
    conversations: ConversationsRepository;
    outbox: OutboxRepository;
    clock: Clock;
    logger: Logger;
}

function ireserveOf(post: Post): Record<string, unknown> {
    const value = (post.props as Record<string, unknown> | undefined)?.[IRESERVE_PROPS_KEY];
    return value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {};
}

function isGone(error: unknown): boolean {
    return error instanceof UpstreamError && error.upstream === 'mattermost' && (error.kind === 'root_missing' || error.kind === 'not_found');
}

/**
 * Posts a waiting spell's reminders (DESIGN §11): the `outbound.conversation.reminder` jobs that
 * WaitingTracker queued, each due at its threshold. When one runs it checks, as things are now:
 * the guest still waits in the same spell, reminders are still on with this threshold, a later
 * threshold has not fallen due too (then only that one is posted), and it is not quiet hours (then
 * it queues itself again for their end). It posts one bot reply in the thread mentioning the
 * assignee's Mattermost username (mapped by e-mail), or `@here` when nobody has the conversation
 * or `notify` is `channel`. The post goes through the post ledger keyed by conversation, spell and
 * threshold, so it is made once across retries, restarts, kill -9 and several processes, even when
 * a quiet-hours copy of the job runs too.
 */
export class Reminders {
    constructor(private readonly deps: RemindersDeps) {}

    handlers(): Record<string, JobHandler> {
        return {[WAITING_JOB_KINDS.reminder]: (job) => this.#remind(job, job.payload as ReminderPayload)};
    }

    async #remind(job: Job, data: ReminderPayload): Promise<void> {
        const {sessions, conversations, clock, logger} = this.deps;
        const session = await sessions.find(job.licence);
        const settings = session?.integration.reminders;
        if (!session || !session.integration.active || !remindersOn(settings) || !settings.after_seconds.includes(data.after_seconds)) {
            return; // deleted, switched off, or this threshold no longer set
        }
        const conversation = await conversations.get(job.licence, data.conversation_id);
        if (conversation?.waitingSince !== data.waiting_since || !conversation.rootPostId || !conversation.channelId) {
            return; // answered, closed, or another spell by now
        }
        const now = clock.now();
        if (overtaken(settings, data.waiting_since, data.after_seconds, now)) {
            return;
        }
        const key = reminderKey(data.conversation_id, data.waiting_since, data.after_seconds);
        if (settings.quiet_hours && isQuiet(settings.quiet_hours, now)) {
            // Quiet hours set (or moved) after the job was queued: again at their end.
            const end = quietEnd(settings.quiet_hours, now);
            await this.deps.outbox.enqueue({
                licence: job.licence, direction: 'outbound', kind: WAITING_JOB_KINDS.reminder, orderingKey: key,
                conversationId: data.conversation_id, dedupeKey: `${key}:at:${end}`, payload: data, notBefore: end,
            });
            return;
        }
        const mention = settings.notify === 'assignee' ? await this.#assigneeUsername(session.port, conversation.context) : null;
        const visitor = typeof conversation.context.visitor_name === 'string' && conversation.context.visitor_name !== ''
            ? safeInline(conversation.context.visitor_name) : 'A guest';
        const since = new Date(data.waiting_since).toISOString();
        const props: ReminderProps = {v: PROPS_VERSION, conversation_id: data.conversation_id, waiting_since: since, after_seconds: data.after_seconds};
        try {
            await this.deps.ledger.post({session, job}, {
                key,
                channelId: conversation.channelId,
                rootId: conversation.rootPostId,
                content: {message: reminderMessage(visitor, now - data.waiting_since, mention), props: {[IRESERVE_PROPS_KEY]: props}},
                matches: (post) => {
                    const found = ireserveOf(post);
                    return found.conversation_id === data.conversation_id && found.waiting_since === since && found.after_seconds === data.after_seconds;
                },
            });
        } catch (error) {
            if (isGone(error)) {
                logger.info({licence: job.licence, conversation: data.conversation_id}, 'the conversation\'s thread is gone; reminder not posted');
                return;
            }
            throw error;
        }
        logger.info({licence: job.licence, conversation: data.conversation_id, after_seconds: data.after_seconds, mention: mention ?? 'here'}, 'reminder posted');
    }

    /**
     * The assignee's Mattermost username, found by e-mail (else the username the card's actions
     * stored); null when nobody has the conversation or the e-mail is unknown to Mattermost.
     */
    async #assigneeUsername(port: MattermostPort, context: Record<string, unknown>): Promise<string | null> {
        const assignee = context.assignee as {email?: unknown; username?: unknown} | null | undefined;
        if (!assignee) {
            return null;
        }
        if (typeof assignee.email === 'string' && assignee.email !== '') {
            try {
                return (await port.getUserByEmail(assignee.email)).username;
            } catch (error) {
                if (!(error instanceof UpstreamError && error.kind === 'not_found')) {
                    throw error;
                }
            }
        }
        return typeof assignee.username === 'string' && /^[a-z0-9._-]+$/i.test(assignee.username) ? assignee.username : null;
    }
}
