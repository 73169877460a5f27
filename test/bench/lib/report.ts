// Writes the figures: results JSON, the generated part of BENCHMARKS.md (between markers, the
// hand-written method and analysis around it are kept), and an SVG chart (no chart library).
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import path from 'node:path';

import type {BenchContext, Figure} from './context.js';
import type {ProfileSummary} from './profile.js';

const START = '<!-- bench:generated:start -->';
const END = '<!-- bench:generated:end -->';

export function writeJson(file: string, ctx: BenchContext, runtimeS: number): void {
    mkdirSync(path.dirname(file), {recursive: true});
    writeFileSync(file, `${JSON.stringify({
        conditions: {...ctx.conditions, runtime_s: runtimeS, note: 'a shared 2-core machine: other builds and tests ran during the run; ratios measured side by side in the same run are the figures to trust'},
        figures: ctx.figures,
        skipped: ctx.skipped,
        failures: ctx.failures,
        details: ctx.details,
    }, null, 2)}\n`);
}

function fmt(value: number): string {
    if (!Number.isFinite(value)) {
        return String(value);
    }
    return Math.abs(value) >= 100 ? String(Math.round(value)) : String(Math.round(value * 100) / 100);
}

function targetCell(f: Figure): string {
    if (f.target === undefined) {
        return '';
    }
    return `${f.met ? '✅ met' : '❌ missed'} (${f.target})`;
}

export function markdownSection(ctx: BenchContext, runtimeS: number, chartPath: string | undefined): string {
    const c = ctx.conditions;
    const lines: string[] = [];
    lines.push(`Run of ${c.date} (${c.mode} mode, ${Math.round(runtimeS)} s) on commit \`${c.git_commit}\`.`, '');
    for (const m of (ctx.details.merged as Array<{scenarios: string[]; date: string; runtime_s: number}> | undefined) ?? []) {
        lines.push(`Re-measured afterwards and merged: ${m.scenarios.join(', ')} (${m.date}, ${m.runtime_s} s); each figure's conditions carry its own date and bridge runner.`, '');
    }
    lines.push('| machine | |', '| --- | --- |');
    lines.push(`| CPU | ${c.cpu_model}, ${c.cores} cores (a shared machine) |`);
    lines.push(`| memory | ${c.memory_gb} GB |`);
    lines.push(`| OS | ${c.platform}, Linux ${c.kernel} |`);
    lines.push(`| Node | ${c.node} |`);
    lines.push(`| load average at start | ${c.loadavg_at_start} |`, '');
    lines.push('| figure | value | unit | target | runs |', '| --- | ---: | --- | --- | --- |');
    for (const f of ctx.figures) {
        lines.push(`| \`${f.name}\` | ${fmt(f.value)} | ${f.unit} | ${targetCell(f)} | ${f.runs ? f.runs.map(fmt).join(', ') : ''} |`);
    }
    lines.push('');
    if (chartPath) {
        lines.push(`![throughput and latency](${chartPath})`, '');
    }
    for (const [key, title] of [['intake_profile', 'at maximum intake'], ['delivery_profile', 'while delivering (delivery scenario, 20 ms stand-in latency)']] as const) {
        const profile = ctx.details[key] as ProfileSummary | undefined;
        if (!profile) {
            continue;
        }
        lines.push(`**CPU profile of the bridge ${title}** (\`node --cpu-prof\`, main thread, ${profile.total_ms} ms sampled, ${profile.idle_pct} % idle; shares of busy time):`, '');
        lines.push('| where | share |', '| --- | ---: |');
        for (const a of profile.by_area.slice(0, 12)) {
            lines.push(`| ${a.area} | ${a.pct} % |`);
        }
        lines.push('', '| hottest functions (self time) | where | share |', '| --- | --- | ---: |');
        for (const fn of profile.top_functions.slice(0, 12)) {
            lines.push(`| \`${fn.fn}\` | ${fn.where} | ${fn.pct} % |`);
        }
        lines.push('');
    }
    const chaos = ctx.details.chaos as {faults?: Array<{kind: string; at_s: number; drain_ms: number; detail?: Record<string, unknown>}>} | undefined;
    if (chaos?.faults) {
        lines.push('**Chaos, fault by fault** (drain = from the fault\'s end until every message stored before it was posted):', '');
        lines.push('| # | fault | at | drain | detail |', '| ---: | --- | ---: | ---: | --- |');
        chaos.faults.forEach((f, i) => lines.push(`| ${i + 1} | ${f.kind} | ${f.at_s} s | ${Math.round(f.drain_ms / 100) / 10} s | ${f.detail ? JSON.stringify(f.detail).replace(/\|/g, '/') : ''} |`));
        lines.push('');
    }
    if (ctx.skipped.length > 0) {
        lines.push('**Not measured in this run:**', '');
        for (const s of ctx.skipped) {
            lines.push(`- ${s.scenario}: ${s.reason}`);
        }
        lines.push('');
    }
    if (ctx.failures.length > 0) {
        lines.push('**Correctness failures:**', '');
        for (const f of ctx.failures) {
            lines.push(`- ${f}`);
        }
        lines.push('');
    }
    return lines.join('\n');
}

