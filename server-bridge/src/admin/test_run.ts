import type {Channel} from '@mattermost/types/channels';
import type {Team} from '@mattermost/types/teams';

import {NOTIFICATION_TYPES, isIncomingWebhookTarget, type AuthMode, type TestErrorCode, type TestResult} from '../contract/index.js';
import {UpstreamError, type FailureKind} from '../domain/errors.js';
import type {Integration} from '../domain/integration.js';
import type {IncomingWebhookPort} from '../ports/incoming_webhook.js';
import type {MattermostPort} from '../ports/mattermost.js';

import {channelAccessAdvice} from './channel_access.js';

/**
 * The Test button: posts a sample message to the mirror channel, to every route's channel and to
 * every mapped notification target (a channel, or an incoming-webhook URL), and says per target whether it worked, and if
 * not, what to do. Nothing is retried and nothing is recorded: it only reports.
 */

interface Target {
    purpose: string;
    value: string;
}

function targetsOf(integration: Integration): Target[] {
    // The default conversation channel, then every route's (a channel several routes share is posted to once).
    const targets: Target[] = [{purpose: 'mirror', value: integration.channelId}];
    integration.routes.forEach((route, index) => targets.push({purpose: `route:${index}`, value: route.channelId}));
    for (const type of NOTIFICATION_TYPES) {
        const value = integration.notificationChannels[type]?.trim() ?? '';
        if (value !== '') {
            targets.push({purpose: `notification:${type}`, value});
        }
    }
    return targets;
}

function sampleText(licence: string, purpose: string): string {
    if (purpose.startsWith('route:')) {
        return `:white_check_mark: Test message from the i-Reserve bridge (licence ${licence}): web-chat conversations matching route ${Number(purpose.slice('route:'.length)) + 1} will be mirrored here.`;
    }
    return purpose === 'mirror'
        ? `:white_check_mark: Test message from the i-Reserve bridge (licence ${licence}): web-chat conversations will be mirrored here.`
        : `:bell: Test notification from the i-Reserve bridge (licence ${licence}): \`${purpose.slice('notification:'.length)}\` notifications will be posted here.`;
}

function errorFor(kind: FailureKind): TestErrorCode {
    switch (kind) {
    case 'token_rejected':
    case 'login_rejected':
        return 'token_rejected';
    case 'not_a_member':
    case 'forbidden':
        return 'not_a_member';
    case 'not_found':
        return 'channel_not_found';
    case 'unreachable':
    case 'server_error':
    case 'rate_limited':
        return 'unreachable';
    default:
        return 'rejected';
    }
}

/** The Test waits less for an incoming webhook than deliveries do: an admin is watching. */
const TEST_TIMEOUT_MS = 15_000;

interface Context {
    port: MattermostPort;
    incomingWebhooks: IncomingWebhookPort;
    /** How the bridge signs in (the messages name a token or a login). */
    authMode?: AuthMode;
    licence: string;
    botUsername: string;
    botUserId: string | null;
    teams: Map<string, Team>;
    /** Whether `teams` is the bot's real team list (false when Mattermost did not show it). */
    teamsKnown: boolean;
    /** Dry run: nothing is posted. */
    dryRun: boolean;
    /** Dry run: the channels the bot is a member of (membership is checked instead of posting). */
    memberOf?: Set<string>;
}

