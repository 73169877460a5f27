import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {after, before} from 'node:test';

import {generateSigningSecret, signedHeaders} from '../../src/crypto/standard_webhooks.js';
import {DEFAULT_DM_SETTINGS} from '../../src/domain/integration.js';
import type {IntegrationRecord} from '../../src/storage/integrations_repository.js';
import {MattermostStandIn, type PostRec, type Seed} from '../../../test/standins/mattermost/index.js';
import {startBridge, waitFor, type Engine, type RunningBridge} from '../support/bridge_harness.js';

/** A real bridge (in this process) wired to a seeded Mattermost stand-in, with one active integration. */
export interface OutboundRig {
    standIn: MattermostStandIn;
    seed: Seed;
    running: RunningBridge;
    licence: string;
    secret: string;
    /** Sends a signed event; see SendOptions for the knobs the signature tests turn. */
    send(event: unknown, options?: SendOptions): Promise<Answer>;
    close(): Promise<void>;
}

export interface SendOptions {
    id?: string;
    timestamp?: number;
    secret?: string;
    /** The exact body bytes to send (signed as given unless `signBody` says otherwise). */
    body?: string | Buffer;
    /** Sign these bytes instead of the body (to send a body that differs from what was signed). */
    signBody?: string | Buffer;
    headers?: Record<string, string | undefined>;
    licence?: string;
}

export interface Answer {
    status: number;
    contentType: string;
    json: Record<string, unknown>;
}

export type IntegrationOverrides = Partial<IntegrationRecord> | ((seed: Seed, standIn: MattermostStandIn) => Partial<IntegrationRecord>);

export async function startRig(engine: Engine, options: {env?: Record<string, string>; integration?: IntegrationOverrides; standIn?: MattermostStandIn; seed?: Seed} = {}): Promise<OutboundRig> {
    const standIn = options.standIn ?? await MattermostStandIn.start();
    const seed = options.seed ?? standIn.seedDefault();
    const running = await startBridge({engine, env: options.env});
    const licence = `L-${randomUUID().slice(0, 8)}`;
    const secret = generateSigningSecret();
    const overrides = typeof options.integration === 'function' ? options.integration(seed, standIn) : options.integration;
    await running.bridge.context.integrations.save(integrationRecord(standIn, seed, licence, secret, overrides));
    return {
        standIn,
        seed,
        running,
        licence,
        secret,
        send: (event, sendOptions) => sendEvent(running.url, sendOptions?.licence ?? licence, sendOptions?.secret ?? secret, event, sendOptions),
        async close() {
            await running.close();
            if (!options.standIn) {
                await standIn.close();
            }
        },
    };
}

/**
 * For one describe block: one Mattermost stand-in, started before its tests and closed after them
 * (`standIn`, set from then on), and `rig(options)`: a fresh bridge and integration on `engine`
 * against it, the stand-in reset first so each test starts from a clean server.
 */
export function rigsPerSuite(engine: Engine): {readonly standIn: MattermostStandIn; rig(options?: Parameters<typeof startRig>[1]): Promise<OutboundRig>} {
    let standIn: MattermostStandIn | undefined;
    before(async () => {
        standIn = await MattermostStandIn.start();
    });
    after(async () => {
        await standIn?.close();
    });
    const suite = {
        get standIn(): MattermostStandIn {
            assert.ok(standIn, 'the stand-in is not started yet (use it inside hooks and tests)');
            return standIn;
        },
        async rig(options: Parameters<typeof startRig>[1] = {}): Promise<OutboundRig> {
            suite.standIn.reset();
            return startRig(engine, {...options, standIn: suite.standIn});
        },
    };
    return suite;
}

export function integrationRecord(standIn: MattermostStandIn, seed: Seed, licence: string, secret: string, overrides: Partial<IntegrationRecord> = {}): IntegrationRecord {
    return {
        licence,
        serverUrl: standIn.url,
        auth: {mode: 'token', botToken: seed.bot.token},
        outgoingWebhookToken: null,
        channelId: seed.channel.id,
        notificationChannels: {'booking.confirmed': seed.notification_channel.id, 'booking.cancelled': ''},
        relayMode: 'all_replies',
        inboundMode: 'outgoing_webhook',
        callbackUrl: null,
        signingSecret: secret,
        adminKeyHash: 'not-used-in-these-tests',
        dmSettings: DEFAULT_DM_SETTINGS,
        active: true,
        botUserId: null,
        ...overrides,
    };
}

export async function sendEvent(url: string, licence: string, secret: string, event: unknown, options: SendOptions = {}): Promise<Answer> {
    const body = options.body ?? JSON.stringify(event);
    const id = options.id ?? `msg_${randomUUID()}`;
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {'content-type': 'application/json', ...signedHeaders(secret, id, timestamp, options.signBody ?? body)};
    for (const [name, value] of Object.entries(options.headers ?? {})) {
        if (value === undefined) {
            delete headers[name];
        } else {
            headers[name] = value;
        }
    }
    const response = await fetch(`${url}/api/v1/licences/${encodeURIComponent(licence)}/events`, {method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body)});
    const text = await response.text();
    let json: Record<string, unknown> = {};
    try {
        json = JSON.parse(text) as Record<string, unknown>;
    } catch {
        json = {raw: text};
    }
    return {status: response.status, contentType: response.headers.get('content-type') ?? '', json};
}

