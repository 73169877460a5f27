/**
 * The default bound of V8's old space for `npm start` (issue 20), as a pure computation: the
 * caller reads the machine and passes the values in.
 *
 * Without a bound Node sizes the heap from the machine's total memory (gigabytes on a large host,
 * and not the container's limit), and the bridge's heap then fills with garbage V8 has no reason
 * to collect: ~300 MB RSS under sustained load for ~35 MB of live data. The bound:
 *
 *   old space = max(128 MB, 48 MB + 6 × BRIDGE_MAX_ATTACHMENT_BYTES), at most half of the memory
 *   the process may use (the container's limit when there is one, else the machine's total), and
 *   never below 32 MB.
 *
 * 128 MB holds the live data many times over. An event carrying an attachment is held as base64
 * text (4/3 of the file) several times at once while it is taken in: the body as text, the parsed
 * value, and the JSON stored for the event and for its delivery job. Measured with
 * test/bench/attachment_memory.ts: a 45 MB file took the heap to 328 MB, and a bridge bounded at
 * 128 MB (the earlier 48 + 1.5 × limit) died of an out-of-memory error on it although the limit
 * was 50 MB; hence 6 × the limit (348 MB for the default 50 MB). V8 only grows towards the bound
 * when it must: under ordinary traffic the heap stays near its live data (see BENCHMARKS.md,
 * memory). Half of the memory leaves the rest to the young generation, code, buffers and SQLite's
 * cache; when half is less than the attachment limit needs, `heapShortfall` says so and heap_flag
 * warns at start.
 */

const MB = 1024 * 1024;

export const BASE_OLD_SPACE_MB = 128;
export const MIN_OLD_SPACE_MB = 32;
export const DEFAULT_MAX_ATTACHMENT_BYTES = 50 * MB;

/** What the computation needs from the machine, read by the caller. */
export interface MemoryReadings {
    /** Contents of cgroup v2 `memory.max` ("max" or bytes), or null when absent. */
    cgroupV2Max: string | null;
    /** Contents of cgroup v1 `memory.limit_in_bytes`, or null when absent. */
    cgroupV1Limit: string | null;
    /** The machine's total memory in bytes (`os.totalmem()`). */
    totalBytes: number;
}

/**
 * The memory the process may use, in bytes: the cgroup limit (v2, else v1) when it is a number
 * below the machine's total ("max", or v1's near-2^63 "unlimited", mean none), else the total.
 */
export function memoryLimitBytes(readings: MemoryReadings): number {
    for (const raw of [readings.cgroupV2Max, readings.cgroupV1Limit]) {
        const text = raw?.trim();
        if (text && /^\d+$/.test(text)) {
            const bytes = Number(text);
            if (bytes > 0 && bytes < readings.totalBytes) {
                return bytes;
            }
            return readings.totalBytes;
        }
        if (text === 'max') {
            return readings.totalBytes;
        }
    }
    return readings.totalBytes;
}

/** Heap per byte of the attachment limit: the base64 text held several times while an event is taken in. */
export const HEAP_PER_ATTACHMENT_BYTE = 6;

/** The old space an event with the largest attachment needs, in MB, whatever the memory. */
export function wantedOldSpaceMb(maxAttachmentBytes: number): number {
    return Math.max(BASE_OLD_SPACE_MB, Math.ceil(48 + (HEAP_PER_ATTACHMENT_BYTE * maxAttachmentBytes) / MB));
}

/** The old-space bound in MB for a memory limit and an attachment limit (both in bytes). */
export function oldSpaceMb(limitBytes: number, maxAttachmentBytes: number): number {
    return Math.max(MIN_OLD_SPACE_MB, Math.min(wantedOldSpaceMb(maxAttachmentBytes), Math.floor(limitBytes / 2 / MB)));
}

/**
 * When the memory is too small for the attachment limit (the bound is below what an event with the
 * largest attachment needs): both figures in MB, and the memory that would do. Null when it fits
 * or when the operator set the heap size.
 */
export function heapShortfall(env: Record<string, string | undefined>, execArgv: readonly string[], readings: MemoryReadings): {boundMb: number; neededMb: number; memoryNeededMb: number} | null {
    if (heapSetByOperator(env.NODE_OPTIONS, execArgv)) {
        return null;
    }
    const attachment = attachmentLimitFrom(env);
    const boundMb = oldSpaceMb(memoryLimitBytes(readings), attachment);
    const neededMb = wantedOldSpaceMb(attachment);
    return boundMb < neededMb ? {boundMb, neededMb, memoryNeededMb: 2 * neededMb} : null;
}

/** True when the operator already chose the heap size (a node flag or NODE_OPTIONS). */
export function heapSetByOperator(nodeOptions: string | undefined, execArgv: readonly string[]): boolean {
    const flag = /(^|\s)--max[-_]old[-_]space[-_]size(=|\s|$)/;
    return flag.test(nodeOptions ?? '') || execArgv.some((arg) => flag.test(arg));
}

/** The attachment limit from the environment as the bridge's config reads it (default when absent or not a whole number). */
export function attachmentLimitFrom(env: Record<string, string | undefined>): number {
    const raw = env.BRIDGE_MAX_ATTACHMENT_BYTES?.trim();
    return raw && /^\d+$/.test(raw) ? Number(raw) : DEFAULT_MAX_ATTACHMENT_BYTES;
}

/** The node flag `npm start` adds, or null when the operator set the heap size themselves. */
export function heapFlag(env: Record<string, string | undefined>, execArgv: readonly string[], readings: MemoryReadings): string | null {
    if (heapSetByOperator(env.NODE_OPTIONS, execArgv)) {
        return null;
    }
    return `--max-old-space-size=${oldSpaceMb(memoryLimitBytes(readings), attachmentLimitFrom(env))}`;
}
