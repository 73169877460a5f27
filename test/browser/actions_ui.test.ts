// Acting on a conversation in a real browser (DESIGN §10): the BUILT plugin bundle in the harness
// page, clicks going through the Mattermost stand-in's `POST /api/v4/posts/{id}/actions/{id}`,
// which forwards them — as Mattermost does — to the integration URL on the root's attachment
// actions. Here that URL is the test's own recorder playing the bridge: it records each request,
// answers with an `ephemeral_text`, and when the test says so plays what the bridge does after
// i-Reserve answers: patch the root (state, assignee, actions) and post a note in the thread.
// Checks: the card's and the panel's buttons per state and viewer, one request per double click,
// the immediate answer, the card updated after the patch, a refusal's reason in the panel, the
// Assign… picker, and the attachment buttons for a client without the plugin (never both).
import assert from 'node:assert/strict';
import {mkdirSync} from 'node:fs';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {join} from 'node:path';
import {after, before, describe, test} from 'node:test';

import type mm from '@mattermost/client';
import type {Post} from '@mattermost/types/posts';
import type {BrowserContext, Locator, Page} from 'playwright-core';

import {MattermostStandIn, pollUntil, type Seed} from '../standins/mattermost/index.js';

import {CONVERSATION_POST_TYPE} from '../../server-bridge/src/contract/index.js';

import {clientWithToken, collectPageErrors, launchLoggedIn, openHarnessChannel, type LoggedInBrowser} from './harness/browser.js';
import {startHarness, type Harness} from './harness/server.js';
import {repoRoot} from './harness/vendor.js';

/** What host.js exposes (test/browser/harness/public/host.js), and the flag that hides plugin post types. */
type HarnessWindow = {
    harness: {boot(): Promise<unknown>; openChannel(channelId: string): Promise<void>};
    HARNESS_NO_PLUGIN_POST_TYPES?: boolean;
};

const artifacts = join(repoRoot, 'test', 'artifacts');

type Assignee = {name: string; username: string; mattermost_user_id: string} | undefined;
type State = {status: 'open' | 'closed'; assignee: Assignee};
type ActionRequest = {user_id: string; user_name: string; post_id: string; context: {action: string; sig?: string; selected_option?: string}};

/** Plays the bridge's action URL: records requests, answers at once, applies later on request. */
class BridgeRecorder {
    readonly requests: ActionRequest[] = [];
    url = '';
    private server!: Server;

