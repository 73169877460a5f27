import {randomBytes} from 'node:crypto';
import {lookup} from 'node:dns/promises';

import type {InboundChannelResult, InboundTestResult} from '../contract/admin_api.js';
import {UpstreamError} from '../domain/errors.js';
import {
    isInternalHost, newProbeNonce, probeMessage, silenceMessage, type ProbeSighting,
} from '../domain/inbound/probe.js';
import {conversationChannels, outgoingWebhookTokens, type ConversationChannel, type Integration} from '../domain/integration.js';
import type {MattermostPort} from '../ports/mattermost.js';
import type {ProbesRepository} from '../storage/probes_repository.js';

/**
 * The inbound half of the Test button.
 * - Webhook mode: the bot posts a probe in every conversation channel (the default one and each
 *   route's) and waits (`waitMs`, 5 s) for
 *   Mattermost's outgoing webhook to bring it back (see domain/inbound/probe.ts); the call's token
 *   says whether the hook is right; silence gets the likely causes, the address one first when the
 *   bridge's public address is loopback or private. The probe is deleted afterwards.
 * - WebSocket mode: the listener's state (connected and authenticated, or why not).
 * - Dry run: only what can be read without posting (token saved, channel public, socket state).
 * Never throws on Mattermost failures: they become the answer. The answer's shape is the
 * contract's InboundTestResult.
 */
export type {InboundTestResult} from '../contract/index.js';

export interface SocketStatus {
    state: 'connecting' | 'connected' | 'disconnected' | 'stopped' | 'standby';
    lastError: string | null;
}

