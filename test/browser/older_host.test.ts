// The BUILT plugin bundle on the host libraries of the oldest servers plugin.json admits
// (min_server_version 9.5.0): Mattermost 9.5 to 10.x give plugins React 17, ReactDOM 17, Redux 4
// and React Redux 7 as window globals (Mattermost 11: React 18, Redux 5, React Redux 9 — the set
// agent_ui.test.ts and admin_console.test.ts run on). The harness page serves the older set
// (harness/vendor.ts 'mattermost-10'); the agent goes through the whole agent experience once:
// registrations, the card, the App Bar icon, the panel, a reply reaching Mattermost, its badge,
// "Message actions", a language change — and System Console's set-up renders.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import type {Page} from 'playwright-core';

import {MattermostStandIn, pollUntil, type Seed} from '../standins/mattermost/index.js';

import {CONVERSATION_POST_TYPE} from '../../server-bridge/src/contract/index.js';

import {clientWithToken, collectPageErrors, launchLoggedIn, openHarnessChannel, type LoggedInBrowser} from './harness/browser.js';
import {startHarness, type Harness} from './harness/server.js';
import {librariesMissing, libraryVersions, repoRoot} from './harness/vendor.js';

const PLUGIN_ID = 'net.ireserve.mattermost';
const BASENAME = '/mm';
const pluginJson = JSON.parse(readFileSync(join(repoRoot, 'plugin.json'), 'utf8')) as {name: string; min_server_version: string; settings_schema: unknown};

type OlderHarness = {
    registered: {calls: string[]};
    boot(): Promise<unknown>;
    openChannel(channelId: string): Promise<void>;
    setLocale(locale: string): Promise<void>;
    openAdminConsole(options: unknown): Promise<void>;
};

let standIn: MattermostStandIn;
let seed: Seed;
let harness: Harness;
let page: Page;
let browser: LoggedInBrowser;
let rootId = '';
const errors: string[] = [];

// A checkout whose node_modules predate the aliases reports this file as skipped, with the reason.
const missing = librariesMissing('mattermost-10');

before(async () => {
    if (missing) {
        return;
    }
    standIn = await MattermostStandIn.start();
    seed = standIn.seedDefault();
    rootId = (standIn.createPost(seed.bot.user.id, {
        channel_id: seed.channel.id,
        type: CONVERSATION_POST_TYPE,
        message: 'Web chat with Lotte Jansen (lotte.jansen@example.com) from https://park.example.com/beach-house-6',
        props: {ireserve: {
            v: 1, licence: 'L-1001', conversation_id: 'conv-old', visitor_name: 'Lotte Jansen', visitor_email: 'lotte.jansen@example.com',
            page_url: 'https://park.example.com/beach-house-6', started_at: new Date(Date.now() - 5 * 60_000).toISOString(), status: 'open', relay_mode: 'all_replies',
        }},
    }) as {id: string}).id;
    standIn.createPost(seed.bot.user.id, {
        channel_id: seed.channel.id, root_id: rootId, message: '**Lotte Jansen (visitor):** Is the beach house free in July?',
        props: {ireserve: {v: 1, message_id: 'm1', sender_type: 'visitor', sender_name: 'Lotte Jansen'}},
    });

    harness = await startHarness({mattermostUrl: standIn.url, basename: BASENAME, libraries: 'mattermost-10'});
    const session = standIn.createSession(seed.agent.user.id);
    browser = await launchLoggedIn(harness, session);
    page = browser.page;
    collectPageErrors(page, {console: true}, errors);
    await openHarnessChannel(page, harness, seed.channel.id);
});

after(async () => {
    await browser?.close();
    await harness?.close();
    await standIn?.close();
});

const center = () => page.getByTestId('post-list');
const rhs = () => page.getByTestId('rhs');

