import type {FastifyPluginAsync} from 'fastify';

import {InvalidWebhookCall, WebhookRefused, type OutgoingWebhookService} from '../../inbound/outgoing_webhook.js';
import {HttpProblem} from '../problem.js';

/**
 * `POST /api/v1/mattermost/outgoing-webhook` — Mattermost's outgoing webhook, form-encoded or JSON.
 * Parses the call's fields and hands them to the OutgoingWebhookService. A missing or unknown token
 * answers 401 with the same words either way; known calls answer `200 {}`, which makes Mattermost
 * post nothing back, whatever became of the post.
 */

function text(value: unknown): string {
    return typeof value === 'string' ? value : '';
}

export function outgoingWebhookRoutes(deps: {service: OutgoingWebhookService}): FastifyPluginAsync {
    return async (app) => {
        app.post('/api/v1/mattermost/outgoing-webhook', async (request, reply) => {
            const body = request.body;
            const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : {};
            try {
                await deps.service.receive({token: text(fields.token), postId: text(fields.post_id), userId: text(fields.user_id), channelId: text(fields.channel_id)});
            } catch (error) {
                if (error instanceof WebhookRefused) {
                    throw new HttpProblem(401, 'Unauthorized', error.message);
                }
                if (error instanceof InvalidWebhookCall) {
                    throw new HttpProblem(400, 'Invalid request', `${error.field}: ${error.message}`, {field: error.field});
                }
                throw error;
            }
            return reply.code(200).type('application/json').send({});
        });
    };
}
