// Routing (DESIGN §13) against a real Mattermost: an integration with a default channel and two
// routes to two other channels, each channel with its own outgoing webhook (its token saved with
// the route); a conversation lands in each route's channel, and an agent's reply in each thread
// reaches the i-Reserve stand-in. The Test covers every route channel, inbound included.
//
//   cd test && node --import tsx --test e2e/routing.test.ts
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import type {Post} from '@mattermost/types/posts';

import {IReserveStandIn, type Endpoint} from '../standins/ireserve/index.js';

import {bootRealMattermost, type RealMattermost} from './harness/index.js';
import {BridgeClient, logTail, startBridge, type RunningBridge} from './support/bridge.js';
import {suiteTimer, waitFor} from './support/util.js';

const WEBHOOK_PATH = '/api/v1/mattermost/outgoing-webhook';

describe('routing against a real Mattermost', {timeout: 30 * 60_000}, () => {
    let mm: RealMattermost;
    let bridge: RunningBridge;
    let ireserve: IReserveStandIn;
    let endpoint: Endpoint;
    let api: BridgeClient;
    const licence = `L-ROUTES-${randomBytes(2).toString('hex')}`;
    const timer = suiteTimer('routing.test.ts');
    const channels: Record<'fallback' | 'dunes' | 'dutch', {id: string; token: string}> = {} as never;

    /** A public channel with the bot and the first agent in it, and an outgoing webhook (no trigger words) calling the bridge. */
    const channelWithHook = async (name: string): Promise<{id: string; token: string}> => {
        const channel = await mm.admin.client.createChannel({team_id: mm.team.id, name: `${name}-${mm.suffix}`, display_name: name, type: 'O'});
        await mm.admin.client.addToChannel(mm.bot.id, channel.id);
        await mm.admin.client.addToChannel(mm.agents.agent1.id, channel.id);
        const hook = await mm.createOutgoingWebhook(`${bridge.url}${WEBHOOK_PATH}`, {channelId: channel.id});
        return {id: channel.id, token: hook.token};
    };

    const rootIn = async (channelId: string, conversationId: string): Promise<Post> => waitFor(`the root of ${conversationId}`, async () => {
        const list = await mm.admin.client.getPosts(channelId, 0, 100);
        return Object.values(list.posts).find((post) => !post.root_id && (post.props?.ireserve as {conversation_id?: string} | undefined)?.conversation_id === conversationId);
    });

    before(async () => {
        mm = await bootRealMattermost();
        timer.booted(mm);
        ireserve = await IReserveStandIn.start();
        bridge = await startBridge({engine: 'sqlite'});
        api = new BridgeClient(bridge.url, licence);
        endpoint = ireserve.endpoint(licence, {secret: 'whsec_cGxhY2Vob2xkZXI='});
        channels.fallback = await channelWithHook('routing-default');
        channels.dunes = await channelWithHook('routing-dunes');
        channels.dutch = await channelWithHook('routing-dutch');
    }, {timeout: 45 * 60_000});

    after(async () => {
        await bridge?.close();
        await ireserve?.close();
        await mm?.stop();
        timer.report();
    });

    it('creates the integration with two routes, each channel\'s webhook token saved with its route', async () => {
        const created = await api.put({
            mattermost: {server_url: mm.url, bot_token: mm.bot.token, outgoing_webhook_token: channels.fallback.token},
            channel_id: channels.fallback.id,
            routes: [
                {inbox: 'Dunes Park', channel_id: channels.dunes.id, outgoing_webhook_token: channels.dunes.token},
                {locale: 'nl', channel_id: channels.dutch.id, outgoing_webhook_token: channels.dutch.token},
            ],
            relay_mode: 'all_replies',
            inbound_mode: 'outgoing_webhook',
            ireserve: {callback_url: endpoint.url},
            active: true,
        });
        assert.equal(created.status, 201, created.text);
        api.signingSecret = created.body.signing_secret!;
        endpoint.secret = created.body.signing_secret!;
        assert.deepEqual(created.body.routes.map((route) => [route.channel_id, route.outgoing_webhook_token_set]), [[channels.dunes.id, true], [channels.dutch.id, true]]);
        assert.equal(created.text.includes(channels.dunes.token), false, 'a route\'s token is never shown');
    });

    it('a conversation lands in each route\'s channel; replies from both channels reach i-Reserve', async () => {
        const dunes = `conv-dunes-${randomBytes(3).toString('hex')}`;
        const dutch = `conv-nl-${randomBytes(3).toString('hex')}`;
        const visitor = {name: 'Lotte Jansen'};
        assert.equal((await api.sendEvent('conversation.started', {conversation_id: dunes, visitor, page_url: 'https://park.example/en/', locale: 'en', inbox: 'Dunes Park'})).status, 202);
        assert.equal((await api.sendEvent('conversation.started', {conversation_id: dutch, visitor, page_url: 'https://park.example/nl/', locale: 'nl-NL'})).status, 202);
        let rootDunes: Post;
        let rootDutch: Post;
        try {
            rootDunes = await rootIn(channels.dunes.id, dunes);
            rootDutch = await rootIn(channels.dutch.id, dutch);
        } catch (error) {
            throw new Error(`${(error as Error).message}\n  bridge: ${await api.diagnose()}\n${logTail(bridge)}`);
        }
        assert.equal((rootDunes.props?.ireserve as {inbox?: string}).inbox, 'Dunes Park');

        const agent = mm.agents.agent1.client;
        await agent.createPost({channel_id: channels.dunes.id, root_id: rootDunes.id, message: 'The dunes house is free in July.'} as Post);
        await agent.createPost({channel_id: channels.dutch.id, root_id: rootDutch.id, message: 'Het huisje is vrij in juli.'} as Post);
        await waitFor('both replies at i-Reserve', () => endpoint.delivered().length >= 2 || undefined, 60_000).catch(async (error: Error) => {
            throw new Error(`${error.message}\n  bridge: ${await api.diagnose()}\n${logTail(bridge)}`);
        });
        const replies = endpoint.delivered().map((call) => (call.json as {data: {conversation_id: string; text: string}}).data);
        assert.deepEqual(replies.map((reply) => [reply.conversation_id, reply.text]).sort(), [
            [dunes, 'The dunes house is free in July.'],
            [dutch, 'Het huisje is vrij in juli.'],
        ].sort());
    });

    it('the Test covers every route channel, outbound and inbound (a probe through each channel\'s webhook)', async () => {
        const answer = await api.admin<{results: Array<{purpose: string; ok: boolean; channel_id: string}>; inbound: {ok: boolean; message: string; channels: Array<{channel_id: string; ok: boolean; message: string}>}}>('POST', '/test');
        assert.equal(answer.status, 200, answer.text);
        assert.deepEqual(answer.body.results.map((result) => [result.purpose, result.channel_id, result.ok]), [
            ['mirror', channels.fallback.id, true],
            ['route:0', channels.dunes.id, true],
            ['route:1', channels.dutch.id, true],
        ]);
        assert.equal(answer.body.inbound.ok, true, JSON.stringify(answer.body.inbound));
        assert.deepEqual(answer.body.inbound.channels.map((channel) => channel.channel_id).sort(), [channels.fallback.id, channels.dunes.id, channels.dutch.id].sort());
    });
});
