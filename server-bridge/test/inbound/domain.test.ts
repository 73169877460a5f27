import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {displayName, mapAuthor} from '../../src/domain/inbound/author.js';
import {decideRelay, screenPost, type InboundPost} from '../../src/domain/inbound/decision.js';
import {buildReply, failureNotice, replyWebhookId} from '../../src/domain/inbound/reply.js';

const BOT = 'bot0000000000000000000000a';

function reply(fields: Partial<InboundPost> = {}): InboundPost {
    return {id: 'post1', user_id: 'agent', channel_id: 'chan', root_id: 'root', message: 'hi', type: '', props: {}, create_at: 1, delete_at: 0, ...fields};
}

describe('inbound decisions (pure)', {timeout: 60_000}, () => {
    test('screenPost: what is never an agent\'s reply', () => {
        const cases: Array<[string, InboundPost, string | null]> = [
            ['a person\'s thread reply', reply(), null],
            ['the bot itself', reply({user_id: BOT}), 'own_post'],
            ['another bot (from_bot)', reply({props: {from_bot: 'true'}}), 'bot_post'],
            ['from_bot as a boolean', reply({props: {from_bot: true}}), 'bot_post'],
            ['an incoming webhook or webhook answer', reply({props: {from_webhook: 'true'}}), 'webhook_post'],
            ['a server plugin', reply({props: {from_plugin: 'true'}}), 'plugin_post'],
            ['a join message', reply({type: 'system_join_channel'}), 'system_post'],
            ['a deleted post', reply({delete_at: 5}), 'deleted'],
            ['a top-level post', reply({root_id: ''}), 'top_level'],
            ['from_bot "false" is a person', reply({props: {from_bot: 'false'}}), null],
            ['null props', reply({props: null}), null],
        ];
        for (const [name, post, expected] of cases) {
            const screen = screenPost(post, BOT);
            assert.deepEqual(screen, expected === null ? {relevant: true} : {relevant: false, reason: expected}, name);
        }
        assert.deepEqual(screenPost(reply({user_id: BOT}), null), {relevant: true}, 'an unknown bot id cannot match yet');
    });

    test('decideRelay: composer mode first, then the relay mode', () => {
        const composer = (mode: unknown) => reply({props: {ireserve_reply: {mode}}});
        const cases: Array<[string, InboundPost, 'all_replies' | 'composer_only', ReturnType<typeof decideRelay>]> = [
            ['visitor, all_replies', composer('visitor'), 'all_replies', {relay: true, via: 'composer'}],
            ['visitor, composer_only', composer('visitor'), 'composer_only', {relay: true, via: 'composer'}],
            ['note, all_replies', composer('note'), 'all_replies', {relay: false, reason: 'note'}],
            ['note, composer_only', composer('note'), 'composer_only', {relay: false, reason: 'note'}],
            ['plain, all_replies', reply(), 'all_replies', {relay: true, via: 'thread_reply'}],
            ['plain, composer_only', reply(), 'composer_only', {relay: false, reason: 'composer_only'}],
            ['unknown mode stays internal', composer('VISITOR'), 'all_replies', {relay: false, reason: 'unknown_mode'}],
            ['ireserve_reply not an object', reply({props: {ireserve_reply: 'visitor'}}), 'all_replies', {relay: false, reason: 'unknown_mode'}],
            ['ireserve_reply null is a plain reply', reply({props: {ireserve_reply: null}}), 'all_replies', {relay: true, via: 'thread_reply'}],
        ];
        for (const [name, post, mode, expected] of cases) {
            assert.deepEqual(decideRelay(post, mode), expected, name);
        }
    });

    test('authors: display name fallbacks and the recorded reason', () => {
        assert.equal(displayName({id: 'u', username: 'anna', first_name: 'Anna', last_name: 'Agent'}), 'Anna Agent');
        assert.equal(displayName({id: 'u', username: 'anna', first_name: ' Anna ', last_name: ''}), 'Anna');
        assert.equal(displayName({id: 'u', username: 'anna', nickname: 'Annie'}), 'Annie');
        assert.equal(displayName({id: 'u', username: 'anna', first_name: '', nickname: ' '}), 'anna');
        const user = {id: 'u1', username: 'anna', email: 'Anna@Example.com', first_name: 'Anna', last_name: 'Agent'};
        assert.deepEqual(mapAuthor(user, {ireserve_user_id: 'u-9'}), {
            author: {ireserve_user_id: 'u-9', email: 'Anna@Example.com', name: 'Anna Agent', username: 'anna', mattermost_user_id: 'u1'},
            match: 'matched',
        });
        assert.equal(mapAuthor(user, undefined).match, 'no_directory_match');
        const hidden = mapAuthor({...user, email: ''}, undefined);
        assert.equal(hidden.match, 'email_hidden');
        assert.deepEqual(hidden.author, {name: 'Anna Agent', username: 'anna', mattermost_user_id: 'u1'});
    });

    test('the callback body, its stable webhook-id and the failure notice', () => {
        const body = buildReply({licence: 'L-1', conversationId: 'c-1', postId: 'p-1', text: 'hi', author: {name: 'A', username: 'a', mattermost_user_id: 'u'}, attachments: [], createdAtMs: Date.UTC(2025, 0, 2, 3, 4, 5)});
        assert.deepEqual(body, {type: 'conversation.reply', licence: 'L-1', data: {conversation_id: 'c-1', reply_id: 'p-1', text: 'hi', author: {name: 'A', username: 'a', mattermost_user_id: 'u'}, attachments: [], created_at: '2025-01-02T03:04:05.000Z'}});
        const id = replyWebhookId('L-1', 'p-1');
        assert.match(id, /^msg_[A-Za-z0-9_-]{32}$/);
        assert.equal(replyWebhookId('L-1', 'p-1'), id, 'stable');
        assert.notEqual(replyWebhookId('L-2', 'p-1'), id, 'per licence');
        assert.notEqual(replyWebhookId('L-1', 'p-2'), id, 'per post');
        assert.deepEqual(failureNotice('p-1', 'i-Reserve said no.'), {
            message: ':warning: This reply did not reach the visitor. i-Reserve said no.',
            props: {ireserve_delivery: {post_id: 'p-1', status: 'failed', reason: 'i-Reserve said no.'}},
        });
    });
});
