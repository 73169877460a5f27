// Outgoing webhooks, as Mattermost's app/webhook.go fires them.
//
// Contracts: fire only for posts created through the REST API (bots included; never for edits or
// webhook-made posts) in public channels; one POST per callback URL, fire and forget, no retries,
// the answer's status ignored; JSON only when the hook's content type is application/json, else
// form-encoded (timestamp in seconds there, milliseconds in JSON); an answer with `text` (or
// attachments) is posted by the hook's creator, as a reply only when `response_type` is `comment`.
import type {ChannelRec, OutgoingWebhookRec, PostRec, UserRec} from './records.js';
import type {PostService} from './posts.js';
import type {Store} from './state.js';

const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface OutgoingWebhookPayload {
    token: string;
    team_id: string;
    team_domain: string;
    channel_id: string;
    channel_name: string;
    timestamp: number;
    user_id: string;
    user_name: string;
    post_id: string;
    text: string;
    trigger_word: string;
    file_ids: string;
}

/** One call the stand-in made to a callback URL. `done` turns true once it has an outcome. */
export interface WebhookCall {
    hook_id: string;
    url: string;
    content_type: string;
    /** The body exactly as sent. */
    body: string;
    payload: OutgoingWebhookPayload;
    post_id: string;
    at: number;
    done: boolean;
    status: number | null;
    response_body: string | null;
    error: string | null;
    /** Id of the post made from the answer's `text`, if any. */
    response_post_id: string | null;
}

export class OutgoingWebhooks {
    readonly calls: WebhookCall[] = [];
    private readonly inflight = new Set<AbortController>();

    constructor(private readonly store: Store, private readonly posts: PostService) {}

    /** PostedListener: pick the hooks a post triggers and call them (asynchronously). */
    handlePost(post: PostRec, channel: ChannelRec, author: UserRec): void {
        if (channel.type !== 'O') {
            return;
        }
        const team = this.store.teams.get(channel.team_id);
        if (!team) {
            return;
        }
        const firstWord = post.message.split(/\s+/).find((w) => w !== '') ?? '';
        for (const hook of this.store.outgoingHooks.values()) {
            if (hook.team_id !== channel.team_id || (hook.channel_id !== post.channel_id && hook.channel_id !== '')) {
                continue;
            }
            let triggerWord: string | null = null;
            if (hook.channel_id === post.channel_id && hook.trigger_words.length === 0) {
                triggerWord = '';
            } else if (hook.trigger_when === 0) {
                triggerWord = hook.trigger_words.find((w) => w === firstWord) ?? null;
            } else {
                triggerWord = hook.trigger_words.find((w) => firstWord.startsWith(w)) ?? null;
            }
            if (triggerWord === null) {
                continue;
            }
            const payload: OutgoingWebhookPayload = {
                token: hook.token,
                team_id: hook.team_id,
                team_domain: team.name,
                channel_id: post.channel_id,
                channel_name: channel.name,
                timestamp: post.create_at,
                user_id: post.user_id,
                user_name: author.username,
                post_id: post.id,
                text: post.message,
                trigger_word: triggerWord,
                file_ids: post.file_ids.join(','),
            };
            for (const url of hook.callback_urls) {
                setImmediate(() => void this.call(hook, url, payload, post, channel));
            }
        }
    }

    /** Abort calls still waiting for an answer. */
    abortAll(): void {
        for (const controller of this.inflight) {
            controller.abort();
        }
        this.inflight.clear();
    }

    private async call(hook: OutgoingWebhookRec, url: string, payload: OutgoingWebhookPayload, post: PostRec, channel: ChannelRec): Promise<void> {
        const json = hook.content_type === 'application/json';
        const contentType = json ? 'application/json' : 'application/x-www-form-urlencoded';
        const body = json ? JSON.stringify(payload) : toFormValues(payload);
        const call: WebhookCall = {
            hook_id: hook.id,
            url,
            content_type: contentType,
            body,
            payload,
            post_id: post.id,
            at: Date.now(),
            done: false,
            status: null,
            response_body: null,
            error: null,
            response_post_id: null,
        };
        this.calls.push(call);
        const refused = refusedInternalHost(this.store, url);
        if (refused) {
            call.error = refused;
            call.done = true;
            return;
        }
        const controller = new AbortController();
        this.inflight.add(controller);
        const timer = setTimeout(() => controller.abort(), this.store.config.outgoingWebhookTimeoutMs);
        try {
            const res = await fetch(url, {
                method: 'POST',
                headers: {'Content-Type': contentType, Accept: 'application/json'},
                body,
                signal: controller.signal,
            });
            call.status = res.status;
            const text = (await res.text()).slice(0, MAX_RESPONSE_BYTES);
            call.response_body = text;
            this.handleAnswer(hook, call, text, post, channel);
        } catch (err) {
            call.error = err instanceof Error ? err.message : String(err);
        } finally {
            clearTimeout(timer);
            this.inflight.delete(controller);
            call.done = true;
        }
    }

