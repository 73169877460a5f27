// Smoke test of the real-server harness, and pins of the Mattermost behaviours the bridge relies
// on (../shared/MATTERMOST.md) against the real server.
//
//   cd test && node --import tsx --test e2e/mmserver.test.ts
//   MM_URL=… MM_ADMIN_USERNAME=… MM_ADMIN_PASSWORD=… node --import tsx --test e2e/mmserver.test.ts
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {randomBytes} from 'node:crypto';
import WebSocket from 'ws';
import type {Post} from '@mattermost/types/posts';
import {bootRealMattermost, type RealMattermost} from './harness/index.js';

/** Bounded poll: resolves with the first truthy value of `fn`, rejects after `timeoutMs`. */
async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = await fn();
        if (v) {
            return v;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}

async function expectClientError(p: Promise<unknown>, status: number, id: string): Promise<void> {
    await assert.rejects(p, (err: {status_code?: number; server_error_id?: string}) => {
        assert.equal(err.status_code, status, `status (error id ${err.server_error_id})`);
        assert.equal(err.server_error_id, id);
        return true;
    });
}

interface Received {
    contentType: string;
    body: string;
}

/** A tiny HTTP receiver on 127.0.0.1 that records requests and answers `{}` (posts nothing back). */
async function startReceiver(): Promise<{url: string; received: Received[]; close(): Promise<void>}> {
    const received: Received[] = [];
    const server: Server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            received.push({contentType: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8')});
            res.writeHead(200, {'Content-Type': 'application/json'});
            res.end('{}');
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const {port} = server.address() as AddressInfo;
    return {
        url: `http://127.0.0.1:${port}/hook`,
        received,
        close: () => new Promise<void>((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}

describe('real Mattermost server', {timeout: 10 * 60_000}, () => {
    let mm: RealMattermost;
    const t0 = Date.now();

    before(async () => {
        mm = await bootRealMattermost();
        const t = mm.timings;
        console.error(`[e2e] build step ${(t.buildMs / 1000).toFixed(1)}s, boot ${(t.bootMs / 1000).toFixed(1)}s, bootstrap ${(t.bootstrapMs / 1000).toFixed(1)}s`);
    }, {timeout: 45 * 60_000});

    after(async () => {
        await mm?.stop();
        console.error(`[e2e] mmserver.test.ts total ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    });

    it('is bootstrapped: bot and agents are channel members, agent1 has an e-mail', async () => {
        for (const ch of Object.values(mm.channels)) {
            const member = await mm.admin.client.getChannelMember(ch.id, mm.bot.id);
            assert.equal(member.user_id, mm.bot.id);
        }
        const agent1 = await mm.admin.client.getUser(mm.agents.agent1.id);
        assert.equal(agent1.email, mm.agents.agent1.email);
        assert.ok(mm.bot.token.length > 10);
    });

    it('marks bot posts with props.from_bot = "true"', async () => {
        const post = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'bot says hi'});
        assert.equal(post.props.from_bot, 'true');
        assert.equal(post.user_id, mm.bot.id);
    });

    it('answers 400 root_id.app_error for a reply to a deleted root, 404 for GET of the deleted post', async () => {
        const root = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'root to delete'});
        await mm.admin.client.deletePost(root.id);
        await expectClientError(
            mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'orphan', root_id: root.id}),
            400, 'api.post.create_post.root_id.app_error');
        await assert.rejects(mm.bot.client.getPost(root.id), (err: {status_code?: number}) => err.status_code === 404);
    });

    it('answers 403 api.context.permissions.app_error when the bot is not a channel member', async () => {
        for (const type of ['O', 'P'] as const) {
            const ch = await mm.admin.client.createChannel({
                team_id: mm.team.id, name: `nobot-${type.toLowerCase()}-${mm.suffix}`, display_name: `No bot ${type}`, type,
            });
            await expectClientError(
                mm.bot.client.createPost({channel_id: ch.id, message: 'should fail'}),
                403, 'api.context.permissions.app_error');
        }
    });

    it('limits messages to 16,383 runes (not bytes)', async () => {
        const ok = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'é'.repeat(16_383)});
        assert.equal([...ok.message].length, 16_383);
        await expectClientError(
            mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'é'.repeat(16_384)}),
            400, 'model.post.is_valid.message_length.app_error');
    });

    it('de-duplicates a repeated pending_post_id: the repeat returns the same post', async () => {
        const pending = `${mm.bot.id}:${Date.now()}`;
        const first = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'dedup me', pending_post_id: pending});
        const second = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: 'dedup me', pending_post_id: pending});
        assert.equal(second.id, first.id);
        const posts = await mm.admin.client.getPosts(mm.channels.public.id, 0, 30);
        assert.equal(Object.values(posts.posts).filter((p) => p.message === 'dedup me').length, 1);
    });

    it('sends outgoing-webhook payloads without root_id, for thread replies and for bot posts', async () => {
        const receiver = await startReceiver();
        try {
            const hook = await mm.createOutgoingWebhook(receiver.url, {contentType: 'application/json'});
            const root = await mm.bot.client.createPost({channel_id: mm.channels.public.id, message: `root ${randomBytes(3).toString('hex')}`});
            const reply = await mm.agents.agent1.client.createPost({channel_id: mm.channels.public.id, message: 'agent reply', root_id: root.id});

            const forReply = await waitFor('the webhook call for the agent reply', () =>
                receiver.received.map((r) => ({...r, json: JSON.parse(r.body) as Record<string, unknown>}))
                    .find((r) => r.json.post_id === reply.id));
            assert.match(forReply.contentType, /^application\/json/);
            const payload = forReply.json;
            assert.equal('root_id' in payload, false, 'payload has no root_id');
            assert.equal(payload.token, hook.token);
            assert.equal(payload.channel_id, mm.channels.public.id);
            assert.equal(payload.user_id, mm.agents.agent1.id);
            assert.equal(payload.text, 'agent reply');
            assert.equal(typeof payload.file_ids, 'string');
            assert.equal(typeof payload.timestamp, 'number');
            for (const key of ['team_id', 'team_domain', 'channel_name', 'user_name', 'trigger_word']) {
                assert.ok(key in payload, `payload has ${key}`);
            }
            // The hook fires for the bot's own REST posts too (the bridge must drop them).
            await waitFor('the webhook call for the bot root post', () =>
                receiver.received.find((r) => (JSON.parse(r.body) as {post_id?: string}).post_id === root.id));
        } finally {
            await receiver.close();
        }
    });

    it('delivers websocket "posted" events with data.post as a JSON string', async () => {
        const wsUrl = `${mm.url.replace(/^http/, 'ws')}/api/v4/websocket`;
        const ws = new WebSocket(wsUrl, {headers: {Authorization: `Bearer ${mm.bot.token}`}});
        const events: Array<{event?: string; data?: Record<string, unknown>}> = [];
        ws.on('message', (raw) => events.push(JSON.parse(raw.toString()) as {event?: string; data?: Record<string, unknown>}));
        try {
            await waitFor('websocket hello', () => events.find((e) => e.event === 'hello'));
            const post = await mm.agents.agent2.client.createPost({channel_id: mm.channels.private.id, message: 'private agent post'});
            const ev = await waitFor('posted event', () => events.find((e) =>
                e.event === 'posted' && typeof e.data?.post === 'string' && (JSON.parse(e.data.post) as Post).id === post.id));
            assert.equal(typeof ev.data!.post, 'string');
            const parsed = JSON.parse(ev.data!.post as string) as Post;
            assert.equal(parsed.channel_id, mm.channels.private.id);
            assert.equal(parsed.user_id, mm.agents.agent2.id);
        } finally {
            ws.close();
        }
    });
});
