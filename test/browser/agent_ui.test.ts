// The agent experience in a real browser: the BUILT plugin bundle (webapp/dist/main.js) loaded by
// the harness page (a stand-in for the Mattermost web app) in headless Chromium, its API calls
// going to the Mattermost stand-in with the agent's session cookie, live over the WebSocket.
// Opens the panel from the card, replies to the visitor and adds an internal note, checks what
// reached Mattermost and the badges shown, finds the plugin where the web app puts it (App Bar,
// "Message actions"), reads posts with formatting off, follows a language change, keeps badges
// under a folded long reply, measures a 500-message thread, and saves screenshots (light and dark
// theme) under test/artifacts/.
import assert from 'node:assert/strict';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import type mm from '@mattermost/client';
import type {BrowserContext, Page} from 'playwright-core';

import {MattermostStandIn, pollUntil, type PostRec, type Seed} from '../standins/mattermost/index.js';

import {CONVERSATION_POST_TYPE, NOTIFICATION_POST_TYPE} from '../../server-bridge/src/contract/index.js';

import {ensureBundle} from './harness/bundle.js';
import {clientWithToken, collectPageErrors, launchLoggedIn, openHarnessChannel, type LoggedInBrowser} from './harness/browser.js';
import {startHarness, type Harness} from './harness/server.js';
import {repoRoot} from './harness/vendor.js';

const PLUGIN_ID = 'net.ireserve.mattermost';

/** What host.js exposes to the test (test/browser/harness/public/host.js). */
type HarnessApi = {
    registered: {calls: string[]};
    store: {dispatch(action: unknown): unknown; getState(): Record<string, unknown>};
    pluggablesOff: boolean;
    boot(): Promise<unknown>;
    openChannel(channelId: string): Promise<void>;
    loadThread(rootId: string): Promise<void>;
    openThread(rootId: string): Promise<number>;
    closeRhs(): Promise<void>;
    setTheme(theme: 'light' | 'dark'): Promise<void>;
    setConfig(config: Record<string, string>): Promise<void>;
    setPreference(category: string, name: string, value: string): Promise<void>;
    setLocale(locale: string): Promise<void>;
    measure(action: () => unknown): Promise<number>;
    nextFrame(): Promise<void>;
    pluginState(id: string): {panel: {view: string; rootId: string | null}};
};

declare global {
    interface Window {
        harness: HarnessApi;
    }
}
const BASENAME = '/mm';
const artifacts = join(repoRoot, 'test', 'artifacts');


function conversationProps(overrides: Record<string, unknown> = {}) {
    return {
        v: 1,
        licence: 'L-1001',
        conversation_id: 'conv-1',
        visitor_name: 'Lotte Jansen',
        visitor_email: 'lotte.jansen@example.com',
        page_url: 'https://park.example.com/accommodations/beach-house-6',
        started_at: new Date(Date.now() - 12 * 60_000).toISOString(),
        status: 'open',
        assignee: {name: 'Anna Agent', email: 'anna@example.com'},
        relay_mode: 'all_replies',
        ...overrides,
    };
}

let standIn: MattermostStandIn;
let seed: Seed;
let harness: Harness;
let context: BrowserContext;
let page: Page;
let browser: LoggedInBrowser;
let botClient: InstanceType<typeof mm.Client4>;
let rootId = '';
let session: {token: string; csrf: string};
const figures: string[] = [];

function createAs(userId: string, input: Record<string, unknown>): {id: string} {
    return standIn.createPost(userId, input) as {id: string};
}

function guestMessage(channelId: string, root: string, text: string, n: number, createAt?: number, senderName = 'Lotte Jansen') {
    return createAs(seed.bot.user.id, {
        channel_id: channelId,
        root_id: root,
        message: `**${senderName} (visitor):** ${text}`, // as the bridge writes it (post_formats.ts)
        props: {ireserve: {v: 1, message_id: `msg-${root}-${n}`, sender_type: 'visitor', sender_name: senderName}},
        ...(createAt ? {create_at: createAt} : {}),
    });
}

async function shot(name: string): Promise<void> {
    await page.screenshot({path: join(artifacts, name), fullPage: false});
}

