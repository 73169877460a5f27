// Issue 14 defect 1 and issue 13 item 7: a refused outgoing-webhook call leaves a trace (metric,
// warning naming the channel, the integration's status), and every id taken from a call is
// validated before it reaches a Mattermost URL path.
import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';

import {UNKNOWN_TOKEN_STATUS} from '../../src/inbound/outgoing_webhook.js';
import {ADMIN_TOKEN, ENGINES, stopPostgresServer, waitFor} from '../support/bridge_harness.js';
import {createConversation, deliveredReplies, outboxRows, post, reactionsOf, setupIntegration, worldPerSuite, WEBHOOK_PATH} from '../inbound/support.js';

import {counter} from './support.js';

after(stopPostgresServer);

for (const engine of ENGINES) {
    describe(`refused and malformed outgoing-webhook calls, on ${engine}`, {timeout: 90_000}, () => {
        const world = worldPerSuite(engine);

        test('a wrong token: counted, logged as a warning naming the channel (never the token), shown in the status', async () => {
            const setup = await setupIntegration(world, {webhook: false});
            const {rootId} = await createConversation(world, setup);
            const wrongToken = 'wrongtoken0123456789abcdef';
            // Mattermost's outgoing webhook in the channel still carries an old token.
            world.mm.createOutgoingWebhook({
                channel_id: setup.channel.id, callback_urls: [`${world.bridge.url}${WEBHOOK_PATH}`],
                content_type: 'application/x-www-form-urlencoded', token: wrongToken, creator_id: world.seed.admin.user.id,
            });
            const before = await counter(world.bridge.url, 'ireserve_bridge_requests_refused_total', {route: WEBHOOK_PATH, reason: 'unknown_token'});
            const reply = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'a reply the webhook cannot relay'});
            await waitFor(async () => await counter(world.bridge.url, 'ireserve_bridge_requests_refused_total', {route: WEBHOOK_PATH, reason: 'unknown_token'}) > before, 'the refusal to be counted');

            const warning = await waitFor(() => world.bridge.logs.map((line) => JSON.parse(line) as Record<string, unknown>)
                .find((entry) => entry.level === 40 && entry.channel_id === setup.channel.id), 'the warning');
            assert.equal(warning.channel_name, setup.channel.name);
            assert.deepEqual(warning.licences, [setup.licence]);
            assert.equal(world.bridge.logs.some((line) => line.includes(wrongToken)), false, 'the token is never logged');

            const status = await (await fetch(`${world.bridge.url}/api/v1/integrations/${setup.licence}`, {headers: {authorization: `Bearer ${ADMIN_TOKEN}`}})).json() as {status: {state: string; last_error: string}};
            assert.equal(status.status.state, 'error');
            assert.equal(status.status.last_error, UNKNOWN_TOKEN_STATUS);
            assert.match(status.status.last_error, /^Mattermost's outgoing webhook is sending a token that matches no integration/);
            // The refused call asked for a catch-up: the reply is read back over REST and relayed after all.
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the reply relayed by the catch-up');
            assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id), [reply.id]);
            await waitFor(() => reactionsOf(world, reply.id).includes('white_check_mark'), '✅');
            await waitFor(async () => (await outboxRows(world, setup.licence)).every((row) => row.status === 'delivered'), 'the feedback to finish');
            // A reply only the catch-up brought does not clear the webhook's error.
            await world.bridge.bridge.context.integrations.flushDeliveries();
            const after = await (await fetch(`${world.bridge.url}/api/v1/integrations/${setup.licence}`, {headers: {authorization: `Bearer ${ADMIN_TOKEN}`}})).json() as {status: {state: string; last_error: string}};
            assert.equal(after.status.last_error, UNKNOWN_TOKEN_STATUS);
        });

        test('ids that are not Mattermost ids are refused before any Mattermost call (item 7)', async () => {
            const setup = await setupIntegration(world, {webhook: false});
            world.mm.clearRequestLog();
            for (const [field, value] of [['post_id', '../../users/me'], ['post_id', 'P'.repeat(26)], ['post_id', `${'a'.repeat(25)}\u0000`], ['user_id', '../me'], ['channel_id', 'x/y']] as const) {
                const response = await fetch(`${world.bridge.url}${WEBHOOK_PATH}`, {
                    method: 'POST', headers: {'content-type': 'application/json'},
                    body: JSON.stringify({token: setup.webhookToken, post_id: 'a'.repeat(26), [field]: value}),
                });
                assert.equal(response.status, 400, `${field}=${value}`);
                assert.equal((await response.json() as {field: string}).field, field);
            }
            assert.deepEqual(world.mm.requestLog().filter((entry) => entry.path.startsWith('/api/v4/')), [], 'Mattermost was not asked anything');
        });
    });
}
