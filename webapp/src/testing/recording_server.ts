// A real HTTP server on 127.0.0.1 for the HTTP clients' tests (jest, node environment): it records
// every request and answers through the test's `handler`. Started in beforeAll, closed in afterAll,
// its record cleared before each test.
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';

/** One request as the server read it; `body` is what `decode` made of the raw bytes. */
export type SeenRequest<B> = {method: string; url: string; headers: IncomingMessage['headers']; body: B};

export interface RecordingServer<B> {
    /** `http://127.0.0.1:<port>`, once beforeAll has run. */
    readonly baseUrl: string;
    /** This test's requests, oldest first. */
    readonly seen: Array<SeenRequest<B>>;
    /** Answers each request; a test sets it before its client calls. */
    handler: (req: SeenRequest<B>, res: ServerResponse) => void;
}

export function recordingServer<B>(decode: (raw: Buffer) => B): RecordingServer<B> {
    let server: Server | undefined;
    let baseUrl: string | undefined;
    const recorder: RecordingServer<B> = {
        get baseUrl() {
            if (baseUrl === undefined) {
                throw new Error('the recording server is not listening yet (use it inside a test)');
            }
            return baseUrl;
        },
        seen: [],
        handler: (_req, res) => {
            res.writeHead(500);
            res.end('no handler set');
        },
    };

    beforeAll(async () => {
        const listening = createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on('data', (chunk: Buffer) => chunks.push(chunk));
            req.on('end', () => {
                const entry = {method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: decode(Buffer.concat(chunks))};
                recorder.seen.push(entry);
                recorder.handler(entry, res);
            });
        });
        server = listening;
        await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
        baseUrl = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    });

    beforeEach(() => {
        recorder.seen.length = 0;
    });
    return recorder;
}
