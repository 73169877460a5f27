import type {Integration} from '../domain/integration.js';
import type {MattermostPort} from '../ports/mattermost.js';

import {MattermostRestAdapter} from './rest_adapter.js';

/**
 * Hands out one MattermostPort per integration, rebuilt when the integration's settings change
 * (its `updatedAt` moves), so every delivery uses the newest URL and token.
 */
export class MattermostConnector {
    readonly #cache = new Map<string, {updatedAt: number; port: MattermostPort}>();

    constructor(private readonly options: {timeoutMs?: number} = {}) {}

    for(integration: Integration): MattermostPort {
        const cached = this.#cache.get(integration.licence);
        if (cached && cached.updatedAt === integration.updatedAt) {
            return cached.port;
        }
        const port = this.create(integration);
        this.#cache.set(integration.licence, {updatedAt: integration.updatedAt, port});
        return port;
    }

    /** A port for settings not saved yet (validation on save, the Test button). */
    create(integration: Pick<Integration, 'serverUrl' | 'auth'>): MattermostPort {
        if (integration.auth.mode !== 'token') {
            throw new Error('login authentication is not supported yet');
        }
        return new MattermostRestAdapter({serverUrl: integration.serverUrl, token: integration.auth.botToken, timeoutMs: this.options.timeoutMs});
    }

    forget(licence: string): void {
        this.#cache.delete(licence);
    }
}