function channelMessage(error: TestErrorCode, context: Context, channelId: string, channel: Channel | undefined, detail: string): string {
    const where = channel ? `~${channel.name}` : `channel ${channelId}`;
    const bot = context.botUsername ? `@${context.botUsername}` : 'the bot';
    switch (error) {
    case 'not_a_member':
        return `The bot ${bot} is not a member of ${where} (Mattermost answered 403). In Mattermost, open ${where} and add the bot (type /invite ${bot} in the channel), then press Test again.`;
    case 'not_on_team':
    case 'not_visible':
        return channelAccessAdvice({username: context.botUsername, userId: context.botUserId}, where,
            context.teamsKnown ? [...context.teams.values()] : null).message;
    case 'channel_not_found':
        return `Channel ${channelId} does not exist on the Mattermost server (it was deleted, or the id is wrong). Pick another channel in the settings.`;
    case 'token_rejected':
        return context.authMode === 'login'
            ? 'Login rejected: Mattermost refused the e-mail (or username) and password the bridge signs in with (wrong or changed password, or the account is deactivated or locked). Fix the login in the settings.'
            : 'Mattermost rejected the bot token (401: wrong, revoked or expired). Create a new access token for the bot (System Console → Integrations → Bot Accounts) and save it in the settings.';
    case 'unreachable':
        return `The bridge could not reach Mattermost at ${context.port.serverUrl} (${detail}). Check the server URL and the network between the bridge and Mattermost, then press Test again.`;
    case 'rejected':
        return `Mattermost refused the test message in ${where} (${detail}).`;
    }
}

function permalink(context: Context, channel: Channel, postId: string): string {
    const team = context.teams.get(channel.team_id)?.name ?? '_redirect';
    return `${context.port.serverUrl}/${encodeURIComponent(team)}/pl/${postId}`;
}

function detailOf(error: UpstreamError): string {
    return error.status ? `HTTP ${error.status}: ${error.message}` : error.message;
}

async function testChannel(context: Context, target: Target): Promise<TestResult> {
    const base = {channel_id: target.value, purpose: target.purpose, target: 'channel' as const};
    let channel: Channel | undefined;
    try {
        // Looked up first: posting to an unknown channel answers 403, like a channel without the bot.
        channel = await context.port.getChannel(target.value);
        if (context.memberOf) {
            if (!context.memberOf.has(channel.id)) {
                throw new UpstreamError('mattermost', 'not_a_member', 'the bot is not a member of the channel');
            }
            return {...base, ok: true, dry_run: true, message: `Dry run (nothing posted): the bot can see ~${channel.name} and is a member, so it may post there.`, channel_name: channel.name};
        }
        const post = await context.port.createPost({
            channel_id: target.value,
            message: sampleText(context.licence, target.purpose),
            props: {ireserve_test: true},
        });
        return {
            ...base,
            ok: true,
            message: `Posted a test message to ~${channel.name}.`,
            permalink: permalink(context, channel, post.id),
            channel_name: channel.name,
        };
    } catch (error) {
        if (!(error instanceof UpstreamError)) {
            throw error;
        }
        const code = errorFor(error.kind);
        if (code === 'not_a_member' && !channel) {
            // Refused before the post: the bot cannot even see the channel (see channel_access.ts).
            const advice = channelAccessAdvice({username: context.botUsername, userId: context.botUserId}, `channel ${target.value}`,
                context.teamsKnown ? [...context.teams.values()] : null);
            return {...base, ok: false, error: advice.code, message: `${advice.message} Then press Test again.`};
        }
        return {
            ...base,
            ok: false,
            error: code,
            message: channelMessage(code, context, target.value, channel, detailOf(error)),
            ...(channel ? {channel_name: channel.name} : {}),
        };
    }
}

