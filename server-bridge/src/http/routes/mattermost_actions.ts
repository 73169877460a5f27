import type {FastifyPluginAsync} from 'fastify';
import {z} from 'zod';

import {ActionForged, ActionRefused, MATTERMOST_ID, type ConversationActions} from '../../actions/service.js';
import {ProbeForged, type ActionProbeReceiver} from '../../admin/action_test.js';
import {ACTIONS_PATH, CONVERSATION_ACTIONS, type ActionResponse} from '../../contract/actions.js';
import {HttpProblem, parseOrProblem} from '../problem.js';

/**
 * `POST /api/v1/mattermost/actions` — Mattermost's request when an agent clicks a card button
 * (server/channels/app/integration_action.go: `PostActionIntegrationRequest`, JSON; a select's
 * choice arrives as `context.selected_option`). Mattermost does not sign these requests: the
 * context's `sig` is what proves the button is the bridge's (verified before anything else is
 * looked at); a request that fails it answers 401 and changes nothing.
 *
 * A context with `probe` is the Test's action probe (admin/action_test.ts): verified the same way
 * (401 when forged), recorded, answered 200.
 *
 * Every decision is answered 200 `{"ephemeral_text": …}`: Mattermost shows that text to the person
 * who clicked only on a 200 (any other status becomes a generic error for them).
 */
const ACTION_BODY_LIMIT = 16 * 1024;

const id = (what: string) => z.string({error: `${what} is required`}).regex(MATTERMOST_ID, `${what} must be a Mattermost id (26 lowercase letters and digits)`);

const contextSchema = z.object({
    licence: z.string({error: 'is required'}).min(1, 'is required').max(100),
    conversation_id: z.string({error: 'is required'}).min(1, 'is required').max(200),
    action: z.enum(CONVERSATION_ACTIONS, {error: `must be one of ${CONVERSATION_ACTIONS.join(', ')}`}),
    sig: z.string({error: 'is required'}).min(1, 'is required').max(200),
    selected_option: z.string().max(200).optional(),
});

const bodySchema = z.object({
    user_id: id('user_id'),
    channel_id: id('channel_id'),
    post_id: id('post_id'),
    context: contextSchema,
});

/** The Test's action probe (admin/action_test.ts): its context names a probe instead of a conversation. */
const probeBodySchema = z.object({
    context: z.object({
        licence: z.string({error: 'is required'}).min(1, 'is required').max(100),
        probe: z.string({error: 'is required'}).regex(/^[0-9a-f]{24}$/, 'must be a probe id'),
        sig: z.string({error: 'is required'}).min(1, 'is required').max(200),
    }),
});

const UNAUTHORISED = new HttpProblem(401, 'Unauthorized', 'This action request is not signed by the bridge.');

function isProbe(body: unknown): boolean {
    const context = (body as {context?: unknown} | null)?.context;
    return typeof context === 'object' && context !== null && 'probe' in context;
}

export function mattermostActionRoutes(deps: {actions: ConversationActions; probes: ActionProbeReceiver}): FastifyPluginAsync {
    return async (app) => {
        app.post(ACTIONS_PATH, {bodyLimit: ACTION_BODY_LIMIT}, async (request, reply) => {
            if (isProbe(request.body)) {
                const probe = parseOrProblem(probeBodySchema, request.body);
                try {
                    await deps.probes.received(probe.context);
                } catch (error) {
                    throw error instanceof ProbeForged ? UNAUTHORISED : error;
                }
                const answer: ActionResponse = {ephemeral_text: 'The i-Reserve bridge received the action self-test.'};
                return reply.code(200).type('application/json').send(answer);
            }
            const body = parseOrProblem(bodySchema, request.body);
            let answer: ActionResponse;
            try {
                const accepted = await deps.actions.button({
                    userId: body.user_id,
                    channelId: body.channel_id,
                    postId: body.post_id,
                    context: body.context,
                    ...(body.context.selected_option === undefined ? {} : {selectedOption: body.context.selected_option}),
                });
                answer = {ephemeral_text: accepted.text};
            } catch (error) {
                if (error instanceof ActionForged) {
                    throw UNAUTHORISED;
                }
                if (error instanceof ActionRefused) {
                    answer = {ephemeral_text: error.text};
                } else {
                    throw error;
                }
            }
            return reply.code(200).type('application/json').send(answer);
        });
    };
}
