// Small helpers shared by the end-to-end suites: bounded polling, Client4 error checks, an HTTP
// receiver on 127.0.0.1, and the timing lines every suite prints at the end.
import assert from 'node:assert/strict';
import {createServer, type IncomingHttpHeaders, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import type {RealMattermost} from '../harness/index.js';

/** What a bounded poll calls: a falsy answer means "not yet". */
export type Poll<T> = () => T | undefined | null | false | Promise<T | undefined | null | false>;

/** Bounded poll: resolves with the first truthy value of `fn`, rejects after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, fn: Poll<T>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
        try {
            const v = await fn();
            if (v) {
                return v;
            }
        } catch (err) {
            lastError = err;
        }
        if (Date.now() > deadline) {
            const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

/** Asserts that a Client4 promise rejects with `status` and (when given) Mattermost error id `id`. */
export async function expectClientError(p: Promise<unknown>, status: number, id?: string): Promise<void> {
    await assert.rejects(p, (err: {status_code?: number; server_error_id?: string; message?: string}) => {
        assert.equal(err.status_code, status, `status (error id ${err.server_error_id}: ${err.message})`);
        if (id !== undefined) {
            assert.equal(err.server_error_id, id);
        }
        return true;
    });
}

export interface ReceivedRequest {
    method: string;
    path: string;
    headers: IncomingHttpHeaders;
    contentType: string;
    body: string;
    at: number;
}

export interface Receiver {
    /** `http://127.0.0.1:<port>` + `path` given at start. */
    url: string;
    received: ReceivedRequest[];
    /** What to answer next (default 200 `{}` as application/json). */
    respond: (req: ReceivedRequest) => {status: number; body?: string; contentType?: string};
    close(): Promise<void>;
}

/** A tiny HTTP receiver on 127.0.0.1 (free port) that records every request. */
export async function startReceiver(path = '/hook'): Promise<Receiver> {
    const receiver: Receiver = {
        url: '',
        received: [],
        respond: () => ({status: 200, body: '{}', contentType: 'application/json'}),
        close: async () => undefined,
    };
    const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            const r: ReceivedRequest = {
                method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers,
                contentType: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), at: Date.now(),
            };
            receiver.received.push(r);
            const answer = receiver.respond(r);
            res.writeHead(answer.status, {'Content-Type': answer.contentType ?? 'application/json'});
            res.end(answer.body ?? '');
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as AddressInfo;
    receiver.url = `http://127.0.0.1:${port}${path}`;
    receiver.close = () => new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
    });
    return receiver;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/**
 * Records the phases of one suite and prints them as one line at the end, e.g.
 * `[e2e] bridge_flow.test.ts: build 0.3s (cached), boot 3.1s, bootstrap 0.8s, scenarios 21.4s, total 26.0s`.
 */
export function suiteTimer(name: string): {booted(mm: RealMattermost): void; report(): void} {
    const t0 = Date.now();
    let mmTimings: RealMattermost['timings'] | undefined;
    let bootedAt: number | undefined;
    let booted = true;
    return {
        booted(mm) {
            mmTimings = mm.timings;
            booted = mm.booted;
            bootedAt = Date.now();
        },
        report() {
            const end = Date.now();
            const parts: string[] = [];
            if (mmTimings) {
                if (booted) {
                    parts.push(`build ${seconds(mmTimings.buildMs)}`, `boot ${seconds(mmTimings.bootMs)}`);
                } else {
                    parts.push('existing server (MM_URL)');
                }
                parts.push(`bootstrap ${seconds(mmTimings.bootstrapMs)}`);
            }
            if (bootedAt !== undefined) {
                parts.push(`scenarios ${seconds(end - bootedAt)}`);
            }
            parts.push(`total ${seconds(end - t0)}`);
            console.error(`[e2e] ${name}: ${parts.join(', ')}`);
        },
    };
}
