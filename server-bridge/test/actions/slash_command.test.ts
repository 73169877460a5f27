import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {after, before, describe, test} from 'node:test';

import {outboxRows, setupIntegration, startWorld, unique, type Setup, type World} from '../inbound/support.js';
import {ADMIN_TOKEN, ENGINES, stopPostgresServer, waitFor} from '../support/bridge_harness.js';

import {notification, sendEvent, updated} from '../outbound/support.js';

import {deliveredActions, ireserveOf, metric, notesOf, startConversation} from './support.js';

const COMMAND_PATH = '/api/v1/mattermost/command';

after(stopPostgresServer);

/** POSTs the command form as Mattermost does (app/command.go): form-encoded, token first. */
async function command(world: World, fields: Record<string, string>): Promise<{status: number; json: {response_type?: string; text?: string}}> {
    const response = await fetch(`${world.bridge.url}${COMMAND_PATH}`, {
        method: 'POST',
        headers: {'content-type': 'application/x-www-form-urlencoded'},
        body: new URLSearchParams(fields).toString(),
    });
    return {status: response.status, json: await response.json() as {response_type?: string; text?: string}};
}

for (const engine of ENGINES) {
    describe(`the /ireserve slash command, on ${engine}`, {timeout: 240_000}, () => {
        let world: World;
        let setup: Setup;
        let token: string;
        const typed = (text: string, extra: Record<string, string> = {}) => command(world, {
            token, team_id: world.seed.team.id, team_domain: world.seed.team.name, channel_id: setup.channel.id, channel_name: 'support',
            user_id: world.seed.agent.user.id, user_name: 'anna', command: '/ireserve', text, trigger_id: 'x', root_id: '', ...extra,
        });

        before(async () => {
            world = await startWorld(engine);
            setup = await setupIntegration(world);
            token = randomUUID().replace(/-/g, '').slice(0, 26);
            await world.bridge.bridge.context.integrations.save({...setup.record, slashCommandToken: token});
        });
        after(async () => {
            await world?.close();
        });

        test('a missing or wrong token gets plain words, nothing else, and is counted', async () => {
            const before = await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'command', reason: 'bad_token'});
            for (const wrong of ['', 'not-the-token', `${token.slice(0, -1)}x`]) {
                const answer = await command(world, {token: wrong, user_id: world.seed.agent.user.id, channel_id: setup.channel.id, text: 'claim #1'});
                assert.equal(answer.status, 200);
                assert.equal(answer.json.response_type, 'ephemeral');
                assert.match(answer.json.text ?? '', /token is missing or not the one saved in System Console/);
            }
            assert.equal(await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'command', reason: 'bad_token'}) - before, 3);
        });

        test('help, an unknown sub-command and bad arguments are answered in plain words', async () => {
            assert.match((await typed('help')).json.text ?? '', /\/ireserve claim \[#17\]/);
            assert.match((await typed('')).json.text ?? '', /acts on i-Reserve web-chat conversations/);
            const unknown = await typed('snooze 10');
            assert.match(unknown.json.text ?? '', /`snooze` is not something `\/ireserve` knows/);
            assert.match((await typed('assign')).json.text ?? '', /Say who should get the conversation/);
            assert.match((await typed('close now')).json.text ?? '', /`now` is not understood here/);
            assert.equal(await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'command', reason: 'unknown_subcommand'}), 1);
        });

        test('in a conversation\'s thread it acts on that conversation; elsewhere by number; a missing or unknown number is refused', async () => {
            const root = await startConversation(world, setup, unique('conv'));
            const number = ireserveOf(root).number as number;
            const inThread = await typed('claim', {root_id: root.id});
            assert.match(inThread.json.text ?? '', /Asked i-Reserve to claim this conversation/);
            await waitFor(() => notesOf(world, root.id).length === 1, 'the claim note');
            assert.equal(notesOf(world, root.id)[0]!.message, 'Anna Agent took this conversation.');

            const noNumber = await typed('close');
            assert.match(noNumber.json.text ?? '', /Which conversation\? Use `\/ireserve close` in the conversation's thread, or `\/ireserve close #17` anywhere/);
            const unknownNumber = await typed('close #9999');
            assert.equal(unknownNumber.json.text, 'There is no conversation #9999.');
            const notAConversation = await typed('close', {root_id: 'a'.repeat(26)});
            assert.match(notAConversation.json.text ?? '', /not an i-Reserve conversation/);

            const byNumber = await typed(`assign @ben #${number}`);
            assert.match(byNumber.json.text ?? '', /Asked i-Reserve to assign this conversation to Ben Backup/);
            await waitFor(() => notesOf(world, root.id).length === 2, 'the assign note');
            const bodies = deliveredActions(setup.endpoint).filter((body) => body.data.conversation_id === ireserveOf(root).conversation_id);
            assert.deepEqual(bodies.map((body) => body.data.action), ['claim', 'assign']);
            assert.equal(bodies[1]!.data.assignee?.username, 'ben');
            assert.equal(await metric(world, 'ireserve_bridge_actions_total', {action: 'assign', via: 'command', result: 'applied'}) >= 1, true);
            assert.equal(await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'command', reason: 'missing_number'}), 1);
            assert.equal(await metric(world, 'ireserve_bridge_action_refusals_total', {via: 'command', reason: 'unknown_number'}), 1);
        });

        test('assign to an unknown user or to someone outside the channel, or by someone outside it: refused, nothing sent', async () => {
            const root = await startConversation(world, setup, unique('conv'));
            const number = ireserveOf(root).number as number;
            const callsBefore = setup.endpoint.calls().length;
            assert.equal((await typed(`assign @nobody-here #${number}`)).json.text, 'There is no Mattermost user @nobody-here.');
            const outsider = world.mm.createUser({username: 'olaf', email: 'olaf@example.com', password: 'Olaf-pass-1', first_name: 'Olaf', last_name: 'Outsider', team_ids: [world.seed.team.id]});
            assert.match((await typed(`assign @olaf #${number}`)).json.text ?? '', /not a member of this conversation's channel/);
            assert.match((await typed(`claim #${number}`, {user_id: outsider.id})).json.text ?? '', /Only members of this conversation's channel/);
            assert.equal(setup.endpoint.calls().length, callsBefore);
        });

        test('open lists the channel\'s open conversations: number, guest, assignee, how long, link', async () => {
            const answer = await typed('open');
            const lines = (answer.json.text ?? '').split('\n');
            assert.match(lines[0]!, /^\*\*Open conversations \(\d+\)\*\*$/);
            assert.ok(lines.slice(1).every((line) => /^- \[#\d+ Lotte Jansen\]\(http:\/\/127\.0\.0\.1:\d+\/[^/]+\/pl\/[a-z0-9]{26}\) — (with .+|nobody has it) — (not waiting|⏳ waiting (\d+ min|\d+ h \d+ min|\d+ days))$/.test(line)), answer.json.text);
            assert.ok(lines.some((line) => / — with Ben Backup — /.test(line)));
        });

        test('the token is write-only and names one integration', async () => {
            const view = await (await fetch(`${world.bridge.url}/api/v1/integrations/${setup.licence}`, {headers: {authorization: `Bearer ${ADMIN_TOKEN}`}})).json() as {mattermost: Record<string, unknown>; slash_command_url: string};
            assert.equal(view.mattermost.slash_command_token_set, true);
            assert.equal(JSON.stringify(view).includes(token), false);
            assert.match(view.slash_command_url, /\/api\/v1\/mattermost\/command$/);
            const other = await setupIntegration(world);
            const refused = await fetch(`${world.bridge.url}/api/v1/integrations/${other.licence}`, {
                method: 'PATCH', headers: {authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json'},
                body: JSON.stringify({mattermost: {slash_command_token: token}}),
            });
            assert.equal(refused.status, 400);
            assert.equal((await refused.json() as {field: string}).field, 'mattermost.slash_command_token');
        });

        test('notify: each agent chooses their own direct messages; the admin\'s settings stay the defaults', async () => {
            const shown = await typed('notify');
            assert.match(shown.json.text ?? '', /^\*\*Your direct messages from the i-Reserve bot\*\*/);
            assert.match(shown.json.text ?? '', /`assignment` \(a conversation is assigned to you\): \*\*off\*\* \(team default\)/);
            const saved = await typed('notify assignment on');
            assert.match(saved.json.text ?? '', /^Saved: `assignment` is on\./);
            assert.match(saved.json.text ?? '', /`assignment` \(a conversation is assigned to you\): \*\*on\*\* \(your choice\)/);
            assert.match((await typed('notify booking.confirmed on')).json.text ?? '', /`booking\.confirmed` \(i-Reserve sends a `booking\.confirmed` notification\): \*\*on\*\* \(your choice\)/);
            assert.match((await typed('notify assignment maybe')).json.text ?? '', /Use `\/ireserve notify <what> on\|off\|default`/);

            // Anna chose DMs on assignment (the integration has them off): a conversation assigned to her sends one; Ben chose nothing: none.
            const dms = (reason: string) => world.mm.allPosts().filter((post) => post.user_id === world.seed.bot.user.id && ireserveOf(post).dm === reason);
            const root = await startConversation(world, setup, unique('conv'));
            const conversationId = ireserveOf(root).conversation_id as string;
            await sendEvent(world.bridge.url, setup.licence, setup.secret, updated(conversationId, {assignee: {name: 'Anna Agent', email: 'anna@example.com'}}));
            await waitFor(() => dms('assignment').length === 1, 'the DM to Anna');
            await sendEvent(world.bridge.url, setup.licence, setup.secret, updated(conversationId, {assignee: {name: 'Ben Backup', email: 'ben@example.com'}}));
            const sent = await sendEvent(world.bridge.url, setup.licence, setup.secret, notification('booking.confirmed', {text: 'Booking 42 confirmed'}));
            assert.equal(sent.status, 202, JSON.stringify(sent.json));
            await waitFor(() => dms('subscription').length === 1, 'the subscription DM to Anna').catch(async (error: unknown) => {
                throw new Error(`${(error as Error).message}: ${JSON.stringify((await outboxRows(world, setup.licence)).map((row) => [row.kind, row.status, row.last_error]))}`);
            });
            await waitFor(async () => (await world.bridge.bridge.context.outbox.counts(setup.licence)).queueDepth === 0, 'the outbox to drain');
            assert.equal(dms('assignment').length, 1, 'Ben follows the team default (off)');
            assert.equal(dms('subscription').length, 1);

            assert.match((await typed('notify assignment default')).json.text ?? '', /`assignment` \(a conversation is assigned to you\): \*\*off\*\* \(team default\)/);
        });
    });
}
