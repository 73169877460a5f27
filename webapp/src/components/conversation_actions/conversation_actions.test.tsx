import {act, screen, waitFor, within} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import type {UserProfile} from '@mattermost/types/users';

import ConversationActions from './conversation_actions';
import {parseConversation} from '../../model/conversation';
import {handleWebSocketEvent} from '../../store/websocket';
import {MattermostError} from '../../testing/fake_client';
import {AGENT_ID, OTHER_AGENT_ID, ROOT_ID, T0, conversationProps, makePost, makeRootWithActions} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {makeEntities, makeStore} from '../../testing/store';
import type {Post} from '@mattermost/types/posts';

const ALL = ['claim', 'assign', 'unassign', 'close', 'reopen'];

function renderActions(root: Post, store = makeStore(makeEntities([root]))) {
    const parsed = parseConversation(root);
    if (!parsed.ok) {
        throw new Error('fixture');
    }
    const view = renderWithStore(
        <ConversationActions
            root={root}
            conversation={parsed.conversation}
        />,
        store,
    );
    const rerenderWith = (next: Post) => {
        const p = parseConversation(next);
        view.rerender(
            <ConversationActions
                root={next}
                conversation={p.ok ? p.conversation : parsed.conversation}
            />,
        );
    };
    return {...view, rerenderWith};
}

const buttons = () => screen.queryAllByRole('button').map((b) => b.textContent);

function user(id: string, username: string, extra: Partial<UserProfile> = {}): UserProfile {
    return {id, username, first_name: '', last_name: '', email: `${username}@example.com`, delete_at: 0, ...extra} as UserProfile;
}

test.each([
    ['open and unassigned', {assignee: undefined}, ['Claim', 'Assign…', 'Close']],
    ['claimed by me', {assignee: {name: 'Sam Support', mattermost_user_id: AGENT_ID}}, ['Unassign', 'Close']],
    ['claimed by me (username only)', {assignee: {name: 'Sam Support', username: 'sam'}}, ['Unassign', 'Close']],
    ['assigned to someone else', {assignee: {name: 'Kim', mattermost_user_id: OTHER_AGENT_ID}}, ['Take over', 'Assign…', 'Close']],
    ['closed', {status: 'closed'}, ['Reopen']],
])('buttons when %s', (_name, props, expected) => {
    renderActions(makeRootWithActions(conversationProps(props), ALL));
    expect(buttons()).toEqual(expected);
    expect(screen.getByRole('group', {name: 'Act on the conversation with Anna de Vries'})).toBeInTheDocument();
});

test('no buttons for actions the root does not offer (an older bridge offers none)', () => {
    const {rerenderWith} = renderActions(makeRootWithActions(conversationProps({assignee: undefined}), ['close']));
    expect(buttons()).toEqual(['Close']);
    rerenderWith(makeRootWithActions(conversationProps({assignee: undefined}), []));
    expect(screen.queryByRole('group')).not.toBeInTheDocument();
});

test('a click triggers the root\'s action through Mattermost once, even clicked twice; the answer is shown until the root changes', async () => {
    const root = makeRootWithActions(conversationProps({assignee: undefined}), ALL, {update_at: T0});
    const store = makeStore(makeEntities([root]));
    const {client, rerenderWith} = renderActions(root, store);
    client.holdActions();
    const claim = screen.getByRole('button', {name: 'Claim'});
    await userEvent.dblClick(claim);
    await userEvent.click(claim);
    expect(client.postActions).toEqual([{postId: ROOT_ID, actionId: 'claim', selectedOption: ''}]);
    expect(screen.getByRole('status')).toHaveTextContent('Sending to i-Reserve…');
    expect(screen.getByRole('button', {name: 'Close'})).toBeDisabled();

    // The bridge's ephemeral_text reaches the clicker over the WebSocket.
    const ephemeral = makePost({id: 'eph', root_id: ROOT_ID, type: 'system_ephemeral' as Post['type'], create_at: Date.now() + 5, message: 'Queued: i-Reserve will confirm.'});
    act(() => handleWebSocketEvent(store.dispatch, store.getState, {event: 'ephemeral_message', data: {post: JSON.stringify(ephemeral)}}));
    await act(async () => client.releaseActions());
    await waitFor(() => expect(screen.getByRole('button', {name: 'Close'})).toBeEnabled());
    expect(screen.getByRole('status')).toHaveTextContent('Queued: i-Reserve will confirm.');

    // i-Reserve applied it: the bridge patches the root; the card shows the outcome instead.
    rerenderWith(makeRootWithActions(conversationProps({assignee: {name: 'Sam Support', mattermost_user_id: AGENT_ID}}), ALL, {update_at: Date.now() + 10}));
    expect(buttons()).toEqual(['Unassign', 'Close']);
    expect(screen.queryByTestId('irsv-action-outcome')).not.toBeInTheDocument();
});

