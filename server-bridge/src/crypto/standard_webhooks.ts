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

export function sign(secret: string, id: string, timestampSeconds: number, rawBody: string | Buffer): string {
    const mac = createHmac('sha256', keyOf(secret));
    mac.update(`${id}.${timestampSeconds}.`);
    mac.update(rawBody);
    return `v1,${mac.digest('base64')}`;
}

export function signedHeaders(secret: string, id: string, timestampSeconds: number, rawBody: string | Buffer): Record<string, string> {
    return {
        'webhook-id': id,
        'webhook-timestamp': String(timestampSeconds),
        'webhook-signature': sign(secret, id, timestampSeconds, rawBody),
    };
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
    const offered = signature.split(' ')
        .filter((entry) => entry.startsWith('v1,'))
        .map((entry) => Buffer.from(entry.slice(3), 'base64'));
    for (const secret of secrets) {
        const expected = Buffer.from(sign(secret, id, ts, rawBody).slice(3), 'base64');
        if (offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) {
            return null;
        }
    }
    return 'no_matching_signature';
}
