// System Console in a real browser: the BUILT plugin bundle (webapp/dist/main.js) in headless
// Chromium, inside the harness page with its System Console frame (harness/public/admin_console.js)
// mounting the registered `IntegrationSetup` custom setting with a config holding the Bridge URL,
// licence and admin key. The setting's screens are a chunk main.js downloads from
// /plugins/<id>/public/ when it first renders: the first download is made to fail (offline), the
// admin presses Retry. The setting talks to a real bridge on 127.0.0.1 (another origin, allowed
// by BRIDGE_CORS_ORIGINS), and the bridge to the Mattermost stand-in. The admin fills both screens,
// saves with the page's Save (System Console's save semantics: see admin_console.js), sets reminders
// for waiting guests, presses Test (one channel works, one has lost the bot), replays a failed delivery, and a
// screenshot is saved to test/artifacts/admin_console.png.
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import {chromium, type BrowserContext, type Locator, type Page} from 'playwright-core';

import {signedHeaders} from '../../server-bridge/src/crypto/standard_webhooks.js';
import {ADMIN_TOKEN, startBridge, type RunningBridge} from '../../server-bridge/test/support/bridge_harness.js';
import {MattermostStandIn, pollUntil, type Seed} from '../standins/mattermost/index.js';

import {ensureBundle} from './harness/bundle.js';
import {startHarness, type Harness} from './harness/server.js';
import {repoRoot} from './harness/vendor.js';

const LICENCE = 'L-1001';
const PUBLIC_URL = 'https://bridge.holiday-park.example';
const artifacts = join(repoRoot, 'test', 'artifacts');
const pluginJson = JSON.parse(readFileSync(join(repoRoot, 'plugin.json'), 'utf8')) as {id: string; name: string; settings_schema: unknown};

/** What host.js and admin_console.js expose to this test (agent_ui.test.ts types the rest). */
type AdminHarness = {
    registered: {calls: string[]};
    openAdminConsole(options: {pluginId: string; pluginName: string; schema: unknown; config: unknown}): Promise<void>;
    adminConsole: {saveNeeded: boolean; navigationBlocked: boolean; page: string; saves: number};
};


