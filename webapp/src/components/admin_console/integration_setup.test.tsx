// The System Console custom setting against the real bridge client over an in-memory bridge
// (src/testing/fake_bridge.ts): what the admin sees and exactly what goes to the bridge.
import {act, render, screen, waitFor, within} from '@testing-library/react';
import React from 'react';
import {Provider} from 'react-redux';

import {ADMIN_KEY, BRIDGE_URL, FakeBridge, LICENCE, makeChannel, makeDelivery, makeView, problem} from '../../testing/fake_bridge';
import {renderIntegrationSetup, setupConfig} from '../../testing/integration_setup_page';
import {makeEntities, makeStore} from '../../testing/store';

import {BridgeClientProvider} from './bridge_context';
import IntegrationSetup, {type CustomSettingProps} from './integration_setup';

const config = setupConfig;
const renderSetup = (bridge: FakeBridge, props: Partial<CustomSettingProps> = {}) => renderIntegrationSetup(bridge, {props});

async function loaded() {
    await screen.findByRole('heading', {name: '1. Authentication'});
    await waitFor(() => expect(screen.queryByText('Loading the bot\'s channels…')).not.toBeInTheDocument());
}

/** System Console's page Save (the set-up has none of its own). */
// Long user-event sequences on a busy machine: beyond jest's 5 s default.
jest.setTimeout(20_000);

const saveButton = () => screen.getByRole('button', {name: 'Save'});

test('asks for the bridge settings first and calls nothing while they are missing', () => {
    const bridge = new FakeBridge();
    renderSetup(bridge, {config: config({bridgeurl: BRIDGE_URL, licence: LICENCE, adminkey: ''})});
    expect(screen.getByText(/Fill in the Bridge URL, the i-Reserve licence and the integration admin key/)).toBeInTheDocument();
    expect(bridge.requests).toHaveLength(0);
});

test('a Bridge URL that is not http(s) is named', () => {
    const bridge = new FakeBridge();
    renderSetup(bridge, {config: config({bridgeurl: 'bridge.example.com', licence: LICENCE, adminkey: ADMIN_KEY})});
    expect(screen.getByText(/The Bridge URL "bridge.example.com" is not an http\(s\) address/)).toBeInTheDocument();
    expect(bridge.requests).toHaveLength(0);
});

test('shows loading, then the saved integration on both screens with its status', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({
        relay_mode: 'composer_only',
        inbound_mode: 'websocket',
        notification_channels: {'booking.confirmed': 'chan-bookings', 'payment.received': 'https://mm.example.com/hooks/abc'},
        status: {state: 'error', last_error: 'The bot is not a member of Bookings.', last_delivery_at: new Date(Date.now() - 5 * 60_000).toISOString(), queue_depth: 3, failed: 1},
    });
    bridge.hold();
    renderSetup(bridge);
    expect(screen.getByRole('status')).toHaveTextContent(`Loading the integration of licence ${LICENCE} from the bridge…`);
    act(() => bridge.release());
    await loaded();

    expect(bridge.requests[0]).toMatchObject({method: 'GET', path: `/api/v1/integrations/${LICENCE}`, authorization: `Bearer ${ADMIN_KEY}`});
    expect(screen.getByLabelText('Mattermost server URL')).toHaveValue('https://mm.example.com');
    const botToken = screen.getByLabelText(/Bot access token/);
    expect(botToken).toHaveAttribute('type', 'password');
    expect(botToken).toHaveValue('');
    expect(botToken).toHaveAttribute('placeholder', 'Leave empty to keep the saved token');
    expect(screen.getByText('Set')).toBeInTheDocument();
    expect(screen.getAllByText('Not set')).toHaveLength(2); // the outgoing-webhook and the slash command tokens
    expect(screen.getByLabelText('Inbound webhook URL')).toHaveValue(`${BRIDGE_URL}/api/v1/mattermost/outgoing-webhook`);
    expect(screen.getByLabelText('Inbound webhook URL')).toHaveAttribute('readonly');

    expect(screen.getByLabelText('Conversations channel')).toHaveValue('chan-support');
    expect(screen.getByLabelText('Booking confirmed')).toHaveValue('chan-bookings');
    expect(screen.getByLabelText('Booking cancelled')).toHaveValue('');
    expect(screen.getByLabelText('Payment received')).toHaveValue('__webhook__');
    expect(screen.getByLabelText('Incoming webhook URL for Payment received')).toHaveValue('https://mm.example.com/hooks/abc');
    expect(screen.getByRole('radio', {name: /Only replies sent with the i-Reserve panel/})).toBeChecked();
    expect(screen.getByRole('radio', {name: /WebSocket/})).toBeChecked();
    expect(screen.getByRole('switch', {name: 'Active'})).toHaveAttribute('aria-checked', 'true');

    expect(screen.getByTestId('status-state')).toHaveTextContent('Problem');
    expect(screen.getByTestId('status-last-error')).toHaveTextContent('The bot is not a member of Bookings.');
    expect(screen.getByText('5 minutes ago', {exact: false})).toBeInTheDocument();
    expect(screen.getByTestId('status-queue')).toHaveTextContent('3');
    expect(screen.getByText('No unsaved changes.')).toBeInTheDocument();
    expect(saveButton()).toBeDisabled();
});

