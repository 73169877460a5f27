// Boots the real Mattermost server (built by ../mmserver/build.sh) for end-to-end tests.
//
// Configuration is by environment only (MM_<SECTION>_<SETTING> overrides; the config file is an
// empty file in the temporary directory). Everything points at loopback or at the temporary
// directory: site URL and listen address on a free 127.0.0.1 port, files, plugins, logs, the
// local-mode socket. Everything that would call out (telemetry, Sentry, notices, security-fix
// alerts, marketplace, prepackaged plugins, link previews, push/e-mail notifications) is off.
//
// Contract:
// - `ensureMattermostBuilt()` runs build.sh (a no-op when the binary for the pin is cached) and
//   returns the binary and run directory; it throws with build.sh's error if the build fails.
// - `startMattermost()` resolves once `GET /api/v4/system/ping` answers 200; on any failure it
//   kills the process, removes the temporary directory and rejects with the log tail.
// - `stop()` is idempotent: SIGKILL (SIGTERM first, bounded, with MM_E2E_GRACEFUL_STOP=1), then the
//   directory is removed (kept when MM_E2E_KEEP=1, for debugging). A process exit/SIGINT/SIGTERM hook kills a
//   server whose `stop()` was never reached (./cleanup.ts).
import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtemp, mkdir, open, readFile, rm, access} from 'node:fs/promises';
import {rmSync, constants as fsConstants} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {freePort} from '../../support/postgres.js';
import {registerCleanup} from '../../support/cleanup.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BUILD_SCRIPT = path.resolve(here, '..', 'mmserver', 'build.sh');

export interface MattermostBuild {
    binary: string;
    /** Working directory for the server: holds i18n/, templates/, fonts/ links. */
    runDir: string;
    /** Wall-clock milliseconds build.sh took (tiny when the cached binary was reused). */
    buildMs: number;
    /** Whether build.sh reused a cached binary. */
    cached: boolean;
}

/**
 * Builds the server if needed. `MM_E2E_RUN_DIR` (+ optional `MM_E2E_BINARY`) skip build.sh and use
 * an existing run directory. build.sh's output goes to stderr as it happens.
 */
export async function ensureMattermostBuilt(): Promise<MattermostBuild> {
    const started = Date.now();
    const runDirFromEnv = process.env.MM_E2E_RUN_DIR;
    if (runDirFromEnv) {
        const binary = process.env.MM_E2E_BINARY ?? path.join(runDirFromEnv, '..', 'bin', 'mattermost');
        await access(binary, fsConstants.X_OK);
        return {binary, runDir: runDirFromEnv, buildMs: 0, cached: true};
    }
    const out = await new Promise<string>((resolve, reject) => {
        const child = spawn('bash', [BUILD_SCRIPT], {stdio: ['ignore', 'pipe', 'inherit']});
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            process.stderr.write(chunk);
        });
        child.on('error', reject);
        child.on('exit', (code, signal) => {
            if (code === 0) {
                resolve(stdout);
            } else {
                reject(new Error(`${BUILD_SCRIPT} failed (${signal ?? `exit ${code}`}); see its output above`));
            }
        });
    });
    const lines = out.trim().split('\n');
    const runDir = (lines[lines.length - 1] ?? '').trim();
    const binary = path.join(runDir, '..', 'bin', 'mattermost');
    await access(binary, fsConstants.X_OK);
    return {binary, runDir, buildMs: Date.now() - started, cached: /build skipped/.test(out)};
}

export interface StartMattermostOptions {
    /** PostgreSQL URL of an empty (or Mattermost) database. */
    databaseUrl: string;
    /** Defaults to `ensureMattermostBuilt()`. */
    build?: Pick<MattermostBuild, 'binary' | 'runDir'>;
    /** Extra or overriding MM_* variables (e.g. `{MM_RATELIMITSETTINGS_ENABLE: 'true'}`). */
    env?: Record<string, string>;
    /** Milliseconds to wait for the ping (default 240 000: the first boot migrates the schema). */
    readyTimeoutMs?: number;
}

export interface MattermostServer {
    /** `http://127.0.0.1:<port>` (also the configured SiteURL). */
    url: string;
    port: number;
    /** Temporary directory: config.json, data/, plugins/, client/plugins/, logs/, local socket. */
    dir: string;
    /** Server log (JSON lines) and the process's own stdout/stderr. */
    logFile: string;
    stdoutFile: string;
    /** Local-mode unix socket (unauthenticated admin API, e.g. for mmctl --local). */
    localSocket: string;
    /** The environment the server was started with (MM_* only). */
    env: Record<string, string>;
    /** Milliseconds from spawn to the first successful ping. */
    bootMs: number;
    stop(): Promise<void>;
}

