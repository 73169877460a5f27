import {computeDeliveries, isAgentReply} from './delivery';
import {
    BOT_ID,
    OTHER_AGENT_ID,
    ROOT_ID,
    T0,
    makeAgentReply,
    makeGuestMessage,
    makePost,
    reaction,
} from '../testing/fixtures';
import type {Reaction} from '@mattermost/types/reactions';

function run(replies: ReturnType<typeof makePost>[], reactions: Reaction[], relayMode: 'all_replies' | 'composer_only' | 'unknown' | null = 'all_replies') {
    return computeDeliveries(ROOT_ID, BOT_ID, relayMode, replies, (id) => reactions.filter((r) => r.post_id === id));
}

test('delivered, pending, note and failed from the bot reactions', () => {
    const a = makeAgentReply('a', 'hello', T0 + 1);
    const b = makeAgentReply('b', 'second', T0 + 2);
    const note = makeAgentReply('n', 'internal', T0 + 3, {props: {ireserve_reply: {mode: 'note'}}});
    const c = makeAgentReply('c', 'third', T0 + 4, {props: {ireserve_reply: {mode: 'visitor'}}});
    const result = run([a, b, note, c], [reaction('a', 'white_check_mark'), reaction('c', 'warning')]);
    expect(result.get('a')).toEqual({kind: 'delivered'});
    expect(result.get('b')).toEqual({kind: 'pending'});
    expect(result.get('n')).toEqual({kind: 'note'});
    expect(result.get('c')).toEqual({kind: 'failed', reason: null});
});

test('only the bot reactions count', () => {
    const a = makeAgentReply('a', 'hello', T0 + 1);
    expect(run([a], [reaction('a', 'white_check_mark', OTHER_AGENT_ID)]).get('a')).toEqual({kind: 'pending'});
});

test('a failure reason linked explicitly by ireserve_delivery', () => {
    const a = makeAgentReply('a', 'hello', T0 + 1);
    const b = makeAgentReply('b', 'again', T0 + 2);
    const note = makePost({id: 'f', user_id: BOT_ID, root_id: ROOT_ID, create_at: T0 + 3, message: ':warning: whatever', props: {ireserve_delivery: {post_id: 'b', status: 'failed', reason: 'i-Reserve rejected the reply (400): conversation closed'}}});
    const result = run([a, b, note], [reaction('a', 'warning'), reaction('b', 'warning')]);
    expect(result.get('b')).toEqual({kind: 'failed', reason: 'i-Reserve rejected the reply (400): conversation closed'});
    expect(result.get('a')).toEqual({kind: 'failed', reason: null});
});

test('an unlinked bot note explains the earliest unexplained failure before it', () => {
    const a = makeAgentReply('a', 'hello', T0 + 1);
    const guest = makeGuestMessage('hi', T0 + 2);
    const note = makePost({id: 'f', user_id: BOT_ID, root_id: ROOT_ID, create_at: T0 + 3, message: ':warning: Not delivered: the conversation is closed.'});
    const later = makeAgentReply('z', 'later', T0 + 4);
    const result = run([a, guest, note, later], [reaction('a', 'warning'), reaction('z', 'warning')]);
    expect(result.get('a')).toEqual({kind: 'failed', reason: 'Not delivered: the conversation is closed.'});
    expect(result.get('z')).toEqual({kind: 'failed', reason: null});
    expect(result.has(guest.id)).toBe(false);
});

test('delivered wins over an old warning (replayed after a fix)', () => {
    const a = makeAgentReply('a', 'hello', T0 + 1);
    expect(run([a], [reaction('a', 'warning'), reaction('a', 'white_check_mark')]).get('a')).toEqual({kind: 'delivered'});
});

test('plain replies stay internal under composer_only; composer posts do not', () => {
    const plain = makeAgentReply('p', 'plain', T0 + 1);
    const visitor = makeAgentReply('v', 'to visitor', T0 + 2, {props: {ireserve_reply: {mode: 'visitor'}}});
    const result = run([plain, visitor], [], 'composer_only');
    expect(result.get('p')).toEqual({kind: 'internal'});
    expect(result.get('v')).toEqual({kind: 'pending'});
});

test('isAgentReply excludes the bot, system posts, webhooks, deleted posts and other threads', () => {
    expect(isAgentReply(makeAgentReply('a', 'x', T0), ROOT_ID, BOT_ID)).toBe(true);
    expect(isAgentReply(makeGuestMessage('x', T0), ROOT_ID, BOT_ID)).toBe(false);
    expect(isAgentReply(makeAgentReply('a', 'x', T0, {type: 'system_join_channel' as never}), ROOT_ID, BOT_ID)).toBe(false);
    expect(isAgentReply(makeAgentReply('a', 'x', T0, {props: {from_webhook: 'true'}}), ROOT_ID, BOT_ID)).toBe(false);
    expect(isAgentReply(makeAgentReply('a', 'x', T0, {delete_at: T0 + 1}), ROOT_ID, BOT_ID)).toBe(false);
    expect(isAgentReply(makeAgentReply('a', 'x', T0, {root_id: 'other'}), ROOT_ID, BOT_ID)).toBe(false);
});
