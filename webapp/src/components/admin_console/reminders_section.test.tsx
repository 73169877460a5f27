// The reminders editor and the waiting status inside the System Console custom setting, against
// the real bridge client over the in-memory bridge (src/testing/fake_bridge.ts).
import {screen, waitFor, within} from '@testing-library/react';

import {FakeBridge, makeView, problem} from '../../testing/fake_bridge';
import {renderIntegrationSetup} from '../../testing/integration_setup_page';

jest.setTimeout(20_000);

async function renderSetup(bridge: FakeBridge, locale = 'en') {
    const {user} = renderIntegrationSetup(bridge, {locale});
    await screen.findByRole('heading', {name: locale === 'nl' ? 'Herinneringen voor wachtende gasten' : 'Reminders for waiting guests'});
    return user;
}

const save = () => screen.getByRole('button', {name: 'Save'});
const section = () => screen.getByRole('region', {name: 'Reminders for waiting guests'});

test('off by default; the admin adds thresholds in minutes and seconds, picks the channel and quiet hours, and exactly that is saved', async () => {
    const bridge = new FakeBridge();
    const user = await renderSetup(bridge);
    expect(within(section()).getByText('No reminders: nobody is reminded of waiting guests.')).toBeInTheDocument();
    expect(within(section()).queryByRole('radio')).not.toBeInTheDocument();

    await user.click(within(section()).getByRole('button', {name: 'Add a reminder'}));
    expect(screen.getByLabelText('Reminder 1')).toHaveValue('5');
    expect(screen.getByLabelText('Unit of reminder 1')).toHaveValue('minutes');
    await user.click(within(section()).getByRole('button', {name: 'Add a reminder'}));
    expect(screen.getByLabelText('Reminder 2')).toHaveValue('10');
    await user.clear(screen.getByLabelText('Reminder 2'));
    await user.type(screen.getByLabelText('Reminder 2'), '900');
    await user.selectOptions(screen.getByLabelText('Unit of reminder 2'), 'seconds');
    await user.click(screen.getByRole('radio', {name: /The channel/}));

    await user.click(screen.getByRole('switch', {name: 'Quiet hours'}));
    const zone = screen.getByLabelText('Time zone');
    // The browser's own zone to start with, and the zones it knows to choose from.
    expect(zone).toHaveValue(Intl.DateTimeFormat().resolvedOptions().timeZone);
    const list = document.getElementById(zone.getAttribute('list')!)!;
    expect(list.tagName).toBe('DATALIST');
    expect([...list.querySelectorAll('option')].map((o) => o.value)).toContain('Europe/Amsterdam');
    await user.clear(zone);
    await user.type(zone, 'Europe/Amsterdam');
    await user.clear(screen.getByLabelText('Until'));
    await user.type(screen.getByLabelText('Until'), '07:30');
    expect(screen.getByLabelText('From')).toHaveValue('22:00');

    await user.click(save());
    await screen.findByText('Saved.');
    expect(bridge.calls('PATCH')[0]!.body).toEqual({
        reminders: {after_seconds: [300, 900], notify: 'channel', quiet_hours: {timezone: 'Europe/Amsterdam', from: '22:00', to: '07:30'}},
    });
    // The form shows what the bridge saved: 900 s reads as 15 minutes now.
    expect(screen.getByLabelText('Reminder 2')).toHaveValue('15');
    expect(screen.getByLabelText('Unit of reminder 2')).toHaveValue('minutes');
});

test('at most 5 thresholds; removing all of them turns reminders off', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({reminders: {after_seconds: [60, 120, 240, 480, 960], notify: 'assignee'}});
    const user = await renderSetup(bridge);
    expect(within(section()).getAllByTestId('reminder-threshold')).toHaveLength(5);
    expect(within(section()).getByRole('button', {name: 'Add a reminder'})).toBeDisabled();
    for (let n = 5; n >= 1; n--) {
        await user.click(within(section()).getByRole('button', {name: `Remove reminder ${n}`}));
    }
    await user.click(save());
    await screen.findByText('Saved.');
    expect(bridge.calls('PATCH')[0]!.body).toEqual({reminders: {after_seconds: [], notify: 'assignee'}});
    expect(bridge.view.reminders).toBeUndefined();
    expect(within(section()).getByText('No reminders: nobody is reminded of waiting guests.')).toBeInTheDocument();
});

