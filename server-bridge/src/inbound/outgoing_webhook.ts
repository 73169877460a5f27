import type {Logger} from 'pino';

import {constantTimeEqual} from '../crypto/secret_box.js';
import {isMattermostId} from '../domain/ids.js';
import {probeNonceIn} from '../domain/inbound/probe.js';
import {outgoingWebhookTokens, type Integration} from '../domain/integration.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';
import type {ProbesRepository} from '../storage/probes_repository.js';

import type {WebhookCatchUp} from './catch_up.js';
import type {InboundRelay} from './relay.js';

/**
 * Mattermost's outgoing-webhook calls, independent of HTTP. The call's `token` names the
 * integration (found by keyed hash, then compared in constant time): the integration's own token,
 * or the token saved with one of its routes (an outgoing webhook per conversation channel); the call is then handed to
 * the inbound relay, or ignored when the integration is switched off.
 */

/** The fields of one call, as strings ('' when absent or not a string). */
export interface OutgoingWebhookCall {
    token: string;
    postId: string;
    userId: string;
    channelId: string;
    /** For the warning about a refused call only (Mattermost sends the channel's name and team). */
    channelName: string;
    teamDomain: string;
    /** The post's text: it carries the inbound self-test's probe nonce (domain/inbound/probe.ts). */
    text?: string;
}

export type WebhookRefusal = 'missing_token' | 'unknown_token';

/** The call carries no token, or one no integration holds. Says nothing about which. → 401. */
export class WebhookRefused extends Error {
    override name = 'WebhookRefused';
    constructor(readonly reason: WebhookRefusal) {
        super('The outgoing-webhook token is missing or not recognised.');
    }
}

/** An authenticated call with a field the bridge cannot use. → 400. */
export class InvalidWebhookCall extends Error {
    override name = 'InvalidWebhookCall';
    constructor(readonly field: string, message: string) {
        super(message);
    }
}

/** Shown in the status of the integration whose channel a call with an unknown token came from. */
export const UNKNOWN_TOKEN_STATUS = 'Mattermost\'s outgoing webhook is sending a token that matches no integration. Copy the token of the outgoing webhook (Integrations → Outgoing Webhooks) into this integration\'s settings (outgoing-webhook token). Meanwhile replies reach i-Reserve only through the bridge\'s catch-up, which reads the channel back periodically, so they arrive late.';

export interface OutgoingWebhookDeps {
    integrations: Pick<IntegrationsRepository, 'findByOutgoingWebhookToken' | 'findByChannel' | 'recordError'>;
    relay: Pick<InboundRelay, 'acceptWebhook'>;
    logger: Logger;
    /** The self-test's waiting probes; a call for one is recorded and not relayed. */
    probes?: Pick<ProbesRepository, 'sighted'>;
    /**
     * The webhook catch-up: a call waits while its licence is being caught up (so it does not
     * overtake older replies), and a refused call asks for a catch-up of the licences it was for.
     */
    catchUp?: Pick<WebhookCatchUp, 'settled' | 'request'>;
}

/** Printable, short: for a log line about a call nobody authenticated. */
function printable(value: string): string {
    // eslint-disable-next-line no-control-regex
    return value.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 64);
}

export class OutgoingWebhookService {
    constructor(private readonly deps: OutgoingWebhookDeps) {}

    /**
     * Authenticates, then relays. Throws WebhookRefused before looking at any other field (a
     * refused call is logged as a warning naming its channel, never the token, and an unknown
     * token is shown in the status of the integration that channel belongs to), InvalidWebhookCall
     * for an authenticated call whose ids are not Mattermost ids; otherwise throws only on
     * database trouble (the relay never loses a post to upstream trouble).
     */
    async receive(call: OutgoingWebhookCall): Promise<{relayed: boolean}> {
        const nonce = this.deps.probes ? probeNonceIn(call.text ?? '') : null;
        let integration: Integration;
        try {
            integration = await this.#authenticate(call);
        } catch (error) {
            if (nonce !== null && error instanceof WebhookRefused && error.reason === 'unknown_token') {
                // The self-test's probe came back with a token no integration holds: say so to the test.
                await this.deps.probes!.sighted(nonce, null);
            }
            throw error;
        }
        if (nonce !== null && await this.deps.probes!.sighted(nonce, integration.licence)) {
            return {relayed: false};
        }
        if (call.postId === '') {
            throw new InvalidWebhookCall('post_id', 'is required');
        }
        // Every id goes into a Mattermost URL path or a comparison: 26 lowercase letters and digits.
        for (const [field, value] of [['post_id', call.postId], ['user_id', call.userId], ['channel_id', call.channelId]] as const) {
            if (value !== '' && !isMattermostId(value)) {
                throw new InvalidWebhookCall(field, 'must be a Mattermost id (26 lowercase letters and digits)');
            }
        }
        if (!integration.active) {
            this.deps.logger.info({licence: integration.licence}, 'outgoing webhook for an inactive integration ignored');
            return {relayed: false};
        }
        await this.deps.catchUp?.settled(integration.licence);
        try {
            await this.deps.relay.acceptWebhook(integration, {postId: call.postId, userId: call.userId, channelId: call.channelId});
        } catch (error) {
            // Database trouble: Mattermost will not call again, so the catch-up looks for the post.
            this.deps.catchUp?.request(integration.licence);
            throw error;
        }
        return {relayed: true};
    }

    async #authenticate(call: OutgoingWebhookCall): Promise<Integration> {
        const integration = call.token === '' ? undefined : await this.deps.integrations.findByOutgoingWebhookToken(call.token);
        // Any of its tokens: the main one or a route's (one outgoing webhook per conversation channel).
        if (integration && outgoingWebhookTokens(integration).some((token) => constantTimeEqual(token, call.token))) {
            return integration;
        }
        const reason: WebhookRefusal = call.token === '' ? 'missing_token' : 'unknown_token';
        const owners = reason === 'unknown_token' && isMattermostId(call.channelId) ? await this.deps.integrations.findByChannel(call.channelId) : [];
        this.deps.logger.warn({
            reason,
            channel_id: printable(call.channelId),
            channel_name: printable(call.channelName),
            team: printable(call.teamDomain),
            licences: owners.map((owner) => owner.licence),
        }, reason === 'missing_token' ? 'outgoing webhook call without a token refused' : 'outgoing webhook call with a token that matches no integration refused; its reply is left to the catch-up');
        for (const owner of owners) {
            await this.deps.integrations.recordError(owner.licence, UNKNOWN_TOKEN_STATUS);
            if (owner.active && owner.inboundMode === 'outgoing_webhook') {
                // The reply in that channel is not lost: the catch-up reads it back over REST.
                this.deps.catchUp?.request(owner.licence);
            }
        }
        throw new WebhookRefused(reason);
    }
}