async function testIncomingWebhook(context: Context, target: Target): Promise<TestResult> {
    const base = {channel_id: target.value, purpose: target.purpose, target: 'incoming_webhook' as const};
    if (context.dryRun) {
        return {...base, ok: true, dry_run: true, skipped: true, message: 'Not checked in a dry run: an incoming webhook can only be tested by posting through it.'};
    }
    try {
        // The same funnel the notifications themselves go through, so the Test judges them alike.
        await context.incomingWebhooks.post(target.value, {text: sampleText(context.licence, target.purpose)}, {timeoutMs: TEST_TIMEOUT_MS});
        return {...base, ok: true, message: 'Posted a test message through the incoming webhook.'};
    } catch (error) {
        const kind: FailureKind | 'other' = error instanceof UpstreamError ? error.kind : 'other';
        const status = error instanceof UpstreamError && error.status !== undefined ? ` (HTTP ${error.status})` : '';
        if (kind === 'not_found' || kind === 'invalid') {
            return {...base, ok: false, error: 'channel_not_found', message: `The incoming webhook was refused${status}: it does not exist or was deleted. Create an incoming webhook in Mattermost (Integrations → Incoming Webhooks) and paste its URL in the settings.`};
        }
        if (kind === 'address_refused') {
            return {...base, ok: false, error: 'rejected', message: `The bridge did not connect to the incoming webhook: ${(error as Error).message}.`};
        }
        if (kind === 'unreachable') {
            return {...base, ok: false, error: 'unreachable', message: `The bridge could not reach the incoming webhook (${(error as Error).message}). Check the URL and the network between the bridge and Mattermost.`};
        }
        if (kind === 'server_error' || kind === 'rate_limited') {
            return {...base, ok: false, error: 'unreachable', message: `The incoming webhook answered${status}; Mattermost may be down or busy. Press Test again later.`};
        }
        return {...base, ok: false, error: 'rejected', message: `The incoming webhook refused the test message${status}. Check the webhook in Mattermost (Integrations → Incoming Webhooks).`};
    }
}

/** Runs the Test for an integration with its saved settings. Never throws on Mattermost failures. */
export async function runTest(integration: Integration, port: MattermostPort, incomingWebhooks: IncomingWebhookPort, options: {dryRun?: boolean} = {}): Promise<TestResult[]> {
    const targets = targetsOf(integration);
    const context: Context = {port, incomingWebhooks, licence: integration.licence, authMode: integration.auth.mode, botUsername: '', botUserId: integration.botUserId, teams: new Map(), teamsKnown: false, dryRun: options.dryRun === true};
    const channelTargets = targets.filter((target) => !isIncomingWebhookTarget(target.value));
    if (channelTargets.length > 0) {
        try {
            const me = await port.getMe();
            context.botUsername = me.username;
            context.botUserId = me.id;
        } catch (error) {
            if (!(error instanceof UpstreamError)) {
                throw error;
            }
            const code = errorFor(error.kind);
            // No point trying each channel when the bot itself is refused or the server is down.
            if (code === 'token_rejected' || code === 'unreachable') {
                const failed = new Map(channelTargets.map((target) => [target, {
                    channel_id: target.value, purpose: target.purpose, target: 'channel' as const, ok: false, error: code,
                    message: channelMessage(code, context, target.value, undefined, detailOf(error)),
                }]));
                const results: TestResult[] = [];
                for (const target of targets) {
                    results.push(failed.get(target) ?? await testIncomingWebhook(context, target));
                }
                return results;
            }
        }
        try {
            context.teams = new Map((await port.getMyTeams()).map((team) => [team.id, team]));
            context.teamsKnown = true;
        } catch {
            // The permalinks' team names fall back to /_redirect/pl/<id>; a channel the bot cannot see gets both fixes.
        }
    }
    if (options.dryRun) {
        context.memberOf = new Set();
        try {
            context.memberOf = new Set((await port.getMyChannels()).map((channel) => channel.id));
        } catch {
            // Each channel then reports "not a member" with the fix; getChannel still tells the rest.
        }
    }
    const results: TestResult[] = [];
    // A conversation channel named again (a route to the default channel, two routes sharing one)
    // is tested once: the later settings get the same result under their own purpose.
    const conversationResults = new Map<string, TestResult>();
    for (const target of targets) {
        const conversation = target.purpose === 'mirror' || target.purpose.startsWith('route:');
        const earlier = conversation ? conversationResults.get(target.value) : undefined;
        if (earlier) {
            results.push({...earlier, purpose: target.purpose});
            continue;
        }
        const result = isIncomingWebhookTarget(target.value) ? await testIncomingWebhook(context, target) : await testChannel(context, target);
        if (conversation) {
            conversationResults.set(target.value, result);
        }
        results.push(result);
    }
    return results;
}
