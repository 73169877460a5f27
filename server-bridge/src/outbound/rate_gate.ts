import {UpstreamError} from '../domain/errors.js';
import type {Clock} from '../ports/clock.js';
import type {MattermostPort} from '../ports/mattermost.js';

/**
 * Honours Mattermost's `Retry-After` for a whole server, not just for the one delivery that got the
 * 429: once a call is rate limited, every further call through the gate for that integration fails
 * fast with the same typed error (without reaching Mattermost) until the wait is over. The outbox
 * then reschedules those deliveries after the remaining wait. Per process; Mattermost's limiter is
 * per user/IP, so this is what a polite client does.
 */
export class RateGate {
    readonly #resumeAt = new Map<string, number>();

    constructor(private readonly clock: Clock) {}

    /** The remaining wait for this key in ms, 0 when calls may go. */
    remaining(key: string): number {
        const until = this.#resumeAt.get(key);
        if (until === undefined) {
            return 0;
        }
        const left = until - this.clock.now();
        if (left <= 0) {
            this.#resumeAt.delete(key);
            return 0;
        }
        return left;
    }

    /** Closes the gate for `ms` (never shortens a longer wait). */
    hold(key: string, ms: number): void {
        const until = this.clock.now() + ms;
        if ((this.#resumeAt.get(key) ?? 0) < until) {
            this.#resumeAt.set(key, until);
        }
    }

    /** A port whose calls pass this gate under `key`. */
    wrap(key: string, port: MattermostPort): MattermostPort {
        return new Proxy(port, {
            get: (target, property, receiver) => {
                const value = Reflect.get(target, property, receiver) as unknown;
                if (typeof value !== 'function') {
                    return value;
                }
                return async (...args: unknown[]) => {
                    const wait = this.remaining(key);
                    if (wait > 0) {
                        throw new UpstreamError('mattermost', 'rate_limited', 'Waiting for Mattermost\'s rate limit (Retry-After) to pass', {retryAfterMs: wait});
                    }
                    try {
                        return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
                    } catch (error) {
                        if (error instanceof UpstreamError && error.kind === 'rate_limited') {
                            this.hold(key, error.retryAfterMs ?? 1000);
                        }
                        throw error;
                    }
                };
            },
        });
    }
}
