import type {FastifyPluginAsync} from 'fastify';

import type {SlashCommand} from '../../actions/slash_command.js';
import {SLASH_COMMAND_PATH} from '../../contract/actions.js';
import {HttpProblem} from '../problem.js';
import {RefusalBudget} from '../refusal_budget.js';

/**
 * `POST /api/v1/mattermost/command` — the `/ireserve` custom slash command (DESIGN §10), form-encoded
 * (server/channels/app/command.go; JSON accepted too). The `token` names the integration. Every
 * answer is 200 `{"response_type": "ephemeral", "text": …}`: Mattermost shows it to the person who
 * typed the command only; a bad token or bad input gets plain words too, and nothing is sent.
 */
const COMMAND_BODY_LIMIT = 16 * 1024;
/** An address whose calls carry a token no integration holds this often in a minute is answered 429 (DESIGN §14). */
export const BAD_TOKENS_PER_MINUTE = 20;

function field(body: Record<string, unknown>, name: string): string {
    const value = body[name];
    return typeof value === 'string' ? value.slice(0, 4096) : '';
}

export function mattermostCommandRoutes(deps: {command: SlashCommand; budget?: RefusalBudget}): FastifyPluginAsync {
    const budget = deps.budget ?? new RefusalBudget({limit: BAD_TOKENS_PER_MINUTE, windowMs: 60_000});
    return async (app) => {
        app.post(SLASH_COMMAND_PATH, {
            bodyLimit: COMMAND_BODY_LIMIT,
            onRequest: async (request, reply) => {
                const waitMs = budget.retryAfterMs(request.ip);
                if (waitMs > 0) {
                    void reply.header('Retry-After', String(Math.ceil(waitMs / 1000)));
                    throw new HttpProblem(429, 'Too many refused calls', 'This address sent too many commands with a missing or unknown token; try again later.').because('too_many_refusals');
                }
            },
        }, async (request, reply) => {
            const body = request.body !== null && typeof request.body === 'object' && !Array.isArray(request.body) ? request.body as Record<string, unknown> : {};
            const answer = await deps.command.run({
                token: field(body, 'token'),
                text: field(body, 'text'),
                userId: field(body, 'user_id'),
                channelId: field(body, 'channel_id'),
                teamDomain: field(body, 'team_domain'),
                rootId: field(body, 'root_id'),
            }, {badToken: () => budget.spend(request.ip)});
            return reply.code(200).type('application/json').send(answer);
        });
    };
}
