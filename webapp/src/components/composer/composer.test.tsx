import {act, screen, waitFor} from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import Composer, {MAX_FILES} from './composer';
import {getPluginState} from '../../store/selectors';
import {MattermostError} from '../../client/mattermost_client';
import {FakeClient} from '../../testing/fake_client';
import {CHANNEL_ID, ROOT_ID} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {makeEntities, makeStore} from '../../testing/store';

function setup(props: Partial<React.ComponentProps<typeof Composer>> = {}, maxFileSize?: number) {
    const store = makeStore(makeEntities([], [], {maxFileSize}));
    const client = new FakeClient();
    const user = userEvent.setup();
    renderWithStore(
        <Composer
            rootId={ROOT_ID}
            channelId={CHANNEL_ID}
            visitorName='Anna de Vries'
            defaultMode='visitor'
            {...props}
        />,
        store,
        client,
    );
    const textbox = () => screen.getByRole('textbox');
    return {store, client, user, textbox};
}

const file = (name: string, size = 10) => new File([new Uint8Array(size)], name, {type: 'application/pdf'});

test('the switch starts where it is told and is labelled', () => {
    setup({defaultMode: 'note'});
    expect(screen.getByRole('group', {name: 'Send as'})).toBeInTheDocument();
    expect(screen.getByRole('radio', {name: 'Internal note'})).toBeChecked();
    expect(screen.getByRole('radio', {name: 'Reply to visitor'})).not.toBeChecked();
    expect(screen.getByRole('textbox', {name: 'Internal note about the conversation with Anna de Vries'})).toBeInTheDocument();
    expect(screen.getByRole('button', {name: 'Add note'})).toBeDisabled();
});

test('Enter sends the reply into the thread with its mode; Shift+Enter adds a line; focus comes back', async () => {
    const {client, user, textbox, store} = setup();
    await user.type(textbox(), 'Hello Anna,{Shift>}{Enter}{/Shift}the house is free.');
    expect(textbox()).toHaveValue('Hello Anna,\nthe house is free.');
    expect(client.created).toHaveLength(0);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(textbox()).toHaveValue(''));
    expect(client.created).toEqual([{
        channel_id: CHANNEL_ID,
        root_id: ROOT_ID,
        message: 'Hello Anna,\nthe house is free.',
        file_ids: [],
        props: {ireserve_reply: {mode: 'visitor'}},
        pending_post_id: expect.stringMatching(/^agentuserid000000000000000:\d+$/),
    }]);
    expect(textbox()).toHaveFocus();
    expect(screen.getByRole('status')).toHaveTextContent('Sent.');
    expect(Object.keys(getPluginState(store.getState()).posts)).toHaveLength(1); // shown at once
});

test('switching to an internal note sends mode "note"', async () => {
    const {client, user, textbox} = setup();
    await user.click(screen.getByRole('radio', {name: 'Internal note'}));
    expect(screen.getByRole('textbox')).toHaveAttribute('placeholder', 'Write a note for your team…');
    await user.type(textbox(), 'Called her back');
    await user.click(screen.getByRole('button', {name: 'Add note'}));
    await waitFor(() => expect(client.created).toHaveLength(1));
    expect(client.created[0]!.props).toEqual({ireserve_reply: {mode: 'note'}});
});

test('send is disabled while empty and while sending', async () => {
    const {client, user, textbox} = setup();
    const send = screen.getByRole('button', {name: 'Send to visitor'});
    expect(send).toBeDisabled();
    await user.type(textbox(), '   ');
    expect(send).toBeDisabled();
    await user.type(textbox(), 'x');
    expect(send).toBeEnabled();
    client.hold();
    await user.click(send);
    expect(screen.getByRole('button', {name: 'Sending…'})).toBeDisabled();
    await user.keyboard('{Enter}'); // a second Enter while sending does nothing
    expect(client.created).toHaveLength(1);
    await act(async () => client.release());
    await waitFor(() => expect(screen.getByRole('button', {name: 'Send to visitor'})).toBeDisabled());
});

