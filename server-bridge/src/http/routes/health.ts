import type {FastifyPluginAsync} from 'fastify';

import type {Metrics} from '../../observability/metrics.js';
import {HttpProblem} from '../problem.js';

/** `/healthz` (process is up), `/readyz` (database answers), `/metrics` (Prometheus). No token. */
export function healthRoutes(deps: {ping: () => Promise<void>; metrics: Metrics}): FastifyPluginAsync {
    return async (app) => {
        app.get('/healthz', async () => ({status: 'ok'}));
        app.get('/readyz', async () => {
            try {
                await deps.ping();
            } catch {
                throw new HttpProblem(503, 'Not ready', 'The database does not answer.');
            }
            return {status: 'ready'};
        });
        app.get('/metrics', async (_request, reply) => {
            reply.type(deps.metrics.registry.contentType);
            return deps.metrics.registry.metrics();
        });
    };
}
