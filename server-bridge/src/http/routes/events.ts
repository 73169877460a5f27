import type {FastifyPluginAsync, FastifyRequest} from 'fastify';

import type {VerifyFailure} from '../../crypto/standard_webhooks.js';
import {dataSchemaFor, envelopeSchema, type OutboundEvent} from '../../domain/outbound/events.js';
import type {Metrics} from '../../observability/metrics.js';
import {IntakeError, type EventIntake} from '../../outbound/intake.js';
import {HttpProblem, parseOrProblem} from '../problem.js';

const SIGNATURE_PROBLEMS: Record<VerifyFailure, string> = {
    missing_headers: 'The webhook-id, webhook-timestamp and webhook-signature headers are all required (Standard Webhooks).',
    bad_timestamp: 'The webhook-timestamp header must be the Unix time in seconds.',
    timestamp_too_old: 'The webhook-timestamp is more than 5 minutes in the past. Check the sender\'s clock, and sign each delivery attempt afresh.',
    timestamp_too_new: 'The webhook-timestamp is more than 5 minutes in the future. Check the sender\'s clock.',
    no_matching_signature: 'The webhook-signature does not match the body for this licence\'s signing secret. Sign "<webhook-id>.<webhook-timestamp>.<raw body>" with HMAC-SHA256 and the secret\'s base64-decoded key, and send the body byte for byte as signed.',
};

function header(request: FastifyRequest, name: string): string | undefined {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(' ') : value;
}

function isJson(contentType: string | undefined): boolean {
    return contentType !== undefined && /^application\/json\s*(;|$)/i.test(contentType.trim());
}

function signatureHeaders(request: FastifyRequest): {id?: string; timestamp?: string; signature?: string} {
    return {id: header(request, 'webhook-id'), timestamp: header(request, 'webhook-timestamp'), signature: header(request, 'webhook-signature')};
}

/**
 * The answer to an IntakeError. An unknown licence reads exactly like a known licence with a
 * wrong signature (DESIGN §14); only the metric's reason tells them apart.
 */
function intakeProblem(error: IntakeError, licence: string): HttpProblem {
    const failure = error.failure;
    if (failure.kind === 'inactive') {
        return new HttpProblem(409, 'Integration not active', `The integration for licence ${licence} is not active; events are refused until it is activated.`).because('inactive');
    }
    const reason: VerifyFailure = failure.kind === 'unknown_licence' ? 'no_matching_signature' : failure.reason;
    return new HttpProblem(401, 'Invalid signature', SIGNATURE_PROBLEMS[reason], {reason}).because(failure.kind === 'unknown_licence' ? 'unknown_licence' : reason);
}

/**
 * `POST /api/v1/licences/{licence}/events` — signed i-Reserve events (DESIGN §3, docs/events.md).
 * Before the body is read: the content type, the signature headers and the licence are checked
 * (an unknown licence is refused without buffering anything). Then the body is read as raw bytes
 * (the signature covers them exactly, up to `maxBodyBytes`), verified, parsed and handed to the
 * intake. Answers 202 accepted / 200 duplicate or not_sent; errors as problem+json.
 */
export function eventRoutes(deps: {intake: EventIntake; metrics: Metrics; maxAttachmentBytes: number; maxBodyBytes: number}): FastifyPluginAsync {
    return async (app) => {
        // Only in this plugin's scope: JSON bodies stay raw bytes for the signature check.
        app.removeContentTypeParser('application/json');
        app.addContentTypeParser('application/json', {parseAs: 'buffer'}, (_request, body, done) => done(null, body));

        // Every refusal (including a body too large or of the wrong type, refused before the
        // handler runs) is counted once, with the event type when it was known.
        const typeOf = new WeakMap<FastifyRequest, string>();
        app.addHook('onError', async (request) => {
            deps.metrics.eventsReceived.inc({type: typeOf.get(request) ?? 'unknown', result: 'rejected'});
        });

        app.post<{Params: {licence: string}}>('/api/v1/licences/:licence/events', {
            bodyLimit: deps.maxBodyBytes,
            onRequest: async (request) => {
                if (!isJson(header(request, 'content-type'))) {
                    throw new HttpProblem(415, 'Unsupported media type', 'Send the event as JSON with the header "Content-Type: application/json".').because('unsupported_media_type');
                }
                const webhookId = header(request, 'webhook-id');
                if (webhookId !== undefined && webhookId.length > 255) {
                    throw new HttpProblem(400, 'Invalid request', 'The webhook-id header must be at most 255 characters.', {field: 'webhook-id'}).because('invalid_header');
                }
                try {
                    await deps.intake.screen(request.params.licence, signatureHeaders(request));
                } catch (error) {
                    throw error instanceof IntakeError ? intakeProblem(error, request.params.licence) : error;
                }
            },
        }, async (request, reply) => {
            const {licence} = request.params;
            const raw = request.body;
            if (!Buffer.isBuffer(raw)) {
                throw new HttpProblem(415, 'Unsupported media type', 'Send the event as JSON with the header "Content-Type: application/json".').because('unsupported_media_type');
            }
            const signature = signatureHeaders(request);
            let integration;
            try {
                integration = await deps.intake.authenticate(licence, signature, raw);
            } catch (error) {
                throw error instanceof IntakeError ? intakeProblem(error, licence) : error;
            }
            const webhookId = signature.id!;
            let body: unknown;
            try {
                body = JSON.parse(raw.toString('utf8'));
            } catch (error) {
                throw new HttpProblem(400, 'Invalid request', `The body is not valid JSON: ${(error as Error).message}`).because('invalid_json');
            }
            const envelope = parseOrProblem(envelopeSchema, body);
            typeOf.set(request, envelope.type);
            const data = parseOrProblem(dataSchemaFor(envelope.type, deps.maxAttachmentBytes), envelope.data, 'data');
            const result = await deps.intake.accept(integration, webhookId, {type: envelope.type, data} as OutboundEvent);
            deps.metrics.eventsReceived.inc({type: envelope.type, result: result.status});
            if (result.status === 'accepted') {
                return reply.code(202).send({status: 'accepted'});
            }
            if (result.status === 'duplicate') {
                return reply.code(200).send({status: 'duplicate'});
            }
            return reply.code(200).send({status: 'not_sent', reason: result.reason, ...(result.detail ? {detail: result.detail} : {})});
        });
    };
}