export interface InboundTestDeps {
    probes: Pick<ProbesRepository, 'open' | 'sighting' | 'close'>;
    /** The URL Mattermost's outgoing webhook must call (BRIDGE_PUBLIC_URL + route). */
    webhookUrl: string;
    socketStatus(licence: string): SocketStatus | undefined;
    waitMs?: number;
    pollMs?: number;
    /** Resolves a host name to its addresses (default: DNS). */
    resolve?(host: string): Promise<string[]>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const resolveByDns = async (name: string): Promise<string[]> => (await lookup(name, {all: true})).map((entry) => entry.address);

/** Whether `host` is, or resolves (`resolve`, default DNS) to, a loopback or private address: what Mattermost calls "untrusted internal". */
export async function internalAddress(host: string, resolve: (host: string) => Promise<string[]> = resolveByDns): Promise<boolean> {
    if (isInternalHost(host)) {
        return true;
    }
    try {
        return (await resolve(host)).some((address) => isInternalHost(address));
    } catch {
        return false;
    }
}

function socketResult(integration: Integration, status: SocketStatus | undefined, dryRun: boolean): InboundTestResult {
    const base = {mode: 'websocket' as const, dry_run: dryRun};
    if (!status) {
        return {...base, ok: false, cause: 'socket_not_started', message: 'The bridge has no WebSocket listener for this integration yet (it starts within seconds of saving). Press Test again; if this stays, check the bridge\'s log.'};
    }
    switch (status.state) {
    case 'connected':
        return {...base, ok: true, message: 'The bridge\'s WebSocket to Mattermost is connected and authenticated as the bot: agents\' replies arrive as they are posted.'};
    case 'standby':
        return {...base, ok: true, message: 'Another bridge process holds the WebSocket for this integration (this one stands by and takes over if it stops).'};
    case 'connecting':
        return {...base, ok: false, cause: 'socket_connecting', message: `The bridge's WebSocket to Mattermost is connecting${status.lastError ? ` (last problem: ${status.lastError})` : ''}. Press Test again in a few seconds.`};
    default:
        return {...base, ok: false, cause: 'socket_disconnected', message: `The bridge's WebSocket to Mattermost at ${integration.serverUrl} is not connected${status.lastError ? `: ${status.lastError}` : ''}. Check the server URL, the bot's token or login, and that the bridge can open connections to Mattermost.`};
    }
}

function sightingResult(sighting: ProbeSighting, dryRun: boolean, channel?: ConversationChannel): InboundTestResult {
    const base = {mode: 'outgoing_webhook' as const, dry_run: dryRun};
    if (sighting === 'ok' && channel?.purpose.startsWith('route:')) {
        return {...base, ok: true, message: `The probe came back through the outgoing webhook of ${channelLabel(channel)} with this integration's token: agents' replies there reach the bridge.`};
    }
    switch (sighting) {
    case 'ok':
        return {...base, ok: true, message: 'The probe came back through Mattermost\'s outgoing webhook with this integration\'s token: agents\' replies reach the bridge.'};
    case 'unknown_token':
        return {...base, ok: false, cause: 'unknown_token', message: 'Mattermost\'s outgoing webhook is calling the bridge, but with a token that matches no integration: the token saved here is not the hook\'s. Copy the token shown for the outgoing webhook (Integrations → Outgoing Webhooks) into the Outgoing-webhook token setting and save.'};
    case 'other_integration':
        return {...base, ok: false, cause: 'other_integration', message: 'The outgoing webhook on this channel calls the bridge with the token saved for another integration. Save this hook\'s own token here (each integration needs its own outgoing webhook).'};
    }
}

/** How a channel is named in the messages: the default conversation channel, or route N's. */
function channelLabel(channel: ConversationChannel): string {
    return channel.purpose.startsWith('route:') ? `the channel of route ${Number(channel.purpose.slice('route:'.length)) + 1}` : 'the conversation channel';
}

interface ProbeContext {
    integration: Integration;
    port: MattermostPort;
    deps: InboundTestDeps;
    dryRun: boolean;
    /** The bridge's webhook address is loopback or private. */
    internal: boolean;
    host: string;
}

/** The inbound check of one conversation channel: its type, a token for it, and (not a dry run) a probe. */
async function probeChannel(context: ProbeContext, channel: ConversationChannel, tokenSaved: boolean): Promise<InboundChannelResult> {
    const {integration, port, deps, dryRun, internal, host} = context;
    const base = {channel_id: channel.channelId, purpose: channel.purpose};
    const where = channelLabel(channel);
    const Where = where.charAt(0).toUpperCase() + where.slice(1);
    if (!tokenSaved) {
        return {...base, ok: false, cause: 'no_webhook_token', message: `No outgoing-webhook token is saved for ${where}. Create an outgoing webhook on that channel (Integrations → Outgoing Webhooks: callback URL ${deps.webhookUrl}, no trigger words) and save its token with the route.`};
    }
    let channelType: string;
    try {
        channelType = (await port.getChannel(channel.channelId)).type;
    } catch (error) {
        if (!(error instanceof UpstreamError)) {
            throw error;
        }
        return {...base, ok: false, cause: 'probe_not_posted', message: `The inbound test needs ${where}, which the bot cannot read (see the channel's result above).`};
    }
    if (channelType !== 'O') {
        return {...base, ok: false, cause: 'private_channel', message: `${Where} is private, and Mattermost's outgoing webhooks fire only in public channels: switch the inbound mode to WebSocket (or use a public channel).`};
    }
    if (dryRun) {
        return internal
            ? {...base, ok: true, cause: 'untrusted_address', message: `Dry run (nothing posted): a token is saved and ${where} is public. Note: the bridge's address ${host} is a loopback or private address — Mattermost calls it only when it is listed in ServiceSettings.AllowedUntrustedInternalConnections. Run the full test to see a reply come back.`}
            : {...base, ok: true, message: `Dry run (nothing posted): a token is saved and ${where} is public. Run the full test to see a reply come back through the outgoing webhook.`};
    }

    const nonce = newProbeNonce(randomBytes);
    await deps.probes.open(integration.licence, nonce);
    let probeId: string | undefined;
    try {
        try {
            probeId = (await port.createPost({channel_id: channel.channelId, message: probeMessage(nonce), props: {ireserve_probe: true}})).id;
        } catch (error) {
            if (!(error instanceof UpstreamError)) {
                throw error;
            }
            return {...base, ok: false, cause: 'probe_not_posted', message: `The bot could not post the probe in ${where} (${error.message}); see the channel's result above.`};
        }
        const waitMs = deps.waitMs ?? 5000;
        const started = Date.now();
        for (;;) {
            const sighting = await deps.probes.sighting(integration.licence, nonce);
            if (sighting !== null) {
                const {ok, cause, message} = sightingResult(sighting, false, channel);
                return {...base, ok, ...(cause ? {cause} : {}), message};
            }
            if (Date.now() - started >= waitMs) {
                return {...base, ok: false, ...silenceMessage({webhookUrl: deps.webhookUrl, internal, waitedMs: waitMs})};
            }
            await sleep(deps.pollMs ?? 100);
        }
    } finally {
        await deps.probes.close(integration.licence, nonce).catch(() => undefined);
        if (probeId !== undefined) {
            // Best effort: the bot deletes its own post (channel members may).
            await port.deletePost(probeId).catch(() => undefined);
        }
    }
}

/**
 * Webhook mode probes every conversation channel (the default one and each route's, at once);
 * with one channel the answer is that channel's, with several `channels` lists each and the
 * summary names the first that failed.
 */
export async function runInboundTest(integration: Integration, port: MattermostPort, deps: InboundTestDeps, dryRun: boolean): Promise<InboundTestResult> {
    if (!integration.active) {
        return {mode: integration.inboundMode, ok: false, dry_run: dryRun, cause: 'inactive', message: 'The integration is not active: the bridge ignores agents\' replies. Switch it on, then test again.'};
    }
    if (integration.inboundMode === 'websocket') {
        return socketResult(integration, deps.socketStatus(integration.licence), dryRun);
    }
    const base = {mode: 'outgoing_webhook' as const, dry_run: dryRun};
    if (outgoingWebhookTokens(integration).length === 0) {
        return {...base, ok: false, cause: 'no_webhook_token', message: `No outgoing-webhook token is saved. Create an outgoing webhook on the conversation channel (Integrations → Outgoing Webhooks: callback URL ${deps.webhookUrl}, no trigger words) and save its token here.`};
    }
    const host = new URL(deps.webhookUrl).hostname;
    const internal = await internalAddress(host, deps.resolve);
    const context: ProbeContext = {integration, port, deps, dryRun, internal, host};
    const channels = conversationChannels(integration);
    // The default channel's hook is the integration's own token; a route channel's, a token saved with a route to it.
    const tokenFor = (channel: ConversationChannel) => (channel.channelId === integration.channelId && integration.outgoingWebhookToken !== null)
        || integration.routes.some((route) => route.channelId === channel.channelId && route.outgoingWebhookToken !== null);
    const results = await Promise.all(channels.map((channel) => probeChannel(context, channel, tokenFor(channel))));
    const failed = results.find((result) => !result.ok);
    const lead = failed ?? results[0]!;
    const summary = {...base, ok: failed === undefined, ...(lead.cause ? {cause: lead.cause} : {}), message: lead.message};
    return channels.length === 1 ? summary : {...summary, channels: results};
}
