import {act, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import ConversationPanel from './conversation_panel';
import {selectConversation} from '../../store/actions';
import {getPanel, getPluginState} from '../../store/selectors';
import {FakeClient, postList} from '../../testing/fake_client';
import {
    BOT_ID,
    CHANNEL_ID,
    ROOT_ID,
    T0,
    conversationProps,
    makeActionNote,
    makeAgentReply,
    makeGuestMessage,
    makePost,
    makeRoot,
    makeRootWithActions,
    reaction,
} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {hostPostReceived, hostReactionAdded, makeEntities, makeStore} from '../../testing/store';

const guest1 = makeGuestMessage('Is the beach house free in July?', T0 + 60_000);
const delivered = makeAgentReply('reply0000000000000000000001', 'Yes, from the 3rd.', T0 + 120_000);
const failed = makeAgentReply('reply0000000000000000000002', 'Here is the link', T0 + 180_000, {props: {ireserve_reply: {mode: 'visitor'}}});
const failureNote = makePost({id: 'botnote0000000000000000001', user_id: BOT_ID, root_id: ROOT_ID, create_at: T0 + 190_000, message: ':warning: i-Reserve refused the reply: conversation closed', props: {from_bot: 'true', ireserve_delivery: {post_id: failed.id, status: 'failed', reason: 'i-Reserve refused the reply: conversation closed'}}});
const note = makeAgentReply('reply0000000000000000000003', 'Guest sounded unsure', T0 + 200_000, {props: {ireserve_reply: {mode: 'note'}}});
const pending = makeAgentReply('reply0000000000000000000004', 'Anything else?', T0 + 210_000);
const guest2 = makeGuestMessage('Do you allow dogs?', T0 + 240_000);

async function setup(relayMode: string | null = 'all_replies', posts = [guest1, delivered, failed, failureNote, note, pending, guest2]) {
    const root = makeRoot(conversationProps({relay_mode: relayMode ?? undefined}));
    const store = makeStore(makeEntities([root, ...posts], [reaction(delivered.id, 'white_check_mark'), reaction(failed.id, 'warning')]));
    const client = new FakeClient();
    client.thread = postList([root, ...posts]);
    store.dispatch(selectConversation(ROOT_ID, CHANNEL_ID));
    const user = userEvent.setup();
    renderWithStore(<ConversationPanel/>, store, client);
    await waitFor(() => expect(getPluginState(store.getState()).threads[ROOT_ID]?.status).toBe('loaded'));
    return {store, client, user};
}

test('shows the context, the latest guest message and loads the whole thread', async () => {
    const {client} = await setup();
    await waitFor(() => expect(client.threadRequests).toEqual([ROOT_ID]));
    expect(screen.getByRole('heading', {name: 'Web chat with Anna de Vries'})).toBeInTheDocument();
    expect(screen.getByText('Open')).toBeInTheDocument();
    expect(screen.getByText('7 messages')).toBeInTheDocument();
    expect(screen.getByTestId('irsv-latest-guest-message')).toHaveTextContent('Do you allow dogs?');
});

test('shows how long the visitor has waited under the heading, and nothing when nobody waits', async () => {
    const waitingRoot = makeRoot(conversationProps({waiting_since: new Date(T0 + 240_000).toISOString()}));
    const store = makeStore(makeEntities([waitingRoot, guest1, guest2]));
    const client = new FakeClient();
    client.thread = postList([waitingRoot, guest1, guest2]);
    store.dispatch(selectConversation(ROOT_ID, CHANNEL_ID));
    const now = jest.spyOn(Date, 'now').mockReturnValue(T0 + 240_000 + 4 * 60_000);
    try {
        renderWithStore(<ConversationPanel/>, store, client);
        expect(await screen.findByTestId('irsv-waiting')).toHaveTextContent('waiting 4 min');
        act(() => {
            store.dispatch(hostPostReceived({...waitingRoot, props: {...waitingRoot.props, ireserve: conversationProps()}, update_at: T0 + 300_000}));
        });
        expect(screen.queryByTestId('irsv-waiting')).not.toBeInTheDocument();
        expect(screen.getByRole('heading', {name: 'Web chat with Anna de Vries'})).toBeInTheDocument();
    } finally {
        now.mockRestore();
    }
});

test.each([
    ['all_replies', 'Reply to visitor'],
    [null, 'Reply to visitor'],
    ['composer_only', 'Internal note'],
])('relay mode %s: the composer starts on %s', async (relayMode, checked) => {
    await setup(relayMode);
    expect(screen.getByRole('radio', {name: checked})).toBeChecked();
});

test('sends a reply to the visitor and an internal note into the thread', async () => {
    const {client, user} = await setup('composer_only');
    await user.click(screen.getByRole('radio', {name: 'Reply to visitor'}));
    await user.type(screen.getByRole('textbox', {name: 'Reply to Anna de Vries'}), 'Dogs are welcome!{Enter}');
    await waitFor(() => expect(client.created).toHaveLength(1));
    await user.click(screen.getByRole('radio', {name: 'Internal note'}));
    await user.type(screen.getByRole('textbox'), 'Booked the dog-friendly house{Enter}');
    await waitFor(() => expect(client.created).toHaveLength(2));
    expect(client.created.map(({channel_id, root_id, message, props, file_ids}) => ({channel_id, root_id, message, props, file_ids}))).toEqual([
        {channel_id: CHANNEL_ID, root_id: ROOT_ID, message: 'Dogs are welcome!', props: {ireserve_reply: {mode: 'visitor'}}, file_ids: []},
        {channel_id: CHANNEL_ID, root_id: ROOT_ID, message: 'Booked the dog-friendly house', props: {ireserve_reply: {mode: 'note'}}, file_ids: []},
    ]);

    // Both show up at once among the recent replies: pending, and internal note.
    const recent = await screen.findByTestId('irsv-recent-replies');
    await waitFor(() => expect(within(recent).getAllByRole('listitem')).toHaveLength(6));
    expect(within(recent).getAllByRole('listitem')[0]).toHaveTextContent('Booked the dog-friendly house');
    expect(within(recent).getAllByRole('listitem')[0]).toHaveAttribute('data-delivery', 'note');
    expect(within(recent).getAllByRole('listitem')[1]).toHaveAttribute('data-delivery', 'pending');
});

test('recent replies show each delivery state, live', async () => {
    const {store} = await setup();
    const items = within(screen.getByTestId('irsv-recent-replies')).getAllByRole('listitem');
    expect(items.map((item) => [item.getAttribute('data-post-id'), item.getAttribute('data-delivery')])).toEqual([
        [pending.id, 'pending'],
        [note.id, 'note'],
        [failed.id, 'failed'],
        [delivered.id, 'delivered'],
    ]);
    expect(items[0]).toHaveTextContent('Pending');
    expect(items[1]).toHaveTextContent('Internal note');
    expect(items[2]).toHaveTextContent('Not delivered');
    expect(items[2]).toHaveTextContent('i-Reserve refused the reply: conversation closed');
    expect(items[3]).toHaveTextContent('Delivered');

    act(() => {
        store.dispatch(hostReactionAdded(reaction(pending.id, 'white_check_mark')));
    });
    await waitFor(() => expect(screen.getByTestId('irsv-recent-replies').querySelector(`[data-post-id="${pending.id}"]`)).toHaveAttribute('data-delivery', 'delivered'));
});

test('a thread that cannot be loaded says so and can be retried', async () => {
    const root = makeRoot();
    const store = makeStore(makeEntities([]));
    const client = new FakeClient();
    client.getPostThread = jest.fn().mockRejectedValueOnce(new Error('offline')).mockResolvedValueOnce(postList([root]));
    store.dispatch(selectConversation(ROOT_ID, CHANNEL_ID));
    const user = userEvent.setup();
    renderWithStore(<ConversationPanel/>, store, client);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load: offline');
    await user.click(screen.getByRole('button', {name: 'Try again'}));
    expect(await screen.findByRole('heading', {name: 'Web chat with Anna de Vries'})).toBeInTheDocument();
});

test('back to the list of the channel\'s conversations', async () => {
    const {store, user} = await setup();
    await user.click(screen.getByRole('button', {name: '← All conversations'}));
    expect(getPanel(store.getState()).view).toBe('list');
    expect(await screen.findByRole('heading', {name: 'Open conversations'})).toBeInTheDocument();
    await user.click(screen.getByRole('button', {name: 'Open the conversation with Anna de Vries in the i-Reserve panel'}));
    expect(getPanel(store.getState())).toMatchObject({view: 'conversation', rootId: ROOT_ID});
});

test('with nothing selected, the panel lists the current channel\'s conversations', async () => {
    const store = makeStore(makeEntities([makeRoot()]));
    const client = new FakeClient();
    renderWithStore(<ConversationPanel/>, store, client);
    expect(await screen.findByRole('heading', {name: 'Open conversations'})).toBeInTheDocument();
    await waitFor(() => expect(getPluginState(store.getState()).channels[CHANNEL_ID]?.status).toBe('loaded'));
    expect(client.channelRequests).toEqual([CHANNEL_ID]);
});

test('offers the same actions beside the composer and shows why i-Reserve refused the last one', async () => {
    const root = makeRootWithActions(conversationProps({number: 17, assignee: undefined}), ['claim', 'assign', 'close']);
    const refused = makeActionNote('note00000000000000000000r1', {action: 'close', outcome: 'refused', actor_name: 'Anna Agent', detail: 'The guest has an open booking request.'}, T0 + 300_000);
    const store = makeStore(makeEntities([root, guest1, refused]));
    const client = new FakeClient();
    client.thread = postList([root, guest1, refused]);
    store.dispatch(selectConversation(ROOT_ID, CHANNEL_ID));
    renderWithStore(<ConversationPanel/>, store, client);
    expect(await screen.findByRole('heading', {name: '#17 Web chat with Anna de Vries'})).toBeInTheDocument();
    const group = screen.getByRole('group', {name: 'Act on the conversation with Anna de Vries'});
    expect(within(group).getAllByRole('button').map((b) => b.textContent)).toEqual(['Claim', 'Assign…', 'Close']);
    expect(screen.getByTestId('irsv-refused-note')).toHaveTextContent(
        'i-Reserve refused the last actionAnna Agent tried to close this conversation: The guest has an open booking request.');

    await userEvent.click(within(group).getByRole('button', {name: 'Claim'}));
    expect(client.postActions).toEqual([{postId: ROOT_ID, actionId: 'claim', selectedOption: ''}]);

    // A note the bridge could not deliver to i-Reserve says so.
    act(() => {
        store.dispatch(hostPostReceived(makeActionNote('note00000000000000000000f1', {action: 'claim', outcome: 'failed', actor_name: 'Sam Support', detail: 'i-Reserve did not answer.'}, T0 + 350_000)));
    });
    expect(screen.getByTestId('irsv-refused-note')).toHaveTextContent('The last action could not reach i-ReserveSam Support tried to take this conversation: i-Reserve did not answer.');

    // A later applied note replaces it.
    act(() => {
        store.dispatch(hostPostReceived(makeActionNote('note00000000000000000000a1', {action: 'claim', outcome: 'applied', actor_name: 'Sam Support'}, T0 + 400_000)));
    });
    expect(screen.queryByTestId('irsv-refused-note')).not.toBeInTheDocument();
});

test.each([
    ['en', 'Booking', 'Jul 3 – 10 · 7 nights', 'Beach house 6'],
    ['nl', 'Boeking', '3–10 jul · 7 nachten', 'Beach house 6'],
])('%s: the panel shows the booking beside the conversation, and follows a patched root', async (locale, label, stay, accommodation) => {
    // In 2025, so the stay's dates show without their year.
    jest.useFakeTimers({now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask']});
    try {
        await bookingInPanel(locale, label, stay, accommodation);
    } finally {
        jest.useRealTimers();
    }
});

async function bookingInPanel(locale: string, label: string, stay: string, accommodation: string): Promise<void> {
    const booking = {reference: 'R-2025-0042', url: 'https://app.ireserve.example/bookings/42', arrival: '2025-07-03', departure: '2025-07-10', accommodation: 'Beach house 6', guests: {adults: 2}, status: 'confirmed'};
    const root = makeRoot(conversationProps({booking}));
    const store = makeStore(makeEntities([root, guest1], [], {locale}));
    const client = new FakeClient();
    client.thread = postList([root, guest1]);
    store.dispatch(selectConversation(ROOT_ID, CHANNEL_ID));
    renderWithStore(<ConversationPanel/>, store, client);
    const block = await screen.findByRole('region', {name: label});
    expect(within(block).getByRole('link', {name: 'R-2025-0042'})).toHaveAttribute('href', booking.url);
    expect(block.textContent!.replace(/\s/g, ' ')).toContain(stay);
    expect(within(block).getByText(accommodation)).toBeInTheDocument();

    act(() => {
        store.dispatch(hostPostReceived(makeRoot(conversationProps({booking: {...booking, reference: 'R-2025-0043', url: undefined}}), {update_at: T0 + 1})));
    });
    await waitFor(() => expect(within(screen.getByRole('region', {name: label})).getByText('R-2025-0043')).toBeInTheDocument());
    expect(within(screen.getByRole('region', {name: label})).queryByRole('link')).not.toBeInTheDocument();
}
