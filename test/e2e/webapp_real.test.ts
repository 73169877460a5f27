// The webapp plugin against the real server: the bundle as the real Mattermost serves it after
// upload, loaded by the browser harness page (test/browser/harness/) in headless Chromium. The
// harness proxies /api/v4 (WebSocket included) to the real server, so the plugin runs the way it
// runs inside Mattermost: same origin, under a sub-path, on agent1's session cookie, with the
// real server enforcing CSRF strictly (ExperimentalStrictCSRFEnforcement). The store is filled from
// the real server's posts, made by a real bridge from signed events. The agent opens the panel,
// replies to the visitor and adds an internal note; the server and the i-Reserve stand-in show
// that the first was relayed and the second was not. Last, an admin sets the plugin up in the
// harness's System Console page: the page's Save patches the real server's config and runs the
// plugin's save action, which saves the integration to the bridge (CORS from the harness origin).
//
//   cd test && node --import tsx --test e2e/webapp_real.test.ts
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {chromium, type BrowserContext, type Page} from 'playwright-core';
import type {Post} from '@mattermost/types/posts';
import {bootRealMattermost, type RealMattermost} from './harness/index.js';
import {ensureTarball, fetchServedBundle, installPlugin, PLUGIN_ID, readTarball, repoRoot} from './support/bundle.js';
import {BridgeClient, startBridge, type RunningBridge} from './support/bridge.js';
import {conversationRoot, createIntegration, settleOn} from './support/suite.js';
import {suiteTimer, type Poll} from './support/util.js';
import {IReserveStandIn, type Endpoint} from '../standins/ireserve/index.js';
import {startHarness, type Harness} from '../browser/harness/server.js';
import {CONVERSATION_POST_TYPE} from '../../server-bridge/src/contract/index.js';

const BASENAME = '/mm';
const artifacts = path.join(repoRoot, 'test', 'artifacts');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** What host.js exposes to tests (test/browser/harness/public/host.js), as `window.harness`. */
type HarnessApi = {
    registered: {calls: string[]};
    boot(): Promise<{id: string}>;
    openChannel(channelId: string): Promise<void>;
    pluginState(id: string): unknown;
};
// (test/browser declares window.harness globally with its own type; this suite casts instead.)
type HarnessWindow = {harness: HarnessApi};

type Props = Record<string, unknown>;
const replyProps = (post: Post): Props | undefined => post.props?.ireserve_reply as Props | undefined;