test('a failure keeps the text and says why; the retry reuses the pending post id', async () => {
    const {client, user, textbox} = setup();
    client.createPostFailure = new MattermostError('network', 0, null, 'Failed to fetch');
    await user.type(textbox(), 'Are you there?{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('Mattermost could not be reached. Your text is kept; try again.');
    expect(textbox()).toHaveValue('Are you there?');
    expect(textbox()).toHaveAttribute('aria-invalid', 'true');
    expect(textbox()).toHaveFocus();

    client.createPostFailure = new MattermostError('http', 403, 'api.context.permissions.app_error', 'no');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('You are not allowed to post in this channel.'));
    expect(client.created[1]!.pending_post_id).toBe(client.created[0]!.pending_post_id);

    client.createPostFailure = null;
    await user.keyboard('{Enter}');
    await waitFor(() => expect(textbox()).toHaveValue(''));
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
});

test('a deleted root is explained', async () => {
    const {client, user, textbox} = setup();
    client.createPostFailure = new MattermostError('http', 400, 'api.post.create_post.root_id.app_error', 'Invalid RootId parameter.');
    await user.type(textbox(), 'x{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('The conversation thread no longer exists');
});

test('attachments are uploaded to the channel, then sent with the post; text is optional', async () => {
    const {client, user} = setup();
    await user.upload(screen.getByTestId('irsv-file-input'), [file('booking.pdf'), file('map.pdf')]);
    const list = screen.getByRole('list', {name: 'Files to send'});
    expect(list).toHaveTextContent('booking.pdf');
    expect(list).toHaveTextContent('map.pdf');
    await user.click(screen.getByRole('button', {name: 'Remove map.pdf'}));
    await user.click(screen.getByRole('button', {name: 'Send to visitor'}));
    await waitFor(() => expect(client.created).toHaveLength(1));
    expect(client.uploads).toEqual([{channelId: CHANNEL_ID, fileName: 'booking.pdf', clientId: expect.any(String)}]);
    expect(client.created[0]).toMatchObject({message: '', file_ids: ['file-1']});
    await waitFor(() => expect(screen.queryByRole('list', {name: 'Files to send'})).not.toBeInTheDocument());
});

test('an upload failure names the file; the retry does not upload twice what already went up', async () => {
    const {client, user, textbox} = setup();
    await user.upload(screen.getByTestId('irsv-file-input'), [file('a.pdf')]);
    await user.type(textbox(), 'See attached');
    client.createPostFailure = new MattermostError('http', 500, null, 'boom');
    await user.keyboard('{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('Sending failed: boom');
    client.createPostFailure = null;
    await user.upload(screen.getByTestId('irsv-file-input'), [file('b.pdf')]);
    client.uploadFailure = new MattermostError('http', 413, null, 'too large');
    await user.click(textbox());
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('Uploading b.pdf failed: The file is too large for this server.'));
    client.uploadFailure = null;
    await user.click(textbox());
    await user.keyboard('{Enter}');
    await waitFor(() => expect(textbox()).toHaveValue(''));
    expect(client.uploads.map((u) => u.fileName)).toEqual(['a.pdf', 'b.pdf', 'b.pdf']);
    expect(client.created.at(-1)).toMatchObject({file_ids: ['file-1', 'file-3']});
});

test('at most five files, none above the server limit', async () => {
    const {user} = setup({}, 1000);
    await user.upload(screen.getByTestId('irsv-file-input'), [file('huge.pdf', 2000)]);
    expect(screen.getByRole('alert')).toHaveTextContent('huge.pdf is larger than 1,000 B, the most this server accepts.');
    const many = Array.from({length: MAX_FILES + 1}, (_, i) => file(`f${i}.pdf`));
    await user.upload(screen.getByTestId('irsv-file-input'), many);
    expect(screen.getAllByRole('listitem')).toHaveLength(MAX_FILES);
    expect(screen.getByRole('alert')).toHaveTextContent('At most 5 files per reply.');
    expect(screen.getByRole('button', {name: 'Attach files'})).toBeDisabled();
});
