import http from 'node:http';

import cors from '@fastify/cors';
import formbody from '@fastify/formbody';
import Fastify, {LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync} from 'fastify';
import type {Logger} from 'pino';

import {requestLogger} from '../observability/request_logger.js';

import {HttpProblem, refusalReason, sendProblem} from './problem.js';

/** Body limit of every route that does not set its own (DESIGN §14: only the events route carries attachments). */
export const DEFAULT_BODY_LIMIT = 64 * 1024;

export interface AppOptions {
    logger: Logger;
    corsOrigins: readonly string[];
    /** Slow or idle clients are closed after these. */
    timeouts: {requestTimeoutMs: number; headersTimeoutMs: number; keepAliveTimeoutMs: number};
    /** Told of every refused (4xx) request, with its route pattern and reason. */
    refused?(route: string, reason: string): void;
    /** Route plugins, registered in order. */
    routes: readonly FastifyPluginAsync[];
}

/**
 * Builds the HTTP app: routes only parse, call and map typed errors. Every error answers
 * `application/problem+json`; unexpected errors answer 500 without internals. Bodies and headers are
 * never logged (they carry secrets and guest data). Bodies are limited per route (64 KB unless a
 * route says otherwise); routes authenticate in `onRequest` hooks, before a body is read.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
    const {timeouts} = options;
    const app = Fastify({
        loggerInstance: options.logger as FastifyBaseLogger,
        bodyLimit: DEFAULT_BODY_LIMIT,
        logController: new LogController({disableRequestLogging: true}),
        // Each request's logger is made when it first logs (observability/request_logger.ts).
        childLoggerFactory: requestLogger,
        trustProxy: true,
        return503OnClosing: true,
        // The server checks its timeouts every second (Node's default is every 30 s).
        serverFactory: (handler) => http.createServer({
            requestTimeout: timeouts.requestTimeoutMs,
            headersTimeout: Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs),
            keepAliveTimeout: timeouts.keepAliveTimeoutMs,
            connectionsCheckingInterval: 1000,
        }, handler),
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

    // A hook with `done` rather than an async one: it runs for every request, and an answered
    // request costs only the status check unless debug logging is on.
    app.addHook('onResponse', (request, reply, done) => {
        if (reply.statusCode >= 400 && reply.statusCode < 500) {
            const route = request.routeOptions.url ?? 'unmatched';
            const reason = refusalReason(request) ?? `http_${reply.statusCode}`;
            options.refused?.(route, reason);
            request.log.info({method: request.method, route, status: reply.statusCode, reason, ms: Math.round(reply.elapsedTime)}, 'request');
        } else if (options.logger.isLevelEnabled('debug')) {
            // Answered requests at debug: at info, a line written per event was a tenth of intake's CPU
            // (a synchronous write and the redaction per line). Refusals and errors stay at info and above.
            request.log.debug({method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: Math.round(reply.elapsedTime)}, 'request');
        }
        done();
    });

    app.setNotFoundHandler((request, reply) => {
        sendProblem(reply, new HttpProblem(404, 'Not found', `There is no ${request.method} ${request.url.split('?')[0]}.`).because('no_such_route'));
    });

    app.setErrorHandler((error, request, reply) => {
        if (error instanceof HttpProblem) {
            return sendProblem(reply, error);
        }
        const fastifyError = error as {code?: string; statusCode?: number; message: string};
        const status = fastifyError.statusCode ?? 500;
        if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
            const limit = request.routeOptions.bodyLimit ?? DEFAULT_BODY_LIMIT;
            return sendProblem(reply, new HttpProblem(413, 'Request body too large', `The body is larger than ${limit} bytes, the limit of this route.`).because('body_too_large'));
        }
        if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
            const sent = request.headers['content-type'];
            return sendProblem(reply, new HttpProblem(415, 'Unsupported media type', `Send the body as JSON with the header "Content-Type: application/json"${sent ? ` (this request sent "${String(sent).slice(0, 100)}")` : ''}.`).because('unsupported_media_type'));
        }
        if (status >= 400 && status < 500) {
            const detail = fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error instanceof SyntaxError || fastifyError.code?.startsWith('FST_ERR_CTP')
                ? `The body is not valid JSON: ${fastifyError.message}`
                : fastifyError.message;
            return sendProblem(reply, new HttpProblem(status, status === 400 ? 'Invalid request' : 'Request refused', detail).because(status === 400 ? 'invalid_body' : `http_${status}`));
        }
        request.log.error({err: error}, 'unhandled error');
        return sendProblem(reply, new HttpProblem(500, 'Internal error', 'The bridge failed to handle this request; it has been logged.'));
    });

    for (const routes of options.routes) {
        await app.register(routes);
    }
    return app;
}
