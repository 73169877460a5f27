import {UpstreamError} from '../domain/errors.js';

/**
 * The session token of a bot that logs in with e-mail (or username) and password instead of a
 * personal access token (Mattermost's `POST /api/v4/users/login`; the token comes back in the
 * `Token` response header). The token lives in memory only.
 *
 * Contract:
 * - `token()` gives the current token, logging in first when there is none.
 * - `refresh(stale)` is called by a request that met a 401 with `stale`: it logs in again — ONE
 *   login for any number of concurrent callers (single-flight) — or, when another caller has
 *   already replaced `stale`, just returns the newer token.
 * - A refused login (401/400/403 from the login endpoint) throws UpstreamError kind
 *   `login_rejected`, which the outbox treats as retryable: deliveries wait. The refusal is
 *   remembered for `rejectedCooldownMs`, during which no new login is tried (callers get the same
 *   error at once, with `retryAfterMs` = the time left): a wrong password must not hammer the
 *   server, which locks an account after too many failed logins.
 * - Other failures (unreachable, 5xx, 429) pass through unchanged and are not remembered.
 */
export class LoginSession {
    #token: string | undefined;
    #pending: Promise<string> | undefined;
    #rejectedUntil = 0;
    #rejection: UpstreamError | undefined;

    constructor(
        private readonly login: () => Promise<string>,
        private readonly options: {rejectedCooldownMs?: number; now?: () => number; onToken?: (token: string) => void} = {},
    ) {}

    token(): Promise<string> {
        if (this.#token !== undefined) {
            return Promise.resolve(this.#token);
        }
        return this.#loginOnce();
    }

    refresh(stale: string | undefined): Promise<string> {
        if (this.#pending) {
            return this.#pending;
        }
        if (this.#token !== undefined && this.#token !== stale) {
            return Promise.resolve(this.#token);
        }
        this.#token = undefined;
        return this.#loginOnce();
    }

    #loginOnce(): Promise<string> {
        if (this.#pending) {
            return this.#pending;
        }
        const now = this.options.now ?? Date.now;
        const left = this.#rejectedUntil - now();
        if (this.#rejection && left > 0) {
            const previous = this.#rejection;
            return Promise.reject(new UpstreamError('mattermost', 'login_rejected', previous.message, {...previous.options, retryAfterMs: left}));
        }
        const pending = (async () => {
            await Promise.resolve(); // `#pending` is set before this body can finish
            try {
                const token = await this.login();
                this.#token = token;
                this.#rejection = undefined;
                this.options.onToken?.(token);
                return token;
            } catch (error) {
                if (error instanceof UpstreamError && (error.kind === 'token_rejected' || error.kind === 'invalid' || error.kind === 'forbidden' || error.kind === 'login_rejected')) {
                    const cooldown = this.options.rejectedCooldownMs ?? 60_000;
                    const rejection = new UpstreamError('mattermost', 'login_rejected', `login rejected: ${error.message}`, {
                        status: error.status, errorId: error.errorId, retryAfterMs: cooldown,
                    });
                    this.#rejection = rejection;
                    this.#rejectedUntil = now() + cooldown;
                    throw rejection;
                }
                throw error;
            } finally {
                this.#pending = undefined;
            }
        })();
        this.#pending = pending;
        return pending;
    }
}
