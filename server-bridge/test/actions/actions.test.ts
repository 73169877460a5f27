import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';

import {refusal} from '../../../test/standins/ireserve/index.js';
import {createConversation, outboxRows, setupIntegration, worldPerSuite, unique} from '../inbound/support.js';
import {ENGINES, stopPostgresServer, waitFor} from '../support/bridge_harness.js';

import {
    actionCalls, cardActionIds, cardActions, click, deliveredActions, ireserveOf, metric, notesOf, rootOf, startConversation,
} from './support.js';

after(stopPostgresServer);

for (const engine of ENGINES) {
    describe(`conversation actions from the card, on ${engine}`, {timeout: 240_000}, () => {
        const world = worldPerSuite(engine);

        test('the root post carries a per-licence number and signed buttons that follow the state', async () => {
            const setup = await setupIntegration(world);
            const first = await startConversation(world, setup, unique('conv'));
            const second = await startConversation(world, setup, unique('conv'));
            assert.equal(ireserveOf(first).number, 1);
            assert.equal(ireserveOf(second).number, 2);
            assert.match(first.message, /\*\*#1 Web chat with Lotte Jansen\*\*/);
            assert.deepEqual(cardActionIds(first), ['claim', 'assign', 'close']);
            const [claim, assign] = cardActions(first);
            assert.equal(claim!.integration.url.endsWith('/api/v1/mattermost/actions'), true);
            assert.deepEqual(Object.keys(claim!.integration.context).sort(), ['action', 'conversation_id', 'licence', 'sig']);
            assert.equal(claim!.integration.context.licence, setup.licence);
            assert.equal(assign!.type, 'select');
            assert.equal(assign!.data_source, 'users');
            // Another licence counts from 1 again.
            const other = await setupIntegration(world);
            assert.equal(ireserveOf(await startConversation(world, other, unique('conv'))).number, 1);
        });

        test('every action: claim, assign, unassign, close, reopen reach i-Reserve signed, update the card and leave one note each', async () => {
            const setup = await setupIntegration(world);
            const conversationId = unique('conv');
            let root = await startConversation(world, setup, conversationId);
            await world.bridge.bridge.context.directory.replace(setup.licence, [{ireserve_user_id: 'u-anna', email: 'anna@example.com'}]);
            const {agent, agent2} = world.seed;

            const claimed = await click(world, root, 'claim', agent.user.id);
            assert.equal(claimed.status, 200);
            assert.match(String(claimed.json.ephemeral_text), /Asked i-Reserve to claim this conversation/);
            await waitFor(() => notesOf(world, root.id).length === 1, 'the claim note');
            const [call] = actionCalls(setup.endpoint);
            assert.equal(call!.verified, true);
            assert.match(call!.webhookId, /^act_[A-Za-z0-9_-]{32}$/);
            const body = deliveredActions(setup.endpoint)[0]!;
            const anna = {ireserve_user_id: 'u-anna', email: 'anna@example.com', name: 'Anna Agent', username: 'anna', mattermost_user_id: agent.user.id};
            assert.equal(body.type, 'conversation.action');
            assert.equal(body.licence, setup.licence);
            assert.equal(body.data.conversation_id, conversationId);
            assert.equal(body.data.action, 'claim');
            assert.match(body.data.action_id, /^act-/);
            assert.deepEqual(body.data.actor, anna);
            assert.deepEqual(body.data.assignee, anna);
            assert.ok(!Number.isNaN(Date.parse(body.data.created_at)));
            assert.equal(notesOf(world, root.id)[0]!.message, 'Anna Agent took this conversation.');
            assert.deepEqual(ireserveOf(notesOf(world, root.id)[0]), {
                v: 1, kind: 'action_note', action_id: body.data.action_id, conversation_id: conversationId, action: 'claim', outcome: 'applied',
                actor_name: 'Anna Agent', actor_user_id: agent.user.id, assignee_name: 'Anna Agent',
            });
            root = await waitFor(() => {
                const current = rootOf(world, setup, conversationId);
                return (ireserveOf(current).assignee as {username?: string} | undefined)?.username === 'anna' ? current : undefined;
            }, 'the card to show Anna');
            assert.deepEqual(ireserveOf(root).assignee, {name: 'Anna Agent', email: 'anna@example.com', username: 'anna', mattermost_user_id: agent.user.id});
            assert.deepEqual(cardActionIds(root), ['claim', 'assign', 'unassign', 'close']);
            assert.match(root.message, /Assignee: Anna Agent/);

            const assigned = await click(world, root, 'assign', agent.user.id, {selected: agent2.user.id});
            assert.match(String(assigned.json.ephemeral_text), /assign this conversation to Ben Backup/);
            await waitFor(() => notesOf(world, root.id).length === 2, 'the assign note');
            assert.equal(notesOf(world, root.id)[1]!.message, 'Anna Agent assigned this conversation to Ben Backup.');
            assert.equal(deliveredActions(setup.endpoint)[1]!.data.assignee?.username, 'ben');
            root = await waitFor(() => {
                const current = rootOf(world, setup, conversationId);
                return (ireserveOf(current).assignee as {username?: string} | undefined)?.username === 'ben' ? current : undefined;
            }, 'the card to show Ben');

            await click(world, root, 'unassign', agent2.user.id);
            await waitFor(() => notesOf(world, root.id).length === 3, 'the unassign note');
            assert.equal(notesOf(world, root.id)[2]!.message, 'Ben Backup unassigned this conversation.');
            root = await waitFor(() => {
                const current = rootOf(world, setup, conversationId);
                return ireserveOf(current).assignee === undefined ? current : undefined;
            }, 'the card to show nobody');
            assert.equal(deliveredActions(setup.endpoint)[2]!.data.assignee, undefined);

            await click(world, root, 'close', agent.user.id);
            await waitFor(() => notesOf(world, root.id).length === 4, 'the close note');
            root = await waitFor(() => {
                const current = rootOf(world, setup, conversationId);
                return ireserveOf(current).status === 'closed' ? current : undefined;
            }, 'the card to show closed');
            assert.deepEqual(cardActionIds(root), ['reopen']);

            await click(world, root, 'reopen', agent.user.id);
            await waitFor(() => notesOf(world, root.id).length === 5, 'the reopen note');
            root = await waitFor(() => {
                const current = rootOf(world, setup, conversationId);
                return ireserveOf(current).status === 'open' ? current : undefined;
            }, 'the card to show open');
            assert.deepEqual(notesOf(world, root.id).map((note) => note.message), [
                'Anna Agent took this conversation.',
                'Anna Agent assigned this conversation to Ben Backup.',
                'Ben Backup unassigned this conversation.',
                'Anna Agent closed this conversation.',
                'Anna Agent reopened this conversation.',
            ]);
            assert.deepEqual(deliveredActions(setup.endpoint).map((entry) => entry.data.action), ['claim', 'assign', 'unassign', 'close', 'reopen']);
            assert.equal(await metric(world, 'ireserve_bridge_actions_total', {action: 'close', via: 'button', result: 'applied'}) >= 1, true);
        });

        test('forged, altered and replayed contexts are refused and nothing is sent', async () => {
            const setup = await setupIntegration(world);
            const a = await startConversation(world, setup, unique('conv'));
            const b = await startConversation(world, setup, unique('conv'));
            const agent = world.seed.agent.user.id;
            const claimContext = cardActions(a).find((action) => action.id === 'claim')!.integration.context;
            const before = await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'button', reason: 'bad_signature'});

            const forged = await click(world, a, 'claim', agent, {context: {...claimContext, sig: 'AAAA'}});
            assert.equal(forged.status, 401);
            assert.equal(forged.json.title, 'Unauthorized');
            // The claim's signature does not cover close.
            const altered = await click(world, a, 'claim', agent, {context: {...claimContext, action: 'close'}});
            assert.equal(altered.status, 401);
            // Another licence's name with this signature.
            const otherLicence = await click(world, a, 'claim', agent, {context: {...claimContext, licence: 'L-NOPE'}});
            assert.equal(otherLicence.status, 401);
            // Conversation A's genuine context sent with conversation B's post: refused, in words.
            const replayed = await click(world, b, 'claim', agent, {context: claimContext});
            assert.equal(replayed.status, 200);
            assert.match(String(replayed.json.ephemeral_text), /does not belong to this conversation/);
            // Bad ids never reach a look-up.
            const badId = await click(world, a, 'claim', '../../users/me', {});
            assert.equal(badId.status, 400);
            assert.equal(badId.json.field, 'user_id');
            const unknownAction = await click(world, a, 'claim', agent, {context: {...claimContext, action: 'delete'}});
            assert.equal(unknownAction.status, 400);

            assert.equal(await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'button', reason: 'bad_signature'}) - before, 2);
            assert.equal(await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'button', reason: 'unknown_licence'}) >= 1, true);
            const jobs = await outboxRows(world, setup.licence);
            assert.equal(jobs.filter((job) => job.kind === 'inbound.action').length, 0);
            assert.equal(actionCalls(setup.endpoint).length, 0);
        });

        test('only channel members act, and only members can be assigned; the state decides what is possible', async () => {
            const setup = await setupIntegration(world);
            const root = await startConversation(world, setup, unique('conv'));
            const outsider = world.mm.createUser({username: unique('olaf').toLowerCase().replace(/[^a-z0-9]/g, ''), email: `${unique('olaf')}@example.com`.toLowerCase(), password: 'Olaf-pass-1', first_name: 'Olaf', last_name: 'Outsider', team_ids: [world.seed.team.id]});
            const refusalsBefore = await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'button', reason: 'not_a_member'});

            const byOutsider = await click(world, root, 'claim', outsider.id);
            assert.equal(byOutsider.status, 200);
            assert.match(String(byOutsider.json.ephemeral_text), /Only members of this conversation's channel/);
            const toOutsider = await click(world, root, 'assign', world.seed.agent.user.id, {selected: outsider.id});
            assert.match(String(toOutsider.json.ephemeral_text), /not a member of this conversation's channel/);
            const toNobody = await click(world, root, 'assign', world.seed.agent.user.id);
            assert.match(String(toNobody.json.ephemeral_text), /Choose who should get this conversation/);
            const unassignNobody = await click(world, root, 'unassign', world.seed.agent.user.id, {context: {
                ...cardActions(root).find((action) => action.id === 'claim')!.integration.context, action: 'unassign',
            }});
            // Not signed for unassign (the card offers none): refused as forged.
            assert.equal(unassignNobody.status, 401);

            assert.equal(await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'button', reason: 'not_a_member'}) - refusalsBefore, 1);
            assert.equal(await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'button', reason: 'assignee_not_member'}) >= 1, true);
            assert.equal((await outboxRows(world, setup.licence)).filter((job) => job.kind === 'inbound.action').length, 0);
            assert.equal(actionCalls(setup.endpoint).length, 0);
        });

        test('a double click is one action: one callback, one note', async () => {
            const setup = await setupIntegration(world);
            const root = await startConversation(world, setup, unique('conv'));
            setup.endpoint.respond({status: 200, delayMs: 300});
            const answers = await Promise.all([1, 2, 3].map(() => click(world, root, 'close', world.seed.agent.user.id)));
            assert.deepEqual(answers.map((answer) => answer.status), [200, 200, 200]);
            assert.equal(answers.filter((answer) => /already on its way/.test(String(answer.json.ephemeral_text))).length, 2);
            await waitFor(() => notesOf(world, root.id).length === 1, 'the note');
            await waitFor(async () => (await outboxRows(world, setup.licence)).every((job) => job.status === 'delivered'), 'the outbox to drain');
            // Clicked again once the card says closed: the state refuses it.
            const current = await waitFor(() => {
                const post = rootOf(world, setup, ireserveOf(root).conversation_id as string);
                return ireserveOf(post).status === 'closed' ? post : undefined;
            }, 'the card to show closed');
            const late = await click(world, root, 'close', world.seed.agent.user.id, {context: cardActions(root).find((action) => action.id === 'close')!.integration.context});
            assert.match(String(late.json.ephemeral_text), /closed/);
            assert.deepEqual(cardActionIds(current), ['reopen']);
            assert.equal(actionCalls(setup.endpoint).length, 1);
            assert.equal(notesOf(world, root.id).length, 1);
        });

        test('i-Reserve refuses: the card stays, the thread says why, and trying again is a new action', async () => {
            const setup = await setupIntegration(world);
            const conversationId = unique('conv');
            const root = await startConversation(world, setup, conversationId);
            setup.endpoint.decide((body) => ((body as {data?: {action?: string}}).data?.action === 'close' ? refusal('Only team leads may close conversations.') : undefined));
            const answer = await click(world, root, 'close', world.seed.agent.user.id);
            assert.match(String(answer.json.ephemeral_text), /Asked i-Reserve to close/);
            const [note] = await waitFor(() => (notesOf(world, root.id).length === 1 ? notesOf(world, root.id) : undefined), 'the refusal note');
            assert.equal(note!.message, ':no_entry: i-Reserve refused Anna Agent\'s request to close this conversation. Only team leads may close conversations.');
            assert.equal(ireserveOf(note).outcome, 'refused');
            assert.equal(ireserveOf(note).detail, 'Only team leads may close conversations.');
            assert.equal(ireserveOf(rootOf(world, setup, conversationId)).status, 'open');
            // Refused is an answer, not a failed delivery: nothing is parked.
            await waitFor(async () => (await outboxRows(world, setup.licence)).every((job) => job.status === 'delivered'), 'the outbox to drain');
            assert.equal(await metric(world, 'ireserve_bridge_actions_total', {action: 'close', via: 'button', result: 'refused'}) >= 1, true);

            setup.endpoint.decide(undefined);
            const again = await click(world, root, 'close', world.seed.agent.user.id);
            assert.match(String(again.json.ephemeral_text), /Asked i-Reserve to close/);
            await waitFor(() => notesOf(world, root.id).length === 2, 'the second note');
            assert.equal(notesOf(world, root.id)[1]!.message, 'Anna Agent closed this conversation.');
            assert.equal(actionCalls(setup.endpoint).length, 2);
        });

        test('i-Reserve down, then back: the callback is retried with the same webhook-id, in order with replies, one note', async () => {
            const setup = await setupIntegration(world);
            const conversationId = unique('conv');
            const root = await startConversation(world, setup, conversationId);
            setup.endpoint.down();
            await click(world, root, 'claim', world.seed.agent.user.id);
            await waitFor(() => actionCalls(setup.endpoint).length >= 2, 'two attempts while i-Reserve is down');
            // An agent's reply made after the click waits behind it (same conversation, same order).
            world.mm.createPost(world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: root.id, message: 'On it!'});
            assert.equal(notesOf(world, root.id).length, 0);
            setup.endpoint.up();
            await waitFor(() => deliveredActions(setup.endpoint).length === 1 && setup.endpoint.delivered().length === 2, 'the action, then the reply');
            const delivered = setup.endpoint.delivered().map((call) => (call.json as {type: string}).type);
            assert.deepEqual(delivered, ['conversation.action', 'conversation.reply']);
            assert.equal(new Set(actionCalls(setup.endpoint).map((call) => call.webhookId)).size, 1);
            await waitFor(() => notesOf(world, root.id).length === 1, 'the note');
            assert.equal(notesOf(world, root.id)[0]!.message, 'Anna Agent took this conversation.');
        });

        test('a conversation whose root was made before actions existed gets a number and buttons when its card is next updated', async () => {
            const setup = await setupIntegration(world);
            const {conversationId, rootId} = await createConversation(world, setup);
            assert.deepEqual(cardActionIds(world.mm.getPost(rootId)), []);
            const {sendEvent, updated} = await import('../outbound/support.js');
            await sendEvent(world.bridge.url, setup.licence, setup.secret, updated(conversationId, {status: 'open'}));
            const root = await waitFor(() => (cardActionIds(world.mm.getPost(rootId)).length > 0 ? world.mm.getPost(rootId) : undefined), 'the buttons');
            assert.deepEqual(cardActionIds(root), ['claim', 'assign', 'close']);
            assert.equal(typeof ireserveOf(root).number, 'number');
        });

        test('a job an earlier bridge version queued (`action.callback`, camelCase payload) still runs: the callback goes, one note', async () => {
            const setup = await setupIntegration(world);
            const conversationId = unique('conv');
            const root = await startConversation(world, setup, conversationId);
            const {agent} = world.seed;
            const actor = {name: 'Anna Agent', username: 'anna', mattermost_user_id: agent.user.id};
            const {outbox, wakeWorker} = world.bridge.bridge.context;
            await outbox.enqueue({
                licence: setup.licence, direction: 'inbound', kind: 'action.callback', orderingKey: `reply:${conversationId}`,
                conversationId, dedupeKey: `legacy:${conversationId}`,
                payload: {actionId: 'act-legacy-1', conversationId, rootId: root.id, channelId: root.channel_id, action: 'claim', actor, assignee: actor, createdAt: Date.now(), via: 'button'},
            });
            wakeWorker();
            await waitFor(() => notesOf(world, root.id).length === 1, 'the note of the legacy job');
            const [body] = deliveredActions(setup.endpoint);
            assert.equal(body!.data.action_id, 'act-legacy-1');
            assert.equal(body!.data.conversation_id, conversationId);
            assert.deepEqual(body!.data.actor, actor);
            assert.equal(notesOf(world, root.id)[0]!.message, 'Anna Agent took this conversation.');
            const kinds = async () => (await outboxRows(world, setup.licence)).filter((row) => row.kind.includes('action'))
                .map((row) => `${row.kind} ${row.status}`).sort().join(', ');
            await waitFor(async () => await kinds() === 'action.callback delivered, inbound.action_note delivered', 'both jobs delivered');
        });
    });
}
