import assert from 'node:assert/strict';
import {readdirSync, readFileSync, statSync} from 'node:fs';
import path from 'node:path';
import {after, describe, it} from 'node:test';

import {loadConfig} from '../../src/config/config.js';
import {UpstreamError} from '../../src/domain/errors.js';
import {MattermostRestAdapter} from '../../src/mattermost/rest_adapter.js';
import {MattermostStandIn, type Seed} from '../../../test/standins/mattermost/index.js';
import {client} from '../admin/support.js';
import {sendEvent} from '../outbound/support.js';
import {ENGINES, startBridge, stopPostgresServer, waitFor, type RunningBridge} from '../support/bridge_harness.js';

/**
 * Issue 9, part 1: the bot logs in with e-mail and password (no access token). The session token
 * lives in memory; a 401 makes ONE new login and the request is sent again; a refused login makes
 * deliveries wait and the status say "Login rejected"; the password never leaves.
 */

after(stopPostgresServer);

const PASSWORD = 'Pw-for-the-login-bot-7f3a9c!';
/** The configured defaults, as the bridge passes them to its adapters. */
const TIMEOUTS = {timeoutMs: loadConfig({}).timeouts.mattermostMs, downloadTimeoutMs: loadConfig({}).timeouts.mattermostDownloadMs};
const NEW_PASSWORD = 'Pw-changed-later-0b1e44?';

interface LoginWorld {
    mm: MattermostStandIn;
    seed: Seed;
    botUser: {id: string; email: string};
    running: RunningBridge;
    api: ReturnType<typeof client>;
}

async function startLoginWorld(engine: 'sqlite' | 'postgres'): Promise<LoginWorld> {
    const mm = await MattermostStandIn.start();
    const seed = mm.seedDefault();
    // Mattermost refuses password logins for bot accounts: the "bot" is an ordinary user account.
    const user = mm.createUser({username: 'ireserve-login-bot', email: 'ireserve-bot@example.com', password: PASSWORD, team_ids: [seed.team.id]});
    for (const channel of [seed.channel, seed.notification_channel]) {
        mm.addChannelMember(channel.id, user.id);
    }
    const running = await startBridge({engine, env: {BRIDGE_PUBLIC_URL: 'https://bridge.example.com'}});
    return {mm, seed, botUser: {id: user.id, email: user.email}, running, api: client(running.url)};
}

function loginSettings(world: LoginWorld, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        mattermost: {server_url: world.mm.url, auth: 'login', login_id: world.botUser.email, password: PASSWORD},
        channel_id: world.seed.channel.id,
        notification_channels: {'booking.confirmed': world.seed.notification_channel.id},
        ...overrides,
    };
}

function logins(mm: MattermostStandIn): number {
    return mm.requestCounts()['POST /api/v4/users/login'] ?? 0;
}

function message(conversationId: string, messageId: string): unknown {
    return {type: 'conversation.message', data: {conversation_id: conversationId, message_id: messageId, sender: {type: 'visitor', name: 'Vera'}, text: `text of ${messageId}`}};
}

/** Every file under the data directory (SQLite file, WAL, key file...) as one buffer. */
function dataDirBytes(dir: string): Buffer {
    const parts: Buffer[] = [];
    for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        parts.push(statSync(file).isDirectory() ? dataDirBytes(file) : readFileSync(file));
    }
    return Buffer.concat(parts);
}

