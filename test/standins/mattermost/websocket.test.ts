import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {Post} from '@mattermost/types/posts';
import mm from '@mattermost/client';
import {WebSocket} from 'ws';
import {pollUntil, type MattermostStandIn, type Seed} from './index.js';
import {clientFor, draft, startSeeded, type Client} from './test_helpers.js';

interface Msg {
    event?: string;
    data?: Record<string, unknown>;
    broadcast?: Record<string, unknown>;
    seq?: number;
    seq_reply?: number;
    status?: string;
}

/** A raw websocket client that records every message. */
class Socket {
    readonly messages: Msg[] = [];
    closed = false;
    private constructor(readonly ws: WebSocket) {
        ws.on('message', (raw) => this.messages.push(JSON.parse(raw.toString()) as Msg));
        ws.on('close', () => {
            this.closed = true;
        });
        ws.on('error', () => undefined);
    }

    static open(url: string, token?: string, query = ''): Promise<Socket> {
        const ws = new WebSocket(`${url}${query}`, token ? {headers: {Authorization: `Bearer ${token}`}} : {});
        const socket = new Socket(ws);
        return new Promise((resolve, reject) => {
            ws.once('open', () => resolve(socket));
            ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
            ws.once('error', reject);
        });
    }

    events(name?: string): Msg[] {
        return this.messages.filter((m) => m.event !== undefined && (name === undefined || m.event === name));
    }

    async waitFor(name: string, count = 1): Promise<Msg[]> {
        return pollUntil(() => (this.events(name).length >= count ? this.events(name) : null), {what: `${count} ${name} event(s)`});
    }

    send(value: unknown): void {
        this.ws.send(JSON.stringify(value));
    }

    close(): void {
        this.ws.close();
    }
}

