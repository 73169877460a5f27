// Load generation in bounded loops over keep-alive connections (undici Pool).
// - closedLoop: N connections, each sends its next request as soon as the previous one answered,
//   for a fixed time after a warm-up: the maximum rate the server sustains.
// - openLoop: requests at a fixed rate whatever the answers (no coordinated omission): latency is
//   measured from the moment each request was due, so queueing shows.
// - sendUntilStored: i-Reserve's behaviour for one event: retry (same webhook-id, re-signed) until
//   the bridge answers 202 accepted or 200 duplicate.
import {performance} from 'node:perf_hooks';

import {Pool} from 'undici';

import {FeatureMissing} from './errors.js';
import {resign, type SignedRequest} from './events.js';
import {percentiles, round} from './stats.js';

export function pool(origin: string, connections: number): Pool {
    return new Pool(origin, {connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 60_000, bodyTimeout: 60_000});
}

export interface ClosedLoopResult {
    requests: number;
    /** Every request answered, warm-up included (for CPU time per request). */
    total: number;
    rate: number;
    statuses: Record<string, number>;
    errors: number;
    latency_ms: {p50: number; p99: number; max: number};
}

export async function closedLoop(options: {
    origin: string;
    connections: number;
    warmupMs: number;
    durationMs: number;
    /** The next request of connection `worker` (0 … connections − 1), asked once its previous request was answered. */
    next: (worker: number) => SignedRequest;
    /** Told each answer's status (0: no answer, a network error), before `worker` asks for its next request. */
    answered?: (worker: number, status: number) => void;
    method?: 'POST' | 'GET';
}): Promise<ClosedLoopResult> {
    const client = pool(options.origin, options.connections);
    const statuses: Record<string, number> = {};
    const latencies: number[] = [];
    let errors = 0;
    let counting = false;
    let counted = 0;
    let total = 0;
    const started = performance.now();
    const warmEnd = started + options.warmupMs;
    const end = warmEnd + options.durationMs;
    let measuredStart = 0;
    let measuredEnd = 0;
    const worker = async (index: number) => {
        for (;;) {
            const now = performance.now();
            if (now >= end) {
                return;
            }
            if (!counting && now >= warmEnd) {
                counting = true;
                measuredStart = now;
            }
            const request = options.next(index);
            const t0 = performance.now();
            try {
                const response = await client.request({
                    path: request.path,
                    method: options.method ?? 'POST',
                    headers: request.headers,
                    body: options.method === 'GET' ? undefined : request.body,
                });
                await response.body.dump();
                options.answered?.(index, response.statusCode);
                total += 1;
                const t1 = performance.now();
                if (t0 >= warmEnd && t1 <= end) {
                    counted += 1;
                    latencies.push(t1 - t0);
                    statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
                    measuredEnd = Math.max(measuredEnd, t1);
                }
            } catch {
                errors += 1;
                options.answered?.(index, 0);
            }
        }
    };
    await Promise.all(Array.from({length: options.connections}, (_, index) => worker(index)));
    await client.close();
    const [p50, p99, max] = percentiles(latencies, [50, 99, 100]);
    const seconds = Math.max(1e-9, ((measuredEnd || end) - (measuredStart || warmEnd)) / 1000);
    return {requests: counted, total, rate: round(counted / seconds, 0), statuses, errors, latency_ms: {p50: round(p50!, 2), p99: round(p99!, 2), max: round(max!, 2)}};
}

export interface OpenLoopResult {
    target_rate: number;
    achieved_rate: number;
    requests: number;
    statuses: Record<string, number>;
    errors: number;
    /** From the moment each request was due (includes any queueing in the client). */
    latency_ms: {p50: number; p90: number; p99: number; p999: number; max: number};
}

export async function openLoop(options: {
    origin: string;
    rate: number;
    connections: number;
    warmupMs: number;
    durationMs: number;
    next: () => SignedRequest;
}): Promise<OpenLoopResult> {
    const client = pool(options.origin, options.connections);
    const statuses: Record<string, number> = {};
    const latencies: number[] = [];
    const inflight = new Set<Promise<void>>();
    let errors = 0;
    const interval = 1000 / options.rate;
    const start = performance.now();
    const warmEnd = start + options.warmupMs;
    const end = warmEnd + options.durationMs;
    let sent = 0;
    let measured = 0;
    const fire = (due: number) => {
        const request = options.next();
        const p = client.request({path: request.path, method: 'POST', headers: request.headers, body: request.body})
            .then(async (response) => {
                await response.body.dump();
                if (due >= warmEnd) {
                    measured += 1;
                    latencies.push(performance.now() - due);
                    statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
                }
            }, () => {
                errors += 1;
            })
            .finally(() => inflight.delete(p));
        inflight.add(p);
    };
    for (;;) {
        const now = performance.now();
        if (now >= end) {
            break;
        }
        const due = Math.floor((now - start) / interval) + 1;
        while (sent < due) {
            fire(start + sent * interval);
            sent += 1;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all([...inflight]);
    await client.close();
    const [p50, p90, p99, p999, max] = percentiles(latencies, [50, 90, 99, 99.9, 100]);
    return {
        target_rate: round(options.rate, 0),
        achieved_rate: round(measured / (options.durationMs / 1000), 0),
        requests: measured,
        statuses,
        errors,
        latency_ms: {p50: round(p50!, 2), p90: round(p90!, 2), p99: round(p99!, 2), p999: round(p999!, 2), max: round(max!, 2)},
    };
}

export interface SendOutcome {
    status: number;
    attempts: number;
    acceptedAt: number;
}

/**
 * Sends one event until it is stored (202) or known (200 duplicate), like i-Reserve retrying after a
 * network error or a 5xx/429. Gives up after `deadlineMs` (then the harness reports it).
 */
export async function sendUntilStored(client: Pool, secret: string, request: SignedRequest, deadlineMs = 180_000): Promise<SendOutcome> {
    const giveUp = Date.now() + deadlineMs;
    let attempts = 0;
    let current = request;
    for (;;) {
        attempts += 1;
        try {
            const response = await client.request({path: current.path, method: 'POST', headers: current.headers, body: current.body});
            const text = await response.body.text();
            if (response.statusCode === 202 || response.statusCode === 200) {
                return {status: response.statusCode, attempts, acceptedAt: Date.now()};
            }
            if (response.statusCode === 404 && /There is no/.test(text)) {
                throw new FeatureMissing(`the events endpoint answers 404: not built yet`);
            }
            if (response.statusCode < 500 && response.statusCode !== 429 && response.statusCode !== 408) {
                throw new Error(`event refused with ${response.statusCode}: ${text.slice(0, 300)}`);
            }
        } catch (error) {
            if (error instanceof FeatureMissing || (error as Error).message.startsWith('event refused')) {
                throw error;
            }
        }
        if (Date.now() > giveUp) {
            throw new Error(`event ${request.headers['webhook-id']} not stored after ${attempts} attempts`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * attempts)));
        current = resign(secret, current);
    }
}

/** Runs `tasks` with at most `concurrency` at once; resolves when all are done (rejects on the first error). */
export async function withConcurrency<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>): Promise<void> {
    let next = 0;
    let failed = false;
    const workers = Array.from({length: Math.min(concurrency, items.length)}, async () => {
        while (next < items.length && !failed) {
            const index = next++;
            try {
                await task(items[index]!, index);
            } catch (error) {
                failed = true;
                throw error;
            }
        }
    });
    await Promise.all(workers);
}
