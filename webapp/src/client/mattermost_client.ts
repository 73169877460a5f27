// The one place the webapp talks to Mattermost: the bundled Client4 (@mattermost/client), the
// library made for it, pointed at the site (the page's origin plus `window.basename` when
// Mattermost is served under a sub-path). Every call rides on the agent's own session, like the
// web app's own requests: the session cookie, `X-Requested-With: XMLHttpRequest` and, on every
// non-GET request, the CSRF token from the `MMCSRF` cookie.
//
// Errors: Client4's own ClientError loses the HTTP status and headers when the answer is not JSON
// (a proxy's 502 page, a 429 `limit exceeded`), so its request funnel is wrapped once: every
// failure is thrown as a MattermostError carrying the real HTTP status (0 when no response
// arrived), Mattermost's error id when the server sent one, and whether trying again later can
// succeed (`retryable`). Nothing here retries by itself.
// Client4 straight from its module: the package index would also bundle the WebSocket client.
import Client4 from '@mattermost/client/lib/client4';
import type {FileInfo, FileUploadResponse} from '@mattermost/types/files';
import type {Post, PostList} from '@mattermost/types/posts';
import type {UserProfile} from '@mattermost/types/users';

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

    /**
     * POST /api/v4/posts/{postId}/actions/{actionId} `{selected_option}`: a click on one of the post's
     * interactive-message actions, as the web app makes it (Client4.doPostAction). Mattermost calls
     * the integration and answers once it has; the integration's `ephemeral_text` reaches the user
     * as a WebSocket `ephemeral_message`, not in this answer.
     */
    doPostAction(postId: string, actionId: string, selectedOption?: string): Promise<void>;

    /** GET /api/v4/users?in_channel=…: the channel's members (first 200, by username). */
    getChannelMembers(channelId: string): Promise<UserProfile[]>;
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
};

type FetchResult = {response: Response; headers: Map<string, string>; data: unknown};
type Funnel = (url: string, options: RequestInit & {ignoreStatus?: boolean}) => Promise<FetchResult>;

/** A Client4 whose every failure is a MattermostError. */
function createClient4(): Client4 {
    const client = new Client4();
    const internals = client as unknown as {doFetchWithResponse: Funnel};
    const original = internals.doFetchWithResponse;
    internals.doFetchWithResponse = async (url, options) => {
        let result: FetchResult;
        try {
            result = await original(url, {...options, ignoreStatus: true});
        } catch (err) {
            const cause = err instanceof Error ? err.message : String(err);
            const unreadable = err instanceof Error && err.name === 'ClientError';
            throw new MattermostError(unreadable ? 'invalid_response' : 'network', 0, null, unreadable ? `Unreadable answer from Mattermost: ${cause}` : cause);
        }
        // Client4 parses only an exact `application/json`; a proxy may add a charset.
        if (typeof result.data === 'string' && (result.response.headers.get('Content-Type') ?? '').startsWith('application/json')) {
            try {
                result = {...result, data: JSON.parse(result.data) as unknown};
            } catch {
                throw new MattermostError('invalid_response', result.response.status, null, 'Unreadable answer from Mattermost: invalid JSON.');
            }
        }
        if (!result.response.ok) {
            throw errorFromResponse(result.response, result.data);
        }
        if (typeof result.data !== 'object' || result.data === null) {
            throw new MattermostError('invalid_response', result.response.status, null, 'Mattermost answered without JSON.');
        }
        return result;
    };
    return client;
}

export function createMattermostClient({siteURL = getSiteURL, csrfToken = () => readCookie('MMCSRF')}: ClientOptions = {}): MattermostClient {
    const base = createClient4();
    // The site URL and the CSRF cookie can change while the page lives: read them per call.
    const client = (): Client4 => {
        base.setUrl(siteURL().replace(/\/+$/, ''));
        base.setCSRF(csrfToken());
        return base;
    };
    return {
        createPost: (post) => client().createPost(post as unknown as Post),
        uploadFile: async (channelId, file, fileName, clientId) => {
            const form = new FormData();
            // Mattermost reads channel_id before the files: it must come first.
            form.append('channel_id', channelId);
            form.append('client_ids', clientId);
            form.append('files', file, fileName);
            const result = await client().uploadFile(form) as FileUploadResponse;
            const info = result.file_infos?.[0];
            if (!info) {
                throw new MattermostError('invalid_response', 201, null, 'The server accepted the file but returned no file id.');
            }
            return info;
        },
        // fetchAll: the whole thread in one answer (getPostThread would page at 60 posts).
        getPostThread: (rootId) => client().getPaginatedPostThread(rootId, {fetchThreads: true, collapsedThreads: false, collapsedThreadsExtended: false, fetchAll: true}),
        getChannelRootPosts: (channelId, perPage = 200) => client().getPosts(channelId, 0, perPage, false, true, false),
        doPostAction: async (postId, actionId, selectedOption = '') => {
            await client().doPostAction(postId, actionId, selectedOption);
        },
        getChannelMembers: (channelId) => client().getProfilesInChannel(channelId, 0, 200),
    };
}

let defaultClient: MattermostClient | null = null;

/** The client used when no other is injected (see components/services). Created on first use. */
export function getDefaultClient(): MattermostClient {
    defaultClient ??= createMattermostClient();
    return defaultClient;
}
