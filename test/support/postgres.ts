// A throw-away PostgreSQL server for tests: Debian's `postgresql` binaries, `initdb` into a fresh
// temporary directory, listening on 127.0.0.1 only (free port) with its unix socket inside that
// directory, trust authentication for the `postgres` superuser, durability switched off for speed.
//
// Generic on purpose (no Mattermost specifics): shared by the bridge's own tests, the end-to-end
// harness and the benchmarks, none of which depends on another through it.
//
// Contract:
// - `startPostgres()` resolves once the server accepts connections and the first database exists;
//   if anything fails on the way it stops what it started, removes the directory, and rejects with
//   the server log's tail in the message.
// - `stop()` is idempotent; it stops the server (fast shutdown, then SIGKILL after a bounded wait)
//   and removes the directory. A process exit/SIGINT/SIGTERM hook kills a server whose `stop()` was never
//   reached (./cleanup.ts).
// - When running as root, `initdb` and `postgres` run as the `postgres` system user (PostgreSQL
//   refuses to run as root); the temporary directory is handed to that user.
import {spawn, execFile, type ChildProcess} from 'node:child_process';
import {promisify} from 'node:util';
import {mkdtemp, rm, chown, readdir, readFile, access, mkdir, open} from 'node:fs/promises';
import {rmSync, readFileSync, constants as fsConstants} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import path from 'node:path';

import {registerCleanup} from './cleanup.js';

const execFileP = promisify(execFile);

export interface StartPostgresOptions {
    /** Name of the database created at start (default `test`); `url` points at it. */
    database?: string;
    /** Directory holding `initdb`/`postgres`/`psql` (default: `PG_BIN`, else the newest `/usr/lib/postgresql/<v>/bin`). */
    binDir?: string;
    /** Extra `-c name=value` server settings. */
    settings?: Record<string, string | number>;
    /** Milliseconds to wait for the server to accept connections (default 60 000). */
    readyTimeoutMs?: number;
}

export interface Postgres {
    /** `postgres://postgres@127.0.0.1:<port>/<database>?sslmode=disable` */
    url: string;
    host: '127.0.0.1';
    port: number;
    user: 'postgres';
    /** The postmaster's process id. */
    pid: number;
    /** The temporary directory (data, socket, log). Removed by `stop()`. */
    dir: string;
    /** Creates a database (name: letters, digits, `_`) and returns its connection URL. */
    createDatabase(name: string): Promise<string>;
    /** Connection URL for a database by name (does not create it). */
    urlFor(name: string): string;
    /** Stops the server and removes the directory. Idempotent. */
    stop(): Promise<void>;
}

const SUPERUSER = 'postgres';

/** Finds the PostgreSQL binaries: `PG_BIN`, else the highest version under /usr/lib/postgresql. */
export async function findPostgresBinDir(): Promise<string> {
    const fromEnv = process.env.PG_BIN;
    if (fromEnv) {
        await access(path.join(fromEnv, 'postgres'), fsConstants.X_OK);
        return fromEnv;
    }
    const root = '/usr/lib/postgresql';
    let versions: string[] = [];
    try {
        versions = (await readdir(root)).filter((v) => /^\d+(\.\d+)?$/.test(v));
    } catch {
        // fall through to the error below
    }
    versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    for (const v of versions) {
        const bin = path.join(root, v, 'bin');
        try {
            await access(path.join(bin, 'postgres'), fsConstants.X_OK);
            return bin;
        } catch {
            // try the next version
        }
    }
    throw new Error(`no PostgreSQL server binaries found under ${root} (install Debian's "postgresql", or set PG_BIN)`);
}

/** A TCP port that was free on 127.0.0.1 a moment ago (PostgreSQL cannot listen on port 0). */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.unref();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const addr = srv.address();
            const port = typeof addr === 'object' && addr ? addr.port : 0;
            srv.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))));
        });
    });
}

function isRoot(): boolean {
    return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Command line that runs `cmd` as the postgres system user when we are root. */
function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
    return isRoot() ? ['runuser', ['-u', SUPERUSER, '--', cmd, ...args]] : [cmd, args];
}

async function systemUserIds(name: string): Promise<{uid: number; gid: number}> {
    const passwd = await readFile('/etc/passwd', 'utf8');
    for (const line of passwd.split('\n')) {
        const f = line.split(':');
        if (f[0] === name) {
            return {uid: Number(f[2]), gid: Number(f[3])};
        }
    }
    throw new Error(`running as root but there is no "${name}" system user to run PostgreSQL as`);
}

async function logTail(file: string, lines = 30): Promise<string> {
    try {
        return (await readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
    } catch {
        return '(no log)';
    }
}

function delay(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

/** Like delay() but does not keep the process alive (for the losing side of a race). */
function unrefDelay(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms).unref());
}

function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

