// Routing in the set-up (DESIGN §13): the ordered routes editor — add, fill, choose a channel, move,
// remove — what goes to the bridge on the page's Save, the browser's checks, the bridge's 400 shown
// at the field it names, and the Test report per route.
import {screen, waitFor, within} from '@testing-library/react';

import {FakeBridge, makeChannel, makeView, problem} from '../../testing/fake_bridge';
import {renderIntegrationSetup} from '../../testing/integration_setup_page';

import {fieldKeyForProblem, formFromView, patchFrom} from './integration_form';
import {moveRoute, routeFieldKey, routesPatch, validateRoutes} from './routes_form';

// Long user-event sequences over the whole set-up on a busy machine (as in integration_setup.test.tsx).
jest.setTimeout(30_000);

const renderSetup = (bridge: FakeBridge) => renderIntegrationSetup(bridge).user;

async function loaded() {
    await screen.findByRole('heading', {name: 'Routing'});
    await waitFor(() => expect(screen.queryByText('Loading the bot\'s channels…')).not.toBeInTheDocument());
}

const saveButton = () => screen.getByRole('button', {name: 'Save'});
const routes = () => screen.queryAllByTestId('route');

function withChannels(bridge: FakeBridge): FakeBridge {
    bridge.channels = [
        makeChannel('chan-support', 'Support', {selected: true}),
        makeChannel('chan-dunes', 'Dunes Park'),
        makeChannel('chan-dutch', 'Nederlands'),
    ];
    return bridge;
}

test('adds two routes, fills them, reorders, and sends the ordered list with the tokens typed', async () => {
    const bridge = withChannels(new FakeBridge());
    const user = renderSetup(bridge);
    await loaded();
    expect(screen.getByText('No routes: every conversation goes to the conversations channel.')).toBeInTheDocument();

    await user.click(screen.getByRole('button', {name: 'Add a route'}));
    await user.click(screen.getByRole('button', {name: 'Add a route'}));
    expect(routes()).toHaveLength(2);
    const [first, second] = routes();
    await user.type(within(first!).getByLabelText('Inbox'), 'Dunes Park');
    await user.selectOptions(within(first!).getByLabelText('Channel'), 'chan-dunes');
    await user.type(within(first!).getByLabelText(/Outgoing webhook token of this channel/), 'hook-dunes');
    await user.type(within(second!).getByLabelText('Language'), 'nl');
    await user.type(within(second!).getByLabelText('Page URL starts with'), 'https://park.example/nl/');
    await user.selectOptions(within(second!).getByLabelText('Channel'), 'chan-dutch');

    // The second becomes the first.
    await user.click(screen.getByRole('button', {name: 'Move route 2 up'}));
    expect(within(routes()[0]!).getByLabelText('Language')).toHaveValue('nl');
    expect(screen.getByRole('button', {name: 'Move route 1 up'})).toBeDisabled();
    expect(screen.getByRole('button', {name: 'Move route 2 down'})).toBeDisabled();

    await user.click(saveButton());
    await waitFor(() => expect(bridge.calls('PATCH')).toHaveLength(1));
    expect((bridge.calls('PATCH')[0]!.body as {routes: unknown}).routes).toEqual([
        {locale: 'nl', page_url_prefix: 'https://park.example/nl/', channel_id: 'chan-dutch'},
        {inbox: 'Dunes Park', channel_id: 'chan-dunes', outgoing_webhook_token: 'hook-dunes'},
    ]);
    // Saved: the token is write-only, shown as set, never as text.
    await waitFor(() => expect(within(routes()[1]!).getByText('Set')).toBeInTheDocument());
    expect(within(routes()[1]!).getByLabelText(/Outgoing webhook token of this channel/)).toHaveValue('');

    // Removing the first and saving sends the one left.
    await user.click(screen.getByRole('button', {name: 'Remove route 1'}));
    await user.click(saveButton());
    await waitFor(() => expect(bridge.calls('PATCH')).toHaveLength(2));
    expect((bridge.calls('PATCH')[1]!.body as {routes: unknown}).routes).toEqual([{inbox: 'Dunes Park', channel_id: 'chan-dunes'}]);
});

test('the browser\'s checks name the route field; nothing is sent until they pass', async () => {
    const bridge = withChannels(new FakeBridge());
    const user = renderSetup(bridge);
    await loaded();
    await user.click(screen.getByRole('button', {name: 'Add a route'}));
    await user.click(saveButton());
    expect(await screen.findByText('Fill in at least one of inbox, language or page URL: a route must match something.')).toBeInTheDocument();
    expect(screen.getByText('Choose the channel for this route.')).toBeInTheDocument();
    expect(bridge.calls('PATCH')).toHaveLength(0);

    const route = routes()[0]!;
    await user.type(within(route).getByLabelText('Page URL starts with'), 'park.example/nl');
    await user.type(within(route).getByLabelText('Language'), 'n');
    await user.selectOptions(within(route).getByLabelText('Channel'), 'chan-dutch');
    await user.click(saveButton());
    expect(await screen.findByText('Enter an http(s) address, like https://www.example.com/nl/.')).toBeInTheDocument();
    expect(screen.getByText('Enter a language code, like nl or nl-BE.')).toBeInTheDocument();
    expect(within(route).getByLabelText('Language')).toHaveAttribute('aria-invalid', 'true');
    expect(bridge.calls('PATCH')).toHaveLength(0);
});

