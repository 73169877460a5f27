import {constantTimeEqual, hashAdminKey} from '../crypto/secret_box.js';

import {LICENCE_PATTERN} from './input.js';

/**
 * Who may use the admin API. The operator token (BRIDGE_ADMIN_TOKEN) may do everything; a
 * per-integration admin key only its own licence's routes, and never the operator-only ones
 * (creating an integration, listing licences). Secrets are compared as hashes in constant time.
 * A caller that is not the operator learns nothing about licences it has no key for: a wrong key
 * and an unknown licence get the same refusal.
 */
export type Principal = {role: 'operator'} | {role: 'integration'; licence: string};

export class AuthRefused extends Error {
    override name = 'AuthRefused';
    /** 503: the admin API is switched off; 401: no credentials; 403: credentials that do not fit. */
    constructor(readonly status: 401 | 403 | 503, message: string) {
        super(message);
    }
}

export interface AuthDeps {
    adminToken: string | undefined;
    adminKeyHash(licence: string): Promise<string | undefined>;
}

/** A hash no admin key has (for unknown licences, so both paths do the same work). */
const NO_KEY_HASH = hashAdminKey('no such admin key');

export function bearerToken(header: string | undefined): string | undefined {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
    return match?.[1];
}

/**
 * Decides whether the bearer token may act on `licence` (undefined: a route without a licence).
 * `operatorOnly` routes refuse admin keys. Throws AuthRefused.
 */
export async function authorise(deps: AuthDeps, header: string | undefined, licence: string | undefined, operatorOnly: boolean): Promise<Principal> {
    if (deps.adminToken === undefined) {
        throw new AuthRefused(503, 'The admin API is disabled: set BRIDGE_ADMIN_TOKEN on the bridge.');
    }
    const token = bearerToken(header);
    if (token === undefined) {
        throw new AuthRefused(401, 'Send the operator token or the integration\'s admin key as "Authorization: Bearer <token>".');
    }
    const presented = hashAdminKey(token);
    if (constantTimeEqual(presented, hashAdminKey(deps.adminToken))) {
        return {role: 'operator'};
    }
    if (operatorOnly || licence === undefined) {
        throw new AuthRefused(403, 'This needs the operator token (BRIDGE_ADMIN_TOKEN); an integration admin key is not enough.');
    }
    const stored = LICENCE_PATTERN.test(licence) ? await deps.adminKeyHash(licence) : undefined;
    const matches = constantTimeEqual(presented, stored ?? NO_KEY_HASH);
    if (stored === undefined || !matches) {
        throw new AuthRefused(403, 'This token is not valid for this licence.');
    }
    return {role: 'integration', licence};
}
