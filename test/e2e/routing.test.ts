// Routing (DESIGN §13) against a real Mattermost: an integration with a default channel and two
// routes to two other channels, each channel with its own outgoing webhook (its token saved with
// the route); a conversation lands in each route's channel, and an agent's reply in each thread
// reaches the i-Reserve stand-in. The Test covers every route channel, inbound included.
//
//   cd test && node --import tsx --test e2e/routing.test.ts
import {describe, it, before} from 'node:test';
import assert from 'node:assert/strict';
import {randomBytes} from 'node:crypto';
import type {Post} from '@mattermost/types/posts';

import type {Endpoint} from '../standins/ireserve/index.js';

import {BridgeClient, startBridge, type RunningBridge} from './support/bridge.js';
import {conversationRoot, createIntegration, realMattermostSuite, settleOn} from './support/suite.js';
import type {Poll} from './support/util.js';

const WEBHOOK_PATH = '/api/v1/mattermost/outgoing-webhook';

describe('routing against a real Mattermost', {timeout: 30 * 60_000}, () => {
    let bridge: RunningBridge;
    let endpoint: Endpoint;
    let api: BridgeClient;
    const licence = `L-ROUTES-${randomBytes(2).toString('hex')}`;
    const suite = realMattermostSuite('routing.test.ts', {ireserve: true, closeFirst: async () => bridge?.close()});
    const settle = <T>(what: string, fn: Poll<T>, timeoutMs = 30_000): Promise<T> => settleOn({api, bridge}, what, fn, timeoutMs);
    const channels: Record<'fallback' | 'dunes' | 'dutch', {id: string; token: string}> = {} as never;

    /** A public channel with the bot and the first agent in it, and an outgoing webhook (no trigger words) calling the bridge. */
    const channelWithHook = async (name: string): Promise<{id: string; token: string}> => {
        const {mm} = suite;
        const channel = await mm.admin.client.createChannel({team_id: mm.team.id, name: `${name}-${mm.suffix}`, display_name: name, type: 'O'});
        await mm.admin.client.addToChannel(mm.bot.id, channel.id);
        await mm.admin.client.addToChannel(mm.agents.agent1.id, channel.id);
        const hook = await mm.createOutgoingWebhook(`${bridge.url}${WEBHOOK_PATH}`, {channelId: channel.id});
        return {id: channel.id, token: hook.token};
    };

    const rootIn = (channelId: string, conversationId: string): Promise<Post> =>
        settle(`the root of ${conversationId}`, () => conversationRoot(suite.mm.admin.client, channelId, conversationId));

    before(async () => {
        bridge = await startBridge({engine: 'sqlite'});
        api = new BridgeClient(bridge.url, licence);
        endpoint = suite.endpoint(licence);
        channels.fallback = await channelWithHook('routing-default');
        channels.dunes = await channelWithHook('routing-dunes');
        channels.dutch = await channelWithHook('routing-dutch');
    }, {timeout: 45 * 60_000});

    it('creates the integration with two routes, each channel\'s webhook token saved with its route', async () => {
        const created = await createIntegration(api, {
            mattermost: {server_url: suite.mm.url, bot_token: suite.mm.bot.token, outgoing_webhook_token: channels.fallback.token},
            channel_id: channels.fallback.id,
            routes: [
                {inbox: 'Dunes Park', channel_id: channels.dunes.id, outgoing_webhook_token: channels.dunes.token},
                {locale: 'nl', channel_id: channels.dutch.id, outgoing_webhook_token: channels.dutch.token},
            ],
            relay_mode: 'all_replies',
            inbound_mode: 'outgoing_webhook',
            ireserve: {callback_url: endpoint.url},
            active: true,
        }, endpoint);
        assert.deepEqual(created.routes.map((route) => [route.channel_id, route.outgoing_webhook_token_set]), [[channels.dunes.id, true], [channels.dutch.id, true]]);
        assert.equal(JSON.stringify(created).includes(channels.dunes.token), false, 'a route\'s token is never shown');
    });

    it('a conversation lands in each route\'s channel; replies from both channels reach i-Reserve', async () => {
        const dunes = `conv-dunes-${randomBytes(3).toString('hex')}`;
        const dutch = `conv-nl-${randomBytes(3).toString('hex')}`;
        const visitor = {name: 'Lotte Jansen'};
        assert.equal((await api.sendEvent('conversation.started', {conversation_id: dunes, visitor, page_url: 'https://park.example/en/', locale: 'en', inbox: 'Dunes Park'})).status, 202);
        assert.equal((await api.sendEvent('conversation.started', {conversation_id: dutch, visitor, page_url: 'https://park.example/nl/', locale: 'nl-NL'})).status, 202);
        const rootDunes = await rootIn(channels.dunes.id, dunes);
        const rootDutch = await rootIn(channels.dutch.id, dutch);
        assert.equal((rootDunes.props?.ireserve as {inbox?: string}).inbox, 'Dunes Park');

        const agent = suite.mm.agents.agent1.client;
        await agent.createPost({channel_id: channels.dunes.id, root_id: rootDunes.id, message: 'The dunes house is free in July.'} as Post);
        await agent.createPost({channel_id: channels.dutch.id, root_id: rootDutch.id, message: 'Het huisje is vrij in juli.'} as Post);
        await settle('both replies at i-Reserve', () => endpoint.delivered().length >= 2, 60_000);
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