test('the bridge\'s 400 is shown on the route field it names', async () => {
    const bridge = withChannels(new FakeBridge());
    const user = renderSetup(bridge);
    await loaded();
    await user.click(screen.getByRole('button', {name: 'Add a route'}));
    await user.type(within(routes()[0]!).getByLabelText('Inbox'), 'Beach');
    await user.selectOptions(within(routes()[0]!).getByLabelText('Channel'), 'chan-dunes');
    bridge.answerNext('PATCH', problem(400, 'Invalid settings', '', 'routes.0.channel_id', 'the bot cannot see this channel'));
    await user.click(saveButton());
    const channel = within(routes()[0]!).getByLabelText('Channel');
    await waitFor(() => expect(channel).toHaveAttribute('aria-invalid', 'true'));
    expect(within(routes()[0]!).getByText('the bot cannot see this channel')).toBeInTheDocument();
    expect(screen.getByText(/Route 1: Channel: the bot cannot see this channel/)).toBeInTheDocument();
    await waitFor(() => expect(channel).toHaveFocus());
});

test('the Test report names each route and each channel\'s inbound probe', async () => {
    const bridge = withChannels(new FakeBridge());
    bridge.view = makeView({routes: [{inbox: 'Dunes Park', channel_id: 'chan-dunes', outgoing_webhook_token_set: false}]});
    bridge.testResults = [
        {channel_id: 'chan-support', purpose: 'mirror', target: 'channel', ok: true, message: 'Posted a test message to ~support.'},
        {channel_id: 'chan-dunes', purpose: 'route:0', target: 'channel', ok: true, message: 'Posted a test message to ~dunes-park.'},
    ];
    bridge.inboundResult = {
        mode: 'outgoing_webhook', ok: false, dry_run: false, cause: 'no_webhook_token', message: 'No outgoing-webhook token is saved for the channel of route 1.',
        channels: [
            {channel_id: 'chan-support', purpose: 'mirror', ok: true, message: 'The probe came back.'},
            {channel_id: 'chan-dunes', purpose: 'route:0', ok: false, cause: 'no_webhook_token', message: 'No outgoing-webhook token is saved for the channel of route 1.'},
        ],
    };
    const user = renderSetup(bridge);
    await loaded();
    expect(routes()).toHaveLength(1);
    await user.click(screen.getByRole('button', {name: 'Send test messages'}));
    const results = await screen.findAllByTestId('test-result');
    expect(results.map((result) => result.textContent)).toEqual([
        expect.stringContaining('Conversations — Holiday Park / Support'),
        expect.stringContaining('Route 1 — Holiday Park / Dunes Park'),
    ]);
    const probes = screen.getAllByTestId('inbound-channel-result');
    expect(probes).toHaveLength(2);
    expect(probes[1]).toHaveTextContent('Route 1 — Holiday Park / Dunes Park');
    expect(probes[1]).toHaveClass('irsv-admin__result--failed');
});

describe('the routes as data', () => {
    const view = makeView({routes: [
        {inbox: 'Dunes Park', channel_id: 'chan-dunes', outgoing_webhook_token_set: true},
        {page_url_prefix: 'https://park.example/nl/', channel_id: 'chan-dutch', outgoing_webhook_token_set: false},
    ]});

    test('round-trips the saved routes: nothing to send until something changes (a prefix compared normalised)', () => {
        const form = formFromView(view, 'https://chat.example.com');
        expect(form.routes.map((route) => [route.inbox, route.pageUrlPrefix, route.channelId, route.tokenSet])).toEqual([
            ['Dunes Park', '', 'chan-dunes', true],
            ['', 'https://park.example/nl/', 'chan-dutch', false],
        ]);
        expect(patchFrom(form, view)).toBeNull();
        const host = form.routes.map((route, i) => (i === 1 ? {...route, pageUrlPrefix: 'https://PARK.example/nl/'} : route));
        expect(routesPatch(host, view)).toBeUndefined();
        expect(routesPatch(moveRoute(form.routes, 1, 0), view)?.map((route) => route.channel_id)).toEqual(['chan-dutch', 'chan-dunes']);
        expect(routesPatch([], view)).toEqual([]);
    });

    test('checks with the bridge\'s limits', () => {
        const form = formFromView(view, 'https://chat.example.com');
        const many = Array.from({length: 51}, () => ({...form.routes[0]!}));
        const messages = {channelRequired: 'channel', matchRequired: 'match', prefixInvalid: 'prefix', localeInvalid: 'locale', inboxTooLong: 'max {max}', tooMany: 'at most {max}'};
        expect(validateRoutes(many, messages).routes).toBe('at most 50');
        expect(validateRoutes([{...form.routes[0]!, inbox: 'x'.repeat(101)}], messages)).toEqual({'route:0:inbox': 'max 100'});
        expect(validateRoutes([{...form.routes[0]!, inbox: '', channelId: ''}], messages)).toEqual({'route:0:match': 'match', 'route:0:channelId': 'channel'});
    });

    test('maps the bridge\'s field paths to the route fields', () => {
        expect(routeFieldKey('routes.2.channel_id')).toBe('route:2:channelId');
        expect(routeFieldKey('routes.1')).toBe('route:1:match');
        expect(routeFieldKey('routes.0.page_url_prefix')).toBe('route:0:pageUrlPrefix');
        expect(routeFieldKey('routes.0.outgoing_webhook_token')).toBe('route:0:token');
        expect(routeFieldKey('routes')).toBe('routes');
        expect(routeFieldKey('reminders')).toBeNull();
        expect(fieldKeyForProblem('routes.3.inbox')).toBe('route:3:inbox');
    });
});
