// The one place the webapp talks to Mattermost. Every call rides on the agent's own session, like
// the web app's own requests: same origin (the page's origin plus `window.basename` when Mattermost
// is served under a sub-path), the session cookie, `X-Requested-With: XMLHttpRequest`, and the
// CSRF token from the `MMCSRF` cookie on every non-GET request (Client4 adds both headers).
//
// Errors: every failure is thrown as a MattermostError carrying the real HTTP status (0 when no
// response arrived), Mattermost's error id when the server sent one, and whether trying again
// later can succeed (`retryable`). Nothing here retries by itself.
import Client4, {ClientError} from '@mattermost/client/lib/client4';
import type {Options} from '@mattermost/types/client4';
import type {FileInfo} from '@mattermost/types/files';
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

type RawResponse = {response: Response; headers: Headers; data: unknown};
type FetchWithResponse = (url: string, options: Options) => Promise<RawResponse>;

function errorFromResponse(raw: RawResponse): MattermostError {
    const {response, headers, data} = raw;
    const body = typeof data === 'object' && data !== null ? data as Record<string, unknown> : {};
    const serverErrorId = typeof body.id === 'string' && body.id !== '' ? body.id : null;
    let message = typeof body.message === 'string' && body.message !== '' ? body.message : '';
    if (!message) {
        message = typeof data === 'string' && data.trim() !== '' && data.length < 300 ? data.trim() : `HTTP ${response.status}`;
    }
    const retryAfter = Number(headers.get('Retry-After') ?? headers.get('X-RateLimit-Reset'));
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
};

export function createMattermostClient({siteURL = getSiteURL, csrfToken = () => readCookie('MMCSRF')}: ClientOptions = {}): MattermostClient {
    const client = new Client4();

    // Client4 keeps the HTTP status to itself when an error body is not Mattermost's JSON (a 429
    // "limit exceeded", a proxy's 502 page). Its single request funnel is wrapped so that every
    // response comes back raw (`ignoreStatus`) and is classified here, once.
    const internals = client as unknown as {doFetchWithResponse: FetchWithResponse};
    const fetchRaw = internals.doFetchWithResponse;
    internals.doFetchWithResponse = async (url, options) => {
        let raw: RawResponse;
        try {
            raw = await fetchRaw(url, {...options, ignoreStatus: true});
        } catch (err) {
            if (err instanceof ClientError) {
                throw new MattermostError('invalid_response', 0, null, err.message);
            }
            throw new MattermostError('network', 0, null, err instanceof Error ? err.message : String(err));
        }
        if (!raw.response.ok) {
            throw errorFromResponse(raw);
        }
        return raw;
    };

    const prepared = (): Client4 => {
        client.setUrl(siteURL());
        client.setCSRF(csrfToken());
        return client;
    };

    return {
        createPost: (post) => prepared().createPost(post),
        uploadFile: async (channelId, file, fileName, clientId) => {
            const form = new FormData();
            form.append('channel_id', channelId);
            form.append('client_ids', clientId);
            form.append('files', file, fileName);
            const result = await prepared().uploadFile(form);
            const info = result.file_infos?.[0];
            if (!info) {
                throw new MattermostError('invalid_response', 201, null, 'The server accepted the file but returned no file id.');
            }
            return info;
        },
        getPostThread: (rootId) => prepared().getPaginatedPostThread(rootId, {fetchThreads: true, collapsedThreads: false, fetchAll: true}),
        getChannelRootPosts: (channelId, perPage = 200) => prepared().getPosts(channelId, 0, perPage, false, true),
    };
}

let defaultClient: MattermostClient | null = null;

/** The client used when no other is injected (see components/services). Created on first use. */
export function getDefaultClient(): MattermostClient {
    defaultClient ??= createMattermostClient();
    return defaultClient;
}
