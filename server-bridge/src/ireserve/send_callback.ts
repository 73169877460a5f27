import {signedHeaders} from '../crypto/standard_webhooks.js';
import type {Integration} from '../domain/integration.js';
import {PermanentFailure} from '../outbox/retry_policy.js';
import type {Clock} from '../ports/clock.js';
import type {IReservePort} from '../ports/ireserve.js';

/** One callback to i-Reserve: its stable `webhook-id` and the JSON body (built only once the integration can send). */
export interface CallbackToSend {
    webhookId: string;
    body: () => string | Promise<string>;
}

/**
 * The one way a job sends a callback to i-Reserve (agents' replies, conversation actions): the
 * integration's callback URL and newest signing secret, Standard Webhooks headers over the exact
 * body, one POST through the i-Reserve port. Throws PermanentFailure `no_callback_url` or
 * `no_signing_secret` (parked with a plain reason) before the body is built, and the port's
 * UpstreamError as it comes (the retry policy decides).
 */
export async function sendCallback(deps: {ireserve: IReservePort; clock: Clock}, integration: Integration, callback: CallbackToSend): Promise<void> {
    if (!integration.callbackUrl) {
        throw new PermanentFailure('No i-Reserve callback URL is set for this integration. Set it in the settings, then retry the failed deliveries.', 'no_callback_url');
    }
    const secret = integration.signingSecrets[0];
    if (!secret) {
        throw new PermanentFailure('The integration has no signing secret.', 'no_signing_secret');
    }
    const body = await callback.body();
    // Signed when sent (a reply's attachments may take a while to fetch): i-Reserve checks the timestamp's age.
    const headers = signedHeaders(secret, callback.webhookId, Math.floor(deps.clock.now() / 1000), body);
    await deps.ireserve.deliver({url: integration.callbackUrl, body, headers});
}
