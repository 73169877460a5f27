import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import Fastify, {LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync} from 'fastify';
import type {Logger} from 'pino';

import {HttpProblem, sendProblem} from './problem.js';

export interface AppOptions {
    logger: Logger;
    bodyLimit: number;
    corsOrigins: readonly string[];
    /** Route plugins, registered in order. */
    routes: readonly FastifyPluginAsync[];
}

/**
 * Builds the HTTP app: routes only parse, call and map typed errors. Every error answers
 * `application/problem+json`; unexpected errors answer 500 without internals. Bodies and headers are
 * never logged (they carry secrets and guest data).
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
    const app = Fastify({
        loggerInstance: options.logger as FastifyBaseLogger,
        bodyLimit: options.bodyLimit,
        logController: new LogController({disableRequestLogging: true}),
        trustProxy: true,
        return503OnClosing: true,
    });
    if (options.corsOrigins.length > 0) {
        await app.register(cors, {
            origin: options.corsOrigins.includes('*') ? true : [...options.corsOrigins],
            methods: ['GET', 'PUT', 'PATCH', 'POST', 'DELETE'],
            allowedHeaders: ['Authorization', 'Content-Type'],
            maxAge: 600,
        });
    }
    await app.register(formbody);

    app.addHook('onResponse', async (request, reply) => {
        request.log.info({method: request.method, route: request.routeOptions.url ?? 'unknown', status: reply.statusCode, ms: Math.round(reply.elapsedTime)}, 'request');
    });

    app.setNotFoundHandler((request, reply) => {
        sendProblem(reply, new HttpProblem(404, 'Not found', `There is no ${request.method} ${request.url.split('?')[0]}.`));
    });

    app.setErrorHandler((error, request, reply) => {
        if (error instanceof HttpProblem) {
            return sendProblem(reply, error);
        }
        const fastifyError = error as {code?: string; statusCode?: number; message: string};
        const status = fastifyError.statusCode ?? 500;
        if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
            return sendProblem(reply, new HttpProblem(413, 'Request body too large', `The body is larger than ${options.bodyLimit} bytes.`));
        }
        if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
            return sendProblem(reply, new HttpProblem(415, 'Unsupported media type', 'Send the body as application/json.'));
        }
        if (status >= 400 && status < 500) {
            const detail = fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError || fastifyError.code?.startsWith('FST_ERR_CTP')
                ? `The body is not valid JSON: ${fastifyError.message}`
                : fastifyError.message;
            return sendProblem(reply, new HttpProblem(status, status === 400 ? 'Invalid request' : 'Request refused', detail));
        }
        request.log.error({err: error}, 'unhandled error');
        return sendProblem(reply, new HttpProblem(500, 'Internal error', 'The bridge failed to handle this request; it has been logged.'));
    });

    for (const routes of options.routes) {
        await app.register(routes);
    }
    return app;
}