before(async () => {
    ensureBundle();
    mkdirSync(artifacts, {recursive: true});
    standIn = await MattermostStandIn.start();
    seed = standIn.seedDefault();
    botClient = clientWithToken(standIn.url, seed.bot.token);

    // A conversation mirrored by the bot: the root card and the visitor's first messages.
    const channelId = seed.channel.id;
    rootId = createAs(seed.bot.user.id, {
        channel_id: channelId,
        type: CONVERSATION_POST_TYPE,
        message: 'Web chat with Lotte Jansen (lotte.jansen@example.com) from https://park.example.com/accommodations/beach-house-6',
        props: {ireserve: conversationProps()},
    }).id;
    guestMessage(channelId, rootId, 'Hello! Is the beach house free from 3 to 10 July?', 1);
    guestMessage(channelId, rootId, 'We are two adults and a small dog.', 2);
    createAs(seed.agent.user.id, {channel_id: channelId, message: 'Good morning team, lunch at 12?'});

    // A second open conversation and a closed one, for the channel-header list.
    createAs(seed.bot.user.id, {
        channel_id: channelId,
        type: CONVERSATION_POST_TYPE,
        message: 'Web chat with Peter de Boer',
        props: {ireserve: conversationProps({conversation_id: 'conv-2', visitor_name: 'Peter de Boer', visitor_email: undefined, page_url: 'https://park.example.com/camping/pitch-12', assignee: undefined, started_at: new Date(Date.now() - 3 * 60_000).toISOString()})},
    });
    createAs(seed.bot.user.id, {
        channel_id: channelId,
        type: CONVERSATION_POST_TYPE,
        message: 'Web chat with Chris Vermeulen',
        props: {ireserve: conversationProps({conversation_id: 'conv-0', visitor_name: 'Chris Vermeulen', visitor_email: 'chris@example.net', status: 'closed', started_at: new Date(Date.now() - 86_400_000).toISOString()})},
    });

    harness = await startHarness({mattermostUrl: standIn.url, basename: BASENAME});
    session = standIn.createSession(seed.agent.user.id);
    browser = await launchLoggedIn(harness, session);
    context = browser.context;
    page = browser.page;
    const errors = collectPageErrors(page, {console: true});
    await openHarnessChannel(page, harness, channelId);
    assert.deepEqual(errors, [], 'no errors while loading the plugin');
});

after(async () => {
    await browser?.close();
    await harness?.close();
    await standIn?.close();
});

const center = () => page.getByTestId('post-list');
const rhs = () => page.getByTestId('rhs');
const postById = (id: string) => center().locator(`[data-post-id="${id}"]`);

async function agentPostWith(text: string): Promise<PostRec> {
    return pollUntil(() => standIn.thread(rootId).find((post) => post.message === text), {what: `the post "${text}" at the stand-in`});
}

