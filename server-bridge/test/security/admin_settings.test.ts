// DESIGN §14, issue 13 items 2, 3 (settings side) and 5: saved credentials only go to the server
// they were saved for, URLs to internal addresses are refused unless the operator allows them, and
// an outgoing-webhook token belongs to one integration.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {ENGINES, stopPostgresServer} from '../support/bridge_harness.js';
import {createIntegration, settingsFor, startWorld, stopWorld, webhookTokenFor, type World} from '../admin/support.js';

import {startRecorder, type Recorder} from './support.js';

after(stopPostgresServer);

for (const engine of ENGINES) {
    describe(`admin settings cannot leak credentials or share tokens, on ${engine}`, {timeout: 90_000}, () => {
        let world: World;
        let thief: Recorder;
        before(async () => {
            world = await startWorld(engine);
            thief = await startRecorder();
        });
        after(async () => {
            await thief?.close();
            await stopWorld(world);
        });

        test('a PATCH of server_url alone needs the bot token again and sends nothing to the new server (item 2)', async () => {
            const {admin_key: key} = await createIntegration(world, 'L-MOVE');
            for (const token of [key, undefined]) {
                const answer = await world.api('PATCH', '/api/v1/integrations/L-MOVE', {token, body: {mattermost: {server_url: thief.url}}});
                assert.equal(answer.status, 400, answer.text);
                assert.equal(answer.body.field, 'mattermost.bot_token');
                assert.equal(answer.body.code, 'required');
                assert.match(answer.body.detail, /server_url changes/);
            }
            // A PUT that names a new server without the token is refused alike.
            const put = await world.api('PUT', '/api/v1/integrations/L-MOVE', {body: {...settingsFor(world, {}, 'L-MOVE'), mattermost: {server_url: thief.url, outgoing_webhook_token: webhookTokenFor('L-MOVE')}}});
            assert.equal(put.status, 400, put.text);
            assert.equal(put.body.field, 'mattermost.bot_token');
            assert.deepEqual(thief.requests, [], 'no request reached the new address');
            assert.equal((await world.running.bridge.context.integrations.get('L-MOVE'))?.serverUrl, world.mm.url);
            // With the token sent again, the move is checked (here against the same server) and saved.
            const moved = await world.api('PATCH', '/api/v1/integrations/L-MOVE', {body: {mattermost: {server_url: `${world.mm.url}/`, bot_token: world.seed.bot.token}}});
            assert.equal(moved.status, 200, moved.text);
        });

        test('a login integration moving to a new server needs the password again, the login id is kept', async () => {
            await createIntegration(world, 'L-MOVE-LOGIN');
            const user = world.mm.createUser({username: `relay-login-${engine}`, email: `relay-login-${engine}@example.com`, password: 'Passw0rd!login', team_ids: [world.seed.team.id]});
            world.mm.addChannelMember(world.seed.channel.id, user.id);
            world.mm.addChannelMember(world.seed.notification_channel.id, user.id);
            const login = await world.api('PATCH', '/api/v1/integrations/L-MOVE-LOGIN', {body: {mattermost: {auth: 'login', login_id: user.email, password: 'Passw0rd!login'}}});
            assert.equal(login.status, 200, login.text);
            const moved = await world.api('PATCH', '/api/v1/integrations/L-MOVE-LOGIN', {body: {mattermost: {server_url: thief.url}}});
            assert.equal(moved.status, 400, moved.text);
            assert.equal(moved.body.field, 'mattermost.password');
            assert.deepEqual(thief.requests, []);
        });

        test('an outgoing-webhook token another integration holds is refused (item 5)', async () => {
            await createIntegration(world, 'L-TOKEN-A');
            const second = await world.api('PUT', '/api/v1/integrations/L-TOKEN-B', {body: {...settingsFor(world, {}, 'L-TOKEN-B'), mattermost: {...settingsFor(world).mattermost, outgoing_webhook_token: webhookTokenFor('L-TOKEN-A')}}});
            assert.equal(second.status, 400, second.text);
            assert.equal(second.body.field, 'mattermost.outgoing_webhook_token');
            assert.equal(second.body.code, 'duplicate_token');
            assert.doesNotMatch(second.text, /L-TOKEN-A/, 'the holder is not named');
            await createIntegration(world, 'L-TOKEN-B');
            const patch = await world.api('PATCH', '/api/v1/integrations/L-TOKEN-B', {body: {mattermost: {outgoing_webhook_token: webhookTokenFor('L-TOKEN-A')}}});
            assert.equal(patch.status, 400, patch.text);
            assert.equal(patch.body.code, 'duplicate_token');
            // Saving an integration again with its own token is fine.
            const again = await world.api('PATCH', '/api/v1/integrations/L-TOKEN-A', {body: {mattermost: {outgoing_webhook_token: webhookTokenFor('L-TOKEN-A')}}});
            assert.equal(again.status, 200, again.text);
        });
    });
}

describe('internal addresses in settings are refused unless BRIDGE_ALLOWED_INTERNAL_HOSTS lists them (item 3)', {timeout: 60_000}, () => {
    let world: World;
    let internal: Recorder;
    before(async () => {
        // Only the stand-in's host name is allowed (it listens on 127.0.0.1, reached as "localhost").
        world = await startWorld('sqlite', {BRIDGE_ALLOWED_INTERNAL_HOSTS: 'localhost'});
        world.mm.url = world.mm.url.replace('127.0.0.1', 'localhost');
        internal = await startRecorder(() => ({status: 404, headers: {'content-type': 'text/plain'}, body: 'SECRET-INTERNAL-PAGE'}));
    });
    after(async () => {
        await internal?.close();
        await stopWorld(world);
    });

    test('every spelling of a loopback address is refused naming the setting; nothing is sent there', async () => {
        const port = new URL(internal.url).port;
        const spellings = [`http://127.0.0.1:${port}`, `http://2130706433:${port}`, `http://0x7f.0.0.1:${port}`, `http://0177.0.0.1:${port}`, `http://[::ffff:127.0.0.1]:${port}`, `http://[::1]:${port}`, `http://0.0.0.0:${port}`, `http://127.1:${port}`, `http://[::ffff:7f00:1]:${port}`];
        for (const serverUrl of spellings) {
            const answer = await world.api('PUT', '/api/v1/integrations/L-INTERNAL', {body: {...settingsFor(world, {}, 'L-INTERNAL'), mattermost: {server_url: serverUrl, bot_token: 'x'.repeat(26)}}});
            assert.equal(answer.status, 400, `${serverUrl}: ${answer.text}`);
            assert.equal(answer.body.field, 'mattermost.server_url', serverUrl);
            assert.equal(answer.body.code, 'address_refused', serverUrl);
            assert.match(answer.body.detail, /BRIDGE_ALLOWED_INTERNAL_HOSTS/);
        }
        for (const [field, body] of [
            ['ireserve.callback_url', {ireserve: {callback_url: `http://10.1.2.3/callback`}}],
            ['notification_channels.booking.confirmed', {notification_channels: {'booking.confirmed': `http://169.254.169.254/hooks/abc`}}],
        ] as const) {
            const answer = await world.api('PUT', '/api/v1/integrations/L-INTERNAL', {body: settingsFor(world, body, 'L-INTERNAL')});
            assert.equal(answer.status, 400, answer.text);
            assert.equal(answer.body.field, field);
            assert.equal(answer.body.code, 'address_refused');
        }
        assert.deepEqual(internal.requests, [], 'nothing reached the internal server');
    });
});
