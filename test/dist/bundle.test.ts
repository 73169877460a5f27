// The installable bundle, as `npm run dist` makes it: unpack the real tarball and check its layout
// and that its manifest obeys Mattermost's rules (server/public/model/manifest.go).
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, relative} from 'node:path';
import {after, before, describe, test} from 'node:test';
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';

import * as tar from 'tar';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoManifest = JSON.parse(readFileSync(join(root, 'plugin.json'), 'utf8')) as {version: string};
const ID = 'net.ireserve.mattermost';
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
const SETTING_TYPES = new Set(['bool', 'dropdown', 'generated', 'radio', 'text', 'longtext', 'number', 'username', 'custom']);
// The size target of main.js, the bundle every agent's browser downloads: 60 KB gzipped. The System
// Console screens (with axios, which the project mandates for the bridge admin API) are a chunk in
// public/ that only admins download; its size is printed, not limited.
const GZIP_BUDGET = 60 * 1024;
// What webpack names a chunk (webapp/webpack.config.js): <name>.<8 hex digits of its content hash>.js
const CHUNK_NAME = /^([a-z_]+)\.([0-9a-f]{8})\.js$/;

let unpacked = '';
let entries: string[] = [];
let top = '';
let chunks: string[] = [];

function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const full = join(dir, name);
        return statSync(full).isDirectory() ? [`${relative(unpacked, full)}/`, ...walk(full)] : [relative(unpacked, full)];
    });
}

before(async () => {
    const dist = spawnSync(process.execPath, [join(root, 'scripts', 'dist.mjs')], {cwd: root, encoding: 'utf8'});
    assert.equal(dist.status, 0, `npm run dist failed:\n${dist.stdout}\n${dist.stderr}`);
    process.stdout.write(dist.stdout.split('\n').filter((line) => line.startsWith('dist:')).map((line) => `# ${line}\n`).join(''));
    const tarball = join(root, 'dist', `${ID}-${repoManifest.version}.tar.gz`);
    unpacked = mkdtempSync(join(tmpdir(), 'ireserve-bundle-'));
    await tar.extract({file: tarball, cwd: unpacked, strict: true});
    entries = walk(unpacked).sort();
    top = join(unpacked, ID);
    chunks = entries.filter((entry) => entry.startsWith(`${ID}/public/`) && !entry.endsWith('/')).map((entry) => entry.slice(`${ID}/public/`.length));
});

after(() => {
    rmSync(unpacked, {recursive: true, force: true});
});