describe('Mattermost stand-in: websocket', {timeout: 2 * 60_000}, () => {
    let standIn: MattermostStandIn;
    let seed: Seed;
    let bot: Client;
    let anna: Client;
    const sockets: Socket[] = [];
    const open = async (token?: string, query = ''): Promise<Socket> => {
        const s = await Socket.open(standIn.wsUrl, token, query);
        sockets.push(s);
        return s;
    };

    before(async () => {
        ({standIn, seed} = await startSeeded());
        bot = clientFor(standIn.url, seed.bot.token);
        anna = clientFor(standIn.url, seed.agent.token);
    });
    after(async () => {
        sockets.forEach((s) => s.close());
        await standIn.close();
    });

    it('says hello (seq 0) with a connection id to a header-authenticated socket', async () => {
        const s = await open(seed.bot.token);
        const [hello] = await s.waitFor('hello');
        assert.equal(hello!.seq, 0);
        assert.match(String(hello!.data!.connection_id), /^[a-z0-9]{26}$/);
        assert.ok(String(hello!.data!.server_version).length > 0);
        assert.equal(hello!.broadcast!.user_id, seed.bot.user.id);
    });

    it('authenticates with an authentication_challenge, and closes on a bad one', async () => {
        const s = await open();
        s.send({seq: 1, action: 'authentication_challenge', data: {token: seed.agent.token}});
        await s.waitFor('hello');
        const reply = await pollUntil(() => s.messages.find((m) => m.seq_reply === 1));
        assert.equal(reply.status, 'OK');

        const bad = await open();
        bad.send({seq: 1, action: 'authentication_challenge', data: {token: 'wrongwrongwrongwrongwrongw'}});
        await pollUntil(() => bad.closed, {what: 'close'});
    });

    it('broadcasts posted (post as a JSON string) only to channel members, then post_edited and reaction_added', async () => {
        const member = await open(seed.agent.token);
        const outsiderUser = standIn.createUser({username: 'wsoutsider', team_ids: [seed.team.id]});
        const outsider = await open(standIn.createToken(outsiderUser.id).token);
        await member.waitFor('hello');
        await outsider.waitFor('hello');

        const post = await bot.createPost(draft({channel_id: seed.channel.id, message: 'live', pending_post_id: 'p-1'}));
        const [posted] = await member.waitFor('posted');
        assert.equal(typeof posted!.data!.post, 'string');
        const inner = JSON.parse(String(posted!.data!.post)) as Post;
        assert.equal(inner.id, post.id);
        assert.equal(inner.pending_post_id, 'p-1');
        assert.equal(posted!.data!.channel_id, undefined, 'the channel id travels in broadcast, as on a real server');
        assert.equal(posted!.data!.channel_type, 'O');
        assert.equal(posted!.data!.team_id, seed.team.id);
        assert.equal(posted!.data!.sender_name, '@ireserve-bot');
        assert.equal(posted!.broadcast!.channel_id, seed.channel.id);
        assert.equal(posted!.seq, 1);

        await bot.patchPost(draft({id: post.id, message: 'live, edited'}));
        const [edited] = await member.waitFor('post_edited');
        assert.equal((JSON.parse(String(edited!.data!.post)) as Post).message, 'live, edited');
        await anna.addReaction(seed.agent.user.id, post.id, 'thumbsup');
        const [reaction] = await member.waitFor('reaction_added');
        assert.equal((JSON.parse(String(reaction!.data!.reaction)) as {emoji_name: string}).emoji_name, 'thumbsup');
        assert.deepEqual(member.events().map((m) => m.seq), [0, 1, 2, 3]);

        assert.deepEqual(outsider.events().map((m) => m.event), ['hello']);
    });

    it('resumes with connection_id + sequence_number and replays what was missed', async () => {
        const first = await open(seed.agent.token);
        const [hello] = await first.waitFor('hello');
        const connectionId = String(hello!.data!.connection_id);
        await bot.createPost(draft({channel_id: seed.channel.id, message: 'seen'}));
        const [seen] = await first.waitFor('posted');
        const nextSeq = seen!.seq! + 1;

        standIn.dropWebsockets();
        await pollUntil(() => first.closed, {what: 'drop'});
        await bot.createPost(draft({channel_id: seed.channel.id, message: 'missed 1'}));
        await bot.createPost(draft({channel_id: seed.channel.id, message: 'missed 2'}));

        const resumed = await open(seed.agent.token, `?connection_id=${connectionId}&sequence_number=${nextSeq}`);
        const replayed = await resumed.waitFor('posted', 2);
        assert.deepEqual(replayed.map((m) => (JSON.parse(String(m.data!.post)) as Post).message), ['missed 1', 'missed 2']);
        assert.deepEqual(replayed.map((m) => m.seq), [nextSeq, nextSeq + 1]);
        assert.equal(resumed.events('hello').length, 0, 'no new hello on a resume');
        assert.ok(standIn.websocketConnections().some((c) => c.connection_id === connectionId && c.active));
    });

    it('gives a new hello and connection id when the missed events are gone', async () => {
        const first = await open(seed.agent.token);
        const [hello] = await first.waitFor('hello');
        const connectionId = String(hello!.data!.connection_id);
        standIn.dropWebsockets();
        await pollUntil(() => first.closed, {what: 'drop'});
        for (let i = 0; i < 130; i += 1) {
            standIn.createPost(seed.bot.user.id, {channel_id: seed.channel.id, message: `flood ${i}`});
        }
        const again = await open(seed.agent.token, `?connection_id=${connectionId}&sequence_number=1`);
        const [hello2] = await again.waitFor('hello');
        assert.equal(hello2!.seq, 0);
        assert.notEqual(hello2!.data!.connection_id, connectionId);
    });

    it('can refuse websocket upgrades for a while', async () => {
        standIn.refuseWebsockets(60_000);
        await assert.rejects(Socket.open(standIn.wsUrl, seed.bot.token), /503/);
        standIn.refuseWebsockets(0);
        const s = await open(seed.bot.token);
        await s.waitFor('hello');
    });

    describe('with @mattermost/client WebSocketClient', () => {
        // Node 20 has no global WebSocket; the client needs one (the `ws` package fits).
        const g = globalThis as unknown as {WebSocket?: unknown};
        g.WebSocket ??= WebSocket;

        const connect = (token: string, withHeader: boolean) => {
            const events: Msg[] = [];
            let missed = 0;
            const client = new mm.WebSocketClient({
                minWebSocketRetryTime: 20,
                reconnectJitterRange: 0,
                newWebSocketFn: (url: string) => new WebSocket(url, withHeader ? {headers: {Authorization: `Bearer ${token}`}} : {}) as never,
            });
            client.addMessageListener((m) => events.push(m as unknown as Msg));
            client.addMissedMessageListener(() => {
                missed += 1;
            });
            client.initialize(standIn.wsUrl, token);
            const posted = (): string[] => events.filter((m) => m.event === 'posted').map((m) => (JSON.parse(String(m.data!.post)) as Post).message);
            const hellos = (): string[] => events.filter((m) => m.event === 'hello').map((m) => String(m.data!.connection_id));
            return {client, events, posted, hellos, missed: () => missed};
        };

        it('resumes after a drop when authenticated by header: nothing missed', async () => {
            const c = connect(seed.agent.token, true);
            try {
                await pollUntil(() => c.events.some((m) => m.event === 'hello'), {what: 'hello'});
                standIn.dropWebsockets();
                standIn.createPost(seed.bot.user.id, {channel_id: seed.channel.id, message: 'while away (header)'});
                await pollUntil(() => c.posted().includes('while away (header)'), {what: 'replayed post'});
                assert.equal(c.missed(), 0);
                assert.equal(c.hellos().length, 1, 'same connection, no new hello');
            } finally {
                c.client.close();
            }
        });

        it('gets a new hello after a drop when authenticated by challenge: re-sync needed', async () => {
            const c = connect(seed.agent.token, false);
            try {
                await pollUntil(() => c.events.some((m) => m.event === 'hello'), {what: 'hello'});
                standIn.dropWebsockets();
                standIn.createPost(seed.bot.user.id, {channel_id: seed.channel.id, message: 'while away (challenge)'});
                await pollUntil(() => c.missed() === 1, {what: 'missed-message callback'});
                const [first, second] = c.hellos();
                assert.ok(first && second && first !== second, 'a new connection id');
                assert.equal(c.posted().includes('while away (challenge)'), false);
            } finally {
                c.client.close();
            }
        });
    });
});
