/**
 * Capped exponential backoff with full jitter: a delay drawn uniformly from
 * [0, min(max, base · 2^(attempt-1))]. An upstream's Retry-After wins when it asks for longer.
 */
export function backoffDelayMs(
    attempt: number,
    policy: {baseBackoffMs: number; maxBackoffMs: number},
    random: () => number = Math.random,
    retryAfterMs?: number,
): number {
    const ceiling = Math.min(policy.maxBackoffMs, policy.baseBackoffMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
    const jittered = Math.floor(random() * ceiling);
    return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, policy.maxBackoffMs));
}
