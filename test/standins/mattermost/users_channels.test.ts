import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import type {MattermostStandIn, Seed} from './index.js';
import {clientFor, rejectsWith, startSeeded, type Client} from './test_helpers.js';

describe('Mattermost stand-in: auth, users, teams and channels', {timeout: 2 * 60_000}, () => {
    let standIn: MattermostStandIn;
    let seed: Seed;
    let bot: Client;
    let anna: Client;

    before(async () => {
        ({standIn, seed} = await startSeeded());
        bot = clientFor(standIn.url, seed.bot.token);
        anna = clientFor(standIn.url, seed.agent.token);
    });
    after(() => standIn.close());

    it('answers ping without a session', async () => {
        const res = await clientFor(standIn.url).ping(false);
        assert.equal(res.status, 'OK');
    });

    it('knows the caller (getMe) and rejects bad or revoked tokens with 401', async () => {
        const me = await bot.getMe();
        assert.equal(me.id, seed.bot.user.id);
        assert.equal(me.is_bot, true);
        await rejectsWith(clientFor(standIn.url, 'nosuchtokennosuchtokennosu').getMe(), 401, 'api.context.session_expired.app_error');
        await rejectsWith(clientFor(standIn.url).getMe(), 401, 'api.context.session_expired.app_error');

        const pat = standIn.createToken(seed.agent2.user.id);
        const ben = clientFor(standIn.url, pat.token);
        assert.equal((await ben.getMe()).username, 'ben');
        standIn.revokeToken(pat.id);
        await rejectsWith(ben.getMe(), 401, 'api.context.session_expired.app_error');
    });

    it('logs in with a Token header, and sessions can be expired', async () => {
        const client = clientFor(standIn.url);
        await rejectsWith(client.login('anna', 'wrong'), 401, 'api.user.login.invalid_credentials_email_username');
        const user = await client.login('anna@example.com', seed.agent.password);
        assert.equal(user.id, seed.agent.user.id);
        assert.match(client.getToken(), /^[a-z0-9]{26}$/);
        assert.equal((await client.getMe()).username, 'anna');

        assert.equal(standIn.expireSessions(seed.agent.user.id), 1);
        await rejectsWith(client.getMe(), 401, 'api.context.session_expired.app_error');
        await client.login('anna', seed.agent.password);
        assert.equal((await client.getMe()).username, 'anna');
        assert.equal((await anna.getMe()).username, 'anna', 'personal access tokens survive');
    });

    it('blanks e-mails for non-admins when showEmailAddress is off', async () => {
        assert.equal((await bot.getUser(seed.agent.user.id)).email, 'anna@example.com');
        standIn.setShowEmailAddress(false);
        try {
            assert.equal((await bot.getUser(seed.agent.user.id)).email, '');
            assert.equal((await anna.getMe()).email, 'anna@example.com', 'own e-mail stays');
            const admin = clientFor(standIn.url, seed.admin.token);
            assert.equal((await admin.getUser(seed.agent.user.id)).email, 'anna@example.com');

            const adminBot = standIn.createBot({username: 'adminbot', roles: 'system_user system_admin'});
            const adminBotClient = clientFor(standIn.url, standIn.createToken(adminBot.id).token);
            assert.equal((await adminBotClient.getUser(seed.agent.user.id)).email, 'anna@example.com');

            const byIds = await bot.getProfilesByIds([seed.agent.user.id, seed.agent2.user.id]);
            assert.deepEqual(byIds.map((u) => [u.username, u.email]), [['anna', ''], ['ben', '']]);
        } finally {
            standIn.setShowEmailAddress(true);
        }
        assert.equal((await bot.getUserByUsername('ben')).id, seed.agent2.user.id);
        await rejectsWith(bot.getUser('nosuchusernosuchusernosuch'), 404, 'app.user.missing_account.const');
    });

    it('lists teams and channels of the caller', async () => {
        const teams = await bot.getMyTeams();
        assert.deepEqual(teams.map((t) => t.id), [seed.team.id]);
        assert.equal((await bot.getTeam(seed.team.id)).name, 'holiday-park');

        const mine = await bot.getMyChannels(seed.team.id);
        assert.deepEqual(mine.map((c) => c.name).sort(), ['bookings', 'support', 'support-private']);
        const all = await bot.getAllTeamsChannels();
        assert.equal(all.length, 3);

        const loner = standIn.createBot({username: 'loner', team_ids: [seed.team.id]});
        const lonerClient = clientFor(standIn.url, standIn.createToken(loner.id).token);
        await rejectsWith(lonerClient.getMyChannels(seed.team.id), 404, 'app.channel.get_channels.not_found.app_error');
    });

    it('gets channels (403 private non-member, 404 unknown) and members', async () => {
        assert.equal((await anna.getChannel(seed.channel.id)).name, 'support');
        const outsider = standIn.createUser({username: 'outsider', team_ids: [seed.team.id]});
        const out = clientFor(standIn.url, standIn.createToken(outsider.id).token);
        assert.equal((await out.getChannel(seed.channel.id)).type, 'O', 'team members can read public channels');
        await rejectsWith(out.getChannel(seed.private_channel.id), 403, 'api.context.permissions.app_error');
        await rejectsWith(out.getChannel('nosuchchannelnosuchchannel'), 404, 'app.channel.get.existing.app_error');

        const member = await bot.getChannelMember(seed.channel.id, seed.bot.user.id);
        assert.equal(member.user_id, seed.bot.user.id);
        await rejectsWith(bot.getChannelMember(seed.channel.id, outsider.id), 404, 'app.channel.get_member.missing.app_error');
    });

    it('creates a direct channel once (201 every time)', async () => {
        const first = await bot.createDirectChannel([seed.bot.user.id, seed.agent.user.id]);
        const second = await anna.createDirectChannel([seed.agent.user.id, seed.bot.user.id]);
        assert.equal(first.id, second.id);
        assert.equal(first.type, 'D');
        assert.equal(first.team_id, '');
        assert.equal(first.name, [seed.bot.user.id, seed.agent.user.id].sort().join('__'));
        await rejectsWith(bot.createDirectChannel([seed.agent.user.id, seed.agent2.user.id]), 403, 'api.context.permissions.app_error');
    });

    it('accepts the MMAUTHTOKEN cookie with X-Requested-With, and answers CORS', async () => {
        const session = standIn.createSession(seed.agent.user.id);
        const cookie = `MMAUTHTOKEN=${session.token}`;
        const me = await fetch(`${standIn.url}/api/v4/users/me`, {headers: {Cookie: cookie}});
        assert.equal(me.status, 200);
        assert.equal(me.headers.get('content-type'), 'application/json');

        const body = JSON.stringify({channel_id: seed.channel.id, message: 'from the browser'});
        const csrfless = await fetch(`${standIn.url}/api/v4/posts`, {method: 'POST', headers: {Cookie: cookie, 'Content-Type': 'application/json'}, body});
        assert.equal(csrfless.status, 401);
        const xhr = await fetch(`${standIn.url}/api/v4/posts`, {
            method: 'POST',
            headers: {Cookie: cookie, 'Content-Type': 'application/json', 'X-Requested-With': 'XMLHttpRequest', Origin: 'http://127.0.0.1:9'},
            body,
        });
        assert.equal(xhr.status, 201);
        assert.equal(xhr.headers.get('access-control-allow-origin'), 'http://127.0.0.1:9');
        assert.equal(xhr.headers.get('access-control-allow-credentials'), 'true');

        const preflight = await fetch(`${standIn.url}/api/v4/posts`, {
            method: 'OPTIONS',
            headers: {Origin: 'http://127.0.0.1:9', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-requested-with'},
        });
        assert.equal(preflight.status, 204);
        assert.equal(preflight.headers.get('access-control-allow-headers'), 'content-type,x-requested-with');
    });

    it('lists a channel\'s members by username (GET /users?in_channel=)', async () => {
        const members = await anna.getProfilesInChannel(seed.channel.id, 0, 100);
        assert.deepEqual(members.map((u) => u.username), ['admin', 'anna', 'ben', 'ireserve-bot']);
        assert.equal(members.find((u) => u.username === 'ireserve-bot')?.is_bot, true);
        const outsider = standIn.createUser({username: 'otto', email: 'otto@example.com', password: 'Otto-pass-1'});
        const otto = clientFor(standIn.url, standIn.createToken(outsider.id).token);
        await rejectsWith(otto.getProfilesInChannel(seed.private_channel.id), 403, 'api.context.permissions.app_error');
    });
});