/** The MM_* environment for a server in `dir` on `port`. Exported for documentation and tests. */
export function mattermostEnv(dir: string, port: number, databaseUrl: string): Record<string, string> {
    const siteUrl = `http://127.0.0.1:${port}`;
    const dsn = new URL(databaseUrl);
    if (!dsn.searchParams.has('sslmode')) {
        dsn.searchParams.set('sslmode', 'disable');
    }
    if (!dsn.searchParams.has('connect_timeout')) {
        dsn.searchParams.set('connect_timeout', '10');
    }
    return {
        MM_CONFIG: path.join(dir, 'config.json'),

        MM_SQLSETTINGS_DRIVERNAME: 'postgres',
        MM_SQLSETTINGS_DATASOURCE: dsn.toString(),
        MM_SQLSETTINGS_MAXOPENCONNS: '50',

        MM_SERVICESETTINGS_SITEURL: siteUrl,
        MM_SERVICESETTINGS_LISTENADDRESS: `127.0.0.1:${port}`,
        MM_SERVICESETTINGS_ENABLEBOTACCOUNTCREATION: 'true',
        MM_SERVICESETTINGS_ENABLEUSERACCESSTOKENS: 'true',
        MM_SERVICESETTINGS_ENABLEOUTGOINGWEBHOOKS: 'true',
        MM_SERVICESETTINGS_ENABLEINCOMINGWEBHOOKS: 'true',
        MM_SERVICESETTINGS_ENABLEPOSTUSERNAMEOVERRIDE: 'true',
        MM_SERVICESETTINGS_ENABLEPOSTICONOVERRIDE: 'true',
        MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS: 'localhost 127.0.0.1',
        MM_SERVICESETTINGS_ENABLELOCALMODE: 'true',
        MM_SERVICESETTINGS_LOCALMODESOCKETLOCATION: path.join(dir, 'local.socket'),
        MM_SERVICESETTINGS_ALLOWCORSFROM: '*',
        MM_SERVICESETTINGS_ENABLEDEVELOPER: 'true',
        MM_SERVICESETTINGS_ENABLEAPITEAMDELETION: 'true',
        MM_SERVICESETTINGS_ENABLESECURITYFIXALERT: 'false',
        MM_SERVICESETTINGS_ENABLELINKPREVIEWS: 'false',
        MM_SERVICESETTINGS_ENABLEPERMALINKPREVIEWS: 'false',
        MM_SERVICESETTINGS_ENABLEGIFPICKER: 'false',
        MM_SERVICESETTINGS_ENABLEONBOARDINGFLOW: 'false',
        MM_SERVICESETTINGS_ENABLEAWSMETERING: 'false',

        MM_TEAMSETTINGS_ENABLEOPENSERVER: 'true',
        MM_TEAMSETTINGS_ENABLEUSERCREATION: 'true',
        MM_TEAMSETTINGS_MAXUSERSPERTEAM: '1000',

        MM_EMAILSETTINGS_REQUIREEMAILVERIFICATION: 'false',
        MM_EMAILSETTINGS_SENDEMAILNOTIFICATIONS: 'false',
        MM_EMAILSETTINGS_SENDPUSHNOTIFICATIONS: 'false',
        MM_EMAILSETTINGS_SMTPSERVER: '127.0.0.1',

        MM_RATELIMITSETTINGS_ENABLE: 'false',

        MM_PLUGINSETTINGS_ENABLE: 'true',
        MM_PLUGINSETTINGS_ENABLEUPLOADS: 'true',
        MM_PLUGINSETTINGS_DIRECTORY: path.join(dir, 'plugins'),
        MM_PLUGINSETTINGS_CLIENTDIRECTORY: path.join(dir, 'client', 'plugins'),
        MM_PLUGINSETTINGS_ENABLEMARKETPLACE: 'false',
        MM_PLUGINSETTINGS_ENABLEREMOTEMARKETPLACE: 'false',
        MM_PLUGINSETTINGS_AUTOMATICPREPACKAGEDPLUGINS: 'false',

        MM_FILESETTINGS_DRIVERNAME: 'local',
        MM_FILESETTINGS_DIRECTORY: path.join(dir, 'data') + path.sep,
        MM_EXPORTSETTINGS_DIRECTORY: path.join(dir, 'export'),
        MM_IMPORTSETTINGS_DIRECTORY: path.join(dir, 'import'),
        MM_COMPLIANCESETTINGS_DIRECTORY: path.join(dir, 'compliance') + path.sep,

        MM_LOGSETTINGS_ENABLEDIAGNOSTICS: 'false',
        MM_LOGSETTINGS_ENABLESENTRY: 'false',
        MM_LOGSETTINGS_ENABLECONSOLE: 'true',
        MM_LOGSETTINGS_CONSOLELEVEL: 'ERROR',
        MM_LOGSETTINGS_ENABLEFILE: 'true',
        MM_LOGSETTINGS_FILELEVEL: process.env.MM_E2E_LOG_LEVEL ?? 'INFO',
        MM_LOGSETTINGS_FILELOCATION: path.join(dir, 'logs'),
        MM_NOTIFICATIONLOGSETTINGS_ENABLECONSOLE: 'false',
        MM_NOTIFICATIONLOGSETTINGS_FILELOCATION: path.join(dir, 'logs'),

        MM_ANNOUNCEMENTSETTINGS_ADMINNOTICESENABLED: 'false',
        MM_ANNOUNCEMENTSETTINGS_USERNOTICESENABLED: 'false',
        MM_METRICSSETTINGS_ENABLE: 'false',
        MM_CLUSTERSETTINGS_ENABLE: 'false',
    };
}