test('the server URL is prefilled with the site URL when the integration has none', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({mattermost: {server_url: '', bot_token_set: false, outgoing_webhook_token_set: false}});
    renderSetup(bridge);
    await loaded();
    expect(screen.getByLabelText('Mattermost server URL')).toHaveValue('https://chat.example.com');
    expect(screen.getByLabelText(/Bot access token/)).toHaveAttribute('placeholder', 'Paste the token');
});

test('a saved channel the bot has left stays selected and is flagged', async () => {
    const bridge = new FakeBridge();
    bridge.channels = [
        makeChannel('chan-support', 'Support', {member: false, selected: true}),
        makeChannel('chan-bookings', 'Bookings'),
        makeChannel('chan-private', 'Managers', {type: 'P', team_name: 'Head Office'}),
    ];
    renderSetup(bridge);
    await loaded();
    const select = screen.getByLabelText('Conversations channel');
    expect(select).toHaveValue('chan-support');
    expect(select).toHaveAttribute('aria-invalid', 'true');
    expect(within(select).getByRole('option', {name: 'Support (the bot has left this channel)'})).toBeInTheDocument();
    expect(within(select).getByRole('option', {name: 'Managers (private)'})).toBeInTheDocument();
    expect(within(select).getByRole('group', {name: 'Head Office'})).toBeInTheDocument();
    expect(select).toHaveAccessibleDescription(/The bot has left this channel, so nothing can be posted there/);
});

test('the page\'s Save sends only what changed; secrets only when typed; the form shows the saved state', async () => {
    const bridge = new FakeBridge();
    const {user, probe} = renderSetup(bridge);
    await loaded();
    expect(probe.navigationBlocked).toBe(false);

    await user.selectOptions(screen.getByLabelText('Conversations channel'), 'chan-bookings');
    await user.type(screen.getByLabelText(/Bot access token/), 'new-bot-token');
    await user.selectOptions(screen.getByLabelText('Booking confirmed'), '');
    await user.selectOptions(screen.getByLabelText('Arrival today'), '__webhook__');
    await user.type(screen.getByLabelText('Incoming webhook URL for Arrival today'), 'https://mm.example.com/hooks/arrivals');
    await user.click(screen.getByRole('radio', {name: /Only replies sent with the i-Reserve panel/}));
    await user.click(screen.getByRole('switch', {name: 'Active'}));
    expect(probe.navigationBlocked).toBe(true);
    expect(saveButton()).toBeEnabled();
    expect(screen.getByText('You have unsaved changes. Save them with Save at the bottom of the page.')).toBeInTheDocument();
    expect(screen.queryByRole('button', {name: /integration settings/})).not.toBeInTheDocument();

    await user.click(saveButton());
    await screen.findByText('Saved.');
    expect(bridge.calls('PATCH')).toHaveLength(1);
    expect(bridge.calls('PATCH')[0]!.body).toEqual({
        mattermost: {bot_token: 'new-bot-token'},
        channel_id: 'chan-bookings',
        notification_channels: {
            'booking.confirmed': '',
            'booking.changed': '',
            'booking.cancelled': '',
            'payment.received': '',
            'arrival.today': 'https://mm.example.com/hooks/arrivals',
        },
        relay_mode: 'composer_only',
        active: false,
    });
    expect(screen.getByLabelText(/Bot access token/)).toHaveValue('');
    expect(screen.getByLabelText('Conversations channel')).toHaveValue('chan-bookings');
    // A successful save leaves the page clean: Save disabled, navigation free.
    await waitFor(() => expect(saveButton()).toBeDisabled());
    expect(probe.navigationBlocked).toBe(false);
    expect(bridge.calls('GET', '/channels')).toHaveLength(2);

    await user.click(screen.getByRole('radio', {name: /All thread replies/}));
    await user.click(saveButton());
    await screen.findByText('Saved.');
    expect(bridge.calls('PATCH')[1]!.body).toEqual({relay_mode: 'all_replies'});
});

