// i-Reserve stand-in: a real HTTP server (Fastify, 127.0.0.1, free port) that receives the bridge's
// signed `conversation.reply` callbacks the way i-Reserve would.
//
// Contracts:
// - Each endpoint (`/callbacks/<name>`) has its own signing secret and checks every call's Standard
//   Webhooks signature on the raw body with its own code (not the bridge's): `webhook-id`,
//   `webhook-timestamp` (±5 min), `webhook-signature` (any `v1,` entry matching). A call that does
//   not verify is recorded with the reason and answered 401.
// - A verified call is answered by the endpoint's script: the next step queued with `respond(...)`,
//   else the default step (200 `{"status":"ok"}`). A step is a status (+ body, + delay) or `'down'`
//   (the connection is dropped without an answer, as when i-Reserve is unreachable). `down()` /
//   `up()` switch an endpoint to dropping every call until further notice.
// - `decide(fn)` answers by content instead: `fn` sees each verified call's parsed body (e.g. a
//   `conversation.action`) and returns the step, or undefined to fall through to the script/default.
//   `refusal(detail)` is the problem+json answer i-Reserve gives when it refuses an action.
// - Every call is recorded, including failed ones; `accepted()` lists the 2xx answers and marks
//   repeats of an already accepted `webhook-id` as `duplicate` (what i-Reserve dedupes on).
import {createHmac, timingSafeEqual} from 'node:crypto';
import type {AddressInfo} from 'node:net';

import Fastify, {type FastifyInstance} from 'fastify';

export type Step =
    | {status: number; body?: unknown; delayMs?: number; headers?: Record<string, string>}
    | 'down';

export interface CallbackRecord {
    endpoint: string;
    at: number;
    webhookId: string;
    timestamp: string;
    signature: string;
    /** The raw body as received. */
    body: string;
    /** The parsed body (undefined when it is not JSON). */
    json: unknown;
    verified: boolean;
    /** Why the signature did not verify, when it did not. */
    verifyFailure: string | null;
    /** The status answered, or null when the call was dropped ('down'). */
    status: number | null;
    /** An earlier call with the same webhook-id was already accepted (2xx). */
    duplicate: boolean;
}

const TOLERANCE_SECONDS = 5 * 60;

/** Verifies a Standard Webhooks signature; null when valid, else the reason. */
export function verifySignature(secret: string, headers: {id: string; timestamp: string; signature: string}, body: string, nowSeconds = Math.floor(Date.now() / 1000)): string | null {
    if (headers.id === '' || headers.timestamp === '' || headers.signature === '') {
        return 'missing webhook-id, webhook-timestamp or webhook-signature';
    }
    if (!/^\d+$/.test(headers.timestamp)) {
        return 'webhook-timestamp is not a number of seconds';
    }
    if (Math.abs(nowSeconds - Number(headers.timestamp)) > TOLERANCE_SECONDS) {
        return 'webhook-timestamp is outside the tolerance';
    }
    const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
    const expected = createHmac('sha256', key).update(`${headers.id}.${headers.timestamp}.${body}`).digest();
    for (const entry of headers.signature.split(' ')) {
        const [version, value] = entry.split(',', 2);
        if (version !== 'v1' || value === undefined) {
            continue;
        }
        const offered = Buffer.from(value, 'base64');
        if (offered.length === expected.length && timingSafeEqual(offered, expected)) {
            return null;
        }
    }
    return 'no signature matches the secret';
}

/** i-Reserve's refusal of an action: `application/problem+json` with a `detail` for the thread note. */
export function refusal(detail: string, status = 409): Step {
    return {status, body: {type: 'about:blank', title: 'Action refused', status, detail}, headers: {'content-type': 'application/problem+json'}};
}

export class Endpoint {
    readonly records: CallbackRecord[] = [];
    #script: Step[] = [];
    #decide: ((body: unknown, record: CallbackRecord) => Step | undefined) | undefined;
    #default: Step = {status: 200, body: {status: 'ok'}};
    #down = false;

    constructor(readonly name: string, readonly url: string, public secret: string) {}

    /** Queue answers for the next verified calls, in order. */
    respond(...steps: Step[]): this {
        this.#script.push(...steps);
        return this;
    }

    /** Answers verified calls by their parsed body (undefined falls through to the script and the default). */
    decide(fn: ((body: unknown, record: CallbackRecord) => Step | undefined) | undefined): this {
        this.#decide = fn;
        return this;
    }

    /** The answer once the script is used up. */
    setDefault(step: Step): this {
        this.#default = step;
        return this;
    }

    /** Drop every call (connection reset) until `up()`. */
    down(): this {
        this.#down = true;
        return this;
    }

    up(): this {
        this.#down = false;
        return this;
    }

    /** Every call received, oldest first. */
    calls(): CallbackRecord[] {
        return [...this.records];
    }

