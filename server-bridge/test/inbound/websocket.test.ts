import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';

import {ENGINES, startBridge, stopPostgresServer, waitFor, type RunningBridge} from '../support/bridge_harness.js';

import {
    BRIDGE_ENV, createConversation, deliveredReplies, outboxRows, post, reactionsOf, setupIntegration, worldPerSuite, unique,
    webhookAnswered, WEBHOOK_PATH,
} from './support.js';

after(stopPostgresServer);

/** Another integration's outgoing-webhook receiver: answers each call with a threaded comment, once released. */
async function commentingReceiver(): Promise<{url: string; release(): void; close(): Promise<void>}> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
        release = resolve;
    });
    const server: Server = createServer((request, response) => {
        request.resume();
        request.on('end', () => {
            void released.then(() => {
                response.writeHead(200, {'content-type': 'application/json'});
                response.end(JSON.stringify({text: 'Auto-answer from another integration', response_type: 'comment'}));
            });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}/hook`,
        release,
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}

for (const engine of ENGINES) {
    describe(`inbound relay through the websocket, on ${engine}`, {timeout: 5 * 60_000}, () => {
        const world = worldPerSuite(engine);

        const context = () => world.bridge.bridge.context;

        test('a reply in a private channel reaches i-Reserve (no outgoing webhook possible there)', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket', channelType: 'P'});
            const {conversationId, rootId} = await createConversation(world, setup);
            const reply = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Private channels work too'});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the callback');
            const [body] = deliveredReplies(setup.endpoint);
            assert.equal(body?.data.reply_id, reply.id);
            assert.equal(body?.data.conversation_id, conversationId);
            assert.equal(body?.data.author.name, 'Anna Agent');
            await waitFor(() => reactionsOf(world, reply.id).includes('white_check_mark'), '✅');
            const [job] = (await outboxRows(world, setup.licence)).filter((entry) => entry.kind === 'inbound.reply');
            assert.equal(job?.payload.source, 'websocket');
            assert.equal(world.mm.webhookCalls().some((call) => call.post_id === reply.id), false);
        });

        test('a bot that logs in with e-mail and password: replies relayed over the websocket, and after its session ends it logs in again and goes on', async () => {
            const {mm, seed} = world;
            // Mattermost refuses password logins for bot accounts: such a "bot" is an ordinary user.
            const password = 'Pw-for-the-websocket-login-9q!';
            const name = unique('login-bot').toLowerCase();
            const account = mm.createUser({username: name, email: `${name}@example.com`, password, team_ids: [seed.team.id]});
            const setup = await setupIntegration(world, {inboundMode: 'websocket', channelType: 'P', auth: {mode: 'login', loginId: account.email, password}});
            mm.addChannelMember(setup.channel.id, account.id);
            const {rootId} = await createConversation(world, setup);
            const first = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Over the socket of a logged-in bot'});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the first callback');
            assert.equal(deliveredReplies(setup.endpoint)[0]?.data.reply_id, first.id);

            // The session ends and the socket drops: the reconnect is refused (401) until a new login.
            const loginsBefore = mm.requestCounts()['POST /api/v4/users/login'] ?? 0;
            mm.expireSessions(account.id);
            mm.dropWebsockets();
            await waitFor(() => (mm.requestCounts()['POST /api/v4/users/login'] ?? 0) > loginsBefore, 'a new login');
            await waitFor(() => context().inbound.status(setup.licence)?.state === 'connected', 'the websocket back');
            const second = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'After the new login'});
            await waitFor(() => setup.endpoint.delivered().length === 2, 'the second callback');
            assert.equal(deliveredReplies(setup.endpoint)[1]?.data.reply_id, second.id);
            assert.ok(!world.bridge.logs.some((line) => line.includes(password)), 'the password is never logged');
        });

        test('the bot\'s own posts, other integrations\' webhook posts and other bots are not relayed', async () => {
            const receiver = await commentingReceiver();
            try {
                const setup = await setupIntegration(world, {inboundMode: 'websocket'});
                const {mm, seed} = world;
                // Another integration answers every post in the channel with a threaded comment (from_webhook).
                mm.createOutgoingWebhook({channel_id: setup.channel.id, callback_urls: [receiver.url], creator_id: seed.admin.user.id});
                const {rootId} = await createConversation(world, setup);
                receiver.release();
                const comment = await waitFor(() => mm.thread(rootId).find((entry) => entry.props.from_webhook === 'true'), 'the other integration\'s comment');
                const otherBot = mm.createBot({username: `helper-${setup.licence.toLowerCase()}`, team_ids: [seed.team.id]});
                mm.addChannelMember(setup.channel.id, otherBot.id);
                const ignored = [
                    comment,
                    post(world, seed.bot.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Visitor: hello?'}),
                    post(world, otherBot.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Beep'}),
                ];
                const sentinel = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Hello!'});
                // Events are handled in order: once the sentinel is queued, the earlier posts were decided.
                await waitFor(() => setup.endpoint.delivered().length === 1, 'the sentinel');
                assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id), [sentinel.id]);
                const queued = (await outboxRows(world, setup.licence)).filter((job) => job.kind !== 'inbound.feedback').map((job) => job.dedupe_key);
                assert.deepEqual(queued, [`post:${sentinel.id}`]);
                for (const entry of ignored) {
                    assert.deepEqual(reactionsOf(world, entry.id), []);
                }
            } finally {
                await receiver.close();
            }
        });

        test('the same post by outgoing webhook (twice) and by websocket reaches i-Reserve once', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket', webhook: 'form'});
            const {rootId} = await createConversation(world, setup);
            const reply = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Only once, please'});
            await webhookAnswered(world, reply.id);
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the callback');
            // Mattermost does not retry, but a proxy might: the same call again, twice.
            const original = world.mm.webhookCalls().find((call) => call.post_id === reply.id)!;
            for (let i = 0; i < 2; i++) {
                const again = await fetch(`${world.bridge.url}${WEBHOOK_PATH}`, {method: 'POST', headers: {'content-type': original.content_type}, body: original.body});
                assert.equal(again.status, 200);
                assert.equal(await again.text(), '{}');
            }
            const sentinel = post(world, world.seed.agent2.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Sentinel'});
            await webhookAnswered(world, sentinel.id);
            await waitFor(() => setup.endpoint.delivered().length === 2, 'the sentinel');
            assert.equal(setup.endpoint.calls().length, 2, 'one call per post, not even a duplicate attempt');
            assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id), [reply.id, sentinel.id]);
            const replies = (await outboxRows(world, setup.licence)).filter((job) => job.kind === 'inbound.reply');
            assert.equal(replies.length, 2);
            const metrics = await (await fetch(`${world.bridge.url}/metrics`)).text();
            assert.match(metrics, /ireserve_bridge_inbound_posts_total\{source="(websocket|outgoing_webhook)",decision="duplicate"\} [1-9]/);
        });

        test('Mattermost down mid-conversation: the listener backs off, resumes, and the replies posted meanwhile are relayed', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket'});
            const {rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            const first = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Before the outage'});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the first reply');
            const connectionId = context().inbound.status(setup.licence)?.connectionId;
            assert.ok(connectionId);

            mm.startOutage({mode: '503'});
            let during;
            try {
                await waitFor(() => context().inbound.status(setup.licence)?.state === 'disconnected', 'the listener to notice');
                during = [
                    post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'During the outage, 1'}),
                    post(world, seed.agent2.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'During the outage, 2'}),
                ];
                // A few refused reconnects while it is down.
                const before = mm.requestCounts()['GET /api/v4/websocket'] ?? 0;
                await waitFor(() => (mm.requestCounts()['GET /api/v4/websocket'] ?? 0) >= before + 2, 'reconnect attempts');
            } finally {
                mm.endOutage();
            }
            await waitFor(() => setup.endpoint.delivered().length === 3, 'the replies posted during the outage');
            assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id), [first.id, during[0]!.id, during[1]!.id]);
            assert.equal(context().inbound.status(setup.licence)?.connectionId, connectionId, 'the connection was resumed, events replayed');
            await waitFor(() => [first, ...during].every((entry) => reactionsOf(world, entry.id).includes('white_check_mark')), '✅ on all');
        });

        test('Mattermost back after an outage: the first delivery to it that succeeds tells the websocket listener, which need not sit out its backoff', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket'});
            const {rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            const inbound = context().inbound;
            const original = inbound.mattermostAnswers;
            const told: string[] = [];
            inbound.mattermostAnswers = (licence) => {
                told.push(licence);
                original(licence);
            };
            const jobFailed = async (kind: string) => (await outboxRows(world, setup.licence)).some((job) => job.kind === kind && job.last_error !== null);
            try {
                // i-Reserve holds the reply back, so its ✅ (a delivery to Mattermost) comes due while Mattermost is down.
                setup.endpoint.down();
                const reply = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Just before the outage'});
                await waitFor(() => jobFailed('inbound.reply'), 'the callback failing');
                mm.startOutage({mode: '503'});
                try {
                    await waitFor(() => context().inbound.status(setup.licence)?.state === 'disconnected', 'the listener to notice');
                    setup.endpoint.up();
                    await waitFor(() => jobFailed('inbound.feedback'), 'the ✅ failing against Mattermost');
                    assert.equal(told.length, 0, 'i-Reserve answering again says nothing about Mattermost');
                } finally {
                    mm.endOutage();
                }
                await waitFor(() => reactionsOf(world, reply.id).includes('white_check_mark'), '✅ once Mattermost is back');
                await waitFor(() => told.includes(setup.licence), 'the listener told that Mattermost answers again');
                assert.deepEqual(told, [setup.licence], 'told once, for this licence');
                await waitFor(() => context().inbound.status(setup.licence)?.state === 'connected', 'the websocket back');
            } finally {
                inbound.mattermostAnswers = original;
                setup.endpoint.up();
            }
        });

        test('Mattermost restarted (connection forgotten): a new connection re-syncs the open conversations over REST', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket', relayMode: 'composer_only'});
            const {rootId} = await createConversation(world, setup);
            const other = await createConversation(world, setup);
            const {mm, seed} = world;
            const visitor = {ireserve_reply: {mode: 'visitor'}};
            const first = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Before', props: visitor});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the first reply');
            const status = context().inbound.status(setup.licence)!;
            const resyncsBefore = status.resyncs;
            const userLookups = () => mm.requestLog().filter((entry) => entry.key === 'GET /api/v4/users/:user_id').map((entry) => entry.path);
            const lookupsBefore = userLookups().length;

            mm.refuseWebsockets(60_000);
            mm.forgetWebsocketConnections();
            let gap;
            try {
                await waitFor(() => context().inbound.status(setup.licence)?.state === 'disconnected', 'the listener to notice');
                gap = {
                    visitor: post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'In the gap, to the visitor', props: visitor}),
                    note: post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'In the gap, a note', props: {ireserve_reply: {mode: 'note'}}}),
                    plain: post(world, seed.agent2.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'In the gap, plain (composer_only: internal)'}),
                    otherConversation: post(world, seed.agent2.user.id, {channel_id: setup.channel.id, root_id: other.rootId, message: 'In the gap, other conversation', props: visitor}),
                };
            } finally {
                mm.refuseWebsockets(0);
            }
            await waitFor(() => setup.endpoint.delivered().length === 3, 'the replies posted in the gap');
            const delivered = deliveredReplies(setup.endpoint);
            assert.deepEqual(delivered.map((body) => body.data.reply_id).sort(), [first.id, gap.visitor.id, gap.otherConversation.id].sort());
            assert.equal(delivered.find((body) => body.data.reply_id === gap.otherConversation.id)?.data.conversation_id, other.conversationId);
            await waitFor(() => (context().inbound.status(setup.licence)?.resyncs ?? 0) > resyncsBefore, 'the re-sync to finish');
            assert.notEqual(context().inbound.status(setup.licence)?.connectionId, status.connectionId, 'a new connection');
            // The re-sync read the reply relayed before the gap again: known as relayed, so its author
            // was not looked up again; only the authors of the two new replies were.
            assert.deepEqual(userLookups().slice(lookupsBefore).sort(), [`/api/v4/users/${seed.agent.user.id}`, `/api/v4/users/${seed.agent2.user.id}`].sort());
            const sources = (await outboxRows(world, setup.licence)).filter((job) => job.kind === 'inbound.reply').map((job) => job.payload.source);
            assert.deepEqual(sources, ['websocket', 'resync', 'resync']);
            // Live events flow again on the new connection.
            const later = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'After', props: visitor});
            await waitFor(() => setup.endpoint.delivered().some((call) => (call.json as {data: {reply_id: string}}).data.reply_id === later.id), 'a live reply after the gap');
        });

        test('a gap in which more than 10,000 posts were made: the re-sync reads all of it, oldest reply first', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket'});
            const {rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            const first = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Before'});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the first reply');
            const resyncsBefore = context().inbound.status(setup.licence)!.resyncs;
            mm.refuseWebsockets(60_000);
            mm.forgetWebsocketConnections();
            let gap: string[] = [];
            try {
                await waitFor(() => context().inbound.status(setup.licence)?.state === 'disconnected', 'the listener to notice');
                const oldest = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Oldest in the gap'});
                for (let n = 0; n < 10_300; n += 1) {
                    mm.createPost(seed.agent2.user.id, {channel_id: setup.channel.id, message: `chatter ${n}`});
                }
                const newest = post(world, seed.agent2.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Newest in the gap'});
                gap = [oldest.id, newest.id];
            } finally {
                mm.refuseWebsockets(0);
            }
            await waitFor(() => (context().inbound.status(setup.licence)?.resyncs ?? 0) > resyncsBefore, 'the re-sync to finish', 60_000);
            await waitFor(() => setup.endpoint.delivered().length === 3, 'the replies posted in the gap');
            assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id), [first.id, ...gap]);
        });

        test('after a gap, a live reply waits for the re-sync: i-Reserve gets the gap\'s replies first', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket'});
            const {rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            const first = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Before the gap'});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the first reply');
            const connectionId = context().inbound.status(setup.licence)?.connectionId;
            mm.refuseWebsockets(60_000);
            mm.forgetWebsocketConnections();
            let gap;
            try {
                await waitFor(() => context().inbound.status(setup.licence)?.state === 'disconnected', 'the listener to notice');
                gap = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'In the gap'});
                // The re-sync's REST read is slow, so a live event arrives while it runs.
                mm.faults.setLatency(1500, {method: 'GET', path: '/api/v4/channels/:channel_id/posts'});
            } finally {
                mm.refuseWebsockets(0);
            }
            let live;
            try {
                await waitFor(() => {
                    const status = context().inbound.status(setup.licence);
                    return status?.state === 'connected' && status.connectionId !== connectionId;
                }, 'a new connection');
                live = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Live, right after the reconnect'});
                await waitFor(() => setup.endpoint.delivered().length === 3, 'all three replies');
            } finally {
                mm.faults.setLatency(0);
            }
            assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id), [first.id, gap.id, live.id]);
            assert.equal(setup.endpoint.calls().length, 3, 'each reply once');
        });

        test('bridge stopped for a while: on start it catches up with the replies posted meanwhile, once', async () => {
            const dir = mkdtempSync(path.join(tmpdir(), 'bridge-restart-'));
            let first: RunningBridge | undefined;
            let second: RunningBridge | undefined;
            try {
                first = await startBridge({engine, dir, env: BRIDGE_ENV});
                const setup = await setupIntegration(world, {inboundMode: 'websocket'}, first);
                const {rootId} = await createConversation(world, setup, undefined, first);
                const before = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Before the restart'});
                await waitFor(() => setup.endpoint.delivered().length === 1, 'the first reply');
                await waitFor(() => reactionsOf(world, before.id).includes('white_check_mark'), '✅');
                await first.close();
                const whileDown = post(world, world.seed.agent2.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'While the bridge was down'});
                second = await startBridge({engine, dir, databaseUrl: first.databaseUrl, env: BRIDGE_ENV});
                await waitFor(() => setup.endpoint.delivered().length === 2, 'the reply posted while the bridge was down');
                assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id), [before.id, whileDown.id]);
                assert.equal(setup.endpoint.calls().length, 2, 'the earlier reply was not sent again');
            } finally {
                await second?.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });

        test('settings changes: refresh starts, keeps and stops the listener', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket'});
            const inbound = context().inbound;
            const connectionId = inbound.status(setup.licence)?.connectionId;
            await context().integrations.save({...setup.record, relayMode: 'composer_only'});
            await inbound.refresh(setup.licence);
            assert.equal(inbound.status(setup.licence)?.connectionId, connectionId, 'a relay-mode change keeps the connection');
            await context().integrations.save({...setup.record, inboundMode: 'outgoing_webhook'});
            await inbound.refresh(setup.licence);
            assert.equal(inbound.status(setup.licence), undefined, 'switched to outgoing webhooks: no listener');
            await context().integrations.save({...setup.record, inboundMode: 'websocket'});
            await inbound.refresh(setup.licence);
            await waitFor(() => inbound.status(setup.licence)?.state === 'connected', 'connected again');
            await context().integrations.delete(setup.licence);
            await inbound.refresh(setup.licence);
            assert.equal(inbound.status(setup.licence), undefined, 'deleted: no listener');
        });

        test('a bot token Mattermost rejects on the websocket shows up as the integration\'s error', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket'});
            const previous = world.mm.config.websocketAuthTimeoutMs;
            world.mm.setConfig({websocketAuthTimeoutMs: 200});
            try {
                await context().integrations.save({...setup.record, auth: {mode: 'token', botToken: 'revoked0000000000000000000'}});
                await context().inbound.refresh(setup.licence);
                const integration = await waitFor(async () => {
                    const found = await context().integrations.get(setup.licence);
                    return found?.lastError ? found : undefined;
                }, 'the error to be recorded');
                assert.match(integration.lastError ?? '', /rejected the bot token/);
                assert.notEqual(context().inbound.status(setup.licence)?.state, 'connected');
            } finally {
                world.mm.setConfig({websocketAuthTimeoutMs: previous});
                await context().integrations.delete(setup.licence);
                await context().inbound.refresh(setup.licence);
            }
        });

        if (engine === 'postgres') {
            test('two bridge processes on one PostgreSQL: one holds the websocket, each reply is relayed once', async () => {
                // Same database and same secret key (generated in the data directory), as production requires.
                const second = await startBridge({engine, databaseUrl: world.bridge.databaseUrl, dir: world.bridge.dir, env: BRIDGE_ENV});
                try {
                    const setup = await setupIntegration(world, {inboundMode: 'websocket', webhook: 'form'});
                    // Both processes receive the outgoing webhook too.
                    world.mm.createOutgoingWebhook({channel_id: setup.channel.id, callback_urls: [`${second.url}${WEBHOOK_PATH}`], token: setup.webhookToken, creator_id: world.seed.admin.user.id});
                    await second.bridge.context.inbound.refresh(setup.licence);
                    const statuses = [context().inbound.status(setup.licence), second.bridge.context.inbound.status(setup.licence)];
                    assert.deepEqual(statuses.map((status) => status?.leader), [true, false]);
                    assert.equal(statuses[1]?.state, 'standby');
                    const {rootId} = await createConversation(world, setup);
                    const replies = [1, 2, 3].map((n) => post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: `Reply ${n}`}));
                    for (const reply of replies) {
                        await webhookAnswered(world, reply.id);
                    }
                    await waitFor(() => setup.endpoint.delivered().length === 3, 'three callbacks');
                    assert.equal(setup.endpoint.calls().length, 3);
                    assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id).sort(), replies.map((reply) => reply.id).sort());
                } finally {
                    await second.close();
                }
            });
        }
    });
}
