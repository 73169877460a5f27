import type {Integration} from '../domain/integration.js';
import type {MattermostPort} from '../ports/mattermost.js';
import type {EgressPolicy} from '../support/egress.js';

import {MattermostRestAdapter} from './rest_adapter.js';

/**
 * Hands out one MattermostPort per integration, rebuilt when the integration's settings change
 * (its `updatedAt` moves), so every delivery uses the newest URL and token.
 */
export class MattermostConnector {
    readonly #cache = new Map<string, {updatedAt: number; port: MattermostPort}>();

    /** The internal-address rules every connection to Mattermost (and its incoming webhooks) follows. */
    readonly egress: EgressPolicy | undefined;

    /** `timeoutMs`: one request; `downloadTimeoutMs`: one file download (config.timeouts). */
    constructor(private readonly options: {timeoutMs: number; downloadTimeoutMs: number; loginCooldownMs?: number; egress?: EgressPolicy}) {
        this.egress = options.egress;
    }

    for(integration: Integration): MattermostPort {
        const cached = this.#cache.get(integration.licence);
        if (cached && cached.updatedAt === integration.updatedAt) {
            return cached.port;
        }
        const port = this.create(integration);
        this.#cache.set(integration.licence, {updatedAt: integration.updatedAt, port});
        return port;
    }

    /**
     * A port for settings not saved yet (validation on save, the Test button). With auth mode
     * `login` the port has its own login session (token in memory only; one login per port, again
     * after a 401); cached ports keep theirs across deliveries.
     */
    create(integration: Pick<Integration, 'serverUrl' | 'auth'>): MattermostPort {
        const {timeoutMs, downloadTimeoutMs, loginCooldownMs} = this.options;
        const dispatcher = this.options.egress?.dispatcher;
        if (integration.auth.mode === 'login') {
            return new MattermostRestAdapter({serverUrl: integration.serverUrl, login: {loginId: integration.auth.loginId, password: integration.auth.password}, timeoutMs, downloadTimeoutMs, loginCooldownMs, dispatcher});
        }
        return new MattermostRestAdapter({serverUrl: integration.serverUrl, token: integration.auth.botToken, timeoutMs, downloadTimeoutMs, dispatcher});
    }

    forget(licence: string): void {
        this.#cache.delete(licence);
    }
}
