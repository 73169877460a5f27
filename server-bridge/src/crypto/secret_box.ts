import {createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual} from 'node:crypto';

/**
 * Secrets at rest: AES-256-GCM under the bridge's secret key. Sealed values look like
 * `v1.<iv>.<tag>.<ciphertext>` (base64url). `open` throws on a wrong key or tampered value.
 */
export class SecretBox {
    readonly #key: Buffer;
    readonly #lookupKey: Buffer;

    constructor(key: Buffer) {
        if (key.length !== 32) {
            throw new Error('the secret key must be 32 bytes');
        }
        this.#key = key;
        this.#lookupKey = createHmac('sha256', key).update('ireserve-bridge lookup').digest();
    }

    seal(plain: string): string {
        const iv = randomBytes(12);
        const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
        const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
        return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    }

    open(sealed: string): string {
        const [version, iv, tag, body] = sealed.split('.');
        if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
            throw new Error('not a sealed value');
        }
        const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    }

    /** A keyed, deterministic digest to find a row by a secret without storing the secret in clear. */
    lookupHash(secret: string): string {
        return createHmac('sha256', this.#lookupKey).update(secret).digest('base64url');
    }
}

/** Admin keys are random, so a plain SHA-256 is enough to store them; compare with `constantTimeEqual`. */
export function hashAdminKey(key: string): string {
    return createHash('sha256').update(key).digest('base64url');
}

/** Constant-time equality of two strings (length leaks, content does not). */
export function constantTimeEqual(a: string, b: string): boolean {
    const left = Buffer.from(a);
    const right = Buffer.from(b);
    return left.length === right.length && timingSafeEqual(left, right);
}

export function randomToken(bytes = 32): string {
    return randomBytes(bytes).toString('base64url');
}