export function writeMarkdown(file: string, section: string): void {
    const block = `${START}\n${section}\n${END}`;
    if (!existsSync(file)) {
        writeFileSync(file, `# Benchmarks\n\n${block}\n`);
        return;
    }
    const current = readFileSync(file, 'utf8');
    const start = current.indexOf(START);
    const end = current.indexOf(END);
    writeFileSync(file, start >= 0 && end > start
        ? `${current.slice(0, start)}${block}${current.slice(end + END.length)}`
        : `${current.trimEnd()}\n\n${block}\n`);
}

// ---- SVG chart

function esc(text: string): string {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

interface Bar {
    label: string;
    value: number;
    color: string;
    note?: string;
}

function barPanel(x: number, y: number, width: number, title: string, unit: string, bars: Bar[]): {svg: string; height: number} {
    const rowH = 26;
    const labelW = 250;
    const max = Math.max(1, ...bars.map((b) => b.value));
    const out: string[] = [`<text x="${x}" y="${y + 16}" class="title">${esc(title)}</text>`];
    bars.forEach((bar, i) => {
        const top = y + 28 + i * rowH;
        const w = Math.max(1, ((width - labelW - 90) * bar.value) / max);
        out.push(`<text x="${x + labelW - 8}" y="${top + 15}" class="label" text-anchor="end">${esc(bar.label)}</text>`);
        out.push(`<rect x="${x + labelW}" y="${top + 3}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${bar.color}" rx="2"/>`);
        out.push(`<text x="${x + labelW + w + 6}" y="${top + 15}" class="value">${esc(`${fmt(bar.value)} ${unit}${bar.note ? `  ${bar.note}` : ''}`)}</text>`);
    });
    return {svg: out.join('\n'), height: 28 + bars.length * rowH + 16};
}

function linePanel(x: number, y: number, width: number, title: string, points: Array<{x: number; y: number}>, xUnit: string, yUnit: string, limit?: number): {svg: string; height: number} {
    const h = 170;
    const left = x + 60;
    const plotW = width - 80;
    const top = y + 44;
    const maxX = Math.max(1, ...points.map((p) => p.x));
    const maxY = Math.max(limit ?? 0, ...points.map((p) => p.y)) * 1.1;
    const sx = (v: number) => left + (v / maxX) * plotW;
    const sy = (v: number) => top + h - (v / maxY) * h;
    const out: string[] = [`<text x="${x}" y="${y + 16}" class="title">${esc(title)}</text>`];
    out.push(`<line x1="${left}" y1="${top + h}" x2="${left + plotW}" y2="${top + h}" class="axis"/>`);
    out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + h}" class="axis"/>`);
    for (let i = 0; i <= 4; i++) {
        const v = (maxY * i) / 4;
        out.push(`<text x="${left - 6}" y="${sy(v) + 4}" class="tick" text-anchor="end">${Math.round(v)}</text>`);
        out.push(`<text x="${sx((maxX * i) / 4)}" y="${top + h + 16}" class="tick" text-anchor="middle">${Math.round((maxX * i) / 4)}</text>`);
    }
    out.push(`<text x="${left + plotW}" y="${top + h + 30}" class="tick" text-anchor="end">${esc(xUnit)}</text>`);
    out.push(`<text x="${x}" y="${top - 6}" class="tick">${esc(yUnit)}</text>`);
    if (limit !== undefined) {
        out.push(`<line x1="${left}" y1="${sy(limit)}" x2="${left + plotW}" y2="${sy(limit)}" class="limit"/>`);
        out.push(`<text x="${left + plotW}" y="${sy(limit) - 4}" class="tick" text-anchor="end">target ${limit}</text>`);
    }
    if (points.length > 1) {
        out.push(`<polyline fill="none" stroke="#2f6fb3" stroke-width="2" points="${points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}"/>`);
    }
    return {svg: out.join('\n'), height: h + 84};
}

