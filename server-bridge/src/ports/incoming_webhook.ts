import type {SlackAttachment} from '../domain/outbound/webhook_attachments.js';

/** A post sent through a Mattermost incoming webhook (a target `http(s)://…/hooks/<id>`). */
export interface IncomingWebhookPost {
    text: string;
    type?: string;
    props?: Record<string, unknown>;
    username?: string;
    /** Slack-compatible message attachments (title, fields, colour); Mattermost then types the post `slack_attachment`. */
    attachments?: SlackAttachment[];
}

/**
 * What the bridge needs from Mattermost's incoming webhooks: one POST. `post` resolves when the hook
 * took the post and throws UpstreamError('webhook', kind) otherwise (retryable: unreachable, 5xx,
 * 429; a hook that is gone is `not_found`); it never retries by itself. Incoming webhooks have no
 * `pending_post_id` and the bot cannot read the hook's channel, so such posts are at-least-once.
 */
export interface IncomingWebhookPort {
    /** `timeoutMs` overrides the configured timeout for this call (the admin Test button waits less). */
    post(url: string, post: IncomingWebhookPost, options?: {timeoutMs?: number}): Promise<void>;
}