test('checked in the browser first: plain messages at the fields, focus on the first, nothing sent', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({reminders: {after_seconds: [600], notify: 'assignee', quiet_hours: {timezone: 'Europe/Amsterdam', from: '22:00', to: '08:00'}}});
    const user = await renderSetup(bridge);
    await user.click(within(section()).getByRole('button', {name: 'Add a reminder'}));
    await user.clear(screen.getByLabelText('Reminder 2'));
    await user.type(screen.getByLabelText('Reminder 2'), '5');
    await user.click(within(section()).getByRole('button', {name: 'Add a reminder'}));
    await user.clear(screen.getByLabelText('Reminder 3'));
    await user.type(screen.getByLabelText('Reminder 3'), '8');
    await user.selectOptions(screen.getByLabelText('Unit of reminder 3'), 'seconds');
    await user.clear(screen.getByLabelText('Time zone'));
    await user.type(screen.getByLabelText('Time zone'), 'Europe/Atlantis');
    await user.clear(screen.getByLabelText('From'));
    await user.type(screen.getByLabelText('From'), '10pm');
    await user.click(save());

    expect(screen.getByLabelText('Reminder 2')).toHaveAccessibleDescription('Must be later than the reminder before it.');
    expect(screen.getByLabelText('Reminder 2')).toHaveFocus();
    expect(screen.getByLabelText('Reminder 3')).toHaveAccessibleDescription('Must be at least 10 seconds.');
    expect(screen.getByLabelText('Time zone')).toHaveAccessibleDescription(/Not a time zone this browser knows/);
    expect(screen.getByLabelText('From')).toHaveAccessibleDescription(/Enter a time like 08:00/);
    expect(screen.getByLabelText('Until')).not.toHaveAttribute('aria-invalid');
    expect(screen.getByRole('alert')).toHaveTextContent('Correct the fields marked above, then save.');
    expect(bridge.calls('PATCH')).toHaveLength(0);

    // Editing a reminder clears the reminders' errors.
    await user.clear(screen.getByLabelText('Reminder 2'));
    await user.type(screen.getByLabelText('Reminder 2'), '15');
    expect(screen.getByLabelText('Reminder 2')).not.toHaveAttribute('aria-invalid');
});

test('the bridge\'s 400 problem+json is shown against the field it names; what was typed stays', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({reminders: {after_seconds: [300], notify: 'assignee'}});
    const user = await renderSetup(bridge);
    await user.click(screen.getByRole('switch', {name: 'Quiet hours'}));
    await user.clear(screen.getByLabelText('Time zone'));
    await user.type(screen.getByLabelText('Time zone'), 'Europe/Amsterdam');
    bridge.answerNext('PATCH', problem(400, 'Invalid settings', '', 'reminders.quiet_hours.timezone', 'is not a known IANA time zone (like "Europe/Amsterdam")'));
    await user.click(save());

    const zone = screen.getByLabelText('Time zone');
    await waitFor(() => expect(zone).toHaveAttribute('aria-invalid', 'true'));
    expect(zone).toHaveAccessibleDescription('An IANA time zone, like Europe/Amsterdam. is not a known IANA time zone (like "Europe/Amsterdam")');
    expect(zone).toHaveFocus();
    expect(zone).toHaveValue('Europe/Amsterdam');
    expect(screen.getByRole('alert')).toHaveTextContent('Not saved: Quiet hours: Time zone: is not a known IANA time zone (like "Europe/Amsterdam").');

    bridge.answerNext('PATCH', problem(400, 'Invalid settings', '', 'reminders.after_seconds.0', 'must be at most 604800 seconds (7 days)'));
    await user.click(save());
    const first = screen.getByLabelText('Reminder 1');
    await waitFor(() => expect(first).toHaveAccessibleDescription('must be at most 604800 seconds (7 days)'));
    expect(first).toHaveFocus();
});

test('the status shows the guests waiting now and the longest wait beside the deliveries', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({status: {queue_depth: 2, waiting: {count: 3, longest_seconds: 3900}}});
    await renderSetup(bridge);
    expect(screen.getByTestId('status-queue')).toHaveTextContent('2');
    expect(screen.getByTestId('status-waiting')).toHaveTextContent('3');
    expect(screen.getByTestId('status-longest-wait')).toHaveTextContent('1 hr 5 min');
});

test('nobody waiting: the longest wait reads None', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({status: {waiting: {count: 0, longest_seconds: 0}}});
    await renderSetup(bridge);
    expect(screen.getByTestId('status-waiting')).toHaveTextContent('0');
    expect(screen.getByTestId('status-longest-wait')).toHaveTextContent('None');
});

test('an older bridge without the waiting figures: the rows are left out', async () => {
    await renderSetup(new FakeBridge());
    expect(screen.getByTestId('status-queue')).toBeInTheDocument();
    expect(screen.queryByTestId('status-waiting')).not.toBeInTheDocument();
});

test('Dutch', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({reminders: {after_seconds: [300], notify: 'assignee'}, status: {waiting: {count: 1, longest_seconds: 7 * 60}}});
    await renderSetup(bridge, 'nl');
    expect(screen.getByLabelText('Herinnering 1')).toHaveValue('5');
    expect(screen.getByRole('radio', {name: /De behandelaar/})).toBeChecked();
    expect(screen.getByText('Gasten die op antwoord wachten')).toBeInTheDocument();
    expect(screen.getByTestId('status-longest-wait')).toHaveTextContent('7 min');
});
