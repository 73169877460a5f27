import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {after, describe, test} from 'node:test';

import {ENGINES, stopPostgresServer} from '../support/bridge_harness.js';

import {
    botPosts,
    drained,
    ireserve,
    mentionWords,
    message,
    notification,
    postsOfMessage,
    rigsPerSuite,
    rootsOf,
    started,
    updated,
    waitFor,
} from './support.js';

after(stopPostgresServer);

for (const engine of ENGINES) {
    describe(`outbound delivery on ${engine}`, {timeout: 5 * 60_000}, () => {
        const rigs = rigsPerSuite(engine);
        const rig = rigs.rig;

        test('a conversation becomes a root post with its card props, its messages threaded replies with the sender shown', async () => {
            const r = await rig();
            try {
                assert.equal((await r.send(started('c-1'))).status, 202);
                assert.deepEqual((await r.send(message('c-1', 'm-1', 'Is the cottage free in week 23?'))).json, {status: 'accepted'});
                await r.send(message('c-1', 'm-2', 'We are two adults and a dog.', {sender: {type: 'agent', name: 'Ben Backup'}}));
                assert.equal(await drained(r), 0);

                const [root, ...rest] = rootsOf(r, 'c-1');
                assert.ok(root);
                assert.equal(rest.length, 0);
                assert.equal(root.channel_id, r.seed.channel.id);
                assert.equal(root.root_id, '');
                assert.deepEqual(ireserve(root), {
                    v: 1, licence: r.licence, conversation_id: 'c-1', visitor_name: 'Anna Visitor', visitor_email: 'anna.visitor@example.com',
                    page_url: 'https://park.example/en/cottages?week=23', started_at: '2025-06-01T09:30:00Z', status: 'open',
                    relay_mode: 'all_replies', locale: 'en', number: 1,
                });
                assert.match(root.message, /Anna Visitor/);
                assert.match(root.message, /https:\/\/park\.example\/en\/cottages\?week=23/);
                assert.equal(root.props.from_bot, 'true');

                const [m1] = postsOfMessage(r, 'm-1');
                const [m2] = postsOfMessage(r, 'm-2');
                assert.equal(m1?.root_id, root.id);
                assert.equal(m1?.message, '**Anna (visitor):** Is the cottage free in week 23?');
                assert.deepEqual(ireserve(m1!), {v: 1, message_id: 'm-1', sender_type: 'visitor', sender_name: 'Anna'});
                assert.equal(m2?.message, '**Ben Backup (agent):** We are two adults and a dog.');
                assert.equal(m2?.root_id, root.id);

                const stored = await r.running.bridge.context.conversations.get(r.licence, 'c-1');
                assert.equal(stored?.rootPostId, root.id);
                const integration = await r.running.bridge.context.integrations.get(r.licence);
                assert.equal(integration?.botUserId, r.seed.bot.user.id, 'the bot user id is learned and stored');
            } finally {
                await r.close();
            }
        });

        test('a message for an unknown conversation creates the root first; a later started event fills the card in', async () => {
            const r = await rig();
            try {
                await r.send(message('c-2', 'm-1', 'Hello?'));
                await drained(r);
                const [root] = rootsOf(r, 'c-2');
                assert.ok(root);
                assert.equal(ireserve(root).visitor_name, 'Anna', 'the visitor\'s name comes from the message');
                assert.equal(postsOfMessage(r, 'm-1')[0]?.root_id, root.id);

                await r.send(started('c-2'));
                await drained(r);
                assert.equal(rootsOf(r, 'c-2').length, 1, 'no second root');
                assert.equal(ireserve(r.standIn.getPost(root.id)!).visitor_name, 'Anna Visitor');
            } finally {
                await r.close();
            }
        });

        test('conversation.updated patches the bot\'s own root post: full props, message updated, other props kept', async () => {
            const r = await rig();
            try {
                await r.send(started('c-3'));
                await drained(r);
                const [root] = rootsOf(r, 'c-3');
                await r.send(updated('c-3', {assignee: {name: 'Ben Backup', email: 'ben@example.com'}}));
                await r.send(updated('c-3', {status: 'closed'}));
                await drained(r);
                const patched = r.standIn.getPost(root!.id)!;
                assert.equal(patched.props.from_bot, 'true');
                assert.deepEqual(ireserve(patched), {
                    v: 1, licence: r.licence, conversation_id: 'c-3', visitor_name: 'Anna Visitor', visitor_email: 'anna.visitor@example.com',
                    page_url: 'https://park.example/en/cottages?week=23', started_at: '2025-06-01T09:30:00Z', status: 'closed',
                    relay_mode: 'all_replies', locale: 'en', assignee: {name: 'Ben Backup', email: 'ben@example.com'}, number: ireserve(patched).number,
                });
                assert.equal(typeof ireserve(patched).number, 'number');
                assert.match(patched.message, /Status: closed/);
                assert.match(patched.message, /Assignee: Ben Backup/);
                assert.equal(r.standIn.requestCounts()['PUT /api/v4/posts/:post_id/patch'], 2);

                await r.send(updated('c-3', {assignee: null}));
                await drained(r);
                assert.equal(ireserve(r.standIn.getPost(root!.id)!).assignee, undefined, 'null clears the assignee');
            } finally {
                await r.close();
            }
        });

        test('the card carries the integration\'s relay mode', async () => {
            const r = await rig({integration: {relayMode: 'composer_only'}});
            try {
                await r.send(started('c-4'));
                await drained(r);
                assert.equal(ireserve(rootsOf(r, 'c-4')[0]!).relay_mode, 'composer_only');
            } finally {
                await r.close();
            }
        });

        test('mention injection: nobody is pinged, e-mail addresses stay intact, images become links', async () => {
            const r = await rig();
            try {
                const text = '@channel @all @here @someone please! -@all x:@here _@channel (@ben) anna@example.com\n'
                    + '![tracker](https://evil.example/pixel.png) ![](https://evil.example/a.gif "t") and ![ref][1]';
                await r.send(message('c-5', 'm-1', text, {sender: {type: 'visitor', name: '@channel **Boss**'}}));
                await drained(r);
                const [post] = postsOfMessage(r, 'm-1');
                assert.ok(post);
                assert.deepEqual(mentionWords(post.message), [], `no word that mentions: ${post.message}`);
                assert.doesNotMatch(post.message, /(?<![\p{L}\p{N}])@(channel|all|here|someone|ben)/u, 'no @word visible to the web app\'s highlighter');
                assert.match(post.message, /anna@example\.com/, 'e-mail untouched');
                assert.doesNotMatch(post.message, /(?<!\\)!\[/u, 'no image syntax left');
                assert.match(post.message, /\[tracker\]\(https:\/\/evil\.example\/pixel\.png\)/);
                assert.match(post.message, /\[image\]\(https:\/\/evil\.example\/a\.gif "t"\)/);
                // What readers see is the same text, minus the invisible joiners.
                assert.match(post.message.replaceAll('\u200D', ''), /@channel @all @here @someone please!/);
                const root = rootsOf(r, 'c-5')[0]!;
                assert.deepEqual(mentionWords(root.message), [], 'the visitor name on the card is neutralised too');
            } finally {
                await r.close();
            }
        });

        test('a 40,000-character message is split in order over three posts, nothing cut', async () => {
            const r = await rig();
            try {
                const sentence = (i: number) => `Sentence ${i} of the long story, with an emoji 😀 and accents é. `;
                let text = '';
                for (let i = 0; text.length < 40_000; i++) {
                    text += sentence(i) + (i % 40 === 39 ? '\n\n' : '');
                }
                text = text.slice(0, 40_000).trimEnd();
                await r.send(message('c-6', 'm-long', text));
                await drained(r);
                const parts = postsOfMessage(r, 'm-long');
                assert.equal(parts.length, 3);
                const bodies = parts.map((post, index) => {
                    assert.ok([...post.message].length <= 16_383, `part ${index + 1} within Mattermost's limit`);
                    assert.deepEqual([ireserve(post).part, ireserve(post).parts], [index + 1, 3]);
                    const match = /^\*\*Anna \(visitor\)(?:, continued \(\d\/3\))?:\*\*[ \n]/.exec(post.message);
                    assert.ok(match, `part ${index + 1} is headed by the sender`);
                    return post.message.slice(match[0].length);
                });
                assert.equal(bodies.join(''), text, 'the parts joined give back the text');
                assert.ok(bodies.slice(0, -1).every((body) => /\s$/.test(body)), 'cut at whitespace');
            } finally {
                await r.close();
            }
        });

        test('seven attachments: uploaded to the channel, five on the text post and two on a follow-up post', async () => {
            const r = await rig();
            try {
                const files = Array.from({length: 7}, (_, i) => Buffer.from(`file number ${i + 1} `.repeat(100 + i)));
                const attachments = files.map((data, i) => ({filename: `photo-${i + 1}.txt`, content_type: 'text/plain', data: data.toString('base64')}));
                await r.send(message('c-7', 'm-files', 'Here are the photos', {attachments}));
                await r.send(message('c-7', 'm-only-files', '', {attachments: attachments.slice(0, 1)}));
                await drained(r);
                const [first, second] = postsOfMessage(r, 'm-files');
                assert.equal(first?.file_ids.length, 5);
                assert.equal(second?.file_ids.length, 2);
                assert.match(first!.message, /Here are the photos/);
                assert.match(second!.message, /files 6–7 of 7/);
                assert.equal(second!.root_id, first!.root_id);
                const uploaded = [...first!.file_ids, ...second!.file_ids].map((id) => r.standIn.store.files.get(id)!);
                assert.deepEqual(uploaded.map((file) => file.name), files.map((_, i) => `photo-${i + 1}.txt`));
                assert.deepEqual(uploaded.map((file) => hash(file.data)), files.map(hash), 'bytes arrive intact');
                assert.ok(uploaded.every((file) => file.channel_id === r.seed.channel.id));
                const [only] = postsOfMessage(r, 'm-only-files');
                assert.equal(only?.file_ids.length, 1);
                assert.match(only!.message, /Anna \(visitor\)\*\* sent a file/);
            } finally {
                await r.close();
            }
        });

        test('root deleted → self-heal: a new root says so, the link moves, the message is delivered under it', async () => {
            const r = await rig();
            try {
                await r.send(started('c-8'));
                await r.send(message('c-8', 'm-1', 'first'));
                await drained(r);
                const [oldRoot] = rootsOf(r, 'c-8');
                assert.ok(r.standIn.deletePost(oldRoot!.id, r.seed.admin.user.id));

                await r.send(message('c-8', 'm-2', 'second'));
                await drained(r);
                const roots = rootsOf(r, 'c-8');
                assert.equal(roots.length, 2);
                const newRoot = roots[1]!;
                assert.equal(newRoot.delete_at, 0);
                assert.match(newRoot.message, /earlier thread of this conversation was removed/);
                assert.equal(ireserve(newRoot).previous_root_id, oldRoot!.id);
                assert.equal(ireserve(newRoot).visitor_name, 'Anna Visitor', 'the new card keeps the context');
                assert.equal(postsOfMessage(r, 'm-2')[0]?.root_id, newRoot.id);
                assert.equal(postsOfMessage(r, 'm-2').length, 1);
                assert.equal((await r.running.bridge.context.conversations.get(r.licence, 'c-8'))?.rootPostId, newRoot.id);

                // An update after the new root was deleted as well heals the same way.
                r.standIn.deletePost(newRoot.id, r.seed.admin.user.id);
                await r.send(updated('c-8', {status: 'closed'}));
                await drained(r);
                const third = rootsOf(r, 'c-8')[2];
                assert.equal(ireserve(third!).status, 'closed');
                assert.equal((await r.running.bridge.context.conversations.get(r.licence, 'c-8'))?.rootPostId, third!.id);
            } finally {
                await r.close();
            }
        });

        test('notifications: posted in the channel mapped to their type; unmapped or empty are not sent', async () => {
            const r = await rig();
            try {
                assert.equal((await r.send(notification('booking.confirmed'))).status, 202);
                const empty = await r.send(notification('booking.cancelled'));
                assert.equal(empty.status, 200);
                assert.equal(empty.json.status, 'not_sent');
                assert.match(String(empty.json.reason), /booking\.cancelled/);
                const unmapped = await r.send(notification('arrival.today'));
                assert.equal(unmapped.json.status, 'not_sent');
                await drained(r);
                const posts = botPosts(r).filter((post) => post.type === 'custom_irsv_notification');
                assert.equal(posts.length, 1);
                const [post] = posts;
                assert.equal(post!.channel_id, r.seed.notification_channel.id);
                assert.equal(post!.root_id, '');
                assert.deepEqual({...ireserve(post!), event_id: undefined}, {
                    v: 1, notification_type: 'booking.confirmed', title: 'Booking confirmed', text: 'Cottage 12, 14–21 June, family Jansen.',
                    url: 'https://app.ireserve.example/bookings/4711', event_id: undefined,
                });
                assert.match(post!.message, /\*\*Booking confirmed\*\*\nCottage 12/);

                // Its ledger entry (the notification's only record of its post) is kept, and pruned when old.
                const {db} = r.running.bridge.context.database;
                const ledger = () => db.selectFrom('kv').select(['key', 'value']).where('licence', '=', r.licence)
                    .where('key', 'like', 'outbound.post:notification:%').execute();
                const [entry] = await ledger();
                assert.equal(JSON.parse(entry!.value).post_id, post!.id);
                const {MessagesRepository} = await import('../../src/storage/messages_repository.js');
                const later = new MessagesRepository(db, {now: () => Date.now() + 15 * 24 * 3600_000});
                assert.equal(await later.forgetIntentsOlderThan(r.licence, 14 * 24 * 3600_000), 1);
                assert.deepEqual(await ledger(), []);
            } finally {
                await r.close();
            }
        });

        test('a notification mapped to an incoming-webhook URL is posted through the webhook', async () => {
            const r = await rig({integration: (seed) => {
                const hook = rigs.standIn.createIncomingWebhook({channel_id: seed.notification_channel.id, user_id: seed.admin.user.id});
                return {notificationChannels: {'payment.received': hook.url}};
            }});
            const seed = r.seed;
            try {
                assert.equal((await r.send(notification('payment.received', {title: 'Payment received', text: '€ 450 for booking 4711'}))).status, 202);
                await drained(r);
                // With Slack-compatible attachments Mattermost types the post `slack_attachment` (issue 9).
                const post = rigs.standIn.channelPosts(seed.notification_channel.id).find((p) => p.type === 'slack_attachment');
                assert.ok(post, 'posted by the webhook');
                assert.equal(post.props.from_webhook, 'true');
                assert.equal(ireserve(post).notification_type, 'payment.received');
                const [attachment] = post.props.attachments as Array<{title: string; color: string; fields: Array<{title: string; value: string}>}>;
                assert.equal(attachment!.title, 'Payment received');
                assert.match(attachment!.color, /^#[0-9a-f]{6}$/);
                assert.deepEqual(attachment!.fields[0], {title: 'Type', value: 'payment.received', short: true});
            } finally {
                await r.close();
            }
        });

        test('a crash between "posted" and "recorded" is reconciled: the post is found in the thread, not made again', async () => {
            const r = await rig();
            try {
                await r.send(started('c-9'));
                await drained(r);
                const root = rootsOf(r, 'c-9')[0]!;
                const context = r.running.bridge.context;
                // Stop the worker, queue a message, and act out an earlier attempt that posted it and died
                // before recording: the ledger says "started", Mattermost has the post.
                await r.running.bridge.worker.stop();
                await r.send(message('c-9', 'm-crash', 'posted before the crash'));
                const [job] = await context.outbox.list(r.licence, {status: 'pending'});
                assert.ok(job);
                const key = `msg:${job.id}:${root.id}:1`;
                await context.database.db.insertInto('kv').values({
                    licence: r.licence, key: `outbound.post:${key}`, value: JSON.stringify({post_id: null, started_at: Date.now()}), updated_at: Date.now(),
                }).execute();
                r.standIn.createPost(r.seed.bot.user.id, {
                    channel_id: r.seed.channel.id, root_id: root.id, message: '**Anna (visitor):** posted before the crash',
                    props: {ireserve: {v: 1, message_id: 'm-crash', sender_type: 'visitor', sender_name: 'Anna'}},
                });
                r.running.bridge.worker.start();
                await drained(r);
                assert.equal(postsOfMessage(r, 'm-crash').length, 1, 'posted once');
                assert.equal(r.standIn.requestCounts()['GET /api/v4/posts/:post_id/thread'], 1, 'reconciled against the thread');
                const record = await waitFor(async () => {
                    const row = await context.database.db.selectFrom('messages').selectAll()
                        .where('licence', '=', r.licence).where('message_id', '=', 'm-crash').executeTakeFirst();
                    return row?.delivered_at ? row : null;
                }, 'the message to be recorded');
                assert.deepEqual(JSON.parse(record.post_ids!), [postsOfMessage(r, 'm-crash')[0]!.id]);
            } finally {
                await r.close();
            }
        });

        test('a first attempt that posted and died before its completion left no ledger entry: the next attempt finds the post', async () => {
            const r = await rig();
            try {
                await r.send(started('c-10'));
                await drained(r);
                const root = rootsOf(r, 'c-10')[0]!;
                const context = r.running.bridge.context;
                await r.running.bridge.worker.stop();
                await r.send(message('c-10', 'm-died', 'posted by a process that died'));
                // A process claimed the job (attempt 1), posted, and was killed before completing it.
                const [claimed] = await context.outbox.claim('a-process-that-died', 1, 1);
                assert.equal(claimed?.attempts, 1);
                r.standIn.createPost(r.seed.bot.user.id, {
                    channel_id: r.seed.channel.id, root_id: root.id, message: '**Anna (visitor):** posted by a process that died',
                    props: {ireserve: {v: 1, message_id: 'm-died', sender_type: 'visitor', sender_name: 'Anna'}},
                });
                const threadReads = r.standIn.requestCounts()['GET /api/v4/posts/:post_id/thread'] ?? 0;
                r.running.bridge.worker.start();
                await drained(r);
                assert.equal(postsOfMessage(r, 'm-died').length, 1, 'posted once');
                assert.equal(r.standIn.requestCounts()['GET /api/v4/posts/:post_id/thread'], threadReads + 1, 'the second attempt looked first');
                // A message delivered at the first attempt wrote nothing to the post ledger.
                await r.send(message('c-10', 'm-first-try', 'plain sailing'));
                await drained(r);
                const ledger = await context.database.db.selectFrom('kv').select('key').where('licence', '=', r.licence)
                    .where('key', 'like', 'outbound.post:msg:%').execute();
                assert.deepEqual(ledger, []);
            } finally {
                await r.close();
            }
        });
    });
}

function hash(data: Buffer): string {
    return createHash('sha256').update(data).digest('hex');
}
