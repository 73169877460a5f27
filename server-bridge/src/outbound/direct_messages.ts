import type {UserProfile} from '@mattermost/types/users';
import type {Logger} from 'pino';

import type {PostLedger} from '../bot/post_ledger.js';
import type {BotSessions} from '../bot/session.js';
import {IRESERVE_PROPS_KEY, PROPS_VERSION, type DirectMessageProps} from '../contract/index.js';
import {UpstreamError} from '../domain/errors.js';
import {subscribersOf, type Integration} from '../domain/integration.js';
import type {ConversationMessage, ConversationUpdated, NotificationEvent} from '../domain/outbound/events.js';
import {safeInline, safeMessageText} from '../domain/outbound/text_safety.js';
import {PermanentFailure} from '../outbox/retry_policy.js';
import type {JobHandler} from '../outbox/worker.js';
import type {MattermostPort} from '../ports/mattermost.js';
import type {AgentNotifyRepository} from '../storage/agent_notify_repository.js';
import type {ConversationsRepository} from '../storage/conversations_repository.js';
import type {DirectoryRepository} from '../storage/directory_repository.js';
import type {ErasuresRepository} from '../storage/erasures_repository.js';
import type {Job, NewJob, OutboxRepository} from '../storage/outbox_repository.js';

import {OUTBOUND_JOB_KINDS, type DirectMessagePayload} from './jobs.js';

/**
 * Personal notifications by direct message from the bot (issue 9), per integration `dm_settings`
 * (all off by default):
 * - `on_assignment`: a `conversation.updated` that assigns the conversation to someone (new
 *   assignee e-mail) → DM to the assignee with a permalink to the conversation's thread;
 * - `on_guest_message`: a visitor message in a conversation assigned to someone → DM to the assignee;
 * - `subscriptions[type]`: a notification of that type → DM to each subscribed e-mail.
 * Each agent may override these for themselves with `/ireserve notify` (AgentNotifyRepository, by
 * e-mail): the admin's settings are the defaults of those who chose nothing.
 *
 * The decision is taken inside the outbound job (so it sees the conversation's context in order)
 * and queued as its own outbox job `outbound.direct_message` with a dedupe key derived from the event, so
 * a re-run of the outbound job never queues a DM twice. Conversation DMs share the conversation's
 * ordering key: they run after the job that queued them, when the thread (permalink) exists.
 * Subscription DMs are ordered per recipient.
 *
 * The DM job finds the Mattermost user by e-mail (GET /users/email/{email}); an unknown e-mail (or
 * e-mails hidden from the bot) parks the job with the reason — no DM, visible in the failed
 * deliveries and logs, replayable after the fix. Posting is exactly-once as users see it, like the
 * other bot posts: through the post ledger (bot/post_ledger.ts), keyed per job, recognised in the
 * DM channel by `props.ireserve.dm_key`.
 */
export interface DirectMessagesDeps {
    sessions: BotSessions;
    ledger: PostLedger;
    conversations: ConversationsRepository;
    directory: DirectoryRepository;
    outbox: OutboxRepository;
    logger: Logger;
    wakeWorker: () => void;
    /** Agents' own choices (`/ireserve notify`); without it the admin's settings alone decide. */
    agentNotify?: AgentNotifyRepository;
    /** Notes a conversation's DMs among its posts, so its erasure deletes them (DESIGN §12). */
    erasures?: ErasuresRepository;
}

const EXCERPT_RUNES = 300;

function sameEmail(a: string | undefined | null, b: string | undefined | null): boolean {
    return (a ?? '').trim().toLowerCase() === (b ?? '').trim().toLowerCase();
}

function excerpt(text: string): string {
    const runes = [...text.trim()];
    const cut = runes.length > EXCERPT_RUNES ? `${runes.slice(0, EXCERPT_RUNES).join('')}…` : runes.join('');
    return safeMessageText(cut).split('\n').map((line) => `> ${line}`).join('\n');
}

export class DirectMessages {
    constructor(private readonly deps: DirectMessagesDeps) {}

