import assert from 'node:assert/strict';
import {readFileSync, existsSync} from 'node:fs';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {createAdminApi} from '../../src/admin/index.js';
import {verify, sign} from '../../src/crypto/standard_webhooks.js';
import {ENGINES, startBridge, stopPostgresServer, waitFor} from '../support/bridge_harness.js';

import {ADMIN_TOKEN, client, closedPort, createIntegration, settingsFor, startWorld, stopWorld, webhookTokenFor, type World} from './support.js';

after(stopPostgresServer);

/** A channel in the seeded team that only the bot (and the admin) are members of. */
function botChannel(world: World, name: string, type: 'O' | 'P' = 'O') {
    const channel = world.mm.createChannel({team_id: world.seed.team.id, name, display_name: name.toUpperCase(), type});
    world.mm.addChannelMember(channel.id, world.seed.bot.user.id);
    return channel;
}

describe('admin API disabled', {timeout: 5 * 60_000}, () => {
    test('without BRIDGE_ADMIN_TOKEN every admin route answers 503 problem', async () => {
        const running = await startBridge({engine: 'sqlite', env: {BRIDGE_ADMIN_TOKEN: ''}});
        try {
            const api = client(running.url);
            for (const [method, route] of [['GET', '/api/v1/integrations'], ['GET', '/api/v1/integrations/L-1'], ['PUT', '/api/v1/integrations/L-1']]) {
                const answer = await api(method!, route!, {token: 'whatever-token-value', body: method === 'PUT' ? {} : undefined});
                assert.equal(answer.status, 503, `${method} ${route}`);
                assert.equal(answer.headers.get('content-type'), 'application/problem+json; charset=utf-8');
                assert.match(answer.body.detail, /set BRIDGE_ADMIN_TOKEN/);
            }
        } finally {
            await running.close();
        }
    });
});

