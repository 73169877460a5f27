// The host page's globals that have no browser build in node_modules: Redux 5 and React Redux 9
// ship ES modules only, so they are bundled once with webpack into window.Redux / window.ReactRedux
// (React stays the page's window.React, as in Mattermost). Cached per installed version.
import {createRequire} from 'node:module';
import {existsSync, mkdirSync, readFileSync, renameSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import webpack from 'webpack';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(join(repoRoot, 'package.json'));

function versionOf(pkg: string): string {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as {version: string}).version;
}

/** Files the harness serves under /vendor/: name → absolute path. */
export async function vendorFiles(): Promise<Record<string, string>> {
    return {
        'react.js': join(dirname(require.resolve('react/package.json')), 'umd', 'react.production.min.js'),
        'react-dom.js': join(dirname(require.resolve('react-dom/package.json')), 'umd', 'react-dom.production.min.js'),
        'redux-globals.js': await reduxGlobals(),
    };
}

async function reduxGlobals(): Promise<string> {
    const dir = join(tmpdir(), 'ireserve-harness-vendor');
    const out = join(dir, `redux-${versionOf('redux')}-react-redux-${versionOf('react-redux')}.js`);
    if (existsSync(out)) {
        return out;
    }
    mkdirSync(dir, {recursive: true});
    const entry = join(dir, `entry-${process.pid}.js`);
    writeFileSync(entry, "window.Redux = require('redux');\nwindow.ReactRedux = require('react-redux');\n");
    const filename = `build-${process.pid}.js`;
    await new Promise<void>((resolve, reject) => {
        webpack({
            mode: 'production',
            target: 'web',
            context: dir,
            entry,
            output: {path: dir, filename},
            resolve: {modules: [join(repoRoot, 'node_modules')]},
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
