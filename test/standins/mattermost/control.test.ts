import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import {after, before, describe, it} from 'node:test';
import {MattermostStandIn, type Seed} from './index.js';
import {clientFor, draft, rejectsWith} from './test_helpers.js';

describe('Mattermost stand-in: HTTP control surface and CLI', {timeout: 2 * 60_000}, () => {
    let standIn: MattermostStandIn;
    const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        const res = await fetch(`${standIn.url}/_standin${path}`, {
            method,
            headers: body === undefined ? {} : {'Content-Type': 'application/json'},
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
        return (await res.json()) as T;
    };

    before(async () => {
        standIn = await MattermostStandIn.start();
    });
    after(() => standIn.close());

    it('seeds, breaks and inspects over HTTP', async () => {
        const seed = await control<Seed>('POST', '/seed');
        const bot = clientFor(standIn.url, seed.bot.token);
        const post = await bot.createPost(draft({channel_id: seed.channel.id, message: 'via control'}));

        const posts = await control<{id: string}[]>('GET', `/channels/${seed.channel.id}/posts`);
        assert.deepEqual(posts.map((p) => p.id), [post.id]);
        assert.equal((await control<unknown[]>('GET', '/posts')).length, 1);

        const user = await control<{id: string}>('POST', '/users', {username: 'carla', email: 'carla@example.com', team_ids: [seed.team.id]});
        const {token} = await control<{token: string}>('POST', '/tokens', {user_id: user.id});
        const carla = clientFor(standIn.url, token);
        assert.equal((await carla.getMe()).email, 'carla@example.com');
        await control('PUT', '/config', {showEmailAddress: false});
        assert.equal((await carla.getUser(seed.agent.user.id)).email, '');
        await control('DELETE', `/tokens/${token}`);
        await rejectsWith(carla.getMe(), 401, 'api.context.session_expired.app_error');

        await control('POST', '/faults/fail_next', {count: 1, status: 403, match: {method: 'GET', path_regex: '^/api/v4/users/'}});
        await rejectsWith(bot.getMe(), 403, 'api.context.permissions.app_error');
        await control('POST', '/faults/storm', {count: 1});
        assert.equal((await fetch(`${standIn.url}/api/v4/system/ping`)).status, 429);

        await control('DELETE', `/posts/${post.id}`);
        await rejectsWith(bot.getPost(post.id), 404, 'app.post.get.app_error');

        const {counts} = await control<{counts: Record<string, number>}>('GET', '/requests');
        assert.equal(counts['POST /api/v4/posts'], 1);
        assert.equal(Object.keys(counts).some((k) => k.includes('_standin')), false);

        await control('POST', '/faults/outage', {mode: 'reset'});
        await assert.rejects(fetch(`${standIn.url}/api/v4/system/ping`));
        await control('DELETE', '/faults/outage');
        assert.equal((await fetch(`${standIn.url}/api/v4/system/ping`)).status, 200);

        await control('POST', '/reset');
        assert.equal((await control<unknown[]>('GET', '/posts')).length, 0);
    });

    it('starts from another process and prints its URL as JSON', async () => {
        const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
        const child = spawn(process.execPath, ['--import', 'tsx', cli, '--seed'], {stdio: ['ignore', 'pipe', 'inherit']});
        try {
            const line = await new Promise<string>((resolve, reject) => {
                createInterface({input: child.stdout}).once('line', resolve);
                child.once('exit', (code) => reject(new Error(`cli exited with ${code}`)));
            });
            const info = JSON.parse(line) as {url: string; ws_url: string; control_url: string; seed: Seed};
            assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/);
            assert.equal(info.control_url, `${info.url}/_standin`);
            const me = await clientFor(info.url, info.seed.bot.token).getMe();
            assert.equal(me.username, 'ireserve-bot');
        } finally {
            const exited = new Promise((resolve) => child.once('exit', resolve));
            child.kill('SIGTERM');
            await exited;
        }
    });
});
