// One call for end-to-end tests: a real Mattermost server, bootstrapped.
//
//   const mm = await bootRealMattermost();
//   try { ... mm.bot.client.createPost(...) ... } finally { await mm.stop(); }
//
// Default: builds (or reuses) the server binary, starts a throw-away PostgreSQL and Mattermost on
// free 127.0.0.1 ports, bootstraps through the REST API. With `MM_URL` set it boots nothing and
// bootstraps the existing server instead, logging in with `MM_ADMIN_USERNAME` + `MM_ADMIN_PASSWORD`
// (or `MM_ADMIN_TOKEN`); names get a random suffix and `stop()` only deactivates/archives what
// the run created.
//
// Contract: on failure everything already started is stopped before the error propagates;
// `stop()` is idempotent and never throws for clean-up problems of a remote server.
import {startPostgres, type Postgres} from '../../support/postgres.js';
import {ensureMattermostBuilt, startMattermost, type MattermostServer} from './mattermost.js';
import {bootstrapMattermost, teardownBootstrap, type Bootstrap} from './bootstrap.js';

export {startPostgres, findPostgresBinDir, freePort} from '../../support/postgres.js';
export type {Postgres, StartPostgresOptions} from '../../support/postgres.js';
export {ensureMattermostBuilt, startMattermost, mattermostEnv} from './mattermost.js';
export type {MattermostServer, MattermostBuild, StartMattermostOptions} from './mattermost.js';
export {bootstrapMattermost, teardownBootstrap, clientFor} from './bootstrap.js';
export type {Bootstrap, BotInfo, UserInfo, ChannelInfo, OutgoingWebhookOptions, Client} from './bootstrap.js';

export interface RealMattermost extends Bootstrap {
    /** PostgreSQL URL of Mattermost's database; undefined in MM_URL mode. */
    pgUrl: string | undefined;
    /** The booted server (log file, env, local socket); undefined in MM_URL mode. */
    server: MattermostServer | undefined;
    /** The throw-away PostgreSQL (its `createDatabase` serves other needs, e.g. the bridge's own DB). */
    postgres: Postgres | undefined;
    /** Whether this call booted the server (false in MM_URL mode). */
    booted: boolean;
    timings: {buildMs: number; bootMs: number; bootstrapMs: number};
    stop(): Promise<void>;
}

export interface BootRealMattermostOptions {
    /** Extra MM_* environment for the booted server. */
    env?: Record<string, string>;
}

export async function bootRealMattermost(options: BootRealMattermostOptions = {}): Promise<RealMattermost> {
    const existing = process.env.MM_URL;
    if (existing) {
        const url = existing.replace(/\/+$/, '');
        const admin = process.env.MM_ADMIN_TOKEN
            ? {token: process.env.MM_ADMIN_TOKEN}
            : process.env.MM_ADMIN_USERNAME && process.env.MM_ADMIN_PASSWORD
                ? {username: process.env.MM_ADMIN_USERNAME, password: process.env.MM_ADMIN_PASSWORD}
                : undefined;
        if (!admin) {
            throw new Error('MM_URL is set: also set MM_ADMIN_USERNAME and MM_ADMIN_PASSWORD (or MM_ADMIN_TOKEN) of a system admin');
        }
        const started = Date.now();
        const b = await bootstrapMattermost(url, {admin});
        let stopped = false;
        return {
            ...b, pgUrl: undefined, server: undefined, postgres: undefined, booted: false,
            timings: {buildMs: 0, bootMs: 0, bootstrapMs: Date.now() - started},
            stop: async () => {
                if (!stopped) {
                    stopped = true;
                    await teardownBootstrap(b);
                }
            },
        };
    }

    const build = await ensureMattermostBuilt();
    console.error(`[e2e] mattermost build step: ${(build.buildMs / 1000).toFixed(1)}s${build.cached ? ' (cached)' : ''}`);
    let pg: Postgres | undefined;
    let server: MattermostServer | undefined;
    const stop = async (): Promise<void> => {
        const s = server;
        const p = pg;
        server = undefined;
        pg = undefined;
        try {
            await s?.stop();
        } finally {
            await p?.stop();
        }
    };
    try {
        pg = await startPostgres({database: 'mattermost'});
        const pgUrl = pg.url;
        const postgres = pg;
        server = await startMattermost({databaseUrl: pgUrl, build, env: options.env});
        const srv = server;
        const started = Date.now();
        const b = await bootstrapMattermost(server.url);
        const bootstrapMs = Date.now() - started;
        return {
            ...b, pgUrl, server: srv, postgres, booted: true,
            timings: {buildMs: build.buildMs, bootMs: srv.bootMs, bootstrapMs},
            stop,
        };
    } catch (err) {
        await stop().catch(() => undefined);
        throw err;
    }
}
