// Headless Debian Chromium logged in to the harness page as a Mattermost user (the session's cookies
// on the harness origin), for the browser tests.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

import mm from '@mattermost/client';
import {chromium, type BrowserContext, type Page} from 'playwright-core';

import type {Harness} from './server.js';

/** What host.js exposes to open the plugin (harness/public/host.js). */
type HostWindow = {harness: {boot(): Promise<unknown>; openChannel(channelId: string): Promise<void>}};

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface LoggedInBrowser {
    context: BrowserContext;
    page: Page;
    /** Closes the browser and removes its profile. */
    close(): Promise<void>;
}

/** A fresh profile, 1360×1000, the page not yet navigated; `session` from standIn.createSession or a login. */
export async function launchLoggedIn(harness: Pick<Harness, 'origin'>, session: {token: string; csrf: string}): Promise<LoggedInBrowser> {
    const profileDir = mkdtempSync(join(tmpdir(), 'ireserve-chromium-'));
    const context = await chromium.launchPersistentContext(profileDir, {
        executablePath: '/usr/bin/chromium',
        args: CHROMIUM_ARGS,
        viewport: {width: 1360, height: 1000},
        locale: 'en-GB',
    });
    await context.addCookies([
        {name: 'MMAUTHTOKEN', value: session.token, url: harness.origin, httpOnly: true},
        {name: 'MMCSRF', value: session.csrf, url: harness.origin},
    ]);
    const page = context.pages()[0] ?? await context.newPage();
    return {
        context,
        page,
        async close() {
            await context.close();
            rmSync(profileDir, {recursive: true, force: true});
        },
    };
}

/** Loads the harness page in `page`, boots the plugin and opens `channelId`, as a user arriving in it. */
export async function openHarnessChannel(page: Page, harness: Pick<Harness, 'pageUrl'>, channelId: string): Promise<void> {
    await page.goto(harness.pageUrl);
    await page.evaluate(() => (window as unknown as HostWindow).harness.boot());
    await page.evaluate((id) => (window as unknown as HostWindow).harness.openChannel(id), channelId);
}

/**
 * From now on, collects the page's uncaught errors and, with `console: true`, its console errors
 * (with where they came from) into `into`, which it answers.
 */
export function collectPageErrors(page: Page, options: {console?: boolean} = {}, into: string[] = []): string[] {
    page.on('pageerror', (err) => into.push(err.message));
    if (options.console) {
        page.on('console', (msg) => {
            if (msg.type() === 'error') {
                into.push(`${msg.text()} ${msg.location().url}`);
            }
        });
    }
    return into;
}

/** A Client4 on `url` with `token`: what a test posts with, as the bridge's bot or a user would. */
export function clientWithToken(url: string, token: string): InstanceType<typeof mm.Client4> {
    const client = new mm.Client4();
    client.setUrl(url);
    client.setToken(token);
    return client;
}