test('a field error from the bridge is shown at that field and at the top, nothing typed is lost, the page stays unsaved', async () => {
    const bridge = new FakeBridge();
    const {user, probe} = renderSetup(bridge);
    await loaded();
    bridge.answerNext('PATCH', problem(400, 'Invalid settings', '', 'mattermost.bot_token', 'token rejected: Mattermost answered 401 to this bot token (wrong, revoked or expired).'));

    await user.selectOptions(screen.getByLabelText('Conversations channel'), 'chan-bookings');
    await user.type(screen.getByLabelText(/Bot access token/), 'wrong-token');
    await user.click(saveButton());

    const token = screen.getByLabelText(/Bot access token/);
    await waitFor(() => expect(token).toHaveAttribute('aria-invalid', 'true'));
    expect(token).toHaveAccessibleDescription(/^System Console.*paste it here\. token rejected: Mattermost answered 401 to this bot token \(wrong, revoked or expired\)\.$/);
    expect(token).toHaveFocus();
    expect(screen.getByRole('alert')).toHaveTextContent('Not saved: Bot access token: token rejected: Mattermost answered 401 to this bot token (wrong, revoked or expired). Your changes are kept; correct them and save again.');
    expect(token).toHaveValue('wrong-token');
    expect(screen.getByLabelText('Conversations channel')).toHaveValue('chan-bookings');
    // The page keeps the changes unsaved (Save enabled, navigation blocked) and shows nothing itself.
    expect(saveButton()).toBeEnabled();
    expect(probe.navigationBlocked).toBe(true);
    const top = screen.getByTestId('ireserve-integration-setup').firstElementChild!;
    expect(top.querySelector('[role="alert"]')).toBe(screen.getByRole('alert'));

    // Correcting the field clears its error; saving again sends the corrected token.
    await user.clear(token);
    await user.type(token, 'right-token');
    expect(token).not.toHaveAttribute('aria-invalid');
    await user.click(saveButton());
    await screen.findByText('Saved.');
    expect(bridge.calls('PATCH')[1]!.body).toEqual({mattermost: {bot_token: 'right-token'}, channel_id: 'chan-bookings'});
    expect(probe.navigationBlocked).toBe(false);
});

test('nothing is sent when nothing changed, and the page is clean after its Save', async () => {
    const bridge = new FakeBridge();
    const {user, probe} = renderSetup(bridge);
    await loaded();
    // An edit undone: the page was marked unsaved, but the form equals the saved integration.
    await user.selectOptions(screen.getByLabelText('Conversations channel'), 'chan-bookings');
    await user.selectOptions(screen.getByLabelText('Conversations channel'), 'chan-support');
    expect(probe.navigationBlocked).toBe(true);
    await user.click(saveButton());
    await waitFor(() => expect(saveButton()).toBeDisabled());
    expect(probe.navigationBlocked).toBe(false);
    expect(bridge.calls('PATCH')).toHaveLength(0);
    expect(screen.getByText('No unsaved changes.')).toBeInTheDocument();
});

test('an invalid webhook URL is caught before anything is sent', async () => {
    const bridge = new FakeBridge();
    const {user} = renderSetup(bridge);
    await loaded();
    await user.selectOptions(screen.getByLabelText('Booking changed'), '__webhook__');
    await user.type(screen.getByLabelText('Incoming webhook URL for Booking changed'), 'mm.example.com/hooks/x');
    await user.click(saveButton());
    const url = screen.getByLabelText('Incoming webhook URL for Booking changed');
    expect(url).toHaveAttribute('aria-invalid', 'true');
    expect(url).toHaveAccessibleDescription('Enter an http(s) incoming webhook URL, or choose Do not send.');
    expect(url).toHaveFocus();
    expect(bridge.calls('PATCH')).toHaveLength(0);
});

