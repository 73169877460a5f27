import assert from 'node:assert/strict';
import {after, describe, test} from 'node:test';

import {ENGINES, stopPostgresServer} from '../support/bridge_harness.js';

import {botPosts, drained, ireserve, mentionWords, message, postsOfMessage, rigsPerSuite, rootsOf, started, startRig, type OutboundRig} from './support.js';

after(stopPostgresServer);

function edited(conversationId: string, messageId: string, text: string, data: Record<string, unknown> = {}): unknown {
    return {type: 'conversation.message_edited', data: {conversation_id: conversationId, message_id: messageId, text, ...data}};
}

function deleted(conversationId: string, messageId: string): unknown {
    return {type: 'conversation.message_deleted', data: {conversation_id: conversationId, message_id: messageId}};
}

/** The live posts of a message, in thread order. */
function livePosts(r: OutboundRig, messageId: string) {
    return postsOfMessage(r, messageId).filter((post) => post.delete_at === 0);
}

/** Patches Mattermost received for one post (other posts, such as the root, are patched too). */
function patchesOf(r: OutboundRig, postId: string): number {
    return r.standIn.requestLog().filter((request) => request.key === 'PUT /api/v4/posts/:post_id/patch' && request.path.includes(postId)).length;
}

function file(name: string, bytes = 16): {filename: string; content_type: string; data: string} {
    return {filename: name, content_type: 'text/plain', data: Buffer.alloc(bytes, name.charCodeAt(0)).toString('base64')};
}

/** One post per paragraph of 10,000 characters (two do not fit in one post). */
function longText(label: string, paragraphs: number): string {
    return Array.from({length: paragraphs}, (_, i) => `${label} paragraph ${i + 1}: ${'x'.repeat(10_000)}`).join('\n\n');
}

/** The message's row as the bridge stored it. */
async function messageRow(r: OutboundRig, conversationId: string, messageId: string) {
    const row = await r.running.bridge.context.database.db.selectFrom('messages').selectAll()
        .where('licence', '=', r.licence).where('conversation_id', '=', conversationId).where('message_id', '=', messageId).executeTakeFirst();
    return row ? {postIds: JSON.parse(row.post_ids ?? '[]') as string[], deliveredAt: row.delivered_at} : undefined;
}

async function fileStatus(r: OutboundRig, fileId: string): Promise<number> {
    const response = await fetch(`${r.standIn.url}/api/v4/files/${fileId}/info`, {headers: {Authorization: `Bearer ${r.seed.bot.token}`}});
    await response.arrayBuffer();
    return response.status;
}