export function chartSvg(ctx: BenchContext): string {
    const get = (name: string) => ctx.figures.find((f) => f.name === name)?.value;
    const width = 860;
    let y = 10;
    const parts: string[] = [];
    const add = (panel: {svg: string; height: number}) => {
        parts.push(panel.svg);
        y += panel.height;
    };
    const blue = '#2f6fb3';
    const grey = '#9aa5b1';
    const green = '#3d9a5b';
    const throughput: Bar[] = [];
    const pairs: Array<[string, string, string]> = [
        ['intake.fastify_hello_get_per_s', 'Fastify GET hello (ceiling)', grey],
        ['intake.fastify_post_202_per_s', 'Fastify POST, same bodies', grey],
        ['intake.bridge_events_per_s', 'bridge intake, signed events', blue],
        ['drain.fastify_hello_get_per_s', 'Fastify GET hello (drain run)', grey],
        ['drain.bridge_events_per_s', 'bridge intake while a backlog drains', blue],
    ];
    for (const [name, label, color] of pairs) {
        const v = get(name);
        if (v !== undefined) {
            throughput.push({label, value: v, color});
        }
    }
    if (throughput.length > 0) {
        add(barPanel(10, y, width - 20, 'Intake throughput (medians; same run, rounds interleaved)', '/s', throughput));
    }
    const delivery: Bar[] = [];
    const ideal = ctx.figures.find((f) => f.name === 'delivery.posts_per_s');
    if (ideal) {
        delivery.push({label: 'ideal concurrency / latency', value: Number(ideal.conditions.ideal_per_s), color: grey});
        delivery.push({label: 'bridge delivery, SQLite', value: ideal.value, color: blue});
    }
    for (const n of [1, 2, 3]) {
        const v = get(`scaleout.latency_bound.processes_${n}_posts_per_s`);
        if (v !== undefined) {
            delivery.push({label: `PostgreSQL, ${n} process${n > 1 ? 'es' : ''} (latency-bound)`, value: v, color: green});
        }
    }
    for (const n of [1, 2]) {
        const v = get(`scaleout.cpu_bound.processes_${n}_posts_per_s`);
        if (v !== undefined) {
            delivery.push({label: `PostgreSQL, ${n} process${n > 1 ? 'es' : ''} (CPU-bound)`, value: v, color: '#7bb48c'});
        }
    }
    if (delivery.length > 0) {
        add(barPanel(10, y, width - 20, 'Delivery to the Mattermost stand-in (posts/s)', 'posts/s', delivery));
    }
    const latency: Bar[] = [];
    for (const [name, label] of [['intake.p50_at_half_max', 'p50'], ['intake.p99_at_half_max', 'p99'], ['intake.p999_at_half_max', 'p99.9']] as const) {
        const v = get(name);
        if (v !== undefined) {
            latency.push({label: `202 latency ${label} at half max`, value: v, color: name.includes('p99_') ? blue : grey});
        }
    }
    if (latency.length > 0) {
        add(barPanel(10, y, width - 20, 'Intake latency, open loop at half the maximum rate (target p99 ≤ 10 ms)', 'ms', latency));
    }
    const samples = (ctx.details.memory as {samples?: Array<{t_s: number; rss_mb: number}>} | undefined)?.samples;
    if (samples && samples.length > 1) {
        add(linePanel(10, y, width - 20, 'Bridge RSS while 10,000 conversations / 100,000 messages go through (SQLite)', samples.map((s) => ({x: s.t_s, y: s.rss_mb})), 'seconds', 'MB', 200));
    }
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" font-family="system-ui, sans-serif">
<style>.title{font-size:14px;font-weight:600;fill:#1f2933}.label{font-size:12px;fill:#3e4c59}.value{font-size:12px;fill:#1f2933}.tick{font-size:11px;fill:#616e7c}.axis{stroke:#9aa5b1}.limit{stroke:#c0392b;stroke-dasharray:4 3}</style>
<rect width="100%" height="100%" fill="#ffffff"/>
${parts.join('\n')}
</svg>
`;
}