    /** Verified calls answered 2xx (repeats of a webhook-id included, marked `duplicate`). */
    accepted(): CallbackRecord[] {
        return this.records.filter((record) => record.verified && record.status !== null && record.status >= 200 && record.status < 300);
    }

    /** Accepted calls, one per webhook-id: what i-Reserve would have acted on. */
    delivered(): CallbackRecord[] {
        return this.accepted().filter((record) => !record.duplicate);
    }

    clear(): void {
        this.records.length = 0;
        this.#script = [];
    }

    /** @internal */
    nextStep(record?: CallbackRecord): Step {
        if (this.#down) {
            return 'down';
        }
        const decided = record && this.#decide ? this.#decide(record.json, record) : undefined;
        return decided ?? this.#script.shift() ?? this.#default;
    }
}

export class IReserveStandIn {
    readonly #endpoints = new Map<string, Endpoint>();
    #app!: FastifyInstance;
    url = '';

    static async start(options: {host?: string; port?: number} = {}): Promise<IReserveStandIn> {
        const standIn = new IReserveStandIn();
        standIn.#app = standIn.#build();
        await standIn.#app.listen({host: options.host ?? '127.0.0.1', port: options.port ?? 0});
        const address = standIn.#app.server.address() as AddressInfo;
        standIn.url = `http://${address.address}:${address.port}`;
        return standIn;
    }

    /** An endpoint verifying with `secret`; its URL is what the integration's callback URL should be. */
    endpoint(name: string, options: {secret: string}): Endpoint {
        if (!/^[A-Za-z0-9._-]+$/.test(name)) {
            throw new Error(`endpoint names are letters, digits, '.', '_' and '-': ${name}`);
        }
        let endpoint = this.#endpoints.get(name);
        if (endpoint) {
            endpoint.secret = options.secret;
            return endpoint;
        }
        endpoint = new Endpoint(name, `${this.url}/callbacks/${name}`, options.secret);
        this.#endpoints.set(name, endpoint);
        return endpoint;
    }

    /** Every call to every endpoint, oldest first. */
    allCalls(): CallbackRecord[] {
        return [...this.#endpoints.values()].flatMap((endpoint) => endpoint.records).sort((a, b) => a.at - b.at);
    }

    async close(): Promise<void> {
        await this.#app.close();
    }

    #build(): FastifyInstance {
        const app = Fastify({logger: false, bodyLimit: 512 * 1024 * 1024, forceCloseConnections: true});
        app.addContentTypeParser('*', {parseAs: 'string'}, (_request, body, done) => done(null, body));
        app.addContentTypeParser('application/json', {parseAs: 'string'}, (_request, body, done) => done(null, body));
        app.post<{Params: {name: string}}>('/callbacks/:name', async (request, reply) => {
            const endpoint = this.#endpoints.get(request.params.name);
            if (!endpoint) {
                return reply.code(404).send({error: 'unknown endpoint'});
            }
            const body = typeof request.body === 'string' ? request.body : '';
            const header = (name: string) => {
                const value = request.headers[name];
                return typeof value === 'string' ? value : '';
            };
            const record: CallbackRecord = {
                endpoint: endpoint.name,
                at: Date.now(),
                webhookId: header('webhook-id'),
                timestamp: header('webhook-timestamp'),
                signature: header('webhook-signature'),
                body,
                json: parseJson(body),
                verified: false,
                verifyFailure: null,
                status: null,
                duplicate: false,
            };
            endpoint.records.push(record);
            record.verifyFailure = verifySignature(endpoint.secret, {id: record.webhookId, timestamp: record.timestamp, signature: record.signature}, body);
            record.verified = record.verifyFailure === null;
            if (!record.verified) {
                record.status = 401;
                return reply.code(401).send({error: 'invalid signature', detail: record.verifyFailure});
            }
            const step = endpoint.nextStep(record);
            if (step === 'down') {
                reply.hijack();
                request.raw.socket.destroy();
                return reply;
            }
            if (step.delayMs) {
                await new Promise((resolve) => setTimeout(resolve, step.delayMs));
            }
            if (step.status >= 200 && step.status < 300) {
                record.duplicate = endpoint.records.some((other) => other !== record && other.webhookId === record.webhookId
                    && other.verified && other.status !== null && other.status >= 200 && other.status < 300);
            }
            record.status = step.status;
            for (const [name, value] of Object.entries(step.headers ?? {})) {
                void reply.header(name, value);
            }
            const answer = step.body ?? {};
            // A JSON body sent with an explicit content type (problem+json) must be serialised here.
            return reply.code(step.status).send(step.headers?.['content-type'] && typeof answer !== 'string' ? JSON.stringify(answer) : answer);
        });
        return app;
    }
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return undefined;
    }
}
