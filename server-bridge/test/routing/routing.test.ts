import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {after, before, describe, test} from 'node:test';

import type {ChannelRec, PostRec} from '../../../test/standins/mattermost/index.js';
import {IReserveStandIn} from '../../../test/standins/ireserve/index.js';
import {MattermostStandIn, type Seed} from '../../../test/standins/mattermost/index.js';
import {client} from '../admin/support.js';
import {sendEvent} from '../outbound/support.js';
import {ENGINES, startBridge, stopPostgresServer, waitFor, type Engine, type RunningBridge} from '../support/bridge_harness.js';

// Routing (DESIGN §13) against a real bridge and the Mattermost and i-Reserve stand-ins: routes set
// through the admin API, conversations sent as signed events, agents' replies posted in Mattermost.

after(stopPostgresServer);

const WEBHOOK_PATH = '/api/v1/mattermost/outgoing-webhook';

interface World {
    mm: MattermostStandIn;
    seed: Seed;
    ireserve: IReserveStandIn;
    bridge: RunningBridge;
    api: ReturnType<typeof client>;
}

let counter = 0;
function unique(prefix: string): string {
    counter += 1;
    return `${prefix}-${counter}-${randomUUID().slice(0, 6)}`;
}

/** A public channel with the agents and the bot, and (`hook`) an outgoing webhook with this token. */
function channel(world: World, name: string, options: {hook?: string; type?: 'O' | 'P'; bot?: boolean} = {}): ChannelRec {
    const created = world.mm.createChannel({team_id: world.seed.team.id, name: name.toLowerCase(), display_name: name, type: options.type ?? 'O', creator_id: world.seed.admin.user.id});
    for (const user of [world.seed.admin.user, world.seed.agent.user, ...(options.bot === false ? [] : [world.seed.bot.user])]) {
        world.mm.addChannelMember(created.id, user.id);
    }
    if (options.hook) {
        world.mm.createOutgoingWebhook({
            channel_id: created.id, callback_urls: [`${world.bridge.url}${WEBHOOK_PATH}`],
            content_type: 'application/x-www-form-urlencoded', token: options.hook, creator_id: world.seed.admin.user.id,
        });
    }
    return created;
}

function token(): string {
    return `hook${randomUUID().replace(/-/g, '')}`.slice(0, 26);
}

interface Integration {
    licence: string;
    secret: string;
    endpoint: ReturnType<IReserveStandIn['endpoint']>;
    send(event: unknown): Promise<void>;
}

async function createIntegration(world: World, settings: Record<string, unknown>): Promise<Integration> {
    const licence = unique('L');
    const body = {
        mattermost: {server_url: world.mm.url, bot_token: world.seed.bot.token},
        relay_mode: 'all_replies',
        inbound_mode: 'outgoing_webhook',
        active: true,
        ...settings,
    };
    const created = await world.api('PUT', `/api/v1/integrations/${licence}`, {body});
    assert.equal(created.status, 201, created.text);
    const secret = created.body.signing_secret as string;
    const endpoint = world.ireserve.endpoint(licence, {secret});
    assert.equal((await world.api('PATCH', `/api/v1/integrations/${licence}`, {body: {ireserve: {callback_url: endpoint.url}}})).status, 200);
    return {
        licence, secret, endpoint,
        async send(event) {
            const answer = await sendEvent(world.bridge.url, licence, secret, event);
            assert.equal(answer.status, 202, JSON.stringify(answer.json));
        },
    };
}

function started(conversationId: string, data: Record<string, unknown> = {}): unknown {
    return {
        type: 'conversation.started',
        data: {conversation_id: conversationId, visitor: {name: 'Lotte Jansen'}, page_url: 'https://www.park.example/en/cottages', locale: 'en', ...data},
    };
}

function message(conversationId: string, messageId: string, text: string): unknown {
    return {type: 'conversation.message', data: {conversation_id: conversationId, message_id: messageId, sender: {type: 'visitor', name: 'Lotte'}, text}};
}

function ireserveOf(post: PostRec): Record<string, unknown> {
    return (post.props.ireserve ?? {}) as Record<string, unknown>;
}

/** The conversation's live root post (waits for it). */
async function rootOf(world: World, licence: string, conversationId: string): Promise<PostRec> {
    return waitFor(() => world.mm.allPosts().find((post) => post.type === 'custom_irsv_conversation' && post.delete_at === 0
        && ireserveOf(post).licence === licence && ireserveOf(post).conversation_id === conversationId), `the root of ${conversationId}`);
}