describe(`the plugin on Mattermost 9.5–10.x host libraries (min_server_version ${pluginJson.min_server_version})`, {timeout: 5 * 60_000, skip: missing ?? false}, () => {
    test('the page really runs React 17, ReactDOM 17, Redux 4 and React Redux 7', async () => {
        const versions = libraryVersions('mattermost-10');
        assert.match(versions.react, /^17\./);
        assert.match(versions.reactDom, /^17\./);
        assert.match(versions.redux, /^4\./);
        assert.match(versions.reactRedux, /^7\./);
        const inPage = await page.evaluate(() => ({react: (window as unknown as {React: {version: string}}).React.version, reactDom: (window as unknown as {ReactDOM: {version: string}}).ReactDOM.version}));
        assert.deepEqual(inPage, {react: versions.react, reactDom: versions.reactDom});
        const calls = await page.evaluate(() => (window as unknown as {harness: OlderHarness}).harness.registered.calls);
        for (const call of ['registerReducer', `registerPostTypeComponent:${CONVERSATION_POST_TYPE}`, 'registerRightHandSidebarComponent', 'registerAppBarComponent']) {
            assert.ok(calls.includes(call), `${call} in ${calls.join(', ')}`);
        }
    });

    test('card, App Bar, panel, a reply reaching Mattermost and its delivered badge', async () => {
        const card = center().getByRole('region', {name: 'Web chat with Lotte Jansen'});
        await card.waitFor();
        assert.ok((await card.innerText()).includes('park.example.com/beach-house-6'));

        await page.getByTestId('app-bar').getByRole('button', {name: 'Open conversations of this channel'}).click();
        await rhs().getByTestId('irsv-open-conversations').getByRole('button', {name: /Lotte Jansen/}).click();
        await rhs().getByRole('heading', {name: 'Web chat with Lotte Jansen'}).waitFor();

        const box = rhs().getByRole('textbox', {name: 'Reply to Lotte Jansen'});
        await box.fill('Yes, it is free from 3 to 10 July.');
        await box.press('Enter');
        const post = await pollUntil(() => standIn.thread(rootId).find((p) => p.message === 'Yes, it is free from 3 to 10 July.'), {what: 'the reply at the stand-in'});
        assert.deepEqual(post.props.ireserve_reply, {mode: 'visitor'});

        const bot = clientWithToken(standIn.url, seed.bot.token);
        await bot.addReaction(seed.bot.user.id, post.id, 'white_check_mark');
        const badge = center().locator(`[data-post-id="${post.id}"]`).getByTestId('irsv-delivery-badge');
        await pollUntil(async () => (await badge.innerText()).includes('Delivered'), {what: 'the delivered badge'});
    });

    test('"Message actions" and a language change', async () => {
        await page.evaluate(() => (window as unknown as {harness: OlderHarness}).harness.setLocale('nl'));
        await pollUntil(async () => (await rhs().getByRole('radio', {name: 'Antwoord aan bezoeker'}).count()) === 1, {what: 'the panel in Dutch'});
        const root = center().locator(`[data-post-id="${rootId}"]`);
        await root.hover();
        await root.getByRole('button', {name: 'actions', exact: true}).click();
        assert.equal(await page.getByRole('menuitem', {name: 'Openen in i-Reserve-paneel'}).count(), 1);
        await page.evaluate(() => (window as unknown as {harness: OlderHarness}).harness.setLocale('en'));
    });

    test('System Console\'s set-up renders (its chunk loads and mounts on React 17)', async () => {
        await page.addStyleTag({url: '/harness/admin_console.css'});
        await page.addScriptTag({url: '/harness/admin_console.js'});
        await page.evaluate((options) => (window as unknown as {harness: OlderHarness}).harness.openAdminConsole(options), {
            pluginId: PLUGIN_ID,
            pluginName: pluginJson.name,
            schema: pluginJson.settings_schema,
            config: {ServiceSettings: {SiteURL: harness.origin}, PluginSettings: {Plugins: {[PLUGIN_ID]: {bridgeurl: '', licence: '', adminkey: ''}}}},
        });
        await page.getByTestId('ireserve-integration-setup').getByText(/Fill in the Bridge URL, the i-Reserve licence and the integration admin key/).waitFor();
    });

    test('no errors in the page', () => {
        assert.deepEqual(errors, []);
    });
});
