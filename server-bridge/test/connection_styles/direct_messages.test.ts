import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';

import type {DmSettings} from '../../src/contract/index.js';
import {DEFAULT_DM_SETTINGS} from '../../src/domain/integration.js';
import {MattermostStandIn, type PostRec} from '../../../test/standins/mattermost/index.js';
import {client} from '../admin/support.js';
import {message, notification, startRig, started, updated, type OutboundRig} from '../outbound/support.js';
import {ENGINES, stopPostgresServer, waitFor} from '../support/bridge_harness.js';

/**
 * Issue 9, part 2: personal notifications by direct message from the bot — assignment, a guest
 * message in an assigned conversation, notification subscriptions — each off by default.
 */

after(stopPostgresServer);

interface DmRig {
    rig: OutboundRig;
    close(): Promise<void>;
}

async function startDmRig(engine: 'sqlite' | 'postgres', dmSettings: DmSettings): Promise<DmRig> {
    const standIn = await MattermostStandIn.start();
    const seed = standIn.seedDefault();
    const rig = await startRig(engine, {standIn, seed, integration: {serverUrl: standIn.url, dmSettings}});
    return {
        rig,
        async close() {
            await rig.close();
            await standIn.close();
        },
    };
}

/** The bot's posts in direct-message channels, with the user at the other end. */
function dms(rig: OutboundRig): Array<{post: PostRec; to: string}> {
    const bot = rig.seed.bot.user.id;
    const out: Array<{post: PostRec; to: string}> = [];
    for (const channel of rig.standIn.store.channels.values()) {
        if (channel.type !== 'D') {
            continue;
        }
        const [a, b] = channel.name.split('__');
        const to = a === bot ? b! : a!;
        for (const post of rig.standIn.channelPosts(channel.id)) {
            if (post.user_id === bot) {
                out.push({post, to});
            }
        }
    }
    return out;
}

function rootOf(rig: OutboundRig, conversationId: string): PostRec | undefined {
    return rig.standIn.channelPosts(rig.seed.channel.id)
        .find((post) => post.root_id === '' && (post.props.ireserve as {conversation_id?: string} | undefined)?.conversation_id === conversationId);
}

async function outboxKinds(rig: OutboundRig): Promise<Array<{kind: string; status: string; last_error: string | null; last_error_code: string | null}>> {
    return rig.running.bridge.context.database.db.selectFrom('outbox').select(['kind', 'status', 'last_error', 'last_error_code'])
        .where('licence', '=', rig.licence).orderBy('id').execute();
}

async function settled(rig: OutboundRig): Promise<void> {
    await waitFor(async () => (await outboxKinds(rig)).every((job) => job.status === 'delivered' || job.status === 'failed'), 'the outbox to settle');
}