    private handleAnswer(hook: OutgoingWebhookRec, call: WebhookCall, text: string, post: PostRec, channel: ChannelRec): void {
        if (text.trim() === '') {
            return;
        }
        let answer: {text?: unknown; attachments?: unknown; response_type?: unknown; username?: unknown; icon_url?: unknown; props?: unknown; type?: unknown};
        try {
            answer = JSON.parse(text) as typeof answer;
        } catch {
            call.error = 'api.unmarshal_error';
            return;
        }
        if (!answer || typeof answer !== 'object') {
            return;
        }
        const attachments = Array.isArray(answer.attachments) ? answer.attachments : [];
        if (typeof answer.text !== 'string' && attachments.length === 0) {
            return;
        }
        const props: Record<string, unknown> =
            answer.props && typeof answer.props === 'object' ? {...(answer.props as Record<string, unknown>)} : {};
        props.webhook_display_name = hook.display_name;
        if (attachments.length > 0) {
            props.attachments = attachments;
        }
        const username = typeof answer.username === 'string' && answer.username !== '' ? answer.username : hook.username;
        const iconUrl = typeof answer.icon_url === 'string' && answer.icon_url !== '' ? answer.icon_url : hook.icon_url;
        const rootId = answer.response_type === 'comment' ? post.id : '';
        try {
            const created = this.posts.createWebhookPost(
                hook.creator_id,
                channel,
                typeof answer.text === 'string' ? answer.text : '',
                username,
                iconUrl,
                props,
                typeof answer.type === 'string' ? answer.type : '',
                rootId,
            );
            call.response_post_id = created.id;
        } catch (err) {
            call.error = `Failed to create response post: ${err instanceof Error ? err.message : String(err)}`;
        }
    }
}

/**
 * Mattermost's refusal of loopback and private addresses unless the host is listed in
 * `AllowedUntrustedInternalConnections` (null in the stand-in's config: everything allowed).
 * Returns the error text, or null when the URL may be called.
 */
export function refusedInternalHost(store: Store, url: string): string | null {
    const allowed = store.config.allowedUntrustedInternalConnections;
    if (allowed === null) {
        return null;
    }
    let host: string;
    try {
        host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    } catch {
        return 'invalid callback URL';
    }
    if (!isInternalHost(host) || allowed.includes(host)) {
        return null;
    }
    return `address forbidden, you may need to set AllowedUntrustedInternalConnections to allow an integration access to your internal network (${host})`;
}

/** Go's url.Values.Encode(): keys sorted, `timestamp` in seconds. */
export function toFormValues(p: OutgoingWebhookPayload): string {
    const values: Record<string, string> = {
        channel_id: p.channel_id,
        channel_name: p.channel_name,
        file_ids: p.file_ids,
        post_id: p.post_id,
        team_domain: p.team_domain,
        team_id: p.team_id,
        text: p.text,
        timestamp: String(Math.floor(p.timestamp / 1000)),
        token: p.token,
        trigger_word: p.trigger_word,
        user_id: p.user_id,
        user_name: p.user_name,
    };
    return Object.keys(values)
        .sort()
        .map((k) => `${goQueryEscape(k)}=${goQueryEscape(values[k]!)}`)
        .join('&');
}

function goQueryEscape(s: string): string {
    return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function isInternalHost(host: string): boolean {
    if (host === 'localhost' || host === '::1' || host.startsWith('127.') || host.startsWith('10.') || host.startsWith('192.168.')) {
        return true;
    }
    const m = /^172\.(\d+)\./.exec(host);
    return m !== null && Number(m[1]) >= 16 && Number(m[1]) <= 31;
}
