/**
 * @jest-environment node
 */
// The client against a real local HTTP server: what goes over the wire and how failures are typed.
import type {ServerResponse} from 'node:http';

import {recordingServer} from '../testing/recording_server';

import {MattermostError, createMattermostClient, getSiteURL, readCookie} from './mattermost_client';

const recorder = recordingServer((raw) => raw);
const {seen} = recorder;

const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {'Content-Type': 'application/json'});
    res.end(JSON.stringify(body));
};

const client = () => createMattermostClient({siteURL: () => `${recorder.baseUrl}/mm`, csrfToken: () => 'csrf-token-1'});

test('createPost: path under the site\'s sub-path, session headers, JSON body', async () => {
    recorder.handler = (req, res) => json(res, 201, {id: 'newpost', ...JSON.parse(req.body.toString())});
    const post = await client().createPost({
        channel_id: 'c1',
        root_id: 'r1',
        message: 'Hello',
        file_ids: ['f1'],
        props: {ireserve_reply: {mode: 'visitor'}},
        pending_post_id: 'u:1',
    });
    expect(post.id).toBe('newpost');
    const [req] = seen;
    expect(req).toMatchObject({method: 'POST', url: '/mm/api/v4/posts'});
    expect(req!.headers['x-requested-with']).toBe('XMLHttpRequest');
    expect(req!.headers['x-csrf-token']).toBe('csrf-token-1');
    expect(JSON.parse(req!.body.toString())).toEqual({
        channel_id: 'c1',
        root_id: 'r1',
        message: 'Hello',
        file_ids: ['f1'],
        props: {ireserve_reply: {mode: 'visitor'}},
        pending_post_id: 'u:1',
    });
});

test('uploadFile: multipart with channel_id first, then the file', async () => {
    recorder.handler = (_req, res) => json(res, 201, {file_infos: [{id: 'file1', name: 'photo.png'}], client_ids: ['k1']});
    const info = await client().uploadFile('c1', new Blob(['png-bytes'], {type: 'image/png'}), 'photo.png', 'k1');
    expect(info.id).toBe('file1');
    const [req] = seen;
    expect(req).toMatchObject({method: 'POST', url: '/mm/api/v4/files'});
    const body = req!.body.toString();
    expect(body.indexOf('name="channel_id"')).toBeLessThan(body.indexOf('name="files"'));
    expect(body).toContain('filename="photo.png"');
    expect(body).toContain('png-bytes');
    expect(req!.headers['x-csrf-token']).toBe('csrf-token-1');
});

test('getPostThread and getChannelRootPosts ask for the whole thread / collapsed roots', async () => {
    recorder.handler = (_req, res) => json(res, 200, {order: [], posts: {}});
    await client().getPostThread('r1');
    await client().getChannelRootPosts('c1');
    expect(seen[0]!.url).toMatch(/^\/mm\/api\/v4\/posts\/r1\/thread\?/);
    expect(seen[0]!.url).toContain('collapsedThreads=false');
    expect(seen[0]!.url).not.toContain('perPage');
    expect(seen[1]!.url).toMatch(/^\/mm\/api\/v4\/channels\/c1\/posts\?page=0&per_page=200/);
    expect(seen[1]!.url).toContain('collapsedThreads=true');
    expect(seen[0]!.headers['x-csrf-token']).toBeUndefined(); // GET carries no CSRF token
});

test('a Mattermost JSON error keeps its status and id; not retryable', async () => {
    recorder.handler = (_req, res) => json(res, 403, {id: 'api.context.permissions.app_error', message: 'You do not have the appropriate permissions.', status_code: 403});
    const err = await client().createPost({channel_id: 'c', root_id: 'r', message: 'x', file_ids: [], props: {}}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MattermostError);
    expect(err).toMatchObject({kind: 'http', status: 403, serverErrorId: 'api.context.permissions.app_error', retryable: false});
});

test('a plain-text 429 keeps its real status and Retry-After; retryable', async () => {
    recorder.handler = (_req, res) => {
        res.writeHead(429, {'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '3'});
        res.end('limit exceeded');
    };
    const err = await client().getPostThread('r').catch((e: unknown) => e);
    expect(err).toMatchObject({kind: 'http', status: 429, message: 'limit exceeded', retryAfterSeconds: 3, retryable: true, serverErrorId: null});
});

test('a 502 from a proxy is retryable', async () => {
    recorder.handler = (_req, res) => {
        res.writeHead(502, {'Content-Type': 'text/html'});
        res.end('<html>bad gateway</html>');
    };
    const err = await client().getPostThread('r').catch((e: unknown) => e);
    expect(err).toMatchObject({status: 502, retryable: true});
});

test('JSON with a charset is read; a success without JSON is an invalid response', async () => {
    recorder.handler = (_req, res) => {
        res.writeHead(200, {'Content-Type': 'application/json; charset=utf-8'});
        res.end(JSON.stringify({order: ['a'], posts: {}}));
    };
    expect(await client().getPostThread('r')).toEqual({order: ['a'], posts: {}});
    recorder.handler = (_req, res) => {
        res.writeHead(200, {'Content-Type': 'text/html'});
        res.end('<html>login page</html>');
    };
    await expect(client().getPostThread('r')).rejects.toMatchObject({kind: 'invalid_response', status: 200, retryable: false});
});

test('no server at all: a network error, retryable', async () => {
    const dead = createMattermostClient({siteURL: () => 'http://127.0.0.1:1', csrfToken: () => ''});
    const err = await dead.getPostThread('r').catch((e: unknown) => e);
    expect(err).toMatchObject({kind: 'network', status: 0, retryable: true});
});

test('site URL: page origin plus basename, no trailing slash', () => {
    expect(getSiteURL({location: {origin: 'https://chat.example.com'} as Location, basename: '/mattermost/'})).toBe('https://chat.example.com/mattermost');
    expect(getSiteURL({location: {origin: 'https://chat.example.com'} as Location})).toBe('https://chat.example.com');
});

test('readCookie', () => {
    expect(readCookie('MMCSRF', {cookie: 'MMUSERID=u1; MMCSRF=abc%3D123; other=1'})).toBe('abc=123');
    expect(readCookie('MMCSRF', {cookie: ''})).toBe('');
});
