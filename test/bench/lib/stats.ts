// Small statistics helpers for the benchmark: medians of runs and latency percentiles.

export function median(values: readonly number[]): number {
    if (values.length === 0) {
        return Number.NaN;
    }
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of an already sorted array. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
    if (sorted.length === 0) {
        return Number.NaN;
    }
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[rank]!;
}

export function percentiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
    const sorted = Float64Array.from(values as ArrayLike<number>).sort();
    return ps.map((p) => percentileSorted(sorted, p));
}

export function round(value: number, digits = 1): number {
    const f = 10 ** digits;
    return Math.round(value * f) / f;
}

/** min / median / max of a list, for the "runs" column. */
export function spread(values: readonly number[]): {min: number; median: number; max: number} {
    return {min: Math.min(...values), median: median(values), max: Math.max(...values)};
}