test('Test shows a result per channel: the sample post link, or the fix', async () => {
    const bridge = new FakeBridge();
    bridge.testResults = [
        {channel_id: 'chan-support', purpose: 'mirror', target: 'channel', ok: true, message: 'Posted a test message.', permalink: 'https://mm.example.com/holiday-park/pl/post1'},
        {channel_id: 'chan-bookings', purpose: 'notification:booking.confirmed', target: 'channel', ok: false, error: 'not_a_member', message: 'Add the bot to ~bookings: open the channel, then /invite @ireserve-bot.'},
    ];
    const {user} = renderSetup(bridge);
    await loaded();
    await user.click(screen.getByRole('button', {name: 'Send test messages'}));

    const results = await screen.findAllByTestId('test-result');
    expect(bridge.calls('POST', '/test')).toHaveLength(1);
    expect(screen.getByText('1 of 2 channels need attention.')).toBeInTheDocument();
    expect(results[0]).toHaveTextContent('Conversations — Holiday Park / Support');
    expect(within(results[0]!).getByRole('link', {name: 'View the test post'})).toHaveAttribute('href', 'https://mm.example.com/holiday-park/pl/post1');
    expect(results[1]).toHaveTextContent('Notification: Booking confirmed — Holiday Park / Bookings');
    expect(results[1]).toHaveTextContent('The bot is not a member of this channel: Add the bot to ~bookings: open the channel, then /invite @ireserve-bot.');
    // The status and the bot's channels are listed again after a test.
    await waitFor(() => expect(bridge.calls('GET').filter((r) => r.path === `/api/v1/integrations/${LICENCE}`)).toHaveLength(2));
    await waitFor(() => expect(bridge.calls('GET', '/channels')).toHaveLength(2));
});

test('Test shows whether replies reach the bridge, with the cause; Check permissions only asks for a dry run', async () => {
    const bridge = new FakeBridge();
    bridge.testResults = [{channel_id: 'chan-support', purpose: 'mirror', target: 'channel', ok: true, message: 'Posted a test message.'}];
    bridge.inboundResult = {mode: 'outgoing_webhook', ok: false, dry_run: false, cause: 'unknown_token', message: 'Mattermost\'s outgoing webhook is calling the bridge, but with a token that matches no integration.'};
    const {user} = renderSetup(bridge);
    await loaded();
    await user.click(screen.getByRole('button', {name: 'Send test messages'}));
    const inbound = await screen.findByTestId('inbound-result');
    expect(inbound).toHaveTextContent('Replies from Mattermost (outgoing webhook)');
    expect(inbound).toHaveTextContent('Needs attention: Mattermost\'s outgoing webhook is calling the bridge, but with a token that matches no integration.');
    expect(bridge.calls('POST', '/test')[0]?.body).toEqual({});

    bridge.testResults = [{channel_id: 'https://mm.example.com/hooks/x', purpose: 'notification:payment.received', target: 'incoming_webhook', ok: true, dry_run: true, skipped: true, message: 'Not checked in a dry run.'}];
    bridge.inboundResult = {mode: 'outgoing_webhook', ok: true, dry_run: true, message: 'Dry run (nothing posted): a token is saved and the channel is public.'};
    await user.click(screen.getByRole('button', {name: 'Check permissions only'}));
    await waitFor(() => expect(bridge.calls('POST', '/test')).toHaveLength(2));
    expect(bridge.calls('POST', '/test')[1]?.body).toEqual({dry_run: true});
    await waitFor(() => expect(screen.getByTestId('test-result')).toHaveTextContent('Not checked: Not checked in a dry run.'));
    expect(screen.getByTestId('inbound-result')).toHaveTextContent('Working: Dry run (nothing posted)');
});

