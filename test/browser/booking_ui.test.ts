// The guest's booking beside the chat in a real browser (DESIGN §13): the BUILT plugin bundle in
// the harness page, a conversation root carrying `props.ireserve.booking` as the bridge writes it.
// Checks the booking block in the card and in the panel — reference linked, the stay with its
// nights in the agent's language and date format, accommodation, guests, status — in English and
// Dutch, in the light and the dark theme (contrast measured on the rendered colours), and that a
// root patched with a changed booking updates both live. Screenshots land in test/artifacts/.
import assert from 'node:assert/strict';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import type mm from '@mattermost/client';
import type {Post} from '@mattermost/types/posts';
import type {Locator, Page} from 'playwright-core';

import {MattermostStandIn, pollUntil, type Seed} from '../standins/mattermost/index.js';

import {CONVERSATION_POST_TYPE} from '../../server-bridge/src/contract/index.js';

import {clientWithToken, collectPageErrors, launchLoggedIn, openHarnessChannel, type LoggedInBrowser} from './harness/browser.js';
import {ensureBundle} from './harness/bundle.js';
import {startHarness, type Harness} from './harness/server.js';
import {repoRoot} from './harness/vendor.js';

type HarnessWindow = {
    harness: {
        boot(): Promise<unknown>;
        openChannel(channelId: string): Promise<void>;
        setTheme(theme: 'light' | 'dark'): Promise<void>;
        setLocale(locale: string): Promise<void>;
    };
};

const artifacts = join(repoRoot, 'test', 'artifacts');
// Dates in the current year, so the stay shows without its year ("Jul 3 – 10").
const YEAR = new Date().getUTCFullYear();
const BOOKING = {
    reference: 'R-2025-0042',
    url: 'https://app.ireserve.example/bookings/42',
    arrival: `${YEAR}-07-03`,
    departure: `${YEAR}-07-10`,
    accommodation: 'Beach house 6',
    guests: {adults: 2, children: 1, pets: 1},
    status: 'confirmed',
};

function rootProps(booking: Record<string, unknown>): Record<string, unknown> {
    return {
        ireserve: {
            v: 1, licence: 'L-1001', conversation_id: 'conv-booking', number: 7, visitor_name: 'Lotte Jansen',
            page_url: 'https://park.example.com/accommodations/beach-house-6', started_at: new Date(Date.now() - 60_000).toISOString(),
            status: 'open', relay_mode: 'all_replies', booking,
        },
    };
}

let standIn: MattermostStandIn;
let seed: Seed;
let harness: Harness;
let browser: LoggedInBrowser;
let page: Page;
let bot: InstanceType<typeof mm.Client4>;
let rootId = '';
const errors: string[] = [];

const setTheme = (theme: 'light' | 'dark') => page.evaluate((t) => (window as unknown as HarnessWindow).harness.setTheme(t), theme);
const setLocale = (locale: string) => page.evaluate((l) => (window as unknown as HarnessWindow).harness.setLocale(l), locale);

const card = () => page.getByTestId('post-list').locator(`[data-post-id="${rootId}"]`).locator('.irsv-card');
const panel = () => page.getByTestId('rhs');
const bookingIn = (scope: Locator, label: string) => scope.getByRole('region', {name: label});

/** Intl puts thin and narrow no-break spaces around the dash; compared as plain spaces. */
const plain = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The block's terms and definitions, as read on screen. */
async function rowsOf(block: Locator): Promise<Array<[string, string]>> {
    const terms = await block.getByRole('term').allInnerTexts();
    const definitions = await block.getByRole('definition').allInnerTexts();
    return terms.map((term, index) => [plain(term), plain(definitions[index] ?? '')]);
}

/**
 * The contrast ratio (WCAG 2) of each text element of the block against what is really behind it:
 * the element's colour and the backgrounds of it and its ancestors composited down to an opaque one.
 */
async function contrasts(block: Locator): Promise<Array<{text: string; role: 'label' | 'value'; ratio: number}>> {
    // Plain JavaScript: a TypeScript function would reach the page with the compiler's helpers in it.
    return block.evaluate((root, script) => (0, eval)(script)(root), CONTRAST_SCRIPT) as Promise<Array<{text: string; role: 'label' | 'value'; ratio: number}>>;
}

const CONTRAST_SCRIPT = `(root) => {
    const rgba = (value) => {
        const parts = (value.match(/[\\d.]+/g) || ['0', '0', '0', '0']).map(Number);
        return [parts[0] || 0, parts[1] || 0, parts[2] || 0, parts[3] === undefined ? 1 : parts[3]];
    };
    const over = (top, base) => base.map((channel, i) => top[i] * top[3] + channel * (1 - top[3]));
    const luminance = (rgb) => {
        const [r, g, b] = rgb.map((v) => {
            const c = v / 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const backgroundOf = (element) => {
        const layers = [];
        for (let node = element; node; node = node.parentElement) {
            const layer = rgba(getComputedStyle(node).backgroundColor);
            if (layer[3] > 0) {
                layers.push(layer);
            }
            if (layer[3] >= 1) {
                break;
            }
        }
        return layers.reverse().reduce((base, layer) => over(layer, base), [255, 255, 255]);
    };
    const texts = [...root.querySelectorAll('dt, dd, dd a, dd span:not(.irsv-sr-only)')]
        .filter((element) => [...element.childNodes].some((node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim() !== ''));
    return texts.map((element) => {
        const background = backgroundOf(element);
        const color = over(rgba(getComputedStyle(element).color), background);
        const [light, dark] = [luminance(color), luminance(background)].sort((a, b) => b - a);
        return {text: element.textContent.trim(), role: element.tagName === 'DT' ? 'label' : 'value', ratio: (light + 0.05) / (dark + 0.05)};
    });
}`;