test.each([
    [new MattermostError('http', 400, 'api.post.do_action.action_integration.app_error', 'x'), /no answer from the i-Reserve bridge/],
    [new MattermostError('http', 404, 'api.post.do_action.action_id.app_error', 'x'), /no longer offered/],
    [new MattermostError('http', 403, 'api.context.permissions.app_error', 'x'), /cannot act on conversations in this channel/],
    [new MattermostError('network', 0, null, 'offline'), /could not be reached/],
    [new MattermostError('http', 401, 'api.context.session_expired.app_error', 'x'), /session has expired/],
    [new MattermostError('http', 500, 'app.weird', 'Boom'), /The action failed: Boom/],
])('a failed click says why (%#)', async (error, text) => {
    const {client} = renderActions(makeRootWithActions(conversationProps({status: 'closed'}), ALL));
    client.postActionFailure = error;
    await userEvent.click(screen.getByRole('button', {name: 'Reopen'}));
    expect(await screen.findByRole('alert')).toHaveTextContent(text);
    expect(screen.getByRole('button', {name: 'Reopen'})).toBeEnabled(); // try again
});

test('Assign… picks a member of the channel and sends the assign action with that user', async () => {
    const {client} = renderActions(makeRootWithActions(conversationProps({assignee: {name: 'Kim', mattermost_user_id: OTHER_AGENT_ID}}), ALL));
    client.channelMembers = [
        user(AGENT_ID, 'sam', {first_name: 'Sam', last_name: 'Support'}),
        user(OTHER_AGENT_ID, 'kim'),
        user('botid000000000000000000000', 'ireserve-bot', {is_bot: true}),
        user('goneid00000000000000000000', 'gone', {delete_at: 5}),
        user('lotteid0000000000000000000', 'lotte', {first_name: 'Lotte', last_name: 'Jansen'}),
    ];
    const assign = screen.getByRole('button', {name: 'Assign…'});
    await userEvent.click(assign);
    expect(assign).toHaveAttribute('aria-expanded', 'true');
    const list = await screen.findByRole('list', {name: 'Assign to'});
    expect(within(list).getAllByRole('button').map((b) => b.textContent)).toEqual([
        'Sam Support (@sam) (you)', '@kim (assigned now)', 'Lotte Jansen (@lotte)',
    ]);
    await userEvent.type(screen.getByRole('searchbox', {name: 'Find a member of this channel'}), 'lot');
    expect(within(list).getAllByRole('button').map((b) => b.textContent)).toEqual(['Lotte Jansen (@lotte)']);
    await userEvent.click(within(list).getByRole('button'));
    expect(client.postActions).toEqual([{postId: ROOT_ID, actionId: 'assign', selectedOption: 'lotteid0000000000000000000'}]);
    expect(screen.queryByRole('list')).not.toBeInTheDocument();
    expect(client.memberRequests).toEqual(['supportchannel000000000000']);
    await waitFor(() => expect(screen.getByRole('button', {name: 'Assign…'})).toBeEnabled());
});

test('the picker closes with Escape or Cancel without sending anything', async () => {
    const {client} = renderActions(makeRootWithActions(conversationProps({assignee: undefined}), ALL));
    await userEvent.click(screen.getByRole('button', {name: 'Assign…'}));
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('searchbox')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', {name: 'Assign…'}));
    await userEvent.click(screen.getByRole('button', {name: 'Cancel'}));
    expect(screen.queryByRole('searchbox')).not.toBeInTheDocument();
    expect(client.postActions).toEqual([]);
});
