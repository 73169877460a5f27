// The host page's libraries, the globals Mattermost's web app gives plugins (plugins/export.ts):
// window.React, ReactDOM, Redux and ReactRedux. Two sets:
//   'current'      React 18 / ReactDOM 18 / Redux 5 / React Redux 9 — what Mattermost 11 ships
//                  (webapp/channels/package.json: react 18.2.0, redux 5.0.1, react-redux 9.2.0);
//   'mattermost-10' React 17 / ReactDOM 17 / Redux 4 / React Redux 7 — the generation Mattermost
//                  9.5 to 10.x ships (window.React 17.0.2), installed as the aliases react17,
//                  react-dom17, redux4 and react-redux7.
// Redux and React Redux have no browser build in node_modules, so they are bundled once with
// webpack into window.Redux / window.ReactRedux (React stays the page's window.React, as in
// Mattermost). Cached per set and installed version.
import {createRequire} from 'node:module';
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import webpack from 'webpack';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// 'current' comes from the repository's node_modules (the webapp's own React 18 and friends); the
// aliases from the test workspace (npm may nest React 17 under test/node_modules for react-dom17).
const rootRequire = createRequire(join(repoRoot, 'package.json'));
const testRequire = createRequire(join(repoRoot, 'test', 'package.json'));
const require = {resolve: (id: string) => (/^(react17|react-dom17|redux4|react-redux7)\//.test(id) ? testRequire : rootRequire).resolve(id)};

export type HostLibraries = 'current' | 'mattermost-10';

const PACKAGES: Record<HostLibraries, {react: string; reactDom: string; redux: string; reactRedux: string}> = {
    'current': {react: 'react', reactDom: 'react-dom', redux: 'redux', reactRedux: 'react-redux'},
    'mattermost-10': {react: 'react17', reactDom: 'react-dom17', redux: 'redux4', reactRedux: 'react-redux7'},
};

export function versionOf(pkg: string): string {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as {version: string}).version;
}

/** Why a set cannot be served (its packages are not installed: run npm install), or null. */
export function librariesMissing(set: HostLibraries): string | null {
    const missing = Object.values(PACKAGES[set]).filter((pkg) => {
        try {
            require.resolve(`${pkg}/package.json`);
            return false;
        } catch {
            return true;
        }
    });
    return missing.length === 0 ? null : `not installed: ${missing.join(', ')} (run npm install)`;
}

/** The versions a set consists of, e.g. for a test's name: {react: '17.0.2', …}. */
export function libraryVersions(set: HostLibraries): Record<'react' | 'reactDom' | 'redux' | 'reactRedux', string> {
    const p = PACKAGES[set];
    return {react: versionOf(p.react), reactDom: versionOf(p.reactDom), redux: versionOf(p.redux), reactRedux: versionOf(p.reactRedux)};
}

/** Files the harness serves under /vendor/: name → absolute path. */
export async function vendorFiles(set: HostLibraries = 'current'): Promise<Record<string, string>> {
    const p = PACKAGES[set];
    return {
        'react.js': join(dirname(require.resolve(`${p.react}/package.json`)), 'umd', 'react.production.min.js'),
        'react-dom.js': join(dirname(require.resolve(`${p.reactDom}/package.json`)), 'umd', 'react-dom.production.min.js'),
        'redux-globals.js': await reduxGlobals(p.redux, p.reactRedux),
    };
}

async function reduxGlobals(redux: string, reactRedux: string): Promise<string> {
    const dir = join(tmpdir(), 'ireserve-harness-vendor');
    const out = join(dir, `${redux}-${versionOf(redux)}-${reactRedux}-${versionOf(reactRedux)}.js`);
    if (existsSync(out)) {
        return out;
    }
    mkdirSync(dir, {recursive: true});
    const entry = join(dir, `entry-${process.pid}.js`);
    writeFileSync(entry, `window.Redux = require('${redux}');\nwindow.ReactRedux = require('${reactRedux}');\n`);
    const filename = `build-${process.pid}.js`;
    await new Promise<void>((resolve, reject) => {
        webpack({
            mode: 'production',
            target: 'web',
            context: dir,
            entry,
            output: {path: dir, filename},
            resolve: {modules: redux === 'redux' ? [join(repoRoot, 'node_modules')] : [join(repoRoot, 'test', 'node_modules'), join(repoRoot, 'node_modules')]},
            externals: {react: 'React', 'react-dom': 'ReactDOM'},
            performance: {hints: false},
        }, (err, stats) => {
            if (err || !stats || stats.hasErrors()) {
                reject(err ?? new Error(stats?.toString('errors-only') ?? 'webpack failed'));
                return;
            }
            resolve();
        });
    });
    renameSync(join(dir, filename), out);
    return out;
}
