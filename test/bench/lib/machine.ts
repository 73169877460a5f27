// The run's conditions: what machine, which Node, when, which mode. Written into every figure.
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import os from 'node:os';

export interface RunConditions {
    mode: 'quick' | 'full';
    date: string;
    cpu_model: string;
    cores: number;
    memory_gb: number;
    node: string;
    platform: string;
    kernel: string;
    git_commit: string;
    /** 1-minute load average when the run started (the machine may be shared with other work). */
    loadavg_at_start: number;
    /** BENCH_BRIDGE_NODE_FLAGS, when an experiment set it. */
    bridge_node_flags?: string;
}

function cpuModel(): string {
    try {
        const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
        if (line) {
            return line.split(':').slice(1).join(':').trim();
        }
    } catch {
        // not Linux
    }
    return os.cpus()[0]?.model ?? 'unknown';
}

function gitCommit(root: string): string {
    try {
        return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {cwd: root, encoding: 'utf8'}).trim();
    } catch {
        return 'unknown';
    }
}

export function runConditions(mode: 'quick' | 'full', root: string): RunConditions {
    return {
        mode,
        date: new Date().toISOString(),
        cpu_model: cpuModel(),
        cores: os.availableParallelism?.() ?? os.cpus().length,
        memory_gb: Math.round(os.totalmem() / 1024 ** 3),
        node: process.version,
        platform: `${os.platform()} ${os.arch()}`,
        kernel: os.release(),
        git_commit: gitCommit(root),
        loadavg_at_start: Math.round(os.loadavg()[0]! * 100) / 100,
        ...(process.env.BENCH_BRIDGE_NODE_FLAGS ? {bridge_node_flags: process.env.BENCH_BRIDGE_NODE_FLAGS} : {}),
    };
}
