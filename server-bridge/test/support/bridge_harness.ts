import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {Writable} from 'node:stream';

import {createBridge, type Bridge} from '../../src/bridge.js';
import {loadConfig} from '../../src/config/config.js';
import {createLogger} from '../../src/observability/logger.js';
import type {Clock} from '../../src/ports/clock.js';
import {startPostgres, type Postgres} from '../../../test/support/postgres.js';

export const ADMIN_TOKEN = 'operator-token-for-tests-0123456789';

/**
 * BRIDGE_ALLOWED_INTERNAL_HOSTS of test bridges: every upstream of a test (stand-ins, recorders,
 * the real Mattermost of the e2e suite) listens on loopback. Tests of the refusal override it.
 */
export const LOOPBACK_HOSTS = '127.0.0.0/8,::1,localhost';

export type Engine = 'sqlite' | 'postgres';

/** The engines every storage-touching suite runs on. `BRIDGE_TEST_ENGINES=sqlite` narrows it. */
export const ENGINES: Engine[] = (process.env.BRIDGE_TEST_ENGINES ?? 'sqlite,postgres')
    .split(',').map((engine) => engine.trim()).filter((engine): engine is Engine => engine === 'sqlite' || engine === 'postgres');

let sharedPostgres: Promise<Postgres> | undefined;
let databaseCounter = 0;

/** One throw-away PostgreSQL server per test process, stopped when the process exits. */
export function postgresServer(): Promise<Postgres> {
    sharedPostgres ??= startPostgres();
    return sharedPostgres;
}

export async function stopPostgresServer(): Promise<void> {
    if (sharedPostgres) {
        const server = await sharedPostgres;
        sharedPostgres = undefined;
        await server.stop();
    }
}

/** A fresh, empty database URL for the engine: a new SQLite file, or a new PostgreSQL database. */
export async function freshDatabaseUrl(engine: Engine, dir: string): Promise<string> {
    if (engine === 'sqlite') {
        return `sqlite:${path.join(dir, 'bridge.db')}`;
    }
    const server = await postgresServer();
    databaseCounter += 1;
    return server.createDatabase(`bridge_${process.pid}_${databaseCounter}`);
}

export interface RunningBridge {
    bridge: Bridge;
    url: string;
    dir: string;
    databaseUrl: string;
    /** Every log line the bridge wrote (JSON strings), for "no secret in the logs" checks. */
    logs: string[];
    close(): Promise<void>;
}

/**
 * Starts a real bridge in this process on 127.0.0.1 (free port) with its own data directory and
 * database. `env` overrides the environment it is configured from (as `npm start` would be).
 */
export async function startBridge(options: {engine?: Engine; env?: Record<string, string>; databaseUrl?: string; dir?: string; probeWaitMs?: number; clock?: Clock} = {}): Promise<RunningBridge> {
    const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'bridge-test-'));
    const databaseUrl = options.databaseUrl ?? await freshDatabaseUrl(options.engine ?? 'sqlite', dir);
    const config = loadConfig({
        BRIDGE_HOST: '127.0.0.1',
        BRIDGE_PORT: '0',
        BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
        BRIDGE_DATA_DIR: dir,
        DATABASE_URL: databaseUrl,
        LOG_LEVEL: 'info',
        BRIDGE_DELIVERY_BASE_BACKOFF_MS: '20',
        BRIDGE_DELIVERY_MAX_BACKOFF_MS: '200',
        BRIDGE_DELIVERY_POLL_MS: '20',
        BRIDGE_ALLOWED_INTERNAL_HOSTS: LOOPBACK_HOSTS,
        ...options.env,
    });
    const logs: string[] = [];
    const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
            logs.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
            done();
        },
    });
    const bridge = await createBridge({config, logger: createLogger(config.logLevel, sink), defaultMetrics: false, probeWaitMs: options.probeWaitMs, clock: options.clock});
    const url = await bridge.start();
    return {
        bridge,
        url,
        dir,
        databaseUrl,
        logs,
        async close() {
            await bridge.close();
            if (!options.dir) {
                rmSync(dir, {recursive: true, force: true});
            }
        },
    };
}

/**
 * A clock for tests that move time: the real time shifted by an offset, so signatures, leases and
 * the stand-ins' clocks stay in step while `advance`/`set` move what the bridge sees as now.
 */
export class TestClock implements Clock {
    #offset = 0;
    now(): number {
        return Date.now() + this.#offset;
    }
    advance(ms: number): void {
        this.#offset += ms;
    }
    /** Makes now `at` (ms). */
    set(at: number): void {
        this.#offset = at - Date.now();
    }
}

/** Polls `check` until it returns a truthy value (bounded; no timing assertions). */
export async function waitFor<T>(check: () => Promise<T> | T, what: string, timeoutMs = 20_000, intervalMs = 25): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = await check();
        if (value) {
            return value as NonNullable<T>;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}
