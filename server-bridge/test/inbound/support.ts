// Shared set-up for the inbound relay tests: a Mattermost stand-in, an i-Reserve stand-in and a real
// bridge (startBridge) on one engine; each test gets its own licence, channel and conversation so
// tests share the servers without seeing each other's posts.
import {randomUUID} from 'node:crypto';
import {after, before} from 'node:test';

import {generateSigningSecret} from '../../src/crypto/standard_webhooks.js';
import {hashAdminKey} from '../../src/crypto/secret_box.js';
import type {InboundMode, RelayMode} from '../../src/contract/index.js';
import type {ConversationReply} from '../../src/domain/inbound/reply.js';
import {DEFAULT_DM_SETTINGS} from '../../src/domain/integration.js';
import type {IntegrationRecord} from '../../src/storage/integrations_repository.js';
import {startBridge, waitFor, type Engine, type RunningBridge} from '../support/bridge_harness.js';
import {MattermostStandIn, type ChannelRec, type PostRec, type Seed} from '../../../test/standins/mattermost/index.js';
import {IReserveStandIn, type Endpoint} from '../../../test/standins/ireserve/index.js';

export const WEBHOOK_PATH = '/api/v1/mattermost/outgoing-webhook';
/** The attachment limit the test bridges run with (BRIDGE_MAX_ATTACHMENT_BYTES). */
export const MAX_ATTACHMENT_BYTES = 4096;

/** The environment every test bridge runs with (on top of the harness's fast delivery settings). */
export const BRIDGE_ENV = {BRIDGE_MAX_ATTACHMENT_BYTES: String(MAX_ATTACHMENT_BYTES)};

export interface World {
    engine: Engine;
    mm: MattermostStandIn;
    seed: Seed;
    ireserve: IReserveStandIn;
    bridge: RunningBridge;
    close(): Promise<void>;
}

export async function startWorld(engine: Engine, options: {databaseUrl?: string} = {}): Promise<World> {
    const mm = await MattermostStandIn.start();
    const seed = mm.seedDefault();
    const ireserve = await IReserveStandIn.start();
    const bridge = await startBridge({engine, databaseUrl: options.databaseUrl, env: BRIDGE_ENV});
    return {
        engine, mm, seed, ireserve, bridge,
        async close() {
            await bridge.close();
            await mm.close();
            await ireserve.close();
        },
    };
}

/**
 * For one describe block: a world on `engine`, started before its tests and closed after them. The
 * answer is filled in place by the `before` hook, so tests and later hooks use it as the world;
 * its fields are unset until then (do not read them while the describe block is being declared).
 */
export function worldPerSuite(engine: Engine): World {
    const world = {} as World;
    let started = false;
    before(async () => {
        Object.assign(world, await startWorld(engine));
        started = true;
    });
    after(async () => {
        if (started) {
            await world.close();
        }
    });
    return world;
}

export interface Setup {
    licence: string;
    channel: ChannelRec;
    secret: string;
    webhookToken: string;
    endpoint: Endpoint;
    record: IntegrationRecord;
}

let counter = 0;

export function unique(prefix: string): string {
    counter += 1;
    return `${prefix}-${counter}-${randomUUID().slice(0, 6)}`;
}

/**
 * An integration with its own channel (members: admin, both agents, the bot) and i-Reserve endpoint.
 * `webhook`: also create an outgoing webhook in the channel (public channels only), form or JSON;
 * by default form for outgoing-webhook mode and none for websocket mode.
 */
export async function setupIntegration(world: World, options: {
    relayMode?: RelayMode;
    inboundMode?: InboundMode;
    channelType?: 'O' | 'P';
    webhook?: 'form' | 'json' | false;
    /** Default: the seeded bot's access token. */
    auth?: IntegrationRecord['auth'];
} = {}, bridge: RunningBridge = world.bridge): Promise<Setup> {
    const {mm, seed} = world;
    const licence = unique('L');
    const channel = mm.createChannel({team_id: seed.team.id, name: licence.toLowerCase(), display_name: `Support ${licence}`, type: options.channelType ?? 'O', creator_id: seed.admin.user.id});
    for (const user of [seed.admin.user, seed.agent.user, seed.agent2.user, seed.bot.user]) {
        mm.addChannelMember(channel.id, user.id);
    }
    const secret = generateSigningSecret();
    const webhookToken = `hook${randomUUID().replace(/-/g, '')}`.slice(0, 26);
    const endpoint = world.ireserve.endpoint(licence, {secret});
    const record: IntegrationRecord = {
        licence,
        serverUrl: mm.url,
        auth: options.auth ?? {mode: 'token', botToken: seed.bot.token},
        outgoingWebhookToken: webhookToken,
        channelId: channel.id,
        notificationChannels: {},
        relayMode: options.relayMode ?? 'all_replies',
        inboundMode: options.inboundMode ?? 'outgoing_webhook',
        callbackUrl: endpoint.url,
        signingSecret: secret,
        adminKeyHash: hashAdminKey(randomUUID()),
        dmSettings: DEFAULT_DM_SETTINGS,
        active: true,
        botUserId: null,
    };
    const context = bridge.bridge.context;
    await context.integrations.save(record);
    // Websocket-mode integrations get an outgoing webhook only when asked for one.
    const webhook = options.webhook ?? (record.inboundMode === 'websocket' ? false : 'form');
    if (webhook !== false && (options.channelType ?? 'O') === 'O') {
        mm.createOutgoingWebhook({
            channel_id: channel.id,
            callback_urls: [`${bridge.url}${WEBHOOK_PATH}`],
            content_type: webhook === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
            token: webhookToken,
            creator_id: seed.admin.user.id,
        });
    }
    if (record.inboundMode === 'websocket') {
        await context.inbound.refresh(licence);
        await waitFor(() => context.inbound.status(licence)?.state === 'connected', 'the bridge to connect its websocket');
    }
    return {licence, channel, secret, webhookToken, endpoint, record};
}