for (const engine of ENGINES) {
    describe(`admin API on ${engine}`, {timeout: 5 * 60_000}, () => {
        let world: World;
        before(async () => {
            world = await startWorld(engine);
        });
        after(async () => {
            await stopWorld(world);
        });

        test('auth: 401 without a token, 403 for a wrong one, operator-only routes refuse admin keys', async () => {
            const {api} = world;
            const {admin_key: key} = await createIntegration(world, 'L-AUTH');
            const missing = await api('GET', '/api/v1/integrations/L-AUTH', {token: null});
            assert.equal(missing.status, 401);
            assert.match(missing.headers.get('www-authenticate') ?? '', /^Bearer/);
            assert.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
            const notBearer = await api('GET', '/api/v1/integrations/L-AUTH', {token: null});
            assert.equal(notBearer.status, 401);
            assert.equal((await api('GET', '/api/v1/integrations/L-AUTH', {token: 'not-the-key-at-all'})).status, 403);
            assert.equal((await api('GET', '/api/v1/integrations/L-AUTH', {token: key})).status, 200, 'own admin key');
            assert.equal((await api('GET', '/api/v1/integrations/L-AUTH')).status, 200, 'operator token');
            const list = await api('GET', '/api/v1/integrations', {token: key});
            assert.equal(list.status, 403, 'listing needs the operator token');
            const create = await api('PUT', '/api/v1/integrations/L-AUTH-NEW', {token: key, body: settingsFor(world)});
            assert.equal(create.status, 403, 'creating needs the operator token');
            assert.equal((await api('GET', '/api/v1/integrations/L-AUTH-NEW')).status, 404, 'nothing was created');
            const listed = await api('GET', '/api/v1/integrations');
            assert.equal(listed.status, 200);
            const entry = listed.body.integrations.find((i: {licence: string}) => i.licence === 'L-AUTH');
            assert.deepEqual(Object.keys(entry).sort(), ['active', 'channel_id', 'licence', 'server_url', 'status']);
            assert.equal(entry.active, true);
        });

        test('auth: an admin key never reaches another licence, and cannot tell whether it exists', async () => {
            const {api} = world;
            const a = await createIntegration(world, 'L-CROSS-A');
            await createIntegration(world, 'L-CROSS-B');
            const routes: Array<[string, string, unknown?]> = [
                ['GET', '/api/v1/integrations/L-CROSS-B'],
                ['PATCH', '/api/v1/integrations/L-CROSS-B', {active: false}],
                ['PUT', '/api/v1/integrations/L-CROSS-B', settingsFor(world)],
                ['DELETE', '/api/v1/integrations/L-CROSS-B'],
                ['POST', '/api/v1/integrations/L-CROSS-B/rotate'],
                ['GET', '/api/v1/integrations/L-CROSS-B/channels'],
                ['POST', '/api/v1/integrations/L-CROSS-B/test'],
                ['PUT', '/api/v1/integrations/L-CROSS-B/users', {users: []}],
                ['GET', '/api/v1/integrations/L-CROSS-B/users'],
                ['GET', '/api/v1/integrations/L-CROSS-B/deliveries?status=failed'],
                ['POST', '/api/v1/integrations/L-CROSS-B/deliveries/1/retry'],
                ['POST', '/api/v1/integrations/L-CROSS-B/deliveries/retry-failed'],
            ];
            for (const [method, route, body] of routes) {
                const answer = await api(method, route, {token: a.admin_key, body});
                assert.equal(answer.status, 403, `${method} ${route}`);
                assert.doesNotMatch(answer.text, /L-CROSS-B|server_url|channel/, 'no data of the other licence');
            }
            const unknown = await api('GET', '/api/v1/integrations/L-NOPE', {token: a.admin_key});
            const other = await api('GET', '/api/v1/integrations/L-CROSS-B', {token: a.admin_key});
            assert.equal(unknown.status, 403);
            assert.deepEqual(unknown.body, other.body, 'an unknown licence and a foreign one look the same');
            assert.equal((await api('GET', '/api/v1/integrations/L-CROSS-B')).body.active, true, 'B untouched');
        });

        test('PUT creates (201, secrets once), GET shows settings without secrets, PUT replaces (200)', async () => {
            const {api} = world;
            const body = settingsFor(world, {}, 'L-1001');
            const created = await api('PUT', '/api/v1/integrations/L-1001', {body});
            assert.equal(created.status, 201, created.text);
            assert.match(created.body.signing_secret, /^whsec_[A-Za-z0-9+/=]{40,}$/);
            assert.match(created.body.admin_key, /^irak_[A-Za-z0-9_-]{40,}$/);
            world.secrets.add(created.body.signing_secret);
            world.secrets.add(created.body.admin_key);
            assert.equal(created.headers.get('cache-control'), 'no-store');

            const got = await api('GET', '/api/v1/integrations/L-1001', {token: created.body.admin_key});
            assert.equal(got.status, 200);
            const {status, created_at: createdAt, updated_at: updatedAt, ...settings} = got.body;
            assert.deepEqual(settings, {
                licence: 'L-1001',
                mattermost: {server_url: world.mm.url, auth: 'token', bot_token_set: true, password_set: false, outgoing_webhook_token_set: true, slash_command_token_set: false, bot_user_id: world.seed.bot.user.id},
                channel_id: world.seed.channel.id,
                routes: [],
                notification_channels: {'booking.confirmed': world.seed.notification_channel.id, 'booking.changed': '', 'booking.cancelled': '', 'payment.received': '', 'arrival.today': ''},
                relay_mode: 'all_replies',
                inbound_mode: 'outgoing_webhook',
                ireserve: {callback_url: 'https://ireserve.example.com/callback'},
                active: true,
                dm_settings: {on_assignment: false, on_guest_message: false, subscriptions: {}},
                retention_days: null,
                inbound_webhook_url: 'https://bridge.example.com/api/v1/mattermost/outgoing-webhook',
                actions_url: 'https://bridge.example.com/api/v1/mattermost/actions',
                slash_command_url: 'https://bridge.example.com/api/v1/mattermost/command',
            });
            assert.deepEqual(status, {state: 'ok', last_error: null, last_error_at: null, last_delivery_at: null, queue_depth: 0, failed: 0, waiting: {count: 0, longest_seconds: 0}});
            assert.ok(!Number.isNaN(Date.parse(createdAt)) && !Number.isNaN(Date.parse(updatedAt)));
            assert.doesNotMatch(got.text, /signing_secret|admin_key|"bot_token"|owt-secret/);

            // Replace: the GET answer sent back as is (read-only fields ignored), with changes; secrets kept.
            const replaced = await api('PUT', '/api/v1/integrations/L-1001', {
                token: created.body.admin_key,
                body: {...got.body, relay_mode: 'composer_only', inbound_mode: 'websocket', notification_channels: {}, ireserve: {callback_url: null}},
            });
            assert.equal(replaced.status, 200, replaced.text);
            assert.equal(replaced.body.signing_secret, undefined);
            assert.equal(replaced.body.admin_key, undefined);
            assert.equal(replaced.body.relay_mode, 'composer_only');
            assert.equal(replaced.body.inbound_mode, 'websocket');
            assert.equal(replaced.body.notification_channels['booking.confirmed'], '');
            assert.equal(replaced.body.ireserve.callback_url, null);
            assert.equal(replaced.body.mattermost.bot_token_set, true, 'bot token kept when omitted');
            assert.equal(replaced.body.mattermost.outgoing_webhook_token_set, true, 'outgoing-webhook token kept when omitted');
            const integration = await world.running.bridge.context.integrations.get('L-1001');
            assert.equal(integration?.auth.mode === 'token' && integration.auth.botToken, world.seed.bot.token);
            assert.deepEqual(integration?.signingSecrets, [created.body.signing_secret], 'replace does not rotate');
        });

        test('validation: each error is a problem naming its field, and nothing is saved', async () => {
            const {api, mm, seed} = world;
            const privateWithoutBot = mm.createChannel({team_id: seed.team.id, name: 'hidden', type: 'P'});
            const port = await closedPort();
            const base = settingsFor(world);
            const mattermost = base.mattermost as Record<string, unknown>;
            const cases: Array<{name: string; licence?: string; body: unknown; field: string; code?: string; detail?: RegExp}> = [
                {name: 'licence pattern', licence: '-bad licence', body: base, field: 'licence'},
                {name: 'body not an object', body: [], field: ''},
                {name: 'server_url scheme', body: {...base, mattermost: {...mattermost, server_url: 'ftp://mm.example.com'}}, field: 'mattermost.server_url', detail: /http\(s\)/},
                {name: 'server_url missing', body: {...base, mattermost: {bot_token: 'x'}}, field: 'mattermost.server_url'},
                {name: 'bot token required on create', body: {...base, mattermost: {server_url: mm.url}}, field: 'mattermost.bot_token', code: 'required'},
                {name: 'login auth with a bot token', body: {...base, mattermost: {...mattermost, auth: 'login'}}, field: 'mattermost.bot_token'},
                {name: 'unknown auth', body: {...base, mattermost: {...mattermost, auth: 'oauth'}}, field: 'mattermost.auth'},
                {name: 'unknown field', body: {...base, relay: 'x'}, field: 'relay', detail: /not a known field/},
                {name: 'unknown mattermost field', body: {...base, mattermost: {...mattermost, token: 'x'}}, field: 'mattermost.token'},
                {name: 'channel_id format', body: {...base, channel_id: 'support'}, field: 'channel_id'},
                {name: 'channel_id missing', body: {...base, channel_id: undefined}, field: 'channel_id'},
                {name: 'unknown notification type', body: {...base, notification_channels: {'booking.exploded': seed.channel.id}}, field: 'notification_channels.booking.exploded', detail: /not a known notification type/},
                {name: 'notification target', body: {...base, notification_channels: {'payment.received': 'mailto:x@example.com'}}, field: 'notification_channels.payment.received'},
                {name: 'relay_mode enum', body: {...base, relay_mode: 'everything'}, field: 'relay_mode'},
                {name: 'inbound_mode enum', body: {...base, inbound_mode: 'carrier_pigeon'}, field: 'inbound_mode'},
                {name: 'callback_url', body: {...base, ireserve: {callback_url: 'not a url'}}, field: 'ireserve.callback_url'},
                {name: 'active boolean', body: {...base, active: 'yes'}, field: 'active'},
                {name: 'token rejected', body: {...base, mattermost: {...mattermost, bot_token: 'revoked-or-wrong-token'}}, field: 'mattermost.bot_token', code: 'token_rejected', detail: /token rejected/},
                {name: 'not a bot account', body: {...base, mattermost: {...mattermost, bot_token: seed.agent.token}}, field: 'mattermost.bot_token', code: 'not_a_bot', detail: /not a bot account/},
                {name: 'server unreachable', body: {...base, mattermost: {...mattermost, server_url: `http://127.0.0.1:${port}`}}, field: 'mattermost.server_url', code: 'server_unreachable', detail: /server unreachable/},
                {name: 'channel not found', body: {...base, channel_id: 'a'.repeat(26)}, field: 'channel_id', code: 'channel_not_found'},
                {name: 'private channel the bot cannot see', body: {...base, channel_id: privateWithoutBot.id}, field: 'channel_id', code: 'channel_not_visible'},
                {name: 'notification channel not found', body: {...base, notification_channels: {'arrival.today': 'b'.repeat(26)}}, field: 'notification_channels.arrival.today', code: 'channel_not_found'},
            ];
            for (const entry of cases) {
                const licence = entry.licence ?? 'L-INVALID';
                const answer = await api('PUT', `/api/v1/integrations/${encodeURIComponent(licence)}`, {body: entry.body});
                assert.equal(answer.status, 400, `${entry.name}: ${answer.text}`);
                assert.equal(answer.headers.get('content-type'), 'application/problem+json; charset=utf-8', entry.name);
                if (entry.field === '') {
                    assert.equal(answer.body.field, undefined, entry.name);
                } else {
                    assert.equal(answer.body.field, entry.field, `${entry.name}: ${answer.text}`);
                    assert.ok(answer.body.detail.startsWith(`${entry.field}: `), `${entry.name}: detail names the field: ${answer.body.detail}`);
                }
                if (entry.code) {
                    assert.equal(answer.body.code, entry.code, entry.name);
                }
                if (entry.detail) {
                    assert.match(answer.body.detail, entry.detail, entry.name);
                }
                assert.equal((await api('GET', '/api/v1/integrations/L-INVALID')).status, 404, `${entry.name}: nothing saved`);
            }

            // On an existing integration a refused change leaves it as it was.
            await createIntegration(world, 'L-INVALID-2');
            const before = (await api('GET', '/api/v1/integrations/L-INVALID-2')).body;
            const refused = await api('PATCH', '/api/v1/integrations/L-INVALID-2', {body: {relay_mode: 'composer_only', channel_id: privateWithoutBot.id}});
            assert.equal(refused.status, 400);
            assert.equal(refused.body.field, 'channel_id');
            assert.deepEqual((await api('GET', '/api/v1/integrations/L-INVALID-2')).body, before);
            const badToken = await api('PATCH', '/api/v1/integrations/L-INVALID-2', {body: {mattermost: {bot_token: seed.agent2.token}}});
            assert.equal(badToken.status, 400);
            assert.equal(badToken.body.code, 'not_a_bot');
            const integration = await world.running.bridge.context.integrations.get('L-INVALID-2');
            assert.equal(integration?.auth.mode === 'token' && integration.auth.botToken, seed.bot.token);
            const users = await api('PUT', '/api/v1/integrations/L-INVALID-2/users', {body: {users: [{ireserve_user_id: 'u1', email: 'not-an-email'}]}});
            assert.equal(users.status, 400);
            assert.equal(users.body.field, 'users.0.email');
        });

        test('PATCH changes only what it names; secrets are kept unless sent; only changes are checked', async () => {
            const {api, mm, seed} = world;
            const {admin_key: key} = await createIntegration(world, 'L-PATCH');
            const second = botChannel(world, 'patch-second');
            mm.clearRequestLog();
            const patched = await api('PATCH', '/api/v1/integrations/L-PATCH', {token: key, body: {active: false, relay_mode: 'composer_only'}});
            assert.equal(patched.status, 200, patched.text);
            assert.equal(patched.body.active, false);
            assert.equal(patched.body.relay_mode, 'composer_only');
            assert.equal(patched.body.channel_id, seed.channel.id);
            assert.equal(patched.body.notification_channels['booking.confirmed'], seed.notification_channel.id);
            assert.deepEqual(mm.requestLog(), [], 'no Mattermost call for a change that does not touch Mattermost');

            const moved = await api('PATCH', '/api/v1/integrations/L-PATCH', {token: key, body: {
                channel_id: second.id,
                notification_channels: {'booking.confirmed': '', 'payment.received': second.id},
                mattermost: {outgoing_webhook_token: ''},
            }});
            assert.equal(moved.status, 200, moved.text);
            assert.equal(moved.body.channel_id, second.id);
            assert.equal(moved.body.notification_channels['booking.confirmed'], '');
            assert.equal(moved.body.notification_channels['payment.received'], second.id);
            assert.equal(moved.body.mattermost.outgoing_webhook_token_set, false, "'' removes the outgoing-webhook token");
            assert.equal(moved.body.mattermost.bot_token_set, true);

            world.secrets.add('owt-new-token-0002');
            const token = await api('PATCH', '/api/v1/integrations/L-PATCH', {token: key, body: {mattermost: {outgoing_webhook_token: 'owt-new-token-0002'}}});
            assert.equal(token.body.mattermost.outgoing_webhook_token_set, true);
            const found = await world.running.bridge.context.integrations.findByOutgoingWebhookToken('owt-new-token-0002');
            assert.equal(found?.licence, 'L-PATCH');
            assert.equal((await api('PATCH', '/api/v1/integrations/L-NOT-THERE', {body: {active: true}})).status, 404);
        });

        test('DELETE removes the integration; its admin key stops working', async () => {
            const {api} = world;
            const {admin_key: key} = await createIntegration(world, 'L-DELETE');
            const deleted = await api('DELETE', '/api/v1/integrations/L-DELETE', {token: key});
            assert.equal(deleted.status, 204);
            assert.equal((await api('GET', '/api/v1/integrations/L-DELETE')).status, 404);
            assert.equal((await api('GET', '/api/v1/integrations/L-DELETE', {token: key})).status, 403);
            assert.equal((await api('DELETE', '/api/v1/integrations/L-DELETE')).status, 404);
        });

        test('rotate: new signing secret and admin key; the old signing secret stays valid for 24 h', async () => {
            const {api} = world;
            const old = await createIntegration(world, 'L-ROTATE');
            const rotated = await api('POST', '/api/v1/integrations/L-ROTATE/rotate', {token: old.admin_key});
            assert.equal(rotated.status, 200, rotated.text);
            const {signing_secret: secret, admin_key: key, previous_signing_secret_expires_at: expires} = rotated.body;
            world.secrets.add(secret);
            world.secrets.add(key);
            assert.match(secret, /^whsec_/);
            assert.notEqual(secret, old.signing_secret);
            assert.notEqual(key, old.admin_key);
            const hours = (Date.parse(expires) - Date.now()) / 3_600_000;
            assert.ok(hours > 23.9 && hours <= 24, `expires in ${hours} h`);

            const integration = await world.running.bridge.context.integrations.get('L-ROTATE');
            const body = '{"type":"notification","data":{}}';
            const now = Math.floor(Date.now() / 1000);
            for (const [name, signingSecret] of [['new', secret], ['old', old.signing_secret]]) {
                const signature = sign(signingSecret, 'msg_1', now, body);
                assert.equal(verify(integration!.signingSecrets, {id: 'msg_1', timestamp: String(now), signature}, body, now), null, `${name} secret verifies`);
            }
            // Through the event intake: both secrets are accepted, any other is not.
            const post = async (signingSecret: string, id: string) => {
                const event = JSON.stringify({type: 'notification', data: {notification_type: 'arrival.today', text: 'Guests arrive today'}});
                const seconds = Math.floor(Date.now() / 1000);
                const response = await fetch(`${world.running.url}/api/v1/licences/L-ROTATE/events`, {
                    method: 'POST',
                    headers: {'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(seconds), 'webhook-signature': sign(signingSecret, id, seconds, event)},
                    body: event,
                });
                await response.arrayBuffer();
                return response.status;
            };
            assert.ok([200, 202].includes(await post(secret, 'evt-new')), 'the new secret signs events');
            assert.ok([200, 202].includes(await post(old.signing_secret, 'evt-old')), 'the old secret still signs events');
            assert.equal(await post('whsec_' + Buffer.alloc(32, 7).toString('base64'), 'evt-other'), 401, 'another secret does not');
            assert.equal((await api('PATCH', '/api/v1/integrations/L-ROTATE', {body: {active: false}})).status, 200);
            assert.equal(await post(secret, 'evt-inactive'), 409, 'a deactivated integration accepts no events');
            assert.equal((await api('PATCH', '/api/v1/integrations/L-ROTATE', {body: {active: true}})).status, 200);

            assert.equal((await api('GET', '/api/v1/integrations/L-ROTATE', {token: old.admin_key})).status, 403, 'old admin key refused');
            assert.equal((await api('GET', '/api/v1/integrations/L-ROTATE', {token: key})).status, 200, 'new admin key works');

            // Rotating again drops the first secret: only the newest two are kept.
            const again = await api('POST', '/api/v1/integrations/L-ROTATE/rotate');
            world.secrets.add(again.body.signing_secret);
            world.secrets.add(again.body.admin_key);
            const after = await world.running.bridge.context.integrations.get('L-ROTATE');
            assert.deepEqual(after?.signingSecrets, [again.body.signing_secret, secret]);
        });

        test('channels: the bot\'s channels with team names; a saved channel the bot left stays listed', async () => {
            const {api, mm, seed} = world;
            const team2 = mm.createTeam({name: 'second-park', display_name: 'Second Park'});
            mm.addTeamMember(team2.id, seed.bot.user.id);
            const elsewhere = mm.createChannel({team_id: team2.id, name: 'front-desk', display_name: 'Front Desk'});
            mm.addChannelMember(elsewhere.id, seed.bot.user.id);
            const mirror = botChannel(world, 'chan-mirror');
            const privateNote = botChannel(world, 'chan-private', 'P');
            const {admin_key: key} = await createIntegration(world, 'L-CHANNELS', {channel_id: mirror.id, notification_channels: {'booking.changed': privateNote.id}});
            // A second token of the same bot, revoked at the end.
            const revoked = mm.createToken(seed.bot.user.id);
            world.secrets.add(revoked.token);
            assert.equal((await api('PATCH', '/api/v1/integrations/L-CHANNELS', {body: {mattermost: {bot_token: revoked.token}}})).status, 200);

            const listed = await api('GET', '/api/v1/integrations/L-CHANNELS/channels', {token: key});
            assert.equal(listed.status, 200, listed.text);
            const byId = new Map(listed.body.channels.map((c: {id: string}) => [c.id, c]));
            assert.deepEqual(byId.get(mirror.id), {
                id: mirror.id, name: 'chan-mirror', display_name: 'CHAN-MIRROR', type: 'O', team_id: seed.team.id,
                team_name: 'holiday-park', member: true, selected: true, routes: [], notification_types: [],
            });
            assert.equal((byId.get(elsewhere.id) as {team_name: string}).team_name, 'second-park');
            assert.deepEqual((byId.get(privateNote.id) as {notification_types: string[]}).notification_types, ['booking.changed']);
            assert.equal(listed.body.channels.filter((c: {selected: boolean}) => c.selected).length, 1);
            assert.ok(listed.body.channels.every((c: {type: string}) => c.type === 'O' || c.type === 'P'), 'no direct messages');

            mm.removeChannelMember(mirror.id, seed.bot.user.id);
            mm.removeChannelMember(privateNote.id, seed.bot.user.id);
            const after = await api('GET', '/api/v1/integrations/L-CHANNELS/channels', {token: key});
            assert.equal(after.status, 200);
            const departed = after.body.channels.find((c: {id: string}) => c.id === mirror.id);
            assert.deepEqual(departed, {
                id: mirror.id, name: 'chan-mirror', display_name: 'CHAN-MIRROR', type: 'O', team_id: seed.team.id,
                team_name: 'holiday-park', member: false, selected: true, routes: [], notification_types: [],
            });
            const hidden = after.body.channels.find((c: {id: string}) => c.id === privateNote.id);
            assert.deepEqual(hidden, {id: privateNote.id, name: '', display_name: '', type: '', team_id: '', team_name: '', member: false, selected: false, routes: [], notification_types: ['booking.changed']});

            mm.revokeToken(revoked.token);
            const refused = await api('GET', '/api/v1/integrations/L-CHANNELS/channels', {token: key});
            assert.equal(refused.status, 502);
            assert.equal(refused.body.code, 'token_rejected');
        });

        test('test: ok with a permalink, not a member (403), channel not found (404), token rejected (401)', async () => {
            const {api, mm, seed} = world;
            const mirror = botChannel(world, 'test-mirror');
            const left = botChannel(world, 'test-left');
            const gone = botChannel(world, 'test-gone');
            const hook = mm.createIncomingWebhook({channel_id: mirror.id});
            const {admin_key: key} = await createIntegration(world, 'L-TEST', {
                channel_id: mirror.id,
                notification_channels: {'booking.confirmed': left.id, 'booking.cancelled': gone.id, 'payment.received': hook.url, 'arrival.today': ''},
            });
            mm.removeChannelMember(left.id, seed.bot.user.id);
            mm.deleteChannel(gone.id);

            const answer = await api('POST', '/api/v1/integrations/L-TEST/test', {token: key});
            assert.equal(answer.status, 200, answer.text);
            const results = answer.body.results as Array<Record<string, any>>;
            assert.deepEqual(results.map((r) => [r.purpose, r.ok, r.error]), [
                ['mirror', true, undefined],
                ['notification:booking.confirmed', false, 'not_a_member'],
                ['notification:booking.cancelled', false, 'channel_not_found'],
                ['notification:payment.received', true, undefined],
            ]);
            const [ok, notMember, notFound, webhook] = results;
            const post = mm.channelPosts(mirror.id).find((p) => p.user_id === seed.bot.user.id)!;
            assert.match(post.message, /Test message/);
            assert.equal(ok!.permalink, `${mm.url}/holiday-park/pl/${post.id}`);
            assert.equal(ok!.channel_id, mirror.id);
            assert.match(ok!.message, /~test-mirror/);
            assert.equal(notMember!.channel_id, left.id);
            assert.match(notMember!.message, /not a member of ~test-left.*\/invite @ireserve-bot/);
            assert.equal(notMember!.permalink, undefined);
            assert.match(notFound!.message, /does not exist/);
            assert.equal(webhook!.target, 'incoming_webhook');
            assert.equal(mm.channelPosts(left.id).length, 0);

            const revoked = mm.createToken(seed.bot.user.id);
            world.secrets.add(revoked.token);
            const swapped = await api('PATCH', '/api/v1/integrations/L-TEST', {body: {mattermost: {bot_token: revoked.token}, notification_channels: {'booking.confirmed': '', 'booking.cancelled': '', 'payment.received': ''}}});
            assert.equal(swapped.status, 200, swapped.text);
            mm.revokeToken(revoked.token);
            const rejected = await api('POST', '/api/v1/integrations/L-TEST/test', {token: key});
            assert.equal(rejected.status, 200);
            assert.deepEqual(rejected.body.results.map((r: Record<string, unknown>) => [r.purpose, r.ok, r.error]), [['mirror', false, 'token_rejected']]);
            assert.match(rejected.body.results[0].message, /new access token/);
        });

        test('a channel on a team the bot is not on: save and Test give the team fix first, not only /invite; a bot on no team is told so', async () => {
            const {api, mm, seed} = world;
            const far = mm.createTeam({name: 'far-park', display_name: 'Far Park'});
            const farDesk = mm.createChannel({team_id: far.id, name: 'far-desk', display_name: 'Far Desk', type: 'O'});
            // Save: the bot (on Holiday Park only) cannot see a public channel of Far Park.
            const refused = await api('PUT', '/api/v1/integrations/L-TEAM', {body: settingsFor(world, {channel_id: farDesk.id})});
            assert.equal(refused.status, 400, refused.text);
            assert.equal(refused.body.code, 'channel_not_visible');
            assert.match(refused.body.detail, /team the bot is not on \(the bot is on: Holiday Park[^)]*\)/);
            assert.match(refused.body.detail, /add the bot to that team first — \/invite does not work before that: System Console → User Management → Teams/);
            assert.match(refused.body.detail, new RegExp(`POST /api/v4/teams/\\{team_id\\}/members with \\{"team_id": "<team id>", "user_id": "${seed.bot.user.id}"\\}`));
            assert.match(refused.body.detail, /or it is a private channel the bot is not a member of/);

            // Test: saved while the bot was on Far Park, then the bot was removed from the team.
            mm.addTeamMember(far.id, seed.bot.user.id);
            mm.addChannelMember(farDesk.id, seed.bot.user.id);
            const {admin_key: key} = await createIntegration(world, 'L-TEAM', {notification_channels: {'booking.changed': farDesk.id}});
            mm.removeTeamMember(far.id, seed.bot.user.id);
            const tested = await api('POST', '/api/v1/integrations/L-TEAM/test', {token: key});
            assert.equal(tested.status, 200, tested.text);
            const result = (tested.body.results as Array<Record<string, any>>).find((entry) => entry.purpose === 'notification:booking.changed')!;
            assert.equal(result.ok, false);
            assert.equal(result.error, 'not_visible');
            assert.match(result.message, /team the bot is not on \(the bot is on: Holiday Park[^)]*\) — then add the bot to that team first/);

            // A bot on no team at all: certainly the team.
            const lonely = mm.createBot({username: 'lonely-bot'});
            const lonelyToken = mm.createToken(lonely.id).token;
            world.secrets.add(lonelyToken);
            const noTeam = await api('PUT', '/api/v1/integrations/L-TEAM2', {body: settingsFor(world, {mattermost: {server_url: mm.url, bot_token: lonelyToken}, channel_id: seed.channel.id, notification_channels: {}})});
            assert.equal(noTeam.status, 400, noTeam.text);
            assert.equal(noTeam.body.code, 'bot_not_on_team');
            assert.match(noTeam.body.detail, /The bot @lonely-bot is not on any team, so it cannot see channel .*add the bot to that team first.*then add it to the channel \(type \/invite @lonely-bot/);
        });

        test('users: PUT replaces the directory used for reply authors', async () => {
            const {api} = world;
            const {admin_key: key} = await createIntegration(world, 'L-USERS');
            const put = await api('PUT', '/api/v1/integrations/L-USERS/users', {token: key, body: {users: [
                {ireserve_user_id: 'u-1', email: 'Anna@Example.com'},
                {ireserve_user_id: 'u-2', email: 'ben@example.com'},
            ]}});
            assert.equal(put.status, 200, put.text);
            assert.deepEqual(put.body, {count: 2});
            const directory = world.running.bridge.context.directory;
            assert.equal((await directory.findByEmail('L-USERS', 'anna@example.com'))?.ireserve_user_id, 'u-1');
            const again = await api('PUT', '/api/v1/integrations/L-USERS/users', {token: key, body: {users: [{ireserve_user_id: 'u-3', email: 'cleo@example.com'}]}});
            assert.deepEqual(again.body, {count: 1});
            assert.deepEqual((await api('GET', '/api/v1/integrations/L-USERS/users', {token: key})).body, {users: [{ireserve_user_id: 'u-3', email: 'cleo@example.com'}]});
            const twice = await api('PUT', '/api/v1/integrations/L-USERS/users', {token: key, body: {users: [{ireserve_user_id: 'u-4', email: 'a@example.com'}, {ireserve_user_id: 'u-4', email: 'b@example.com'}]}});
            assert.equal(twice.status, 400);
            assert.equal(twice.body.field, 'users.1.ireserve_user_id');
            const missing = await api('PUT', '/api/v1/integrations/L-USERS/users', {token: key, body: {people: []}});
            assert.equal(missing.status, 400);
            assert.equal((await api('PUT', '/api/v1/integrations/L-NOBODY/users', {body: {users: []}})).status, 404);
            assert.deepEqual((await api('GET', '/api/v1/integrations/L-USERS/users', {token: key})).body.users.length, 1, 'refused lists change nothing');
        });

        test('deliveries: failed ones listed with reasons, status shows them, retry one (202) and all', async () => {
            const {api, running} = world;
            const {admin_key: key} = await createIntegration(world, 'L-DELIVERIES');
            const {admin_key: otherKey} = await createIntegration(world, 'L-DELIVERIES-OTHER');
            const {outbox} = running.bridge.context;
            // A kind no handler knows is parked at once by the worker, like a permanent failure.
            const ids: Array<number | null> = [];
            for (const conversation of ['c-1', 'c-2']) {
                ids.push(await outbox.enqueue({licence: 'L-DELIVERIES', direction: 'outbound', kind: 'admin_test.unknown', orderingKey: conversation, conversationId: conversation, payload: {}}));
            }
            running.bridge.context.wakeWorker();
            await waitFor(async () => (await api('GET', '/api/v1/integrations/L-DELIVERIES/deliveries?status=failed', {token: key})).body.deliveries.length === 2, 'two failed deliveries');

            const failed = await api('GET', '/api/v1/integrations/L-DELIVERIES/deliveries?status=failed', {token: key});
            assert.equal(failed.status, 200);
            const first = failed.body.deliveries.find((d: {id: number}) => d.id === ids[0]);
            assert.deepEqual(Object.keys(first).sort(), ['attempts', 'channel_id', 'conversation_id', 'created_at', 'direction', 'id', 'kind', 'last_error', 'last_error_code', 'notification_type', 'status', 'updated_at']);
            assert.equal(first.notification_type, null);
            assert.equal(first.channel_id, null);
            assert.equal(first.direction, 'outbound');
            assert.equal(first.conversation_id, 'c-1');
            assert.equal(first.status, 'failed');
            assert.equal(first.attempts, 1);
            assert.match(first.last_error, /no handler/);
            const status = (await api('GET', '/api/v1/integrations/L-DELIVERIES', {token: key})).body.status;
            assert.equal(status.state, 'error');
            assert.equal(status.failed, 2);
            assert.match(status.last_error, /no handler/);
            assert.ok(!Number.isNaN(Date.parse(status.last_error_at)));

            assert.equal((await api('GET', '/api/v1/integrations/L-DELIVERIES/deliveries?status=lost', {token: key})).body.field, 'status');
            assert.equal((await api('POST', `/api/v1/integrations/L-DELIVERIES-OTHER/deliveries/${ids[0]}/retry`, {token: otherKey})).status, 404, 'another licence\'s delivery is not found');
            assert.equal((await api('POST', '/api/v1/integrations/L-DELIVERIES/deliveries/999999/retry', {token: key})).status, 404);
            assert.equal((await api('POST', '/api/v1/integrations/L-DELIVERIES/deliveries/abc/retry', {token: key})).body.field, 'id');

            await running.bridge.worker.stop();
            try {
                const retried = await api('POST', `/api/v1/integrations/L-DELIVERIES/deliveries/${ids[0]}/retry`, {token: key});
                assert.equal(retried.status, 202);
                assert.deepEqual(retried.body, {id: ids[0], status: 'pending'});
                const pending = (await api('GET', '/api/v1/integrations/L-DELIVERIES/deliveries?status=pending', {token: key})).body.deliveries;
                assert.deepEqual(pending.map((d: {id: number; attempts: number}) => [d.id, d.attempts]), [[ids[0], 0]]);
                const counts = (await api('GET', '/api/v1/integrations/L-DELIVERIES', {token: key})).body.status;
                assert.deepEqual([counts.queue_depth, counts.failed], [1, 1]);
                assert.equal((await api('POST', `/api/v1/integrations/L-DELIVERIES/deliveries/${ids[0]}/retry`, {token: key})).status, 404, 'only failed deliveries are retried');
                const all = await api('POST', '/api/v1/integrations/L-DELIVERIES/deliveries/retry-failed', {token: key});
                assert.equal(all.status, 202);
                assert.deepEqual(all.body, {retried: 1});
            } finally {
                running.bridge.worker.start();
            }
            await waitFor(async () => (await api('GET', '/api/v1/integrations/L-DELIVERIES/deliveries?status=failed', {token: key})).body.deliveries
                .filter((d: {attempts: number}) => d.attempts === 1).length === 2, 'both replayed and parked again');
        });

        test('saves, rotations and deletions tell the Mattermost connector and the inbound relay', async () => {
            const {context} = world.running.bridge;
            const forgotten: string[] = [];
            const refreshed: string[] = [];
            const {service} = createAdminApi({
                ...context,
                mattermost: {
                    for: (integration) => context.mattermost.for(integration),
                    create: (integration) => context.mattermost.create(integration),
                    forget: (licence) => {
                        forgotten.push(licence);
                        context.mattermost.forget(licence);
                    },
                },
                inbound: {
                    refresh: async (licence) => {
                        refreshed.push(licence);
                        throw new Error('a refresh that fails does not undo the save');
                    },
                },
            });
            await createIntegration(world, 'L-NOTIFY');
            assert.equal((await service.patch('L-NOTIFY', {active: false})).active, false);
            await service.rotate('L-NOTIFY');
            await service.delete('L-NOTIFY');
            assert.deepEqual(forgotten, ['L-NOTIFY', 'L-NOTIFY', 'L-NOTIFY']);
            assert.deepEqual(refreshed, ['L-NOTIFY', 'L-NOTIFY', 'L-NOTIFY']);
            assert.ok(world.running.logs.some((line) => line.includes('applying new integration settings failed')));
        });

        test('secrets never appear in answers or logs, and are encrypted at rest', async () => {
            const {api, running} = world;
            await createIntegration(world, 'L-SECRETS');
            const answers = [
                await api('GET', '/api/v1/integrations/L-SECRETS'),
                await api('GET', '/api/v1/integrations'),
                await api('PATCH', '/api/v1/integrations/L-SECRETS', {body: {active: true}}),
                await api('PUT', '/api/v1/integrations/L-SECRETS', {body: settingsFor(world, {}, 'L-SECRETS')}),
            ];
            const secrets = [...world.secrets, webhookTokenFor('L-SECRETS'), ADMIN_TOKEN];
            assert.ok(secrets.length >= 8);
            for (const answer of answers) {
                for (const secret of secrets) {
                    assert.ok(!answer.text.includes(secret), 'an answer carries a secret');
                }
            }
            const logs = running.logs.join('\n');
            assert.match(logs, /integration created/, 'the logs were captured');
            for (const secret of secrets) {
                assert.ok(!logs.includes(secret), 'the logs carry a secret');
            }
            const rows = JSON.stringify(await running.bridge.context.database.db.selectFrom('integrations').selectAll().execute());
            assert.match(rows, /L-SECRETS/);
            for (const secret of [...world.secrets, webhookTokenFor('L-SECRETS')]) {
                assert.ok(!rows.includes(secret), 'a secret is stored in clear');
            }
            if (engine === 'sqlite') {
                const file = running.databaseUrl.slice('sqlite:'.length);
                const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
                assert.ok(bytes.includes(Buffer.from('L-SECRETS')), 'the database file holds the integration');
                assert.ok(!bytes.includes(Buffer.from(world.seed.bot.token)), 'the bot token is in the database file in clear');
                assert.ok(!bytes.includes(Buffer.from(webhookTokenFor('L-SECRETS'))), 'the outgoing-webhook token is in the database file in clear');
                assert.equal(path.basename(file), 'bridge.db');
            }
        });
    });
}
