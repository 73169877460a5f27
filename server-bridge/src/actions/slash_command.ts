import type {Logger} from 'pino';

import type {BotSessions} from '../bot/session.js';
import type {NotificationType} from '../contract/index.js';
import {constantTimeEqual} from '../crypto/secret_box.js';
import {COMMAND_HELP, NOTIFY_SETTINGS, byWaiting, notifyLine, openLine, parseCommand, usage, type NotifySetting} from '../domain/actions/command.js';
import {stateOf} from '../domain/actions/rules.js';
import {UpstreamError} from '../domain/errors.js';
import type {Integration} from '../domain/integration.js';
import {safeInline} from '../domain/outbound/text_safety.js';
import type {Metrics} from '../observability/metrics.js';
import type {Clock} from '../ports/clock.js';
import type {AgentNotify, AgentNotifyRepository} from '../storage/agent_notify_repository.js';
import type {ConversationRecord, ConversationsRepository} from '../storage/conversations_repository.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';

import {ActionRefused, MATTERMOST_ID, type ConversationActions} from './service.js';

/** The form Mattermost POSTs for a custom slash command (server/channels/app/command.go). */
export interface CommandRequest {
    token: string;
    text: string;
    userId: string;
    channelId: string;
    teamDomain: string;
    /** The thread the command was typed in; '' outside a thread or from servers that do not send it. */
    rootId: string;
}

/** Mattermost shows `text` to the person who typed the command only (`response_type: ephemeral`). */
export interface CommandResponse {
    response_type: 'ephemeral';
    text: string;
}

const NOT_RECOGNISED = 'This /ireserve command is not set up on the bridge: its token is missing or not the one saved in System Console. Ask your Mattermost admin to copy the slash command\'s token into the i-Reserve settings.';

/**
 * `/ireserve` (DESIGN §10): finds the integration by the command's token (keyed hash, then a
 * constant-time compare), the conversation by thread or number, and hands actions to
 * ConversationActions (the same checks and callback as a card button). Every answer is ephemeral
 * plain language; bad input sends nothing and is counted in `ireserve_bridge_action_refusals_total{via="command"}`.
 */
export class SlashCommand {
    constructor(private readonly deps: {
        integrations: IntegrationsRepository;
        conversations: ConversationsRepository;
        agentNotify: AgentNotifyRepository;
        sessions: BotSessions;
        actions: ConversationActions;
        metrics: Metrics;
        logger: Logger;
        clock: Clock;
    }) {}

    /** `observer.badToken` is told when the token names no integration (the route bounds such callers). */
    async run(request: CommandRequest, observer?: {badToken(): void}): Promise<CommandResponse> {
        const integration = request.token === '' ? undefined : await this.deps.integrations.findBySlashCommandToken(request.token);
        if (!integration || integration.slashCommandToken === null || !constantTimeEqual(integration.slashCommandToken, request.token)) {
            observer?.badToken();
            return this.#refuse('bad_token', NOT_RECOGNISED);
        }
        if (!MATTERMOST_ID.test(request.userId) || !MATTERMOST_ID.test(request.channelId) || (request.rootId !== '' && !MATTERMOST_ID.test(request.rootId))) {
            return this.#refuse('invalid', 'The request from Mattermost is missing who typed the command or where.');
        }
        const parsed = parseCommand(request.text);
        switch (parsed.kind) {
        case 'help':
            return {response_type: 'ephemeral', text: COMMAND_HELP};
        case 'error':
            return this.#refuse(parsed.reason, parsed.text);
        case 'open':
            return this.#open(integration, request);
        case 'notify':
            return this.#notify(integration, request, parsed.change);
        case 'action':
            break;
        }
        let conversation: ConversationRecord | undefined;
        if (parsed.number !== undefined) {
            conversation = await this.deps.conversations.findByNumber(integration.licence, parsed.number);
            if (!conversation) {
                return this.#refuse('unknown_number', `There is no conversation #${parsed.number}.`);
            }
        } else if (request.rootId !== '') {
            conversation = await this.deps.conversations.findByRootPost(integration.licence, request.rootId);
            if (!conversation) {
                return this.#refuse('not_a_conversation', `This thread is not an i-Reserve conversation. ${usage(parsed.action)}`);
            }
        } else {
            return this.#refuse('missing_number', `Which conversation? ${usage(parsed.action)}`);
        }
        let assigneeUserId: string | undefined;
        if (parsed.username !== undefined) {
            try {
                assigneeUserId = (await this.deps.sessions.of(integration).port.getUserByUsername(parsed.username)).id;
            } catch (error) {
                if (error instanceof UpstreamError && error.kind === 'not_found') {
                    return this.#refuse('unknown_user', `There is no Mattermost user @${parsed.username}.`);
                }
                this.deps.logger.warn({err: error, licence: integration.licence}, 'could not look up a user for /ireserve assign');
                return this.#refuse('mattermost_unavailable', 'The bridge could not ask Mattermost just now. Try again in a moment.');
            }
        }
        try {
            const accepted = await this.deps.actions.request({
                integration, conversation, action: parsed.action, actorUserId: request.userId,
                ...(assigneeUserId === undefined ? {} : {assigneeUserId}), via: 'command',
            });
            return {response_type: 'ephemeral', text: accepted.text};
        } catch (error) {
            if (error instanceof ActionRefused) {
                return {response_type: 'ephemeral', text: error.text};
            }
            throw error;
        }
    }

