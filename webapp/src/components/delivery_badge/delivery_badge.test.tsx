import {act, screen} from '@testing-library/react';
import React from 'react';

import PostDeliveryBadge, {DeliveryPill} from './delivery_badge';
import {BOT_ID, ROOT_ID, T0, conversationProps, makeAgentReply, makeGuestMessage, makePost, makeRoot, reaction} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {hostPostReceived, hostReactionAdded, makeEntities, makeStore} from '../../testing/store';

test.each([
    [{kind: 'delivered'} as const, 'Delivered'],
    [{kind: 'pending'} as const, 'Pending'],
    [{kind: 'note'} as const, 'Internal note'],
    [{kind: 'internal'} as const, 'Not sent to visitor'],
    [{kind: 'failed', reason: 'conversation closed'} as const, 'Not deliveredconversation closed'],
    [{kind: 'failed', reason: null} as const, 'Not delivered'],
])('pill for %o', (delivery, text) => {
    const {container} = renderWithStore(<DeliveryPill delivery={delivery}/>, makeStore());
    expect(container).toHaveTextContent(text);
    expect(container.querySelector('[data-delivery]')).toHaveAttribute('title');
});

test('under an agent reply: follows the bot reactions and its failure note', () => {
    const reply = makeAgentReply('reply', 'Hello', T0 + 1);
    const store = makeStore(makeEntities([makeRoot(), reply]));
    renderWithStore(<PostDeliveryBadge postId='reply'/>, store);
    expect(screen.getByTestId('irsv-delivery-badge')).toHaveTextContent('Pending');
    act(() => {
        store.dispatch(hostReactionAdded(reaction('reply', 'warning')));
        store.dispatch(hostPostReceived(makePost({id: 'note', user_id: BOT_ID, root_id: ROOT_ID, create_at: T0 + 2, message: ':warning: The visitor left the chat.'})));
    });
    expect(screen.getByTestId('irsv-delivery-badge')).toHaveTextContent('Not deliveredThe visitor left the chat.');
    act(() => {
        store.dispatch(hostReactionAdded(reaction('reply', 'white_check_mark')));
    });
    expect(screen.getByTestId('irsv-delivery-badge')).toHaveTextContent('Delivered');
});

test('"internal note" under a note; "not sent" under a plain reply in a composer-only conversation', () => {
    const noteReply = makeAgentReply('note', 'FYI', T0 + 1, {props: {ireserve_reply: {mode: 'note'}}});
    const plain = makeAgentReply('plain', 'hm', T0 + 2);
    const store = makeStore(makeEntities([makeRoot(conversationProps({relay_mode: 'composer_only'})), noteReply, plain]));
    renderWithStore(
        <>
            <PostDeliveryBadge postId='note'/>
            <PostDeliveryBadge postId='plain'/>
        </>,
        store,
    );
    const badges = screen.getAllByTestId('irsv-delivery-badge');
    expect(badges[0]).toHaveTextContent('Internal note');
    expect(badges[1]).toHaveTextContent('Not sent to visitor');
});

test('nothing under the root, guest messages, other threads or unknown posts', () => {
    const guest = makeGuestMessage('hi', T0);
    const other = makeAgentReply('other', 'x', T0, {root_id: 'plainroot'});
    const store = makeStore(makeEntities([makeRoot(), guest, makePost({id: 'plainroot'}), other]));
    const {container} = renderWithStore(
        <>
            <PostDeliveryBadge postId={ROOT_ID}/>
            <PostDeliveryBadge postId={guest.id}/>
            <PostDeliveryBadge postId='other'/>
            <PostDeliveryBadge postId='missing'/>
        </>,
        store,
    );
    expect(container).toBeEmptyDOMElement();
});
