// Incoming webhooks: `POST /hooks/{id}` (web/webhook.go, app/webhook.go HandleIncomingWebhook).
import type {FastifyInstance, FastifyReply, FastifyRequest} from 'fastify';
import {canPostInChannel} from './access.js';
import {AppError} from './errors.js';
import type {ChannelRec} from './records.js';
import type {Deps} from './server.js';

interface IncomingRequest {
    text?: unknown;
    channel?: unknown;
    username?: unknown;
    icon_url?: unknown;
    attachments?: unknown;
    props?: unknown;
    type?: unknown;
}

const parseError = (): AppError =>
    new AppError(400, 'model.incoming_hook.parse_data.app_error', 'Unable to parse incoming data.');

export function registerHookRoutes(app: FastifyInstance, {store, posts}: Deps): void {
    void app.register(async (scope) => {
        // The body is decoded here, so that bad JSON gets the webhook's own error id.
        scope.removeContentTypeParser('application/json');
        scope.addContentTypeParser('application/json', {parseAs: 'string'}, (_req, body, done) => done(null, String(body)));

        scope.post<{Params: {hook_id: string}}>('/hooks/:hook_id', {config: {public: true}}, async (req, reply) => {
            try {
                return await handleHook(req, reply);
            } catch (error) {
                // Like web/webhook.go: every failure is wrapped in the general id, the inner one
                // goes to detailed_error, and only the status tells the cases apart.
                if (error instanceof AppError) {
                    throw new AppError(error.statusCode, 'web.incoming_webhook.general.app_error',
                        `Failed to handle the payload of webhook id ${req.params.hook_id}.`, `${error.id}: ${error.message}`);
                }
                throw error;
            }
        });
    });

    async function handleHook(req: FastifyRequest<{Params: {hook_id: string}}>, reply: FastifyReply): Promise<FastifyReply> {
        const payload = await readPayload(req);
        const text = typeof payload.text === 'string' ? payload.text : '';
        const attachments = Array.isArray(payload.attachments) ? payload.attachments : null;
        if (text === '' && attachments === null) {
            throw new AppError(400, 'web.incoming_webhook.text.app_error', 'No text specified.');
        }
        // An unknown hook id is a 400 on a real server, not a 404.
        const hook = store.incomingHooks.get(req.params.hook_id);
        if (!hook) {
            throw new AppError(400, 'web.incoming_webhook.invalid.app_error', 'Invalid webhook.');
        }
        const channel = resolveChannel(hook.team_id, hook.channel_id, hook.user_id, typeof payload.channel === 'string' ? payload.channel : '');
        if (hook.channel_locked && channel.id !== hook.channel_id) {
            throw new AppError(403, 'web.incoming_webhook.channel_locked.app_error', 'This webhook is not permitted to post to the requested channel.');
        }
        if (!store.users.has(hook.user_id)) {
            throw new AppError(403, 'web.incoming_webhook.user.app_error', 'Couldn\'t find the user.');
        }
        if (channel.type !== 'O' && !canPostInChannel(store, hook.user_id, channel)) {
            throw new AppError(403, 'web.incoming_webhook.permissions.app_error', 'Inappropriate channel permissions.');
        }
        const props: Record<string, unknown> =
            payload.props && typeof payload.props === 'object' && !Array.isArray(payload.props) ? {...(payload.props as Record<string, unknown>)} : {};
        props.webhook_display_name = hook.display_name;
        let type = typeof payload.type === 'string' ? payload.type : '';
        if (attachments && attachments.length > 0) {
            props.attachments = attachments;
            type = 'slack_attachment';
        }
        const username = typeof payload.username === 'string' && payload.username !== '' ? payload.username : hook.username;
        const iconUrl = typeof payload.icon_url === 'string' && payload.icon_url !== '' ? payload.icon_url : hook.icon_url;
        posts.createWebhookPost(hook.user_id, channel, text, username, iconUrl, props, type, '');
        return reply.type('text/plain').send('ok');
    }

    async function readPayload(req: FastifyRequest): Promise<IncomingRequest> {
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        let raw: unknown = req.body;
        if (contentType === 'application/x-www-form-urlencoded') {
            raw = (req.body as Record<string, unknown> | undefined)?.payload ?? '';
        } else if (contentType === 'multipart/form-data') {
            const out: Record<string, unknown> = {};
            for await (const part of req.parts()) {
                if (part.type === 'field') {
                    out[part.fieldname] = part.value;
                }
            }
            return out;
        }
        if (Buffer.isBuffer(raw)) {
            raw = raw.toString('utf8');
        }
        if (typeof raw !== 'string' || raw.trim() === '') {
            throw parseError();
        }
        try {
            const parsed: unknown = JSON.parse(raw);
            if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
                throw parseError();
            }
            return parsed as IncomingRequest;
        } catch {
            throw parseError();
        }
    }

    function resolveChannel(teamId: string, hookChannelId: string, hookUserId: string, requested: string): ChannelRec {
        if (requested === '') {
            const channel = store.channels.get(hookChannelId);
            if (!channel) {
                throw new AppError(404, 'app.channel.get.existing.app_error');
            }
            return channel;
        }
        if (requested.startsWith('@')) {
            const other = store.userByUsername(requested.slice(1));
            if (!other) {
                throw new AppError(400, 'web.incoming_webhook.user.app_error', 'Couldn\'t find the user.');
            }
            return store.directChannel(hookUserId, other.id, hookUserId);
        }
        const name = requested.startsWith('#') ? requested.slice(1) : requested;
        const channel = store.channelByName(teamId, name);
        if (!channel) {
            throw new AppError(404, 'web.incoming_webhook.channel.app_error', 'Couldn\'t find the channel.');
        }
        return channel;
    }
}