/**
 * Values (reference, status, stay, accommodation, guests) at least WCAG AA for normal text (4.5:1);
 * the labels are secondary text drawn like Mattermost's own (the theme's text colour at 64 %), at
 * least 3:1.
 */
async function assertReadable(block: Locator, where: string): Promise<void> {
    const measured = await contrasts(block);
    assert.ok(measured.length >= 8, `${where}: every label and value measured (${measured.length})`);
    for (const {text, role, ratio} of measured) {
        assert.ok(ratio >= (role === 'value' ? 4.5 : 3), `${where}: "${text}" has contrast ${ratio.toFixed(2)}`);
    }
}

before(async () => {
    ensureBundle();
    mkdirSync(artifacts, {recursive: true});
    standIn = await MattermostStandIn.start();
    seed = standIn.seedDefault();
    bot = clientWithToken(standIn.url, seed.bot.token);
    rootId = (standIn.createPost(seed.bot.user.id, {
        channel_id: seed.channel.id,
        type: CONVERSATION_POST_TYPE,
        message: '**#7 Web chat with Lotte Jansen**\nBooking [R-2025-0042](https://app.ireserve.example/bookings/42)',
        props: rootProps(BOOKING),
    }) as {id: string}).id;

    harness = await startHarness({mattermostUrl: standIn.url});
    browser = await launchLoggedIn(harness, standIn.createSession(seed.agent.user.id));
    page = browser.page;
    collectPageErrors(page, {}, errors);
    await openHarnessChannel(page, harness, seed.channel.id);
    await setLocale('en');
    assert.deepEqual(errors, []);
});

after(async () => {
    await browser?.close();
    await harness?.close();
    await standIn?.close();
});

describe('the booking beside the chat in the browser', {timeout: 180_000}, () => {
    const EN_ROWS: Array<[string, string]> = [
        ['Booking', 'R-2025-0042 Booking status: confirmed'],
        ['Stay', 'Jul 3 – 10 · 7 nights'],
        ['Accommodation', 'Beach house 6'],
        ['Guests', '2 adults, 1 child, 1 pet'],
    ];
    const NL_ROWS: Array<[string, string]> = [
        ['Boeking', 'R-2025-0042 Status van de boeking: confirmed'],
        ['Verblijf', '3–10 jul · 7 nachten'],
        ['Accommodatie', 'Beach house 6'],
        ['Gasten', '2 volwassenen, 1 kind, 1 huisdier'],
    ];

    /**
     * The block in `scope` reads `rows` (the status's screen-reader prefix included), links the
     * reference, and is readable in the light and the dark theme; screenshots of both.
     */
    async function showsBooking(scope: Locator, label: string, rows: Array<[string, string]>, name: string): Promise<void> {
        const block = bookingIn(scope, label);
        await block.waitFor();
        assert.deepEqual((await rowsOf(block)).map(([term, value]) => [term, value.replace(/(R-2025-0042)\s*/, '$1 ')]), rows, name);
        const link = block.getByRole('link', {name: 'R-2025-0042'});
        assert.equal(await link.getAttribute('href'), BOOKING.url);
        assert.equal(await link.getAttribute('target'), '_blank');
        assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
        await assertReadable(block, `${name}, light`);
        await scope.screenshot({path: join(artifacts, `booking-${name}-light.png`)});
        await setTheme('dark');
        try {
            await assertReadable(block, `${name}, dark`);
            await scope.screenshot({path: join(artifacts, `booking-${name}-dark.png`)});
        } finally {
            await setTheme('light');
        }
    }

    test('en: the card shows the booking, the reference linked to i-Reserve; readable in light and dark', async () => {
        await showsBooking(card(), 'Booking', EN_ROWS, 'card-en');
    });

    test('en: the panel shows the same booking; readable in light and dark', async () => {
        await card().getByRole('button', {name: 'Open the conversation with Lotte Jansen in the i-Reserve panel'}).click();
        await showsBooking(panel(), 'Booking', EN_ROWS, 'panel-en');
    });

    test('nl: card and panel in Dutch words and Dutch date format, at once; readable in light and dark', async () => {
        await setLocale('nl');
        try {
            await showsBooking(card(), 'Boeking', NL_ROWS, 'card-nl');
            await showsBooking(panel(), 'Boeking', NL_ROWS, 'panel-nl');
        } finally {
            await setLocale('en');
        }
    });

    test('the bridge patches the root with a changed booking: card and panel follow live; a booking without a URL is not a link', async () => {
        const changed = {reference: 'R-2025-0043', arrival: `${YEAR}-07-04`, departure: `${YEAR}-07-05`, guests: {adults: 1}, status: 'changed'};
        await bot.patchPost({id: rootId, props: rootProps(changed)} as unknown as Post);
        for (const scope of [card(), panel()]) {
            const block = bookingIn(scope, 'Booking');
            await pollUntil(async () => ((await block.innerText()).includes('R-2025-0043') ? true : null), {what: 'the changed booking', timeoutMs: 15_000});
            assert.deepEqual((await rowsOf(block)).map(([term, value]) => [term, value.replace(/(R-2025-0043)\s*/, '$1 ')]), [
                ['Booking', 'R-2025-0043 Booking status: changed'],
                ['Stay', 'Jul 4 – 5 · 1 night'],
                ['Guests', '1 adult'],
            ]);
            assert.equal(await block.getByRole('link').count(), 0);
        }
        assert.deepEqual(errors, []);
    });
});