test('Test shows whether Mattermost reaches the action URL, naming AllowedUntrustedInternalConnections when it does not', async () => {
    const bridge = new FakeBridge();
    bridge.testResults = [{channel_id: 'chan-support', purpose: 'mirror', target: 'channel', ok: true, message: 'Posted a test message.'}];
    const url = 'http://127.0.0.1:8080/api/v1/mattermost/actions';
    bridge.actionsResult = {
        url, ok: false, dry_run: false, cause: 'untrusted_address',
        message: `Mattermost could not call the bridge's action URL, so the card's buttons cannot work. Most likely: the bridge's action URL ${url} has a loopback or private address (127.0.0.1), and Mattermost calls those only when the host is listed in ServiceSettings.AllowedUntrustedInternalConnections.`,
    };
    const {user} = renderSetup(bridge);
    await loaded();
    await user.click(screen.getByRole('button', {name: 'Send test messages'}));
    const actions = await screen.findByTestId('actions-result');
    expect(actions).toHaveTextContent('Card buttons (Mattermost calls the bridge)');
    expect(actions).toHaveTextContent('Needs attention: Mattermost could not call the bridge\'s action URL');
    expect(actions).toHaveTextContent('ServiceSettings.AllowedUntrustedInternalConnections');
    expect(actions).toHaveClass('irsv-admin__result--failed');

    bridge.actionsResult = {url, ok: true, dry_run: false, message: `Mattermost called the bridge's action URL ${url}: the card's buttons work.`};
    await user.click(screen.getByRole('button', {name: 'Send test messages'}));
    await waitFor(() => expect(screen.getByTestId('actions-result')).toHaveTextContent(`Working: Mattermost called the bridge's action URL ${url}: the card's buttons work.`));
    expect(screen.getByTestId('actions-result')).toHaveClass('irsv-admin__result--ok');
});

test('unsaved changes are pointed out before testing', async () => {
    const bridge = new FakeBridge();
    const {user} = renderSetup(bridge);
    await loaded();
    await user.click(screen.getByRole('radio', {name: /WebSocket/}));
    expect(screen.getByText(/You have unsaved changes: save them first/)).toBeInTheDocument();
});

test('with the outgoing webhook, the console says that edits and deletions of replies are not relayed', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({inbound_mode: 'websocket'});
    const {user} = renderSetup(bridge);
    await loaded();
    expect(screen.queryByRole('note')).not.toBeInTheDocument();
    expect(screen.getByRole('radio', {name: /WebSocket/})).toHaveAccessibleDescription(/edits and deletions of replies that reached the visitor reach i-Reserve too/);
    await user.click(screen.getByRole('radio', {name: /Outgoing webhook/}));
    expect(screen.getByRole('note')).toHaveTextContent('With the outgoing webhook, edits and deletions of replies are not relayed');
    await user.click(screen.getByRole('radio', {name: /WebSocket/}));
    expect(screen.queryByRole('note')).not.toBeInTheDocument();
});

test('a failed notification says where it was going: its type and its channel by name; a reply names its channel', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({status: {state: 'error', last_error: 'x', last_delivery_at: null, queue_depth: 0, failed: 3}});
    bridge.deliveries = [
        makeDelivery({id: 31, direction: 'outbound', kind: 'outbound.notification', conversation_id: null, notification_type: 'booking.confirmed', channel_id: 'chan-bookings', attempts: 1, last_error: 'The bot is not a member of the channel.'}),
        makeDelivery({id: 32, direction: 'outbound', kind: 'outbound.notification', conversation_id: null, notification_type: 'booking.cancelled', channel_id: '', attempts: 1, last_error: 'x'}),
        makeDelivery({id: 33, direction: 'inbound', kind: 'inbound.reply', conversation_id: 'conv-9', channel_id: 'chan-support', attempts: 1, last_error: 'y'}),
    ];
    renderSetup(bridge);
    await loaded();
    const where = (await screen.findAllByTestId('delivery-where')).map((cell) => cell.textContent);
    expect(where[0]).toMatch(/^Booking confirmed notification → .*Bookings$/);
    expect(where[1]).toMatch(/^Booking cancelled notification \(its type is not mapped to a channel now\)$/);
    expect(where[2]).toMatch(/^conv-9in .*Support$/);
});

