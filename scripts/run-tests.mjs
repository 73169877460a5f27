#!/usr/bin/env node
// The whole test suite, one suite after another, each runner's own output printed, then one
// closing line "N passed, N failed, N skipped" over all of them. Exit code 0 only when nothing failed.
//
//   node scripts/run-tests.mjs            every suite
//   node scripts/run-tests.mjs bridge e2e only the named suites (see SUITES below)
//
// What counts:
// - passed: tests that ran and passed;
// - failed: tests that failed, plus tests that were cancelled (a failing `before` hook or a timeout
//   cancels the tests it holds: they did not pass), plus one for a runner that exits non-zero
//   without reporting a failed test (crash, import error), plus one for a suite without test files;
// - skipped: tests marked skip or todo (they did not run to a verdict).
// Every node:test file runs under `--test-timeout` (the suite's per-file bound below), so a file
// that hangs is cancelled and counted as failed instead of stopping the run.
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

const MINUTE = 60_000;

/** node:test over `files`; `fileTimeoutMs` bounds each file as a whole (hooks included). */
const nodeTest = (cwd, files, fileTimeoutMs) => ({
    kind: 'node',
    cwd,
    files,
    command: 'node',
    args: ['--import', 'tsx', '--test', '--test-concurrency=1', `--test-timeout=${fileTimeoutMs}`, '--test-reporter=spec', ...files],
});

const SUITES = {
    bridge: () => nodeTest('server-bridge', testFiles('server-bridge', 'server-bridge/test'), 10 * MINUTE),
    webapp: () => ({kind: 'jest', cwd: 'webapp', files: null, command: 'npm', args: ['test', '--', '--ci']}),
    // The stand-ins and the shared test support (the throw-away PostgreSQL server) they sit beside.
    standins: () => nodeTest('test', [...testFiles('test', 'test/standins'), ...testFiles('test', 'test/support')], 5 * MINUTE),
    bundle: () => nodeTest('test', testFiles('test', 'test/dist'), 5 * MINUTE),
    browser: () => nodeTest('test', testFiles('test', 'test/browser'), 10 * MINUTE),
    // The first run builds Mattermost from source (the harness allows 45 minutes for that).
    e2e: () => nodeTest('test', testFiles('test', 'test/e2e'), 60 * MINUTE),
};

/** The last "ℹ name N" (spec) or "# name N" (tap) summary figure in a node:test output, else 0. */
function nodeFigure(output, name) {
    const matches = [...output.matchAll(new RegExp(`^(?:ℹ|#) ${name} (\\d+)$`, 'gm'))];
    return Number(matches.at(-1)?.[1] ?? 0);
}

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
            const counts = {passed: 0, failed: 0, cancelled: 0, skipped: 0, todo: 0};
            if (jsonFile && existsSync(jsonFile)) {
                const summary = JSON.parse(readFileSync(jsonFile, 'utf8'));
                counts.passed = summary.numPassedTests;
                counts.failed = summary.numFailedTests + summary.numRuntimeErrorTestSuites;
                counts.skipped = summary.numPendingTests;
                counts.todo = summary.numTodoTests;
                rmSync(path.dirname(jsonFile), {recursive: true, force: true});
            } else {
                // node:test's spec reporter ends with "ℹ pass N", "ℹ fail N", "ℹ cancelled N",
                // "ℹ skipped N", "ℹ todo N". A test cancelled by a failing hook or a timeout is
                // only in "cancelled", not in "fail": it is a failure all the same.
                counts.passed = nodeFigure(output, 'pass');
                counts.cancelled = nodeFigure(output, 'cancelled');
                counts.failed = nodeFigure(output, 'fail') + counts.cancelled;
                counts.skipped = nodeFigure(output, 'skipped');
                counts.todo = nodeFigure(output, 'todo');
            }
            if (code !== 0 && counts.failed === 0) {
                counts.failed = 1; // the runner itself failed (crash, no summary): count it.
            }
            const seconds = ((Date.now() - started) / 1000).toFixed(1);
            const result = {name, ...counts, seconds};
            process.stdout.write(`--- ${name}: ${describeCounts(result)} (${seconds} s)\n`);
            resolve(result);
        });
    });
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
    process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}\n`);
    process.exit(2);
}
/** "N passed, N failed (N cancelled), N skipped, N todo" for one suite. */
function describeCounts(result) {
    const cancelled = result.cancelled > 0 ? ` (${result.cancelled} cancelled)` : '';
    const note = result.note ? ` — ${result.note}` : '';
    return `${result.passed} passed, ${result.failed} failed${cancelled}, ${result.skipped} skipped, ${result.todo} todo${note}`;
}

const results = [];
for (const name of wanted.length > 0 ? wanted : Object.keys(SUITES)) {
    const suite = SUITES[name]();
    if (suite.files !== null && suite.files.length === 0) {
        // A suite that finds nothing to run is broken (moved or deleted files), not green.
        const result = {name, passed: 0, failed: 1, cancelled: 0, skipped: 0, todo: 0, seconds: '0.0', note: 'no test files found'};
        process.stdout.write(`\n=== ${name}: no test files found\n--- ${name}: ${describeCounts(result)}\n`);
        results.push(result);
        continue;
    }
    results.push(await run(name, suite));
}
const total = (key) => results.reduce((sum, result) => sum + result[key], 0);
const passed = total('passed');
const failed = total('failed');
const skipped = total('skipped') + total('todo');
process.stdout.write('\nSummary:\n');
for (const result of results) {
    process.stdout.write(`  ${result.name.padEnd(9)} ${describeCounts(result)}  (${result.seconds} s)\n`);
}
// The closing line, read by CI: skipped counts the tests marked skip or todo.
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed === 0 ? 0 : 1);
