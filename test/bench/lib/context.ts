// What every scenario gets: the mode, a work directory, the run's conditions, and `figure()` to
// record one named figure (value, unit, target, and the scenario's conditions).
import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

import {ADMIN_TOKEN, SECRET_KEY, StandInControl, createIntegration, type IntegrationSetup} from './clients.js';
import type {RunConditions} from './machine.js';
import {BridgeProcess, freePort, startStandIn, type StandInInfo} from './processes.js';

export interface Figure {
    name: string;
    value: number;
    unit: string;
    /** The target from the issue, in words, when there is one. */
    target?: string;
    /** Whether the target was met (absent when there is no target). */
    met?: boolean;
    /** Individual runs the value is the median of. */
    runs?: number[];
    /** Scenario settings and the run's conditions. */
    conditions: Record<string, unknown>;
    note?: string;
}

export class BenchContext {
    readonly figures: Figure[] = [];
    readonly details: Record<string, unknown> = {};
    /** Correctness failures (lost/duplicated/out of order): the harness exits non-zero. */
    readonly failures: string[] = [];
    /** Parts that could not be measured (a missing feature), said plainly in the report. */
    readonly skipped: Array<{scenario: string; reason: string}> = [];
    readonly tmp: string;
    readonly logs: string;

    constructor(readonly quick: boolean, readonly conditions: RunConditions, artifacts: string) {
        this.tmp = mkdtempSync(path.join(tmpdir(), 'ireserve-bench-'));
        this.logs = artifacts;
        mkdirSync(this.logs, {recursive: true});
    }

    figure(scenario: string, figure: Omit<Figure, 'conditions'> & {conditions?: Record<string, unknown>}): void {
        this.figures.push({
            ...figure,
            name: `${scenario}.${figure.name}`,
            conditions: {...figure.conditions, mode: this.conditions.mode, date: this.conditions.date, cpu_model: this.conditions.cpu_model, cores: this.conditions.cores, node: this.conditions.node,
                bridge_runner: process.env.BENCH_BRIDGE === 'tsx' ? 'tsx server-bridge/src/main.ts' : 'node server-bridge/dist/main.js'},
        });
    }

    log(message: string): void {
        process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
    }

    dir(name: string): string {
        const dir = path.join(this.tmp, name);
        mkdirSync(dir, {recursive: true});
        return dir;
    }

    cleanup(): void {
        rmSync(this.tmp, {recursive: true, force: true});
    }

    async standIn(name: string): Promise<{info: StandInInfo; control: StandInControl}> {
        const info = await startStandIn(path.join(this.logs, `${name}-standin.log`));
        return {info, control: new StandInControl(info.control)};
    }

    /**
     * A bridge process with the bench's admin token and secret key, on a port of its own.
     * BENCH_BRIDGE_NODE_FLAGS (space-separated, e.g. "--trace-gc") adds Node flags to every bridge
     * of the run, for experiments; a run with it says so in its conditions. With `npmStart` it is
     * started as `npm start` starts it (the heap bound its heap_flag script prints, nothing else).
     */
    async bridge(name: string, env: Record<string, string>, nodeFlags?: string[], npmStart = false): Promise<BridgeProcess> {
        const extra = (process.env.BENCH_BRIDGE_NODE_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== '');
        const bridge = new BridgeProcess({
            name,
            port: await freePort(),
            env: {BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN, BRIDGE_SECRET_KEY: SECRET_KEY, ...env},
            logFile: path.join(this.logs, `${name}-bridge.log`),
            nodeFlags: [...extra, ...(nodeFlags ?? [])],
            npmStart,
        });
        await bridge.start();
        return bridge;
    }

    /** An integration pointing at the stand-in's seeded channel and bot. */
    integration(bridge: BridgeProcess, standIn: StandInInfo, licence: string, extra: Partial<Parameters<typeof createIntegration>[2]> = {}): Promise<IntegrationSetup> {
        return createIntegration(bridge.url, licence, {
            serverUrl: standIn.url,
            botToken: standIn.seed.bot.token,
            channelId: standIn.seed.channel.id,
            ...extra,
        });
    }
}