/** A conversation root post (made by the bot, as the outbound side does) linked in the bridge. */
export async function createConversation(world: World, setup: Setup, conversationId = unique('conv'), bridge: RunningBridge = world.bridge): Promise<{conversationId: string; rootId: string}> {
    const root = world.mm.createPost(world.seed.bot.user.id, {
        channel_id: setup.channel.id,
        message: `Visitor started a chat (${conversationId})`,
        type: 'custom_irsv_conversation',
        props: {ireserve: {v: 1, licence: setup.licence, conversation_id: conversationId, visitor_name: 'Vera Visitor', relay_mode: setup.record.relayMode}},
    });
    const rootId = root.id as string;
    const context = bridge.bridge.context;
    await context.conversations.upsertContext(setup.licence, conversationId, {visitor_name: 'Vera Visitor'}, 'open');
    await context.conversations.linkRoot(setup.licence, conversationId, setup.channel.id, rootId);
    return {conversationId, rootId};
}

/** A post by a user through the REST rules (fires outgoing webhooks and websocket events). */
export function post(world: World, userId: string, fields: {channel_id: string; message: string; root_id?: string; props?: Record<string, unknown>; file_ids?: string[]}): PostRec {
    const created = world.mm.createPost(userId, fields);
    return world.mm.getPost(created.id as string)!;
}

/** Waits until every outgoing-webhook call for the post has been answered by the bridge. */
export async function webhookAnswered(world: World, postId: string): Promise<void> {
    await waitFor(() => {
        const calls = world.mm.webhookCalls().filter((call) => call.post_id === postId);
        return calls.length > 0 && calls.every((call) => call.done);
    }, `the outgoing webhook for ${postId} to be answered`);
}

/** Uploads a file as the user (REST, raw body) and returns its id. */
export async function upload(world: World, token: string, channelId: string, filename: string, data: Buffer): Promise<string> {
    const url = new URL('/api/v4/files', world.mm.url);
    url.searchParams.set('channel_id', channelId);
    url.searchParams.set('filename', filename);
    const response = await fetch(url, {method: 'POST', headers: {Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream'}, body: new Uint8Array(data)});
    if (response.status !== 201) {
        throw new Error(`upload answered ${response.status}: ${await response.text()}`);
    }
    const body = await response.json() as {file_infos: Array<{id: string}>};
    return body.file_infos[0]!.id;
}

export function reactionsOf(world: World, postId: string): string[] {
    return world.mm.reactions(postId).filter((reaction) => reaction.user_id === world.seed.bot.user.id).map((reaction) => reaction.emoji_name).sort();
}

/** The outbox rows of a licence (payload parsed), for checks on what was queued. */
export async function outboxRows(world: World, licence: string, bridge: RunningBridge = world.bridge): Promise<Array<{id: number; kind: string; status: string; dedupe_key: string | null; payload: Record<string, unknown>; last_error: string | null}>> {
    const rows = await bridge.bridge.context.database.db.selectFrom('outbox')
        .select(['id', 'kind', 'status', 'dedupe_key', 'payload', 'last_error'])
        .where('licence', '=', licence).orderBy('id').execute();
    return rows.map((row) => ({...row, id: Number(row.id), payload: JSON.parse(row.payload) as Record<string, unknown>}));
}

/** The body of a `conversation.reply` callback, as the bridge builds it. */
export type ReplyBody = ConversationReply;

/** The callbacks i-Reserve acted on (verified, 2xx, one per webhook-id), as reply bodies. */
export function deliveredReplies(endpoint: Endpoint): ReplyBody[] {
    return endpoint.delivered().map((call) => call.json as ReplyBody);
}
