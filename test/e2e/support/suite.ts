// The set-up the suites against a real Mattermost share: the server booted (or MM_URL
// bootstrapped) once per file, with the i-Reserve stand-in beside it for the bridge suites; and for
// those, a bootstrap per bridge engine, integrations created through the admin API, bounded waits
// that explain themselves, and the conversation's root post found on the server.
import assert from 'node:assert/strict';
import {after, before} from 'node:test';
import type {Post} from '@mattermost/types/posts';
import {IReserveStandIn, type Endpoint} from '../../standins/ireserve/index.js';
import {bootRealMattermost, bootstrapMattermost, teardownBootstrap, type BootRealMattermostOptions, type Bootstrap, type Client, type RealMattermost} from '../harness/index.js';
import {logTail, stopPostgresServer, type BridgeClient, type CreatedIntegration, type RunningBridge} from './bridge.js';
import {suiteTimer, waitFor, type Poll} from './util.js';

/** The secret an endpoint checks signatures with until the integration's own is known (a valid `whsec_` value). */
const PLACEHOLDER_SECRET = 'whsec_cGxhY2Vob2xkZXI=';

export interface RealMattermostSuite {
    /** The booted (or MM_URL) server, set once the suite's `before` has run. */
    readonly mm: RealMattermost;
    /** The i-Reserve stand-in (only with `ireserve: true`), set once the suite's `before` has run. */
    readonly ireserve: IReserveStandIn;
    /** A stand-in endpoint for the licence; `createIntegration` gives it the integration's secret. */
    endpoint(licence: string): Endpoint;
}

export interface RealMattermostSuiteOptions extends BootRealMattermostOptions {
    /** Also start the i-Reserve stand-in. */
    ireserve?: boolean;
    /** What the file started itself (its bridge, a browser) and must stop before the servers go. */
    closeFirst?: () => Promise<void>;
}

/**
 * Call at the top of a file's outer describe: before its tests, boots Mattermost (and the i-Reserve
 * stand-in); after them, runs `closeFirst`, stops the stand-in, the bridges' shared PostgreSQL and
 * Mattermost, and prints the file's timing line (support/util.ts suiteTimer). Hooks the file adds
 * afterwards run after these.
 */
export function realMattermostSuite(file: string, options: RealMattermostSuiteOptions = {}): RealMattermostSuite {
    const {ireserve: withStandIn = false, closeFirst, ...bootOptions} = options;
    const timer = suiteTimer(file);
    let mm: RealMattermost | undefined;
    let ireserve: IReserveStandIn | undefined;
    const suite: RealMattermostSuite = {
        get mm() {
            assert.ok(mm, 'Mattermost is not booted yet (use suite.mm inside hooks and tests)');
            return mm;
        },
        get ireserve() {
            assert.ok(ireserve, withStandIn ? 'the i-Reserve stand-in is not started yet' : 'this suite has no i-Reserve stand-in (ireserve: true)');
            return ireserve;
        },
        endpoint: (licence) => suite.ireserve.endpoint(licence, {secret: PLACEHOLDER_SECRET}),
    };

    before(async () => {
        mm = await bootRealMattermost(bootOptions);
        timer.booted(mm);
        if (withStandIn) {
            ireserve = await IReserveStandIn.start();
        }
    }, {timeout: 45 * 60_000});

    after(async () => {
        await closeFirst?.();
        await ireserve?.close();
        await stopPostgresServer();
        await mm?.stop();
        timer.report();
    });
    return suite;
}

/**
 * The Mattermost world of the `index`-th bridge engine: the first uses the boot's bootstrap, later
 * ones get a fresh bot, team and channels, so engines never see each other's posts.
 */
export async function engineBootstrap(mm: RealMattermost, index: number): Promise<Bootstrap> {
    return index === 0 ? mm : await bootstrapMattermost(mm.url, {admin: {token: mm.admin.token}});
}

/** Undoes `engineBootstrap` where it has to: a booted server goes away whole, an existing one (MM_URL) keeps nothing. */
export async function releaseEngineBootstrap(mm: RealMattermost, b: Bootstrap | undefined): Promise<void> {
    if (b && b !== mm && !mm.booted) {
        await teardownBootstrap(b);
    }
}

/**
 * Creates the integration through the admin API (PUT, which must answer 201) and keeps its signing
 * secret: the client signs events with it and `endpoint`, when given, verifies callbacks with it.
 */
export async function createIntegration(api: BridgeClient, settings: Record<string, unknown>, endpoint?: Endpoint): Promise<CreatedIntegration> {
    const created = await api.put(settings);
    assert.equal(created.status, 201, created.text);
    api.signingSecret = created.body.signing_secret!;
    if (endpoint) {
        endpoint.secret = created.body.signing_secret!;
    }
    return created.body;
}

/**
 * `waitFor` whose time-out says what the bridge thinks: the integration's status and failed
 * deliveries (`api.diagnose()`), the bridge's last warnings, and `also` (e.g. the browser's errors).
 */
export async function settleOn<T>(target: {api: BridgeClient; bridge: RunningBridge; also?: () => string}, what: string, fn: Poll<T>, timeoutMs = 30_000): Promise<T> {
    try {
        return await waitFor(what, fn, timeoutMs);
    } catch (err) {
        const also = target.also ? `\n  ${target.also()}` : '';
        throw new Error(`${(err as Error).message}\n  bridge: ${await target.api.diagnose()}\n  bridge log:\n${logTail(target.bridge)}${also}`);
    }
}

/** The conversation's root post among the channel's latest 200 posts (the bridge's `props.ireserve.conversation_id`), if there. */
export async function conversationRoot(client: Client, channelId: string, conversationId: string): Promise<Post | undefined> {
    const list = await client.getPosts(channelId, 0, 200);
    return Object.values(list.posts).find((post) => !post.root_id && (post.props?.ireserve as {conversation_id?: string} | undefined)?.conversation_id === conversationId);
}
