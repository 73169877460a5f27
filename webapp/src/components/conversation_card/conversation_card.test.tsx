import {act, screen, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import ConversationCard from './conversation_card';
import {setRhsRegistration} from '../../rhs';
import {getPanel} from '../../store/selectors';
import {ROOT_ID, T0, CHANNEL_ID, conversationProps, makeGuestMessage, makeRoot, makeRootWithActions} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {makeEntities, makeStore} from '../../testing/store';

const SHOW = {type: 'HOST/SHOW_RHS_PLUGIN', pluggableId: 'rhs-1'};

beforeEach(() => {
    jest.useFakeTimers({now: T0 + 5 * 60_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask']});
});
afterEach(() => {
    jest.useRealTimers();
    setRhsRegistration(null);
});

test('shows every field of the conversation', () => {
    const root = makeRoot();
    const store = makeStore(makeEntities([root, makeGuestMessage('hi', T0 + 1), makeGuestMessage('there', T0 + 2)]));
    renderWithStore(<ConversationCard post={root}/>, store);

    const card = screen.getByRole('region', {name: 'Web chat with Anna de Vries'});
    expect(within(card).getByRole('heading', {name: 'Web chat with Anna de Vries'})).toBeInTheDocument();
    expect(within(card).getByRole('link', {name: 'anna@example.com'})).toHaveAttribute('href', 'mailto:anna@example.com');
    const page = within(card).getByRole('link', {name: 'park.example.com/accommodations/beach-house'});
    expect(page).toHaveAttribute('href', 'https://park.example.com/accommodations/beach-house');
    expect(page).toHaveAttribute('target', '_blank');
    expect(page).toHaveAttribute('rel', 'noopener noreferrer');
    const started = card.querySelector('time')!;
    expect(started).toHaveTextContent('5 minutes ago');
    expect(started).toHaveAttribute('dateTime', new Date(T0).toISOString());
    expect(started.getAttribute('title')).toMatch(/2025/); // exact time on hover
    expect(within(card).getByText('Open')).toHaveClass('irsv-pill--open');
    expect(within(card).getByText('Sam Support')).toBeInTheDocument();
    expect(within(card).getByText('2 messages')).toBeInTheDocument();
});

test('missing optional fields read as such', () => {
    const root = makeRoot({v: 1, licence: 'L-1', conversation_id: 'c', visitor_name: '', page_url: 'javascript:alert(1)', status: 'closed'}, {reply_count: 1});
    renderWithStore(<ConversationCard post={root}/>, makeStore(makeEntities([root])));
    expect(screen.getByRole('heading')).toHaveTextContent('Web chat with Unknown visitor');
    expect(screen.queryByRole('link')).not.toBeInTheDocument();
    expect(screen.getByText('Not provided')).toBeInTheDocument();
    expect(screen.getByText('Unassigned')).toBeInTheDocument();
    expect(screen.getByText('Closed')).toBeInTheDocument();
    expect(screen.getByText('1 message')).toBeInTheDocument(); // the server's reply count when the thread is not loaded
});

test('an unknown props version falls back to the plain message', () => {
    const root = makeRoot(conversationProps({v: 7}), {message: 'Web chat with Anna (fallback text)'});
    renderWithStore(<ConversationCard post={root}/>, makeStore(makeEntities([root])));
    expect(screen.getByText('Web chat with Anna (fallback text)')).toBeInTheDocument();
    expect(screen.getByText(/Update the i-Reserve plugin/)).toBeInTheDocument();
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
});

test('Open conversation selects it and shows the panel', async () => {
    const root = makeRoot();
    const store = makeStore(makeEntities([root]));
    const dispatched: unknown[] = [];
    const origDispatch = store.dispatch;
    store.dispatch = ((action: never) => {
        dispatched.push(action);
        return origDispatch(action);
    }) as unknown as typeof store.dispatch;
    setRhsRegistration({id: 'rhs', showRHSPlugin: SHOW, hideRHSPlugin: null});
    renderWithStore(<ConversationCard post={root}/>, store);

    const user = userEvent.setup({advanceTimers: jest.advanceTimersByTime});
    await user.click(screen.getByRole('button', {name: 'Open the conversation with Anna de Vries in the i-Reserve panel'}));
    expect(getPanel(store.getState())).toEqual({view: 'conversation', rootId: ROOT_ID, channelId: CHANNEL_ID});
    expect(dispatched).toContainEqual(SHOW);
});

test('re-renders when the bridge patches the root post', () => {
    const root = makeRoot();
    const store = makeStore(makeEntities([root]));
    const {rerender} = renderWithStore(<ConversationCard post={root}/>, store);
    const patched = makeRoot(conversationProps({status: 'closed', assignee: {name: 'Kim'}}), {update_at: T0 + 9});
    rerender(<ConversationCard post={patched}/>);
    expect(screen.getByText('Closed')).toBeInTheDocument();
    expect(screen.getByText('Kim')).toBeInTheDocument();
});

test('Dutch', () => {
    const root = makeRoot();
    renderWithStore(<ConversationCard post={root}/>, makeStore(makeEntities([root], [], {locale: 'nl'})));
    expect(screen.getByRole('heading')).toHaveTextContent('Webchat met Anna de Vries');
    expect(screen.getByRole('button')).toHaveTextContent('Gesprek openen');
});

test('shows the conversation number and its own action buttons, following the root as it is patched', async () => {
    const root = makeRootWithActions(conversationProps({number: 17, assignee: undefined}), ['claim', 'assign', 'close']);
    const {rerender, client} = renderWithStore(<ConversationCard post={root}/>, makeStore(makeEntities([root])));
    const card = screen.getByRole('region', {name: 'Web chat with Anna de Vries'});
    expect(within(card).getByTitle('Conversation number 17')).toHaveTextContent('#17');
    const group = within(card).getByRole('group', {name: 'Act on the conversation with Anna de Vries'});
    expect(within(group).getAllByRole('button').map((b) => b.textContent)).toEqual(['Claim', 'Assign…', 'Close']);
    const user = userEvent.setup({advanceTimers: jest.advanceTimersByTime});
    await user.click(within(group).getByRole('button', {name: 'Close'}));
    expect(client.postActions).toEqual([{postId: ROOT_ID, actionId: 'close', selectedOption: ''}]);

    rerender(<ConversationCard post={makeRootWithActions(conversationProps({number: 17, status: 'closed'}), ['reopen'], {update_at: T0 + 10 * 60_000})}/>);
    expect(within(screen.getByRole('group')).getAllByRole('button').map((b) => b.textContent)).toEqual(['Reopen']);
    expect(screen.getByText('Closed')).toBeInTheDocument();
});

test('in a search result, where Mattermost draws the attachment\'s buttons itself, the card draws none', () => {
    const root = makeRootWithActions(conversationProps({number: 17, assignee: undefined}), ['claim', 'assign', 'close']);
    const container = document.body.appendChild(document.createElement('div'));
    container.className = 'search-item__container';
    renderWithStore(<ConversationCard post={root}/>, makeStore(makeEntities([root])), undefined, container);
    expect(screen.getByRole('region', {name: 'Web chat with Anna de Vries'})).toBeInTheDocument();
    expect(screen.queryByRole('group')).not.toBeInTheDocument();
    container.remove();
});

test('shows how long the visitor has waited, live, and nothing once the bridge says nobody waits', () => {
    const waiting = makeRoot(conversationProps({waiting_since: new Date(T0 - 2 * 60_000).toISOString()}));
    const {rerender} = renderWithStore(<ConversationCard post={waiting}/>, makeStore(makeEntities([waiting])));
    const card = screen.getByRole('region', {name: 'Web chat with Anna de Vries'});
    expect(within(card).getByTestId('irsv-waiting')).toHaveTextContent('waiting 7 min');
    act(() => {
        jest.advanceTimersByTime(60_000);
    });
    expect(within(card).getByTestId('irsv-waiting')).toHaveTextContent('waiting 8 min');

    rerender(<ConversationCard post={makeRoot(conversationProps(), {update_at: T0 + 9})}/>);
    expect(within(card).queryByTestId('irsv-waiting')).not.toBeInTheDocument();
});

test('no waiting time without waiting_since; Dutch waiting time', () => {
    const root = makeRoot();
    const {unmount} = renderWithStore(<ConversationCard post={root}/>, makeStore(makeEntities([root])));
    expect(screen.queryByTestId('irsv-waiting')).not.toBeInTheDocument();
    unmount();

    const waiting = makeRoot(conversationProps({waiting_since: new Date(T0).toISOString()}));
    renderWithStore(<ConversationCard post={waiting}/>, makeStore(makeEntities([waiting], [], {locale: 'nl'})));
    expect(screen.getByTestId('irsv-waiting')).toHaveTextContent('wacht 5 min');
});

describe('the booking block', () => {
    const booking = {reference: 'R-2025-0042', url: 'https://app.ireserve.example/bookings/42', arrival: '2025-07-03', departure: '2025-07-10', accommodation: 'Beach house 6', guests: {adults: 2, children: 1}, status: 'confirmed'};

    test.each([
        ['en', 'Booking', 'Jul 3 – 10 · 7 nights', '2 adults, 1 child'],
        ['nl', 'Boeking', '3–10 jul · 7 nachten', '2 volwassenen, 1 kind'],
    ])('%s: reference linked, dates with nights, accommodation, guests, status', (locale, label, stay, guests) => {
        const root = makeRoot(conversationProps({booking}));
        renderWithStore(<ConversationCard post={root}/>, makeStore(makeEntities([root], [], {locale})));
        const block = within(screen.getByRole('region', {name: label === 'Booking' ? 'Web chat with Anna de Vries' : 'Webchat met Anna de Vries'})).getByRole('region', {name: label});
        expect(within(block).getByRole('link', {name: 'R-2025-0042'})).toHaveAttribute('href', booking.url);
        expect(block.textContent!.replace(/\s/g, ' ')).toContain(stay);
        expect(within(block).getByText('Beach house 6')).toBeInTheDocument();
        expect(within(block).getByText(guests)).toBeInTheDocument();
        expect(within(block).getByText('confirmed')).toBeInTheDocument();
    });

    test('follows the patched root: a changed booking shows, a removed one goes', () => {
        const root = makeRoot(conversationProps({booking}));
        const store = makeStore(makeEntities([root]));
        const {rerender} = renderWithStore(<ConversationCard post={root}/>, store);
        expect(screen.getByRole('link', {name: 'R-2025-0042'})).toBeInTheDocument();
        rerender(<ConversationCard post={makeRoot(conversationProps({booking: {reference: 'R-2025-0043', arrival: '2025-07-04', departure: '2025-07-05'}}))}/>);
        expect(screen.getByText('R-2025-0043')).toBeInTheDocument();
        expect(screen.getByRole('region', {name: 'Booking'}).textContent!.replace(/\s/g, ' ')).toContain('Jul 4 – 5 · 1 night');
        rerender(<ConversationCard post={makeRoot(conversationProps())}/>);
        expect(screen.queryByRole('region', {name: 'Booking'})).not.toBeInTheDocument();
    });
});
