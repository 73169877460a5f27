import type {AuthMode} from '../contract/index.js';
import type {MattermostAuth} from '../domain/integration.js';

import {InvalidSettings} from './errors.js';
import type {FullSettingsInput} from './input.js';

/** The Mattermost credentials part of a settings input (every field optional, as in a PATCH). */
export type CredentialsInput = Partial<FullSettingsInput['mattermost']>;

/**
 * The auth the input asks for, completed from the stored one: `auth` omitted means "login" when
 * login fields are sent, "token" when a token is sent, else the stored mode. A secret that is
 * omitted is kept when the mode (and, for a login, the login id) stays the same; pass `existing`
 * undefined where stored secrets must not be reused. Throws InvalidSettings naming the field.
 */
export function resolveAuth(input: CredentialsInput | undefined, existing: MattermostAuth | undefined, missingHint?: string): MattermostAuth {
    const mode: AuthMode = input?.auth
        ?? (input?.login_id !== undefined || input?.password !== undefined ? 'login' : input?.bot_token !== undefined ? 'token' : existing?.mode ?? 'token');
    if (mode === 'token') {
        if (input?.login_id !== undefined || input?.password !== undefined) {
            throw new InvalidSettings(input.password !== undefined ? 'mattermost.password' : 'mattermost.login_id', 'is only used with "auth": "login"; send "auth": "login" or leave it out');
        }
        const botToken = input?.bot_token ?? (existing?.mode === 'token' ? existing.botToken : undefined);
        if (botToken === undefined || botToken === '') {
            throw new InvalidSettings('mattermost.bot_token', missingHint ?? 'is required with "auth": "token" (the bot\'s access token)', 'required');
        }
        return {mode: 'token', botToken};
    }
    if (input?.bot_token !== undefined) {
        throw new InvalidSettings('mattermost.bot_token', 'is not used with "auth": "login"; send login_id and password instead');
    }
    const previous = existing?.mode === 'login' ? existing : undefined;
    // The login id is not a secret: it is kept from the stored login even where the password is not.
    const loginId = input?.login_id ?? previous?.loginId;
    if (!loginId) {
        throw new InvalidSettings('mattermost.login_id', 'is required with "auth": "login" (the bot account\'s e-mail address or username)', 'required');
    }
    const password = input?.password ?? (previous && previous.loginId === loginId ? previous.password : undefined);
    if (!password) {
        throw new InvalidSettings('mattermost.password', missingHint ?? 'is required with "auth": "login" (send it again when the login id changes)', 'required');
    }
    return {mode: 'login', loginId, password};
}

export function sameAuth(a: MattermostAuth, b: MattermostAuth): boolean {
    return a.mode === 'token' && b.mode === 'token'
        ? a.botToken === b.botToken
        : a.mode === 'login' && b.mode === 'login' && a.loginId === b.loginId && a.password === b.password;
}

/** The stored auth's mode and login id without its secret: what a new server URL starts from. */
export function withoutSecrets(auth: MattermostAuth): MattermostAuth {
    return auth.mode === 'token' ? {mode: 'token', botToken: ''} : {mode: 'login', loginId: auth.loginId, password: ''};
}
