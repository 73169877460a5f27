// Shared helpers of the security suite (DESIGN §14): raw HTTP over a socket, to send a request
// whose body never arrives, and a recorder that notes every request it gets.
import {createServer as createHttpServer, type IncomingMessage, type Server} from 'node:http';
import net from 'node:net';

export interface RawAnswer {
    status: number;
    headers: Record<string, string>;
    body: string;
}

function parse(raw: string): RawAnswer | undefined {
    const end = raw.indexOf('\r\n\r\n');
    if (end === -1) {
        return undefined;
    }
    const [statusLine = '', ...lines] = raw.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const body = raw.slice(end + 4);
    const length = Number(headers['content-length'] ?? 0);
    if (Buffer.byteLength(body) < length) {
        return undefined;
    }
    return {status: Number(statusLine.split(' ')[1]), headers, body};
}

/**
 * Sends the request line, `headers` and the first `sent` bytes of a body announced as `announced`
 * bytes long, and resolves with the answer as soon as a whole one arrived — without ever sending
 * the rest. Rejects after `timeoutMs` (a server that waits for the whole body never answers).
 */
export function partialRequest(baseUrl: string, options: {method: string; path: string; headers: Record<string, string>; announced: number; sent: string; timeoutMs?: number}): Promise<RawAnswer> {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
        const socket = net.connect(Number(url.port), url.hostname);
        let raw = '';
        const timer = setTimeout(() => {
            socket.destroy();
            reject(new Error(`no answer within ${options.timeoutMs ?? 5000} ms while the body was incomplete`));
        }, options.timeoutMs ?? 5000);
        socket.on('data', (chunk) => {
            raw += chunk.toString('utf8');
            const answer = parse(raw);
            if (answer) {
                clearTimeout(timer);
                socket.destroy();
                resolve(answer);
            }
        });
        socket.on('error', (error) => {
            clearTimeout(timer);
            reject(error);
        });
        const head = [`${options.method} ${options.path} HTTP/1.1`, `Host: ${url.host}`, `Content-Length: ${options.announced}`, ...Object.entries(options.headers).map(([name, value]) => `${name}: ${value}`)];
        socket.write(`${head.join('\r\n')}\r\n\r\n${options.sent}`);
    });
}

export interface Recorder {
    url: string;
    requests: Array<{method: string; path: string; headers: IncomingMessage['headers']}>;
    close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request and answers with `answer`. */
export async function startRecorder(answer: (request: IncomingMessage) => {status: number; headers?: Record<string, string>; body?: string} = () => ({status: 200, body: '{}', headers: {'content-type': 'application/json'}})): Promise<Recorder> {
    const requests: Recorder['requests'] = [];
    const server: Server = createHttpServer((request, response) => {
        requests.push({method: request.method ?? '', path: request.url ?? '', headers: request.headers});
        request.resume();
        const {status, headers, body} = answer(request);
        response.writeHead(status, headers ?? {}).end(body ?? '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as net.AddressInfo;
    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}

/** The value of a Prometheus counter line with these labels (0 when absent). */
export async function counter(bridgeUrl: string, name: string, labels: Record<string, string>): Promise<number> {
    const text = await (await fetch(`${bridgeUrl}/metrics`)).text();
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    for (const line of text.split('\n')) {
        if (line.startsWith(`${name}{`) && wanted.every((label) => line.includes(label))) {
            return Number(line.slice(line.lastIndexOf(' ') + 1));
        }
    }
    return 0;
}
