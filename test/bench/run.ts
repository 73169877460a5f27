// `make bench` / `npm run bench`: benchmark and chaos harness for the bridge (issue 8).
//
//   QUICK=1         the one-minute version: small intake, delivery and chaos runs; results go to
//                   test/artifacts/bench-quick.json (the committed full-run results are untouched).
//   BENCH_ONLY=a,b  only these scenarios (intake, delivery, drain, floor, waiting, scaleout, memory, chaos, webapp);
//                   results go to test/artifacts/bench-partial.json.
//   BENCH_BRIDGE=dist|tsx  how bridges are started (default: the build when it is up to date).
//   BENCH_MERGE=1   with BENCH_ONLY in full mode: replace those scenarios' figures in bench/results.json.
//   BENCH_BRIDGE_NODE_FLAGS="--trace-gc ..."  extra Node flags for every bridge (experiments).
//
// Full mode writes bench/results.json, bench/chart.svg and the generated part of BENCHMARKS.md.
// Exit code: 0 unless the harness itself broke or a correctness check failed (lost, duplicated or
// out-of-order messages). Missed performance targets are reported, never fatal.
import path from 'node:path';
import {readFileSync, writeFileSync} from 'node:fs';

import {BenchContext, type Figure} from './lib/context.js';
import {FeatureMissing} from './lib/errors.js';
import {runConditions} from './lib/machine.js';
import {ROOT, bridgeRunner} from './lib/processes.js';
import {chartSvg, markdownSection, writeJson, writeMarkdown} from './lib/report.js';
import {chaos} from './scenarios/chaos.js';
import {delivery} from './scenarios/delivery.js';
import {drain} from './scenarios/drain.js';
import {floor} from './scenarios/floor.js';
import {intake} from './scenarios/intake.js';
import {memory} from './scenarios/memory.js';
import {scaleout} from './scenarios/scaleout.js';
import {waiting} from './scenarios/waiting.js';
import {webapp} from './scenarios/webapp.js';

const SCENARIOS = {intake, delivery, drain, floor, waiting, scaleout, memory, chaos, webapp} as const;
type Name = keyof typeof SCENARIOS;
const QUICK_SET: Name[] = ['intake', 'delivery', 'floor', 'chaos', 'webapp'];
const FULL_SET: Name[] = ['webapp', 'intake', 'delivery', 'drain', 'floor', 'waiting', 'scaleout', 'chaos', 'memory'];

async function main(): Promise<number> {
    const quick = ['1', 'true', 'yes'].includes((process.env.QUICK ?? '').toLowerCase());
    const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter((s): s is Name => s in SCENARIOS);
    const selected = only.length > 0 ? only : quick ? QUICK_SET : FULL_SET;
    // Every bridge of this run starts the same way, even if sources change meanwhile.
    process.env.BENCH_BRIDGE ??= bridgeRunner();
    const artifacts = path.join(ROOT, 'test/artifacts/bench');
    const ctx = new BenchContext(quick, runConditions(quick ? 'quick' : 'full', ROOT), artifacts);
    ctx.log(`${quick ? 'quick' : 'full'} run: ${selected.join(', ')} (bridge started with ${bridgeRunner() === 'dist' ? 'node server-bridge/dist/main.js' : 'tsx server-bridge/src/main.ts'}; logs in ${path.relative(ROOT, artifacts)})`);
    const started = Date.now();
    const broken: string[] = [];
    try {
        for (const name of selected) {
            const t = Date.now();
            try {
                await SCENARIOS[name](ctx);
                ctx.log(`${name} done in ${Math.round((Date.now() - t) / 1000)} s`);
            } catch (error) {
                if (error instanceof FeatureMissing) {
                    ctx.skipped.push({scenario: name, reason: error.message});
                    ctx.log(`${name} skipped: ${error.message}`);
                } else {
                    broken.push(`${name}: ${(error as Error).stack ?? String(error)}`);
                    ctx.log(`${name} BROKE: ${(error as Error).message}`);
                }
            }
        }
    } finally {
        ctx.cleanup();
    }
    const runtime = (Date.now() - started) / 1000;
    if (broken.length > 0) {
        ctx.details.harness_errors = broken;
    }
    let jsonFile: string;
    if (!quick && only.length > 0 && process.env.BENCH_MERGE === '1') {
        // Re-measure some scenarios and fold them into the committed full-run results.
        jsonFile = path.join(ROOT, 'bench/results.json');
        const previous = JSON.parse(readFileSync(jsonFile, 'utf8')) as {conditions: Record<string, unknown>; figures: Figure[]; skipped: BenchContext['skipped']; failures: string[]; details: Record<string, unknown>};
        const fresh = ctx.figures.splice(0);
        ctx.figures.push(...previous.figures.filter((f) => !selected.some((name) => f.name.startsWith(`${name}.`))), ...fresh);
        ctx.skipped.unshift(...previous.skipped.filter((s) => !selected.some((name) => s.scenario.startsWith(name))));
        ctx.failures.unshift(...previous.failures);
        Object.assign(ctx.details, {...previous.details, ...ctx.details});
        ctx.details.merged = [...((previous.details.merged as unknown[]) ?? []), {scenarios: selected, date: ctx.conditions.date, runtime_s: Math.round(runtime)}];
        Object.assign(ctx.conditions, {...(previous.conditions as object), mode: 'full'});
        writeJson(jsonFile, ctx, Number(previous.conditions.runtime_s ?? runtime));
        writeFileSync(path.join(ROOT, 'bench/chart.svg'), chartSvg(ctx));
        writeMarkdown(path.join(ROOT, 'BENCHMARKS.md'), markdownSection(ctx, Number(previous.conditions.runtime_s ?? runtime), 'bench/chart.svg'));
    } else if (quick || only.length > 0) {
        jsonFile = path.join(ROOT, `test/artifacts/bench-${quick ? 'quick' : 'partial'}.json`);
        writeJson(jsonFile, ctx, runtime);
        writeFileSync(jsonFile.replace(/\.json$/, '.md'), `# Benchmark (${quick ? 'quick' : 'partial'} run)\n\n${markdownSection(ctx, runtime, undefined)}\n`);
        writeFileSync(jsonFile.replace(/\.json$/, '.svg'), chartSvg(ctx));
    } else {
        jsonFile = path.join(ROOT, 'bench/results.json');
        writeJson(jsonFile, ctx, runtime);
        writeFileSync(path.join(ROOT, 'bench/chart.svg'), chartSvg(ctx));
        writeMarkdown(path.join(ROOT, 'BENCHMARKS.md'), markdownSection(ctx, runtime, 'bench/chart.svg'));
    }
    process.stdout.write(`\n${ctx.figures.map((f) => `  ${f.name.padEnd(52)} ${String(f.value).padStart(10)} ${f.unit}${f.target ? `   ${f.met ? 'met' : 'MISSED'}: ${f.target}` : ''}`).join('\n')}\n\n`);
    for (const s of ctx.skipped) {
        process.stdout.write(`  not measured: ${s.scenario}: ${s.reason}\n`);
    }
    ctx.log(`finished in ${Math.round(runtime)} s; results in ${path.relative(ROOT, jsonFile)}`);
    if (ctx.failures.length > 0) {
        process.stderr.write(`\nCORRECTNESS FAILURES:\n${ctx.failures.map((f) => `  - ${f}`).join('\n')}\n`);
    }
    if (broken.length > 0) {
        process.stderr.write(`\nHARNESS ERRORS:\n${broken.map((b) => `  - ${b}`).join('\n')}\n`);
    }
    return ctx.failures.length > 0 || broken.length > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (error: unknown) => {
    process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
});
