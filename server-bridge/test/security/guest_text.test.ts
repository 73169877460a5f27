// DESIGN §14, issue 13 items 4, 6 and 10: every guest-supplied text that reaches a post is
// neutralised (page_url included), control characters are refused, an empty file is a file, and a
// notification type named like an Object member is just an unknown type.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {conversationMessageSchema, conversationStartedSchema, notificationSchema} from '../../src/domain/outbound/events.js';
import {safeUrl} from '../../src/domain/outbound/text_safety.js';
import {ENGINES, stopPostgresServer, waitFor} from '../support/bridge_harness.js';
import {botPosts, drained, mentionWords, message, notification, rootsOf, started, startRig, type OutboundRig} from '../outbound/support.js';

after(stopPostgresServer);

const HOSTILE_URLS = [
    'https://shop.example.com/@channel',
    'https://shop.example.com/x?who=@all&img=![x](https://tracker.example.com/p.png)',
    'https://shop.example.com/(@here)',
];

describe('guest text that reaches a post: URLs and names', {timeout: 30_000}, () => {
    test('page_url is a strict URL: spaces, quotes, angle brackets and user names are refused', () => {
        for (const page_url of ['https://shop.example.com/a @channel', 'https://shop.example.com/"x"', 'https://shop.example.com/<b>', 'https://user:pw@shop.example.com/', 'javascript:alert(1)', 'https://shop.example.com/\u0000']) {
            const result = conversationStartedSchema.safeParse({conversation_id: 'c1', visitor: {name: 'Vera'}, page_url});
            assert.equal(result.success, false, page_url);
            assert.deepEqual(result.error?.issues[0]?.path, ['page_url']);
        }
    });

    test('safeUrl leaves the address as it is but leaves nothing a mention or an image could start from', () => {
        for (const url of HOSTILE_URLS) {
            const safe = safeUrl(url);
            assert.deepEqual(mentionWords(safe), [], safe);
            assert.doesNotMatch(safe, /!\[|\]\(/);
            assert.equal(decodeURIComponent(new URL(safe).pathname), decodeURIComponent(new URL(url).pathname));
        }
    });

    test('NUL and control characters in ids, names and file names are refused (item 10)', () => {
        const base = {conversation_id: 'c1', message_id: 'm1', sender: {type: 'visitor', name: 'Vera'}, text: 'hi'};
        const schema = conversationMessageSchema(1024);
        const cases: Array<[string, unknown, string]> = [
            ['id with NUL', {...base, message_id: 'm\u00001'}, 'message_id'],
            ['name with a line break', {...base, sender: {type: 'visitor', name: 'Vera\n@channel'}}, 'sender.name'],
            ['name with an escape', {...base, sender: {type: 'visitor', name: 'Vera\u001b[31m'}}, 'sender.name'],
            ['file name with NUL', {...base, attachments: [{filename: 'a\u0000.png', content_type: 'image/png', data: 'AAAA'}]}, 'attachments.0.filename'],
            ['text with NUL', {...base, text: 'hello\u0000'}, 'text'],
        ];
        for (const [name, data, field] of cases) {
            const result = schema.safeParse(data);
            assert.equal(result.success, false, name);
            assert.equal(result.error?.issues[0]?.path.join('.'), field, name);
        }
        assert.equal(schema.safeParse({...base, text: 'line one\n\tline two'}).success, true, 'line breaks and tabs are text');
        assert.equal(notificationSchema.safeParse({notification_type: 'a\u0000b', text: 'x'}).success, false);
    });

    test('a 0-byte attachment is a real file (item 10)', () => {
        const result = conversationMessageSchema(1024).safeParse({conversation_id: 'c1', message_id: 'm1', sender: {type: 'visitor', name: 'Vera'}, text: '', attachments: [{filename: 'empty.txt', content_type: 'text/plain', data: ''}]});
        assert.equal(result.success, true, JSON.stringify(result.error?.issues));
    });
});

for (const engine of ENGINES) {
    describe(`hostile guest text through a running bridge, on ${engine}`, {timeout: 90_000}, () => {
        let rig: OutboundRig;
        before(async () => {
            rig = await startRig(engine, {integration: (seed) => ({notificationChannels: {'booking.confirmed': seed.notification_channel.id}})});
        });
        after(() => rig?.close());

        test('a hostile page_url and names reach the root post without a mention or an image (item 4)', async () => {
            for (const [index, page_url] of HOSTILE_URLS.entries()) {
                const id = `c-hostile-${index}`;
                const answer = await rig.send(started(id, {page_url, visitor: {name: '@channel ![x](https://tracker.example.com/v.png)', email: 'vera@example.com'}}));
                assert.equal(answer.status, 202, JSON.stringify(answer.json));
                await waitFor(() => rootsOf(rig, id).length === 1, 'the root post');
                const [root] = rootsOf(rig, id);
                assert.deepEqual(mentionWords(root!.message), [], root!.message);
                assert.doesNotMatch(root!.message, /!\[/);
            }
            const spaced = await rig.send(started('c-spaced', {page_url: 'https://shop.example.com/a @channel'}));
            assert.equal(spaced.status, 400);
            assert.equal(spaced.json.field, 'data.page_url');
        });

        test('a notification\'s url, title and fields cannot mention or load an image', async () => {
            const answer = await rig.send(notification('booking.confirmed', {title: '@all new booking', url: 'https://ireserve.example.com/b/@channel', text: 'Booking ![x](https://t.example.com/p.png) for @here'}));
            assert.equal(answer.status, 202, JSON.stringify(answer.json));
            await drained(rig);
            const post = botPosts(rig).find((entry) => entry.channel_id === rig.seed.notification_channel.id);
            assert.ok(post);
            assert.deepEqual(mentionWords(post.message), [], post.message);
            assert.doesNotMatch(post.message, /!\[/);
        });

        test('notification types named like Object members are unknown types: 200 not_sent, not 500 (item 6)', async () => {
            for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
                const answer = await rig.send(notification(type));
                assert.equal(answer.status, 200, `${type}: ${JSON.stringify(answer.json)}`);
                assert.equal(answer.json.status, 'not_sent');
            }
        });

        test('a message with an empty file is accepted and posted with the file (item 10)', async () => {
            await rig.send(started('c-empty-file'));
            const answer = await rig.send(message('c-empty-file', 'm-empty-file', 'here is the file', {attachments: [{filename: 'empty.txt', content_type: 'text/plain', data: ''}]}));
            assert.equal(answer.status, 202, JSON.stringify(answer.json));
            await drained(rig);
            const post = botPosts(rig).find((entry) => (entry.props.ireserve as {message_id?: string} | undefined)?.message_id === 'm-empty-file');
            assert.equal(post?.file_ids?.length, 1);
        });
    });
}
