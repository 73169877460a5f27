import {
    defaultReplyMode,
    messageBody,
    parseConversation,
    parseMessage,
    parseNotification,
    replyModeOf,
    safeHttpUrl,
} from './conversation';
import {T0, conversationProps, makePost, makeRoot} from '../testing/fixtures';

describe('parseConversation', () => {
    test('reads every field of a v1 root', () => {
        const parsed = parseConversation(makeRoot());
        expect(parsed).toEqual({
            ok: true,
            conversation: {
                licence: 'L-1001',
                conversationId: 'conv-42',
                visitorName: 'Anna de Vries',
                visitorEmail: 'anna@example.com',
                pageUrl: 'https://park.example.com/accommodations/beach-house',
                startedAt: T0,
                status: 'open',
                number: null,
                assignee: 'Sam Support',
                assigneeUserId: null,
                assigneeUsername: null,
                relayMode: 'all_replies',
                waitingSince: null,
                booking: null,
            },
        });
    });

    test('waiting_since: the time the visitor started waiting, null when absent or not a time', () => {
        const since = new Date(T0 + 60_000).toISOString();
        const waiting = parseConversation(makeRoot(conversationProps({waiting_since: since})));
        expect(waiting.ok && waiting.conversation.waitingSince).toBe(T0 + 60_000);
        for (const value of ['', 'soon', null, {at: since}, true]) {
            const parsed = parseConversation(makeRoot(conversationProps({waiting_since: value})));
            expect(parsed.ok && parsed.conversation.waitingSince).toBeNull();
        }
    });

    test('optional fields missing: nulls, and the post time as start', () => {
        const root = makeRoot({v: 1, licence: 'L-1', conversation_id: 'c', visitor_name: 'Bo', page_url: 'https://x.example/', status: 'open'}, {create_at: T0 + 5});
        const parsed = parseConversation(root);
        expect(parsed.ok && parsed.conversation).toMatchObject({visitorEmail: null, assignee: null, relayMode: null, startedAt: T0 + 5});
    });

    test('unknown version is reported, not guessed', () => {
        expect(parseConversation(makeRoot(conversationProps({v: 2})))).toEqual({ok: false, reason: 'unsupported_version', version: 2});
        expect(parseConversation(makeRoot(conversationProps({v: undefined})))).toMatchObject({ok: false, reason: 'unsupported_version'});
    });

    test('not a conversation', () => {
        expect(parseConversation(makePost({id: 'p', props: {ireserve: conversationProps()}}))).toEqual({ok: false, reason: 'not_a_conversation'});
        expect(parseConversation(makeRoot(undefined, {props: {}}))).toEqual({ok: false, reason: 'not_a_conversation'});
    });

    test('hostile and odd values are neutralised', () => {
        const parsed = parseConversation(makeRoot(conversationProps({
            page_url: 'javascript:alert(1)',
            status: 'weird',
            relay_mode: 'everything',
            assignee: 'Kim',
            started_at: 1_750_000_000,
            visitor_name: 42,
        })));
        expect(parsed.ok && parsed.conversation).toMatchObject({
            pageUrl: null,
            status: null,
            relayMode: 'unknown',
            assignee: 'Kim',
            startedAt: 1_750_000_000_000,
            visitorName: '',
        });
    });
});

test('safeHttpUrl keeps http(s) only', () => {
    expect(safeHttpUrl('https://a.example/b?c=1')).toBe('https://a.example/b?c=1');
    expect(safeHttpUrl('data:text/html,x')).toBeNull();
    expect(safeHttpUrl('not a url')).toBeNull();
    expect(safeHttpUrl(undefined)).toBeNull();
});

test('parseMessage reads mirrored messages only', () => {
    expect(parseMessage(makePost({id: 'm', props: {ireserve: {v: 1, message_id: 'x', sender_type: 'visitor', sender_name: 'Anna'}}}))).toEqual({messageId: 'x', senderType: 'visitor', senderName: 'Anna', sentAt: null});
    expect(parseMessage(makePost({id: 'm', props: {ireserve: {v: 1, message_id: 'x', sent_at: '2025-06-14T09:30:00Z'}}}))?.sentAt).toBe(T0);
    expect(parseMessage(makePost({id: 'm', props: {}}))).toBeNull();
});

test('messageBody drops the bridge\'s sender heading from mirrored messages only', () => {
    const mirrored = (message: string) => makePost({id: 'm', message, props: {ireserve: {v: 1, message_id: 'x', sender_type: 'visitor', sender_name: 'Anna'}}});
    expect(messageBody(mirrored('**Anna (visitor):** Is the house free?'))).toBe('Is the house free?');
    expect(messageBody(mirrored('**Anna (visitor):**\nLine one\nLine two'))).toBe('Line one\nLine two');
    expect(messageBody(mirrored('**Anna (visitor), continued (2/3):** more'))).toBe('more');
    expect(messageBody(mirrored('No heading **here:** at all'))).toBe('No heading **here:** at all');
    expect(messageBody(makePost({id: 'p', message: '**Note:** agent text'}))).toBe('**Note:** agent text');
});

test('parseNotification', () => {
    const post = makePost({id: 'n', type: 'custom_irsv_notification' as never, props: {ireserve: {v: 1, notification_type: 'booking.confirmed', title: 'Booking 123', url: 'https://ireserve.example/b/123'}}});
    expect(parseNotification(post)).toEqual({ok: true, notification: {notificationType: 'booking.confirmed', title: 'Booking 123', text: null, url: 'https://ireserve.example/b/123'}});
    expect(parseNotification({...post, props: {ireserve: {v: 3}}})).toMatchObject({ok: false, reason: 'unsupported_version'});
});

test('replyModeOf', () => {
    expect(replyModeOf(makePost({id: 'a', props: {ireserve_reply: {mode: 'note'}}}))).toBe('note');
    expect(replyModeOf(makePost({id: 'a', props: {ireserve_reply: {mode: 'visitor'}}}))).toBe('visitor');
    expect(replyModeOf(makePost({id: 'a', props: {ireserve_reply: {mode: 'loud'}}}))).toBeNull();
    expect(replyModeOf(makePost({id: 'a'}))).toBeNull();
});

test('the composer starts where a plain reply would go', () => {
    expect(defaultReplyMode('all_replies')).toBe('visitor');
    expect(defaultReplyMode(null)).toBe('visitor'); // the bridge's default relay mode
    expect(defaultReplyMode('composer_only')).toBe('note');
    expect(defaultReplyMode('unknown')).toBe('note');
});
