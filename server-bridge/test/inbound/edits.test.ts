import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';

import {ENGINES, stopPostgresServer, waitFor} from '../support/bridge_harness.js';

import {createConversation, outboxRows, post, setupIntegration, worldPerSuite, type Setup} from './support.js';

after(stopPostgresServer);

type Callback = {type: string; licence: string; data: {conversation_id: string; reply_id: string; text?: string; edited_at?: string}};

/** What i-Reserve acted on (verified, 2xx, one per webhook-id), in order. */
function delivered(setup: Setup): Array<Callback & {webhookId: string}> {
    return setup.endpoint.delivered().map((call) => ({...(call.json as Callback), webhookId: call.webhookId}));
}

const visitor = {ireserve_reply: {mode: 'visitor'}};

for (const engine of ENGINES) {
    describe(`agents' edits and deletions relayed to i-Reserve on ${engine}`, {timeout: 5 * 60_000}, () => {
        const world = worldPerSuite(engine);
        const context = () => world.bridge.bridge.context;

        test('an edit and a deletion of a relayed reply → reply_edited and reply_deleted, once each, after the reply', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket', channelType: 'P'});
            const {conversationId, rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            const reply = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Pitch 12 is free'});
            mm.editPost(seed.agent.user.id, reply.id, 'Pitch 14 is free');
            mm.editPost(seed.agent.user.id, reply.id, 'Pitch 14 is free, with shade');
            await waitFor(() => delivered(setup).length === 3, 'the reply and its two edits');
            mm.deletePost(reply.id, seed.agent.user.id);
            await waitFor(() => delivered(setup).length === 4, 'the deletion');

            const calls = delivered(setup);
            assert.deepEqual(calls.map((call) => call.type), ['conversation.reply', 'conversation.reply_edited', 'conversation.reply_edited', 'conversation.reply_deleted']);
            assert.ok(calls.every((call) => call.licence === setup.licence && call.data.conversation_id === conversationId && call.data.reply_id === reply.id));
            const edits = calls.filter((call) => call.type === 'conversation.reply_edited');
            assert.deepEqual(edits.map((call) => call.data.text), ['Pitch 14 is free', 'Pitch 14 is free, with shade']);
            const editAt = mm.getPost(reply.id)!.edit_at;
            assert.equal(edits[1]!.data.edited_at, new Date(editAt).toISOString(), 'edited_at is the post\'s edit_at');
            assert.deepEqual(Object.keys(calls[3]!.data).sort(), ['conversation_id', 'reply_id']);
            assert.equal(new Set(calls.map((call) => call.webhookId)).size, 4, 'one webhook-id each');
            assert.equal(setup.endpoint.calls().length, 4, 'each sent once');

            // The same events again (a replay, another process's socket): nothing new.
            await context().inbound.relay.acceptChange(setup.record as never, mm.getPost(reply.id) as never, 'deleted', 'websocket');
            const jobs = (await outboxRows(world, setup.licence)).filter((job) => job.kind.startsWith('inbound.reply'));
            assert.deepEqual(jobs.map((job) => job.kind), ['inbound.reply', 'inbound.reply_edited', 'inbound.reply_edited', 'inbound.reply_deleted']);

            // Deleting the integration forgets which replies it relayed.
            const relayedRows = async () => (await context().database.db.selectFrom('relayed_replies').select('post_id').where('licence', '=', setup.licence).execute()).length;
            assert.equal(await relayedRows(), 1);
            assert.ok(await context().integrations.delete(setup.licence));
            await context().inbound.refresh(setup.licence);
            assert.equal(await relayedRows(), 0);
        });

        test('notes, unrelayed replies and the bot\'s own posts send nothing when edited or deleted', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket', channelType: 'P', relayMode: 'composer_only'});
            const {rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            const note = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Internal note', props: {ireserve_reply: {mode: 'note'}}});
            const plain = post(world, seed.agent2.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Plain reply (composer_only: internal)'});
            const own = post(world, seed.bot.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Visitor: hello'});
            mm.editPost(seed.agent.user.id, note.id, 'Internal note, edited');
            mm.editPost(seed.agent2.user.id, plain.id, 'Plain, edited');
            mm.editPost(seed.bot.user.id, own.id, 'Visitor: hello, edited');
            mm.deletePost(note.id, seed.agent.user.id);
            mm.deletePost(plain.id, seed.agent2.user.id);
            mm.deletePost(own.id, seed.bot.user.id);
            const sentinel = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'To the visitor', props: visitor});
            // Events are handled in order: once the sentinel is delivered, the earlier ones were decided.
            await waitFor(() => delivered(setup).length === 1, 'the sentinel');
            assert.deepEqual(delivered(setup).map((call) => [call.type, call.data.reply_id]), [['conversation.reply', sentinel.id]]);
            const jobs = (await outboxRows(world, setup.licence)).filter((job) => job.kind.startsWith('inbound.reply'));
            assert.deepEqual(jobs.map((job) => job.dedupe_key), [`post:${sentinel.id}`]);
        });

        test('a failed reply holds its edit back until both are replayed, in order', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket', channelType: 'P'});
            const {rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            setup.endpoint.respond({status: 422, body: {detail: 'conversation locked'}});
            const reply = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'First version'});
            await waitFor(async () => (await outboxRows(world, setup.licence)).some((job) => job.kind === 'inbound.reply' && job.status === 'failed'), 'the reply parked');
            mm.editPost(seed.agent.user.id, reply.id, 'Second version');
            const edit = await waitFor(async () => (await outboxRows(world, setup.licence)).find((job) => job.kind === 'inbound.reply_edited' && job.status === 'failed'), 'the edit parked');
            assert.match(edit.last_error ?? '', /reply itself has not reached i-Reserve/);
            assert.equal(setup.endpoint.calls().filter((call) => (call.json as Callback).type === 'conversation.reply_edited').length, 0, 'the edit was not sent');

            assert.equal(await context().outbox.retryAll(setup.licence), 2);
            context().wakeWorker();
            await waitFor(() => delivered(setup).length === 2, 'both delivered');
            assert.deepEqual(delivered(setup).map((call) => call.type), ['conversation.reply', 'conversation.reply_edited']);
            assert.equal(delivered(setup)[1]!.data.text, 'Second version');
        });

        test('after a socket gap the re-sync finds edits and deletions made meanwhile', async () => {
            const setup = await setupIntegration(world, {inboundMode: 'websocket', channelType: 'P'});
            const {rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            const edited = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Will be edited'});
            const removed = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Will be deleted'});
            const untouched = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Stays as it is'});
            await waitFor(() => delivered(setup).length === 3, 'the three replies');
            const resyncsBefore = context().inbound.status(setup.licence)!.resyncs;

            mm.refuseWebsockets(60_000);
            mm.forgetWebsocketConnections();
            let born;
            try {
                await waitFor(() => context().inbound.status(setup.licence)?.state === 'disconnected', 'the listener to notice');
                mm.editPost(seed.agent.user.id, edited.id, 'Edited in the gap');
                mm.deletePost(removed.id, seed.agent.user.id);
                born = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Posted in the gap'});
                mm.editPost(seed.agent.user.id, born.id, 'Posted and edited in the gap');
            } finally {
                mm.refuseWebsockets(0);
            }
            await waitFor(() => (context().inbound.status(setup.licence)?.resyncs ?? 0) > resyncsBefore, 'the re-sync');
            await waitFor(() => delivered(setup).length === 6, 'the gap\'s changes');
            const gap = delivered(setup).slice(3);
            assert.deepEqual(gap.map((call) => [call.type, call.data.reply_id]), [
                ['conversation.reply_edited', edited.id],
                ['conversation.reply_deleted', removed.id],
                ['conversation.reply', born.id],
            ]);
            assert.equal(gap[0]!.data.text, 'Edited in the gap');
            assert.equal(gap[2]!.data.text, 'Posted and edited in the gap', 'a post new to i-Reserve goes with its latest text, no edit after it');
            const jobs = (await outboxRows(world, setup.licence)).filter((job) => job.kind.startsWith('inbound.reply'));
            assert.equal(jobs.filter((job) => job.dedupe_key?.includes(untouched.id)).length, 1, 'the untouched reply is not sent again');
        });
    });
}
