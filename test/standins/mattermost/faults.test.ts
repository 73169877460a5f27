import assert from 'node:assert/strict';
import {after, afterEach, before, describe, it} from 'node:test';
import {pollUntil, type MattermostStandIn, type Seed} from './index.js';
import {clientFor, rejectsWith, startSeeded, type Client} from './test_helpers.js';

describe('Mattermost stand-in: faults', {timeout: 2 * 60_000}, () => {
    let standIn: MattermostStandIn;
    let seed: Seed;
    let bot: Client;
    const me = (): Promise<Response> => fetch(`${standIn.url}/api/v4/users/me`, {headers: {Authorization: `Bearer ${seed.bot.token}`}});

    before(async () => {
        ({standIn, seed} = await startSeeded());
        bot = clientFor(standIn.url, seed.bot.token);
    });
    afterEach(() => standIn.clearFaults());
    after(() => standIn.close());

    it('429 storm: plain-text "limit exceeded" with rate-limit headers, for the next N requests', async () => {
        standIn.rateLimitStorm({count: 2, retryAfterSeconds: 3});
        // Client4 only parses application/json: a 429 reaches it as text, without status_code.
        await assert.rejects(bot.getMe(), (err: {status_code?: number; message: string}) => err.status_code === undefined && err.message === '');
        const res = await me();
        assert.equal(res.status, 429);
        assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
        assert.equal(await res.text(), 'limit exceeded\n');
        assert.equal(res.headers.get('retry-after'), '3');
        assert.equal(res.headers.get('x-ratelimit-reset'), '3');
        assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
        assert.ok(res.headers.get('x-ratelimit-limit'));
        assert.equal((await me()).status, 200);
    });

    it('429 storm for a while, limited to matching requests', async () => {
        standIn.rateLimitStorm({durationMs: 60_000, match: {method: 'POST', path: '/api/v4/posts'}});
        assert.equal((await me()).status, 200);
        const post = await fetch(`${standIn.url}/api/v4/posts`, {
            method: 'POST',
            headers: {Authorization: `Bearer ${seed.bot.token}`, 'Content-Type': 'application/json'},
            body: JSON.stringify({channel_id: seed.channel.id, message: 'x'}),
        });
        assert.equal(post.status, 429);
        assert.equal(standIn.allPosts().length, 0);
    });

    it('rate limiter: a token bucket with X-RateLimit headers and Retry-After', async () => {
        standIn.setRateLimit({perSec: 1, burst: 2});
        const first = await me();
        assert.equal(first.status, 200);
        assert.equal(first.headers.get('x-ratelimit-limit'), '2');
        assert.equal(first.headers.get('x-ratelimit-remaining'), '1');
        assert.equal((await me()).status, 200);
        const limited = await me();
        assert.equal(limited.status, 429);
        assert.ok(Number(limited.headers.get('retry-after')) >= 1);
        standIn.setRateLimit(null);
        assert.equal((await me()).status, 200);
    });

    it('failNext(n, status) answers Mattermost errors, then recovers', async () => {
        standIn.failNext(2, 503);
        await rejectsWith(bot.getMe(), 503, 'api.context.server_busy.app_error');
        await rejectsWith(bot.getMe(), 503, 'api.context.server_busy.app_error');
        assert.equal((await bot.getMe()).id, seed.bot.user.id);
        standIn.failNext(1, 500, {match: {path: '/api/v4/posts/:post_id'}});
        assert.equal((await bot.getMe()).id, seed.bot.user.id);
        await rejectsWith(bot.getPost('zzzzzzzzzzzzzzzzzzzzzzzzzz'), 500, 'api.internal_error');
    });

    it('outages: 503, socket resets, hanging requests; websocket upgrades refused', async () => {
        standIn.startOutage();
        const down = await me();
        assert.equal(down.status, 503);
        assert.match(await down.text(), /Service Unavailable/);
        standIn.endOutage();
        assert.equal((await me()).status, 200);

        standIn.startOutage({mode: 'reset'});
        await assert.rejects(me());
        standIn.endOutage();
        assert.equal((await me()).status, 200);

        standIn.startOutage({mode: 'hang'});
        await assert.rejects(fetch(`${standIn.url}/api/v4/users/me`, {headers: {Authorization: `Bearer ${seed.bot.token}`}, signal: AbortSignal.timeout(100)}));
        standIn.endOutage();
        assert.equal((await me()).status, 200);

        standIn.startOutage({durationMs: 50});
        await pollUntil(async () => (await me()).status === 200, {what: 'the outage to end by itself'});
    });

    it('adds latency and counts requests per route', async () => {
        standIn.clearRequestLog();
        standIn.setLatency(20, {path: '/api/v4/users/:user_id'});
        await bot.getMe();
        await bot.getUser(seed.agent.user.id);
        await bot.getChannel(seed.channel.id);
        const counts = standIn.requestCounts();
        assert.equal(counts['GET /api/v4/users/:user_id'], 2);
        assert.equal(counts['GET /api/v4/channels/:channel_id'], 1);
        assert.ok(standIn.requestLog().every((r) => r.user_id === seed.bot.user.id && r.status === 200));
        const delayed = standIn.requestLog().filter((r) => r.key === 'GET /api/v4/users/:user_id');
        assert.ok(delayed.every((r) => r.at - r.received_at >= 20), JSON.stringify(delayed.map((r) => r.at - r.received_at)));
    });

    it('an `answer` latency answers that long after arrival, having handled the request at once', async () => {
        standIn.clearRequestLog();
        standIn.setLatency(1000, {method: 'POST', path: '/api/v4/posts'}, 'answer');
        try {
            let answered = false;
            const posting = bot.createPost({channel_id: seed.channel.id, message: 'answered late'} as Parameters<typeof bot.createPost>[0]).finally(() => {
                answered = true;
            });
            // Handled on arrival: the post is there while its answer is still held back.
            await pollUntil(async () => standIn.allPosts().some((post) => post.message === 'answered late'), {what: 'the post made before its answer'});
            assert.equal(answered, false, 'the answer waits for the latency');
            const post = await posting;
            assert.equal(post.message, 'answered late');
            const [logged] = standIn.requestLog().filter((r) => r.key === 'POST /api/v4/posts');
            assert.ok(logged && logged.at - logged.received_at >= 1000, `answered ${logged ? logged.at - logged.received_at : '?'} ms after arrival`);
        } finally {
            standIn.setLatency(0);
        }
    });
});
