// 6. Webapp: size of the built bundle, raw and gzipped (what the browser downloads): main.js, which
// every Mattermost user's browser loads, and the System Console chunk(s) under public/, which only
// admins' browsers load when they open the plugin's settings.
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import path from 'node:path';
import {gzipSync} from 'node:zlib';

import type {BenchContext} from '../lib/context.js';
import {ROOT} from '../lib/processes.js';
import {round} from '../lib/stats.js';

export async function webapp(ctx: BenchContext): Promise<void> {
    const file = path.join(ROOT, 'webapp/dist/main.js');
    if (!existsSync(file)) {
        ctx.skipped.push({scenario: 'webapp', reason: 'webapp/dist/main.js is missing: run `npm run build -w webapp` (make bench builds it)'});
        return;
    }
    const raw = readFileSync(file);
    const gz = gzipSync(raw, {level: 9});
    const conditions = {file: 'webapp/dist/main.js', gzip_level: 9};
    ctx.figure('webapp', {name: 'main_js_raw', value: round(raw.length / 1024, 1), unit: 'KB', conditions});
    ctx.figure('webapp', {name: 'main_js_gzip', value: round(gz.length / 1024, 1), unit: 'KB', target: '<= 60 KB gzipped', met: gz.length / 1024 <= 60, conditions});
    const publicDir = path.join(ROOT, 'webapp/dist/public');
    const chunks = existsSync(publicDir) ? readdirSync(publicDir).filter((name) => name.endsWith('.js')) : [];
    const chunkBytes = chunks.map((name) => readFileSync(path.join(publicDir, name)));
    const chunkConditions = {files: chunks.map((name) => `webapp/dist/public/${name}`), gzip_level: 9, loaded: 'by admins only, when System Console shows the plugin\'s settings'};
    ctx.figure('webapp', {name: 'admin_chunks_raw', value: round(chunkBytes.reduce((sum, b) => sum + b.length, 0) / 1024, 1), unit: 'KB', conditions: chunkConditions});
    ctx.figure('webapp', {name: 'admin_chunks_gzip', value: round(chunkBytes.reduce((sum, b) => sum + gzipSync(b, {level: 9}).length, 0) / 1024, 1), unit: 'KB', conditions: chunkConditions});
}
