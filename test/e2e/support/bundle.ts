// The installable plugin bundle for the end-to-end suites: made the way `npm run dist` makes it,
// then installed on a real server through the REST API.
import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as tar from 'tar';
import type {Client} from '../harness/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'plugin.json'), 'utf8')) as {
    id: string; version: string; webapp: {bundle_path: string}; [k: string]: unknown;
};
export const PLUGIN_ID = manifest.id;
export const tarballPath = path.join(repoRoot, 'dist', `${manifest.id}-${manifest.version}.tar.gz`);

function newestMtime(p: string): number {
    if (!existsSync(p)) {
        return 0;
    }
    const st = statSync(p);
    if (!st.isDirectory()) {
        return st.mtimeMs;
    }
    return Math.max(st.mtimeMs, ...readdirSync(p).map((n) => newestMtime(path.join(p, n))));
}

/**
 * Makes sure dist/<id>-<version>.tar.gz exists and is not older than what it packs
 * (plugin.json, assets/, webapp/dist/main.js and its chunks in webapp/dist/public/). `make e2e` has just run `npm run dist`: then this
 * reuses it. Otherwise it runs scripts/dist.mjs: `--no-build` when webapp/dist/main.js is newer
 * than every webapp source, a full webapp build when it is missing or stale (`E2E_DIST_BUILD=1`
 * forces the build). Returns what it did.
 */
export function ensureTarball(): string {
    const mainJs = path.join(repoRoot, manifest.webapp.bundle_path);
    const sources = Math.max(newestMtime(path.join(repoRoot, 'webapp', 'src')), newestMtime(path.join(repoRoot, 'webapp', 'webpack.config.js')), newestMtime(path.join(repoRoot, 'plugin.json')));
    const stale = !existsSync(mainJs) || statSync(mainJs).mtimeMs < sources;
    const inputs = Math.max(newestMtime(path.join(repoRoot, 'plugin.json')), newestMtime(path.join(repoRoot, 'assets')), newestMtime(mainJs), newestMtime(path.join(path.dirname(mainJs), 'public')));
    const forceBuild = process.env.E2E_DIST_BUILD === '1' || stale;
    if (!forceBuild && existsSync(tarballPath) && statSync(tarballPath).mtimeMs >= inputs) {
        return 'reused dist tarball';
    }
    const args = [path.join(repoRoot, 'scripts', 'dist.mjs')];
    if (!forceBuild) {
        args.push('--no-build');
    }
    const run = spawnSync(process.execPath, args, {cwd: repoRoot, encoding: 'utf8'});
    if (run.status !== 0) {
        throw new Error(`scripts/dist.mjs ${args.slice(1).join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
    }
    return `ran scripts/dist.mjs ${args.slice(1).join(' ')}`.trim();
}

/** The tarball's bytes, the main.js and the public/ chunks it holds (read from the tarball itself). */
export async function readTarball(): Promise<{bytes: Buffer; mainJs: Buffer; chunks: Map<string, Buffer>; manifest: Record<string, unknown>}> {
    const bytes = readFileSync(tarballPath);
    const dir = mkdtempSync(path.join(tmpdir(), 'ireserve-e2e-bundle-'));
    try {
        await tar.extract({file: tarballPath, cwd: dir, strict: true});
        const top = path.join(dir, PLUGIN_ID);
        const publicDir = path.join(top, 'public');
        const chunks = new Map<string, Buffer>();
        for (const name of existsSync(publicDir) ? readdirSync(publicDir).sort() : []) {
            chunks.set(name, readFileSync(path.join(publicDir, name)));
        }
        return {
            bytes,
            mainJs: readFileSync(path.join(top, manifest.webapp.bundle_path)),
            chunks,
            manifest: JSON.parse(readFileSync(path.join(top, 'plugin.json'), 'utf8')) as Record<string, unknown>,
        };
    } finally {
        rmSync(dir, {recursive: true, force: true});
    }
}

export interface WebappPluginEntry {
    id: string;
    version: string;
    webapp?: {bundle_path?: string};
}

/** The tarball as the multipart `plugin` part (a File, named like the bundle). */
export function pluginFile(tarball: Buffer): File {
    return new File([new Uint8Array(tarball)], path.basename(tarballPath), {type: 'application/gzip'});
}

/** Uploads (force: replaces an installed copy) and enables the bundle; returns the webapp-list entry. */
export async function installPlugin(admin: Client, tarball: Buffer): Promise<WebappPluginEntry> {
    await admin.uploadPlugin(pluginFile(tarball), true);
    await admin.enablePlugin(PLUGIN_ID);
    const list = (await admin.getWebappPlugins()) as unknown as WebappPluginEntry[];
    const entry = list.find((p) => p.id === PLUGIN_ID);
    if (!entry) {
        throw new Error(`${PLUGIN_ID} not in GET /api/v4/plugins/webapp after enabling: ${JSON.stringify(list)}`);
    }
    return entry;
}

/**
 * Where the web app loads the bundle from: the list says `/static/<id>/<id>_<hash>_bundle.js`, and
 * the Mattermost web app (plugins/index) rewrites `/static/` to `/static/plugins/` before adding
 * the site URL — the server's plugin file handler is mounted on `/static/plugins/`.
 */
export function servedBundlePath(entry: WebappPluginEntry): string {
    const bundlePath = entry.webapp?.bundle_path;
    if (!bundlePath) {
        throw new Error(`webapp list entry has no webapp.bundle_path: ${JSON.stringify(entry)}`);
    }
    return bundlePath.includes('/static/') && !bundlePath.includes('/static/plugins/')
        ? bundlePath.replace('/static/', '/static/plugins/')
        : bundlePath;
}

/**
 * Downloads a file of the installed plugin's public/ folder the way the bundle loads its chunks:
 * `<site>/plugins/<id>/public/<name>`, unauthenticated, like a <script>.
 */
export async function fetchPublicFile(serverUrl: string, name: string): Promise<{url: string; status: number; contentType: string; bytes: Buffer}> {
    const url = `${serverUrl.replace(/\/+$/, '')}/plugins/${PLUGIN_ID}/public/${name}`;
    const res = await fetch(url);
    return {url, status: res.status, contentType: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer())};
}

/** Downloads the webapp bundle as the server serves it to browsers (unauthenticated, like a <script>). */
export async function fetchServedBundle(serverUrl: string, entry: WebappPluginEntry): Promise<{url: string; status: number; contentType: string; bytes: Buffer}> {
    const url = `${serverUrl.replace(/\/+$/, '')}${servedBundlePath(entry)}`;
    const res = await fetch(url);
    return {url, status: res.status, contentType: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer())};
}
