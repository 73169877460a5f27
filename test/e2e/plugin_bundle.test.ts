// The installable plugin bundle on a real Mattermost server: `npm run dist`'s tarball uploaded with
// POST /api/v4/plugins, enabled, listed for the web app, its main.js served byte for byte, and the
// chunks main.js loads on demand served from the plugin's public/ folder at /plugins/<id>/public/.
// Also pins the MATTERMOST.md facts about manifests and webapp-only plugin settings.
//
//   cd test && node --import tsx --test e2e/plugin_bundle.test.ts
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';
import {bootRealMattermost, type RealMattermost} from './harness/index.js';
import {ensureTarball, fetchPublicFile, fetchServedBundle, installPlugin, manifest, pluginFile, PLUGIN_ID, readTarball, repoRoot, type WebappPluginEntry} from './support/bundle.js';
import {expectClientError, suiteTimer} from './support/util.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

describe('plugin bundle on a real Mattermost server', {timeout: 10 * 60_000}, () => {
    let mm: RealMattermost;
    let tarball: Awaited<ReturnType<typeof readTarball>>;
    let entry: WebappPluginEntry;
    const timer = suiteTimer('plugin_bundle.test.ts');

    before(async () => {
        const t0 = Date.now();
        const how = ensureTarball();
        tarball = await readTarball();
        console.error(`[e2e] plugin bundle: ${how} in ${((Date.now() - t0) / 1000).toFixed(1)}s; main.js ${tarball.mainJs.length} bytes, sha256 ${sha(tarball.mainJs)}`);
        mm = await bootRealMattermost();
        timer.booted(mm);
    }, {timeout: 45 * 60_000});

    after(async () => {
        await mm?.stop();
        timer.report();
    });

    it('the tarball packs the repository\'s manifest, webapp/dist/main.js and its public/ chunks as built', () => {
        assert.deepEqual(tarball.manifest, manifest);
        const built = readFileSync(path.join(repoRoot, manifest.webapp.bundle_path));
        assert.equal(sha(tarball.mainJs), sha(built), 'main.js in the tarball = webapp/dist/main.js (rebuilt since? run `npm run dist`)');
        const builtChunks = path.join(repoRoot, path.dirname(manifest.webapp.bundle_path), 'public');
        assert.deepEqual([...tarball.chunks.keys()], readdirSync(builtChunks).sort());
        assert.ok(tarball.chunks.size > 0, 'public/ holds the System Console chunk');
    });

    it('uploads with POST /api/v4/plugins (multipart "plugin") and enables with POST /plugins/{id}/enable', async () => {
        entry = await installPlugin(mm.admin.client, tarball.bytes);
        assert.equal(entry.id, PLUGIN_ID);
        assert.equal(entry.version, manifest.version);

        const all = await mm.admin.client.getPlugins();
        const active = all.active.find((p) => p.id === PLUGIN_ID);
        assert.ok(active, `${PLUGIN_ID} is among the active plugins`);
        assert.equal(all.inactive.some((p) => p.id === PLUGIN_ID), false);
    });

    it('re-uploading the same id without force is refused; with force it replaces the installed copy', async () => {
        await expectClientError(mm.admin.client.uploadPlugin(pluginFile(tarball.bytes), false), 400);
        entry = await installPlugin(mm.admin.client, tarball.bytes);
        assert.equal(entry.id, PLUGIN_ID);
    });

    it('is listed by GET /api/v4/plugins/webapp for agents (non-admin sessions) too', async () => {
        const list = (await mm.agents.agent1.client.getWebappPlugins()) as unknown as WebappPluginEntry[];
        const mine = list.find((p) => p.id === PLUGIN_ID);
        assert.ok(mine, `agent1 sees ${PLUGIN_ID} in the webapp plugin list`);
        assert.equal(mine.webapp?.bundle_path, entry.webapp?.bundle_path);
        // `/static/<id>/<id>_<fnv64a hash>_bundle.js` (the web app turns it into /static/plugins/…).
        const escaped = PLUGIN_ID.replace(/\./g, '\\.');
        assert.match(mine.webapp?.bundle_path ?? '', new RegExp(`^/static/${escaped}/${escaped}_[0-9a-f]{16}_bundle\\.js$`));
    });

    it('serves main.js under /static/plugins/<id>/ (unauthenticated) byte-identical to the bundle\'s webapp/dist/main.js', async () => {
        const served = await fetchServedBundle(mm.url, entry);
        assert.equal(served.status, 200, `GET ${served.url}`);
        assert.match(served.contentType, /javascript/);
        assert.equal(served.bytes.length, tarball.mainJs.length, `size of ${served.url}`);
        assert.ok(served.bytes.equals(tarball.mainJs), `${served.url} is byte-identical to webapp/dist/main.js (sha ${sha(served.bytes)} vs ${sha(tarball.mainJs)})`);
        assert.match(served.url, new RegExp(`/static/plugins/${PLUGIN_ID.replace(/\./g, '\\.')}/`));
        console.error(`[e2e] served bundle: ${served.url}`);
    });

    it('serves the chunks under /plugins/<id>/public/ (unauthenticated) byte-identical to the bundle\'s public/ folder', async () => {
        for (const [name, bytes] of tarball.chunks) {
            assert.ok(tarball.mainJs.includes(name.replace(/\.(js|svg)$/, '').split('.').pop()!), `main.js loads ${name}`);
            const served = await fetchPublicFile(mm.url, name);
            assert.equal(served.status, 200, `GET ${served.url}`);
            // The chunks, and the App Bar icon (an image the App Bar loads from here).
            assert.match(served.contentType, name.endsWith('.svg') ? /^image\/svg\+xml/ : /javascript/);
            assert.ok(served.bytes.equals(bytes), `${served.url} is byte-identical to public/${name} (sha ${sha(served.bytes)} vs ${sha(bytes)})`);
            console.error(`[e2e] served chunk: ${served.url} (${served.contentType})`);
        }
        const missing = await fetchPublicFile(mm.url, 'admin_console.00000000.js');
        assert.equal(missing.status, 404, 'a file not in public/ is not found');
    });

    it('the plugin list carries the manifest\'s icon path and settings schema (what System Console shows)', async () => {
        const all = await mm.admin.client.getPlugins();
        const active = all.active.find((p) => p.id === PLUGIN_ID) as unknown as {icon_path?: string; settings_schema?: {settings?: Array<{key: string}>}};
        assert.equal(active.icon_path, manifest.icon_path);
        assert.deepEqual(active.settings_schema?.settings?.map((s) => s.key), (manifest.settings_schema as {settings: Array<{key: string}>}).settings.map((s) => s.key));
    });

    it('a webapp-only plugin\'s settings are readable by admins only: agents get 403 on /config, nothing in the client config', async () => {
        const marker = `secret-admin-key-${mm.suffix}`;
        await mm.admin.client.patchConfig({PluginSettings: {Plugins: {[PLUGIN_ID]: {bridgeurl: 'http://127.0.0.1:9', licence: 'L-1001', adminkey: marker}}}} as never);
        const cfg = await mm.admin.client.getConfig();
        assert.equal((cfg.PluginSettings.Plugins[PLUGIN_ID] as Record<string, unknown>).adminkey, marker, 'admin reads it back');

        await expectClientError(mm.agents.agent1.client.getConfig(), 403);
        const res = await fetch(`${mm.url}/api/v4/config/client?format=old`, {headers: {Authorization: `Bearer ${mm.agents.agent1.token}`}});
        assert.equal(res.status, 200);
        const text = await res.text();
        assert.equal(text.includes(marker), false, 'the admin key is not in the client config');
        assert.equal(text.includes('L-1001'), false, 'no plugin setting is in the client config');
    });

    it('disabling removes it from the webapp list and stops serving its public/ files; enabling brings both back', async () => {
        const [chunk] = [...tarball.chunks.keys()];
        await mm.admin.client.disablePlugin(PLUGIN_ID);
        let list = (await mm.admin.client.getWebappPlugins()) as unknown as WebappPluginEntry[];
        assert.equal(list.some((p) => p.id === PLUGIN_ID), false);
        assert.equal((await fetchPublicFile(mm.url, chunk!)).status, 404, 'public/ is served for active plugins only');
        await mm.admin.client.enablePlugin(PLUGIN_ID);
        list = (await mm.admin.client.getWebappPlugins()) as unknown as WebappPluginEntry[];
        assert.ok(list.some((p) => p.id === PLUGIN_ID));
        assert.equal((await fetchPublicFile(mm.url, chunk!)).status, 200);
    });
});
