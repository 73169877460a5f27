// The Test button's inbound self-test against a real Mattermost (admin/inbound_test.ts): the bot's
// probe post comes back through Mattermost's outgoing webhook (which fires for the bot's own posts,
// pinned in mmserver.test.ts), or does not, and the bridge names why. The server trusts only
// "localhost" for integrations, so a hook calling http://127.0.0.1 is refused by Mattermost.
// And the Test's action check (admin/action_test.ts): the bot triggers its probe's action through
// Mattermost, which calls the bridge's action URL — refused for a public URL on 127.0.0.1, reached
// on localhost (facts pinned in mattermost_facts.test.ts).
//
//   cd test && node --import tsx --test e2e/inbound_self_test.test.ts
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import type {Post} from '@mattermost/types/posts';
import {bootRealMattermost, freePort, type RealMattermost} from './harness/index.js';
import {ADMIN_TOKEN, startBridge, type RunningBridge} from './support/bridge.js';
import {suiteTimer} from './support/util.js';

const WEBHOOK_PATH = '/api/v1/mattermost/outgoing-webhook';

describe('inbound self-test against a real Mattermost (only "localhost" trusted)', {skip: process.env.MM_URL ? 'needs a server booted with its own AllowedUntrustedInternalConnections (not MM_URL)' : false}, () => {
    let mm: RealMattermost;
    let bridge: RunningBridge;
    const licence = `L-PROBE-${randomBytes(2).toString('hex')}`;
    const timer = suiteTimer('inbound_self_test.test.ts');

    const admin = async (method: string, path: string, body?: unknown): Promise<{status: number; body: any}> => {
        const res = await fetch(`${bridge.url}/api/v1/integrations/${licence}${path}`, {
            method, headers: {authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : {'content-type': 'application/json'})},
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return {status: res.status, body: text === '' ? undefined : JSON.parse(text)};
    };

    /** A public channel with the bot in it and an outgoing webhook (no trigger words) calling `callbackUrl`. */
    const channelWithHook = async (name: string, callbackUrl: string): Promise<{channelId: string; token: string}> => {
        const channel = await mm.admin.client.createChannel({team_id: mm.team.id, name: `${name}-${mm.suffix}`, display_name: name, type: 'O'});
        await mm.admin.client.addToChannel(mm.bot.id, channel.id);
        const hook = await mm.createOutgoingWebhook(callbackUrl, {channelId: channel.id});
        return {channelId: channel.id, token: hook.token};
    };

    const probesIn = async (channelId: string): Promise<Post[]> => {
        const list = await mm.admin.client.getPosts(channelId, 0, 100);
        return Object.values(list.posts).filter((post) => post.props?.ireserve_probe === true);
    };

    before(async () => {
        mm = await bootRealMattermost({env: {MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS: 'localhost'}});
        timer.booted(mm);
        // Its public URL is where it listens, on 127.0.0.1: the server does not trust that address.
        const port = await freePort();
        bridge = await startBridge({engine: 'sqlite', env: {BRIDGE_PORT: String(port), BRIDGE_PUBLIC_URL: `http://127.0.0.1:${port}`}});
    }, {timeout: 45 * 60_000});

    after(async () => {
        await bridge?.close();
        await mm?.stop();
        timer.report();
    });

    it('the hook calls 127.0.0.1, which Mattermost refuses: silence, and the loopback address and AllowedUntrustedInternalConnections named first', async () => {
        const port = new URL(bridge.url).port;
        const refused = await channelWithHook('probe-refused', `http://127.0.0.1:${port}${WEBHOOK_PATH}`);
        const created = await admin('PUT', '', {
            mattermost: {server_url: mm.url, bot_token: mm.bot.token, outgoing_webhook_token: refused.token},
            channel_id: refused.channelId, relay_mode: 'all_replies', inbound_mode: 'outgoing_webhook',
            ireserve: {callback_url: 'https://ireserve.example.com/callback'}, active: true,
        });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const answer = await admin('POST', '/test', {});
        assert.equal(answer.status, 200, JSON.stringify(answer.body));
        assert.equal(answer.body.results[0].ok, true, 'the outbound sample post worked');
        assert.equal(answer.body.inbound.ok, false);
        assert.equal(answer.body.inbound.cause, 'untrusted_address');
        assert.match(answer.body.inbound.message, /the bridge's address 127\.0\.0\.1 is a loopback or private address.*AllowedUntrustedInternalConnections/);
        const probes = await probesIn(refused.channelId);
        assert.equal(probes.length, 0, 'the probes were deleted');

        // The action check: the server refuses to call the action URL on 127.0.0.1, and the cause is named.
        assert.equal(answer.body.actions.ok, false, answer.body.actions.message);
        assert.equal(answer.body.actions.url, `http://127.0.0.1:${port}/api/v1/mattermost/actions`);
        assert.equal(answer.body.actions.cause, 'untrusted_address');
        assert.match(answer.body.actions.message, /Mattermost could not call the bridge's action URL.*loopback or private address \(127\.0\.0\.1\).*AllowedUntrustedInternalConnections/);
    });

    it('the hook calls localhost (trusted) with its own token: the probe comes back → ok, and is deleted', async () => {
        const port = new URL(bridge.url).port;
        const good = await channelWithHook('probe-good', `http://localhost:${port}${WEBHOOK_PATH}`);
        const patched = await admin('PATCH', '', {channel_id: good.channelId, mattermost: {outgoing_webhook_token: good.token}});
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        const answer = await admin('POST', '/test', {});
        assert.equal(answer.body.inbound.ok, true, answer.body.inbound.message);
        assert.match(answer.body.inbound.message, /came back through Mattermost's outgoing webhook/);
        assert.equal((await probesIn(good.channelId)).length, 0, 'the probe was deleted');

        // A dry run posts nothing at all.
        const before = Object.keys((await mm.admin.client.getPosts(good.channelId, 0, 100)).posts).length;
        const dry = await admin('POST', '/test?dry_run=true');
        assert.equal(dry.body.inbound.dry_run, true);
        assert.equal(dry.body.results[0].dry_run, true);
        assert.equal(Object.keys((await mm.admin.client.getPosts(good.channelId, 0, 100)).posts).length, before, 'nothing posted');
    });

    it('a wrong token saved: the probe comes back with a token that matches no integration → named', async () => {
        const patched = await admin('PATCH', '', {mattermost: {outgoing_webhook_token: `wrong${randomBytes(10).toString('hex')}`}});
        assert.equal(patched.status, 200, JSON.stringify(patched.body));
        const answer = await admin('POST', '/test', {});
        assert.equal(answer.body.inbound.ok, false);
        assert.equal(answer.body.inbound.cause, 'unknown_token');
        assert.match(answer.body.inbound.message, /token that matches no integration/);
    });

    it('a bridge whose public URL is on localhost (trusted): the action check is reached → ok, the probe deleted', async () => {
        const port = await freePort();
        const trusted = await startBridge({engine: 'sqlite', env: {BRIDGE_PORT: String(port), BRIDGE_PUBLIC_URL: `http://localhost:${port}`}});
        try {
            const call = async (method: string, path: string, body?: unknown) => {
                const res = await fetch(`${trusted.url}/api/v1/integrations/${licence}${path}`, {
                    method, headers: {authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json'}, body: JSON.stringify(body ?? {}),
                });
                return {status: res.status, body: await res.json() as any};
            };
            const channel = await mm.admin.client.createChannel({team_id: mm.team.id, name: `actions-ok-${mm.suffix}`, display_name: 'actions-ok', type: 'O'});
            await mm.admin.client.addToChannel(mm.bot.id, channel.id);
            const created = await call('PUT', '', {
                mattermost: {server_url: mm.url, bot_token: mm.bot.token}, channel_id: channel.id, relay_mode: 'all_replies', inbound_mode: 'websocket',
                ireserve: {callback_url: 'https://ireserve.example.com/callback'}, active: true,
            });
            assert.equal(created.status, 201, JSON.stringify(created.body));
            const answer = await call('POST', '/test');
            assert.equal(answer.status, 200, JSON.stringify(answer.body));
            assert.deepEqual(answer.body.actions, {
                url: `http://localhost:${port}/api/v1/mattermost/actions`, ok: true, dry_run: false,
                message: `Mattermost called the bridge's action URL http://localhost:${port}/api/v1/mattermost/actions: the card's buttons work.`,
            });
            assert.equal((await probesIn(channel.id)).length, 0, 'the action probe was deleted');
        } finally {
            await trusted.close();
        }
    });
});