// ---- events

export function started(conversationId: string, data: Record<string, unknown> = {}): unknown {
    return {
        type: 'conversation.started',
        data: {
            conversation_id: conversationId,
            visitor: {name: 'Anna Visitor', email: 'anna.visitor@example.com'},
            page_url: 'https://park.example/en/cottages?week=23',
            started_at: '2025-06-01T09:30:00Z',
            locale: 'en',
            ...data,
        },
    };
}

export function message(conversationId: string, messageId: string, text: string, data: Record<string, unknown> = {}): unknown {
    return {
        type: 'conversation.message',
        data: {conversation_id: conversationId, message_id: messageId, sender: {type: 'visitor', name: 'Anna'}, text, ...data},
    };
}

export function updated(conversationId: string, data: Record<string, unknown>): unknown {
    return {type: 'conversation.updated', data: {conversation_id: conversationId, ...data}};
}

export function notification(type: string, data: Record<string, unknown> = {}): unknown {
    return {type: 'notification', data: {notification_type: type, title: 'Booking confirmed', text: 'Cottage 12, 14–21 June, family Jansen.', url: 'https://app.ireserve.example/bookings/4711', ...data}};
}

// ---- inspection

export function ireserve(post: PostRec): Record<string, unknown> {
    const value = post.props.ireserve;
    return value && typeof value === 'object' ? value as Record<string, unknown> : {};
}

/** Every post the bot ever made (deleted ones included), in creation order. */
export function botPosts(rig: Pick<OutboundRig, 'standIn' | 'seed'>): PostRec[] {
    return rig.standIn.allPosts().filter((post) => post.user_id === rig.seed.bot.user.id);
}

/** Root posts of a conversation (deleted ones included), in creation order. */
export function rootsOf(rig: Pick<OutboundRig, 'standIn' | 'seed'>, conversationId: string): PostRec[] {
    return botPosts(rig).filter((post) => post.type === 'custom_irsv_conversation' && ireserve(post).conversation_id === conversationId);
}

/** Message posts of a message id, in creation order. */
export function postsOfMessage(rig: Pick<OutboundRig, 'standIn' | 'seed'>, messageId: string): PostRec[] {
    return botPosts(rig).filter((post) => ireserve(post).message_id === messageId);
}

/** Waits until the outbox has nothing pending or in flight for the licence; returns the failed count. */
export async function drained(rig: OutboundRig, what = 'the outbox to drain', timeoutMs = 30_000): Promise<number> {
    const counts = await waitFor(async () => {
        const value = await rig.running.bridge.context.outbox.counts(rig.licence);
        return value.queueDepth === 0 ? value : null;
    }, what, timeoutMs);
    return counts.failed;
}

/** Mattermost's own word splitting for mentions (mention_parser_standard.go): the words that would mention someone. */
export function mentionWords(message: string): string[] {
    const words = message.split(/[^\p{L}\p{N}:.\-_@]+/u).filter((word) => word !== '');
    return words
        .filter((word) => !(word.startsWith(':') && word.endsWith(':')))
        .map((word) => word.replace(/^[:.\-_]+/, ''))
        .filter((word) => /^@[\p{L}\p{N}_.\-:]/u.test(word));
}

/** Sends each conversation's events in order (awaiting each answer), conversations in parallel. */
export async function sendConversations(send: OutboundRig['send'], conversations: number, messagesEach: number, prefix: string): Promise<Map<string, string[]>> {
    const expected = new Map<string, string[]>();
    await Promise.all(Array.from({length: conversations}, async (_, c) => {
        const conversationId = `${prefix}-${c}`;
        const ids: string[] = [];
        expected.set(conversationId, ids);
        const answer = await send(started(conversationId, {visitor: {name: `Visitor ${c}`}}));
        assert.equal(answer.status, 202, JSON.stringify(answer.json));
        for (let m = 0; m < messagesEach; m++) {
            const messageId = `${conversationId}-m${m}`;
            const sent = await send(message(conversationId, messageId, `message ${m} of conversation ${c}`));
            assert.equal(sent.status, 202, JSON.stringify(sent.json));
            ids.push(messageId);
        }
    }));
    return expected;
}

/** Every message posted exactly once, under its conversation's one root, in the order sent. */
export function assertDeliveredInOrder(r: Pick<OutboundRig, 'standIn' | 'seed'>, expected: Map<string, string[]>): void {
    const posts = botPosts(r);
    const seen = new Map<string, number>();
    for (const post of posts) {
        const id = ireserve(post).message_id;
        if (typeof id === 'string') {
            seen.set(id, (seen.get(id) ?? 0) + 1);
        }
    }
    for (const [conversationId, ids] of expected) {
        const roots = rootsOf(r, conversationId);
        assert.equal(roots.length, 1, `one root for ${conversationId}`);
        const inThread = posts.filter((post) => post.root_id === roots[0]!.id).map((post) => ireserve(post).message_id);
        assert.deepEqual(inThread, ids, `${conversationId}: complete and in order`);
    }
    const twice = [...seen].filter(([, n]) => n > 1);
    assert.deepEqual(twice, [], 'nothing posted twice');
}

export {waitFor};
