import assert from 'node:assert/strict';
import {createServer, type IncomingMessage, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, beforeEach, describe, it} from 'node:test';
import {pollUntil, type MattermostStandIn, type Seed} from './index.js';
import {clientFor, draft, startSeeded, type Client} from './test_helpers.js';

interface Received {
    contentType: string;
    body: string;
}

/** A local callback receiver; `answer` decides the response body. */
class Receiver {
    readonly received: Received[] = [];
    answer: (r: Received) => string = () => '{}';
    private server!: Server;
    url = '';

    async start(): Promise<void> {
        this.server = createServer((req: IncomingMessage, res) => {
            const chunks: Buffer[] = [];
            req.on('data', (c: Buffer) => chunks.push(c));
            req.on('end', () => {
                const r = {contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks).toString()};
                this.received.push(r);
                res.writeHead(200, {'Content-Type': 'application/json'}).end(this.answer(r));
            });
        });
        await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    }

    stop(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}

describe('Mattermost stand-in: webhooks', {timeout: 2 * 60_000}, () => {
    let standIn: MattermostStandIn;
    let seed: Seed;
    let bot: Client;
    let anna: Client;
    const receiver = new Receiver();

    before(async () => {
        ({standIn, seed} = await startSeeded());
        bot = clientFor(standIn.url, seed.bot.token);
        anna = clientFor(standIn.url, seed.agent.token);
        await receiver.start();
    });
    beforeEach(() => {
        receiver.received.length = 0;
        receiver.answer = () => '{}';
        for (const hook of standIn.store.outgoingHooks.keys()) {
            standIn.deleteOutgoingWebhook(hook);
        }
    });
    after(async () => {
        await standIn.close();
        await receiver.stop();
    });

    it('posts form-encoded payloads (timestamp in seconds), for thread replies and bot posts too', async () => {
        const hook = standIn.createOutgoingWebhook({channel_id: seed.channel.id, callback_urls: [receiver.url], token: 'form-token'});
        const root = await anna.createPost(draft({channel_id: seed.channel.id, message: 'root'}));
        const reply = await anna.createPost(draft({channel_id: seed.channel.id, message: 'a reply & more', root_id: root.id}));
        await bot.createPost(draft({channel_id: seed.channel.id, message: 'bot says'}));
        await pollUntil(() => receiver.received.length === 3, {what: '3 calls'});

        const second = receiver.received.map((r) => new URLSearchParams(r.body)).find((p) => p.get('post_id') === reply.id)!;
        assert.equal(receiver.received[0]!.contentType, 'application/x-www-form-urlencoded');
        assert.equal(second.get('token'), 'form-token');
        assert.equal(second.get('team_id'), seed.team.id);
        assert.equal(second.get('team_domain'), 'holiday-park');
        assert.equal(second.get('channel_id'), seed.channel.id);
        assert.equal(second.get('channel_name'), 'support');
        assert.equal(second.get('timestamp'), String(Math.floor(reply.create_at / 1000)));
        assert.equal(second.get('user_id'), seed.agent.user.id);
        assert.equal(second.get('user_name'), 'anna');
        assert.equal(second.get('text'), 'a reply & more');
        assert.equal(second.get('trigger_word'), '');
        assert.equal(second.get('file_ids'), '');
        assert.equal(second.get('root_id'), null, 'no root id in the payload');
        const calls = await pollUntil(() => (standIn.webhookCalls().every((c) => c.done) ? standIn.webhookCalls() : null));
        assert.ok(calls.every((c) => c.hook_id === hook.id && c.status === 200));
    });

    it('posts JSON (timestamp in ms, file_ids comma-joined) when the content type is application/json', async () => {
        standIn.createOutgoingWebhook({channel_id: seed.channel.id, callback_urls: [receiver.url], content_type: 'application/json'});
        const fd = new FormData();
        fd.append('channel_id', seed.channel.id);
        fd.append('files', new Blob(['a']), 'a.txt');
        fd.append('files', new Blob(['b']), 'b.txt');
        const up = await anna.uploadFile(fd);
        const ids = up.file_infos.map((f) => f.id);
        const post = await anna.createPost(draft({channel_id: seed.channel.id, message: 'with files', file_ids: ids}));
        await pollUntil(() => receiver.received.length === 1);
        const r = receiver.received[0]!;
        assert.equal(r.contentType, 'application/json');
        const payload = JSON.parse(r.body) as Record<string, unknown>;
        assert.deepEqual(Object.keys(payload), ['token', 'team_id', 'team_domain', 'channel_id', 'channel_name', 'timestamp',
            'user_id', 'user_name', 'post_id', 'text', 'trigger_word', 'file_ids']);
        assert.equal(payload.timestamp, post.create_at);
        assert.equal(payload.file_ids, ids.join(','));
    });

    it('does not fire for private channels, edits, or webhook-made posts', async () => {
        standIn.createOutgoingWebhook({channel_id: seed.channel.id, callback_urls: [receiver.url]});
        assert.throws(() => standIn.createOutgoingWebhook({channel_id: seed.private_channel.id, callback_urls: [receiver.url]}));
        await anna.createPost(draft({channel_id: seed.private_channel.id, message: 'private'}));
        const post = await anna.createPost(draft({channel_id: seed.channel.id, message: 'public'}));
        await pollUntil(() => receiver.received.length === 1);
        await anna.patchPost(draft({id: post.id, message: 'public, edited'}));
        const incoming = standIn.createIncomingWebhook({channel_id: seed.channel.id, user_id: seed.admin.user.id});
        await fetch(incoming.url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'from a hook'})});
        const sentinel = await anna.createPost(draft({channel_id: seed.channel.id, message: 'sentinel'}));
        await pollUntil(() => receiver.received.length >= 2);
        // Calls are recorded when they start, in post order: by now any wrong call would be listed.
        assert.deepEqual(standIn.webhookCalls().slice(-2).map((c) => c.post_id), [post.id, sentinel.id]);
        assert.deepEqual(receiver.received.map((r) => new URLSearchParams(r.body).get('post_id')), [post.id, sentinel.id]);
    });

    it('posts the answer\'s text, as a reply when response_type is comment', async () => {
        standIn.createOutgoingWebhook({channel_id: seed.channel.id, callback_urls: [receiver.url], creator_id: seed.admin.user.id, display_name: 'Echo'});
        receiver.answer = (r) => {
            const text = new URLSearchParams(r.body).get('text');
            return text === 'comment please' ? JSON.stringify({text: 'a comment', response_type: 'comment'}) : JSON.stringify({text: 'a post'});
        };
        const first = await anna.createPost(draft({channel_id: seed.channel.id, message: 'comment please'}));
        const comment = await pollUntil(() => standIn.channelPosts(seed.channel.id).find((p) => p.message === 'a comment'));
        assert.equal(comment.root_id, first.id);
        assert.equal(comment.user_id, seed.admin.user.id);
        assert.equal(comment.props.from_webhook, 'true');
        assert.equal(comment.props.webhook_display_name, 'Echo');
        await anna.createPost(draft({channel_id: seed.channel.id, message: 'plain'}));
        const plain = await pollUntil(() => standIn.channelPosts(seed.channel.id).find((p) => p.message === 'a post'));
        assert.equal(plain.root_id, '');
        assert.equal(receiver.received.length, 2, 'answers do not trigger the hook again');
    });

    it('refuses loopback callbacks unless allowed, when configured like a real server', async () => {
        standIn.setConfig({allowedUntrustedInternalConnections: []});
        try {
            standIn.createOutgoingWebhook({channel_id: seed.channel.id, callback_urls: [receiver.url]});
            const post = await anna.createPost(draft({channel_id: seed.channel.id, message: 'blocked'}));
            const call = await pollUntil(() => standIn.webhookCalls().find((c) => c.post_id === post.id && c.done));
            assert.match(call.error ?? '', /AllowedUntrustedInternalConnections/);
            assert.equal(receiver.received.length, 0);
        } finally {
            standIn.setConfig({allowedUntrustedInternalConnections: null});
        }
    });

    it('accepts incoming webhooks: 200 "ok" text/plain, props recorded; 400 for unknown ids and bad bodies', async () => {
        const hook = standIn.createIncomingWebhook({channel_id: seed.notification_channel.id, user_id: seed.admin.user.id, display_name: 'Bookings'});
        const res = await fetch(hook.url, {
            method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({text: 'Booking <https://example.com/b/1|#1> confirmed', username: 'i-Reserve', icon_url: 'https://example.com/i.png',
                attachments: [{fallback: 'f', title: 'Booking 1'}]}),
        });
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('content-type'), 'text/plain');
        assert.equal(await res.text(), 'ok');
        const post = standIn.channelPosts(seed.notification_channel.id).at(-1)!;
        assert.equal(post.user_id, seed.admin.user.id);
        assert.equal(post.message, 'Booking [#1](https://example.com/b/1) confirmed');
        assert.equal(post.type, 'slack_attachment');
        assert.equal(post.props.from_webhook, 'true');
        assert.equal(post.props.override_username, 'i-Reserve');
        assert.equal(post.props.override_icon_url, 'https://example.com/i.png');
        assert.equal(post.props.webhook_display_name, 'Bookings');
        assert.deepEqual(post.props.attachments, [{fallback: 'f', title: 'Booking 1'}]);

        const form = await fetch(hook.url, {method: 'POST', body: new URLSearchParams({payload: JSON.stringify({text: 'form payload'})})});
        assert.equal(form.status, 200);
        assert.equal(standIn.channelPosts(seed.notification_channel.id).at(-1)!.message, 'form payload');

        const unknown = await fetch(`${standIn.url}/hooks/nosuchhooknosuchhooknosuch`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{"text":"x"}'});
        assert.equal(unknown.status, 400);
        assertWrapped(await unknown.json(), 'web.incoming_webhook.invalid.app_error');
        const bad = await fetch(hook.url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{not json'});
        assert.equal(bad.status, 400);
        assertWrapped(await bad.json(), 'model.incoming_hook.parse_data.app_error');
        const empty = await fetch(hook.url, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{"text":""}'});
        assert.equal(empty.status, 400);
        assertWrapped(await empty.json(), 'web.incoming_webhook.text.app_error');
    });
});

/** Mattermost wraps every incoming-webhook failure: the general id outside, the real one in detailed_error. */
function assertWrapped(body: unknown, inner: string): void {
    const error = body as {id?: string; detailed_error?: string};
    assert.equal(error.id, 'web.incoming_webhook.general.app_error');
    assert.match(error.detailed_error ?? '', new RegExp(inner.replace(/\./g, '\\.')));
}
