import {randomBytes} from 'node:crypto';

// Mattermost ids are 16 random bytes in a custom base32 alphabet: 26 lowercase alphanumerics.
const ALPHABET = 'ybndrfg8ejkmcpqxot1uwisza345h769';

export function newId(): string {
    const bytes = randomBytes(16);
    let bits = 0;
    let value = 0;
    let out = '';
    for (const byte of bytes) {
        value = (value << 8) | byte;
        bits += 8;
        while (bits >= 5) {
            out += ALPHABET[(value >>> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) {
        out += ALPHABET[(value << (5 - bits)) & 31];
    }
    return out.slice(0, 26);
}

export function isValidId(id: unknown): id is string {
    return typeof id === 'string' && /^[a-z0-9]{26}$/.test(id);
}

/** A strictly increasing millisecond clock, so that `since` queries and orderings are deterministic. */
export class Clock {
    private last = 0;
    now(): number {
        const t = Math.max(Date.now(), this.last + 1);
        this.last = t;
        return t;
    }
}
