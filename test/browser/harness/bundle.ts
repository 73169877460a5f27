// The built plugin bundle the browser tests load, rebuilt when a webapp source is newer.
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';

import {repoRoot} from './vendor.js';

/** webapp/dist/main.js: what `npm run build -w webapp` makes. */
export const bundlePath = join(repoRoot, 'webapp', 'dist', 'main.js');

/** Builds the webapp bundle when it is missing or older than any webapp source file or plugin.json. */
export function ensureBundle(): void {
    const newest = (dir: string): number => readdirSync(dir, {withFileTypes: true}).reduce((latest, entry) => {
        const full = join(dir, entry.name);
        return Math.max(latest, entry.isDirectory() ? newest(full) : statSync(full).mtimeMs);
    }, 0);
    let built = 0;
    try {
        built = statSync(bundlePath).mtimeMs;
    } catch {
        built = 0;
    }
    if (built < Math.max(newest(join(repoRoot, 'webapp', 'src')), statSync(join(repoRoot, 'plugin.json')).mtimeMs)) {
        const result = spawnSync('npm', ['run', 'build', '-w', 'webapp'], {cwd: repoRoot, encoding: 'utf8'});
        assert.equal(result.status, 0, `webapp build failed:\n${result.stdout}\n${result.stderr}`);
    }
}
