import {UpstreamError} from '../domain/errors.js';
import {describeFailure} from '../domain/failure_messages.js';

/** A failure that no retry can fix (the job is parked at once with `message` as its reason). */
export class PermanentFailure extends Error {
    override name = 'PermanentFailure';
    constructor(message: string, readonly code = 'invalid') {
        super(message);
    }
}

/** What becomes of a job whose attempt failed. */
export interface FailureVerdict {
    /** True: rescheduled with backoff. False: parked as failed. */
    retry: boolean;
    /** The plain-language reason recorded on the job (and shown to admins and agents when parked). */
    reason: string;
    /** The failure code recorded beside it (the UpstreamError kind, the PermanentFailure code, or `internal`). */
    code: string;
    /** The upstream's Retry-After, when it sent one. */
    retryAfterMs?: number;
    /** Neither an UpstreamError nor a PermanentFailure: a bug, worth an error log. */
    unexpected: boolean;
}

/**
 * The one retry policy of the outbox, used by the worker to decide and by handlers that must know
 * beforehand whether this attempt is the job's last (the inbound relay shows the ⚠️ only then):
 * - UpstreamError with `retryable` → retried until `maxAttempts`, then parked with "Gave up after N attempts";
 * - UpstreamError otherwise, or PermanentFailure → parked at once;
 * - anything else (a bug) → retried like a transient failure, until `maxAttempts`.
 * Pure: it reads the error and the counts, nothing else.
 */
export function judgeFailure(error: unknown, attempts: number, maxAttempts: number): FailureVerdict {
    let reason: string;
    let code: string;
    let retryable: boolean;
    let retryAfterMs: number | undefined;
    let unexpected = false;
    if (error instanceof UpstreamError) {
        reason = describeFailure(error.upstream, error.kind, error.message);
        code = error.kind;
        retryable = error.retryable;
        retryAfterMs = error.retryAfterMs;
    } else if (error instanceof PermanentFailure) {
        reason = error.message;
        code = error.code;
        retryable = false;
    } else {
        reason = `Internal error: ${(error as Error)?.message ?? String(error)}`;
        code = 'internal';
        retryable = true;
        unexpected = true;
    }
    if (retryable && attempts < maxAttempts) {
        return {retry: true, reason, code, retryAfterMs, unexpected};
    }
    return {retry: false, reason: retryable ? `Gave up after ${attempts} attempts. ${reason}` : reason, code, retryAfterMs, unexpected};
}