async function logTail(files: string[], lines = 40): Promise<string> {
    const parts: string[] = [];
    for (const f of files) {
        try {
            const text = (await readFile(f, 'utf8')).trimEnd();
            if (text) {
                parts.push(`--- ${path.basename(f)}\n${text.split('\n').slice(-lines).join('\n')}`);
            }
        } catch {
            // not written yet
        }
    }
    return parts.join('\n') || '(no output)';
}

/** A delay that does not keep the process alive (for the losing side of a race). */
function unrefDelay(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms).unref());
}

async function pingOnce(url: string): Promise<boolean> {
    try {
        const res = await fetch(`${url}/api/v4/system/ping`, {signal: AbortSignal.timeout(5000)});
        await res.arrayBuffer();
        return res.status === 200;
    } catch {
        return false;
    }
}

export async function startMattermost(options: StartMattermostOptions): Promise<MattermostServer> {
    const build = options.build ?? (await ensureMattermostBuilt());
    const dir = await mkdtemp(path.join(tmpdir(), 'ireserve-mm-'));
    const logDir = path.join(dir, 'logs');
    const logFile = path.join(logDir, 'mattermost.log');
    const stdoutFile = path.join(dir, 'stdout.log');
    const keep = process.env.MM_E2E_KEEP === '1';

    let child: ChildProcess | undefined;
    let stopped = false;
    const alive = (): boolean => !!child && child.exitCode === null && child.signalCode === null;
    const onExit = (): void => {
        if (alive()) {
            child!.kill('SIGKILL');
        }
        if (!keep) {
            try {
                rmSync(dir, {recursive: true, force: true});
            } catch {
                // best effort at process exit
            }
        }
    };
    const unregister = registerCleanup(onExit);

    // Everything the server wrote is thrown away, so the default is SIGKILL: a graceful shutdown
    // spends ~10 s waiting for its job workers. MM_E2E_GRACEFUL_STOP=1 asks for SIGTERM first.
    const stop = async (): Promise<void> => {
        if (stopped) {
            return;
        }
        stopped = true;
        unregister();
        if (alive()) {
            const exited = new Promise((r) => child!.once('exit', r));
            if (process.env.MM_E2E_GRACEFUL_STOP === '1') {
                child!.kill('SIGTERM');
                await Promise.race([exited, unrefDelay(20_000)]);
            }
            if (alive()) {
                child!.kill('SIGKILL');
                await Promise.race([exited, unrefDelay(5000)]);
            }
        }
        if (keep) {
            console.error(`[e2e] MM_E2E_KEEP=1: kept Mattermost directory ${dir}`);
        } else {
            await rm(dir, {recursive: true, force: true});
        }
    };

    try {
        for (const d of ['data', 'plugins', 'client/plugins', 'logs', 'export', 'import', 'compliance']) {
            await mkdir(path.join(dir, d), {recursive: true});
        }

        // Port 0 is not an option (the site URL must name the port): pick a free one, retry on a clash.
        for (let attempt = 1; ; attempt++) {
            const port = await freePort();
            const url = `http://127.0.0.1:${port}`;
            const env = {...mattermostEnv(dir, port, options.databaseUrl), ...options.env};
            const out = await open(stdoutFile, 'a');
            const started = Date.now();
            child = spawn(build.binary, ['server'], {
                cwd: build.runDir,
                env: {PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, ...env},
                stdio: ['ignore', out.fd, out.fd],
            });
            await out.close();
            const spawnError = new Promise<Error>((resolve) => child!.once('error', resolve));

            const deadline = started + (options.readyTimeoutMs ?? 240_000);
            let state: 'ready' | 'exited' | 'timeout' = 'timeout';
            while (Date.now() < deadline) {
                if (!alive()) {
                    state = 'exited';
                    break;
                }
                if (await pingOnce(url)) {
                    state = 'ready';
                    break;
                }
                const err = await Promise.race([spawnError, unrefDelay(250).then(() => undefined)]);
                if (err) {
                    throw new Error(`could not start ${build.binary}: ${err.message}`);
                }
            }
            if (state === 'ready') {
                const bootMs = Date.now() - started;
                console.error(`[e2e] Mattermost ready at ${url} in ${(bootMs / 1000).toFixed(1)}s`);
                return {url, port, dir, logFile, stdoutFile, localSocket: env.MM_SERVICESETTINGS_LOCALMODESOCKETLOCATION ?? '', env, bootMs, stop};
            }
            const tail = await logTail([stdoutFile, logFile]);
            if (state === 'exited' && /address already in use/i.test(tail) && attempt < 3) {
                continue;
            }
            if (alive()) {
                child.kill('SIGKILL');
            }
            throw new Error(`Mattermost did not become ready (${state}); ${dir}:\n${tail}`);
        }
    } catch (err) {
        await stop().catch(() => undefined);
        throw err;
    }
}
