// The retention setting and the erasures list inside the System Console custom setting, against
// the real bridge client over the in-memory bridge (src/testing/fake_bridge.ts).
import {screen, within} from '@testing-library/react';

import {FakeBridge, makeView, problem} from '../../testing/fake_bridge';
import {renderIntegrationSetup} from '../../testing/integration_setup_page';

jest.setTimeout(20_000);

async function renderSetup(bridge: FakeBridge, locale = 'en') {
    const {user} = renderIntegrationSetup(bridge, {locale});
    await screen.findByRole('heading', {name: locale === 'nl' ? 'Gewiste gesprekken' : 'Erasures'});
    return user;
}

const erasures = () => screen.getByRole('region', {name: 'Erasures'});
const retention = () => screen.getByLabelText('Erase closed conversations after (days)');

test('lists erasures with their state, why they were made, and what Mattermost kept and why', async () => {
    const bridge = new FakeBridge();
    bridge.erasures = [
        {conversation_id: 'c-2', status: 'partial', source: 'event', requested_at: '2025-06-03T10:00:00.000Z', completed_at: '2025-06-03T10:00:02.000Z',
            kept: [{what: 'file', id: 'file-1', reason: 'Someone downloaded this file shortly before the erasure.'}]},
        {conversation_id: 'c-1', status: 'in_progress', source: 'retention', requested_at: '2025-06-02T10:00:00.000Z', completed_at: null, kept: []},
    ];
    await renderSetup(bridge);
    const rows = await within(erasures()).findAllByTestId('erasure');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('c-2');
    expect(rows[0]).toHaveTextContent('asked by i-Reserve');
    expect(rows[0]).toHaveTextContent('Done, with exceptions');
    expect(rows[0]).toHaveTextContent('file-1: Someone downloaded this file shortly before the erasure.');
    expect(rows[1]).toHaveTextContent('c-1');
    expect(rows[1]).toHaveTextContent('retention period');
    expect(rows[1]).toHaveTextContent('In progress');
    expect(bridge.calls('GET', '/erasures')).toHaveLength(1);
});

test('a failure to load says why; Refresh reads them again, none yet', async () => {
    const bridge = new FakeBridge();
    bridge.answerNext('GET /erasures', problem(503, 'Unavailable', 'The bridge is restarting.'));
    const user = await renderSetup(bridge);
    expect(await within(erasures()).findByRole('alert')).toHaveTextContent('Erasures could not be loaded: The bridge is restarting.');
    await user.click(within(erasures()).getByRole('button', {name: 'Refresh'}));
    expect(await within(erasures()).findByText('No conversation has been erased.')).toBeInTheDocument();
});

test('retention: shown from the settings, checked in the browser, saved as a number of days or null', async () => {
    const bridge = new FakeBridge();
    bridge.view = makeView({retention_days: 30});
    const user = await renderSetup(bridge);
    expect(retention()).toHaveValue('30');
    await user.clear(retention());
    await user.type(retention(), '0');
    await user.click(screen.getByRole('button', {name: 'Save'}));
    expect(await screen.findByText('Enter a whole number of days from 1 to 3650, or leave it empty.')).toBeInTheDocument();
    expect(bridge.calls('PATCH')).toHaveLength(0);

    await user.clear(retention());
    await user.type(retention(), '90');
    await user.click(screen.getByRole('button', {name: 'Save'}));
    await screen.findByText('Saved.');
    expect(bridge.calls('PATCH')[0]!.body).toEqual({retention_days: 90});

    await user.clear(retention());
    await user.click(screen.getByRole('button', {name: 'Save'}));
    await screen.findAllByText('Saved.');
    expect(bridge.calls('PATCH')[1]!.body).toEqual({retention_days: null});
});
