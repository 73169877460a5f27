#!/usr/bin/env node
// The whole test suite, one suite after another, each runner's own summary printed, then one
// closing line "N passed, N failed" over all of them. Exit code 0 only when nothing failed.
//
//   node scripts/run-tests.mjs            every suite
//   node scripts/run-tests.mjs bridge e2e only the named suites (see SUITES below)
//
// Environment: BRIDGE_TEST_ENGINES=sqlite narrows the bridge suites to SQLite (default: both).
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Test files under `dir` (relative to root) ending in `.test.ts`, relative to `cwd`, sorted. */
function testFiles(cwd, dir, exclude = []) {
    const base = path.join(root, dir);
    if (!existsSync(base)) {
        return [];
    }
    const found = [];
    const walk = (current) => {
        for (const entry of readdirSync(current)) {
            if (entry === 'node_modules' || entry.startsWith('.')) {
                continue;
            }
            const full = path.join(current, entry);
            if (statSync(full).isDirectory()) {
                walk(full);
            } else if (entry.endsWith('.test.ts') && !exclude.some((part) => full.includes(part))) {
                found.push(path.relative(path.join(root, cwd), full));
            }
        }
    };
    walk(base);
    return found.sort();
}

const nodeTest = (cwd, files) => ({
    kind: 'node',
    cwd,
    command: 'node',
    args: ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
});

const SUITES = {
    bridge: () => nodeTest('server-bridge', testFiles('server-bridge', 'server-bridge/test')),
    webapp: () => ({kind: 'jest', cwd: 'webapp', command: 'npm', args: ['test', '--', '--ci']}),
    standins: () => nodeTest('test', testFiles('test', 'test/standins')),
    bundle: () => nodeTest('test', testFiles('test', 'test/dist')),
    browser: () => nodeTest('test', testFiles('test', 'test/browser')),
    e2e: () => nodeTest('test', testFiles('test', 'test/e2e')),
};

function run(name, suite) {
    return new Promise((resolve) => {
        const started = Date.now();
        const extra = [];
        let jsonFile;
        if (suite.kind === 'jest') {
            const dir = mkdtempSync(path.join(tmpdir(), 'jest-summary-'));
            jsonFile = path.join(dir, 'summary.json');
            extra.push('--json', `--outputFile=${jsonFile}`);
        }
        process.stdout.write(`\n=== ${name} (${suite.cwd}: ${suite.command} ${[...suite.args, ...extra].filter((arg) => !arg.endsWith('.test.ts')).join(' ')})\n`);
        let output = '';
        const child = spawn(suite.command, [...suite.args, ...extra], {cwd: path.join(root, suite.cwd), env: process.env, stdio: ['ignore', 'pipe', 'pipe']});
        child.stdout.on('data', (chunk) => {
            output += chunk;
            process.stdout.write(chunk);
        });
        child.stderr.on('data', (chunk) => {
            output += chunk;
            process.stderr.write(chunk);
        });
        child.on('close', (code) => {
            let passed = 0;
            let failed = 0;
            if (jsonFile && existsSync(jsonFile)) {
                const summary = JSON.parse(readFileSync(jsonFile, 'utf8'));
                passed = summary.numPassedTests;
                failed = summary.numFailedTests + summary.numRuntimeErrorTestSuites;
                rmSync(path.dirname(jsonFile), {recursive: true, force: true});
            } else {
                // node:test spec reporter ends with "ℹ pass N" / "ℹ fail N" (tap: "# pass N").
                passed = Number(/^(?:ℹ|#) pass (\d+)/m.exec(output)?.[1] ?? 0);
                failed = Number(/^(?:ℹ|#) fail (\d+)/m.exec(output)?.[1] ?? 0);
            }
            if (code !== 0 && failed === 0) {
                failed = 1; // the runner itself failed (crash, no summary): count it.
            }
            const seconds = ((Date.now() - started) / 1000).toFixed(1);
            process.stdout.write(`--- ${name}: ${passed} passed, ${failed} failed (${seconds} s)\n`);
            resolve({name, passed, failed, seconds});
        });
    });
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
    process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}\n`);
    process.exit(2);
}
const results = [];
for (const name of wanted.length > 0 ? wanted : Object.keys(SUITES)) {
    const suite = SUITES[name]();
    if (suite.kind === 'node' && suite.args.every((arg) => !arg.endsWith('.test.ts'))) {
        process.stdout.write(`\n=== ${name}: no test files\n`);
        continue;
    }
    results.push(await run(name, suite));
}
const passed = results.reduce((sum, result) => sum + result.passed, 0);
const failed = results.reduce((sum, result) => sum + result.failed, 0);
process.stdout.write('\nSummary:\n');
for (const result of results) {
    process.stdout.write(`  ${result.name.padEnd(9)} ${String(result.passed).padStart(4)} passed, ${String(result.failed).padStart(3)} failed  (${result.seconds} s)\n`);
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
