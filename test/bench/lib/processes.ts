// Child processes of a benchmark run: bridges (real `node server-bridge/dist/main.js`, or tsx on the
// sources when the build is missing or stale), the Mattermost stand-in (its CLI), the Fastify
// "hello" baseline. Every child is tracked and killed when the run ends, whatever happens.
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import {closeSync, existsSync, openSync, readFileSync, readdirSync, statSync} from 'node:fs';
import {createServer} from 'node:net';
import path from 'node:path';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';

/** BRIDGE_ALLOWED_INTERNAL_HOSTS of every benchmark bridge: its upstreams are local servers. */
const LOOPBACK_HOSTS = '127.0.0.0/8,::1,localhost';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TEST_DIR = path.join(ROOT, 'test');

const children = new Set<ChildProcess>();

function killAll(): void {
    for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
            try {
                child.kill('SIGKILL');
            } catch {
                // gone
            }
        }
    }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
        killAll();
        process.exit(130);
    });
}

export function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A port that was free on 127.0.0.1 a moment ago (bridges keep theirs across restarts). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const address = srv.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            srv.close(() => resolve(port));
        });
    });
}

/** Bounded polling: the first truthy value of `check`, or an error naming `what` after `timeoutMs`. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30_000, intervalMs = 50): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
        try {
            const value = await check();
            if (value) {
                return value as NonNullable<T>;
            }
        } catch (error) {
            lastError = error;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
        }
        await sleep(intervalMs);
    }
}

function newestMtime(dir: string): number {
    let newest = 0;
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
        const full = path.join(dir, entry.name);
        newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
    }
    return newest;
}

export type BridgeRunner = 'dist' | 'tsx';

/**
 * How bridges are started: the build (`node dist/main.js`) when it is at least as new as every
 * source file, else tsx on the sources (same runtime code, slower start). BENCH_BRIDGE=dist|tsx forces one.
 */
export function bridgeRunner(): BridgeRunner {
    const forced = process.env.BENCH_BRIDGE;
    if (forced === 'dist' || forced === 'tsx') {
        return forced;
    }
    const main = path.join(ROOT, 'server-bridge/dist/main.js');
    if (!existsSync(main)) {
        return 'tsx';
    }
    return newestMtime(path.join(ROOT, 'server-bridge/dist')) >= newestMtime(path.join(ROOT, 'server-bridge/src')) ? 'dist' : 'tsx';
}

/** Reads VmRSS / VmHWM of a process in bytes (null once it is gone). */
export function readRss(pid: number): {rss: number; hwm: number} | null {
    try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kb = (field: string) => Number(/\s(\d+)\s+kB/.exec(status.split('\n').find((l) => l.startsWith(field)) ?? '')?.[1] ?? 0);
        return {rss: kb('VmRSS:') * 1024, hwm: kb('VmHWM:') * 1024};
    } catch {
        return null;
    }
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat. */
export function readCpuMs(pid: number): number | null {
    try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
    } catch {
        return null;
    }
}

/**
 * Scheduler statistics of a process's main thread from /proc/<pid>/schedstat: time on a CPU and
 * time spent runnable but waiting for one (the machine is shared: this shows the contention).
 */