for (const engine of ENGINES) {
    describe(`direct messages from the bot (${engine})`, {timeout: 5 * 60_000}, () => {
        it('assignment → one DM to the assignee with a working permalink to the thread; a guest message → a DM with its text; repeats and agent messages send nothing', async () => {
            const {rig, close} = await startDmRig(engine, {on_assignment: true, on_guest_message: true, subscriptions: {}});
            try {
                const anna = rig.seed.agent.user;
                assert.equal((await rig.send(started('c-1'))).status, 202);
                assert.equal((await rig.send(updated('c-1', {assignee: {name: 'Anna Agent', email: 'Anna@Example.com'}}))).status, 202);
                const [first] = await waitFor(() => dms(rig).length === 1 ? dms(rig) : undefined, 'the assignment DM');
                assert.equal(first!.to, anna.id, 'the DM goes to the assignee');
                const root = rootOf(rig, 'c-1')!;
                const link = /\((http[^)]+\/pl\/[a-z0-9]+)\)/.exec(first!.post.message)?.[1];
                assert.ok(link, first!.post.message);
                // The permalink: <server>/<team name>/pl/<root post id>, the team being the mirror channel's.
                assert.equal(link, `${rig.standIn.url}/${rig.seed.team.name}/pl/${root.id}`);
                const target = rig.standIn.getPost(link.split('/pl/')[1]!)!;
                assert.equal(target.id, root.id);
                assert.equal(target.root_id, '', 'the link opens the conversation\'s root post (its thread)');
                assert.equal(rig.standIn.store.channels.get(target.channel_id)!.team_id, rig.seed.team.id);
                assert.match(first!.post.message, /assigned to you/);
                assert.equal((first!.post.props.ireserve as {dm: string}).dm, 'assignment');

                // The same assignee again (a status change) sends nothing new; a visitor message does.
                assert.equal((await rig.send(updated('c-1', {status: 'open', assignee: {name: 'Anna Agent', email: 'anna@example.com'}}))).status, 202);
                assert.equal((await rig.send(message('c-1', 'm-1', 'Is the sauna open on Sunday? @channel'))).status, 202);
                assert.equal((await rig.send(message('c-1', 'm-2', 'Yes, from 10:00.', {sender: {type: 'agent', name: 'Anna'}}))).status, 202);
                await waitFor(() => dms(rig).length >= 2, 'the guest-message DM');
                await settled(rig);
                const all = dms(rig);
                assert.equal(all.length, 2, all.map((d) => d.post.message).join('\n---\n'));
                assert.equal(all[1]!.to, anna.id);
                assert.match(all[1]!.post.message, /New message from Anna Visitor/);
                assert.match(all[1]!.post.message, /Is the sauna open on Sunday\?/);
                assert.ok(!/(^|\s)@channel\b/.test(all[1]!.post.message.replace(/\u200D/g, '§')), 'mentions neutralised');
                assert.ok(all[1]!.post.message.includes(`/pl/${root.id}`));
                assert.ok((await outboxKinds(rig)).every((job) => job.status === 'delivered'));
            } finally {
                await close();
            }
        });

        it('an unknown e-mail sends no DM and records why (failed delivery, log)', async () => {
            const {rig, close} = await startDmRig(engine, {on_assignment: true, on_guest_message: false, subscriptions: {}});
            try {
                assert.equal((await rig.send(updated('c-2', {assignee: {name: 'Nobody', email: 'nobody@example.com'}}))).status, 202);
                const failed = await waitFor(async () => (await outboxKinds(rig)).find((job) => job.status === 'failed'), 'the DM to be parked');
                assert.equal(failed.kind, 'outbound.direct_message');
                assert.equal(failed.last_error_code, 'dm_unknown_recipient');
                assert.match(failed.last_error ?? '', /no Mattermost user has the e-mail address nobody@example\.com/);
                await settled(rig);
                assert.equal(dms(rig).length, 0);
                assert.ok(rootOf(rig, 'c-2'), 'the conversation itself is still mirrored');
                assert.ok(rig.running.logs.some((line) => line.includes('no Mattermost user has the direct message')), 'logged');
                const view = (await client(rig.running.url)('GET', `/api/v1/integrations/${rig.licence}`)).body;
                assert.equal(view.status.failed, 1);
                assert.match(view.status.last_error, /No direct message sent/);
            } finally {
                await close();
            }
        });

        it('with every DM switch off (the default) nothing is sent by DM', async () => {
            const {rig, close} = await startDmRig(engine, DEFAULT_DM_SETTINGS);
            try {
                assert.equal((await rig.send(started('c-3'))).status, 202);
                assert.equal((await rig.send(updated('c-3', {assignee: {name: 'Anna Agent', email: 'anna@example.com'}}))).status, 202);
                assert.equal((await rig.send(message('c-3', 'm-1', 'Hello?'))).status, 202);
                assert.equal((await rig.send(notification('booking.confirmed'))).status, 202);
                await waitFor(async () => (await outboxKinds(rig)).length === 4, 'the four jobs');
                await settled(rig);
                assert.equal(dms(rig).length, 0);
                assert.ok((await outboxKinds(rig)).every((job) => job.kind !== 'outbound.direct_message'));
                assert.equal(rig.standIn.requestCounts()['GET /api/v4/users/email/:email'] ?? 0, 0);
                assert.equal(rig.standIn.requestCounts()['POST /api/v4/channels/direct'] ?? 0, 0);
            } finally {
                await close();
            }
        });

        it('notification subscriptions → one DM per subscriber, also for a type mapped to no channel', async () => {
            const {rig, close} = await startDmRig(engine, {
                on_assignment: false, on_guest_message: false,
                subscriptions: {'booking.confirmed': ['anna@example.com', 'ben@example.com'], 'booking.changed': ['ben@example.com']},
            });
            try {
                assert.equal((await rig.send(notification('booking.confirmed'))).status, 202);
                const changed = await rig.send(notification('booking.changed', {title: 'Booking changed', text: 'Now 15–22 June.'}));
                assert.equal(changed.status, 202, JSON.stringify(changed.json));
                assert.equal((await rig.send(notification('booking.cancelled'))).json.status, 'not_sent', 'no channel and no subscriber');
                await waitFor(() => dms(rig).length >= 3, 'three DMs');
                await settled(rig);
                const all = dms(rig);
                assert.equal(all.length, 3);
                const to = (id: string) => all.filter((d) => d.to === id).map((d) => d.post.message);
                assert.equal(to(rig.seed.agent.user.id).length, 1);
                assert.match(to(rig.seed.agent.user.id)[0]!, /Booking confirmed[\s\S]*Cottage 12[\s\S]*subscribed to `booking\.confirmed`/);
                assert.equal(to(rig.seed.agent2.user.id).length, 2);
                assert.ok(to(rig.seed.agent2.user.id).some((m) => m.includes('Booking changed')));
                // The channel notification is still posted once.
                assert.equal(rig.standIn.channelPosts(rig.seed.notification_channel.id).length, 1);
            } finally {
                await close();
            }
        });

        it('dm_settings in the admin API: off by default, set with PATCH and PUT, validated', async () => {
            const {rig, close} = await startDmRig(engine, DEFAULT_DM_SETTINGS);
            try {
                const api = client(rig.running.url);
                const path = `/api/v1/integrations/${rig.licence}`;
                assert.deepEqual((await api('GET', path)).body.dm_settings, {on_assignment: false, on_guest_message: false, subscriptions: {}});
                const patched = await api('PATCH', path, {body: {dm_settings: {on_assignment: true, subscriptions: {'booking.confirmed': ['anna@example.com', 'ANNA@example.com', 'ben@example.com']}}}});
                assert.equal(patched.status, 200, patched.text);
                assert.deepEqual(patched.body.dm_settings, {on_assignment: true, on_guest_message: false, subscriptions: {'booking.confirmed': ['ANNA@example.com', 'ben@example.com']}});
                const cleared = await api('PATCH', path, {body: {dm_settings: {on_guest_message: true, subscriptions: {'booking.confirmed': []}}}});
                assert.deepEqual(cleared.body.dm_settings, {on_assignment: true, on_guest_message: true, subscriptions: {}});

                const badEmail = await api('PATCH', path, {body: {dm_settings: {subscriptions: {'booking.confirmed': ['not an e-mail']}}}});
                assert.equal(badEmail.status, 400);
                assert.equal(badEmail.body.field, 'dm_settings.subscriptions.booking.confirmed.0');
                const badType = await api('PATCH', path, {body: {dm_settings: {subscriptions: {'booking.lost': ['anna@example.com']}}}});
                assert.equal(badType.status, 400);
                assert.equal(badType.body.field, 'dm_settings.subscriptions.booking.lost');
                const badSwitch = await api('PATCH', path, {body: {dm_settings: {on_assignment: 'yes'}}});
                assert.equal(badSwitch.status, 400);
                assert.equal(badSwitch.body.field, 'dm_settings.on_assignment');
                const unknown = await api('PATCH', path, {body: {dm_settings: {on_everything: true}}});
                assert.equal(unknown.status, 400);
                assert.equal(unknown.body.field, 'dm_settings.on_everything');

                // A PUT replaces: dm_settings sent → exactly that (defaults for the rest); omitted → kept.
                const current = (await api('GET', path)).body;
                const put = await api('PUT', path, {body: {
                    mattermost: {server_url: current.mattermost.server_url, bot_token: rig.seed.bot.token},
                    channel_id: current.channel_id,
                    dm_settings: {subscriptions: {'arrival.today': ['ben@example.com']}},
                }});
                assert.equal(put.status, 200, put.text);
                assert.deepEqual(put.body.dm_settings, {on_assignment: false, on_guest_message: false, subscriptions: {'arrival.today': ['ben@example.com']}});
            } finally {
                await close();
            }
        });
    });
}