    async start(): Promise<void> {
        this.server = createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => {
                this.requests.push(JSON.parse(Buffer.concat(chunks).toString()) as ActionRequest);
                res.writeHead(200, {'Content-Type': 'application/json'}).end(JSON.stringify({ephemeral_text: 'Queued: i-Reserve will confirm in the thread.'}));
            });
        });
        await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v1/mattermost/actions`;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}

let standIn: MattermostStandIn;
let seed: Seed;
let harness: Harness;
let context: BrowserContext;
let page: Page;
let browser: LoggedInBrowser;
let bot: InstanceType<typeof mm.Client4>;
const recorder = new BridgeRecorder();
let rootId = '';

/** The root's props for a state: what the bridge writes (DESIGN §7, §10). */
function rootProps(state: State): Record<string, unknown> {
    const action = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
        id, name, type: 'button', ...extra, integration: {url: recorder.url, context: {action: id, sig: 'signed-by-the-bridge'}},
    });
    const actions = state.status === 'closed'
        ? [action('reopen', 'Reopen')]
        : [
            action('claim', 'Claim'),
            action('assign', 'Assign…', {type: 'select', data_source: 'users'}),
            ...(state.assignee ? [action('unassign', 'Unassign')] : []),
            action('close', 'Close'),
        ];
    return {
        ireserve: {
            v: 1, licence: 'L-1001', conversation_id: 'conv-17', number: 17, visitor_name: 'Lotte Jansen',
            page_url: 'https://park.example.com/accommodations/beach-house-6', started_at: new Date(Date.now() - 60_000).toISOString(),
            status: state.status, relay_mode: 'all_replies', ...(state.assignee ? {assignee: state.assignee} : {}),
        },
        attachments: [{fallback: 'Claim, assign or close this conversation', actions}],
    };
}

/** What the bridge does once i-Reserve answered: patch the root (applied) and post a note in the thread. */
async function bridgeApplies(state: State | null, note: {action: string; outcome: 'applied' | 'refused'; actor_name: string; detail?: string}): Promise<void> {
    if (state) {
        await bot.patchPost({id: rootId, props: rootProps(state)} as unknown as Post);
    }
    await bot.createPost({
        channel_id: seed.channel.id, root_id: rootId,
        message: note.outcome === 'applied' ? `${note.actor_name}: ${note.action} done` : `i-Reserve refused ${note.action} by ${note.actor_name}: ${note.detail}`,
        props: {ireserve: {v: 1, kind: 'action_note', ...note}},
    } as unknown as Post);
}

const anna = (): Assignee => ({name: 'Anna Agent', username: 'anna', mattermost_user_id: seed.agent.user.id});

async function buttonsIn(scope: Locator): Promise<string[]> {
    const group = scope.getByRole('group', {name: 'Act on the conversation with Lotte Jansen'});
    await group.waitFor();
    return group.getByRole('button').allInnerTexts();
}

async function waitForButtons(scope: Locator, expected: string[]): Promise<void> {
    await pollUntil(async () => {
        const group = scope.getByRole('group', {name: 'Act on the conversation with Lotte Jansen'});
        if (await group.count() === 0) {
            return null;
        }
        return JSON.stringify(await group.getByRole('button').allInnerTexts()) === JSON.stringify(expected) ? true : null;
    }, {what: `buttons ${expected.join(', ')}`, timeoutMs: 15_000});
}

before(async () => {
    mkdirSync(artifacts, {recursive: true});
    standIn = await MattermostStandIn.start();
    seed = standIn.seedDefault();
    await recorder.start();
    bot = clientWithToken(standIn.url, seed.bot.token);
    rootId = (standIn.createPost(seed.bot.user.id, {
        channel_id: seed.channel.id,
        type: CONVERSATION_POST_TYPE,
        message: '#17 Web chat with Lotte Jansen from https://park.example.com/accommodations/beach-house-6',
        props: rootProps({status: 'open', assignee: undefined}),
    }) as {id: string}).id;

    harness = await startHarness({mattermostUrl: standIn.url});
    const session = standIn.createSession(seed.agent.user.id);
    browser = await launchLoggedIn(harness, session);
    context = browser.context;
    page = browser.page;
    const errors = collectPageErrors(page);
    await openHarnessChannel(page, harness, seed.channel.id);
    assert.deepEqual(errors, []);
});

after(async () => {
    await browser?.close();
    await harness?.close();
    await standIn?.close();
    await recorder.stop();
});

const rootPost = () => page.getByTestId('post-list').locator(`[data-post-id="${rootId}"]`);
const card = () => rootPost().getByRole('region', {name: 'Web chat with Lotte Jansen'});
const panel = () => page.getByTestId('rhs');

describe('acting on a conversation in the browser', {timeout: 120_000}, () => {
    test('the card shows #17 and its own buttons for an open, unassigned conversation — not the attachment\'s', async () => {
        await card().waitFor();
        assert.equal(await card().getByTitle('Conversation number 17').innerText(), '#17');
        assert.deepEqual(await buttonsIn(card()), ['Claim', 'Assign…', 'Close']);
        assert.equal(await rootPost().locator('[data-attachment-action]').count(), 0, 'one set of buttons: the plugin\'s');
    });

    test('a double click on Claim is one request through Mattermost; the answer shows, then the patched root updates the card', async () => {
        await card().getByRole('button', {name: 'Claim', exact: true}).dblclick();
        await card().getByRole('status').filter({hasText: 'Queued: i-Reserve will confirm in the thread.'}).waitFor();
        assert.equal(recorder.requests.length, 1, 'one action request reached the bridge');
        const [request] = recorder.requests;
        assert.equal(request!.context.action, 'claim');
        assert.equal(request!.context.sig, 'signed-by-the-bridge', 'the context travels as the bridge wrote it');
        assert.equal(request!.user_id, seed.agent.user.id);
        assert.equal(request!.post_id, rootId);
        const click = harness.requests.filter((r) => r.method === 'POST' && r.path === `/api/v4/posts/${rootId}/actions/claim`);
        assert.equal(click.length, 1);
        assert.equal(click[0]!.headers['x-requested-with'], 'XMLHttpRequest');

        await bridgeApplies({status: 'open', assignee: anna()}, {action: 'claim', outcome: 'applied', actor_name: 'Anna Agent'});
        await waitForButtons(card(), ['Unassign', 'Close']);
        assert.ok((await card().innerText()).includes('Anna Agent'), 'the card shows the new assignee');
        assert.equal(await card().getByTestId('irsv-action-outcome').count(), 0, 'the answer gives way to the outcome');
        await card().scrollIntoViewIfNeeded();
        await page.screenshot({path: join(artifacts, 'actions-card-claimed.png')});
    });

    test('a refused Close: nothing changes on the card, the panel shows i-Reserve\'s reason', async () => {
        await card().getByRole('button', {name: 'Close', exact: true}).click();
        await pollUntil(() => (recorder.requests.length === 2 ? true : null), {what: 'the close request'});
        assert.equal(recorder.requests[1]!.context.action, 'close');
        await bridgeApplies(null, {action: 'close', outcome: 'refused', actor_name: 'Anna Agent', detail: 'The guest has an open booking request.'});

        await card().getByRole('button', {name: 'Open the conversation with Lotte Jansen in the i-Reserve panel'}).click();
        const refused = panel().getByTestId('irsv-refused-note');
        await refused.waitFor();
        assert.equal(await refused.innerText(), 'i-Reserve refused the last action\nAnna Agent tried to close this conversation: The guest has an open booking request.');
        assert.deepEqual(await buttonsIn(panel()), ['Unassign', 'Close']);
        assert.deepEqual(await buttonsIn(card()), ['Unassign', 'Close']);
        await page.screenshot({path: join(artifacts, 'actions-panel-refused.png')});
    });

    test('Unassign, then Assign… in the panel picks a channel member; the panel and the card follow', async () => {
        await panel().getByRole('button', {name: 'Unassign', exact: true}).click();
        await pollUntil(() => (recorder.requests.length === 3 ? true : null), {what: 'the unassign request'});
        assert.equal(recorder.requests[2]!.context.action, 'unassign');
        await bridgeApplies({status: 'open', assignee: undefined}, {action: 'unassign', outcome: 'applied', actor_name: 'Anna Agent'});
        await waitForButtons(panel(), ['Claim', 'Assign…', 'Close']);
        assert.equal(await panel().getByTestId('irsv-refused-note').count(), 0, 'a later applied note replaces the refusal');
        await panel().getByRole('button', {name: 'Assign…', exact: true}).click();
        const list = panel().getByRole('list', {name: 'Assign to'});
        await list.waitFor();
        await list.getByRole('button', {name: 'Ben Backup (@ben)'}).waitFor();
        const names = await list.getByRole('button').allInnerTexts();
        assert.ok(names.includes('Anna Agent (@anna) (you)'), names.join(', '));
        assert.ok(!names.some((n) => n.includes('ireserve-bot')), 'no bots');
        await panel().getByRole('searchbox', {name: 'Find a member of this channel'}).fill('ben');
        await list.getByRole('button', {name: 'Ben Backup (@ben)'}).click();
        await pollUntil(() => (recorder.requests.length === 4 ? true : null), {what: 'the assign request'});
        assert.deepEqual(recorder.requests[3]!.context, {action: 'assign', sig: 'signed-by-the-bridge', selected_option: seed.agent2.user.id});

        await bridgeApplies({status: 'open', assignee: {name: 'Ben Backup', username: 'ben', mattermost_user_id: seed.agent2.user.id}}, {action: 'assign', outcome: 'applied', actor_name: 'Anna Agent'});
        await waitForButtons(panel(), ['Take over', 'Assign…', 'Close']);
        await waitForButtons(card(), ['Take over', 'Assign…', 'Close']);
    });

    test('closed: only Reopen', async () => {
        await panel().getByRole('button', {name: 'Close', exact: true}).click();
        await pollUntil(() => (recorder.requests.length === 5 ? true : null), {what: 'the close request'});
        await bridgeApplies({status: 'closed', assignee: undefined}, {action: 'close', outcome: 'applied', actor_name: 'Anna Agent'});
        await waitForButtons(card(), ['Reopen']);
        await waitForButtons(panel(), ['Reopen']);
    });

    test('a client without the plugin shows the attachment\'s buttons, and they reach the bridge the same way', async () => {
        const plain = await context.newPage();
        await plain.addInitScript(() => {
            (window as unknown as HarnessWindow).HARNESS_NO_PLUGIN_POST_TYPES = true;
        });
        await openHarnessChannel(plain, harness, seed.channel.id);
        const post = plain.getByTestId('post-list').locator(`[data-post-id="${rootId}"]`);
        await post.locator('[data-attachment-action="reopen"]').click();
        await pollUntil(() => (recorder.requests.length === 6 ? true : null), {what: 'the reopen request'});
        assert.equal(recorder.requests[5]!.context.action, 'reopen');
        assert.equal(await post.getByRole('group').count(), 0, 'no plugin card, no plugin buttons');
        await plain.close();
    });
});
