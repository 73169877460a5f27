// The waiting time in a real browser (DESIGN §11): the BUILT plugin bundle in the harness page, the
// conversation roots in the Mattermost stand-in as the bridge writes them (`props.ireserve.
// waiting_since` while a guest waits), patched by the bot through the API as the bridge does when
// waiting starts or ends. Checks: "waiting N min" on the card, ticking (the page's clock moved on
// with Playwright's clock), the channel's conversation list with waiting ones first, longest wait
// first, each with its time, and both following a patch of the root (the post_edited event).
import assert from 'node:assert/strict';
import {mkdirSync} from 'node:fs';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import type mm from '@mattermost/client';
import type {Post} from '@mattermost/types/posts';
import type {Locator, Page} from 'playwright-core';

import {MattermostStandIn, pollUntil, type Seed} from '../standins/mattermost/index.js';

import {CONVERSATION_POST_TYPE} from '../../server-bridge/src/contract/index.js';

import {ensureBundle} from './harness/bundle.js';
import {clientWithToken, collectPageErrors, launchLoggedIn, openHarnessChannel, type LoggedInBrowser} from './harness/browser.js';
import {startHarness, type Harness} from './harness/server.js';
import {repoRoot} from './harness/vendor.js';

const artifacts = join(repoRoot, 'test', 'artifacts');
const MINUTE = 60_000;

let standIn: MattermostStandIn;
let seed: Seed;
let harness: Harness;
let page: Page;
let browser: LoggedInBrowser;
let bot: InstanceType<typeof mm.Client4>;
const roots: Record<string, string> = {};

type Guest = {name: string; conversation: string; startedMinutesAgo: number; waitingMinutes?: number};

/** The root's props.ireserve as the bridge writes it; waiting_since only while the guest waits. */
function rootProps(guest: Guest, waitingSince?: number): Record<string, unknown> {
    return {
        ireserve: {
            v: 1, licence: 'L-1001', conversation_id: guest.conversation, visitor_name: guest.name,
            page_url: 'https://park.example.com/accommodations/beach-house-6',
            started_at: new Date(Date.now() - guest.startedMinutesAgo * MINUTE).toISOString(),
            status: 'open', relay_mode: 'all_replies',
            ...(waitingSince === undefined ? {} : {waiting_since: new Date(waitingSince).toISOString()}),
        },
    };
}

const guests: Guest[] = [
    {name: 'Noor Newest', conversation: 'conv-1', startedMinutesAgo: 2},
    {name: 'Sem Short', conversation: 'conv-2', startedMinutesAgo: 40, waitingMinutes: 3},
    {name: 'Lotte Long', conversation: 'conv-3', startedMinutesAgo: 30, waitingMinutes: 25},
    {name: 'Otto Older', conversation: 'conv-4', startedMinutesAgo: 50},
];

before(async () => {
    ensureBundle();
    mkdirSync(artifacts, {recursive: true});
    standIn = await MattermostStandIn.start();
    seed = standIn.seedDefault();
    bot = clientWithToken(standIn.url, seed.bot.token);
    for (const guest of guests) {
        const waitingSince = guest.waitingMinutes === undefined ? undefined : Date.now() - guest.waitingMinutes * MINUTE;
        roots[guest.name] = (standIn.createPost(seed.bot.user.id, {
            channel_id: seed.channel.id,
            type: CONVERSATION_POST_TYPE,
            message: `Web chat with ${guest.name} from https://park.example.com/accommodations/beach-house-6`,
            props: rootProps(guest, waitingSince),
        }) as {id: string}).id;
    }

    harness = await startHarness({mattermostUrl: standIn.url});
    const session = standIn.createSession(seed.agent.user.id);
    browser = await launchLoggedIn(harness, session);
    page = browser.page;
    // The page's clock runs on from now; the test moves it on to see the waiting time tick.
    await page.clock.install();
    const errors = collectPageErrors(page);
    await openHarnessChannel(page, harness, seed.channel.id);
    assert.deepEqual(errors, []);
});

after(async () => {
    await browser?.close();
    await harness?.close();
    await standIn?.close();
});

const card = (name: string) => page.getByTestId('post-list').locator(`[data-post-id="${roots[name]}"]`).getByRole('region', {name: `Web chat with ${name}`});
const panel = () => page.getByTestId('rhs');
const list = () => panel().getByTestId('irsv-open-conversations');

/** The waiting time's text in `scope`, or null while it shows none. */
async function waitingText(scope: Locator): Promise<string | null> {
    const pill = scope.getByTestId('irsv-waiting');
    return await pill.count() === 0 ? null : (await pill.locator('time').innerText()).trim();
}