test('failed deliveries: Retry posts to that delivery\'s retry endpoint, Retry all to retry-failed', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({status: {state: 'error', last_error: 'x', last_delivery_at: null, queue_depth: 0, failed: 3}});
    bridge.deliveries = [
        makeDelivery({id: 11, direction: 'outbound', kind: 'conversation.message', conversation_id: 'conv-1', attempts: 1, last_error: 'The bot is not a member of the channel.'}),
        makeDelivery({id: 12, direction: 'inbound', kind: 'conversation.reply', conversation_id: 'conv-2', attempts: 8, last_error: 'i-Reserve answered 410.', last_error_code: 'invalid'}),
        makeDelivery({id: 13, direction: 'outbound', kind: 'notification', conversation_id: null, attempts: 2, last_error: null, last_error_code: null}),
    ];
    const {user} = renderSetup(bridge);
    await loaded();
    const rows = await screen.findAllByTestId('failed-delivery');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toHaveTextContent('To i-Reserve');
    expect(rows[1]).toHaveTextContent('conversation.reply');
    expect(rows[1]).toHaveTextContent('i-Reserve answered 410.');

    await user.click(screen.getByRole('button', {name: 'Retry delivery 11'}));
    await waitFor(() => expect(screen.getAllByTestId('failed-delivery')).toHaveLength(2));
    expect(bridge.calls('POST', '/retry').map((r) => r.path)).toEqual([`/api/v1/integrations/${LICENCE}/deliveries/11/retry`]);
    expect(screen.getByText('Queued again.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', {name: 'Retry all'}));
    await screen.findByText('No failed deliveries.');
    expect(bridge.calls('POST', '/retry').map((r) => r.path)).toEqual([
        `/api/v1/integrations/${LICENCE}/deliveries/11/retry`,
        `/api/v1/integrations/${LICENCE}/deliveries/retry-failed`,
    ]);
});

test('a retry the bridge refuses says why', async () => {
    const bridge = new FakeBridge();
    bridge.deliveries = [makeDelivery({id: 21, conversation_id: 'c', last_error: 'x'})];
    const {user} = renderSetup(bridge);
    await loaded();
    bridge.answerNext('POST /deliveries/21', problem(404, 'Not found', 'There is no failed delivery 21 for this licence.'));
    await user.click(await screen.findByRole('button', {name: 'Retry delivery 21'}));
    expect(await screen.findByText('Retry failed: There is no failed delivery 21 for this licence.')).toBeInTheDocument();
});

test('an unreachable bridge is named with what to check, and loading again recovers', async () => {
    const bridge = new FakeBridge();
    bridge.answerNext('GET', 'network');
    const {user} = renderSetup(bridge);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(`Cannot reach the bridge at ${BRIDGE_URL}. Check the Bridge URL above, that the bridge is running, and that its BRIDGE_CORS_ORIGINS includes this site (http://localhost).`);
    await user.click(within(alert).getByRole('button', {name: 'Load again'}));
    await loaded();
    expect(screen.getByLabelText('Conversations channel')).toHaveValue('chan-support');
});

test('no integration for the licence, or a refused key, each say what to do', async () => {
    const bridge = new FakeBridge();
    bridge.answerNext('GET', problem(404, 'Not found', 'No integration for licence L-1001.'));
    const {user} = renderSetup(bridge);
    expect(await screen.findByRole('alert')).toHaveTextContent('The bridge has no integration for licence L-1001. Only the bridge operator can create one');

    bridge.answerNext('GET', problem(403, 'Forbidden', 'This key does not give access to L-1001.'));
    await user.click(screen.getByRole('button', {name: 'Load again'}));
    expect(await screen.findByRole('alert')).toHaveTextContent('The bridge refused the admin key for licence L-1001.');
});

test('a network failure while saving keeps the form and says so', async () => {
    const bridge = new FakeBridge();
    const {user} = renderSetup(bridge);
    await loaded();
    bridge.answerNext('PATCH', 'network');
    await user.type(screen.getByLabelText(/Outgoing webhook token/), 'hook-token');
    await user.click(saveButton());
    expect(await screen.findByRole('alert')).toHaveTextContent(`Not saved: Cannot reach the bridge at ${BRIDGE_URL}.`);
    expect(screen.getByLabelText(/Outgoing webhook token/)).toHaveValue('hook-token');
    expect(saveButton()).toBeEnabled();
});

