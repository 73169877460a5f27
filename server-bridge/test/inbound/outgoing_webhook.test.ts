import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';

import {generateSigningSecret, verify} from '../../src/crypto/standard_webhooks.js';
import {ENGINES, stopPostgresServer, waitFor} from '../support/bridge_harness.js';

import {
    createConversation, deliveredReplies, MAX_ATTACHMENT_BYTES, outboxRows, post, reactionsOf, setupIntegration,
    worldPerSuite, upload, webhookAnswered, WEBHOOK_PATH,
} from './support.js';

after(stopPostgresServer);

for (const engine of ENGINES) {
    describe(`inbound relay through the outgoing webhook, on ${engine}`, {timeout: 5 * 60_000}, () => {
        const world = worldPerSuite(engine);

        test('form-encoded webhook: a plain thread reply reaches i-Reserve, signed with the integration\'s secret, and gets ✅', async () => {
            const setup = await setupIntegration(world, {webhook: 'form'});
            const {conversationId, rootId} = await createConversation(world, setup);
            const context = world.bridge.bridge.context;
            await context.directory.replace(setup.licence, [{ireserve_user_id: 'u-anna', email: 'anna@example.com'}]);

            const reply = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Hello Vera, your booking is confirmed.'});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the callback');
            const [call] = setup.endpoint.delivered();
            assert.ok(call);
            assert.deepEqual(call.json, {
                type: 'conversation.reply',
                licence: setup.licence,
                data: {
                    conversation_id: conversationId,
                    reply_id: reply.id,
                    text: 'Hello Vera, your booking is confirmed.',
                    author: {ireserve_user_id: 'u-anna', email: 'anna@example.com', name: 'Anna Agent', username: 'anna', mattermost_user_id: world.seed.agent.user.id},
                    attachments: [],
                    created_at: new Date(reply.create_at).toISOString(),
                },
            });
            // The stand-in verified it with its own code; the bridge's verifier agrees, and only with this secret.
            assert.equal(call.verified, true);
            assert.match(call.webhookId, /^msg_[A-Za-z0-9_-]{32}$/);
            const headers = {id: call.webhookId, timestamp: call.timestamp, signature: call.signature};
            const now = Math.floor(Date.now() / 1000);
            assert.equal(verify([setup.secret], headers, call.body, now), null);
            assert.equal(verify([generateSigningSecret()], headers, call.body, now), 'no_matching_signature');

            await waitFor(() => reactionsOf(world, reply.id).includes('white_check_mark'), 'the ✅ reaction');
            const hookCall = world.mm.webhookCalls().find((entry) => entry.post_id === reply.id);
            assert.equal(hookCall?.content_type, 'application/x-www-form-urlencoded');
            assert.equal(hookCall?.status, 200);
            assert.equal(hookCall?.response_body, '{}');
            assert.equal(hookCall?.response_post_id, null, 'Mattermost posts nothing back');
            // The ✅ is added by the job itself, just before it is recorded as delivered.
            const replyJobs = async () => (await outboxRows(world, setup.licence)).filter((job) => job.kind === 'inbound.reply');
            await waitFor(async () => (await replyJobs()).every((job) => job.status !== 'in_flight'), 'the reply job recorded');
            assert.deepEqual((await replyJobs()).map((job) => [job.dedupe_key, job.status]), [[`post:${reply.id}`, 'delivered']]);
        });

        test('JSON webhook payload: the reply is relayed the same way', async () => {
            const setup = await setupIntegration(world, {webhook: 'json'});
            const {rootId} = await createConversation(world, setup);
            const reply = post(world, world.seed.agent2.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Ben here, happy to help'});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the callback');
            const [body] = deliveredReplies(setup.endpoint);
            assert.equal(body?.data.reply_id, reply.id);
            assert.equal(body?.data.text, 'Ben here, happy to help');
            assert.deepEqual(body?.data.author, {email: 'ben@example.com', name: 'Ben Backup', username: 'ben', mattermost_user_id: world.seed.agent2.user.id});
            assert.equal(world.mm.webhookCalls().find((entry) => entry.post_id === reply.id)?.content_type, 'application/json');
            await waitFor(() => reactionsOf(world, reply.id).includes('white_check_mark'), 'the ✅ reaction');
        });

        test('a missing or wrong token answers 401 problem+json that names nothing; a known token answers 200 {}', async () => {
            const setup = await setupIntegration(world, {webhook: false});
            const url = `${world.bridge.url}${WEBHOOK_PATH}`;
            const form = (fields: Record<string, string>) => fetch(url, {method: 'POST', headers: {'content-type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams(fields).toString()});
            const json = (fields: Record<string, unknown>) => fetch(url, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(fields)});
            const postId = 'p'.repeat(26);
            const refusals = [
                await form({post_id: postId, user_id: world.seed.agent.user.id}),
                await form({token: '', post_id: postId}),
                await form({token: `${setup.webhookToken}x`, post_id: postId}),
                await form({token: setup.webhookToken.slice(0, -1), post_id: postId}),
                await json({token: 'wrong', post_id: postId}),
                await json({token: 42, post_id: postId}),
            ];
            const bodies = new Set<string>();
            for (const response of refusals) {
                assert.equal(response.status, 401);
                assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
                const text = await response.text();
                bodies.add(text);
                assert.doesNotMatch(text, new RegExp(`${setup.licence}|${setup.webhookToken}`));
            }
            assert.equal(bodies.size, 1, 'every refusal reads the same');
            assert.equal(JSON.parse([...bodies][0]!).status, 401);

            const missingPost = await json({token: setup.webhookToken});
            assert.equal(missingPost.status, 400);
            assert.equal((await missingPost.json() as {field?: string}).field, 'post_id');

            for (const send of [form, json]) {
                const known = await send({token: setup.webhookToken, post_id: postId, user_id: world.seed.agent.user.id});
                assert.equal(known.status, 200);
                assert.equal(known.headers.get('content-type'), 'application/json; charset=utf-8');
                assert.equal(await known.text(), '{}');
            }
            assert.equal(world.bridge.logs.some((line) => line.includes(setup.webhookToken)), false, 'the token never reaches the log');
        });

        test('the bot\'s own replies, other bots, top-level posts and replies outside conversation threads are not relayed', async () => {
            const setup = await setupIntegration(world);
            const {rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            const otherBot = mm.createBot({username: `helper-${setup.licence.toLowerCase()}`, team_ids: [seed.team.id]});
            mm.addChannelMember(setup.channel.id, otherBot.id);
            const ignored = [
                post(world, seed.bot.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Visitor: is breakfast included?'}),
                post(world, otherBot.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Reminder bot says hi'}),
                post(world, seed.agent.user.id, {channel_id: setup.channel.id, message: 'Coffee anyone? (top-level)'}),
            ];
            ignored.push(post(world, seed.agent2.user.id, {channel_id: setup.channel.id, root_id: ignored[2]!.id, message: 'Yes please (reply to a non-conversation thread)'}));
            for (const entry of ignored) {
                await webhookAnswered(world, entry.id);
            }
            const sentinel = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Breakfast is included.'});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the sentinel reply');
            assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id), [sentinel.id]);
            const jobs = await outboxRows(world, setup.licence);
            assert.deepEqual(jobs.filter((job) => job.kind !== 'inbound.feedback').map((job) => job.dedupe_key), [`post:${sentinel.id}`], 'nothing else was queued, not even for later');
            assert.equal((await context().integrations.get(setup.licence))?.botUserId, seed.bot.user.id, 'the bot learnt its own id');
            for (const entry of ignored) {
                assert.deepEqual(reactionsOf(world, entry.id), []);
            }
        });

        test('relay decisions: composer `visitor` always goes, `note` never, plain replies follow the relay mode', async () => {
            const {seed} = world;
            const results: Record<string, string[]> = {};
            for (const relayMode of ['all_replies', 'composer_only'] as const) {
                const setup = await setupIntegration(world, {relayMode});
                const {rootId} = await createConversation(world, setup);
                const make = (message: string, props?: Record<string, unknown>) =>
                    post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message, ...(props ? {props} : {})});
                const visitor = make('From the composer, to the visitor', {ireserve_reply: {mode: 'visitor'}});
                const note = make('Internal: the guest was rude last year', {ireserve_reply: {mode: 'note'}});
                const odd = make('Composer post with an unknown mode', {ireserve_reply: {mode: 'shout'}});
                const plain = make('A plain thread reply');
                for (const entry of [visitor, note, odd, plain]) {
                    await webhookAnswered(world, entry.id);
                }
                const expected = relayMode === 'all_replies' ? [visitor.id, plain.id] : [visitor.id];
                await waitFor(() => setup.endpoint.delivered().length === expected.length, `the ${relayMode} callbacks`);
                const names = new Map([[visitor.id, 'visitor'], [note.id, 'note'], [odd.id, 'unknown'], [plain.id, 'plain']]);
                results[relayMode] = deliveredReplies(setup.endpoint).map((body) => names.get(body.data.reply_id)!).sort();
                const queued = (await outboxRows(world, setup.licence)).filter((job) => job.kind === 'inbound.reply').map((job) => job.dedupe_key).sort();
                assert.deepEqual(queued, expected.map((id) => `post:${id}`).sort());
                await waitFor(() => expected.every((id) => reactionsOf(world, id).includes('white_check_mark')), '✅ on the relayed posts');
                assert.deepEqual(reactionsOf(world, note.id), [], 'an internal note gets no delivery mark');
            }
            assert.deepEqual(results, {all_replies: ['plain', 'visitor'], composer_only: ['visitor']});
        });

        test('authors: exact e-mail match in any case, no partial match, hidden e-mails — the reply always goes', async () => {
            const setup = await setupIntegration(world);
            const {rootId} = await createConversation(world, setup);
            const {mm, seed} = world;
            await context().directory.replace(setup.licence, [
                {ireserve_user_id: 'u-anna', email: 'ANNA@Example.COM'},
                {ireserve_user_id: 'u-ben', email: 'ben@example.co'},
            ]);
            const matched = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'one'});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the first callback');
            const unmatched = post(world, seed.agent2.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'two'});
            await waitFor(() => setup.endpoint.delivered().length === 2, 'the second callback');
            mm.setShowEmailAddress(false);
            let hidden;
            try {
                hidden = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'three'});
                await waitFor(() => setup.endpoint.delivered().length === 3, 'the third callback');
            } finally {
                mm.setShowEmailAddress(true);
            }
            const authors = new Map(deliveredReplies(setup.endpoint).map((body) => [body.data.reply_id, body.data.author]));
            assert.deepEqual(authors.get(matched.id), {ireserve_user_id: 'u-anna', email: 'anna@example.com', name: 'Anna Agent', username: 'anna', mattermost_user_id: seed.agent.user.id});
            assert.deepEqual(authors.get(unmatched.id), {email: 'ben@example.com', name: 'Ben Backup', username: 'ben', mattermost_user_id: seed.agent2.user.id});
            assert.deepEqual(authors.get(hidden.id), {name: 'Anna Agent', username: 'anna', mattermost_user_id: seed.agent.user.id});
            const reasons = new Map((await outboxRows(world, setup.licence)).filter((job) => job.kind === 'inbound.reply')
                .map((job) => [job.payload.post_id, job.payload.author_match]));
            assert.deepEqual(Object.fromEntries(reasons), {[matched.id]: 'matched', [unmatched.id]: 'no_directory_match', [hidden.id]: 'email_hidden'});
            const logged = world.bridge.logs.map((line) => JSON.parse(line) as {post?: string; author_match?: string; author_note?: string});
            assert.ok(logged.some((line) => line.post === hidden.id && line.author_match === 'email_hidden' && /hides e-mail/.test(line.author_note ?? '')), 'the reason is logged');
        });

        test('attachments are forwarded as base64; one over the size limit gets ⚠️ with the reason instead', async () => {
            const setup = await setupIntegration(world);
            const {rootId} = await createConversation(world, setup);
            const {seed} = world;
            const text = Buffer.from('Check-in from 15:00, check-out until 10:00.\n');
            const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3, 250, 251, 252, 253]);
            const ids = [
                await upload(world, seed.agent.token, setup.channel.id, 'house-rules.txt', text),
                await upload(world, seed.agent.token, setup.channel.id, 'map.png', image),
            ];
            const withFiles = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Here are the rules and a map', file_ids: ids});
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the callback with attachments');
            const [body] = deliveredReplies(setup.endpoint);
            assert.deepEqual(body?.data.attachments.map((file) => ({...file, data: Buffer.from(file.data, 'base64')})), [
                {filename: 'house-rules.txt', content_type: 'text/plain; charset=utf-8', size: text.length, data: text},
                {filename: 'map.png', content_type: 'image/png', size: image.length, data: image},
            ]);
            await waitFor(() => reactionsOf(world, withFiles.id).includes('white_check_mark'), '✅');

            const big = await upload(world, seed.agent.token, setup.channel.id, 'brochure.pdf', Buffer.alloc(MAX_ATTACHMENT_BYTES + 1, 1));
            const tooBig = post(world, seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'And the brochure', file_ids: [big]});
            await waitFor(() => reactionsOf(world, tooBig.id).includes('warning'), 'the ⚠️ reaction');
            const notice = await waitFor(() => world.mm.thread(rootId).find((entry) => (entry.props.ireserve_delivery as {post_id?: string} | undefined)?.post_id === tooBig.id), 'the notice');
            assert.equal(notice.user_id, seed.bot.user.id);
            assert.match(notice.message, /brochure\.pdf/);
            assert.match(notice.message, /limit of 4 KB/);
            assert.equal(setup.endpoint.calls().length, 1, 'the oversized reply never reached i-Reserve');
        });

        test('i-Reserve down, then up: the reply is delivered once, with one webhook-id across retries', async () => {
            const setup = await setupIntegration(world);
            const {rootId} = await createConversation(world, setup);
            setup.endpoint.down();
            const reply = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Are you there?'});
            await waitFor(() => setup.endpoint.calls().length >= 3, 'a few failed attempts');
            assert.deepEqual(reactionsOf(world, reply.id), [], 'nothing shown while retrying');
            setup.endpoint.up();
            await waitFor(() => setup.endpoint.delivered().length === 1, 'delivery after i-Reserve is back');
            await waitFor(() => reactionsOf(world, reply.id).includes('white_check_mark'), '✅');
            const calls = setup.endpoint.calls();
            assert.equal(new Set(calls.map((call) => call.webhookId)).size, 1, 'the same webhook-id on every attempt');
            assert.equal(setup.endpoint.accepted().length, 1, 'accepted once');
            assert.ok(calls.every((call) => call.verified), 'every attempt was freshly signed');
            // The ✅ is added by the delivery itself, just before the job is recorded as delivered.
            await waitFor(async () => (await outboxRows(world, setup.licence)).find((entry) => entry.kind === 'inbound.reply')?.status === 'delivered', 'the reply job recorded as delivered');
        });

        test('i-Reserve answers 400: no retry, ⚠️ and one notice with the reason; replays never add a second notice; a successful replay edits it to say delivered', async () => {
            const setup = await setupIntegration(world);
            const {rootId} = await createConversation(world, setup);
            setup.endpoint.setDefault({status: 400, body: {title: 'Bad Request', detail: 'Conversation is closed'}});
            const reply = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'One more thing…'});
            await waitFor(() => reactionsOf(world, reply.id).includes('warning'), 'the ⚠️ reaction');
            const notices = () => world.mm.thread(rootId).filter((entry) => (entry.props.ireserve_delivery as {post_id?: string} | undefined)?.post_id === reply.id);
            await waitFor(() => notices().length === 1, 'the notice');
            const [notice] = notices();
            assert.equal(notice?.user_id, world.seed.bot.user.id);
            assert.match(notice?.message ?? '', /Conversation is closed/);
            assert.deepEqual(notice?.props.ireserve_delivery, {post_id: reply.id, status: 'failed', reason: 'i-Reserve refused the request as invalid: HTTP 400: Conversation is closed.'});
            assert.equal(setup.endpoint.calls().length, 1, 'a permanent failure is not retried');
            const [job] = (await outboxRows(world, setup.licence)).filter((entry) => entry.kind === 'inbound.reply');
            assert.equal(job?.status, 'failed');
            assert.match(job?.last_error ?? '', /Conversation is closed/);

            // Replay (admin "retry"): fails the same way, still one notice.
            assert.equal(await context().outbox.retry(setup.licence, job!.id), true);
            context().wakeWorker();
            await waitFor(() => setup.endpoint.calls().length === 2, 'the replayed attempt');
            await waitFor(async () => (await outboxRows(world, setup.licence)).find((entry) => entry.id === job!.id)?.status === 'failed', 'parked again');
            // Replay once i-Reserve accepts: delivered, ✅, and still one notice.
            setup.endpoint.setDefault({status: 200});
            await context().outbox.retry(setup.licence, job!.id);
            context().wakeWorker();
            await waitFor(() => reactionsOf(world, reply.id).includes('white_check_mark'), '✅ after the replay');
            await waitFor(() => !reactionsOf(world, reply.id).includes('warning'), 'the stale ⚠️ removed');
            // The note no longer contradicts the ✅: the same post, edited to say it was delivered.
            await waitFor(() => (notices()[0]?.props.ireserve_delivery as {status?: string} | undefined)?.status === 'delivered', 'the note edited');
            assert.equal(notices().length, 1);
            const [edited] = notices();
            assert.equal(edited?.id, notice?.id, 'edited in place, not a second post');
            assert.doesNotMatch(edited?.message ?? '', /did not reach|:warning:/);
            assert.match(edited?.message ?? '', /reached the visitor after all.*Conversation is closed/);
            assert.deepEqual(edited?.props.ireserve_delivery, {post_id: reply.id, status: 'delivered', reason: 'i-Reserve refused the request as invalid: HTTP 400: Conversation is closed.'});
            assert.equal(setup.endpoint.delivered().length, 1);
        });

        test('Mattermost failing when the webhook arrives: the post is resolved later by a job, not lost', async () => {
            const setup = await setupIntegration(world);
            const {rootId} = await createConversation(world, setup);
            // Learn the bot id first, and let the webhook calls of the conversation's own posts finish,
            // so the only failing calls are the look-ups of the reply.
            await context().integrations.setBotUserId(setup.licence, world.seed.bot.user.id);
            await waitFor(() => world.mm.webhookCalls().every((call) => call.done), 'earlier webhook calls to be answered');
            world.mm.failNext(3, 503, {match: {method: 'GET', path: '/api/v4/posts/:post_id'}});
            const reply = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Sent while Mattermost hiccups'});
            await webhookAnswered(world, reply.id);
            assert.equal(world.mm.webhookCalls().find((entry) => entry.post_id === reply.id)?.status, 200);
            await waitFor(() => setup.endpoint.delivered().length === 1, 'the deferred reply');
            assert.equal(deliveredReplies(setup.endpoint)[0]?.data.reply_id, reply.id);
            const kinds = (await outboxRows(world, setup.licence)).map((job) => [job.kind, job.dedupe_key])
                .filter(([, key]) => key?.endsWith(reply.id));
            assert.deepEqual(kinds, [['inbound.resolve', `resolve:${reply.id}`], ['inbound.reply', `post:${reply.id}`]]);
        });

        test('a reply deferred to a resolve job is not overtaken by the agent\'s next reply', async () => {
            const setup = await setupIntegration(world);
            const {rootId} = await createConversation(world, setup);
            await context().integrations.setBotUserId(setup.licence, world.seed.bot.user.id);
            await waitFor(() => world.mm.webhookCalls().every((call) => call.done), 'earlier webhook calls to be answered');
            const first = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'First, looked up later'});
            // Only the first reply's look-up fails, until released below.
            world.mm.faults.failNext(1_000, 503, {match: {method: 'GET', path: `/api/v4/posts/${first.id}`}});
            await webhookAnswered(world, first.id);
            const second = post(world, world.seed.agent.user.id, {channel_id: setup.channel.id, root_id: rootId, message: 'Second, could be looked up at once'});
            await webhookAnswered(world, second.id);
            const resolves = (await outboxRows(world, setup.licence)).filter((job) => job.kind === 'inbound.resolve').map((job) => job.dedupe_key)
                .filter((key) => key === `resolve:${first.id}` || key === `resolve:${second.id}`);
            assert.deepEqual(resolves, [`resolve:${first.id}`, `resolve:${second.id}`], 'the second waits behind the first');
            world.mm.faults.clear();
            await waitFor(() => setup.endpoint.delivered().length === 2, 'both replies');
            assert.deepEqual(deliveredReplies(setup.endpoint).map((body) => body.data.reply_id), [first.id, second.id]);
        });

        function context() {
            return world.bridge.bridge.context;
        }
    });
}