const DB_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export async function startPostgres(options: StartPostgresOptions = {}): Promise<Postgres> {
    const database = options.database ?? 'test';
    if (!DB_NAME.test(database)) {
        throw new Error(`invalid database name ${JSON.stringify(database)}`);
    }
    const binDir = options.binDir ?? (await findPostgresBinDir());
    const dir = await mkdtemp(path.join(tmpdir(), 'ireserve-pg-'));
    const dataDir = path.join(dir, 'data');
    const socketDir = path.join(dir, 'sock');
    const logFile = path.join(dir, 'postgres.log');

    let child: ChildProcess | undefined;
    let postmasterPid: number | undefined;
    let stopped = false;

    const killNow = (): void => {
        // Still starting: the postmaster's pid (child.pid may be runuser's) is in its pid file.
        const pids = [postmasterPid ?? readPostmasterPidSync(dataDir), child?.pid];
        for (const pid of pids) {
            if (pid && processAlive(pid)) {
                try {
                    process.kill(pid, 'SIGKILL');
                } catch {
                    // already gone
                }
            }
        }
    };
    const onExit = (): void => {
        killNow();
        try {
            rmSync(dir, {recursive: true, force: true});
        } catch {
            // best effort at process exit
        }
    };
    const unregister = registerCleanup(onExit);

    const stop = async (): Promise<void> => {
        if (stopped) {
            return;
        }
        stopped = true;
        unregister();
        // SIGINT = "fast" shutdown: disconnect clients, no checkpoint wait beyond what is needed.
        const pid = postmasterPid ?? child?.pid;
        if (pid && processAlive(pid)) {
            try {
                process.kill(pid, 'SIGINT');
            } catch {
                // already gone
            }
            for (let i = 0; i < 100 && processAlive(pid); i++) {
                await delay(100);
            }
        }
        killNow();
        // runuser waits for postgres; give it a moment so the directory is no longer in use.
        if (child && child.exitCode === null && child.signalCode === null) {
            await Promise.race([new Promise((r) => child!.once('exit', r)), unrefDelay(5000)]);
        }
        await rm(dir, {recursive: true, force: true});
    };

    try {
        await mkdir(dataDir, {mode: 0o700});
        await mkdir(socketDir, {mode: 0o700});
        if (isRoot()) {
            const {uid, gid} = await systemUserIds(SUPERUSER);
            for (const p of [dir, dataDir, socketDir]) {
                await chown(p, uid, gid);
            }
        }

        const [initCmd, initArgs] = asPostgresUser(path.join(binDir, 'initdb'), [
            '-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync',
        ]);
        try {
            await execFileP(initCmd, initArgs, {cwd: dir, maxBuffer: 10 * 1024 * 1024});
        } catch (err) {
            const e = err as {stderr?: string; message: string};
            throw new Error(`initdb failed: ${e.stderr || e.message}`);
        }

        const settings: Record<string, string | number> = {
            listen_addresses: '127.0.0.1',
            unix_socket_directories: socketDir,
            fsync: 'off',
            synchronous_commit: 'off',
            full_page_writes: 'off',
            max_connections: 300,
            shared_buffers: '64MB',
            ...options.settings,
        };

        // The port is only "probably free" (PostgreSQL cannot bind port 0): retry on a clash.
        let port = 0;
        for (let attempt = 1; ; attempt++) {
            port = await freePort();
            const args = ['-D', dataDir, '-p', String(port)];
            for (const [k, v] of Object.entries(settings)) {
                args.push('-c', `${k}=${v}`);
            }
            const [cmd, cmdArgs] = asPostgresUser(path.join(binDir, 'postgres'), args);
            const log = await open(logFile, 'a');
            child = spawn(cmd, cmdArgs, {cwd: dir, stdio: ['ignore', log.fd, log.fd]});
            await log.close();
            const ready = await waitReady(binDir, port, child, options.readyTimeoutMs ?? 60_000);
            if (ready === 'ready') {
                break;
            }
            const tail = await logTail(logFile);
            if (ready === 'exited' && /could not bind|address already in use/i.test(tail) && attempt < 3) {
                continue;
            }
            throw new Error(`PostgreSQL did not start (${ready}); log tail:\n${tail}`);
        }
        postmasterPid = await readPostmasterPid(dataDir);
        if (!postmasterPid) {
            throw new Error(`PostgreSQL answers but ${dataDir}/postmaster.pid is unreadable`);
        }
        const pid = postmasterPid;

        const urlFor = (name: string): string =>
            `postgres://${SUPERUSER}@127.0.0.1:${port}/${encodeURIComponent(name)}?sslmode=disable`;

        const createDatabase = async (name: string): Promise<string> => {
            if (!DB_NAME.test(name)) {
                throw new Error(`invalid database name ${JSON.stringify(name)}`);
            }
            try {
                await execFileP(path.join(binDir, 'psql'), [
                    '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER,
                    '-d', 'postgres', '-c', `CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`,
                ], {env: {...process.env, PGCONNECT_TIMEOUT: '10'}});
            } catch (err) {
                const e = err as {stderr?: string; message: string};
                throw new Error(`CREATE DATABASE ${name} failed: ${e.stderr || e.message}`);
            }
            return urlFor(name);
        };

        const url = await createDatabase(database);
        return {url, host: '127.0.0.1', port, user: SUPERUSER, pid, dir, createDatabase, urlFor, stop};
    } catch (err) {
        await stop().catch(() => undefined);
        throw err;
    }
}

function readPostmasterPidSync(dataDir: string): number | undefined {
    try {
        const pid = Number.parseInt(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
        return Number.isFinite(pid) && pid > 0 ? pid : undefined;
    } catch {
        return undefined;
    }
}

async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
    try {
        const pid = Number.parseInt((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0] ?? '', 10);
        return Number.isFinite(pid) && pid > 0 ? pid : undefined;
    } catch {
        return undefined;
    }
}

/** Polls `pg_isready` over TCP until the server answers, the child exits, or time runs out. */
async function waitReady(
    binDir: string, port: number, child: ChildProcess, timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) {
            return 'exited';
        }
        try {
            await execFileP(path.join(binDir, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-t', '2']);
            return 'ready';
        } catch {
            await delay(100);
        }
    }
    return 'timeout';
}