for (const engine of ENGINES) {
    describe(`bot login with e-mail and password (${engine})`, {timeout: 5 * 60_000}, () => {
        it('saves a login (validated by one login), never returns the password, and delivers; an expired session costs one re-login, nothing lost or doubled', async () => {
            const world = await startLoginWorld(engine);
            try {
                const licence = 'L-LOGIN-1';
                const created = await world.api('PUT', `/api/v1/integrations/${licence}`, {body: loginSettings(world)});
                assert.equal(created.status, 201, created.text);
                assert.equal(created.body.mattermost.auth, 'login');
                assert.equal(created.body.mattermost.login_id, world.botUser.email);
                assert.equal(created.body.mattermost.password_set, true);
                assert.equal(created.body.mattermost.bot_token_set, false);
                assert.equal(created.body.mattermost.bot_user_id, world.botUser.id);
                assert.ok(!created.text.includes(PASSWORD), 'the password is not in the answer');
                const secret = created.body.signing_secret as string;
                const read = await world.api('GET', `/api/v1/integrations/${licence}`);
                assert.equal(read.status, 200);
                assert.ok(!read.text.includes(PASSWORD));
                assert.equal(read.body.mattermost.password_set, true);

                const send = (event: unknown) => sendEvent(world.running.url, licence, secret, event);
                for (let i = 1; i <= 3; i += 1) {
                    assert.equal((await send(message('c-1', `m-${i}`))).status, 202);
                }
                const thread = () => {
                    const root = world.mm.channelPosts(world.seed.channel.id).find((post) => post.root_id === '' && (post.props.ireserve as {conversation_id?: string} | undefined)?.conversation_id === 'c-1');
                    return root ? world.mm.thread(root.id).filter((post) => post.id !== root.id) : [];
                };
                await waitFor(() => thread().length === 3, 'the first three messages');
                const loginsBefore = logins(world.mm);
                assert.ok(loginsBefore >= 1);

                // The session expires mid-run: the next delivery meets a 401, logs in once, and goes on.
                assert.ok(world.mm.expireSessions(world.botUser.id) >= 1);
                for (let i = 4; i <= 8; i += 1) {
                    assert.equal((await send(message('c-1', `m-${i}`))).status, 202);
                }
                await waitFor(() => thread().length === 8, 'all eight messages');
                const ids = thread().map((post) => (post.props.ireserve as {message_id: string}).message_id);
                assert.deepEqual(ids, ['m-1', 'm-2', 'm-3', 'm-4', 'm-5', 'm-6', 'm-7', 'm-8'], 'every message once, in order');
                assert.equal(logins(world.mm) - loginsBefore, 1, 'one re-login after the session expired');
                assert.ok(world.running.logs.every((line) => !line.includes(PASSWORD)), 'the password is not in the logs');

                // Sealed at rest: not in the database file (SQLite) nor anywhere in the data directory.
                if (engine === 'sqlite') {
                    await world.running.bridge.context.database.db.selectFrom('integrations').select('licence').execute();
                    const bytes = dataDirBytes(world.running.dir);
                    assert.equal(bytes.indexOf(PASSWORD), -1, 'the password is not in the SQLite file');
                    assert.ok(bytes.length > 0);
                }
                const stored = await world.running.bridge.context.database.db.selectFrom('integrations').selectAll().where('licence', '=', licence).executeTakeFirstOrThrow();
                assert.ok(!JSON.stringify(stored).includes(PASSWORD), 'the stored row does not hold the password in clear');
            } finally {
                await world.running.close();
                await world.mm.close();
            }
        });

        it('refuses a wrong password on save (400 naming the field); a password changed later makes deliveries wait with "Login rejected" in the status, and a fixed login lets them through', async () => {
            const world = await startLoginWorld(engine);
            try {
                const licence = 'L-LOGIN-2';
                const wrong = await world.api('PUT', `/api/v1/integrations/${licence}`, {body: loginSettings(world, {
                    mattermost: {server_url: world.mm.url, auth: 'login', login_id: world.botUser.email, password: 'not-the-password'},
                })});
                assert.equal(wrong.status, 400, wrong.text);
                assert.match(wrong.headers.get('content-type') ?? '', /application\/problem\+json/);
                assert.equal(wrong.body.field, 'mattermost.password');
                assert.match(wrong.text, /login rejected/i);
                assert.ok(!wrong.text.includes('not-the-password'));

                const missing = await world.api('PUT', `/api/v1/integrations/${licence}`, {body: loginSettings(world, {
                    mattermost: {server_url: world.mm.url, auth: 'login', login_id: world.botUser.email},
                })});
                assert.equal(missing.status, 400);
                assert.equal(missing.body.field, 'mattermost.password');

                const created = await world.api('PUT', `/api/v1/integrations/${licence}`, {body: loginSettings(world)});
                assert.equal(created.status, 201, created.text);
                const secret = created.body.signing_secret as string;
                const send = (event: unknown) => sendEvent(world.running.url, licence, secret, event);
                assert.equal((await send(message('c-2', 'm-1'))).status, 202);
                await waitFor(async () => (await world.api('GET', `/api/v1/integrations/${licence}`)).body.status.last_delivery_at, 'the first delivery');

                // Someone changes the account's password in Mattermost and the session ends.
                world.mm.store.users.get(world.botUser.id)!.password = NEW_PASSWORD;
                world.mm.expireSessions(world.botUser.id);
                for (let i = 2; i <= 4; i += 1) {
                    assert.equal((await send(message('c-2', `m-${i}`))).status, 202);
                }
                const waiting = await waitFor(async () => {
                    const view = (await world.api('GET', `/api/v1/integrations/${licence}`)).body;
                    return view.status.last_error ? view : undefined;
                }, 'the status to show the refused login');
                assert.equal(waiting.status.state, 'error');
                assert.match(waiting.status.last_error, /^Login rejected/);
                assert.equal(waiting.status.failed, 0, 'nothing parked: deliveries wait');
                assert.ok(waiting.status.queue_depth >= 1, 'deliveries are waiting');
                const loginsWhileRejected = logins(world.mm);

                // Waiting deliveries do not hammer the login endpoint (an account locks after failed logins).
                const rejectedJobs = await waitFor(async () => {
                    const list = (await world.api('GET', `/api/v1/integrations/${licence}/deliveries`)).body.deliveries as Array<{attempts: number; last_error_code: string | null}>;
                    return list.some((d) => d.last_error_code === 'login_rejected' && d.attempts >= 3) ? list : undefined;
                }, 'a few retries');
                assert.ok(rejectedJobs.length >= 1);
                assert.ok(logins(world.mm) - loginsWhileRejected <= 1, 'no new login attempt per retry while the refusal is fresh');

                const fixed = await world.api('PATCH', `/api/v1/integrations/${licence}`, {body: {mattermost: {password: NEW_PASSWORD}}});
                assert.equal(fixed.status, 200, fixed.text);
                assert.ok(!fixed.text.includes(NEW_PASSWORD));
                await waitFor(async () => {
                    const view = (await world.api('GET', `/api/v1/integrations/${licence}`)).body;
                    return view.status.queue_depth === 0 && view.status.last_error === null ? view : undefined;
                }, 'the waiting deliveries to go through after the fix');
                const root = world.mm.channelPosts(world.seed.channel.id).find((post) => post.root_id === '')!;
                assert.deepEqual(world.mm.thread(root.id).filter((p) => p.id !== root.id).map((p) => (p.props.ireserve as {message_id: string}).message_id), ['m-1', 'm-2', 'm-3', 'm-4']);
                assert.ok(world.running.logs.every((line) => !line.includes(PASSWORD) && !line.includes(NEW_PASSWORD) && !line.includes('not-the-password')));
            } finally {
                await world.running.close();
                await world.mm.close();
            }
        });
    });
}

