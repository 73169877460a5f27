import {act, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import ConversationList from './conversation_list';
import {getPanel, getPluginState} from '../../store/selectors';
import {FakeClient, postList} from '../../testing/fake_client';
import {CHANNEL_ID, T0, conversationProps, makeRoot} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {hostPostReceived, makeEntities, makeStore} from '../../testing/store';

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

test('conversations whose visitor waits come first, longest wait first, each with its waiting time', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(T0 + 30 * 60_000);
    try {
        const since = (minutesAgo: number) => new Date(T0 + (30 - minutesAgo) * 60_000).toISOString();
        const newest = makeRoot(conversationProps({visitor_name: 'Newest', started_at: new Date(T0 + 20 * 60_000).toISOString()}), {id: 'newest'});
        const short = makeRoot(conversationProps({visitor_name: 'Short wait', waiting_since: since(3)}), {id: 'short'});
        const long = makeRoot(conversationProps({visitor_name: 'Long wait', started_at: new Date(T0 - 60_000).toISOString(), waiting_since: since(25)}), {id: 'long'});
        const older = makeRoot(conversationProps({visitor_name: 'Older', started_at: new Date(T0 - 5 * 60_000).toISOString()}), {id: 'older'});
        const store = makeStore(makeEntities([older, short, newest, long]));
        const client = new FakeClient();
        renderWithStore(<ConversationList channelId={CHANNEL_ID}/>, store, client);
        await waitFor(() => expect(getPluginState(store.getState()).channels[CHANNEL_ID]?.status).toBe('loaded'));
        const list = screen.getByTestId('irsv-open-conversations');
        const items = within(list).getAllByRole('button');
        expect(items.map((item) => item.querySelector('.irsv-list__title > span')?.textContent)).toEqual(['Long wait', 'Short wait', 'Newest', 'Older']);
        expect(within(items[0]!).getByTestId('irsv-waiting')).toHaveTextContent('waiting 25 min');
        expect(within(items[1]!).getByTestId('irsv-waiting')).toHaveTextContent('waiting 3 min');
        expect(within(items[2]!).queryByTestId('irsv-waiting')).not.toBeInTheDocument();
        expect(within(items[3]!).queryByTestId('irsv-waiting')).not.toBeInTheDocument();

        // An agent answers the longest-waiting guest: the bridge removes waiting_since and the list re-sorts.
        act(() => {
            store.dispatch(hostPostReceived({...long, props: {...long.props, ireserve: conversationProps({visitor_name: 'Long wait', started_at: new Date(T0 - 60_000).toISOString()})}, update_at: T0 + 31 * 60_000}));
        });
        const after = within(screen.getByTestId('irsv-open-conversations')).getAllByRole('button');
        expect(after.map((item) => item.querySelector('.irsv-list__title > span')?.textContent)).toEqual(['Short wait', 'Newest', 'Long wait', 'Older']);
    } finally {
        now.mockRestore();
    }
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
