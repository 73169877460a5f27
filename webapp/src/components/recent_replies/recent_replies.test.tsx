import {screen, within} from '@testing-library/react';
import React from 'react';

import RecentReplies from './recent_replies';
import {RECENT_REPLIES_LIMIT} from '../../store/selectors';
import {OTHER_AGENT_ID, T0, makeAgentReply, makeRoot, reaction} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {makeEntities, makeStore} from '../../testing/store';

test('empty', () => {
    renderWithStore(<RecentReplies rootId='rootpost000000000000000000'/>, makeStore(makeEntities([makeRoot()])));
    expect(screen.getByRole('region', {name: 'Your recent replies'})).toHaveTextContent('You have not replied in this conversation yet.');
});

test('own replies only, newest first, capped, with files and delivery', () => {
    const replies = Array.from({length: RECENT_REPLIES_LIMIT + 2}, (_, i) => makeAgentReply(`r${String(i).padStart(3, '0')}`, `reply ${i}`, T0 + i * 1000));
    const withFile = makeAgentReply('rfile', 'see file', T0 + 99_000, {file_ids: ['f1', 'f2']});
    const someoneElse = makeAgentReply('other', 'not mine', T0 + 100_000, {user_id: OTHER_AGENT_ID});
    const store = makeStore(makeEntities([makeRoot(), ...replies, withFile, someoneElse], [reaction('rfile', 'white_check_mark')]));
    renderWithStore(<RecentReplies rootId='rootpost000000000000000000'/>, store);
    const items = within(screen.getByTestId('irsv-recent-replies')).getAllByRole('listitem');
    expect(items).toHaveLength(RECENT_REPLIES_LIMIT);
    expect(items[0]).toHaveTextContent('see file');
    expect(items[0]).toHaveTextContent('Delivered');
    expect(items[0]).toHaveTextContent('2 file(s)');
    expect(items[1]).toHaveTextContent(`reply ${RECENT_REPLIES_LIMIT + 1}`);
    expect(screen.queryByText('not mine')).not.toBeInTheDocument();
});
