import axios, {AxiosError} from 'axios';

import {kindForStatus, retryAfterMs, UpstreamError} from '../domain/errors.js';
import type {IncomingWebhookPort, IncomingWebhookPost} from '../ports/incoming_webhook.js';
import {egressRefusal, type EgressPolicy} from '../support/egress.js';

/**
 * Posts a notification through a Mattermost incoming webhook (a notification channel mapped to an
 * `http(s)://…/hooks/<id>` URL instead of a channel id). The one request funnel for such targets:
 * every failure becomes an UpstreamError (upstream `webhook`) from the real status.
 *
 * Incoming webhooks have no `pending_post_id` and the bot cannot read the hook's channel, so these
 * posts are at-least-once (a crash right after Mattermost answered may post the notification again);
 * channel-id targets are exactly-once as users see it.
 */
export class MattermostIncomingWebhooks implements IncomingWebhookPort {
    /** `egress`: the internal-address rules (the composition root always passes them). */
    constructor(private readonly options: {timeoutMs: number; egress?: EgressPolicy}) {}

    post(url: string, post: IncomingWebhookPost, options: {timeoutMs?: number} = {}): Promise<void> {
        return postToIncomingWebhook(url, post, options.timeoutMs ?? this.options.timeoutMs, this.options.egress);
    }
}

/** Never follows a redirect; `egress`: the internal-address rules. */
async function postToIncomingWebhook(url: string, post: IncomingWebhookPost, timeoutMs: number, egress?: EgressPolicy): Promise<void> {
    const target = new URL(url);
    try {
        await axios.post(target.toString(), post, {
            timeout: timeoutMs,
            ...(egress ? {httpAgent: egress.httpAgent, httpsAgent: egress.httpsAgent} : {}),
            maxContentLength: 64 * 1024,
            headers: {'Content-Type': 'application/json', 'User-Agent': 'ireserve-bridge'},
            maxRedirects: 0,
            responseType: 'text',
            transitional: {clarifyTimeoutError: true},
        });
    } catch (error) {
        if (error instanceof AxiosError && error.response) {
            const {status, data, headers} = error.response;
            let errorId: string | undefined;
            let message = `HTTP ${status}`;
            try {
                const body = JSON.parse(String(data)) as {id?: unknown; message?: unknown};
                errorId = typeof body.id === 'string' ? body.id : undefined;
                message = typeof body.message === 'string' && body.message !== '' ? body.message : message;
            } catch {
                // Not Mattermost's own error: summarised by its status, never echoed (DESIGN §14).
            }
            // Mattermost answers an unknown hook id with 400 and wraps the inner id
            // (web.incoming_webhook.invalid.app_error) in web.incoming_webhook.general.app_error.
            // The bridge always sends valid JSON with text, so a 400 from a hook means the hook is gone.
            const kind = status === 400 && (errorId === 'web.incoming_webhook.invalid.app_error' || errorId === 'web.incoming_webhook.general.app_error')
                ? 'not_found' : kindForStatus(status, errorId);
            throw new UpstreamError('webhook', kind, message, {
                status,
                errorId,
                retryAfterMs: retryAfterMs(headerValue(headers['retry-after']), headerValue(headers['x-ratelimit-reset'])),
            });
        }
        const refused = egressRefusal(error);
        if (refused) {
            throw new UpstreamError('webhook', 'address_refused', refused.message);
        }
        const cause = error instanceof AxiosError ? error.code ?? error.message : (error as Error).message;
        throw new UpstreamError('webhook', 'unreachable', `the incoming webhook could not be reached (${cause})`);
    }
}

function headerValue(value: unknown): string | undefined {
    return typeof value === 'string' ? value : undefined;
}