    handlers(): Record<string, JobHandler> {
        return {[OUTBOUND_JOB_KINDS.direct_message]: (job) => this.#deliver(job)};
    }

    // ---- deciding (called from the outbound handlers, before their own work)

    /** Cheap check for the hot paths: can anyone get this DM (the admin's default, or an agent's own choice)? */
    async mayNotify(integration: Integration, kind: 'assignment' | 'guest_messages'): Promise<boolean> {
        const byDefault = kind === 'assignment' ? integration.dmSettings.on_assignment : integration.dmSettings.on_guest_message;
        return byDefault || (await this.deps.agentNotify?.optedIn(integration.licence, kind) ?? false);
    }

    /**
     * `conversation.updated`: DM the new assignee when `on_assignment` is on and the assignee's
     * e-mail differs from the one stored before this event (`previousAssigneeEmail`).
     */
    async onUpdated(integration: Integration, job: Job, data: ConversationUpdated, previousAssigneeEmail: string | undefined): Promise<void> {
        const email = data.assignee?.email;
        if (!email || sameEmail(email, previousAssigneeEmail)) {
            return;
        }
        const own = await this.deps.agentNotify?.get(integration.licence, email);
        if (!(own?.assignment ?? integration.dmSettings.on_assignment)) {
            return;
        }
        await this.#enqueue(integration.licence, {
            reason: 'assignment', email, event_id: eventIdOf(job), conversation_id: data.conversation_id,
        }, `conv:${data.conversation_id}`, `dm:assignment:${eventIdOf(job)}`);
    }

    /** `conversation.message` from the visitor: DM the conversation's assignee when `on_guest_message` is on. */
    async onMessage(integration: Integration, job: Job, data: ConversationMessage, assigneeEmail: string | undefined): Promise<void> {
        if (data.sender.type !== 'visitor' || !assigneeEmail) {
            return;
        }
        const own = await this.deps.agentNotify?.get(integration.licence, assigneeEmail);
        if (!(own?.guest_messages ?? integration.dmSettings.on_guest_message)) {
            return;
        }
        await this.#enqueue(integration.licence, {
            reason: 'guest_message', email: assigneeEmail, event_id: eventIdOf(job), conversation_id: data.conversation_id, text: data.text,
        }, `conv:${data.conversation_id}`, `dm:guest_message:${eventIdOf(job)}`);
    }

    /** `notification`: one DM per subscriber of its type. */
    async onNotification(integration: Integration, job: Job, data: NotificationEvent): Promise<void> {
        const admins = subscribersOf(integration.dmSettings, data.notification_type);
        const own = await this.deps.agentNotify?.all(integration.licence) ?? new Map<string, {types?: Record<string, boolean>}>();
        const chosen = (email: string) => own.get(email.trim().toLowerCase())?.types?.[data.notification_type];
        // lower-case e-mail → as written (the admin's spelling first); an agent's own "no" wins.
        const recipients = new Map<string, string>();
        for (const email of [...admins, ...[...own.keys()].filter((entry) => chosen(entry) === true)]) {
            const key = email.trim().toLowerCase();
            if (chosen(key) !== false && !recipients.has(key)) {
                recipients.set(key, email);
            }
        }
        const subscribers = [...recipients.values()];
        for (const email of subscribers) {
            await this.#enqueue(integration.licence, {reason: 'subscription', email, event_id: eventIdOf(job), notification: data},
                `dm:${email.toLowerCase()}`, `dm:subscription:${eventIdOf(job)}:${email.toLowerCase()}`);
        }
    }

    async #enqueue(licence: string, payload: DirectMessagePayload, orderingKey: string, dedupeKey: string): Promise<void> {
        const job: NewJob = {
            licence, direction: 'outbound', kind: OUTBOUND_JOB_KINDS.direct_message, orderingKey,
            conversationId: payload.conversation_id ?? null, dedupeKey, payload,
        };
        if (await this.deps.outbox.enqueue(job) !== null) {
            this.deps.logger.info({licence, reason: payload.reason, conversation: payload.conversation_id}, 'direct message queued');
            this.deps.wakeWorker();
        }
    }

    // ---- delivering

    async #deliver(job: Job): Promise<void> {
        const payload = job.payload as DirectMessagePayload;
        const {sessions, ledger, logger} = this.deps;
        const session = await sessions.forJob(job.licence);
        const {port} = session;
        const user = await this.#recipient(job, port, payload.email);
        const botUserId = await session.botUserId();
        if (user.id === botUserId) {
            logger.info({licence: job.licence, job: job.id}, 'direct message to the bot itself skipped');
            return;
        }
        const message = await this.#message(job.licence, port, payload);
        const channel = await port.createDirectChannel([botUserId, user.id]);
        const key = `dm:${job.id}`;
        const ireserve: DirectMessageProps = {v: PROPS_VERSION, dm: payload.reason, dm_key: key, ...(payload.conversation_id ? {conversation_id: payload.conversation_id} : {})};
        const props = {[IRESERVE_PROPS_KEY]: ireserve};
        const postId = await ledger.post({session, job}, {
            key,
            channelId: channel.id,
            content: {message, props},
            matches: (post) => (post.props as Record<string, {dm_key?: unknown} | undefined> | undefined)?.[IRESERVE_PROPS_KEY]?.dm_key === key,
        });
        if (payload.conversation_id) {
            await this.deps.erasures?.notePost(job.licence, payload.conversation_id, postId, 'direct_message');
        }
        logger.info({licence: job.licence, job: job.id, reason: payload.reason, post: postId}, 'direct message sent');
    }

    /** The Mattermost user with this e-mail; PermanentFailure (no DM, reason recorded) when there is none. */
    async #recipient(job: Job, port: MattermostPort, email: string): Promise<UserProfile> {
        const known = await this.deps.directory.findByEmail(job.licence, email);
        let user: UserProfile;
        try {
            user = await port.getUserByEmail(email);
        } catch (error) {
            if (error instanceof UpstreamError && error.kind === 'not_found') {
                this.deps.logger.warn({licence: job.licence, job: job.id, in_directory: known !== undefined}, 'no Mattermost user has the direct message\'s e-mail; not sent');
                throw new PermanentFailure(`No direct message sent: no Mattermost user has the e-mail address ${email}${known ? ` (i-Reserve user ${known.ireserve_user_id})` : ''}. Use the agent's Mattermost e-mail address in i-Reserve or in the direct-message subscriptions, then retry.`, 'dm_unknown_recipient');
            }
            if (error instanceof UpstreamError && (error.kind === 'forbidden' || error.kind === 'not_a_member')) {
                throw new PermanentFailure('No direct message sent: Mattermost does not let the bot look users up by e-mail (Privacy settings hide e-mail addresses). Turn on "Show Email Address" in the System Console, or give the bot account the system admin role, then retry.', 'dm_email_hidden');
            }
            throw error;
        }
        if (user.delete_at > 0) {
            throw new PermanentFailure(`No direct message sent: the Mattermost account with the e-mail address ${email} (@${user.username}) is deactivated.`, 'dm_unknown_recipient');
        }
        return user;
    }

    /** `<server>/<team name>/pl/<root post id>` of the conversation's thread; undefined when it has none yet. */
    async #permalink(licence: string, port: MattermostPort, conversationId: string): Promise<{link?: string; visitor: string}> {
        const conversation = await this.deps.conversations.get(licence, conversationId);
        const visitorName = typeof conversation?.context.visitor_name === 'string' && conversation.context.visitor_name !== ''
            ? safeInline(conversation.context.visitor_name) : 'a visitor';
        if (!conversation?.rootPostId || !conversation.channelId) {
            return {visitor: visitorName};
        }
        const channel = await port.getChannel(conversation.channelId);
        let teamName = '_redirect';
        try {
            teamName = (await port.getMyTeams()).find((team) => team.id === channel.team_id)?.name ?? teamName;
        } catch (error) {
            if (error instanceof UpstreamError && error.retryable) {
                throw error;
            }
        }
        return {link: `${port.serverUrl}/${encodeURIComponent(teamName)}/pl/${conversation.rootPostId}`, visitor: visitorName};
    }

    async #message(licence: string, port: MattermostPort, payload: DirectMessagePayload): Promise<string> {
        if (payload.reason === 'subscription' && payload.notification) {
            const n = payload.notification;
            const lines = [`:bell: **${safeInline(n.title || n.notification_type)}**`, safeMessageText(n.text)];
            if (n.url) {
                lines.push(`[Open in i-Reserve](${n.url})`);
            }
            lines.push(`_You get this direct message because you subscribed to \`${safeInline(n.notification_type)}\` notifications._`);
            return lines.join('\n');
        }
        const {link, visitor} = await this.#permalink(licence, port, payload.conversation_id ?? '');
        const open = link ? `[Open the conversation](${link})` : '_The conversation\'s thread is not in Mattermost yet._';
        if (payload.reason === 'assignment') {
            return `:bust_in_silhouette: **A web chat with ${visitor} was assigned to you.**\n${open}`;
        }
        const text = payload.text?.trim() ? `\n${excerpt(payload.text)}` : ' (files)';
        return `:speech_balloon: **New message from ${visitor}** in a web chat assigned to you:${text}\n${open}`;
    }
}

function eventIdOf(job: Job): string {
    const id = (job.payload as {event_id?: unknown}).event_id;
    return typeof id === 'string' && id !== '' ? id : `job-${job.id}`;
}