describe('login session (one funnel, against the stand-in)', {timeout: 5 * 60_000}, () => {
    it('concurrent requests that all meet a 401 cause one login; each is sent again once', async () => {
        const mm = await MattermostStandIn.start();
        try {
            const seed = mm.seedDefault();
            const adapter = new MattermostRestAdapter({serverUrl: mm.url, login: {loginId: seed.agent.user.email, password: seed.agent.password}, ...TIMEOUTS});
            assert.equal((await adapter.getMe()).id, seed.agent.user.id);
            assert.equal(logins(mm), 1);
            mm.expireSessions(seed.agent.user.id);
            const channels = await Promise.all(Array.from({length: 12}, () => adapter.getChannel(seed.channel.id)));
            assert.ok(channels.every((channel) => channel.id === seed.channel.id));
            assert.equal(logins(mm), 2, 'one login for twelve concurrent 401s');
        } finally {
            await mm.close();
        }
    });

    it('a refused login is UpstreamError login_rejected (retryable), remembered for a while instead of retried per request', async () => {
        const mm = await MattermostStandIn.start();
        try {
            const seed = mm.seedDefault();
            const adapter = new MattermostRestAdapter({serverUrl: mm.url, login: {loginId: seed.agent.user.email, password: 'wrong'}, ...TIMEOUTS});
            const first = await adapter.getMe().then(() => undefined, (error: unknown) => error);
            assert.ok(first instanceof UpstreamError);
            assert.equal(first.kind, 'login_rejected');
            assert.equal(first.retryable, true);
            assert.equal(first.status, 401);
            const again = await Promise.all([adapter.getMe(), adapter.getChannel(seed.channel.id)].map((p) => p.then(() => undefined, (error: unknown) => error)));
            assert.ok(again.every((error) => error instanceof UpstreamError && error.kind === 'login_rejected' && (error.retryAfterMs ?? 0) > 0));
            assert.equal(logins(mm), 1, 'no second login while the refusal is fresh');
        } finally {
            await mm.close();
        }
    });
});
