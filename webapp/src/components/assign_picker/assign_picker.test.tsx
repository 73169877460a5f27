import {screen} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import type {UserProfile} from '@mattermost/types/users';

import AssignPicker from './assign_picker';
import {FakeClient} from '../../testing/fake_client';
import {CHANNEL_ID} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {makeStore} from '../../testing/store';

class FailingClient extends FakeClient {
    override async getChannelMembers(): Promise<UserProfile[]> {
        throw new Error('Mattermost is down');
    }
}

test('says when the members cannot be loaded, and cancels', async () => {
    const onCancel = jest.fn();
    renderWithStore(
        <AssignPicker
            channelId={CHANNEL_ID}
            currentAssigneeId={null}
            onPick={jest.fn()}
            onCancel={onCancel}
        />,
        makeStore(),
        new FailingClient(),
    );
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load the channel\'s members: Mattermost is down');
    await userEvent.click(screen.getByRole('button', {name: 'Cancel'}));
    expect(onCancel).toHaveBeenCalled();
});

test('says when nobody matches', async () => {
    const client = new FakeClient();
    client.channelMembers = [{id: 'u1', username: 'kim', first_name: 'Kim', last_name: '', delete_at: 0} as UserProfile];
    renderWithStore(
        <AssignPicker
            channelId={CHANNEL_ID}
            currentAssigneeId={null}
            onPick={jest.fn()}
            onCancel={jest.fn()}
        />,
        makeStore(),
        client,
    );
    expect(await screen.findByRole('button', {name: 'Kim (@kim)'})).toBeInTheDocument();
    await userEvent.type(screen.getByRole('searchbox'), 'zz');
    expect(screen.getByText('No member of this channel matches.')).toBeInTheDocument();
});