/** The list's rows as "name | waiting time" (or just the name), top to bottom. */
async function rows(): Promise<string[]> {
    const items = list().locator('.irsv-list__item');
    const out: string[] = [];
    for (let i = 0; i < await items.count(); i++) {
        const item = items.nth(i);
        const name = (await item.locator('.irsv-list__title > span').first().innerText()).trim();
        const waiting = await waitingText(item);
        out.push(waiting === null ? name : `${name} | ${waiting}`);
    }
    return out;
}

async function waitForRows(matches: (current: string[]) => boolean, what: string): Promise<string[]> {
    let last: string[] = [];
    await pollUntil(async () => {
        last = await rows();
        return matches(last) ? true : null;
    }, {what: `${what} (last seen: ${JSON.stringify(last)})`, timeoutMs: 15_000});
    return last;
}

describe('the waiting time in the browser', {timeout: 120_000}, () => {
    test('the card shows how long the guest has waited, and ticks as the clock moves on', async () => {
        await card('Lotte Long').waitFor();
        // Created 25 minutes before "now"; a minute may pass between setting up and reading.
        assert.match(await waitingText(card('Lotte Long')) ?? '', /^waiting 2[56] min$/);
        assert.match(await waitingText(card('Sem Short')) ?? '', /^waiting [34] min$/);
        assert.equal(await waitingText(card('Noor Newest')), null, 'no waiting time without waiting_since');
        const title = await card('Lotte Long').getByTestId('irsv-waiting').getAttribute('title');
        assert.match(title ?? '', /^The visitor has waited for an answer since /);

        const before = Number(/(\d+) min/.exec(await waitingText(card('Lotte Long')) ?? '')![1]);
        await page.clock.fastForward('10:00');
        await pollUntil(async () => {
            const now = Number(/(\d+) min/.exec(await waitingText(card('Lotte Long')) ?? '')?.[1] ?? NaN);
            return now >= before + 10 ? true : null;
        }, {what: 'the card\'s waiting time 10 minutes on', timeoutMs: 15_000});
        await card('Lotte Long').scrollIntoViewIfNeeded();
        await page.screenshot({path: join(artifacts, 'waiting-card.png')});
    });

    test('the channel\'s list: waiting ones first, longest wait first, each with its time; then the rest, newest first', async () => {
        await page.getByTestId('app-bar').getByRole('button', {name: 'Open conversations of this channel'}).click();
        await list().waitFor();
        const shown = await waitForRows((current) => current.length === 4, 'four open conversations');
        assert.deepEqual(shown.map((row) => row.split(' | ')[0]), ['Lotte Long', 'Sem Short', 'Noor Newest', 'Otto Older']);
        assert.match(shown[0]!, /^Lotte Long \| waiting 3[56] min$/);
        assert.match(shown[1]!, /^Sem Short \| waiting 1[34] min$/);
        await page.screenshot({path: join(artifacts, 'waiting-list.png')});
    });

    test('the bridge patches the roots when waiting ends and starts: the card and the list follow', async () => {
        // An agent answered Lotte: the bridge removes waiting_since. Noor writes: waiting starts now.
        // Mattermost's web app stores the patched root from the post_edited event (handlePostEditEvent →
        // receivedPost, webapp/channels/src/actions/websocket_actions.jsx); the plugin reads it from there.
        const pageNow = await page.evaluate(() => Date.now());
        await bot.patchPost({id: roots['Lotte Long'], props: rootProps(guests[2]!)} as unknown as Post);
        await bot.patchPost({id: roots['Noor Newest'], props: rootProps(guests[0]!, pageNow - 30_000)} as unknown as Post);

        const order = (current: string[]) => current.map((row) => row.split(' | ')[0]).join(', ');
        const shown = await waitForRows((current) => order(current) === 'Sem Short, Noor Newest, Lotte Long, Otto Older' && current[1]!.includes('waiting'), 'the list re-sorted');
        assert.match(shown[0]!, /^Sem Short \| waiting 1[34] min$/);
        assert.equal(shown[1], 'Noor Newest | waiting < 1 min');
        assert.equal(shown[2], 'Lotte Long', 'no waiting time once answered');
        await pollUntil(async () => (await waitingText(card('Lotte Long')) === null ? true : null), {what: 'the card without a waiting time'});
        assert.equal(await waitingText(card('Noor Newest')), 'waiting < 1 min');
    });
});
