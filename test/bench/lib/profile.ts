// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by where the code lives
// (a package under node_modules, the bridge's own files, node internals, native/GC).
import {readFileSync, readdirSync} from 'node:fs';
import path from 'node:path';

interface ProfileNode {
    id: number;
    callFrame: {functionName: string; url: string; lineNumber: number};
    hitCount?: number;
    children?: number[];
}

interface CpuProfile {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
    samples: number[];
    timeDeltas: number[];
}

export interface ProfileSummary {
    total_ms: number;
    idle_pct: number;
    by_area: Array<{area: string; pct: number}>;
    top_functions: Array<{fn: string; where: string; pct: number}>;
}

function area(url: string, fn: string): string {
    if (fn === '(idle)') {
        return 'idle';
    }
    if (fn === '(garbage collector)') {
        return 'garbage collector';
    }
    if (fn === '(program)' || url === '') {
        return 'native / runtime (incl. better-sqlite3 and crypto bindings)';
    }
    const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (nm) {
        return nm[1]!;
    }
    if (url.startsWith('node:')) {
        const mod = url.slice(5).split('/')[1] ?? url.slice(5);
        return `node:${mod.replace(/\.js$/, '').replace(/^_/, '')}`;
    }
    const src = /server-bridge\/(?:src|dist)\/(.+?)\.[jt]s$/.exec(url);
    if (src) {
        return `bridge ${src[1]}`;
    }
    return url.split('/').slice(-2).join('/');
}

/**
 * `window`: only samples between `fromEndMs` and `toEndMs` before the profile's end (the process's
 * exit), to leave out start-up (module loading) and shut-down.
 */
export function summariseProfile(file: string, top = 15, window?: {fromEndMs: number; toEndMs: number}): ProfileSummary {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map<number, number>();
    let t = profile.startTime;
    const from = window ? profile.endTime - window.fromEndMs * 1000 : Number.NEGATIVE_INFINITY;
    const to = window ? profile.endTime - window.toEndMs * 1000 : Number.POSITIVE_INFINITY;
    for (let i = 0; i < profile.samples.length; i++) {
        t += profile.timeDeltas[i] ?? 0;
        if (t < from || t > to) {
            continue;
        }
        const id = profile.samples[i]!;
        self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
    let total = 0;
    let idle = 0;
    const areas = new Map<string, number>();
    const fns = new Map<string, {fn: string; where: string; us: number}>();
    for (const [id, us] of self) {
        const node = byId.get(id)!;
        const {functionName, url, lineNumber} = node.callFrame;
        const fn = functionName || '(anonymous)';
        const a = area(url, fn);
        total += us;
        if (a === 'idle') {
            idle += us;
            continue;
        }
        areas.set(a, (areas.get(a) ?? 0) + us);
        const where = url ? `${url.replace(/^.*?(node_modules\/|server-bridge\/)/, '$1')}:${lineNumber + 1}` : '';
        const key = `${fn}@${where}`;
        const entry = fns.get(key) ?? {fn, where, us: 0};
        entry.us += us;
        fns.set(key, entry);
    }
    const busy = Math.max(1, total - idle);
    const pct = (us: number) => Math.round((us / busy) * 1000) / 10;
    return {
        total_ms: Math.round(total / 1000),
        idle_pct: Math.round((idle / Math.max(1, total)) * 1000) / 10,
        by_area: [...areas].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({area: name, pct: pct(us)})),
        top_functions: [...fns.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({fn: f.fn, where: f.where, pct: pct(f.us)})),
    };
}

/** The main thread's profile of process `pid` in `dir` (node writes one file per thread; main is thread 0). */
export function mainThreadProfile(dir: string, pid: number): string | undefined {
    try {
        const file = readdirSync(dir).find((f) => f.startsWith('CPU.') && f.includes(`.${pid}.0.`));
        return file ? path.join(dir, file) : undefined;
    } catch {
        return undefined;
    }
}