for (const engine of ENGINES) {
    describe(`message edits and deletions from i-Reserve on ${engine}`, {timeout: 5 * 60_000}, () => {
        const rigs = rigsPerSuite(engine);
        const rig = rigs.rig;

        test('an edit of a posted message edits the bot\'s post in place, mentions neutralised again', async () => {
            const r = await rig();
            try {
                await r.send(started('c-1'));
                await r.send(message('c-1', 'm-1', 'Is the cottage free in week 23?'));
                await r.send(message('c-1', 'm-2', 'Thanks!'));
                await drained(r);
                const [post] = livePosts(r, 'm-1');
                assert.ok(post);
                const answer = await r.send(edited('c-1', 'm-1', 'Is the cottage free in week 24? @channel @here @ben', {edited_at: '2025-06-01T10:00:00Z'}));
                assert.equal(answer.status, 202, JSON.stringify(answer.json));
                assert.deepEqual(answer.json, {status: 'accepted'});
                assert.equal(await drained(r), 0);
                const [after] = livePosts(r, 'm-1');
                assert.equal(after?.id, post.id, 'the same post, edited in place');
                assert.match(after!.message, /^\*\*Anna \(visitor\):\*\* Is the cottage free in week 24\?/);
                assert.deepEqual(mentionWords(after!.message), [], 'no mention survives');
                assert.ok(after!.edit_at > 0, 'Mattermost marks it edited');
                assert.equal(ireserve(after!).edited_at, '2025-06-01T10:00:00.000Z');
                assert.equal(ireserve(after!).message_id, 'm-1');
                assert.equal(after!.props.from_bot, 'true', 'the other props are kept');
                assert.equal(livePosts(r, 'm-2')[0]?.message, '**Anna (visitor):** Thanks!', 'other messages untouched');

                assert.deepEqual((await r.send(edited('c-1', 'm-1', 'older text', {edited_at: '2025-06-01T09:59:00Z'}))).json.status, 'not_sent', 'an older edit never wins');
                assert.equal(await drained(r), 0);
                assert.match(livePosts(r, 'm-1')[0]!.message, /week 24/);
            } finally {
                await r.close();
            }
        });

        test('a deletion removes every part of the message and its files; later events for it change nothing', async () => {
            const r = await rig();
            try {
                await r.send(started('c-2'));
                await r.send(message('c-2', 'm-1', longText('long', 4), {attachments: Array.from({length: 7}, (_, i) => file(`f${i}.txt`))}));
                await r.send(message('c-2', 'm-2', 'Still there'));
                await drained(r);
                const parts = livePosts(r, 'm-1');
                assert.ok(parts.length >= 3, `a split message with files (${parts.length} posts)`);
                const fileIds = parts.flatMap((post) => post.file_ids);
                assert.equal(fileIds.length, 7);
                for (const id of fileIds) {
                    assert.equal(await fileStatus(r, id), 200);
                }
                assert.equal((await r.send(deleted('c-2', 'm-1'))).status, 202);
                assert.equal(await drained(r), 0);
                assert.deepEqual(livePosts(r, 'm-1'), [], 'every part deleted');
                for (const id of fileIds) {
                    assert.equal(await fileStatus(r, id), 404, 'its files with it');
                }
                assert.equal(livePosts(r, 'm-2').length, 1, 'the other message stays');
                assert.equal(rootsOf(r, 'c-2')[0]?.delete_at, 0, 'the thread stays');

                const again = await r.send(deleted('c-2', 'm-1'));
                assert.equal(again.status, 200);
                assert.equal(again.json.status, 'not_sent');
                assert.match(String(again.json.reason), /already deleted/);
                const late = await r.send(edited('c-2', 'm-1', 'too late'));
                assert.equal(late.json.status, 'not_sent');
                const resent = await r.send(message('c-2', 'm-1', 'the same message id again'));
                assert.deepEqual(resent.json, {status: 'duplicate'}, 'a deleted message id is not posted again');
                assert.equal(await drained(r), 0);
                assert.deepEqual(livePosts(r, 'm-1'), []);
            } finally {
                await r.close();
            }
        });

        test('a split message is re-split in place: parts edited, removed, added in order', async () => {
            const r = await rig();
            try {
                await r.send(started('c-3'));
                await r.send(message('c-3', 'm-1', longText('first', 3)));
                await drained(r);
                const original = livePosts(r, 'm-1');
                assert.equal(original.length, 3);
                assert.deepEqual(original.map((post) => ireserve(post).part), [1, 2, 3]);

                await r.send(edited('c-3', 'm-1', 'Short now.'));
                assert.equal(await drained(r), 0);
                const shrunk = livePosts(r, 'm-1');
                assert.deepEqual(shrunk.map((post) => post.id), [original[0]!.id], 'the first post stays, the rest are removed');
                assert.equal(shrunk[0]!.message, '**Anna (visitor):** Short now.');
                assert.equal(ireserve(shrunk[0]!).part, undefined, 'one post: no part numbers');

                await r.send(message('c-3', 'm-2', 'A later message'));
                await r.send(edited('c-3', 'm-1', longText('second', 3)));
                assert.equal(await drained(r), 0);
                const grown = livePosts(r, 'm-1');
                assert.equal(grown.length, 3);
                assert.equal(grown[0]!.id, original[0]!.id, 'edited in place first, then parts added');
                assert.deepEqual(grown.map((post) => ireserve(post).part), [1, 2, 3]);
                assert.deepEqual(grown.map((post) => ireserve(post).parts), [3, 3, 3]);
                assert.match(grown[0]!.message, /^\*\*Anna \(visitor\):\*\*\nsecond paragraph 1/);
                assert.match(grown[1]!.message, /^\*\*Anna \(visitor\), continued \(2\/3\):\*\*/);
                assert.match(grown[2]!.message, /^\*\*Anna \(visitor\), continued \(3\/3\):\*\*/);
                const stored = await messageRow(r, 'c-3', 'm-1');
                assert.deepEqual(stored?.postIds, grown.map((post) => post.id), 'the message row lists its posts in order');
                assert.equal(botPosts(r).filter((post) => ireserve(post).message_id === 'm-1' && post.delete_at === 0).length, 3, 'nothing posted twice');
            } finally {
                await r.close();
            }
        });

        test('an edit interrupted by Mattermost failures converges on retry: every part once, in order', async () => {
            const r = await rig();
            try {
                await r.send(started('c-8'));
                await r.send(message('c-8', 'm-1', 'short'));
                assert.equal(await drained(r), 0);
                const [first] = livePosts(r, 'm-1');
                // Growing to 3 posts, after the first post was patched: creating a new part fails once (503).
                r.standIn.failNext(1, 503, {match: {method: 'POST', path: '/api/v4/posts'}});
                await r.send(edited('c-8', 'm-1', longText('grown', 3)));
                assert.equal(await drained(r), 0);
                let parts = livePosts(r, 'm-1');
                assert.equal(parts.length, 3);
                assert.equal(parts[0]!.id, first!.id);
                assert.deepEqual(parts.map((post) => ireserve(post).part), [1, 2, 3]);
                assert.equal(postsOfMessage(r, 'm-1').length, 3, 'nothing posted twice');
                assert.ok(r.standIn.requestLog().some((entry) => entry.key === 'POST /api/v4/posts' && entry.status === 503), 'the create did fail once');

                // Shrinking back: a deletion fails once (503), then the retry finishes the plan.
                r.standIn.failNext(1, 503, {match: {method: 'DELETE', path: '/api/v4/posts/:post_id'}});
                await r.send(edited('c-8', 'm-1', 'short again'));
                assert.equal(await drained(r), 0);
                assert.ok(r.standIn.requestLog().some((entry) => entry.key === 'DELETE /api/v4/posts/:post_id' && entry.status === 503), 'a deletion did fail once');
                parts = livePosts(r, 'm-1');
                assert.deepEqual(parts.map((post) => post.id), [first!.id]);
                assert.equal(parts[0]!.message, '**Anna (visitor):** short again');
                assert.equal(ireserve(parts[0]!).part, undefined);
                const row = await messageRow(r, 'c-8', 'm-1');
                assert.deepEqual(row?.postIds, [first!.id]);
            } finally {
                await r.close();
            }
        });

        test('files stay on their posts when the text around them is re-split', async () => {
            const r = await rig();
            try {
                await r.send(started('c-4'));
                await r.send(message('c-4', 'm-1', longText('first', 3), {attachments: [file('a.txt'), file('b.txt')]}));
                await r.send(message('c-4', 'm-2', '', {attachments: [file('c.txt')]}));
                await drained(r);
                const original = livePosts(r, 'm-1');
                assert.equal(original.length, 3);
                assert.equal(original[2]!.file_ids.length, 2, 'the files ride on the last text post');

                await r.send(edited('c-4', 'm-1', 'One line.'));
                await r.send(edited('c-4', 'm-2', 'A caption for the file'));
                assert.equal(await drained(r), 0);
                const [only] = livePosts(r, 'm-1');
                assert.equal(livePosts(r, 'm-1').length, 1);
                assert.equal(only!.id, original[2]!.id, 'the post with the files keeps them and takes the text');
                assert.equal(only!.message, '**Anna (visitor):** One line.');
                assert.deepEqual(only!.file_ids, original[2]!.file_ids);
                const [captioned] = livePosts(r, 'm-2');
                assert.equal(captioned!.message, '**Anna (visitor):** A caption for the file', 'a files-only message gets its text on its files post');
                assert.equal(captioned!.file_ids.length, 1);
            } finally {
                await r.close();
            }
        });

        test('an edit or a deletion of a message not posted yet: posted as edited once, or never posted', async () => {
            const r = await rig();
            try {
                await r.send(started('c-5'));
                await drained(r);
                r.standIn.startOutage({mode: '503'});
                await r.send(message('c-5', 'm-1', 'Original text'));
                await r.send(message('c-5', 'm-2', 'Will be deleted'));
                await r.send(message('c-5', 'm-3', 'Stays'));
                assert.equal((await r.send(edited('c-5', 'm-1', 'Edited before it was posted'))).status, 202);
                assert.equal((await r.send(deleted('c-5', 'm-2'))).status, 202);
                const pending = await messageRow(r, 'c-5', 'm-1');
                assert.equal(pending?.deliveredAt, null, 'not posted yet');
                r.standIn.clearRequestLog();
                r.standIn.endOutage();
                assert.equal(await drained(r), 0);
                const [m1] = livePosts(r, 'm-1');
                assert.equal(m1?.message, '**Anna (visitor):** Edited before it was posted');
                assert.equal(postsOfMessage(r, 'm-1').length, 1, 'posted once');
                // (The root is patched when the guest starts waiting: only the message's own post counts here.)
                assert.equal(patchesOf(r, m1!.id), 0, 'posted as edited, not patched afterwards');
                assert.deepEqual(postsOfMessage(r, 'm-2'), [], 'a deleted message is never posted');
                assert.equal(livePosts(r, 'm-3').length, 1);
                const order = botPosts(r).filter((post) => post.root_id === rootsOf(r, 'c-5')[0]!.id).map((post) => ireserve(post).message_id);
                assert.deepEqual(order, ['m-1', 'm-3']);
            } finally {
                await r.close();
            }
        });

        test('bad input: unknown message, another licence\'s conversation, text over the limit, empty text, repeats', async () => {
            const r = await rig();
            const other = await startRig(engine, {standIn: rigs.standIn, seed: r.seed});
            try {
                await r.send(started('c-6'));
                await r.send(message('c-6', 'm-1', 'Mine'));
                await drained(r);
                const postsBefore = botPosts(r).length;

                const unknown = await r.send(edited('c-6', 'nope', 'edit of nothing'), {id: 'evt-unknown'});
                assert.equal(unknown.status, 200);
                assert.equal(unknown.json.status, 'not_sent');
                assert.match(String(unknown.json.reason), /No message "nope" in conversation "c-6" is known for this licence/);
                assert.deepEqual((await r.send(edited('c-6', 'nope', 'edit of nothing'), {id: 'evt-unknown'})).json, {status: 'duplicate'}, 'recorded: a repeat is a duplicate');
                const recorded = await r.running.bridge.context.database.db.selectFrom('events').select('event_type')
                    .where('licence', '=', r.licence).where('webhook_id', '=', 'evt-unknown').executeTakeFirst();
                assert.equal(recorded?.event_type, 'conversation.message_edited');

                const foreign = await other.send(deleted('c-6', 'm-1'));
                assert.equal(foreign.status, 200);
                assert.equal(foreign.json.status, 'not_sent');
                assert.match(String(foreign.json.reason), /is known for this licence/);
                const foreignEdit = await other.send(edited('c-6', 'm-1', 'hijack'));
                assert.equal(foreignEdit.json.status, 'not_sent');

                const tooLong = await r.send(edited('c-6', 'm-1', 'x'.repeat(200_001)));
                assert.equal(tooLong.status, 400);
                assert.match(tooLong.contentType, /^application\/problem\+json/);
                assert.equal(tooLong.json.field, 'data.text');
                assert.match(String(tooLong.json.detail), /at most 200000 characters/);
                const empty = await r.send(edited('c-6', 'm-1', '  '));
                assert.equal(empty.status, 400);
                assert.equal(empty.json.field, 'data.text');
                assert.match(String(empty.json.detail), /conversation\.message_deleted/);
                const noId = await r.send({type: 'conversation.message_deleted', data: {conversation_id: 'c-6'}});
                assert.equal(noId.status, 400);
                assert.equal(noId.json.field, 'data.message_id');

                const once = await r.send(edited('c-6', 'm-1', 'Edited once'), {id: 'evt-edit'});
                assert.equal(once.status, 202);
                assert.deepEqual((await r.send(edited('c-6', 'm-1', 'Edited once'), {id: 'evt-edit'})).json, {status: 'duplicate'});
                assert.equal(await drained(r), 0);
                assert.equal(botPosts(r).length, postsBefore, 'nothing new posted');
                assert.equal(livePosts(r, 'm-1')[0]?.message, '**Anna (visitor):** Edited once');
                assert.equal(patchesOf(r, livePosts(r, 'm-1')[0]!.id), 1, 'edited once');
            } finally {
                await other.close();
                await r.close();
            }
        });

        test('edits and deletions keep the conversation\'s order with its other events', async () => {
            const r = await rig();
            try {
                await r.send(started('c-7'));
                for (let i = 1; i <= 5; i++) {
                    await r.send(message('c-7', `m-${i}`, `message ${i}`));
                    await r.send(edited('c-7', `m-${i}`, `message ${i}, edited`));
                    if (i % 2 === 0) {
                        await r.send(deleted('c-7', `m-${i}`));
                    }
                }
                assert.equal(await drained(r), 0);
                const root = rootsOf(r, 'c-7')[0]!;
                const thread = botPosts(r).filter((post) => post.root_id === root.id && post.delete_at === 0);
                assert.deepEqual(thread.map((post) => post.message), [1, 3, 5].map((i) => `**Anna (visitor):** message ${i}, edited`));
            } finally {
                await r.close();
            }
        });
    });
}
