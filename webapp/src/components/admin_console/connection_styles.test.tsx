// The sign-in choice (access token / e-mail + password) on the Authentication screen and the
// Direct messages part of the Configuration screen: what the admin sees and what goes to the bridge.
import {screen, waitFor} from '@testing-library/react';

import {FakeBridge, makeView, problem} from '../../testing/fake_bridge';
import {renderIntegrationSetup} from '../../testing/integration_setup_page';

import {fieldKeyForProblem, formFromView, parseEmails, patchFrom, validateAgainst} from './integration_form';

const renderSetup = (bridge: FakeBridge) => renderIntegrationSetup(bridge).user;

async function loaded() {
    await screen.findByRole('heading', {name: '1. Authentication'});
    await waitFor(() => expect(screen.queryByText('Loading the bot\'s channels…')).not.toBeInTheDocument());
}

/** System Console's page Save (the set-up has none of its own). */
// Long user-event sequences over the whole set-up on a busy machine: beyond jest's 5 s default
// (as in integration_setup.test.tsx).
jest.setTimeout(20_000);

const saveButton = () => screen.getByRole('button', {name: 'Save'});

test('switching to e-mail + password asks for both, sends them once, and never shows the password again', async () => {
    const bridge = new FakeBridge();
    const user = renderSetup(bridge);
    await loaded();
    expect(screen.getByRole('radio', {name: /Access token/})).toBeChecked();
    expect(screen.queryByLabelText(/Account password/)).not.toBeInTheDocument();

    await user.click(screen.getByRole('radio', {name: /E-mail and password/}));
    expect(screen.queryByLabelText(/Bot access token/)).not.toBeInTheDocument();
    await user.click(saveButton());
    expect(await screen.findByText('Enter the e-mail address or username of the account.')).toBeInTheDocument();
    expect(screen.getByText('Enter the account\'s password.')).toBeInTheDocument();
    expect(bridge.calls('PATCH')).toHaveLength(0);

    await user.type(screen.getByLabelText(/Account e-mail or username/), 'bridge@example.com');
    const password = screen.getByLabelText(/Account password/);
    expect(password).toHaveAttribute('type', 'password');
    await user.type(password, ' pass word ');
    await user.click(saveButton());
    await waitFor(() => expect(bridge.calls('PATCH')).toHaveLength(1));
    expect(bridge.calls('PATCH')[0]!.body).toEqual({mattermost: {auth: 'login', login_id: 'bridge@example.com', password: ' pass word '}});
    await waitFor(() => expect(screen.getByLabelText(/Account password/)).toHaveValue(''));
    expect(bridge.view.mattermost).toMatchObject({auth: 'login', login_id: 'bridge@example.com', password_set: true});
});

test('a login the bridge rejects is shown on the password field', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({mattermost: {server_url: 'https://mm.example.com', auth: 'login', login_id: 'bridge@example.com', password_set: true, bot_token_set: false, outgoing_webhook_token_set: false}});
    bridge.answerNext('PATCH', problem(400, 'Invalid settings', '', 'mattermost.password', 'login rejected: Mattermost refused this login id and password.'));
    const user = renderSetup(bridge);
    await loaded();
    expect(screen.getByRole('radio', {name: /E-mail and password/})).toBeChecked();
    expect(screen.getByLabelText(/Account e-mail or username/)).toHaveValue('bridge@example.com');
    await user.type(screen.getByLabelText(/Account password/), 'wrong');
    await user.click(saveButton());
    await waitFor(() => expect(screen.getByLabelText(/Account password/)).toHaveAttribute('aria-invalid', 'true'));
    expect(document.getElementById('irsv-setup-password-error')).toHaveTextContent('login rejected: Mattermost refused this login id and password.');
    expect(screen.getByRole('alert')).toHaveTextContent(/Not saved: Account password: login rejected/);
});

test('direct messages: off by default; switches and subscriber e-mails are sent as dm_settings; a bad e-mail is named', async () => {
    const bridge = new FakeBridge();
    const user = renderSetup(bridge);
    await loaded();
    const assignment = screen.getByRole('switch', {name: /Tell the assignee when a web chat is assigned to them/});
    expect(assignment).toHaveAttribute('aria-checked', 'false');
    expect(screen.getByRole('switch', {name: /Tell the assignee about new guest messages/})).toHaveAttribute('aria-checked', 'false');

    await user.click(assignment);
    await user.type(screen.getByLabelText('Subscribers for Booking confirmed'), 'anna@example.com, not-an-address');
    await user.click(saveButton());
    expect(await screen.findByText('"not-an-address" is not an e-mail address.')).toBeInTheDocument();
    expect(bridge.calls('PATCH')).toHaveLength(0);

    const field = screen.getByLabelText('Subscribers for Booking confirmed');
    await user.clear(field);
    await user.type(field, 'anna@example.com; ben@example.com');
    await user.click(saveButton());
    await waitFor(() => expect(bridge.calls('PATCH')).toHaveLength(1));
    expect(bridge.calls('PATCH')[0]!.body).toEqual({dm_settings: {
        on_assignment: true,
        subscriptions: {
            'booking.confirmed': ['anna@example.com', 'ben@example.com'],
            'booking.changed': [],
            'booking.cancelled': [],
            'payment.received': [],
            'arrival.today': [],
        },
    }});
    await waitFor(() => expect(screen.getByText('Saved.')).toBeInTheDocument());
    expect(bridge.view.dm_settings).toMatchObject({on_assignment: true, on_guest_message: false});
});

test('form model: saved login and DM settings round-trip; problem fields map to the new fields', () => {
    const view = makeView({
        mattermost: {server_url: 'https://mm.example.com', auth: 'login', login_id: 'bot@example.com', password_set: true, bot_token_set: false, outgoing_webhook_token_set: false},
        dm_settings: {on_assignment: true, on_guest_message: false, subscriptions: {'arrival.today': ['anna@example.com']}},
    });
    const form = formFromView(view, '');
    expect(form).toMatchObject({authMode: 'login', loginId: 'bot@example.com', password: '', dmOnAssignment: true, dmOnGuestMessage: false});
    expect(form.dmSubscriptions['arrival.today']).toBe('anna@example.com');
    expect(patchFrom(form, view)).toBeNull();
    const messages = {serverUrl: 'url', webhookUrl: 'hook'};
    expect(validateAgainst(form, view, messages)).toEqual({});
    expect(validateAgainst({...form, loginId: 'other@example.com'}, view, messages)).toEqual({password: 'required'});
    expect(validateAgainst({...form, authMode: 'token'}, view, messages)).toEqual({botToken: 'required'});
    expect(patchFrom({...form, authMode: 'token', botToken: 'tok'}, view)).toEqual({mattermost: {auth: 'token', bot_token: 'tok'}});
    expect(parseEmails(' a@x.io,b@x.io\nA@x.io ')).toEqual(['a@x.io', 'b@x.io']);
    expect(fieldKeyForProblem('mattermost.password')).toBe('password');
    expect(fieldKeyForProblem('mattermost.login_id')).toBe('loginId');
    expect(fieldKeyForProblem('dm_settings.subscriptions.booking.confirmed.1')).toBe('dm:booking.confirmed');
    expect(fieldKeyForProblem('dm_settings.on_guest_message')).toBe('dmOnGuestMessage');
});
