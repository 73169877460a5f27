import type {FastifyPluginAsync} from 'fastify';
import {z} from 'zod';

import {constantTimeEqual} from '../../crypto/secret_box.js';
import type {InboundRelay} from '../../inbound/relay.js';
import type {IntegrationsRepository} from '../../storage/integrations_repository.js';
import {HttpProblem, parseOrProblem} from '../problem.js';

/**
 * `POST /api/v1/mattermost/outgoing-webhook` — Mattermost's outgoing webhook, form-encoded or JSON.
 * The `token` in the body names the integration (found by keyed hash, then compared in constant
 * time); a missing or unknown token answers 401 with the same words either way. Known calls answer
 * `200 {}`, which makes Mattermost post nothing back, whatever became of the post.
 */
const payloadSchema = z.object({
    post_id: z.string().min(1, 'is required'),
    user_id: z.string().default(''),
    channel_id: z.string().default(''),
});

const UNAUTHORISED = new HttpProblem(401, 'Unauthorized', 'The outgoing-webhook token is missing or not recognised.');

export function outgoingWebhookRoutes(deps: {integrations: IntegrationsRepository; relay: InboundRelay}): FastifyPluginAsync {
    return async (app) => {
        app.post('/api/v1/mattermost/outgoing-webhook', async (request, reply) => {
            const body = request.body;
            const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : {};
            const token = typeof fields.token === 'string' ? fields.token : '';
            if (token === '') {
                throw UNAUTHORISED;
            }
            const integration = await deps.integrations.findByOutgoingWebhookToken(token);
            if (!integration || integration.outgoingWebhookToken === null || !constantTimeEqual(integration.outgoingWebhookToken, token)) {
                throw UNAUTHORISED;
            }
            const payload = parseOrProblem(payloadSchema, fields);
            if (integration.active) {
                await deps.relay.acceptWebhook(integration, {postId: payload.post_id, userId: payload.user_id, channelId: payload.channel_id});
            } else {
                request.log.info({licence: integration.licence}, 'outgoing webhook for an inactive integration ignored');
            }
            return reply.code(200).type('application/json').send({});
        });
    };
}
