#!/usr/bin/env node
// Builds the installable plugin bundle: dist/<id>-<version>.tar.gz holding one top-level folder
// <id>/ with plugin.json, assets/, webapp/dist/main.js (System Console → Plugins → Upload) and
// public/ with the chunks main.js loads on demand (webpack emits them to webapp/dist/public/;
// Mattermost serves an active plugin's public/ folder at <site>/plugins/<id>/public/).
//
//   node scripts/dist.mjs             build the webapp, then pack
//   node scripts/dist.mjs --no-build  pack the webapp bundle already built
import {spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';

import * as tar from 'tar';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fail = (message) => {
    console.error(`dist: ${message}`);
    process.exit(1);
};

const manifest = JSON.parse(readFileSync(join(root, 'plugin.json'), 'utf8'));
const {id, version} = manifest;
if (!/^[a-zA-Z0-9-_.]{3,190}$/.test(id ?? '')) {
    fail(`plugin.json: invalid id ${JSON.stringify(id)}`);
}
if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z-.]+)?(?:\+[0-9A-Za-z-.]+)?$/.test(version ?? '')) {
    fail(`plugin.json: version ${JSON.stringify(version)} is not semver`);
}

if (!process.argv.includes('--no-build')) {
    const build = spawnSync('npm', ['run', 'build', '-w', 'webapp'], {cwd: root, stdio: 'inherit'});
    if (build.status !== 0) {
        fail('the webapp build failed');
    }
}

const bundlePath = manifest.webapp?.bundle_path;
const iconPath = manifest.icon_path;
for (const [what, path] of [['webapp.bundle_path', bundlePath], ['icon_path', iconPath]]) {
    if (typeof path !== 'string' || !existsSync(join(root, path))) {
        fail(`plugin.json ${what} ${JSON.stringify(path)} does not exist (run without --no-build?)`);
    }
}

// The chunks: every file webpack put in public/ next to the bundle (it cleans dist/ on each build).
const chunkDir = join(root, dirname(bundlePath), 'public');
const chunks = existsSync(chunkDir) ? readdirSync(chunkDir).filter((name) => statSync(join(chunkDir, name)).isFile()).sort() : [];

const staging = mkdtempSync(join(tmpdir(), 'ireserve-dist-'));
try {
    const top = join(staging, id);
    mkdirSync(join(top, dirname(bundlePath)), {recursive: true});
    cpSync(join(root, 'plugin.json'), join(top, 'plugin.json'));
    cpSync(join(root, 'assets'), join(top, 'assets'), {recursive: true});
    cpSync(join(root, bundlePath), join(top, bundlePath));
    if (chunks.length > 0) {
        mkdirSync(join(top, 'public'));
        for (const name of chunks) {
            cpSync(join(chunkDir, name), join(top, 'public', name));
        }
    }

    mkdirSync(join(root, 'dist'), {recursive: true});
    const out = join(root, 'dist', `${id}-${version}.tar.gz`);
    await tar.create({gzip: {level: 9}, file: out, cwd: staging, portable: true}, [id]);

    const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
    const sizes = (path) => {
        const bytes = readFileSync(path);
        return `${kib(bytes.length)} raw, ${kib(gzipSync(bytes, {level: 9}).length)} gzipped`;
    };
    console.log(`dist: ${relative(root, out)} (${kib(statSync(out).size)})`);
    console.log(`dist: ${bundlePath} ${sizes(join(root, bundlePath))}`);
    for (const name of chunks) {
        console.log(`dist: public/${name} ${sizes(join(chunkDir, name))}`);
    }
} finally {
    rmSync(staging, {recursive: true, force: true});
}
