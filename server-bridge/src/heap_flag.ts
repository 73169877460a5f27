import {readFileSync} from 'node:fs';
import {totalmem} from 'node:os';
import path from 'node:path';

import {heapFlag} from './support/heap_bound.js';

/**
 * `npm start` runs `node $(node heap_flag.js) main.js`: this prints the `--max-old-space-size`
 * flag that bounds the bridge's heap from the container's or the machine's memory
 * (support/heap_bound.ts), or nothing when NODE_OPTIONS already sets it. Never fails: when
 * nothing can be read it prints the bound for the machine's total memory.
 */
function read(file: string): string | null {
    try {
        return readFileSync(file, 'utf8');
    } catch {
        return null;
    }
}

/** The first readable file of the candidates (the process's own cgroup first, then the root). */
function first(candidates: string[]): string | null {
    for (const file of candidates) {
        const text = read(file);
        if (text !== null) {
            return text;
        }
    }
    return null;
}

const groups = (read('/proc/self/cgroup') ?? '').split('\n');
const v2 = groups.find((line) => line.startsWith('0::'))?.slice(3).trim();
const v1 = groups.map((line) => line.split(':')).find((parts) => parts[1]?.split(',').includes('memory'))?.[2]?.trim();

const flag = heapFlag(process.env, [], {
    cgroupV2Max: first([...(v2 ? [path.join('/sys/fs/cgroup', v2, 'memory.max')] : []), '/sys/fs/cgroup/memory.max']),
    cgroupV1Limit: first([...(v1 ? [path.join('/sys/fs/cgroup/memory', v1, 'memory.limit_in_bytes')] : []), '/sys/fs/cgroup/memory/memory.limit_in_bytes']),
    totalBytes: totalmem(),
});
if (flag) {
    process.stdout.write(`${flag}\n`);
}
