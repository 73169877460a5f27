import type {FastifyReply, FastifyRequest} from 'fastify';
import type {z} from 'zod';

import {PROBLEM_CONTENT_TYPE, type ProblemDocument} from '../contract/index.js';

/**
 * Errors of the HTTP API as RFC 9457 `application/problem+json`: `{type, title, status, detail}`
 * plus `field` (the offending field's path, dotted) when one field is at fault.
 * Routes throw HttpProblem; the app's error handler renders it.
 */
export class HttpProblem extends Error {
    override name = 'HttpProblem';
    constructor(
        readonly status: number,
        readonly title: string,
        readonly detail?: string,
        readonly extra: Record<string, unknown> = {},
    ) {
        super(detail ?? title);
    }

    /** Why the request was refused, for /metrics (a short code); defaults to the title's words. */
    reason: string | undefined;

    get field(): string | undefined {
        return typeof this.extra.field === 'string' ? this.extra.field : undefined;
    }

    /** Sets the refusal reason counted in /metrics (never shown in the answer). */
    because(reason: string): this {
        this.reason = reason;
        return this;
    }
}

const reasons = new WeakMap<FastifyRequest, string>();

/** The reason a request was refused (set by sendProblem), for the refused-requests metric. */
export function refusalReason(request: FastifyRequest): string | undefined {
    return reasons.get(request);
}

export function sendProblem(reply: FastifyReply, problem: HttpProblem): FastifyReply {
    reasons.set(reply.request, problem.reason ?? problem.title.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, ''));
    const body: ProblemDocument = {
        type: 'about:blank',
        title: problem.title,
        status: problem.status,
        ...(problem.detail === undefined ? {} : {detail: problem.detail}),
        ...problem.extra,
    };
    return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

function fieldPath(path: readonly PropertyKey[]): string {
    return path.map((part) => String(part)).join('.');
}

/** Parses with a zod schema or throws a 400 problem naming the first bad field in plain words. */
export function parseOrProblem<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
    const result = schema.safeParse(value);
    if (result.success) {
        return result.data;
    }
    const issue = result.error.issues[0];
    const field = [prefix, issue ? fieldPath(issue.path) : ''].filter((part) => part !== '').join('.');
    const detail = issue ? (field === '' ? issue.message : `${field}: ${issue.message}`) : 'invalid request body';
    return (() => {
        throw new HttpProblem(400, 'Invalid request', detail, {
            ...(field === '' ? {} : {field}),
            errors: result.error.issues.map((entry) => ({field: [prefix, fieldPath(entry.path)].filter((p) => p !== '').join('.'), message: entry.message})),
        });
    })();
}