describe('the webapp plugin on a real Mattermost server, in Chromium', {timeout: 10 * 60_000}, () => {
    let mm: RealMattermost;
    let bridge: RunningBridge;
    let api: BridgeClient;
    let ireserve: IReserveStandIn;
    let endpoint: Endpoint;
    let harness: Harness;
    let context: BrowserContext;
    let page: Page;
    let tmp: string;
    let rootId = '';
    let servedUrl = '';
    let adminKey = '';
    const pageErrors: string[] = [];
    const conv = `conv-web-${Date.now().toString(36)}`;
    const licence = `L-E2E-WEB-${Date.now().toString(36)}`;
    const timer = suiteTimer('webapp_real.test.ts');

    const settle = <T>(what: string, fn: Poll<T>, timeoutMs = 30_000): Promise<T> =>
        settleOn({api, bridge, also: () => `page errors: ${pageErrors.join(' | ')}`}, what, fn, timeoutMs);
    const thread = async (): Promise<Post[]> => {
        const list = await mm.admin.client.getPostThread(rootId, true);
        return Object.values(list.posts).filter((p) => p.root_id === rootId).sort((a, b) => a.create_at - b.create_at);
    };
    const cookie = async (name: string): Promise<string> => (await context.cookies(harness.origin)).find((c) => c.name === name)?.value ?? '';

    before(async () => {
        tmp = mkdtempSync(path.join(tmpdir(), 'ireserve-e2e-web-'));
        mkdirSync(artifacts, {recursive: true});
        ensureTarball();
        const tarball = await readTarball();
        mm = await bootRealMattermost({env: {MM_SERVICESETTINGS_EXPERIMENTALSTRICTCSRFENFORCEMENT: 'true'}});
        timer.booted(mm);

        // The bundle, installed and served by the real server: the harness page loads those bytes.
        const entry = await installPlugin(mm.admin.client, tarball.bytes);
        const served = await fetchServedBundle(mm.url, entry);
        assert.equal(served.status, 200, `GET ${served.url}`);
        assert.ok(served.bytes.equals(tarball.mainJs), 'the served bundle is the packed main.js');
        servedUrl = served.url;
        const bundlePath = path.join(tmp, path.basename(new URL(served.url).pathname));
        writeFileSync(bundlePath, served.bytes);

        // The harness page (same origin as the API it proxies) serves those bytes.
        harness = await startHarness({mattermostUrl: mm.url, basename: BASENAME, bundlePath, pluginFilesFromServer: true});

        // A real bridge mirrors a conversation into the public channel and relays replies (outgoing
        // webhook); System Console's set-up calls it from the harness origin.
        ireserve = await IReserveStandIn.start();
        endpoint = ireserve.endpoint(licence, {secret: 'whsec_cGxhY2Vob2xkZXI='});
        bridge = await startBridge({engine: 'sqlite', env: {BRIDGE_CORS_ORIGINS: harness.origin}});
        api = new BridgeClient(bridge.url, licence);
        const hook = await mm.createOutgoingWebhook(`${bridge.url}/api/v1/mattermost/outgoing-webhook`);
        const created = await createIntegration(api, {
            mattermost: {server_url: mm.url, bot_token: mm.bot.token, outgoing_webhook_token: hook.token},
            channel_id: mm.channels.public.id,
            relay_mode: 'all_replies',
            inbound_mode: 'outgoing_webhook',
            ireserve: {callback_url: endpoint.url},
            active: true,
        }, endpoint);
        adminKey = created.admin_key!;
        assert.equal((await api.putUsers([{ireserve_user_id: 'irs-alice', email: mm.agents.agent1.email}])).status, 200);

        const started = await api.sendEvent('conversation.started', {conversation_id: conv, visitor: {name: 'Lotte Jansen', email: 'lotte@example.com'}, page_url: 'https://park.example.com/beach-house-6', started_at: new Date(Date.now() - 5 * 60_000).toISOString()});
        assert.equal(started.status, 202, started.text);
        for (const [id, text] of [['w1', 'Is the beach house free from 3 to 10 July?'], ['w2', 'We are two adults and a small dog.']]) {
            const res = await api.sendEvent('conversation.message', {conversation_id: conv, message_id: id, sender: {type: 'visitor', name: 'Lotte Jansen'}, text});
            assert.equal(res.status, 202, res.text);
        }
        const root = await settle('the root post on the real server', () => conversationRoot(mm.admin.client, mm.channels.public.id, conv));
        rootId = root.id;
        await settle('the two visitor messages', async () => (await thread()).length >= 2);

        // Chromium, agent1 logged in through the harness origin.
        context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
            executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: {width: 1360, height: 1000}, locale: 'en-GB',
        });
        page = context.pages()[0] ?? await context.newPage();
        page.on('pageerror', (err) => pageErrors.push(err.message));
        page.on('console', (msg) => {
            if (msg.type() === 'error') {
                pageErrors.push(`${msg.text()} ${msg.location().url}`);
            }
        });
        await page.goto(harness.pageUrl);
        const login = await page.evaluate(async ({basename, loginId, password}) => {
            const res = await fetch(`${basename}/api/v4/users/login`, {
                method: 'POST', credentials: 'same-origin',
                headers: {'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest'},
                body: JSON.stringify({login_id: loginId, password}),
            });
            return res.status;
        }, {basename: BASENAME, loginId: mm.agents.agent1.username, password: mm.agents.agent1.password});
        assert.equal(login, 200, 'agent1 logs in through the harness origin');
        const me = await page.evaluate(() => (window as unknown as HarnessWindow).harness.boot());
        assert.equal(me.id, mm.agents.agent1.id);
        await page.evaluate((id) => (window as unknown as HarnessWindow).harness.openChannel(id), mm.channels.public.id);
    }, {timeout: 45 * 60_000});

    after(async () => {
        await context?.close();
        await harness?.close();
        await bridge?.close();
        await ireserve?.close();
        await mm?.stop();
        if (tmp) {
            rmSync(tmp, {recursive: true, force: true});
        }
        timer.report();
    });

    const rhs = () => page.getByTestId('rhs');
    const center = () => page.getByTestId('post-list');

    it('the session is a cookie session on the harness origin (MMAUTHTOKEN, MMCSRF), no token in the page', async () => {
        assert.ok(await cookie('MMAUTHTOKEN'), 'MMAUTHTOKEN cookie');
        assert.ok(await cookie('MMCSRF'), 'MMCSRF cookie');
        const httpOnly = (await context.cookies(harness.origin)).find((c) => c.name === 'MMAUTHTOKEN')?.httpOnly;
        assert.equal(httpOnly, true, 'the session token is HttpOnly');
    });

    it('the bundle served by the real server loads and registers the conversation card and the panel', async () => {
        const calls = await page.evaluate(() => (window as unknown as HarnessWindow).harness.registered.calls);
        for (const call of [`registerPostTypeComponent:${CONVERSATION_POST_TYPE}`, 'registerRightHandSidebarComponent', 'registerReducer']) {
            assert.ok(calls.includes(call), `${call} in ${calls.join(', ')}`);
        }
        assert.deepEqual(pageErrors, [], `no errors loading ${servedUrl}`);
    });

    it('the card renders from the real root post the bridge made', async () => {
        const card = center().getByRole('region', {name: 'Web chat with Lotte Jansen'});
        await card.waitFor({timeout: 15_000});
        const text = await card.innerText();
        assert.ok(text.includes('lotte@example.com'), text);
        assert.ok(text.includes('park.example.com/beach-house-6'), text);
    });

    it('a reply to the visitor from the panel: posted with mode "visitor" on the agent\'s session, relayed to i-Reserve, ✅ shown live', async () => {
        await center().getByRole('button', {name: 'Open the conversation with Lotte Jansen in the i-Reserve panel'}).click();
        const panel = rhs();
        await panel.getByRole('heading', {name: 'Web chat with Lotte Jansen'}).waitFor({timeout: 15_000});
        assert.equal(await panel.getByRole('radio', {name: 'Reply to visitor'}).isChecked(), true);
        const text = 'Hello Lotte, yes: the beach house is free from 3 to 10 July.';
        const box = panel.getByRole('textbox', {name: 'Reply to Lotte Jansen'});
        await box.fill(text);
        await box.press('Enter');

        const post = await settle('the reply on the real server', async () => (await thread()).find((p) => p.message === text));
        assert.equal(post.user_id, mm.agents.agent1.id);
        assert.equal(post.channel_id, mm.channels.public.id);
        assert.deepEqual(replyProps(post), {mode: 'visitor'});

        // It rode on the session cookie, with the headers the real server's strict CSRF check wants.
        const create = harness.requests.find((r) => r.method === 'POST' && r.path === `${BASENAME}/api/v4/posts`);
        assert.ok(create, 'POST through the site\'s sub-path');
        assert.equal(create.headers['x-requested-with'], 'XMLHttpRequest');
        assert.equal(create.headers['x-csrf-token'], await cookie('MMCSRF'));
        assert.equal(create.headers.authorization, undefined, 'no bearer token: the cookie session');

        const call = await settle('the callback at i-Reserve', () => endpoint.delivered().find((c) => (c.json as {data?: {reply_id?: string}}).data?.reply_id === post.id));
        const body = call.json as {data: {text: string; conversation_id: string; author: {ireserve_user_id?: string}}};
        assert.equal(body.data.text, text);
        assert.equal(body.data.conversation_id, conv);
        assert.equal(body.data.author.ireserve_user_id, 'irs-alice');

        await settle('the bot\'s ✅', async () => (await mm.admin.client.getReactionsForPost(post.id) ?? []).some((r) => r.user_id === mm.bot.id && r.emoji_name === 'white_check_mark'));
        const badge = center().locator(`[data-post-id="${post.id}"]`).getByTestId('irsv-delivery-badge');
        const recent = panel.locator(`[data-testid="irsv-recent-replies"] [data-post-id="${post.id}"]`);
        await settle('"delivered" in the panel (live over the real WebSocket)', async () => (await recent.getAttribute('data-delivery', {timeout: 1000}).catch(() => null)) === 'delivered');
        await settle('the "Delivered" badge under the post', async () => (await badge.innerText({timeout: 1000}).catch(() => '')).includes('Delivered'));
        await page.screenshot({path: path.join(artifacts, 'e2e-real-server-panel.png')});
    });

    it('an internal note from the panel: posted with mode "note", not relayed to i-Reserve', async () => {
        const panel = rhs();
        await panel.getByText('Internal note', {exact: true}).click();
        const text = 'Guest asked twice about dogs: offer house 8 if 6 is taken.';
        const box = panel.getByRole('textbox', {name: 'Internal note about the conversation with Lotte Jansen'});
        await box.fill(text);
        await box.press('Enter');
        const note = await settle('the note on the real server', async () => (await thread()).find((p) => p.message === text));
        assert.deepEqual(replyProps(note), {mode: 'note'});
        assert.equal(note.user_id, mm.agents.agent1.id);

        // Sentinel: a later plain reply (relay_mode all_replies) reaches i-Reserve; the note never does.
        const later = await mm.agents.agent2.client.createPost({channel_id: mm.channels.public.id, root_id: rootId, message: 'Sentinel reply from Bob'});
        await settle('the sentinel callback', () => endpoint.delivered().find((c) => (c.json as {data?: {reply_id?: string}}).data?.reply_id === later.id));
        await settle('the bridge queue to drain', async () => (await api.status()).queue_depth === 0);
        assert.equal(endpoint.calls().some((c) => (c.json as {data?: {reply_id?: string}}).data?.reply_id === note.id), false, 'the note is not relayed');
        assert.equal(endpoint.calls().some((c) => (c.json as {data?: {text?: string}}).data?.text === text), false);
        const reactions = await mm.admin.client.getReactionsForPost(note.id) ?? [];
        assert.equal(reactions.some((r) => r.user_id === mm.bot.id), false, 'no bot reaction on a note');
        const recent = panel.locator(`[data-testid="irsv-recent-replies"] [data-post-id="${note.id}"]`);
        await settle('"note" in the panel', async () => (await recent.getAttribute('data-delivery', {timeout: 1000}).catch(() => null)) === 'note');
    });

    // How the real server decides (server/channels/web/handlers.go, checkCSRFToken): a non-GET
    // request on a cookie session passes when its X-CSRF-Token header equals the session's CSRF
    // token (the MMCSRF cookie); X-Requested-With: XMLHttpRequest alone passes only while
    // ServiceSettings.ExperimentalStrictCSRFEnforcement is off; anything else is refused with 401
    // api.context.session_expired.app_error. The refusal also clears the browser's MMAUTHTOKEN
    // cookie (Set-Cookie MMAUTHTOKEN=; Max-Age=0 — the session itself stays valid), so each probe
    // below starts from the saved session cookie: every refusal is the CSRF check's, not a missing
    // session's. This suite boots its server with strict enforcement on, so the plugin must send
    // the token on every write — and this test proves the server really refuses without it.
    it('strict CSRF on the real server: cookie POSTs without X-CSRF-Token are refused (401); with the session\'s token they are answered', async (t) => {
        const strict = (await mm.admin.client.getConfig()).ServiceSettings.ExperimentalStrictCSRFEnforcement;
        if (mm.booted) {
            assert.equal(strict, true, 'the booted server runs with ExperimentalStrictCSRFEnforcement on');
        }
        const csrfToken = await cookie('MMCSRF');
        assert.ok(csrfToken, 'the session has its MMCSRF cookie');
        const session = (await context.cookies(harness.origin)).find((c) => c.name === 'MMAUTHTOKEN');
        assert.ok(session, 'the session cookie');
        const probe = async (apiPath: string, body: unknown, headers: Record<string, string>) => {
            await context.addCookies([session]);
            // (No named functions inside evaluate: tsx would wrap them in a helper the page lacks.)
            const answer = await page.evaluate(async ({url, json, extra}) => {
                const res = await fetch(url, {
                    method: 'POST', credentials: 'same-origin',
                    headers: {'Content-Type': 'application/json', ...extra},
                    body: json,
                });
                return {status: res.status, id: ((await res.json().catch(() => ({}))) as {id?: string}).id};
            }, {url: `${BASENAME}${apiPath}`, json: JSON.stringify(body), extra: headers});
            return {...answer, sessionCookieKept: Boolean(await cookie('MMAUTHTOKEN'))};
        };
        const post = {channel_id: mm.channels.public.id, message: 'csrf probe'};
        const lookup = [mm.agents.agent1.id]; // POST /users/ids: a write-free POST on the same session
        try {
            const withToken = await probe('/api/v4/users/ids', lookup, {'X-Requested-With': 'XMLHttpRequest', 'X-CSRF-Token': csrfToken});
            assert.deepEqual(withToken, {status: 200, id: undefined, sessionCookieKept: true}, 'the session with X-CSRF-Token is answered');
            const refused = {status: 401, id: 'api.context.session_expired.app_error', sessionCookieKept: false};
            assert.deepEqual(await probe('/api/v4/posts', post, {}), refused, 'no token and no X-Requested-With');
            assert.deepEqual(await probe('/api/v4/users/ids', lookup, {}), refused, 'no token and no X-Requested-With');
            assert.deepEqual(await probe('/api/v4/posts', post, {'X-CSRF-Token': 'not-the-session-token'}), refused, 'a wrong token');
            const requestedWithOnly = await probe('/api/v4/posts', post, {'X-Requested-With': 'XMLHttpRequest'});
            if (strict) {
                assert.deepEqual(requestedWithOnly, refused, 'X-Requested-With alone does not do under strict CSRF');
                assert.deepEqual(await probe('/api/v4/users/ids', lookup, {'X-Requested-With': 'XMLHttpRequest'}), refused);
                const posted = Object.values((await mm.admin.client.getPosts(mm.channels.public.id, 0, 50)).posts).filter((p) => p.message === 'csrf probe');
                assert.deepEqual(posted, [], 'nothing was posted');
            } else {
                t.diagnostic(`this server (MM_URL) does not enforce CSRF strictly: X-Requested-With alone answered ${requestedWithOnly.status}`);
            }
        } finally {
            await context.addCookies([session]); // the page stays logged in for what follows
        }
    });

    it('plugin state lives at state["plugins-<id>"]', async () => {
        const state = await page.evaluate((id) => (window as unknown as HarnessWindow).harness.pluginState(id), PLUGIN_ID);
        assert.ok(state && typeof state === 'object', 'the plugin reducer is mounted');
    });

    it('System Console: the page\'s Save patches the real server\'s config (strict CSRF) and saves the integration through the plugin\'s save action', async () => {
        // The admin, in a browser profile of their own, logged in through the harness origin.
        const adminContext = await chromium.launchPersistentContext(path.join(tmp, 'admin-profile'), {
            executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, viewport: {width: 1360, height: 1000}, locale: 'en-GB',
        });
        try {
            const admin = adminContext.pages()[0] ?? await adminContext.newPage();
            const adminErrors: string[] = [];
            admin.on('pageerror', (err) => adminErrors.push(err.message));
            admin.on('console', (msg) => {
                if (msg.type() === 'error') {
                    adminErrors.push(`${msg.text()} ${msg.location().url}`);
                }
            });
            const bridgePatches: string[] = [];
            admin.on('request', (request) => {
                if (request.method() === 'PATCH' && request.url().startsWith(bridge.url)) {
                    bridgePatches.push(request.postData() ?? '');
                }
            });
            await admin.goto(harness.pageUrl);
            const login = await admin.evaluate(async ({basename, loginId, password}) => (await fetch(`${basename}/api/v4/users/login`, {
                method: 'POST', credentials: 'same-origin',
                headers: {'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest'},
                body: JSON.stringify({login_id: loginId, password}),
            })).status, {basename: BASENAME, loginId: mm.admin.username, password: mm.admin.password});
            assert.equal(login, 200, 'the admin logs in through the harness origin');
            await admin.addStyleTag({url: '/harness/admin_console.css'});
            await admin.addScriptTag({url: '/harness/admin_console.js'});
            const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'plugin.json'), 'utf8')) as {name: string; settings_schema: unknown};
            await admin.evaluate(async ({pluginId, pluginName, schema}) => {
                const h = (window as unknown as {harness: {api(p: string): Promise<unknown>; openAdminConsole(o: unknown): Promise<void>}}).harness;
                const config = await h.api('/config');
                await h.openAdminConsole({pluginId, pluginName, schema, config, persist: true});
            }, {pluginId: PLUGIN_ID, pluginName: manifest.name, schema: manifest.settings_schema});
            const state = () => admin.evaluate(() => (window as unknown as {harness: {adminConsole: {saveNeeded: boolean; navigationBlocked: boolean; saves: number}}}).harness.adminConsole);
            const pageSave = admin.getByTestId('admin-console-save');

            // The page's own text settings first: Save stores them in the server's config.
            await admin.getByLabel('Bridge URL:').fill(bridge.url);
            await admin.getByLabel('i-Reserve licence:').fill(licence);
            await admin.getByLabel('Integration admin key:').fill(adminKey);
            await pageSave.click();
            await settle('the page saved', async () => !(await state()).navigationBlocked);
            const patchRequest = harness.requests.find((r) => r.method === 'PUT' && r.path === `${BASENAME}/api/v4/config/patch`);
            assert.ok(patchRequest, 'PUT /api/v4/config/patch through the site\'s sub-path');
            assert.ok(patchRequest.headers['x-csrf-token'], 'with the CSRF token strict enforcement wants');
            const stored = (await mm.admin.client.getConfig()).PluginSettings.Plugins[PLUGIN_ID] as Record<string, string>;
            assert.equal(stored.bridgeurl, bridge.url);
            assert.equal(stored.licence, licence);
            assert.equal(bridgePatches.length, 0, 'the integration was not touched');

            // The set-up loads the integration from the bridge; one edit; the PAGE's Save saves it.
            const setup = admin.getByTestId('ireserve-integration-setup');
            await setup.getByRole('heading', {name: '1. Authentication'}).waitFor({timeout: 15_000}).catch(async (err: Error) => {
                const text = await admin.locator('#admin-console-root').innerText().catch(() => '');
                throw new Error(`${err.message}\n  page: ${text.slice(0, 1500)}\n  errors: ${adminErrors.join(' | ')}\n  public files: ${JSON.stringify(harness.publicRequests)}`);
            });
            assert.equal(await setup.getByRole('button', {name: /Save integration settings/}).count(), 0);
            await setup.getByRole('radio', {name: /Only replies sent with the i-Reserve panel/}).check();
            assert.equal((await state()).navigationBlocked, true, 'the edit blocks navigation');
            await pageSave.click();
            await setup.getByText('Saved.', {exact: true}).waitFor({timeout: 15_000});
            await settle('navigation free after the save', async () => !(await state()).navigationBlocked);
            assert.equal(bridgePatches.length, 1);
            assert.deepEqual(JSON.parse(bridgePatches[0]!), {relay_mode: 'composer_only'});
            assert.equal((await api.get()).body.relay_mode, 'composer_only');
            assert.equal(harness.requests.filter((r) => r.method === 'PUT' && r.path === `${BASENAME}/api/v4/config/patch`).length, 2);
            await admin.screenshot({path: path.join(artifacts, 'e2e-real-server-system-console.png')});
            assert.deepEqual(adminErrors, []);
        } finally {
            await adminContext.close();
        }
    });
});
