import {screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import ConversationList from './conversation_list';
import {getPanel} from '../../store/selectors';
import {FakeClient, postList} from '../../testing/fake_client';
import {CHANNEL_ID, T0, conversationProps, makeRoot} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {makeEntities, makeStore} from '../../testing/store';

const open1 = makeRoot(conversationProps({visitor_name: 'Anna', started_at: new Date(T0).toISOString()}), {id: 'open1'});
const open2 = makeRoot(conversationProps({visitor_name: 'Bram', started_at: new Date(T0 + 60_000).toISOString()}), {id: 'open2'});
const closed = makeRoot(conversationProps({visitor_name: 'Chris', status: 'closed'}), {id: 'closed1'});

test('lists open conversations, newest first, closed ones folded; loads older ones from the server', async () => {
    const store = makeStore(makeEntities([open1, closed]));
    const client = new FakeClient();
    client.channelPosts = postList([open2]);
    renderWithStore(<ConversationList channelId={CHANNEL_ID}/>, store, client);
    await waitFor(() => expect(within(screen.getByTestId('irsv-open-conversations')).getAllByRole('button')).toHaveLength(2));
    const buttons = within(screen.getByTestId('irsv-open-conversations')).getAllByRole('button');
    expect(buttons[0]).toHaveTextContent('Bram');
    expect(buttons[1]).toHaveTextContent('Anna');
    expect(screen.getByText('Closed conversations (1)')).toBeInTheDocument();
    expect(client.channelRequests).toEqual([CHANNEL_ID]);

    const user = userEvent.setup();
    await user.click(buttons[0]!);
    expect(getPanel(store.getState())).toMatchObject({view: 'conversation', rootId: 'open2', channelId: CHANNEL_ID});
});

test('empty channel and load failure', async () => {
    const client = new FakeClient();
    client.getChannelRootPosts = jest.fn().mockRejectedValue(new Error('offline'));
    renderWithStore(<ConversationList channelId={CHANNEL_ID}/>, makeStore(), client);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load: offline');
    expect(screen.getByText('No open conversations in this channel.')).toBeInTheDocument();
});

test('no channel', () => {
    renderWithStore(<ConversationList channelId={null}/>, makeStore());
    expect(screen.getByText('Open a channel to see its conversations.')).toBeInTheDocument();
});
