// Who is calling: tokens from the MMAUTHTOKEN cookie, `Authorization: Bearer`, or `access_token`.
import type {IncomingMessage} from 'node:http';
import {unauthorized} from './errors.js';
import type {TokenRec, UserRec} from './records.js';
import type {Store} from './state.js';

export type TokenLocation = 'cookie' | 'header' | 'query';

export interface Caller {
    user: UserRec;
    session: TokenRec;
    location: TokenLocation;
}

/** Mattermost's ParseAuthTokenFromRequest order: cookie, then `Authorization: Bearer|Token`, then `access_token`. */
export function parseToken(req: IncomingMessage): {token: string; location: TokenLocation} | null {
    const cookie = parseCookies(req.headers.cookie ?? '').MMAUTHTOKEN;
    if (cookie) {
        return {token: cookie, location: 'cookie'};
    }
    const auth = req.headers.authorization ?? '';
    const m = /^(bearer|token)\s+(\S+)$/i.exec(auth.trim());
    if (m && m[2]) {
        return {token: m[2], location: 'header'};
    }
    const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('access_token');
    if (query) {
        return {token: query, location: 'query'};
    }
    return null;
}

export function parseCookies(header: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const part of header.split(';')) {
        const i = part.indexOf('=');
        if (i > 0) {
            try {
                out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
            } catch {
                // ignore a malformed cookie
            }
        }
    }
    return out;
}

/** The token record if the token is active and its user exists and is not deactivated. */
export function liveSession(store: Store, token: string): TokenRec | undefined {
    const rec = store.tokens.get(token);
    if (!rec || !rec.active) {
        return undefined;
    }
    const user = store.users.get(rec.user_id);
    if (!user || user.delete_at !== 0) {
        return undefined;
    }
    return rec;
}

/**
 * The authenticated caller, or null when the request carries no token.
 * Throws 401 `api.context.session_expired.app_error` for a bad token, and for a cookie-authenticated
 * non-GET without a matching `X-CSRF-Token` or `X-Requested-With: XMLHttpRequest` (Mattermost's
 * non-strict CSRF check).
 */
export function authenticate(store: Store, req: IncomingMessage): Caller | null {
    const parsed = parseToken(req);
    if (!parsed) {
        return null;
    }
    const session = liveSession(store, parsed.token);
    if (!session) {
        throw unauthorized(`token=${parsed.token.slice(0, 5)}…`);
    }
    if (parsed.location === 'cookie' && req.method !== 'GET' && req.method !== 'HEAD') {
        const csrf = req.headers['x-csrf-token'];
        const xrw = req.headers['x-requested-with'];
        if (csrf !== session.csrf && xrw !== 'XMLHttpRequest') {
            throw unauthorized('Appears to be a CSRF attempt');
        }
    }
    return {user: store.users.get(session.user_id)!, session, location: parsed.location};
}
