import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';

import {client} from '../admin/support.js';
import {notification, startRig} from '../outbound/support.js';
import {ENGINES, stopPostgresServer, waitFor} from '../support/bridge_harness.js';

/**
 * Issue 9, part 3: notifications through an incoming webhook (no bot): Slack-compatible
 * attachment (title, colour, fields); a webhook that answers 400/404 parks the delivery with the
 * reason; the Test button tests the webhook too.
 */

after(stopPostgresServer);

interface Attachment {
    fallback: string;
    color: string;
    title: string;
    title_link?: string;
    text: string;
    fields: Array<{title: string; value: string; short: boolean}>;
}

for (const engine of ENGINES) {
    describe(`notifications through an incoming webhook (${engine})`, {timeout: 5 * 60_000}, () => {
        it('delivers the notification as an attachment with title, link, colour and fields', async () => {
            let hookChannel = '';
            const rig = await startRig(engine, {integration: (seed, standIn) => {
                hookChannel = seed.notification_channel.id;
                return {notificationChannels: {'booking.confirmed': standIn.createIncomingWebhook({channel_id: seed.notification_channel.id}).url}};
            }});
            try {
                const answer = await rig.send(notification('booking.confirmed', {
                    fields: [{title: 'Guest', value: 'Family Jansen'}, {title: 'Stay', value: '14–21 June', short: true}, {title: 'Note', value: 'Late arrival around 22:00, key safe code sent by e-mail. @all please check'}],
                }));
                assert.equal(answer.status, 202, JSON.stringify(answer.json));
                const post = await waitFor(() => rig.standIn.channelPosts(hookChannel).find((p) => p.type === 'slack_attachment'), 'the webhook post');
                assert.equal(post.props.from_webhook, 'true');
                const [attachment] = post.props.attachments as Attachment[];
                assert.equal(attachment!.title, 'Booking confirmed');
                assert.equal(attachment!.title_link, 'https://app.ireserve.example/bookings/4711');
                assert.equal(attachment!.color, '#2e7d32');
                assert.match(attachment!.text, /Cottage 12/);
                assert.match(attachment!.fallback, /^Booking confirmed: Cottage 12/);
                assert.deepEqual(attachment!.fields.map((f) => [f.title, f.short]), [['Type', true], ['Guest', true], ['Stay', true], ['Note', false]]);
                assert.equal(attachment!.fields[1]!.value, 'Family Jansen');
                assert.ok(!/(^|\s)@all\b/.test(attachment!.fields[3]!.value), 'mentions in fields are neutralised');
                assert.equal((post.props.ireserve as {notification_type: string}).notification_type, 'booking.confirmed');
                assert.equal(post.user_id !== rig.seed.bot.user.id, true, 'posted as the webhook, not by the bot');
            } finally {
                await rig.close();
            }
        });

        it('a webhook answering 400 (deleted) or 404 (wrong URL) parks the delivery with the reason, and the Test button reports both', async () => {
            const rig = await startRig(engine, {integration: (seed, standIn) => {
                const deleted = standIn.createIncomingWebhook({channel_id: seed.notification_channel.id});
                standIn.deleteIncomingWebhook(deleted.id);
                return {notificationChannels: {
                    'booking.cancelled': deleted.url,
                    'payment.received': `${standIn.url}/no-such-path/hooks/abc`,
                }};
            }});
            try {
                assert.equal((await rig.send(notification('booking.cancelled'))).status, 202);
                assert.equal((await rig.send(notification('payment.received'))).status, 202);
                const api = client(rig.running.url);
                const failed = await waitFor(async () => {
                    const list = (await api('GET', `/api/v1/integrations/${rig.licence}/deliveries?status=failed`)).body.deliveries as Array<{last_error: string; last_error_code: string; attempts: number}>;
                    return list.length === 2 ? list : undefined;
                }, 'both deliveries parked');
                for (const delivery of failed) {
                    assert.equal(delivery.last_error_code, 'not_found');
                    assert.equal(delivery.attempts, 1, 'not retried blindly');
                    assert.match(delivery.last_error, /The incoming webhook does not exist/);
                }
                const view = (await api('GET', `/api/v1/integrations/${rig.licence}`)).body;
                assert.equal(view.status.state, 'error');
                assert.equal(view.status.failed, 2);

                const test = await api('POST', `/api/v1/integrations/${rig.licence}/test`);
                assert.equal(test.status, 200, test.text);
                const results = test.body.results as Array<{purpose: string; target: string; ok: boolean; error?: string; message: string}>;
                const hooks = results.filter((r) => r.target === 'incoming_webhook');
                assert.deepEqual(hooks.map((r) => [r.purpose, r.ok, r.error]).sort(), [
                    ['notification:booking.cancelled', false, 'channel_not_found'],
                    ['notification:payment.received', false, 'channel_not_found'],
                ]);
                assert.ok(hooks.every((r) => /Incoming Webhooks/.test(r.message)));
                assert.ok(results.some((r) => r.purpose === 'mirror' && r.ok));
            } finally {
                await rig.close();
            }
        });
    });
}