    /**
     * `/ireserve notify`: shows, and with `change` sets, which direct messages the bot sends this
     * agent (by the agent's Mattermost e-mail, the key the DM decisions use); `default` follows the
     * integration's dm_settings again.
     */
    async #notify(integration: Integration, request: CommandRequest, change: {setting: NotifySetting; value: 'on' | 'off' | 'default'} | undefined): Promise<CommandResponse> {
        let email: string;
        try {
            email = ((await this.deps.sessions.of(integration).port.getUser(request.userId)).email ?? '').trim();
        } catch (error) {
            this.deps.logger.warn({err: error, licence: integration.licence}, 'could not look up the agent for /ireserve notify');
            return this.#refuse('mattermost_unavailable', 'The bridge could not ask Mattermost just now. Try again in a moment.');
        }
        if (email === '') {
            return this.#refuse('email_hidden', 'Personal notification settings follow your e-mail address, which Mattermost hides from the bot. Ask your admin to turn on "Show Email Address" or to give the bot the system admin role.');
        }
        let own = await this.deps.agentNotify.get(integration.licence, email);
        if (change) {
            own = withChange(own, change.setting, change.value);
            await this.deps.agentNotify.set(integration.licence, email, own);
        }
        const defaults = integration.dmSettings;
        const listed = (type: string) => (defaults.subscriptions[type as NotificationType] ?? []).some((entry) => entry.trim().toLowerCase() === email.toLowerCase());
        const lines = NOTIFY_SETTINGS.map((setting) => {
            const mine = setting === 'assignment' ? own.assignment : setting === 'messages' ? own.guest_messages : own.types?.[setting];
            const fallback = setting === 'assignment' ? defaults.on_assignment : setting === 'messages' ? defaults.on_guest_message : listed(setting);
            return notifyLine(setting, mine ?? fallback, mine !== undefined);
        });
        return {response_type: 'ephemeral', text: [
            change ? `Saved: \`${change.setting}\` ${change.value === 'default' ? 'follows the team default again' : `is ${change.value}`}.` : '**Your direct messages from the i-Reserve bot**',
            ...lines,
            'Change one with `/ireserve notify <what> on`, `off`, or `default` (the team\'s setting).',
        ].join('\n')};
    }

    /** The channel's open conversations, waiting ones first: number, guest, assignee, how long the guest waits, link to the thread. */
    async #open(integration: Integration, request: CommandRequest): Promise<CommandResponse> {
        const list = await this.deps.conversations.listOpenInChannel(integration.licence, request.channelId);
        if (list.length === 0) {
            return {response_type: 'ephemeral', text: 'No open i-Reserve conversations in this channel.'};
        }
        const base = integration.serverUrl.replace(/\/+$/, '');
        const team = encodeURIComponent(request.teamDomain);
        const now = this.deps.clock.now();
        const lines = [...list].sort(byWaiting).map((conversation) => {
            const state = stateOf(conversation.context, conversation.status);
            const visitor = typeof conversation.context.visitor_name === 'string' && conversation.context.visitor_name !== '' ? conversation.context.visitor_name : 'an unnamed visitor';
            return openLine({
                number: conversation.number,
                visitorName: safeInline(visitor, 80),
                assigneeName: state.assignee ? safeInline(state.assignee.name, 80) : null,
                waitingSinceMs: conversation.waitingSince,
                link: `${base}/${team}/pl/${conversation.rootPostId}`,
            }, now);
        });
        return {response_type: 'ephemeral', text: [`**Open conversations (${list.length})**`, ...lines].join('\n')};
    }

    #refuse(reason: string, text: string): CommandResponse {
        this.deps.metrics.actionRefusals.inc({via: 'command', reason});
        return {response_type: 'ephemeral', text};
    }
}

function withChange(own: AgentNotify, setting: NotifySetting, value: 'on' | 'off' | 'default'): AgentNotify {
    const next: AgentNotify = {...own, types: {...own.types}};
    const chosen = value === 'default' ? undefined : value === 'on';
    if (setting === 'assignment') {
        next.assignment = chosen;
    } else if (setting === 'messages') {
        next.guest_messages = chosen;
    } else if (chosen === undefined) {
        delete next.types![setting];
    } else {
        next.types![setting] = chosen;
    }
    return JSON.parse(JSON.stringify(next)) as AgentNotify;
}
