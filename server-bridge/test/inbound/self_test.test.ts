import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {freePort} from '../../../test/support/postgres.js';
import {ADMIN_TOKEN, ENGINES, startBridge, stopPostgresServer, type RunningBridge} from '../support/bridge_harness.js';

import {BRIDGE_ENV, setupIntegration, startWorld, type World} from './support.js';

after(stopPostgresServer);

/** POST …/test with the operator token; `query` e.g. '?dry_run=true'. */
async function runTest(bridge: RunningBridge, licence: string, options: {query?: string; body?: unknown} = {}): Promise<{status: number; body: any}> {
    const response = await fetch(`${bridge.url}/api/v1/integrations/${licence}/test${options.query ?? ''}`, {
        method: 'POST',
        headers: {authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json'},
        body: JSON.stringify(options.body ?? {}),
    });
    return {status: response.status, body: await response.json()};
}

for (const engine of ENGINES) {
    describe(`the Test's inbound self-test, on ${engine}`, {timeout: 180_000}, () => {
        let world: World;
        before(async () => {
            world = await startWorld(engine);
            // A bridge that waits 1.5 s for its probe (the default is 5 s), instead of the world's, whose
            // public URL is where it listens (the action check makes Mattermost call it).
            await world.bridge.close();
            const port = await freePort();
            world.bridge = await startBridge({engine, env: {...BRIDGE_ENV, BRIDGE_PORT: String(port), BRIDGE_PUBLIC_URL: `http://localhost:${port}`}, probeWaitMs: 1500});
        });
        after(async () => {
            // world.close() would close the bridge it started (closed above) a second time.
            await world?.bridge.close();
            await world?.mm.close();
            await world?.ireserve.close();
        });

        const allProbes = (channelId: string) => world.mm.channelPosts(channelId, {include_deleted: true}).filter((post) => post.props.ireserve_probe === true);
        /** The inbound probes (their text carries the nonce the webhook brings back). */
        const probes = (channelId: string) => allProbes(channelId).filter((post) => /irsv-probe-/.test(post.message));
        /** The action probes (an interactive-message action calling the bridge's action URL). */
        const actionProbes = (channelId: string) => allProbes(channelId).filter((post) => !/irsv-probe-/.test(post.message));

        test('webhook mode, set up right: the probe comes back with the integration\'s token → ok; the probe is deleted and nothing is relayed', async () => {
            const setup = await setupIntegration(world, {webhook: 'json'});
            const answer = await runTest(world.bridge, setup.licence);
            assert.equal(answer.status, 200, JSON.stringify(answer.body));
            assert.deepEqual(answer.body.inbound, {
                mode: 'outgoing_webhook', ok: true, dry_run: false,
                message: 'The probe came back through Mattermost\'s outgoing webhook with this integration\'s token: agents\' replies reach the bridge.',
            });
            const [probe, ...more] = probes(setup.channel.id);
            assert.equal(more.length, 0);
            assert.ok(probe!.delete_at > 0, 'the probe was deleted');
            assert.match(probe!.message, /irsv-probe-[0-9a-f]{24}/);
            assert.equal(setup.endpoint.calls().length, 0, 'nothing relayed to i-Reserve');
            const rows = await world.bridge.bridge.context.database.db.selectFrom('kv').selectAll().where('licence', '=', setup.licence).execute();
            assert.deepEqual(rows.filter((row) => row.key.startsWith('inbound.probe:')), [], 'the probes\' records are gone');

            // The action check: Mattermost called the action URL for the bot's own click of the probe.
            const actionsUrl = `${world.bridge.bridge.context.config.publicUrl.replace(/\/+$/, '')}/api/v1/mattermost/actions`;
            assert.deepEqual(answer.body.actions, {url: actionsUrl, ok: true, dry_run: false, message: `Mattermost called the bridge's action URL ${actionsUrl}: the card's buttons work.`});
            const [actionProbe, ...moreActionProbes] = actionProbes(setup.channel.id);
            assert.equal(moreActionProbes.length, 0);
            assert.ok(actionProbe!.delete_at > 0, 'the action probe was deleted');
            const call = world.mm.actionCalls().find((entry) => entry.post_id === actionProbe!.id);
            assert.equal(call?.status, 200, 'the bridge answered Mattermost\'s call 200');
            assert.equal(call?.user_id, world.seed.bot.user.id, 'the bot clicked');
        });

        test('the action URL on a loopback address Mattermost does not trust: not reachable, AllowedUntrustedInternalConnections named; a forged probe is refused', async () => {
            const setup = await setupIntegration(world, {webhook: 'json'});
            world.mm.setConfig({allowedUntrustedInternalConnections: ['some-other-host']});
            try {
                const answer = await runTest(world.bridge, setup.licence);
                assert.equal(answer.body.actions.ok, false);
                assert.equal(answer.body.actions.cause, 'untrusted_address');
                assert.match(answer.body.actions.message, /Mattermost could not call the bridge's action URL.*loopback or private address \(localhost\).*AllowedUntrustedInternalConnections/);
                assert.ok(actionProbes(setup.channel.id).every((post) => post.delete_at > 0), 'the action probe was deleted');
            } finally {
                world.mm.setConfig({allowedUntrustedInternalConnections: null});
            }
            const forged = await fetch(`${world.bridge.url}/api/v1/mattermost/actions`, {
                method: 'POST', headers: {'content-type': 'application/json'},
                body: JSON.stringify({user_id: world.seed.bot.user.id, channel_id: setup.channel.id, post_id: setup.channel.id,
                    context: {licence: setup.licence, probe: '0123456789abcdef01234567', sig: 'AAAA'}}),
            });
            assert.equal(forged.status, 401);
        });

        test('webhook mode, wrong token saved: the probe comes back with a token no integration holds → unknown_token named', async () => {
            const setup = await setupIntegration(world, {webhook: 'form'});
            const patched = await fetch(`${world.bridge.url}/api/v1/integrations/${setup.licence}`, {
                method: 'PATCH', headers: {authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json'},
                body: JSON.stringify({mattermost: {outgoing_webhook_token: 'not-the-hooks-token-000001'}}),
            });
            assert.equal(patched.status, 200, await patched.text());
            const answer = await runTest(world.bridge, setup.licence);
            assert.equal(answer.body.inbound.ok, false);
            assert.equal(answer.body.inbound.cause, 'unknown_token');
            assert.match(answer.body.inbound.message, /token that matches no integration/);
            assert.ok(probes(setup.channel.id).every((post) => post.delete_at > 0), 'the probe was deleted');
        });

        test('webhook mode, no hook calls the bridge: silence after the wait, the loopback address named first (public URL on localhost)', async () => {
            const setup = await setupIntegration(world, {webhook: false});
            const answer = await runTest(world.bridge, setup.licence);
            assert.equal(answer.body.inbound.ok, false);
            assert.equal(answer.body.inbound.cause, 'untrusted_address');
            assert.match(answer.body.inbound.message, /no outgoing-webhook call reached the bridge within 1\.5 s\. Most likely: the bridge's address localhost is a loopback or private address.*AllowedUntrustedInternalConnections.*trigger words/);
        });

        test('dry run (query or body): nothing posted, the outbound targets checked by membership, inbound by what can be read', async () => {
            const setup = await setupIntegration(world, {webhook: 'form'});
            const before = world.mm.channelPosts(setup.channel.id, {include_deleted: true}).length;
            for (const options of [{query: '?dry_run=true'}, {body: {dry_run: true}}]) {
                const answer = await runTest(world.bridge, setup.licence, options);
                assert.equal(answer.status, 200, JSON.stringify(answer.body));
                assert.deepEqual(answer.body.results.map((r: any) => [r.purpose, r.ok, r.dry_run]), [['mirror', true, true]]);
                assert.match(answer.body.results[0].message, /Dry run \(nothing posted\): the bot can see ~.* and is a member/);
                assert.equal(answer.body.inbound.dry_run, true);
                assert.equal(answer.body.inbound.ok, true);
                assert.match(answer.body.inbound.message, /^Dry run \(nothing posted\)/);
                assert.equal(answer.body.actions.dry_run, true);
                assert.equal(answer.body.actions.ok, true);
                assert.equal(answer.body.actions.cause, 'untrusted_address', 'the bridge\'s public URL is on localhost');
                assert.match(answer.body.actions.message, /^Dry run \(nothing posted\)\. Note: .*AllowedUntrustedInternalConnections/);
            }
            assert.equal(world.mm.channelPosts(setup.channel.id, {include_deleted: true}).length, before, 'nothing was posted');
            world.mm.removeChannelMember(setup.channel.id, world.seed.bot.user.id);
            const notMember = await runTest(world.bridge, setup.licence, {query: '?dry_run=true'});
            assert.deepEqual(notMember.body.results.map((r: any) => [r.ok, r.error]), [[false, 'not_a_member']]);
            const bad = await runTest(world.bridge, setup.licence, {query: '?dry_run=maybe'});
            assert.equal(bad.status, 400);
            assert.equal(bad.body.field, 'dry_run');
            const unknown = await runTest(world.bridge, setup.licence, {body: {dryrun: true}});
            assert.equal(unknown.status, 400);
            assert.equal(unknown.body.field, 'dryrun');
        });

        test('WebSocket mode: the socket connected and authenticated → ok; dropped and refused → named', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket', channelType: 'P'});
            const answer = await runTest(world.bridge, setup.licence);
            assert.equal(answer.body.inbound.mode, 'websocket');
            assert.equal(answer.body.inbound.ok, true, answer.body.inbound.message);
            assert.match(answer.body.inbound.message, /connected and authenticated/);
            world.mm.refuseWebsockets(60_000);
            world.mm.dropWebsockets();
            const context = world.bridge.bridge.context;
            const {waitFor} = await import('../support/bridge_harness.js');
            await waitFor(() => context.inbound.status(setup.licence)?.state !== 'connected', 'the socket to drop');
            const dropped = await runTest(world.bridge, setup.licence);
            assert.equal(dropped.body.inbound.ok, false);
            assert.match(dropped.body.inbound.cause, /^socket_(connecting|disconnected)$/);
            world.mm.refuseWebsockets(0);
        });

        test('webhook mode on a private channel: named without posting an inbound probe', async () => {
            const setup = await setupIntegration(world, {channelType: 'P', webhook: false});
            const answer = await runTest(world.bridge, setup.licence);
            assert.equal(answer.body.inbound.cause, 'private_channel');
            assert.equal(probes(setup.channel.id).length, 0);
        });
    });
}
