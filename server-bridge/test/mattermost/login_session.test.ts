// LoginSession: the bot's session token when it logs in with e-mail and password. One login for
// any number of concurrent callers, a refused login remembered for a cool-down instead of retried
// per request. The login itself is injected (the real one is Client4's POST /users/login); the
// clock is exact.
import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {UpstreamError} from '../../src/domain/errors.js';
import {LoginSession} from '../../src/mattermost/login_session.js';

/** A login that answers what the test queues (a token or an error), once each call is released. */
function scriptedLogin() {
    const script: Array<string | Error> = [];
    const gates: Array<() => void> = [];
    let held = false;
    const login = {
        calls: 0,
        script,
        /** While held, logins wait until `release()`: lets callers pile up on one login. */
        hold() {
            held = true;
        },
        release() {
            held = false;
            gates.splice(0).forEach((open) => open());
        },
        fn: async (): Promise<string> => {
            login.calls += 1;
            if (held) {
                await new Promise<void>((resolve) => gates.push(resolve));
            }
            const next = script.shift() ?? `token-${login.calls}`;
            if (next instanceof Error) {
                throw next;
            }
            return next;
        },
    };
    return login;
}

function clock(start = 1_000_000) {
    return {t: start, now() {
        return this.t;
    }};
}

const refused = (kind: 'token_rejected' | 'invalid' | 'forbidden' | 'login_rejected', status: number) =>
    new UpstreamError('mattermost', kind, 'invalid login', {status, errorId: 'api.user.login.invalid_credentials_email_username'});

async function failure(call: Promise<unknown>): Promise<UpstreamError> {
    const error = await call.then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof UpstreamError, `expected an UpstreamError, got ${String(error)}`);
    return error;
}

describe('LoginSession', {timeout: 60_000}, () => {
    test('token(): logs in on first use, then answers from memory', async () => {
        const login = scriptedLogin();
        const seen: string[] = [];
        const session = new LoginSession(login.fn, {onToken: (token) => seen.push(token)});
        assert.equal(login.calls, 0, 'no login before the first call');
        assert.equal(await session.token(), 'token-1');
        assert.equal(await session.token(), 'token-1');
        assert.equal(login.calls, 1);
        assert.deepEqual(seen, ['token-1'], 'onToken hears each new token once');
    });

    test('concurrent first calls share one login', async () => {
        const login = scriptedLogin();
        const session = new LoginSession(login.fn);
        login.hold();
        const tokens = Array.from({length: 20}, () => session.token());
        await Promise.resolve();
        login.release();
        assert.deepEqual(new Set(await Promise.all(tokens)), new Set(['token-1']));
        assert.equal(login.calls, 1);
    });

    test('refresh(stale): one new login for every caller that met a 401 with the same token', async () => {
        const login = scriptedLogin();
        const seen: string[] = [];
        const session = new LoginSession(login.fn, {onToken: (token) => seen.push(token)});
        const stale = await session.token();
        login.hold();
        const refreshed = Array.from({length: 12}, () => session.refresh(stale));
        await Promise.resolve();
        login.release();
        assert.deepEqual(new Set(await Promise.all(refreshed)), new Set(['token-2']));
        assert.equal(login.calls, 2, 'one login for twelve concurrent 401s');
        assert.equal(await session.token(), 'token-2');
        assert.deepEqual(seen, ['token-1', 'token-2']);
    });

    test('refresh with a token already replaced returns the newer one without logging in', async () => {
        const login = scriptedLogin();
        const session = new LoginSession(login.fn);
        const first = await session.token();
        const second = await session.refresh(first);
        assert.equal(second, 'token-2');
        assert.equal(await session.refresh(first), 'token-2', 'a late caller with the old token');
        assert.equal(login.calls, 2);
        assert.equal(await session.refresh(undefined), 'token-2', 'no token known to the caller: the current one');
        assert.equal(login.calls, 2);
    });

    test('a refused login: login_rejected (retryable) with the cool-down, remembered without new logins until it passes', async () => {
        const login = scriptedLogin();
        const time = clock();
        const session = new LoginSession(login.fn, {rejectedCooldownMs: 60_000, now: () => time.now()});
        login.script.push(refused('token_rejected', 401));
        const first = await failure(session.token());
        assert.equal(first.kind, 'login_rejected');
        assert.equal(first.retryable, true, 'deliveries wait instead of failing');
        assert.equal(first.status, 401);
        assert.equal(first.errorId, 'api.user.login.invalid_credentials_email_username');
        assert.equal(first.retryAfterMs, 60_000);
        assert.match(first.message, /login rejected/);

        time.t += 15_000;
        const again = await Promise.all([session.token(), session.refresh('whatever'), session.token()].map(failure));
        assert.ok(again.every((error) => error.kind === 'login_rejected' && error.retryAfterMs === 45_000), 'the time left');
        assert.equal(login.calls, 1, 'no login while the refusal is fresh (a wrong password must not lock the account)');

        time.t += 45_000;
        assert.equal(await session.token(), 'token-2', 'tried again once the cool-down is over, and the success clears it');
        assert.equal(login.calls, 2);
        assert.equal(await session.token(), 'token-2');
    });

    test('400, 403 and an earlier login_rejected count as refusals too; the default cool-down is a minute', async () => {
        for (const error of [refused('invalid', 400), refused('forbidden', 403), refused('login_rejected', 401)]) {
            const login = scriptedLogin();
            const time = clock();
            const session = new LoginSession(login.fn, {now: () => time.now()});
            login.script.push(error);
            const first = await failure(session.token());
            assert.equal(first.kind, 'login_rejected', error.kind);
            assert.equal(first.status, error.status);
            assert.equal(first.retryAfterMs, 60_000);
            await failure(session.token());
            assert.equal(login.calls, 1, `${error.kind}: remembered`);
        }
    });

    test('unreachable, 5xx and 429 pass through unchanged and are not remembered', async () => {
        const transient = [
            new UpstreamError('mattermost', 'unreachable', 'connect ECONNREFUSED'),
            new UpstreamError('mattermost', 'server_error', 'bad gateway', {status: 502}),
            new UpstreamError('mattermost', 'rate_limited', 'limit exceeded', {status: 429, retryAfterMs: 3000}),
        ];
        const login = scriptedLogin();
        const session = new LoginSession(login.fn, {now: () => 0});
        login.script.push(...transient);
        for (const expected of transient) {
            assert.equal(await failure(session.token()), expected, `${expected.kind} unchanged`);
        }
        assert.equal(await session.token(), 'token-4', 'the next call logs in at once');
        assert.equal(login.calls, 4);
    });

    test('callers waiting on a refused login all get the refusal from that one login', async () => {
        const login = scriptedLogin();
        const session = new LoginSession(login.fn, {now: () => 0});
        login.script.push(refused('token_rejected', 401));
        login.hold();
        const waiting = Array.from({length: 5}, () => failure(session.token()));
        await Promise.resolve();
        login.release();
        const errors = await Promise.all(waiting);
        assert.ok(errors.every((error) => error === errors[0] && error.kind === 'login_rejected'));
        assert.equal(login.calls, 1);
    });
});
