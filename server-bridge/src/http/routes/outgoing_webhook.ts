import type {FastifyPluginAsync} from 'fastify';

import {InvalidWebhookCall, WebhookRefused, type OutgoingWebhookService} from '../../inbound/outgoing_webhook.js';
import {HttpProblem} from '../problem.js';
import {RefusalBudget} from '../refusal_budget.js';

/**
 * `POST /api/v1/mattermost/outgoing-webhook` — Mattermost's outgoing webhook, form-encoded or JSON.
 * Parses the call's fields and hands them to the OutgoingWebhookService. A missing or unknown token
 * answers 401 with the same words either way; known calls answer `200 {}`, which makes Mattermost
 * post nothing back, whatever became of the post.
 *
 * The token is in the body, so the body is read before the caller is known: it is limited to
 * WEBHOOK_BODY_LIMIT, and a caller (address) refused REFUSALS_PER_MINUTE times in a minute is
 * answered 429 before its body is read, until the minute has passed.
 */

/** A post at Mattermost's largest (16383 characters), form-encoded, with the other fields. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;
export const REFUSALS_PER_MINUTE = 20;

function text(value: unknown): string {
    return typeof value === 'string' ? value : '';
}

export function outgoingWebhookRoutes(deps: {service: OutgoingWebhookService; budget?: RefusalBudget}): FastifyPluginAsync {
    const budget = deps.budget ?? new RefusalBudget({limit: REFUSALS_PER_MINUTE, windowMs: 60_000});
    return async (app) => {
        app.post('/api/v1/mattermost/outgoing-webhook', {
            bodyLimit: WEBHOOK_BODY_LIMIT,
            onRequest: async (request, reply) => {
                const waitMs = budget.retryAfterMs(request.ip);
                if (waitMs > 0) {
                    void reply.header('Retry-After', String(Math.ceil(waitMs / 1000)));
                    throw new HttpProblem(429, 'Too many refused calls', 'This address sent too many calls with a missing or unknown token; try again later.').because('too_many_refusals');
                }
            },
        }, async (request, reply) => {
            const body = request.body;
            const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : {};
            try {
                await deps.service.receive({
                    token: text(fields.token), postId: text(fields.post_id), userId: text(fields.user_id), channelId: text(fields.channel_id),
                    channelName: text(fields.channel_name), teamDomain: text(fields.team_domain), text: text(fields.text),
                });
            } catch (error) {
                if (error instanceof WebhookRefused) {
                    budget.spend(request.ip);
                    throw new HttpProblem(401, 'Unauthorized', error.message).because(error.reason);
                }
                if (error instanceof InvalidWebhookCall) {
                    throw new HttpProblem(400, 'Invalid request', `${error.field}: ${error.message}`, {field: error.field}).because(`invalid_${error.field}`);
                }
                throw error;
            }
            return reply.code(200).type('application/json').send({});
        });
    };
}