describe('agent UI in the browser', {timeout: 5 * 60_000}, () => {
    test('the bundle registers its parts with the host', async () => {
        const calls: string[] = await page.evaluate(() => window.harness.registered.calls);
        for (const call of [
            'registerReducer',
            `registerPostTypeComponent:${CONVERSATION_POST_TYPE}`,
            `registerPostTypeComponent:${NOTIFICATION_POST_TYPE}`,
            'registerRightHandSidebarComponent',
            'registerPostDropdownMenuAction',
            'registerChannelHeaderButtonAction',
            'registerPostMessageAttachmentComponent',
            'registerWebSocketEventHandler:posted',
            'registerWebSocketEventHandler:reaction_added',
            'registerReconnectHandler',
        ]) {
            assert.ok(calls.includes(call), `${call} in ${calls.join(', ')}`);
        }
        const state = await page.evaluate((id) => window.harness.pluginState(id), PLUGIN_ID);
        assert.equal(state.panel.view, 'list');
    });

    test('the conversation card shows the visitor, the page, the status and the message count', async () => {
        const card = center().getByRole('region', {name: 'Web chat with Lotte Jansen'});
        await card.waitFor();
        const text = await card.innerText();
        for (const expected of ['lotte.jansen@example.com', 'park.example.com/accommodations/beach-house-6', '12 minutes ago', 'Open', 'Anna Agent', '2 messages']) {
            assert.ok(text.includes(expected), `card shows ${expected}: ${text}`);
        }
        assert.equal(await card.getByRole('link', {name: 'park.example.com/accommodations/beach-house-6'}).getAttribute('target'), '_blank');
        await card.scrollIntoViewIfNeeded();
        await shot('agent-ui-channel-light.png');
    });

    test('the card opens the panel: context, latest guest message, composer on "Reply to visitor"', async () => {
        await center().getByRole('button', {name: 'Open the conversation with Lotte Jansen in the i-Reserve panel'}).click();
        const panel = rhs();
        await panel.getByRole('heading', {name: 'Web chat with Lotte Jansen'}).waitFor();
        assert.match(await panel.locator('.rhs__header').innerText(), /^i-Reserve/);
        assert.equal(await panel.getByTestId('irsv-latest-guest-message').innerText(), 'We are two adults and a small dog.');
        assert.equal(await panel.getByRole('radio', {name: 'Reply to visitor'}).isChecked(), true);
        const threadRequests = harness.requests.filter((r) => r.path.startsWith(`${BASENAME}/api/v4/posts/${rootId}/thread`));
        assert.equal(threadRequests.length, 1, 'the panel loads the whole thread once');
    });

    test('a reply to the visitor reaches Mattermost in the thread, with its mode, and shows "Delivered" once the bot confirms', async () => {
        const panel = rhs();
        const box = panel.getByRole('textbox', {name: 'Reply to Lotte Jansen'});
        await box.fill('Hello Lotte, yes: the beach house is free from 3 to 10 July.');
        await box.press('Shift+Enter');
        await box.pressSequentially('Dogs are welcome.');
        await box.press('Enter');
        const post = await agentPostWith('Hello Lotte, yes: the beach house is free from 3 to 10 July.\nDogs are welcome.');
        assert.equal(post.root_id, rootId);
        assert.equal(post.channel_id, seed.channel.id);
        assert.equal(post.user_id, seed.agent.user.id);
        assert.deepEqual(post.props.ireserve_reply, {mode: 'visitor'});
        await pollUntil(async () => (await box.inputValue()) === '', {what: 'the composer to clear'});
        assert.equal(await box.evaluate((el) => el === document.activeElement), true, 'focus is back in the composer');

        // The request rode on the agent's session like the web app's own: sub-path, XHR header, CSRF token.
        const create = harness.requests.find((r) => r.method === 'POST' && r.path === `${BASENAME}/api/v4/posts`);
        assert.ok(create, 'POST /mm/api/v4/posts');
        assert.equal(create.headers['x-requested-with'], 'XMLHttpRequest');
        assert.equal(create.headers['x-csrf-token'], session.csrf);
        assert.equal(create.headers.authorization, undefined, 'no token in headers: the session cookie');

        // Pending until the bridge's bot reacts ✅, then delivered — under the post and in the panel.
        const badge = postById(post.id).getByTestId('irsv-delivery-badge');
        await pollUntil(async () => (await badge.innerText()).includes('Pending'), {what: 'pending badge'});
        await botClient.addReaction(seed.bot.user.id, post.id, 'white_check_mark');
        await pollUntil(async () => (await badge.innerText()).includes('Delivered'), {what: 'delivered badge'});
        const recent = panel.locator(`[data-testid="irsv-recent-replies"] [data-post-id="${post.id}"]`);
        await pollUntil(async () => (await recent.getAttribute('data-delivery')) === 'delivered', {what: 'delivered in the panel'});
    });

    test('an internal note stays a note: mode "note" at Mattermost, "Internal note" badges', async () => {
        const panel = rhs();
        await panel.getByText('Internal note', {exact: true}).click();
        const box = panel.getByRole('textbox', {name: 'Internal note about the conversation with Lotte Jansen'});
        await box.fill('Guest asked twice about dogs: offer the dog-friendly house 8 if 6 is taken.');
        await shot('agent-ui-note-mode-light.png');
        await page.evaluate(() => window.harness.setTheme('dark'));
        await shot('agent-ui-note-mode-dark.png');
        await page.evaluate(() => window.harness.setTheme('light'));
        await box.press('Enter');
        const post = await agentPostWith('Guest asked twice about dogs: offer the dog-friendly house 8 if 6 is taken.');
        assert.equal(post.root_id, rootId);
        assert.deepEqual(post.props.ireserve_reply, {mode: 'note'});
        await pollUntil(async () => (await postById(post.id).getByTestId('irsv-delivery-badge').innerText()).includes('Internal note'), {what: 'note badge'});
        const recent = panel.locator(`[data-testid="irsv-recent-replies"] [data-post-id="${post.id}"]`);
        assert.equal(await recent.getAttribute('data-delivery'), 'note');
    });

    test('a failed delivery shows the bot\'s reason', async () => {
        const panel = rhs();
        await panel.getByText('Reply to visitor', {exact: true}).click();
        const box = panel.getByRole('textbox', {name: 'Reply to Lotte Jansen'});
        await box.fill('Shall I call you to confirm?');
        await box.press('Enter');
        const post = await agentPostWith('Shall I call you to confirm?');
        await botClient.addReaction(seed.bot.user.id, post.id, 'warning');
        createAs(seed.bot.user.id, {
            channel_id: seed.channel.id,
            root_id: rootId,
            message: ':warning: Not delivered to the visitor: i-Reserve answered 410, the chat was closed by the visitor.',
            props: {ireserve_delivery: {post_id: post.id, status: 'failed', reason: 'i-Reserve answered 410: the visitor closed the chat.'}},
        });
        const badge = postById(post.id).getByTestId('irsv-delivery-badge');
        await pollUntil(async () => (await badge.innerText()).includes('the visitor closed the chat'), {what: 'failed badge with reason'});
        assert.match(await badge.innerText(), /Not delivered/);
        await shot('agent-ui-panel-light.png');
        await page.evaluate(() => window.harness.setTheme('dark'));
        await shot('agent-ui-panel-dark.png');
        await page.evaluate(() => window.harness.setTheme('light'));
    });

    test('"Message actions" opens the panel from any post of the thread, and only there; the "…" menu has no plugin items', async () => {
        await page.evaluate(() => window.harness.closeRhs());
        const lunch = center().locator('[data-post-id]', {hasText: 'lunch at 12?'});
        await lunch.hover();
        // The web app draws no "Message actions" button when no plugin item applies (actions_menu.tsx).
        assert.equal(await lunch.getByRole('button', {name: 'actions', exact: true}).count(), 0);

        const guest = center().locator('[data-post-id]', {hasText: 'small dog'});
        await guest.hover();
        await guest.getByRole('button', {name: 'more', exact: true}).click();
        assert.equal(await page.getByRole('menuitem', {name: 'Open in i-Reserve panel'}).count(), 0, 'not in the "…" menu');
        await guest.getByRole('button', {name: 'more', exact: true}).click();
        const actions = guest.getByRole('button', {name: 'actions', exact: true});
        assert.equal(await actions.getAttribute('title'), 'Message actions');
        await actions.click();
        await page.getByRole('menu', {name: 'Post extra options'}).getByRole('menuitem', {name: 'Open in i-Reserve panel'}).click();
        await rhs().getByRole('heading', {name: 'Web chat with Lotte Jansen'}).waitFor();
    });

    test('App Bar (on by default): the icon from the plugin\'s public/ folder toggles the panel; no channel-header button', async () => {
        const appBar = page.getByTestId('app-bar');
        const icon = appBar.getByRole('button', {name: 'Open conversations of this channel'});
        await icon.waitFor();
        const img = icon.locator('img');
        assert.equal(await img.getAttribute('src'), `${harness.origin}${BASENAME}/plugins/${PLUGIN_ID}/public/app-bar-icon.svg`);
        await pollUntil(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0), {what: 'the App Bar icon loaded'});
        assert.ok(harness.publicRequests.some((r) => r.path.endsWith('/public/app-bar-icon.svg') && r.status === 200), JSON.stringify(harness.publicRequests));
        assert.equal(await page.locator('.channel-header__button').count(), 0, 'the header button gives way to the App Bar icon');

        // The panel shows the conversation: a click closes it; the next opens the channel's list; the next closes it.
        assert.equal(await rhs().count(), 1);
        await icon.click();
        await pollUntil(async () => (await rhs().count()) === 0, {what: 'the panel to close'});
        await icon.click();
        await rhs().getByTestId('irsv-open-conversations').waitFor();
        assert.equal(await appBar.locator('.app-bar__icon--active').count(), 1);
        await icon.click();
        await pollUntil(async () => (await rhs().count()) === 0, {what: 'the panel to close again'});
    });

    test('App Bar off (DisableAppBar): the channel-header button, which also toggles', async () => {
        await page.evaluate(() => window.harness.setConfig({DisableAppBar: 'true'}));
        assert.equal(await page.getByTestId('app-bar').count(), 0);
        const button = page.locator('.channel-header').getByRole('button', {name: 'Open conversations of this channel'});
        await button.click();
        await rhs().getByTestId('irsv-open-conversations').waitFor();
        await button.click();
        await pollUntil(async () => (await rhs().count()) === 0, {what: 'the panel to close'});
    });

    test('the channel-header button lists the channel\'s open conversations', async () => {
        await page.locator('.channel-header').getByRole('button', {name: 'Open conversations of this channel'}).click();
        const list = rhs().getByTestId('irsv-open-conversations');
        await list.waitFor();
        const items = await list.getByRole('button').allInnerTexts();
        assert.equal(items.length, 2);
        assert.match(items[0]!, /Peter de Boer/);
        assert.match(items[1]!, /Lotte Jansen/);
        assert.match(await rhs().innerText(), /Closed conversations \(1\)/);
        await shot('agent-ui-list-light.png');
        await page.evaluate(() => window.harness.setTheme('dark'));
        await shot('agent-ui-list-dark.png');
        await page.evaluate(() => window.harness.setTheme('light'));
        await list.getByRole('button', {name: /Lotte Jansen/}).click();
        await rhs().getByRole('heading', {name: 'Web chat with Lotte Jansen'}).waitFor();
        await page.evaluate(() => window.harness.setConfig({DisableAppBar: 'false'}));
    });

    test('post formatting off: the plain message names the guest and the page, and "Message actions" still opens the panel', async () => {
        await page.evaluate(() => window.harness.closeRhs());
        await page.evaluate(() => window.harness.setPreference('display_settings', 'formatting', 'false'));
        try {
            const root = postById(rootId);
            assert.equal(await root.getByRole('region', {name: 'Web chat with Lotte Jansen'}).count(), 0, 'no card: the web app renders the plain message');
            const text = await root.locator('.post-message__plain').innerText();
            assert.ok(text.includes('Lotte Jansen'), text);
            assert.ok(text.includes('lotte.jansen@example.com'), text);
            assert.ok(text.includes('https://park.example.com/accommodations/beach-house-6'), text);
            await shot('agent-ui-formatting-off-light.png');
            await root.hover();
            await root.getByRole('button', {name: 'actions', exact: true}).click();
            await page.getByRole('menuitem', {name: 'Open in i-Reserve panel'}).click();
            await rhs().getByRole('heading', {name: 'Web chat with Lotte Jansen'}).waitFor();
        } finally {
            await page.evaluate(() => window.harness.setPreference('display_settings', 'formatting', 'true'));
        }
    });

    test('language: the server\'s default client locale without one of the user\'s own; a change shows at once, no reload', async () => {
        const title = () => rhs().locator('.rhs__header').innerText();
        assert.match(await title(), /^i-Reserve/);
        await page.evaluate(() => window.harness.setLocale('nl'));
        await pollUntil(async () => (await rhs().getByRole('radio', {name: 'Antwoord aan bezoeker'}).count()) === 1, {what: 'the panel in Dutch'});
        assert.equal(await page.getByTestId('app-bar').getByRole('button', {name: 'Open gesprekken van dit kanaal'}).count(), 1, 'the App Bar tooltip too');
        const guest = center().locator('[data-post-id]', {hasText: 'small dog'});
        await guest.hover();
        await guest.getByRole('button', {name: 'actions', exact: true}).click();
        assert.equal(await page.getByRole('menuitem', {name: 'Openen in i-Reserve-paneel'}).count(), 1, 'the post menu item too');
        await guest.getByRole('button', {name: 'actions', exact: true}).click();

        // No locale of the user's own: the server's DefaultClientLocale decides.
        await page.evaluate(() => window.harness.setLocale(''));
        await page.evaluate(() => window.harness.setConfig({DefaultClientLocale: 'nl'}));
        assert.equal(await rhs().getByRole('radio', {name: 'Antwoord aan bezoeker'}).count(), 1);
        await page.evaluate(() => window.harness.setConfig({DefaultClientLocale: 'en'}));
        await pollUntil(async () => (await rhs().getByRole('radio', {name: 'Reply to visitor'}).count()) === 1, {what: 'back to English'});
        await page.evaluate(() => window.harness.setLocale('en'));
    });

    test('the panel popped out into its own window shows the same conversation and follows card and menu clicks', async () => {
        assert.ok((await page.evaluate(() => window.harness.registered.calls)).includes('registerRHSPluginPopoutListener'));
        const [popup] = await Promise.all([
            context.waitForEvent('page'),
            rhs().getByRole('button', {name: 'Open in new window'}).click(),
        ]);
        const popupErrors: string[] = [];
        popup.on('pageerror', (err) => popupErrors.push(err.message));
        assert.match(new URL(popup.url()).pathname, new RegExp(`^${BASENAME}/_popout/rhs/[^/]+/[^/]+/plugin/${PLUGIN_ID.replace(/\./g, '\\.')}$`));
        const popped = popup.getByTestId('rhs');
        await popped.getByRole('heading', {name: 'Web chat with Lotte Jansen'}).waitFor();
        assert.equal(await popped.getByTestId('irsv-latest-guest-message').innerText(), 'We are two adults and a small dog.');

        // A card click in the main window: the pop-out shows that conversation.
        await center().getByRole('button', {name: 'Open the conversation with Peter de Boer in the i-Reserve panel'}).click();
        await popped.getByRole('heading', {name: 'Web chat with Peter de Boer'}).waitFor();

        // A post menu click in the main window: back to Lotte.
        const guest = center().locator('[data-post-id]', {hasText: 'small dog'});
        await guest.hover();
        await guest.getByRole('button', {name: 'actions', exact: true}).click();
        await page.getByRole('menuitem', {name: 'Open in i-Reserve panel'}).click();
        await popped.getByRole('heading', {name: 'Web chat with Lotte Jansen'}).waitFor();
        await popup.screenshot({path: join(artifacts, 'agent-ui-popout-light.png')});
        await popup.close();
        assert.deepEqual(popupErrors, []);
    });

    test('a long reply folded under "Show more" keeps its delivery badge in view', async () => {
        const long = Array.from({length: 60}, (_, i) => `Line ${i + 1} of the house rules for Lotte.`).join('\n');
        const reply = createAs(seed.agent.user.id, {channel_id: seed.channel.id, root_id: rootId, message: long, props: {ireserve_reply: {mode: 'visitor'}}});
        await botClient.addReaction(seed.bot.user.id, reply.id, 'white_check_mark');
        await page.evaluate(() => window.harness.closeRhs());
        const post = postById(reply.id);
        await post.getByRole('button', {name: 'Show more'}).waitFor();
        const badge = post.getByTestId('irsv-delivery-badge');
        await pollUntil(async () => (await badge.innerText()).includes('Delivered'), {what: 'the delivered badge'});
        await badge.scrollIntoViewIfNeeded();
        // What is drawn at the badge's centre is the badge: not clipped away by the fold.
        const visible = () => badge.evaluate((el) => {
            const box = el.getBoundingClientRect();
            const container = el.closest('.post-message__text-container')!.getBoundingClientRect();
            const hit = document.elementFromPoint(box.left + 10, box.top + box.height / 2);
            return box.bottom <= container.bottom + 0.5 && box.top >= container.top && Boolean(hit && el.contains(hit));
        });
        await post.scrollIntoViewIfNeeded();
        assert.equal(await visible(), true, 'badge visible while folded');
        await shot('agent-ui-show-more-light.png');
        await post.getByRole('button', {name: 'Show more'}).click();
        await post.getByRole('button', {name: 'Show less'}).waitFor();
        await badge.scrollIntoViewIfNeeded();
        assert.equal(await visible(), true, 'badge visible when unfolded');
    });

    test('the card heads the thread in the right-hand sidebar', async () => {
        await page.evaluate((id) => window.harness.loadThread(id), rootId);
        await page.evaluate((id) => window.harness.openThread(id), rootId);
        const card = rhs().getByRole('region', {name: 'Web chat with Lotte Jansen'});
        await card.waitFor();
        assert.match(await card.innerText(), /7 messages/); // 2 from the visitor, 4 agent replies (one long), the bot's failure note
        await shot('agent-ui-thread-light.png');
        await page.evaluate(() => window.harness.setTheme('dark'));
        await shot('agent-ui-thread-dark.png');
        await page.evaluate(() => window.harness.setTheme('light'));
    });

    test('a booking notification renders as a card in its channel', async () => {
        const channelId = seed.notification_channel.id;
        createAs(seed.bot.user.id, {
            channel_id: channelId,
            type: NOTIFICATION_POST_TYPE,
            message: 'Booking confirmed: B-20931, Lotte Jansen, beach house 6, 3–10 July. https://ireserve.example/bookings/B-20931',
            props: {ireserve: {v: 1, notification_type: 'booking.confirmed', title: 'Booking B-20931 confirmed', text: 'Lotte Jansen · Beach house 6 · 3–10 July · 2 adults, 1 dog', url: 'https://ireserve.example/bookings/B-20931'}},
        });
        await page.evaluate(() => window.harness.closeRhs());
        await page.evaluate((id) => window.harness.openChannel(id), channelId);
        const card = center().getByRole('region', {name: 'Booking B-20931 confirmed'});
        await card.waitFor();
        assert.match(await card.innerText(), /Booking confirmed/);
        assert.match(await card.innerText(), /Beach house 6 · 3–10 July/);
        assert.equal(await card.getByRole('link', {name: 'Open in i-Reserve'}).getAttribute('href'), 'https://ireserve.example/bookings/B-20931');
        await shot('agent-ui-notification-light.png');
        await page.evaluate(() => window.harness.setTheme('dark'));
        await shot('agent-ui-notification-dark.png');
        await page.evaluate(() => window.harness.setTheme('light'));
    });

    test('a 500-message thread: render figures', async (t) => {
        // Seeded straight into the stand-in: 350 visitor messages mirrored by the bot, 150 agent
        // replies (100 delivered, 10 failed, the rest pending) in the private channel.
        const channelId = seed.private_channel.id;
        const start = Date.now() - 3 * 3_600_000;
        const bigRoot = createAs(seed.bot.user.id, {
            channel_id: channelId,
            type: CONVERSATION_POST_TYPE,
            message: 'Web chat with Sanne Bakker',
            props: {ireserve: conversationProps({conversation_id: 'conv-big', visitor_name: 'Sanne Bakker', visitor_email: 'sanne.bakker@example.org', started_at: new Date(start).toISOString()})},
            create_at: start,
        }).id;
        const agentReplies: string[] = [];
        for (let i = 1; i <= 500; i++) {
            const at = start + i * 20_000;
            if (i % 10 < 3) {
                agentReplies.push(createAs(seed.agent.user.id, {channel_id: channelId, root_id: bigRoot, message: `Agent answer ${i}: let me check that for you.`, create_at: at, props: {ireserve_reply: {mode: 'visitor'}}}).id);
            } else {
                guestMessage(channelId, bigRoot, `Visitor question ${i}: what about the ${i % 2 ? 'sauna' : 'bike rental'}?`, i, at, 'Sanne Bakker');
            }
        }
        assert.equal(standIn.thread(bigRoot).length, 501);
        await Promise.all(agentReplies.slice(0, 110).map((id, i) => botClient.addReaction(seed.bot.user.id, id, i < 100 ? 'white_check_mark' : 'warning')));

        await page.evaluate(() => window.harness.closeRhs());
        await page.evaluate((id) => window.harness.openChannel(id), channelId);

        // 1. Opening the panel on it from the post menu of a visitor message, cold: the host holds
        //    only the channel's latest 200 posts, so the plugin fetches the 501 posts itself and
        //    derives context, latest guest message and deliveries.
        const guest = center().locator('[data-post-id]', {hasText: 'Visitor question 499'});
        await guest.hover();
        await guest.getByRole('button', {name: 'actions', exact: true}).click();
        const panelMs: number = await page.evaluate(async () => {
            const h = window.harness;
            const item = [...document.querySelectorAll('[role="menuitem"]')].find((el) => el.textContent === 'Open in i-Reserve panel') as HTMLButtonElement;
            const t0 = performance.now();
            item.click();
            for (;;) {
                await h.nextFrame();
                const panel = document.querySelector('[data-testid="irsv-panel"]');
                if (panel?.textContent?.includes('500 messages') && panel.querySelector('[data-testid="irsv-recent-replies"]')) {
                    return performance.now() - t0;
                }
                if (performance.now() - t0 > 20_000) {
                    throw new Error('panel did not render');
                }
            }
        });
        assert.equal(await rhs().locator('[data-testid="irsv-recent-replies"] li').count(), 10);
        assert.match(await rhs().getByTestId('irsv-latest-guest-message').innerText(), /Visitor question 499/);
        await shot('agent-ui-500-panel-light.png');

        // 2. The host's thread view: the card and 500 replies, each with the plugin's badge pluggable
        //    (median of three renders), and the same without the badges for comparison.
        await page.evaluate((id) => window.harness.loadThread(id), bigRoot);
        const renderThread = async (badges: boolean): Promise<number> => {
            const runs: number[] = [];
            for (let i = 0; i < 3; i++) {
                await page.evaluate((on) => {
                    window.harness.pluggablesOff = !on;
                    return window.harness.closeRhs();
                }, badges);
                runs.push(await page.evaluate((id) => window.harness.openThread(id), bigRoot));
            }
            return runs.sort((a, b) => a - b)[1]!;
        };
        const baselineMs = await renderThread(false);
        assert.equal(await rhs().getByTestId('irsv-delivery-badge').count(), 0);
        const threadMs = await renderThread(true);
        assert.equal(await rhs().getByTestId('irsv-delivery-badge').count(), 150);
        assert.equal(await rhs().locator('[data-delivery="delivered"]').count(), 100);
        assert.equal(await rhs().locator('[data-delivery="failed"]').count(), 10);

        // 3. A live update in that thread: one more ✅ arrives; every badge of the thread re-derives.
        const updateMs: number = await page.evaluate(({postId, botId}) => {
            const h = window.harness;
            const reaction = {post_id: postId, user_id: botId, emoji_name: 'white_check_mark', create_at: Date.now()};
            return h.measure(() => h.store.dispatch({type: 'HOST/REACTION_ADDED', reaction}));
        }, {postId: agentReplies[120]!, botId: seed.bot.user.id});
        await pollUntil(async () => (await rhs().locator('[data-delivery="delivered"]').count()) === 101, {what: 'the live update'});

        figures.push(`500-message thread: i-Reserve panel opened cold (fetch of 501 posts included) in ${panelMs.toFixed(0)} ms`);
        figures.push(`500-message thread: host thread view with 500 replies and 150 delivery badges rendered in ${threadMs.toFixed(0)} ms (median of 3; ${baselineMs.toFixed(0)} ms without the plugin's badge pluggable)`);
        figures.push(`500-message thread: live reaction update re-rendered in ${updateMs.toFixed(0)} ms`);
        for (const line of figures) {
            t.diagnostic(line);
        }
        await shot('agent-ui-500-thread-light.png');
    });

    test('an agent\'s page never downloads the System Console chunk (only the App Bar icon from public/)', () => {
        assert.deepEqual(harness.publicRequests.filter((r) => !r.path.endsWith('/public/app-bar-icon.svg')), []);
    });
});
