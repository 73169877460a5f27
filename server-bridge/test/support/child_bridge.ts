import {spawn, type ChildProcess} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import {ADMIN_TOKEN, LOOPBACK_HOSTS} from './bridge_harness.js';

const BRIDGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A bridge running as its own process: the real entry point, so a test can kill it with SIGKILL. */
export interface ChildBridge {
    process: ChildProcess;
    url: string;
    /** Resolves with the exit code (null when killed by a signal). */
    exited: Promise<number | null>;
}

/**
 * Runs the real entry point (`src/main.ts` with tsx), as `npm run dev` would, configured by `env`
 * on top of this process's environment, and waits (up to 60 s) for the URL it listens on.
 * Rejects with its output when it exits or does not start.
 */
export async function startChildBridge(env: Record<string, string>): Promise<ChildBridge> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {cwd: BRIDGE_DIR, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']});
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the bridge did not start: ${output}`)), 60_000);
        child.stdout!.on('data', (chunk: Buffer) => {
            output += chunk.toString('utf8');
            const match = /listening on (http:\/\/[^\s]+)/.exec(output);
            if (match) {
                clearTimeout(timer);
                resolve(match[1]!);
            }
        });
        child.stderr!.on('data', (chunk: Buffer) => {
            output += chunk.toString('utf8');
        });
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`the bridge exited with ${code}: ${output}`));
        });
    });
    return {process: child, url, exited};
}

/**
 * The environment a crash test gives its child bridges on `databaseUrl`: loopback on port 0, a fresh
 * secret key, the tests' admin token, quick delivery retries and polling, and a short lease (2 s) so a
 * restarted process takes a killed one's jobs over soon.
 */
export function childBridgeEnv(databaseUrl: string): Record<string, string> {
    return {
        BRIDGE_HOST: '127.0.0.1',
        BRIDGE_PORT: '0',
        DATABASE_URL: databaseUrl,
        BRIDGE_SECRET_KEY: randomBytes(32).toString('hex'),
        BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
        LOG_LEVEL: 'warn',
        BRIDGE_DELIVERY_BASE_BACKOFF_MS: '20',
        BRIDGE_DELIVERY_MAX_BACKOFF_MS: '200',
        BRIDGE_DELIVERY_POLL_MS: '20',
        BRIDGE_ALLOWED_INTERNAL_HOSTS: LOOPBACK_HOSTS,
        BRIDGE_DELIVERY_LEASE_MS: '2000',
    };
}

/** Starts child bridges and remembers each, so a test's clean-up can kill whatever still runs. */
export class ChildBridges {
    private readonly started: ChildBridge[] = [];

    /** `startChildBridge(env)`, remembered for `killAll`. */
    async start(env: Record<string, string>): Promise<ChildBridge> {
        const child = await startChildBridge(env);
        this.started.push(child);
        return child;
    }

    /** Kills (SIGKILL) every started bridge that has not exited yet, and waits for each to go. */
    async killAll(): Promise<void> {
        for (const child of this.started) {
            if (child.process.exitCode === null && child.process.signalCode === null) {
                child.process.kill('SIGKILL');
                await child.exited;
            }
        }
    }
}