export function readSched(pid: number): {cpuMs: number; waitMs: number} | null {
    try {
        const [cpu, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(/\s+/).map(Number);
        return {cpuMs: cpu! / 1e6, waitMs: wait! / 1e6};
    } catch {
        return null;
    }
}

/** CPU and run-queue time used by a process while `work` runs. */
export async function measureCpu<T>(pid: number, work: () => Promise<T>): Promise<{result: T; cpuMs: number; mainThreadWaitMs: number; wallMs: number}> {
    const cpu0 = readCpuMs(pid) ?? 0;
    const sched0 = readSched(pid);
    const t0 = Date.now();
    const result = await work();
    const wallMs = Date.now() - t0;
    const sched1 = readSched(pid);
    return {result, cpuMs: (readCpuMs(pid) ?? 0) - cpu0, mainThreadWaitMs: sched0 && sched1 ? sched1.waitMs - sched0.waitMs : Number.NaN, wallMs};
}

/** The flags `npm start` puts before the entry point: what its heap_flag script prints for this environment. */
function npmStartFlags(runner: BridgeRunner, env: Record<string, string>): string[] {
    const script = runner === 'dist'
        ? [path.join(ROOT, 'server-bridge/dist/heap_flag.js')]
        : ['--import', 'tsx', path.join(ROOT, 'server-bridge/src/heap_flag.ts')];
    return execFileSync(process.execPath, script, {cwd: ROOT, env, encoding: 'utf8'}).split(/\s+/).filter((flag) => flag !== '');
}

export interface BridgeOptions {
    name: string;
    port: number;
    env: Record<string, string>;
    logFile: string;
    /** Extra node flags (e.g. --cpu-prof). */
    nodeFlags?: string[];
    /**
     * Start the bridge as `npm start` does (server-bridge/package.json:
     * `node $(node dist/heap_flag.js) dist/main.js`): the heap flag is printed by the same script,
     * run with the bridge's own environment, and nothing else is added.
     */
    npmStart?: boolean;
}

/** One bridge process; `restart()` starts it again on the same port with the same environment. */
export class BridgeProcess {
    child: ChildProcess | undefined;
    readonly url: string;
    starts = 0;
    readonly runner = bridgeRunner();

    constructor(readonly options: BridgeOptions) {
        this.url = `http://127.0.0.1:${options.port}`;
    }

    get pid(): number {
        return this.child?.pid ?? 0;
    }

    get alive(): boolean {
        return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
    }

    /** The node flags of the last start: the given ones, and with `npmStart` the heap bound `npm start` adds. */
    startFlags: string[] = [];

    /** Spawns the process and waits until /healthz answers 200. */
    async start(timeoutMs = 60_000): Promise<void> {
        const entry = this.runner === 'dist'
            ? [path.join(ROOT, 'server-bridge/dist/main.js')]
            : ['--import', 'tsx', path.join(ROOT, 'server-bridge/src/main.ts')];
        const env = {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: process.env.HOME ?? '/tmp',
            NODE_ENV: 'production',
            BRIDGE_HOST: '127.0.0.1',
            BRIDGE_PORT: String(this.options.port),
            BRIDGE_PUBLIC_URL: this.url,
            // The stand-ins, the i-Reserve recorder and Mattermost all listen on loopback.
            BRIDGE_ALLOWED_INTERNAL_HOSTS: LOOPBACK_HOSTS,
            ...this.options.env,
        };
        this.startFlags = [...(this.options.nodeFlags ?? []), ...(this.options.npmStart ? npmStartFlags(this.runner, env) : [])];
        const log = openSync(this.options.logFile, 'a');
        const child = spawn(process.execPath, [...this.startFlags, ...entry], {
            cwd: ROOT,
            env,
            stdio: ['ignore', log, log],
        });
        closeSync(log);
        children.add(child);
        child.once('exit', () => children.delete(child));
        this.child = child;
        this.starts += 1;
        await waitFor(async () => {
            if (!this.alive) {
                throw new Error(`bridge ${this.options.name} exited during start (code ${child.exitCode}, signal ${child.signalCode}); see ${this.options.logFile}`);
            }
            const response = await fetch(`${this.url}/healthz`);
            await response.arrayBuffer();
            return response.ok;
        }, `bridge ${this.options.name} to answer /healthz`, timeoutMs, 25).catch((error: Error) => {
            if (/exited during start/.test(error.message)) {
                throw new Error(error.message.replace(/^timed out.*?\(last error: /, '').replace(/\)$/, ''));
            }
            throw error;
        });
    }

    /** SIGKILL, no goodbye (the crash the outbox must survive). Resolves once the process is gone. */
    async kill(): Promise<void> {
        const child = this.child;
        if (!child || !this.alive) {
            return;
        }
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
    }

    /** SIGTERM and wait (graceful: deliveries under way finish; a --cpu-prof file is written). */
    async stop(timeoutMs = 20_000): Promise<void> {
        const child = this.child;
        if (!child || !this.alive) {
            return;
        }
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await gone;
        clearTimeout(timer);
    }

    rss(): {rss: number; hwm: number} | null {
        return this.alive ? readRss(this.pid) : null;
    }
}

export interface StandInInfo {
    url: string;
    control: string;
    seed: {
        team: {id: string};
        channel: {id: string};
        notification_channel: {id: string};
        bot: {user: {id: string}; token: string};
        agent: {user: {id: string}; token: string};
        admin: {user: {id: string}; token: string};
    };
    pid: number;
    stop(): Promise<void>;
}

/** Starts the Mattermost stand-in in its own process (its CLI, seeded) and reads its JSON line. */
export async function startStandIn(logFile: string): Promise<StandInInfo> {
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(TEST_DIR, 'standins/mattermost/cli.ts'), '--seed'], {
        cwd: TEST_DIR,
        env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production'},
        stdio: ['ignore', 'pipe', log],
    });
    closeSync(log);
    children.add(child);
    child.once('exit', () => children.delete(child));
    const line = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({input: child.stdout!});
        const timer = setTimeout(() => reject(new Error(`the Mattermost stand-in did not start in 60 s; see ${logFile}`)), 60_000);
        rl.once('line', (text) => {
            clearTimeout(timer);
            resolve(text);
        });
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`the Mattermost stand-in exited with code ${code}; see ${logFile}`));
        });
    });
    child.stdout!.resume();
    const parsed = JSON.parse(line) as {url: string; control_url: string; seed: StandInInfo['seed']};
    return {
        url: parsed.url,
        control: parsed.control_url,
        seed: parsed.seed,
        pid: child.pid!,
        async stop() {
            if (child.exitCode === null && child.signalCode === null) {
                const gone = new Promise((resolve) => child.once('exit', resolve));
                child.kill('SIGTERM');
                const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
                await gone;
                clearTimeout(timer);
            }
        },
    };
}

/** A plain child process started with tsx from the test workspace, reporting its URL on stdout. */
export async function startScript(script: string, args: string[], logFile: string, env: Record<string, string> = {}): Promise<{url: string; pid: number; stop(): Promise<void>}> {
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
        cwd: TEST_DIR,
        env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', ...env},
        stdio: ['ignore', 'pipe', log],
    });
    closeSync(log);
    children.add(child);
    child.once('exit', () => children.delete(child));
    const url = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({input: child.stdout!});
        const timer = setTimeout(() => reject(new Error(`${script} did not start in 60 s; see ${logFile}`)), 60_000);
        rl.once('line', (text) => {
            clearTimeout(timer);
            resolve(text.trim());
        });
        child.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`${script} exited with code ${code}; see ${logFile}`));
        });
    });
    child.stdout!.resume();
    return {
        url,
        pid: child.pid!,
        async stop() {
            if (child.exitCode === null && child.signalCode === null) {
                const gone = new Promise((resolve) => child.once('exit', resolve));
                child.kill('SIGTERM');
                const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
                await gone;
                clearTimeout(timer);
            }
        },
    };
}
