// Outgoing-webhook mode catches up: replies whose webhook call was lost (bridge down, call
// refused) are read back over REST and relayed once, in order, with the webhook path's rules.
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, describe, test} from 'node:test';

import {catchUpMarkKey} from '../../src/storage/inbound_state_repository.js';
import {ENGINES, startBridge, stopPostgresServer, waitFor, type RunningBridge} from '../support/bridge_harness.js';

import {
    BRIDGE_ENV, createConversation, deliveredReplies, outboxRows, post, reactionsOf, setupIntegration,
    worldPerSuite, webhookAnswered, WEBHOOK_PATH, type Setup,
} from './support.js';

after(stopPostgresServer);

/** The reply ids i-Reserve got for one conversation, in the order it got them. */
function repliesOf(setup: Setup, conversationId: string): string[] {
    return deliveredReplies(setup.endpoint).filter((body) => body.data.conversation_id === conversationId).map((body) => body.data.reply_id);
}

async function caughtUp(bridge: RunningBridge, licence: string): Promise<number> {
    const metric = await bridge.bridge.context.metrics.inboundCaughtUp.get();
    return metric.values.find((value) => value.labels.licence === licence)?.value ?? 0;
}

for (const engine of ENGINES) {
    describe(`outgoing-webhook mode catches up over REST, on ${engine}`, {timeout: 5 * 60_000}, () => {
        const world = worldPerSuite(engine);

        test('bridge stopped while agents reply in two conversations: started again, each reply is relayed once, in order, with the same rules', async () => {
            const dir = mkdtempSync(path.join(tmpdir(), 'bridge-catch-up-'));
            let first: RunningBridge | undefined;
            let second: RunningBridge | undefined;
            try {
                first = await startBridge({engine, dir, env: BRIDGE_ENV});
                const setup = await setupIntegration(world, {webhook: 'form'}, first);
                const a = await createConversation(world, setup, undefined, first);
                const b = await createConversation(world, setup, undefined, first);
                const {agent, agent2, bot} = world.seed;
                const live = post(world, agent.user.id, {channel_id: setup.channel.id, root_id: a.rootId, message: 'Before the stop'});
                await waitFor(() => setup.endpoint.delivered().length === 1, 'the reply made while the bridge ran');
                await waitFor(() => reactionsOf(world, live.id).includes('white_check_mark'), '✅');
                // A round while running: the channel's mark is set.
                await first.bridge.context.inbound.catchUp.run(setup.licence);
                assert.ok(await first.bridge.context.inboundState.get(setup.licence, catchUpMarkKey(setup.channel.id)), 'a mark for the channel');
                await first.close();

                const reply = (userId: string, rootId: string, message: string, props?: Record<string, unknown>) =>
                    post(world, userId, {channel_id: setup.channel.id, root_id: rootId, message, ...(props ? {props} : {})});
                const a1 = reply(agent.user.id, a.rootId, 'A1 while down');
                const b1 = reply(agent2.user.id, b.rootId, 'B1 while down');
                const note = reply(agent.user.id, a.rootId, 'internal: call the guest', {ireserve_reply: {mode: 'note'}});
                const a2 = reply(agent2.user.id, a.rootId, 'A2 while down');
                reply(bot.user.id, b.rootId, 'the bot itself');
                post(world, agent.user.id, {channel_id: setup.channel.id, message: 'a top-level post, not a reply'});
                const b2 = reply(agent.user.id, b.rootId, 'B2 while down');
                const a3 = reply(agent.user.id, a.rootId, 'A3 while down', {ireserve_reply: {mode: 'visitor'}});
                // Mattermost called the stopped bridge and gave up: those calls are lost.
                await waitFor(() => world.mm.webhookCalls().filter((call) => call.post_id === a3.id && call.done).length === 1, 'the lost call');

                second = await startBridge({engine, dir, databaseUrl: first.databaseUrl, env: BRIDGE_ENV});
                await waitFor(() => setup.endpoint.delivered().length === 6, 'the five replies made while the bridge was down');
                assert.deepEqual(repliesOf(setup, a.conversationId), [live.id, a1.id, a2.id, a3.id], 'conversation A in order');
                assert.deepEqual(repliesOf(setup, b.conversationId), [b1.id, b2.id], 'conversation B in order');
                assert.equal(setup.endpoint.calls().length, 6, 'each reply once, the earlier one not again');
                await waitFor(() => [a1, a2, a3, b1, b2].every((p) => reactionsOf(world, p.id).includes('white_check_mark')), '✅ on each');
                assert.deepEqual(reactionsOf(world, note.id), [], 'the note stays internal');
                const rows = (await outboxRows(world, setup.licence, second)).filter((row) => row.kind === 'inbound.reply');
                assert.equal(rows.length, 6);
                assert.deepEqual(rows.slice(1).map((row) => row.payload.source), Array(5).fill('catch_up'));
                assert.deepEqual(rows.find((row) => row.payload.post_id === a3.id)?.payload.via, 'composer');
                assert.equal(await caughtUp(second, setup.licence), 5, 'counted per licence');
                assert.ok(second.logs.some((line) => line.includes('webhook catch-up relayed replies') && line.includes(setup.licence)), 'logged at info');
                // The mark moved past the newest post made while the bridge was down.
                assert.ok(Number(await second.bridge.context.inboundState.get(setup.licence, catchUpMarkKey(setup.channel.id))) >= a3.create_at);

                // Another round finds nothing new.
                await second.bridge.context.inbound.catchUp.run(setup.licence);
                assert.equal(setup.endpoint.calls().length, 6);
                assert.equal(await caughtUp(second, setup.licence), 5);
            } finally {
                await second?.close();
                rmSync(dir, {recursive: true, force: true});
            }
        });

        test('a post seen by both the webhook and the catch-up is relayed once, whichever comes first', async () => {
            const setup = await setupIntegration(world, {webhook: false});
            const {conversationId, rootId} = await createConversation(world, setup);
            const context = world.bridge.bridge.context;
            const before = await caughtUp(world.bridge, setup.licence);
            // Catch-up first, the webhook call late.
            const first = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Caught up first'});
            await context.inbound.catchUp.run(setup.licence);
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the caught-up reply');
            const late = await fetch(`${world.bridge.url}${WEBHOOK_PATH}`, {
                method: 'POST',
                headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                body: new URLSearchParams({token: setup.webhookToken, post_id: first.id, user_id: world.seed.agent.user.id, channel_id: setup.channel.id, text: first.message}),
            });
            assert.equal(late.status, 200);
            // The webhook first, then a catch-up round.
            world.mm.createOutgoingWebhook({channel_id: setup.channel.id, callback_urls: [`${world.bridge.url}${WEBHOOK_PATH}`], token: setup.webhookToken, creator_id: world.seed.admin.user.id});
            const second = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Webhook first'});
            await webhookAnswered(world, second.id);
            await waitFor(() => setup.endpoint.delivered().length === 2, 'the webhook reply');
            await context.inbound.catchUp.run(setup.licence);
            await waitFor(() => reactionsOf(world, second.id).includes('white_check_mark'), '✅');
            assert.deepEqual(repliesOf(setup, conversationId), [first.id, second.id]);
            assert.equal(setup.endpoint.calls().length, 2, 'each once');
            assert.deepEqual((await outboxRows(world, setup.licence)).filter((row) => row.kind === 'inbound.reply').map((row) => row.payload.source), ['catch_up', 'outgoing_webhook']);
            assert.equal(await caughtUp(world.bridge, setup.licence) - before, 1, 'only the missed one counts');
        });

        test('a webhook call refused for a wrong token: the catch-up relays the reply at once, without waiting for the next round', async () => {
            const setup = await setupIntegration(world, {webhook: false});
            const {conversationId, rootId} = await createConversation(world, setup);
            // The hook sends a token the integration does not hold.
            world.mm.createOutgoingWebhook({channel_id: setup.channel.id, callback_urls: [`${world.bridge.url}${WEBHOOK_PATH}`], token: 'wrongtoken0000000000000000', creator_id: world.seed.admin.user.id});
            const reply = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Sent with a wrong hook token'});
            await webhookAnswered(world, reply.id);
            assert.equal(world.mm.webhookCalls().find((call) => call.post_id === reply.id)?.status, 401);
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the reply relayed by the catch-up');
            assert.deepEqual(repliesOf(setup, conversationId), [reply.id]);
        });

        test('replies in a route\'s channel, and in a channel only an older conversation still lives in, are caught up too', async () => {
            const setup = await setupIntegration(world, {webhook: false});
            const {mm, seed} = world;
            const extra = (name: string) => {
                const channel = mm.createChannel({team_id: seed.team.id, name: `${setup.licence.toLowerCase()}-${name}`, display_name: name, type: 'O', creator_id: seed.admin.user.id});
                for (const user of [seed.admin.user, seed.agent.user, seed.bot.user]) {
                    mm.addChannelMember(channel.id, user.id);
                }
                return channel;
            };
            const routed = extra('routed');
            const former = extra('former');
            const quiet = extra('quiet');
            const context = world.bridge.bridge.context;
            await context.integrations.save({...setup.record, routes: [{inbox: 'dunes', channelId: routed.id, outgoingWebhookToken: null}, {inbox: 'woods', channelId: quiet.id, outgoingWebhookToken: null}]});
            const conversationIn = async (channelId: string, conversationId: string) => {
                const root = mm.createPost(seed.bot.user.id, {channel_id: channelId, message: `Visitor (${conversationId})`, type: 'custom_irsv_conversation'});
                await context.conversations.upsertContext(setup.licence, conversationId, {}, 'open');
                await context.conversations.linkRoot(setup.licence, conversationId, channelId, root.id as string);
                return root.id as string;
            };
            const routedRoot = await conversationIn(routed.id, `${setup.licence}-routed`);
            const formerRoot = await conversationIn(former.id, `${setup.licence}-former`);
            const inRoute = post(world, seed.agent.user.id, {channel_id: routed.id, root_id: routedRoot, message: 'In the route\'s channel'});
            const inFormer = post(world, seed.agent.user.id, {channel_id: former.id, root_id: formerRoot, message: 'Where an older conversation lives'});
            await context.inbound.catchUp.run(setup.licence);
            await waitFor(() => setup.endpoint.delivered().length === 2, 'both replies');
            assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id).sort(), [inRoute.id, inFormer.id].sort());
            // Read as well: the configured channel and a route's channel without conversations yet.
            for (const channelId of [setup.channel.id, routed.id, former.id, quiet.id]) {
                assert.ok(await context.inboundState.get(setup.licence, catchUpMarkKey(channelId)), 'a mark for each channel read');
            }
        });

        test('more than 10,000 posts after the mark (a busy channel after an outage): the mark moves every round and each reply is relayed once, in order', async () => {
            const setup = await setupIntegration(world, {webhook: false});
            const {conversationId, rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            const context = world.bridge.bridge.context;
            const channelId = setup.channel.id;
            const noise = (count: number) => {
                for (let n = 0; n < count; n += 1) {
                    mm.createPost(seed.agent.user.id, {channel_id: channelId, message: `chatter ${n}`});
                }
            };
            // History from before the integration: the forward read starts from a post at the mark.
            noise(450);
            const longAgo = mm.store.now() - 30 * 60_000;
            for (const rec of mm.store.channelPosts(channelId).filter((rec) => rec.message.startsWith('chatter '))) {
                rec.create_at = longAgo;
                rec.update_at = longAgo;
            }
            await context.inbound.catchUp.run(setup.licence);
            const key = catchUpMarkKey(channelId);
            const firstMark = Number(await context.inboundState.get(setup.licence, key));
            assert.ok(firstMark > 0, 'a mark for the channel');

            // The outage: far more posts than one round reads, every 97th a reply (the first one older
            // than the newest 10,000), and posts sharing a millisecond as on a busy server: groups of
            // 7 across page boundaries, and one group of 250 (more than a page) with replies inside.
            const total = 10_700;
            const ids: string[] = [];
            for (let n = 0; n < total; n += 1) {
                ids.push(n % 97 === 0
                    ? post(world, (n % 2 === 0 ? seed.agent : seed.agent2).user.id, {channel_id: channelId, root_id: rootId, message: `reply ${n}`}).id
                    : mm.createPost(seed.agent.user.id, {channel_id: channelId, message: `chatter ${n}`}).id as string);
            }
            const recs = ids.map((id) => mm.store.posts.get(id)!);
            const createdAt = recs.map((rec) => rec.create_at);
            recs.forEach((rec, n) => {
                const group = n >= 5000 && n < 5250 ? 5000 : Math.floor(n / 7) * 7;
                rec.create_at = createdAt[group]!;
                rec.update_at = Math.max(rec.update_at, rec.create_at);
            });
            const replies = recs.filter((rec) => rec.root_id === rootId)
                .sort((a, b) => a.create_at - b.create_at || (a.id < b.id ? -1 : 1)).map((rec) => rec.id);
            assert.ok(replies.length > 100 && recs.slice(5000, 5250).filter((rec) => rec.root_id !== '').length >= 2);
            const last = recs.at(-1)!;

            await context.inbound.catchUp.run(setup.licence);
            const secondMark = Number(await context.inboundState.get(setup.licence, key));
            assert.ok(secondMark >= recs[0]!.create_at, 'the first round moved the mark past the oldest reply');
            assert.ok(secondMark < last.create_at, 'one round reads a bounded share');

            await context.inbound.catchUp.run(setup.licence);
            assert.ok(Number(await context.inboundState.get(setup.licence, key)) >= last.create_at, 'the next round reached the newest post');
            await waitFor(() => setup.endpoint.delivered().length === replies.length, 'every reply', 120_000);
            assert.deepEqual(repliesOf(setup, conversationId), replies, 'each once, in order');

            // Caught up: a further round reads little (the `since` answer, a few pages to find the mark) and relays nothing.
            const before = mm.requests.records.length;
            await context.inbound.catchUp.run(setup.licence);
            const reads = mm.requests.records.slice(before).filter((record) => record.key === 'GET /api/v4/channels/:channel_id/posts');
            assert.ok(reads.length <= 20, `an idle round reads ${reads.length} pages`);
            assert.equal(setup.endpoint.calls().length, replies.length);
        });

        if (engine === 'postgres') {
            test('two bridge processes on one PostgreSQL catching up at the same time: each reply once, in order', async () => {
                const second = await startBridge({engine, databaseUrl: world.bridge.databaseUrl, dir: world.bridge.dir, env: BRIDGE_ENV});
                try {
                    const setup = await setupIntegration(world, {webhook: false});
                    const a = await createConversation(world, setup);
                    const b = await createConversation(world, setup);
                    const posted = [a, b, a, a, b, a].map((conversation, n) => ({
                        conversationId: conversation.conversationId,
                        id: post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: conversation.rootId, message: `Reply ${n}`}).id,
                    }));
                    await Promise.all([world.bridge, second, world.bridge, second].map((bridge) => bridge.bridge.context.inbound.catchUp.run(setup.licence)));
                    await waitFor(() => setup.endpoint.delivered().length === 6, 'six callbacks');
                    for (const {conversationId} of [a, b]) {
                        assert.deepEqual(repliesOf(setup, conversationId), posted.filter((p) => p.conversationId === conversationId).map((p) => p.id));
                    }
                    assert.equal(setup.endpoint.calls().length, 6, 'each once');
                    assert.equal(await caughtUp(world.bridge, setup.licence) + await caughtUp(second, setup.licence), 6, 'counted once, by whichever process queued it');
                } finally {
                    await second.close();
                }
            });
        }
    });
}