async function bridgeApi(method: string, path: string, body?: unknown): Promise<{status: number; body: any}> {
    const response = await fetch(new URL(path, running.url), {
        method,
        headers: {authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : {'content-type': 'application/json'})},
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {status: response.status, body: text ? JSON.parse(text) : undefined};
}

let standIn: MattermostStandIn;
let seed: Seed;
let arrivals: {id: string};
let running: RunningBridge;
let harness: Harness;
let context: BrowserContext;
let page: Page;
let profileDir: string;
let signingSecret = '';
const pageErrors: string[] = [];

const bridgePatches: string[] = [];
const setup = () => page.getByTestId('ireserve-integration-setup');
const pageSave = () => page.getByTestId('admin-console-save');
const consoleState = () => page.evaluate(() => (window as unknown as {harness: AdminHarness}).harness.adminConsole);
const field = (label: string | RegExp) => setup().getByLabel(label, {exact: typeof label === 'string'});

async function selectedText(select: Locator): Promise<string> {
    return select.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');
}

before(async () => {
    ensureBundle();
    mkdirSync(artifacts, {recursive: true});

    standIn = await MattermostStandIn.start();
    seed = standIn.seedDefault();
    arrivals = standIn.createChannel({team_id: seed.team.id, name: 'arrivals', display_name: 'Arrivals', creator_id: seed.admin.user.id});
    for (const user of [seed.admin.user, seed.agent.user, seed.bot.user]) {
        standIn.addChannelMember(arrivals.id, user.id);
    }

    harness = await startHarness({mattermostUrl: standIn.url});
    running = await startBridge({env: {BRIDGE_CORS_ORIGINS: harness.origin, BRIDGE_PUBLIC_URL: PUBLIC_URL}});

    // The bridge operator creates the integration and hands the admin key to the Mattermost admin.
    const created = await bridgeApi('PUT', `/api/v1/integrations/${LICENCE}`, {
        mattermost: {server_url: standIn.url, bot_token: seed.bot.token},
        channel_id: seed.channel.id,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    signingSecret = created.body.signing_secret;

    profileDir = mkdtempSync(join(tmpdir(), 'ireserve-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
        executablePath: '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: {width: 1360, height: 1000},
        locale: 'en-GB',
    });
    page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (request) => {
        if (request.method() === 'PATCH' && request.url().startsWith(running.url)) {
            bridgePatches.push(request.postData() ?? '');
        }
    });
    page.on('console', (msg) => {
        if (msg.type() === 'error') {
            pageErrors.push(`${msg.text()} ${msg.location().url}`);
        }
    });
    await page.goto(harness.pageUrl);
    // The first download of the System Console chunk fails as if the network were down.
    await page.route(`**/plugins/${pluginJson.id}/public/admin_console.*`, (route) => route.abort('internetdisconnected'), {times: 1});
    await page.addStyleTag({url: '/harness/admin_console.css'});
    await page.addScriptTag({url: '/harness/admin_console.js'});
    await page.evaluate((options) => (window as unknown as {harness: AdminHarness}).harness.openAdminConsole(options), {
        pluginId: pluginJson.id,
        pluginName: pluginJson.name,
        schema: pluginJson.settings_schema,
        config: {
            ServiceSettings: {SiteURL: harness.origin},
            PluginSettings: {Plugins: {[pluginJson.id]: {bridgeurl: running.url, licence: LICENCE, adminkey: created.body.admin_key}}},
        },
    });
});

after(async () => {
    await context?.close();
    await running?.close();
    await harness?.close();
    await standIn?.close();
    if (profileDir) {
        rmSync(profileDir, {recursive: true, force: true});
    }
});

describe('System Console set-up in the browser', {timeout: 5 * 60_000}, () => {
    test('the bundle registers the IntegrationSetup custom setting', async () => {
        const calls = await page.evaluate(() => (window as unknown as {harness: AdminHarness}).harness.registered.calls);
        assert.ok(calls.includes('registerAdminConsoleCustomSetting:IntegrationSetup'), calls.join(', '));
    });

    test('the screens come as a chunk from /plugins/<id>/public/: a failed download says why and Retry loads them', async () => {
        const failure = page.getByRole('alert').filter({hasText: 'did not download'});
        await failure.waitFor();
        const text = await failure.textContent() ?? '';
        assert.match(text, /^Could not load: the integration set-up did not download from this Mattermost server \(Loading chunk \S+ failed\./);
        assert.ok(text.includes(`${harness.origin}/plugins/${pluginJson.id}/public/admin_console.`), text);
        assert.equal(await setup().count(), 0);
        // (The page's App Bar icon also comes from public/: only the chunk's downloads count here.)
        const chunkRequests = () => harness.publicRequests.filter((r) => !r.path.endsWith('/app-bar-icon.svg'));
        assert.equal(chunkRequests().length, 0, 'the aborted download never reached the server');

        await failure.getByRole('button', {name: 'Try again'}).click();
        await setup().waitFor();
        assert.equal(chunkRequests().length, 1, JSON.stringify(harness.publicRequests));
        assert.match(chunkRequests()[0]!.path, new RegExp(`^/plugins/${pluginJson.id.replace(/\./g, '\\.')}/public/admin_console\\.[0-9a-f]{8}\\.js$`));
        assert.equal(chunkRequests()[0]!.status, 200);
    });

    test('loads the operator-created integration from the bridge across origins', async () => {
        await setup().getByRole('heading', {name: '1. Authentication'}).waitFor();
        assert.equal(await field('Mattermost server URL').inputValue(), standIn.url);
        assert.equal(await field(/^Bot access token/).inputValue(), '');
        assert.equal(await field(/^Bot access token/).getAttribute('placeholder'), 'Leave empty to keep the saved token');
        assert.equal(await field('Inbound webhook URL').inputValue(), `${PUBLIC_URL}/api/v1/mattermost/outgoing-webhook`);
        const channel = field('Conversations channel');
        await pollUntil(async () => (await channel.locator('option').count()) > 3, {what: 'the bot\'s channels in the dropdown'});
        assert.equal(await channel.inputValue(), seed.channel.id);
        assert.equal(await selectedText(channel), 'Support');
        const options = await channel.locator('option').allTextContents();
        for (const name of ['Support', 'Support (private) (private)', 'Bookings', 'Arrivals']) {
            assert.ok(options.includes(name), `option ${name} in ${options.join(' | ')}`);
        }
        assert.equal(await setup().getByTestId('status-state').textContent(), 'Working');
    });

    test('fills both screens and saves them to the bridge with the page\'s Save', async () => {
        assert.equal(await setup().getByRole('button', {name: /Save integration settings/}).count(), 0, 'no Save of its own');
        assert.equal(await pageSave().isDisabled(), true);
        const hook = standIn.createIncomingWebhook({channel_id: seed.notification_channel.id, display_name: 'Payments'});
        await field(/^Outgoing webhook token/).fill('outgoing-hook-token-1234');
        await field('Booking confirmed').selectOption(seed.notification_channel.id);
        await field('Arrival today').selectOption(arrivals.id);
        await field('Payment received').selectOption({label: 'Incoming webhook URL…'});
        await field('Incoming webhook URL for Payment received').fill(hook.url);
        await setup().getByRole('radio', {name: /Only replies sent with the i-Reserve panel/}).check();
        await setup().getByText('You have unsaved changes. Save them with Save at the bottom of the page.').waitFor();

        // The edits marked the page unsaved (setSaveNeeded): Save enabled, navigation blocked.
        assert.deepEqual(await consoleState(), {saveNeeded: true, navigationBlocked: true, page: 'plugin', saves: 0});
        await pageSave().click();
        await setup().getByText('Saved.', {exact: true}).waitFor();
        await pollUntil(async () => (await consoleState()).navigationBlocked === false, {what: 'navigation unblocked after the save'});
        assert.equal(await pageSave().isDisabled(), true);
        assert.equal(bridgePatches.length, 1, 'one PATCH to the bridge');

        assert.equal(await field(/^Outgoing webhook token/).inputValue(), '');
        assert.equal(await setup().locator('.irsv-admin__pill--set').count(), 2, 'both tokens show "Set"');
        const saved = await bridgeApi('GET', `/api/v1/integrations/${LICENCE}`);
        assert.equal(saved.body.mattermost.outgoing_webhook_token_set, true);
        assert.equal(saved.body.relay_mode, 'composer_only');
        assert.deepEqual(saved.body.notification_channels, {
            'booking.confirmed': seed.notification_channel.id,
            'booking.changed': '',
            'booking.cancelled': '',
            'payment.received': hook.url,
            'arrival.today': arrivals.id,
        });
        assert.ok(!JSON.stringify(saved.body).includes('outgoing-hook-token-1234'), 'the token never comes back');
    });

    test('a bad field is shown at the field and at the top of the set-up; the page stays unsaved and blocks leaving', async () => {
        await field(/^Bot access token/).fill('not-a-valid-token');
        await field('Booking changed').selectOption(seed.notification_channel.id);
        await pageSave().click();
        const error = setup().locator('#irsv-setup-botToken-error');
        await error.waitFor();
        assert.match(await error.textContent() ?? '', /token rejected/);
        assert.equal(await field(/^Bot access token/).inputValue(), 'not-a-valid-token');
        assert.equal(await field('Booking changed').inputValue(), seed.notification_channel.id);
        // The set-up's message is its first content: the admin sees it at the top of the set-up.
        const top = setup().locator('.irsv-admin__bar').first();
        assert.match(await top.getByRole('alert').textContent() ?? '', /^Not saved: Bot access token: token rejected/);
        // Like Mattermost, the page shows no message of its own for a failed save action.
        assert.equal(await page.locator('.admin-save-error').count(), 0);
        await pollUntil(async () => (await pageSave().isEnabled()), {what: 'Save enabled again after the failed save'});
        assert.equal((await consoleState()).navigationBlocked, true);
        await page.screenshot({path: join(artifacts, 'admin_console_field_error.png')});

        // Leaving is blocked: the page asks to discard; the admin stays.
        await page.getByRole('navigation', {name: 'System Console'}).getByText('Plugin Management').click();
        const dialog = page.getByRole('dialog', {name: 'Discard Changes?'});
        await dialog.waitFor();
        await dialog.getByRole('button', {name: 'Cancel'}).click();
        assert.equal((await consoleState()).page, 'plugin');
    });

    test('edits undone: Save sends nothing to the bridge and leaving is free again', async () => {
        const before = bridgePatches.length;
        await field(/^Bot access token/).fill('');
        await field('Booking changed').selectOption('');
        await setup().getByText('No unsaved changes.').waitFor();
        assert.equal(await pageSave().isEnabled(), true, 'the page still needs its Save');
        await pageSave().click();
        await pollUntil(async () => (await consoleState()).navigationBlocked === false, {what: 'navigation unblocked'});
        assert.equal(bridgePatches.length, before, 'nothing sent');
        assert.equal(await setup().getByRole('alert').count(), 0, 'the earlier error is gone');

        // Leave without a question, and come back: the set-up loads the saved integration again.
        await page.getByRole('navigation', {name: 'System Console'}).getByText('Plugin Management').click();
        assert.equal(await page.getByRole('dialog').count(), 0);
        assert.equal((await consoleState()).page, 'management');
        await page.getByRole('navigation', {name: 'System Console'}).getByText(pluginJson.name).click();
        await setup().getByRole('heading', {name: '1. Authentication'}).waitFor();
        await pollUntil(async () => (await field('Conversations channel').locator('option').count()) > 3, {what: 'the channels again'});
    });

    test('reminders for waiting guests: saved to the bridge; a threshold the bridge refuses is named at that field', async () => {
        const reminders = setup().getByRole('region', {name: 'Reminders for waiting guests'});
        assert.equal(await reminders.getByText('No reminders: nobody is reminded of waiting guests.').count(), 1, 'off by default');
        await reminders.getByRole('button', {name: 'Add a reminder'}).click();
        await reminders.getByRole('button', {name: 'Add a reminder'}).click();
        assert.equal(await field('Reminder 1').inputValue(), '5');
        await reminders.getByRole('radio', {name: /The channel/}).check();
        await reminders.getByRole('switch', {name: 'Quiet hours'}).click();
        await field('Time zone').fill('Europe/Amsterdam');
        assert.equal(await field('From').inputValue(), '22:00');
        // Beyond what the browser checks: the bridge's own limit on a threshold (a week).
        await field('Reminder 2').fill('20000');
        await pageSave().click();
        const error = setup().locator('#irsv-setup-reminder-threshold-1-error');
        await error.waitFor();
        assert.match(await setup().locator('.irsv-admin__bar').first().getByRole('alert').textContent() ?? '', /^Not saved: Reminder 2: /);
        assert.equal(await field('Reminder 2').getAttribute('aria-invalid'), 'true');
        assert.equal((await bridgeApi('GET', `/api/v1/integrations/${LICENCE}`)).body.reminders, undefined, 'nothing saved');

        await field('Reminder 2').fill('15');
        await pageSave().click();
        await setup().getByText('Saved.', {exact: true}).waitFor();
        const saved = await bridgeApi('GET', `/api/v1/integrations/${LICENCE}`);
        assert.deepEqual(saved.body.reminders, {after_seconds: [300, 900], notify: 'channel', quiet_hours: {timezone: 'Europe/Amsterdam', from: '22:00', to: '08:00'}});
        // The status reports the guests waiting now beside the deliveries.
        assert.equal(await setup().getByTestId('status-waiting').textContent(), '0');
        assert.equal(await setup().getByTestId('status-longest-wait').textContent(), 'None');
    });

    test('Test: the working channels get a sample post, the one the bot left says how to fix it', async () => {
        // Someone removes the bot from Arrivals after the set-up.
        assert.ok(standIn.removeChannelMember(arrivals.id, seed.bot.user.id));
        const before = standIn.channelPosts(seed.channel.id).length;

        await setup().getByRole('button', {name: 'Send test messages'}).click();
        const results = setup().getByTestId('test-result');
        await pollUntil(async () => (await results.count()) === 4, {what: 'four test results', timeoutMs: 15_000});
        const texts = await results.allTextContents();
        assert.match(texts[0]!, /^✓Conversations — holiday-park \/ Support/);
        assert.match(texts[0]!, /OK: Posted a test message to ~support\. View the test post$/);
        assert.match(texts[1]!, /^✓Notification: Booking confirmed — holiday-park \/ Bookings/);
        assert.match(texts[2]!, /^✓Notification: Payment received — incoming webhook/);
        assert.match(texts[3]!, /^✕Notification: Arrival today — holiday-park \/ Arrivals/);
        assert.match(texts[3]!, /The bot is not a member of this channel: The bot @ireserve-bot is not a member of ~arrivals \(Mattermost answered 403\)\. In Mattermost, open ~arrivals and add the bot \(type \/invite @ireserve-bot in the channel\)/);
        assert.equal(await setup().getByText('1 of 4 channels need attention.').count(), 1);

        const link = await results.nth(0).getByRole('link', {name: 'View the test post'}).getAttribute('href');
        const sample = standIn.channelPosts(seed.channel.id).at(-1)!;
        assert.equal(standIn.channelPosts(seed.channel.id).length, before + 1);
        assert.equal(link, `${standIn.url}/holiday-park/pl/${sample.id}`);

        // The channel list is fetched again: Arrivals is now flagged in its dropdown.
        await pollUntil(async () => (await selectedText(field('Arrival today'))) === 'Arrivals (the bot has left this channel)', {what: 'Arrivals flagged as left'});
    });

    test('a failed delivery is listed with its reason and replayed with Retry', async () => {
        // i-Reserve sends an arrivals notification while the bot is not in the channel: parked as failed.
        const body = JSON.stringify({type: 'notification', data: {notification_type: 'arrival.today', title: 'Arrivals today', text: '3 families arrive today.'}});
        const response = await fetch(new URL(`/api/v1/licences/${LICENCE}/events`, running.url), {
            method: 'POST',
            headers: {'content-type': 'application/json', ...signedHeaders(signingSecret, `evt-${randomUUID()}`, Math.floor(Date.now() / 1000), body)},
            body,
        });
        assert.equal(response.status, 202, await response.text());
        await pollUntil(async () => (await bridgeApi('GET', `/api/v1/integrations/${LICENCE}/deliveries?status=failed`)).body.deliveries.length === 1, {what: 'the delivery parked as failed', timeoutMs: 15_000});

        await setup().getByRole('region', {name: 'Status', exact: true}).getByRole('button', {name: 'Refresh'}).click();
        const row = setup().getByTestId('failed-delivery');
        await row.waitFor();
        assert.match(await row.textContent() ?? '', /To Mattermost/);
        assert.equal(await setup().getByTestId('status-state').textContent(), 'Problem');
        assert.equal(await setup().getByTestId('status-failed').textContent(), '1');

        // The whole page, for the record: both screens, the test results, the status and the failed delivery.
        const height = await page.evaluate(() => {
            const scroller = document.querySelector('.admin-scroll')!;
            return document.documentElement.clientHeight - scroller.clientHeight + scroller.scrollHeight;
        });
        await page.setViewportSize({width: 1360, height});
        await page.screenshot({path: join(artifacts, 'admin_console.png')});
        await page.setViewportSize({width: 1360, height: 1000});

        // The admin adds the bot back and replays the delivery.
        standIn.addChannelMember(arrivals.id, seed.bot.user.id);
        await row.getByRole('button', {name: /^Retry delivery/}).click();
        await setup().getByText('Queued again.').waitFor();
        const posted = await pollUntil(() => standIn.channelPosts(arrivals.id).find((post) => post.message.includes('3 families arrive today.')), {what: 'the notification in Arrivals', timeoutMs: 15_000});
        assert.ok(posted);
        await pollUntil(async () => {
            await setup().getByRole('region', {name: 'Status', exact: true}).getByRole('button', {name: 'Refresh'}).click();
            return (await setup().getByText('No failed deliveries.').count()) === 1;
        }, {what: 'the failed list to empty', timeoutMs: 15_000});
    });

    test('no errors in the page (but the refused save\'s 400 and the chunk download made to fail)', () => {
        const refusedSave = `Failed to load resource: the server responded with a status of 400 (Bad Request) ${running.url}/api/v1/integrations/${LICENCE}`;
        const offline = /^Failed to load resource: net::ERR_INTERNET_DISCONNECTED \S+\/public\/admin_console\.[0-9a-f]{8}\.js$/;
        assert.deepEqual(pageErrors.filter((error) => error !== refusedSave && !offline.test(error)), []);
    });
});
