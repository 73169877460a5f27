// The one place the webapp talks to Mattermost. Every call rides on the agent's own session, like
// the web app's own requests: same origin (the page's origin plus `window.basename` when Mattermost
// is served under a sub-path), the session cookie, `X-Requested-With: XMLHttpRequest`, and the
// CSRF token from the `MMCSRF` cookie on every non-GET request.
//
// Not Client4: the webapp needs four endpoints, and bundling @mattermost/client's Client4 (its
// 1,000-method class cannot be tree-shaken) cost ~20 KB gzipped, which together with the System
// Console's HTTP client broke the bundle's 60 KB budget. This funnel sends what Client4 sends for
// these calls (same paths, query parameters, headers and multipart layout).
//
// Errors: every failure is thrown as a MattermostError carrying the real HTTP status (0 when no
// response arrived), Mattermost's error id when the server sent one, and whether trying again
// later can succeed (`retryable`). Nothing here retries by itself.
import type {FileInfo, FileUploadResponse} from '@mattermost/types/files';
import type {Post, PostList} from '@mattermost/types/posts';

export type NewPost = {
    channel_id: string;
    root_id: string;
    message: string;
    file_ids: string[];
    props: Record<string, unknown>;
    pending_post_id?: string;
};

export interface MattermostClient {

    /** POST /api/v4/posts. Not idempotent unless `pending_post_id` repeats within 30 s. */
    createPost(post: NewPost): Promise<Post>;

    /** POST /api/v4/files with the channel id first, then one file. */
    uploadFile(channelId: string, file: Blob, fileName: string, clientId: string): Promise<FileInfo>;

    /** GET /api/v4/posts/{rootId}/thread: the root and all its replies. */
    getPostThread(rootId: string): Promise<PostList>;

    /** GET /api/v4/channels/{channelId}/posts with collapsed threads: the channel's latest root posts. */
    getChannelRootPosts(channelId: string, perPage?: number): Promise<PostList>;
}

export type MattermostErrorKind = 'network' | 'http' | 'invalid_response';

export class MattermostError extends Error {
    override readonly name = 'MattermostError';

    constructor(
        readonly kind: MattermostErrorKind,
        readonly status: number,
        readonly serverErrorId: string | null,
        message: string,
        readonly retryAfterSeconds: number | null = null,
    ) {
        super(message);
    }

    /** True when the same request may succeed later without anyone changing anything. */
    get retryable(): boolean {
        if (this.kind === 'network') {
            return true;
        }
        return this.status === 408 || this.status === 429 || (this.status >= 500 && this.status !== 501);
    }
}

function errorFromResponse(response: Response, data: unknown): MattermostError {
    const body = typeof data === 'object' && data !== null ? data as Record<string, unknown> : {};
    const serverErrorId = typeof body.id === 'string' && body.id !== '' ? body.id : null;
    let message = typeof body.message === 'string' && body.message !== '' ? body.message : '';
    if (!message) {
        message = typeof data === 'string' && data.trim() !== '' && data.length < 300 ? data.trim() : `HTTP ${response.status}`;
    }
    const retryAfter = Number(response.headers.get('Retry-After') ?? response.headers.get('X-RateLimit-Reset'));
    return new MattermostError('http', response.status, serverErrorId, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
}

/** The site's base URL as the web app itself computes it: page origin + `window.basename`. */
export function getSiteURL(win: Pick<Window, 'location' | 'basename'> = window): string {
    const origin = win.location.origin && win.location.origin !== 'null' ? win.location.origin : '';
    const basename = (win.basename ?? '').replace(/\/+$/, '');
    return `${origin}${basename}`.replace(/\/+$/, '');
}

export function readCookie(name: string, doc: Pick<Document, 'cookie'> = document): string {
    for (const part of doc.cookie.split(';')) {
        const [key, ...rest] = part.trim().split('=');
        if (key === name) {
            return decodeURIComponent(rest.join('='));
        }
    }
    return '';
}

export type ClientOptions = {
    siteURL?: () => string;
    csrfToken?: () => string;
    fetch?: typeof fetch;
};

type Query = Record<string, string | number | boolean>;

export function createMattermostClient({siteURL = getSiteURL, csrfToken = () => readCookie('MMCSRF'), fetch: fetchFn}: ClientOptions = {}): MattermostClient {
    /** The single request funnel: builds the URL, adds the session headers, classifies failures. */
    async function request<T>(method: 'GET' | 'POST', path: string, {query, json, form}: {query?: Query; json?: unknown; form?: FormData} = {}): Promise<T> {
        const url = new URL(`${siteURL().replace(/\/+$/, '')}/api/v4${path}`, globalThis.location?.href);
        for (const [key, value] of Object.entries(query ?? {})) {
            url.searchParams.set(key, String(value));
        }
        const headers: Record<string, string> = {'X-Requested-With': 'XMLHttpRequest'};
        const csrf = method === 'GET' ? '' : csrfToken();
        if (csrf) {
            headers['X-CSRF-Token'] = csrf;
        }
        if (json !== undefined) {
            headers['Content-Type'] = 'application/json';
        }
        let response: Response;
        try {
            response = await (fetchFn ?? fetch)(url.toString(), {
                method,
                headers,
                credentials: 'include',
                body: form ?? (json === undefined ? undefined : JSON.stringify(json)),
            });
        } catch (err) {
            throw new MattermostError('network', 0, null, err instanceof Error ? err.message : String(err));
        }
        let data: unknown;
        try {
            const type = response.headers.get('Content-Type') ?? '';
            data = type.startsWith('application/json') ? await response.json() : await response.text();
        } catch (err) {
            throw new MattermostError('invalid_response', response.status, null, `Unreadable answer from Mattermost: ${err instanceof Error ? err.message : String(err)}`);
        }
        if (!response.ok) {
            throw errorFromResponse(response, data);
        }
        if (typeof data !== 'object' || data === null) {
            throw new MattermostError('invalid_response', response.status, null, 'Mattermost answered without JSON.');
        }
        return data as T;
    }

    return {
        createPost: (post) => request<Post>('POST', '/posts', {json: post}),
        uploadFile: async (channelId, file, fileName, clientId) => {
            const form = new FormData();
            form.append('channel_id', channelId);
            form.append('client_ids', clientId);
            form.append('files', file, fileName);
            const result = await request<FileUploadResponse>('POST', '/files', {form});
            const info = result.file_infos?.[0];
            if (!info) {
                throw new MattermostError('invalid_response', 201, null, 'The server accepted the file but returned no file id.');
            }
            return info;
        },
        getPostThread: (rootId) => request<PostList>('GET', `/posts/${encodeURIComponent(rootId)}/thread`, {
            query: {skipFetchThreads: false, collapsedThreads: false, collapsedThreadsExtended: false, direction: 'down'},
        }),
        getChannelRootPosts: (channelId, perPage = 200) => request<PostList>('GET', `/channels/${encodeURIComponent(channelId)}/posts`, {
            query: {page: 0, per_page: perPage, skipFetchThreads: true, collapsedThreads: true, collapsedThreadsExtended: false},
        }),
    };
}

let defaultClient: MattermostClient | null = null;

/** The client used when no other is injected (see components/services). Created on first use. */
export function getDefaultClient(): MattermostClient {
    defaultClient ??= createMattermostClient();
    return defaultClient;
}
