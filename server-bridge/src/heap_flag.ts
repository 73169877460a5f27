import {readFileSync} from 'node:fs';
import {totalmem} from 'node:os';
import path from 'node:path';

import {heapFlag, heapShortfall} from './support/heap_bound.js';

/**
 * `npm start` runs `node $(node heap_flag.js) main.js`: this prints the `--max-old-space-size`
 * flag that bounds the bridge's heap from the container's or the machine's memory
 * (support/heap_bound.ts), or nothing when NODE_OPTIONS already sets it. Never fails: when
 * nothing can be read it prints the bound for the machine's total memory. When that memory is too
 * small for BRIDGE_MAX_ATTACHMENT_BYTES it says so on stderr (the bridge still starts).
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

const readings = {
    cgroupV2Max: first([...(v2 ? [path.join('/sys/fs/cgroup', v2, 'memory.max')] : []), '/sys/fs/cgroup/memory.max']),
    cgroupV1Limit: first([...(v1 ? [path.join('/sys/fs/cgroup/memory', v1, 'memory.limit_in_bytes')] : []), '/sys/fs/cgroup/memory/memory.limit_in_bytes']),
    totalBytes: totalmem(),
};
const flag = heapFlag(process.env, [], readings);
if (flag) {
    process.stdout.write(`${flag}\n`);
}
const shortfall = heapShortfall(process.env, [], readings);
if (shortfall) {
    process.stderr.write(`ireserve-bridge: the heap is bounded at ${shortfall.boundMb} MB (half of the memory available), but an event with an attachment at BRIDGE_MAX_ATTACHMENT_BYTES needs about ${shortfall.neededMb} MB: give the process ${shortfall.memoryNeededMb} MB or lower BRIDGE_MAX_ATTACHMENT_BYTES\n`);
}