describe('plugin bundle', {timeout: 2 * 60_000}, () => {
    test('one top-level folder named after the id, holding plugin.json, assets/, the webapp bundle and public/ with its chunks and the App Bar icon only', () => {
        assert.deepEqual(readdirSync(unpacked), [ID]);
        assert.ok(chunks.length > 0, 'public/ holds at least one chunk');
        assert.deepEqual(entries, [
            `${ID}/`,
            `${ID}/assets/`,
            `${ID}/assets/icon.svg`,
            `${ID}/plugin.json`,
            `${ID}/public/`,
            ...chunks.map((name) => `${ID}/public/${name}`),
            `${ID}/webapp/`,
            `${ID}/webapp/dist/`,
            `${ID}/webapp/dist/main.js`,
        ]);
    });

    test('public/ holds exactly the chunks of this build of main.js, loaded from <site>/plugins/<id>/public/', () => {
        const main = readFileSync(join(top, 'webapp/dist/main.js'), 'utf8');
        const built = readdirSync(join(root, 'webapp', 'dist', 'public')).sort();
        assert.deepEqual(chunks, built, 'the tarball packs webapp/dist/public/ as built');
        // Beside the chunks: the App Bar icon, a copy of assets/icon.svg (src/public_path.ts appBarIconURL).
        assert.ok(chunks.includes('app-bar-icon.svg'), 'public/ holds the App Bar icon');
        assert.ok(readFileSync(join(top, 'public', 'app-bar-icon.svg')).equals(readFileSync(join(top, 'assets', 'icon.svg'))), 'the App Bar icon is assets/icon.svg');
        assert.ok(main.includes('app-bar-icon.svg'), 'main.js points the App Bar at it');
        for (const name of chunks.filter((file) => file !== 'app-bar-icon.svg')) {
            const [, chunkName, hash] = CHUNK_NAME.exec(name) ?? [];
            assert.ok(chunkName && hash, `chunk file name ${name} is <name>.<hash>.js`);
            assert.ok(main.includes(chunkName) && main.includes(hash), `main.js of this build loads ${name}`);
            const chunk = readFileSync(join(top, 'public', name), 'utf8');
            // The chunk registers itself in main.js's own chunk list, not the host's or another plugin's.
            const global = /self\["(webpackChunk[^"]+)"\]/.exec(chunk)?.[1];
            assert.ok(global?.includes(ID), `${name} pushes to a chunk list named after the plugin (${global})`);
            assert.ok(main.includes(JSON.stringify(global)), `main.js reads the same chunk list ${global}`);
        }
        // Chunks load from the installed plugin's folder, under the site's sub-path (src/public_path.ts).
        assert.match(main, /\/plugins\//);
        assert.ok(chunks.some((name) => name.startsWith('admin_console.')), 'the System Console screens are a chunk');
    });

    test('the manifest in the bundle is the repository\'s plugin.json', () => {
        assert.deepEqual(JSON.parse(readFileSync(join(top, 'plugin.json'), 'utf8')), repoManifest);
    });

    test('manifest identity: id pattern, name, semver versions', () => {
        const m = JSON.parse(readFileSync(join(top, 'plugin.json'), 'utf8'));
        assert.equal(m.id, ID);
        assert.match(m.id, /^[a-zA-Z0-9-_.]{3,190}$/);
        assert.ok(typeof m.name === 'string' && m.name.trim() !== '', 'name');
        assert.ok(typeof m.description === 'string' && m.description.trim() !== '', 'description');
        assert.match(m.version, SEMVER);
        assert.match(m.min_server_version, SEMVER);
        assert.equal(m.server, undefined, 'webapp-only plugin: no server executables');
    });

    test('icon_path names an SVG inside the bundle', () => {
        const m = JSON.parse(readFileSync(join(top, 'plugin.json'), 'utf8'));
        assert.match(m.icon_path, /\.svg$/);
        const svg = readFileSync(join(top, m.icon_path), 'utf8');
        assert.match(svg.trimStart(), /^<svg[\s>]/);
        assert.match(svg, /xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        assert.match(svg.trimEnd(), /<\/svg>$/);
        assert.doesNotMatch(svg, /<script|javascript:|on\w+=/i, 'no active content in the icon');
    });

    test('webapp.bundle_path exists and registers the plugin under its id', () => {
        const m = JSON.parse(readFileSync(join(top, 'plugin.json'), 'utf8'));
        assert.equal(m.webapp.bundle_path, 'webapp/dist/main.js');
        const main = readFileSync(join(top, m.webapp.bundle_path), 'utf8');
        assert.match(main, /registerPlugin/);
        assert.ok(main.includes(JSON.stringify(ID)), 'the id comes from plugin.json through the generated manifest');
    });

    test('settings_schema: header, footer, valid types, unique keys, the System Console custom setting', () => {
        const {settings_schema: schema} = JSON.parse(readFileSync(join(top, 'plugin.json'), 'utf8'));
        assert.ok(typeof schema.header === 'string' && schema.header !== '');
        assert.ok(typeof schema.footer === 'string' && schema.footer !== '');
        const keys = new Set<string>();
        for (const setting of schema.settings) {
            assert.ok(SETTING_TYPES.has(setting.type), `setting ${setting.key}: type ${setting.type}`);
            assert.match(setting.key, /^[A-Za-z][A-Za-z0-9_]*$/);
            assert.ok(!keys.has(setting.key.toLowerCase()), `duplicate key ${setting.key}`);
            keys.add(setting.key.toLowerCase());
            assert.ok(typeof setting.display_name === 'string' && setting.display_name !== '', `${setting.key}: display_name`);
            if (setting.type === 'dropdown' || setting.type === 'radio') {
                assert.ok(Array.isArray(setting.options) && setting.options.length > 0, `${setting.key}: options`);
            }
        }
        for (const key of ['bridgeurl', 'licence', 'adminkey', 'integrationsetup']) {
            assert.ok(keys.has(key), `setting ${key}`);
        }
        assert.equal(schema.settings.find((s: {key: string}) => s.key === 'IntegrationSetup').type, 'custom');
    });

    test('main.js and the chunks leave React, ReactDOM, Redux and ReactRedux to the host', () => {
        for (const file of ['webapp/dist/main.js', ...chunks.map((name) => `public/${name}`)]) {
            const text = readFileSync(join(top, file), 'utf8');
            for (const bundled of ['__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED', 'react.production', 'jsx-runtime', 'mattermost-redux']) {
                assert.ok(!text.includes(bundled), `${file} must not bundle ${bundled}`);
            }
            // Mattermost shipped React 17 as window.React up to v10: no React-18-only hooks.
            for (const api of ['useId', 'useSyncExternalStore', 'useTransition', 'useDeferredValue', 'useInsertionEffect']) {
                assert.doesNotMatch(text, new RegExp(`\\.${api}\\b`), `${file} uses React 18's ${api}`);
            }
        }
        const main = readFileSync(join(top, 'webapp/dist/main.js'), 'utf8');
        for (const global of ['React', 'ReactRedux']) {
            assert.match(main, new RegExp(`\\b${global}\\b`), `uses window.${global}`);
        }
    });

    test('agents\' main.js carries Client4 but not axios: the bridge admin client is in the System Console chunk', () => {
        const main = readFileSync(join(top, 'webapp/dist/main.js'), 'utf8');
        const admin = readFileSync(join(top, 'public', chunks.find((name) => name.startsWith('admin_console.'))!), 'utf8');
        assert.ok(!main.includes('AxiosError') && !main.includes('AxiosHeaders'), 'main.js must not bundle axios');
        assert.ok(admin.includes('AxiosError'), 'the System Console chunk bundles axios');
        assert.ok(main.includes('/api/v4'), 'main.js bundles Client4');
    });

    test('main.js stays within 60 KB gzipped; the chunks\' sizes are reported', () => {
        const main = readFileSync(join(top, 'webapp/dist/main.js'));
        const gzipped = gzipSync(main, {level: 9}).length;
        process.stdout.write(`# main.js: ${main.length} bytes raw, ${gzipped} bytes gzipped\n`);
        for (const name of chunks) {
            const chunk = readFileSync(join(top, 'public', name));
            process.stdout.write(`# public/${name}: ${chunk.length} bytes raw, ${gzipSync(chunk, {level: 9}).length} bytes gzipped\n`);
        }
        assert.ok(gzipped <= GZIP_BUDGET, `main.js is ${gzipped} bytes gzipped, over the ${GZIP_BUDGET}-byte budget`);
    });
});
