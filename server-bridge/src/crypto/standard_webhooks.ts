import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto';

/**
 * Standard Webhooks signatures: secret `whsec_<base64 key>`, headers `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature` (space-separated `v1,<base64>` entries),
 * HMAC-SHA256 over `${id}.${timestamp}.${rawBody}`.
 */
export const SECRET_PREFIX = 'whsec_';
export const TOLERANCE_SECONDS = 5 * 60;

export type VerifyFailure =
    | 'missing_headers'
    | 'bad_timestamp'
    | 'timestamp_too_old'
    | 'timestamp_too_new'
    | 'no_matching_signature';

export function generateSigningSecret(): string {
    return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
    return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

function mac(secret: string, id: string, timestampSeconds: number, rawBody: string | Buffer): Buffer {
    return createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSeconds}.`).update(rawBody).digest();
}

export function sign(secret: string, id: string, timestampSeconds: number, rawBody: string | Buffer): string {
    return `v1,${mac(secret, id, timestampSeconds, rawBody).toString('base64')}`;
}

export function signedHeaders(secret: string, id: string, timestampSeconds: number, rawBody: string | Buffer): Record<string, string> {
    return {
        'webhook-id': id,
        'webhook-timestamp': String(timestampSeconds),
        'webhook-signature': sign(secret, id, timestampSeconds, rawBody),
    };
}

/**
 * What can be checked without the body and the secret: the three headers are present and the
 * timestamp is Unix seconds within the tolerance. Returns null when they pass, else the reason
 * (the same reasons, in the same order, as `verify`).
 */
export function checkHeaders(headers: {id?: string; timestamp?: string; signature?: string}, nowSeconds: number): Exclude<VerifyFailure, 'no_matching_signature'> | null {
    const {id, timestamp, signature} = headers;
    if (!id || !timestamp || !signature) {
        return 'missing_headers';
    }
    if (!/^\d{1,12}$/.test(timestamp)) {
        return 'bad_timestamp';
    }
    const ts = Number(timestamp);
    if (ts < nowSeconds - TOLERANCE_SECONDS) {
        return 'timestamp_too_old';
    }
    if (ts > nowSeconds + TOLERANCE_SECONDS) {
        return 'timestamp_too_new';
    }
    return null;
}

/**
 * Verifies a request against one or more secrets (the current one and, during rotation, the previous).
 * Returns null when valid, else the reason. Never throws.
 */
export function verify(
    secrets: readonly string[],
    headers: {id?: string; timestamp?: string; signature?: string},
    rawBody: string | Buffer,
    nowSeconds: number,
): VerifyFailure | null {
    const failure = checkHeaders(headers, nowSeconds);
    if (failure !== null) {
        return failure;
    }
    const offered = headers.signature!.split(' ')
        .filter((entry) => entry.startsWith('v1,'))
        .map((entry) => Buffer.from(entry.slice(3), 'base64'));
    for (const secret of secrets) {
        const expected = mac(secret, headers.id!, Number(headers.timestamp), rawBody);
        if (offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) {
            return null;
        }
    }
    return 'no_matching_signature';
}
