// Interactive message actions (message attachment buttons and menus), as Mattermost handles them:
// server/channels/api4/apiaction.go (doPostAction) and app/integration_action.go
// (DoPostActionWithCookie, DoActionRequest), model/integration_action.go.
//
// Contracts:
// - Saving a post gives every attachment action without an id a new one (any post type).
// - Clients never see `integration` (url and context): postJson strips it (stripIntegrations).
// - A click is `POST /api/v4/posts/{post_id}/actions/{action_id}` `{selected_option?}` by a user who
//   may read the post's channel (403 otherwise, also for an unknown post). The action must exist
//   with an integration (404 `api.post.do_action.action_id.app_error`). The stand-in then POSTs JSON
//   to the integration URL: user_id, user_name, channel_id, channel_name, team_id, team_domain,
//   post_id, trigger_id, type, context (+ `selected_option` in the context and `data_source` when an
//   option was chosen). Anything but a 200, an unreachable URL, a refused internal host or an
//   unparseable body answers the clicker 400 `api.post.do_action.action_integration.app_error`.
// - The answer's `update` replaces the post's message and props (identity props kept) without an
//   author check; `ephemeral_text` reaches only the clicker, as a WebSocket `ephemeral_message`
//   whose post (type `system_ephemeral`) sits in the clicked post's thread.
// - The clicker gets `{status: "OK", trigger_id}`.
import {randomBytes} from 'node:crypto';

import {canReadChannel} from './access.js';
import {AppError, forbidden} from './errors.js';
import {attachmentActions} from './attachment_actions.js';
import {newId} from './ids.js';
import {refusedInternalHost} from './outgoing_webhooks.js';
import type {PostService} from './posts.js';
import {processSlackText} from './posts.js';
import type {PostRec, UserRec} from './records.js';
import type {Store} from './state.js';
import type {WebSocketHub} from './websocket.js';

const MAX_RESPONSE_BYTES = 1024 * 1024;

/** One click the stand-in forwarded to an integration. `done` turns true once it has an outcome. */
export interface ActionCall {
    post_id: string;
    action_id: string;
    user_id: string;
    url: string;
    /** The JSON body sent to the integration. */
    request: Record<string, unknown>;
    at: number;
    done: boolean;
    status: number | null;
    response_body: string | null;
    error: string | null;
}

function integrationError(detail: string): AppError {
    return new AppError(400, 'api.post.do_action.action_integration.app_error', 'Action integration error.', detail);
}

export class PostActions {
    readonly calls: ActionCall[] = [];
    private readonly inflight = new Set<AbortController>();

    constructor(private readonly store: Store, private readonly posts: PostService, private readonly hub: WebSocketHub) {}

    async click(user: UserRec, postId: string, actionId: string, selectedOption: string): Promise<{status: 'OK'; trigger_id: string}> {
        const store = this.store;
        const post = store.posts.get(postId);
        const channel = post ? store.channels.get(post.channel_id) : undefined;
        if (!post || post.delete_at !== 0 || !channel || !canReadChannel(store, user.id, channel)) {
            throw forbidden();
        }
        const action = attachmentActions(post.props).find((a) => a.id === actionId);
        const integration = action?.integration as {url?: unknown; context?: unknown} | undefined;
        if (!action || !integration || typeof integration !== 'object') {
            throw new AppError(404, 'api.post.do_action.action_id.app_error', 'Unable to find action.', `action=${actionId}`);
        }
        const url = typeof integration.url === 'string' ? integration.url : '';
        const context: Record<string, unknown> = integration.context && typeof integration.context === 'object'
            ? structuredClone(integration.context as Record<string, unknown>)
            : {};
        const team = store.teams.get(channel.team_id);
        const triggerId = randomBytes(24).toString('base64url');
        const request: Record<string, unknown> = {
            user_id: user.id,
            user_name: user.username,
            channel_id: channel.id,
            channel_name: channel.name,
            team_id: channel.team_id,
            team_domain: team?.name ?? '',
            post_id: post.id,
            trigger_id: triggerId,
            type: typeof action.type === 'string' ? action.type : '',
            context,
        };
        if (selectedOption !== '') {
            context.selected_option = selectedOption;
            request.data_source = typeof action.data_source === 'string' ? action.data_source : '';
        }
        const call: ActionCall = {
            post_id: post.id, action_id: actionId, user_id: user.id, url, request,
            at: Date.now(), done: false, status: null, response_body: null, error: null,
        };
        this.calls.push(call);
        try {
            const answer = await this.send(call);
            this.apply(post, user, answer);
        } finally {
            call.done = true;
        }
        return {status: 'OK', trigger_id: triggerId};
    }

    abortAll(): void {
        for (const controller of this.inflight) {
            controller.abort();
        }
        this.inflight.clear();
    }

    private async send(call: ActionCall): Promise<Record<string, unknown>> {
        const refused = refusedInternalHost(this.store, call.url);
        if (refused) {
            call.error = refused;
            throw integrationError(refused);
        }
        const controller = new AbortController();
        this.inflight.add(controller);
        const timer = setTimeout(() => controller.abort(), this.store.config.outgoingWebhookTimeoutMs);
        let text: string;
        try {
            const res = await fetch(call.url, {
                method: 'POST',
                headers: {'Content-Type': 'application/json', Accept: 'application/json'},
                body: JSON.stringify(call.request),
                signal: controller.signal,
            });
            call.status = res.status;
            text = (await res.text()).slice(0, MAX_RESPONSE_BYTES);
            call.response_body = text;
        } catch (err) {
            call.error = err instanceof Error ? err.message : String(err);
            throw integrationError(call.error);
        } finally {
            clearTimeout(timer);
            this.inflight.delete(controller);
        }
        if (call.status !== 200) {
            call.error = `status=${call.status}`;
            throw integrationError(call.error);
        }
        if (text.trim() === '') {
            return {};
        }
        try {
            const parsed = JSON.parse(text) as unknown;
            return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : {};
        } catch {
            call.error = 'unparseable answer';
            throw integrationError(call.error);
        }
    }

    private apply(post: PostRec, user: UserRec, answer: Record<string, unknown>): void {
        const update = answer.update;
        if (update && typeof update === 'object' && !Array.isArray(update)) {
            const {message, props} = update as {message?: unknown; props?: unknown};
            this.posts.updateFromIntegration(post, typeof message === 'string' ? message : '', props);
        }
        const text = answer.ephemeral_text;
        if (typeof text === 'string' && text !== '') {
            const now = this.store.now();
            const ephemeral = {
                id: newId(), create_at: now, update_at: now, edit_at: 0, delete_at: 0, is_pinned: false,
                user_id: user.id, channel_id: post.channel_id, root_id: post.root_id || post.id, original_id: '',
                message: answer.skip_slack_parsing === true ? text : processSlackText(text),
                type: 'system_ephemeral', props: {}, hashtags: '', file_ids: [], pending_post_id: '',
                reply_count: 0, last_reply_at: 0, participants: null, metadata: {},
            };
            this.hub.publish('ephemeral_message', {post: JSON.stringify(ephemeral)}, {channel_id: post.channel_id, user_id: user.id}, (id) => id === user.id);
        }
    }
}
