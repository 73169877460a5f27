// The browser harness: a page that plays the Mattermost web app for the plugin bundle.
//
// startHarness() serves, on 127.0.0.1 (free port), as one origin — the way Mattermost serves its
// own web app and API:
//   {basename}/            the host page (public/index.html, host.js, host.css); also at
//                          {basename}/_popout/rhs/<team>/<channel>/plugin/<id>, a popped-out sidebar
//   /vendor/*              React 18 / ReactDOM UMD builds, Redux + React Redux globals
//   /plugin/main.js        the plugin bundle under test (the built webapp/dist/main.js by default)
//   {basename}/plugins/<id>/public/*  the chunks the bundle loads on demand, from public/ next to it
//                          (webpack's webapp/dist/public/), where Mattermost serves an active
//                          plugin's public/ folder (or, with pluginFilesFromServer, from the
//                          Mattermost server itself); every such request is in `publicRequests`
//   {basename}/api/v4/*    proxied to a Mattermost server — the stand-in or a real one — with
//                          cookies and headers passed through both ways, WebSocket included.
// Log in by giving the browser MMAUTHTOKEN / MMCSRF cookies for the harness origin (or by POSTing
// /api/v4/users/login through the proxy against a real server). `basename` mimics a Mattermost
// served under a sub-path (window.basename).
import {createReadStream, existsSync, readFileSync} from 'node:fs';
import {createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {connect, type AddressInfo, type Socket} from 'node:net';
import {basename as baseName, dirname, join} from 'node:path';
import type {Duplex} from 'node:stream';
import {fileURLToPath} from 'node:url';

import {repoRoot, vendorFiles, type HostLibraries} from './vendor.js';

const publicDir = join(dirname(fileURLToPath(import.meta.url)), 'public');
const PLUGIN_ID = (JSON.parse(readFileSync(join(repoRoot, 'plugin.json'), 'utf8')) as {id: string}).id;

export type HarnessOptions = {
    /** Base URL of the Mattermost server to proxy /api/v4 to, e.g. the stand-in's `url`. */
    mattermostUrl: string;

    /** The plugin bundle to load (default: webapp/dist/main.js of this repository). */
    bundlePath?: string;

    /** Serve the site under a sub-path, e.g. '/mm' (default: none). */
    basename?: string;

    /**
     * Take {basename}/plugins/<id>/public/* from the Mattermost server (a real one serves an active
     * plugin's public/ folder there) instead of from public/ next to the bundle. Default: false.
     */
    pluginFilesFromServer?: boolean;

    /** The host libraries the page gives the plugin (vendor.ts): 'current' (default) or 'mattermost-10'. */
    libraries?: HostLibraries;
};

export type ProxiedRequest = {method: string; path: string; headers: IncomingMessage['headers']};

export type Harness = {
    /** The page to open, e.g. http://127.0.0.1:43123/mm/ */
    pageUrl: string;
    origin: string;

    /** Every API request the page made (path as the browser sent it, basename included). */
    requests: ProxiedRequest[];

    /** Every request for a file of the plugin's public/ folder (path as sent) and the status answered. */
    publicRequests: Array<{path: string; status: number}>;
    close(): Promise<void>;
};

const TYPES: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.svg': 'image/svg+xml',
};

