// Shared set-up for the conversation-action tests: conversations made through the real outbound path
// (a signed `conversation.started` event), clicks sent to the bridge as Mattermost sends them
// (server/channels/app/integration_action.go: PostActionIntegrationRequest, the select's choice in
// `context.selected_option`), and readers for the card, the notes and the callbacks.
import type {PostRec} from '../../../test/standins/mattermost/index.js';
import type {Endpoint} from '../../../test/standins/ireserve/index.js';
import type {Setup, World} from '../inbound/support.js';
import {sendEvent, started} from '../outbound/support.js';
import {waitFor} from '../support/bridge_harness.js';

export const ACTIONS_PATH = '/api/v1/mattermost/actions';

export interface CardAction {
    id: string;
    name: string;
    type: string;
    data_source?: string;
    integration: {url: string; context: Record<string, string>};
}

export function ireserveOf(post: PostRec | undefined): Record<string, unknown> {
    const value = post?.props.ireserve;
    return value && typeof value === 'object' ? value as Record<string, unknown> : {};
}

/** The root post of the conversation (the bot's, in the integration's channel). */
export function rootOf(world: World, setup: Setup, conversationId: string): PostRec | undefined {
    return world.mm.channelPosts(setup.channel.id).find((post) => post.root_id === '' && post.user_id === world.seed.bot.user.id
        && ireserveOf(post).conversation_id === conversationId);
}

export function cardActions(post: PostRec | undefined): CardAction[] {
    const attachments = post?.props.attachments as Array<{actions?: CardAction[]}> | undefined;
    return attachments?.[0]?.actions ?? [];
}

export function cardActionIds(post: PostRec | undefined): string[] {
    return cardActions(post).map((action) => action.id);
}

/**
 * Starts a conversation through the signed events route and waits for its root post — and for the
 * bridge to have linked it: the post exists in Mattermost a moment before the bridge records it, and
 * a click in that moment is refused as an unknown conversation.
 */
export async function startConversation(world: World, setup: Setup, conversationId: string): Promise<PostRec> {
    const answer = await sendEvent(world.bridge.url, setup.licence, setup.secret, started(conversationId, {visitor: {name: 'Lotte Jansen', email: 'lotte@example.com'}}));
    if (answer.status !== 202) {
        throw new Error(`the event answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    }
    const root = await waitFor(() => rootOf(world, setup, conversationId), `the root post of ${conversationId}`);
    await waitFor(async () => (await world.bridge.bridge.context.conversations.get(setup.licence, conversationId))?.rootPostId === root.id,
        `the bridge to link ${conversationId} to its root post`);
    return root;
}

export interface ClickAnswer {
    status: number;
    json: Record<string, unknown>;
}

/** POSTs a click to the bridge as Mattermost would; `context` defaults to the card's own for `actionId`. */
export async function click(world: World, root: PostRec, actionId: string, userId: string, options: {selected?: string; context?: Record<string, unknown>; postId?: string; channelId?: string} = {}): Promise<ClickAnswer> {
    const action = cardActions(root).find((entry) => entry.id === actionId);
    const context: Record<string, unknown> = {...(options.context ?? action?.integration.context ?? {})};
    if (options.selected !== undefined) {
        context.selected_option = options.selected;
    }
    const body = {
        user_id: userId,
        user_name: 'someone',
        channel_id: options.channelId ?? root.channel_id,
        channel_name: 'support',
        team_id: world.seed.team.id,
        team_domain: world.seed.team.name,
        post_id: options.postId ?? root.id,
        trigger_id: 'trigger',
        type: action?.type ?? 'button',
        data_source: action?.data_source ?? '',
        context,
    };
    const response = await fetch(`${world.bridge.url}${ACTIONS_PATH}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)});
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
        json = JSON.parse(text) as Record<string, unknown>;
    } catch {
        json = {raw: text};
    }
    return {status: response.status, json};
}

/** The bot's action notes in the thread, oldest first. */
export function notesOf(world: World, rootId: string): PostRec[] {
    return world.mm.thread(rootId).filter((post) => post.user_id === world.seed.bot.user.id && ireserveOf(post).kind === 'action_note');
}

export interface ActionBody {
    type: string;
    licence: string;
    data: {
        conversation_id: string;
        action_id: string;
        action: string;
        actor: Record<string, unknown>;
        assignee?: Record<string, unknown>;
        created_at: string;
    };
}

/** The `conversation.action` callbacks i-Reserve acted on (verified, 2xx, one per webhook-id). */
export function deliveredActions(endpoint: Endpoint): ActionBody[] {
    return endpoint.delivered().map((call) => call.json as ActionBody).filter((body) => body.type === 'conversation.action');
}

/** Every `conversation.action` call received (retries and refusals included). */
export function actionCalls(endpoint: Endpoint) {
    return endpoint.calls().filter((call) => (call.json as {type?: string} | undefined)?.type === 'conversation.action');
}

/** A metric's value from /metrics (0 when absent). */
export async function metric(world: World, name: string, labels: Record<string, string>): Promise<number> {
    const text = await (await fetch(`${world.bridge.url}/metrics`)).text();
    const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
    let total = 0;
    for (const line of text.split('\n')) {
        if (line.startsWith(`${name}{`) && wanted.every((label) => line.includes(label))) {
            total += Number(line.slice(line.lastIndexOf(' ') + 1));
        }
    }
    return total;
}
