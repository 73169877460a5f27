import type {FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestAsyncHookHandler} from 'fastify';
import {z} from 'zod';

import type {AdminApi} from '../../../admin/index.js';
import {AuthRefused, authorise, type Principal} from '../../../admin/auth.js';
import {DELIVERY_STATUSES, type ChannelsAnswer, type DeliveriesAnswer, type ErasuresAnswer} from '../../../contract/index.js';
import {ConcurrentChange, CreateRefused, DeliveryNotFound, IntegrationNotFound, InvalidSettings, MattermostUnavailable} from '../../../admin/errors.js';
import {parseDryRun, parseFullSettings, parseLicence, parsePartialSettings, parseUsers} from '../../../admin/input.js';
import {HttpProblem, parseOrProblem} from '../../problem.js';

/**
 * The admin API (DESIGN §5) under /api/v1/integrations. Each route authorises (in `onRequest`,
 * before any body is read), parses, calls the AdminService and maps its typed errors to problems;
 * the logic lives in src/admin/. Bodies are JSON only (anything else answers 415 saying so) and
 * small (the Fastify default of the app), except the user directory's.
 */

/** A user directory of 50,000 entries (the most `PUT …/users` takes) fits with room to spare. */
const USERS_BODY_LIMIT = 8 * 1024 * 1024;

type LicenceParams = {Params: {licence: string}};

const deliveriesQuery = z.strictObject({
    status: z.enum(DELIVERY_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
});

const deliveryId = z.coerce.number({message: 'must be a delivery id (a whole number)'}).int({message: 'must be a delivery id (a whole number)'}).positive({message: 'must be a delivery id (a whole number)'});

function toProblem(error: unknown): unknown {
    if (error instanceof AuthRefused) {
        const title = error.status === 503 ? 'Admin API disabled' : error.status === 401 ? 'Unauthorized' : 'Forbidden';
        return new HttpProblem(error.status, title, error.message).because(error.status === 503 ? 'admin_api_disabled' : error.status === 401 ? 'no_credentials' : 'credentials_refused');
    }
    if (error instanceof CreateRefused) {
        return new HttpProblem(403, 'Forbidden', error.message);
    }
    if (error instanceof InvalidSettings) {
        return new HttpProblem(400, 'Invalid settings', error.field === '' ? error.message : `${error.field}: ${error.message}`, {
            ...(error.field === '' ? {} : {field: error.field}),
            code: error.code,
            errors: error.issues,
        });
    }
    if (error instanceof IntegrationNotFound || error instanceof DeliveryNotFound) {
        return new HttpProblem(404, 'Not found', error.message);
    }
    if (error instanceof ConcurrentChange) {
        return new HttpProblem(409, 'Conflict', error.message);
    }
    if (error instanceof MattermostUnavailable) {
        return new HttpProblem(502, 'Mattermost did not answer as expected', error.message, {code: error.kind});
    }
    return error;
}

/** Calls `work` with admin errors rendered as problems. */
async function mapped<T>(work: () => Promise<T>): Promise<T> {
    try {
        return await work();
    } catch (error) {
        throw toProblem(error);
    }
}

export function adminRoutes(api: AdminApi): FastifyPluginAsync {
    const {service} = api;
    const principals = new WeakMap<FastifyRequest, Principal>();

    const guard = (operatorOnly: boolean): onRequestAsyncHookHandler => async (request: FastifyRequest, reply: FastifyReply) => {
        const licence = (request.params as {licence?: string}).licence;
        try {
            const principal = await authorise(api.auth, request.headers.authorization, licence, operatorOnly);
            principals.set(request, principal);
            if (licence !== undefined && principal.role === 'operator') {
                parseLicence(licence);
            }
        } catch (error) {
            if (error instanceof AuthRefused && error.status === 401) {
                void reply.header('WWW-Authenticate', 'Bearer realm="ireserve-bridge"');
            }
            throw toProblem(error);
        }
    };
    const operator = {onRequest: guard(true)};
    const member = {onRequest: guard(false)};

    return async (app) => {
        // JSON only in this scope: a form-encoded or text body answers 415 (what to send) instead of
        // being read as something else; `__proto__` and `constructor` keys are refused.
        app.removeAllContentTypeParsers();
        app.addContentTypeParser('application/json', {parseAs: 'string'}, app.getDefaultJsonParser('error', 'error'));

        app.addHook('onSend', async (_request, reply, payload) => {
            void reply.header('Cache-Control', 'no-store');
            return payload;
        });

        app.get('/api/v1/integrations', operator, async () => mapped(async () => ({integrations: await service.listIntegrations()})));

        app.put<LicenceParams>('/api/v1/integrations/:licence', member, async (request, reply) => mapped(async () => {
            const {licence} = request.params;
            const input = parseFullSettings(licence, request.body);
            const result = await service.put(licence, input, {mayCreate: principals.get(request)?.role === 'operator'});
            if (result.created && result.secrets) {
                void reply.code(201);
                return {...result.view, ...result.secrets};
            }
            return result.view;
        }));

        app.get<LicenceParams>('/api/v1/integrations/:licence', member, async (request) => mapped(() => service.get(request.params.licence)));

        app.patch<LicenceParams>('/api/v1/integrations/:licence', member, async (request) => mapped(() =>
            service.patch(request.params.licence, parsePartialSettings(request.params.licence, request.body))));

        app.delete<LicenceParams>('/api/v1/integrations/:licence', member, async (request, reply) => mapped(async () => {
            await service.delete(request.params.licence);
            return reply.code(204).send();
        }));

        app.post<LicenceParams>('/api/v1/integrations/:licence/rotate', member, async (request) => mapped(() => service.rotate(request.params.licence)));

        app.get<LicenceParams>('/api/v1/integrations/:licence/channels', member, async (request) => mapped(async () =>
            ({channels: await service.channels(request.params.licence)}) satisfies ChannelsAnswer));

        app.post<LicenceParams>('/api/v1/integrations/:licence/test', member, async (request) => mapped(async () =>
            service.test(request.params.licence, {dryRun: parseDryRun(request.query, request.body)})));

        app.put<LicenceParams>('/api/v1/integrations/:licence/users', {...member, bodyLimit: USERS_BODY_LIMIT}, async (request) => mapped(() =>
            service.replaceUsers(request.params.licence, parseUsers(request.body))));

        app.get<LicenceParams>('/api/v1/integrations/:licence/users', member, async (request) => mapped(async () =>
            ({users: await service.users(request.params.licence)})));

        app.get<LicenceParams>('/api/v1/integrations/:licence/deliveries', member, async (request) => mapped(async () => {
            const filter = parseOrProblem(deliveriesQuery, request.query);
            return {deliveries: await service.deliveries(request.params.licence, filter)} satisfies DeliveriesAnswer;
        }));

        app.get<LicenceParams>('/api/v1/integrations/:licence/erasures', member, async (request) => mapped(async () => {
            return {erasures: await service.erasures(request.params.licence)} satisfies ErasuresAnswer;
        }));

        app.post<LicenceParams>('/api/v1/integrations/:licence/deliveries/retry-failed', member, async (request, reply) => mapped(async () => {
            const result = await service.retryFailed(request.params.licence);
            return reply.code(202).send(result);
        }));

        app.post<{Params: {licence: string; id: string}}>('/api/v1/integrations/:licence/deliveries/:id/retry', member, async (request, reply) => mapped(async () => {
            const id = parseOrProblem(deliveryId, request.params.id, 'id');
            await service.retryDelivery(request.params.licence, id);
            return reply.code(202).send({id, status: 'pending'});
        }));
    };
}