function sendFile(res: ServerResponse, path: string): void {
    const ext = path.slice(path.lastIndexOf('.'));
    res.writeHead(200, {'Content-Type': TYPES[ext] ?? 'application/octet-stream', 'Cache-Control': 'no-store'});
    createReadStream(path).pipe(res);
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
    const basename = (options.basename ?? '').replace(/\/+$/, '');
    const bundlePath = options.bundlePath ?? join(repoRoot, 'webapp', 'dist', 'main.js');
    if (!existsSync(bundlePath)) {
        throw new Error(`plugin bundle ${bundlePath} not found: build the webapp first (npm run build -w webapp)`);
    }
    const target = new URL(options.mattermostUrl);
    const vendor = await vendorFiles(options.libraries);
    const indexHtml = readFileSync(join(publicDir, 'index.html'), 'utf8').replace('__HARNESS_CONFIG__', JSON.stringify({basename}));
    const sockets = new Set<Socket | Duplex>();
    const requests: ProxiedRequest[] = [];
    const publicRequests: Array<{path: string; status: number}> = [];
    const pluginPublic = `${basename}/plugins/${PLUGIN_ID}/public/`;
    const chunkDir = join(dirname(bundlePath), 'public');

    const proxy = (req: IncomingMessage, res: ServerResponse, path: string, onStatus?: (status: number) => void) => {
        const upstream = httpRequest({
            host: target.hostname,
            port: target.port,
            method: req.method,
            path,
            headers: {...req.headers, host: target.host},
        }, (answer) => {
            onStatus?.(answer.statusCode ?? 502);
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        });
        upstream.on('error', (err) => {
            if (!res.headersSent) {
                res.writeHead(502, {'Content-Type': 'text/plain'});
            }
            res.end(`harness proxy: ${err.message}`);
        });
        req.pipe(upstream);
    };

    const server: Server = createServer((req, res) => {
        const url = new URL(req.url ?? '/', 'http://harness');
        const path = url.pathname;
        if (path.startsWith(`${basename}/api/v4/`)) {
            requests.push({method: req.method ?? 'GET', path: path + url.search, headers: req.headers});
            proxy(req, res, path.slice(basename.length) + url.search);
        } else if (path === `${basename}/` || path === `${basename}/index.html` || path.startsWith(`${basename}/_popout/`)) {
            // The web app serves itself at /_popout/… too: a popped-out sidebar is the app in its own window.
            res.writeHead(200, {'Content-Type': TYPES['.html']!, 'Cache-Control': 'no-store'});
            res.end(indexHtml);
        } else if (path.startsWith('/vendor/') && vendor[path.slice(8)]) {
            sendFile(res, vendor[path.slice(8)]!);
        } else if (path === '/favicon.ico') {
            res.writeHead(204);
            res.end();
        } else if (path === '/plugin/main.js') {
            sendFile(res, bundlePath);
        } else if (path.startsWith(pluginPublic) && options.pluginFilesFromServer) {
            proxy(req, res, path.slice(basename.length) + url.search, (status) => publicRequests.push({path, status}));
        } else if (path.startsWith(pluginPublic)) {
            // Like Mattermost's handler (http.ServeFile on the plugin's public/): a file or a 404.
            const name = path.slice(pluginPublic.length);
            const file = join(chunkDir, name);
            const found = /^[A-Za-z0-9_.-]+$/.test(name) && baseName(file) === name && existsSync(file);
            publicRequests.push({path, status: found ? 200 : 404});
            if (found) {
                sendFile(res, file);
            } else {
                res.writeHead(404, {'Content-Type': 'text/plain'});
                res.end('not found');
            }
        } else if (path.startsWith('/harness/') && /^[a-z_]+\.(js|css|svg)$/.test(path.slice(9)) && existsSync(join(publicDir, path.slice(9)))) {
            sendFile(res, join(publicDir, path.slice(9)));
        } else {
            res.writeHead(404, {'Content-Type': 'text/plain'});
            res.end('not found');
        }
    });

    // WebSocket upgrades are passed through as raw TCP after re-sending the request head.
    server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
        const url = new URL(req.url ?? '/', 'http://harness');
        if (!url.pathname.startsWith(`${basename}/api/v4/`)) {
            client.destroy();
            return;
        }
        const upstream = connect(Number(target.port || 80), target.hostname, () => {
            const lines = [`${req.method} ${url.pathname.slice(basename.length)}${url.search} HTTP/1.1`];
            for (let i = 0; i < req.rawHeaders.length; i += 2) {
                const name = req.rawHeaders[i]!;
                lines.push(`${name}: ${name.toLowerCase() === 'host' ? target.host : req.rawHeaders[i + 1]}`);
            }
            upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
            upstream.write(head);
            upstream.pipe(client);
            client.pipe(upstream);
        });
        for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on('close', () => sockets.delete(socket));
            socket.on('error', () => {
                client.destroy();
                upstream.destroy();
            });
        }
    });
    server.on('connection', (socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
    });

    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
        origin,
        requests,
        publicRequests,
        pageUrl: `${origin}${basename}/`,
        close: () => new Promise<void>((resolve) => {
            for (const socket of sockets) {
                socket.destroy();
            }
            server.close(() => resolve());
        }),
    };
}