async function drained(world: World, licence: string): Promise<void> {
    await waitFor(async () => (await world.bridge.bridge.context.outbox.counts(licence)).queueDepth === 0, 'the outbox to drain');
}

for (const engine of ENGINES) {
    describe(`routing on ${engine}`, {timeout: 5 * 60_000}, () => {
        let world: World;
        before(async () => {
            const mm = await MattermostStandIn.start();
            const seed = mm.seedDefault();
            const ireserve = await IReserveStandIn.start();
            const bridge = await startBridge({engine: engine as Engine, probeWaitMs: 3000});
            world = {mm, seed, ireserve, bridge, api: client(bridge.url)};
        });
        after(async () => {
            await world?.bridge.close();
            await world?.mm.close();
            await world?.ireserve.close();
        });

        test('routes by inbox, by locale and by page URL prefix; the first match wins; else the default channel', async () => {
            const fallback = channel(world, unique('default'));
            const dunes = channel(world, unique('dunes'));
            const dutch = channel(world, unique('dutch'));
            const groups = channel(world, unique('groups'));
            const integration = await createIntegration(world, {
                channel_id: fallback.id,
                routes: [
                    {inbox: 'Dunes Park', channel_id: dunes.id},
                    {locale: 'nl', channel_id: dutch.id},
                    {page_url_prefix: 'https://WWW.park.example/groups', channel_id: groups.id},
                    // Never reached for an inbox "Dunes Park" conversation: the first route matched already.
                    {inbox: 'dunes park', locale: 'de', channel_id: groups.id},
                ],
            });
            const view = await world.api('GET', `/api/v1/integrations/${integration.licence}`);
            assert.deepEqual(view.body.routes, [
                {inbox: 'Dunes Park', channel_id: dunes.id, outgoing_webhook_token_set: false},
                {locale: 'nl', channel_id: dutch.id, outgoing_webhook_token_set: false},
                {page_url_prefix: 'https://www.park.example/groups', channel_id: groups.id, outgoing_webhook_token_set: false},
                {inbox: 'dunes park', locale: 'de', channel_id: groups.id, outgoing_webhook_token_set: false},
            ]);

            const cases: Array<[string, Record<string, unknown>, ChannelRec]> = [
                ['by inbox (case ignored), before the later route that also matches', {inbox: 'DUNES PARK', locale: 'de'}, dunes],
                ['by locale, a region of the route\'s language', {locale: 'nl-BE'}, dutch],
                ['by page URL prefix', {page_url: 'https://www.park.example/groups/booking?x=1'}, groups],
                ['no route matches', {inbox: 'Forest Park', locale: 'en', page_url: 'https://www.park.example/grouping'}, fallback],
                ['a locale that only starts like the route\'s', {locale: 'nld'}, fallback],
            ];
            for (const [what, data, expected] of cases) {
                const conversationId = unique('conv');
                await integration.send(started(conversationId, data));
                const root = await rootOf(world, integration.licence, conversationId);
                assert.equal(root.channel_id, expected.id, what);
                if (data.inbox) {
                    assert.equal(ireserveOf(root).inbox, data.inbox, 'the inbox travels in props.ireserve.inbox');
                }
            }
            // A message before any started event: no facts to route by, so the default channel.
            const early = unique('conv');
            await integration.send(message(early, 'm1', 'Hello?'));
            assert.equal((await rootOf(world, integration.licence, early)).channel_id, fallback.id);
        });

        test('a conversation stays in the channel it started in: routes changed later, and a deleted root re-made', async () => {
            const fallback = channel(world, unique('default'));
            const first = channel(world, unique('first'));
            const second = channel(world, unique('second'));
            const integration = await createIntegration(world, {channel_id: fallback.id, routes: [{inbox: 'beach', channel_id: first.id}]});
            const conversationId = unique('conv');
            await integration.send(started(conversationId, {inbox: 'beach'}));
            const root = await rootOf(world, integration.licence, conversationId);
            assert.equal(root.channel_id, first.id);

            const patched = await world.api('PATCH', `/api/v1/integrations/${integration.licence}`, {body: {routes: [{inbox: 'beach', channel_id: second.id}]}});
            assert.equal(patched.status, 200, patched.text);
            const m1 = unique('m');
            await integration.send(message(conversationId, m1, 'Still there?'));
            await integration.send({type: 'conversation.updated', data: {conversation_id: conversationId, inbox: 'beach', status: 'open'}});
            await drained(world, integration.licence);
            const reply = await waitFor(() => world.mm.allPosts().find((post) => ireserveOf(post).message_id === m1), 'the message');
            assert.equal(reply.channel_id, first.id, 'the message follows its root');
            assert.equal(reply.root_id, root.id);

            // Self-heal: the root is deleted in Mattermost; the new root goes to the conversation's channel, not the route's new one.
            world.mm.deletePost(root.id, world.seed.admin.user.id);
            await integration.send(message(conversationId, unique('m'), 'Hello again'));
            await drained(world, integration.licence);
            const healed = await rootOf(world, integration.licence, conversationId);
            assert.notEqual(healed.id, root.id);
            assert.equal(healed.channel_id, first.id);
            // A new conversation with the same inbox follows the new route.
            const next = unique('conv');
            await integration.send(started(next, {inbox: 'beach'}));
            assert.equal((await rootOf(world, integration.licence, next)).channel_id, second.id);
        });

        test('webhook mode: replies from every route channel reach i-Reserve, each channel\'s hook with its own token', async () => {
            const mainToken = token();
            const routeToken = token();
            const fallback = channel(world, unique('default'), {hook: mainToken});
            const routed = channel(world, unique('routed'), {hook: routeToken});
            const integration = await createIntegration(world, {
                mattermost: {server_url: world.mm.url, bot_token: world.seed.bot.token, outgoing_webhook_token: mainToken},
                channel_id: fallback.id,
                routes: [{inbox: 'dunes', channel_id: routed.id, outgoing_webhook_token: routeToken}],
            });
            const view = await world.api('GET', `/api/v1/integrations/${integration.licence}`);
            assert.deepEqual(view.body.routes, [{inbox: 'dunes', channel_id: routed.id, outgoing_webhook_token_set: true}]);
            assert.ok(!view.text.includes(routeToken), 'the route\'s token is never shown');

            const a = unique('conv');
            const b = unique('conv');
            await integration.send(started(a, {inbox: 'dunes'}));
            await integration.send(started(b, {inbox: 'forest'}));
            const rootA = await rootOf(world, integration.licence, a);
            const rootB = await rootOf(world, integration.licence, b);
            assert.equal(rootA.channel_id, routed.id);
            assert.equal(rootB.channel_id, fallback.id);
            world.mm.createPost(world.seed.agent.user.id, {channel_id: routed.id, root_id: rootA.id, message: 'Reply from the routed channel'});
            world.mm.createPost(world.seed.agent.user.id, {channel_id: fallback.id, root_id: rootB.id, message: 'Reply from the default channel'});
            await waitFor(() => integration.endpoint.delivered().length === 2, 'both replies');
            const replies = integration.endpoint.delivered().map((call) => call.json as {data: {conversation_id: string; text: string}});
            assert.deepEqual(replies.map((r) => [r.data.conversation_id, r.data.text]).sort(), [
                [a, 'Reply from the routed channel'], [b, 'Reply from the default channel'],
            ].sort());

            // A route sent again without its token keeps it (tokens follow their channel); reordering keeps it too.
            const other = channel(world, unique('other'));
            const kept = await world.api('PATCH', `/api/v1/integrations/${integration.licence}`, {body: {routes: [
                {locale: 'de', channel_id: other.id},
                {inbox: 'dunes', channel_id: routed.id},
            ]}});
            assert.equal(kept.status, 200, kept.text);
            assert.deepEqual(kept.body.routes.map((r: {outgoing_webhook_token_set: boolean}) => r.outgoing_webhook_token_set), [false, true]);
            world.mm.createPost(world.seed.agent.user.id, {channel_id: routed.id, root_id: rootA.id, message: 'Still relayed'});
            await waitFor(() => integration.endpoint.delivered().length === 3, 'the third reply');

            // Another integration may not take a route's token.
            const stranger = unique('L');
            const stolen = await world.api('PUT', `/api/v1/integrations/${stranger}`, {body: {
                mattermost: {server_url: world.mm.url, bot_token: world.seed.bot.token, outgoing_webhook_token: routeToken},
                channel_id: other.id,
            }});
            assert.equal(stolen.status, 400);
            assert.equal(stolen.body.field, 'mattermost.outgoing_webhook_token');
            const stolenByRoute = await world.api('PUT', `/api/v1/integrations/${stranger}`, {body: {
                mattermost: {server_url: world.mm.url, bot_token: world.seed.bot.token},
                channel_id: other.id,
                routes: [{inbox: 'x', channel_id: other.id, outgoing_webhook_token: mainToken}],
            }});
            assert.equal(stolenByRoute.status, 400);
            assert.equal(stolenByRoute.body.field, 'routes.0.outgoing_webhook_token');
            assert.equal((await world.api('GET', `/api/v1/integrations/${stranger}`)).status, 404, 'nothing saved');
        });

        test('WebSocket mode: replies from every route channel reach i-Reserve', async () => {
            const fallback = channel(world, unique('default'));
            const routed = channel(world, unique('routed'), {type: 'P'});
            const integration = await createIntegration(world, {
                channel_id: fallback.id, inbound_mode: 'websocket',
                routes: [{page_url_prefix: 'https://www.park.example/nl/', channel_id: routed.id}],
            });
            const context = world.bridge.bridge.context;
            await waitFor(() => context.inbound.status(integration.licence)?.state === 'connected', 'the websocket');
            const a = unique('conv');
            const b = unique('conv');
            await integration.send(started(a, {page_url: 'https://www.park.example/nl/huisjes'}));
            await integration.send(started(b));
            const rootA = await rootOf(world, integration.licence, a);
            const rootB = await rootOf(world, integration.licence, b);
            assert.equal(rootA.channel_id, routed.id);
            assert.equal(rootB.channel_id, fallback.id);
            world.mm.createPost(world.seed.agent.user.id, {channel_id: routed.id, root_id: rootA.id, message: 'Antwoord uit het routekanaal'});
            world.mm.createPost(world.seed.agent.user.id, {channel_id: fallback.id, root_id: rootB.id, message: 'Answer from the default channel'});
            await waitFor(() => integration.endpoint.delivered().length === 2, 'both replies');
            const conversations = integration.endpoint.delivered().map((call) => (call.json as {data: {conversation_id: string}}).data.conversation_id).sort();
            assert.deepEqual(conversations, [a, b].sort());
        });

        test('the Test covers every route channel, outbound and inbound; the channel list names the routes', async () => {
            const mainToken = token();
            const goodToken = token();
            const fallback = channel(world, unique('default'), {hook: mainToken});
            const good = channel(world, unique('good'), {hook: goodToken});
            const silent = channel(world, unique('silent'), {hook: token()});
            const integration = await createIntegration(world, {
                mattermost: {server_url: world.mm.url, bot_token: world.seed.bot.token, outgoing_webhook_token: mainToken},
                channel_id: fallback.id,
                routes: [
                    {inbox: 'good', channel_id: good.id, outgoing_webhook_token: goodToken},
                    {inbox: 'silent', channel_id: silent.id},
                    {locale: 'fr', channel_id: good.id},
                ],
            });
            world.mm.removeChannelMember(silent.id, world.seed.bot.user.id);
            const tested = await world.api('POST', `/api/v1/integrations/${integration.licence}/test`);
            assert.equal(tested.status, 200, tested.text);
            const byPurpose = new Map(tested.body.results.map((r: {purpose: string}) => [r.purpose, r]));
            assert.deepEqual([...byPurpose.keys()], ['mirror', 'route:0', 'route:1', 'route:2']);
            assert.equal((byPurpose.get('mirror') as {ok: boolean}).ok, true);
            assert.equal((byPurpose.get('route:0') as {ok: boolean; channel_id: string}).ok, true);
            assert.equal((byPurpose.get('route:1') as {ok: boolean; error: string}).error, 'not_a_member');
            assert.equal((byPurpose.get('route:2') as {channel_id: string}).channel_id, good.id);
            // One sample post per channel, even where two routes share it.
            const samples = world.mm.channelPosts(good.id, {include_deleted: true}).filter((post) => post.props.ireserve_test === true);
            assert.equal(samples.length, 1);

            const inbound = tested.body.inbound;
            assert.equal(inbound.mode, 'outgoing_webhook');
            assert.equal(inbound.ok, false);
            const channels = new Map(inbound.channels.map((c: {channel_id: string}) => [c.channel_id, c]));
            assert.equal((channels.get(fallback.id) as {ok: boolean}).ok, true, JSON.stringify(inbound));
            assert.equal((channels.get(good.id) as {ok: boolean}).ok, true, JSON.stringify(inbound));
            assert.equal((channels.get(silent.id) as {cause: string}).cause, 'no_webhook_token');
            assert.equal(inbound.cause, 'no_webhook_token');

            const listed = await world.api('GET', `/api/v1/integrations/${integration.licence}/channels`);
            const listedById = new Map(listed.body.channels.map((c: {id: string}) => [c.id, c]));
            assert.deepEqual((listedById.get(good.id) as {routes: number[]}).routes, [0, 2]);
            assert.deepEqual((listedById.get(silent.id) as {routes: number[]; member: boolean}), {...listedById.get(silent.id) as object, routes: [1], member: false});
            assert.equal((listedById.get(fallback.id) as {selected: boolean}).selected, true);
        });

        test('bad routes: 400 naming the field, nothing saved', async () => {
            const fallback = channel(world, unique('default'));
            const routed = channel(world, unique('routed'));
            const hidden = channel(world, unique('hidden'), {type: 'P', bot: false});
            const integration = await createIntegration(world, {channel_id: fallback.id, routes: [{inbox: 'kept', channel_id: routed.id}]});
            const before = await world.api('GET', `/api/v1/integrations/${integration.licence}`);
            const cases: Array<[string, unknown, string]> = [
                ['no channel_id', [{inbox: 'a', channel_id: routed.id}, {inbox: 'b', channel_id: routed.id}, {inbox: 'c'}], 'routes.2.channel_id'],
                ['a bad channel id', [{inbox: 'a', channel_id: 'not-a-channel'}], 'routes.0.channel_id'],
                ['no match field', [{inbox: 'a', channel_id: routed.id}, {channel_id: routed.id}], 'routes.1'],
                ['an empty inbox', [{inbox: '  ', channel_id: routed.id}], 'routes.0.inbox'],
                ['an inbox over 100 characters', [{inbox: 'x'.repeat(101), channel_id: routed.id}], 'routes.0.inbox'],
                ['a prefix that is no URL', [{page_url_prefix: 'park.example/nl', channel_id: routed.id}], 'routes.0.page_url_prefix'],
                ['a prefix that is no http(s) URL', [{page_url_prefix: 'ftp://park.example/', channel_id: routed.id}], 'routes.0.page_url_prefix'],
                ['a bad locale', [{locale: 'n', channel_id: routed.id}], 'routes.0.locale'],
                ['an unknown field', [{inbox: 'a', channel: routed.id, channel_id: routed.id}], 'routes.0.channel'],
                ['more than 50 routes', Array.from({length: 51}, (_, i) => ({inbox: `i${i}`, channel_id: routed.id})), 'routes'],
                ['not a list', {inbox: 'a', channel_id: routed.id}, 'routes'],
                ['a channel the bot cannot see', [{inbox: 'a', channel_id: routed.id}, {inbox: 'b', channel_id: hidden.id}], 'routes.1.channel_id'],
            ];
            for (const [what, routes, field] of cases) {
                for (const method of ['PATCH', 'PUT'] as const) {
                    const body = method === 'PATCH' ? {routes} : {mattermost: {server_url: world.mm.url}, channel_id: fallback.id, routes};
                    const answer = await world.api(method, `/api/v1/integrations/${integration.licence}`, {body});
                    assert.equal(answer.status, 400, `${what} (${method}): ${answer.text}`);
                    assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
                    assert.equal(answer.body.field, field, `${what} (${method})`);
                }
            }
            const afterwards = await world.api('GET', `/api/v1/integrations/${integration.licence}`);
            assert.deepEqual(afterwards.body.routes, before.body.routes);
            assert.equal(afterwards.body.updated_at, before.body.updated_at, 'nothing saved');

            // Events: a bad inbox is refused at intake, naming the field; nothing posted.
            for (const [inbox, why] of [['', 'empty'], ['x'.repeat(101), 'too long'], ['a\nb', 'a line break']] as const) {
                const conversationId = unique('conv');
                for (const event of [started(conversationId, {inbox}), {type: 'conversation.updated', data: {conversation_id: conversationId, inbox}}]) {
                    const answer = await sendEvent(world.bridge.url, integration.licence, integration.secret, event);
                    assert.equal(answer.status, 400, why);
                    assert.equal(answer.json.field, 'data.inbox', why);
                }
            }
        });
    });
}