test('System Console\'s own Save runs the registered save action', async () => {
    const bridge = new FakeBridge();
    let action: (() => Promise<{error?: {message?: string}}>) | null = null;
    const registerSaveAction = jest.fn((a: typeof action) => {
        action = a;
    });
    const unRegisterSaveAction = jest.fn();
    const {user, unmount} = renderSetup(bridge, {registerSaveAction, unRegisterSaveAction});
    await loaded();
    expect(registerSaveAction).toHaveBeenCalledTimes(1);

    let result: {error?: {message?: string}} = {error: {}};
    await act(async () => {
        result = await action!();
    });
    expect(result).toEqual({});
    expect(bridge.calls('PATCH')).toHaveLength(0);

    await user.click(screen.getByRole('radio', {name: /WebSocket/}));
    bridge.answerNext('PATCH', problem(400, 'Invalid settings', '', 'inbound_mode', 'needs a bot token'));
    await act(async () => {
        result = await action!();
    });
    expect(result).toEqual({error: {message: 'How replies reach the bridge: needs a bot token'}});

    await act(async () => {
        result = await action!();
    });
    expect(result).toEqual({});
    expect(bridge.calls('PATCH').map((r) => r.body)).toEqual([{inbound_mode: 'websocket'}, {inbound_mode: 'websocket'}]);
    unmount();
    expect(unRegisterSaveAction).toHaveBeenCalledWith(action);
});

test('read-only when System Console disables the setting', async () => {
    const bridge = new FakeBridge();
    renderSetup(bridge, {disabled: true});
    await loaded();
    expect(screen.getByText('Enable the plugin and save to change these settings.')).toBeInTheDocument();
    expect(screen.getByLabelText('Mattermost server URL')).toBeDisabled();
    expect(screen.getByLabelText('Conversations channel')).toBeDisabled();
    expect(screen.getByRole('button', {name: 'Send test messages'})).toBeDisabled();
});

test('speaks the admin\'s language (Dutch)', async () => {
    const bridge = new FakeBridge();
    render(
        <Provider store={makeStore(makeEntities([], [], {locale: 'nl'}))}>
            <BridgeClientProvider factory={bridge.factory}>
                <IntegrationSetup config={config()}/>
            </BridgeClientProvider>
        </Provider>,
    );
    expect(await screen.findByRole('heading', {name: '1. Authenticatie'})).toBeInTheDocument();
    expect(screen.getByText('Geen niet-opgeslagen wijzigingen.')).toBeInTheDocument();
    expect(await screen.findByLabelText('Gesprekkenkanaal')).toHaveValue('chan-support');
});

test('the actions URL, the /ireserve instructions, its request URL and its write-only token', async () => {
    const bridge = new FakeBridge();
    const {user} = renderSetup(bridge);
    await loaded();
    expect(screen.getByRole('heading', {name: 'Acting on conversations: card buttons and /ireserve'})).toBeInTheDocument();
    expect(screen.getByLabelText('Actions URL')).toHaveValue(`${BRIDGE_URL}/api/v1/mattermost/actions`);
    expect(screen.getByLabelText('Slash command URL')).toHaveValue(`${BRIDGE_URL}/api/v1/mattermost/command`);
    const steps = screen.getByRole('list', {name: 'Create the /ireserve slash command'});
    expect(steps).toHaveTextContent('claim | assign @user | unassign | close | reopen | open | notify | help');
    expect(steps).toHaveTextContent('Trigger word: ireserve');

    await user.type(screen.getByLabelText(/Slash command token/), 'slash-token-1');
    await user.click(saveButton());
    await screen.findByText('Saved.');
    expect(bridge.calls('PATCH')[0]!.body).toEqual({mattermost: {slash_command_token: 'slash-token-1'}});
    expect(screen.getByLabelText(/Slash command token/)).toHaveValue('');
});

test('an older bridge without actions shows no actions block', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({actions_url: undefined, slash_command_url: undefined});
    renderSetup(bridge);
    await loaded();
    expect(screen.queryByText('Slash command URL')).not.toBeInTheDocument();
    expect(screen.queryByRole('heading', {name: /card buttons and \/ireserve/})).not.toBeInTheDocument();
});
