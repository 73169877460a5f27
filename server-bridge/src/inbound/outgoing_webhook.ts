import type {Logger} from 'pino';

import {constantTimeEqual} from '../crypto/secret_box.js';
import type {Integration} from '../domain/integration.js';
import type {IntegrationsRepository} from '../storage/integrations_repository.js';

import type {InboundRelay} from './relay.js';

/**
 * Mattermost's outgoing-webhook calls, independent of HTTP. The call's `token` names the
 * integration (found by keyed hash, then compared in constant time); the call is then handed to
 * the inbound relay, or ignored when the integration is switched off.
 */

/** The fields of one call, as strings ('' when absent or not a string). */
export interface OutgoingWebhookCall {
    token: string;
    postId: string;
    userId: string;
    channelId: string;
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

export interface OutgoingWebhookDeps {
    integrations: Pick<IntegrationsRepository, 'findByOutgoingWebhookToken'>;
    relay: Pick<InboundRelay, 'acceptWebhook'>;
    logger: Logger;
}

export class OutgoingWebhookService {
    constructor(private readonly deps: OutgoingWebhookDeps) {}

    /**
     * Authenticates, then relays. Throws WebhookRefused before looking at any other field,
     * InvalidWebhookCall for an authenticated call that names no post; otherwise throws only on
     * database trouble (the relay never loses a post to upstream trouble).
     */
    async receive(call: OutgoingWebhookCall): Promise<{relayed: boolean}> {
        const integration = await this.#authenticate(call.token);
        if (call.postId === '') {
            throw new InvalidWebhookCall('post_id', 'is required');
        }
        if (!integration.active) {
            this.deps.logger.info({licence: integration.licence}, 'outgoing webhook for an inactive integration ignored');
            return {relayed: false};
        }
        await this.deps.relay.acceptWebhook(integration, {postId: call.postId, userId: call.userId, channelId: call.channelId});
        return {relayed: true};
    }

    async #authenticate(token: string): Promise<Integration> {
        if (token === '') {
            throw new WebhookRefused('missing_token');
        }
        const integration = await this.deps.integrations.findByOutgoingWebhookToken(token);
        if (!integration || integration.outgoingWebhookToken === null || !constantTimeEqual(integration.outgoingWebhookToken, token)) {
            throw new WebhookRefused('unknown_token');
        }
        return integration;
    }
}
