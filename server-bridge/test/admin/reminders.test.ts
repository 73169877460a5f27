// The admin API's `reminders` (DESIGN §11, issue 16): saved and shown as sent; bad input answered
// 400 problem+json naming the field, with nothing saved.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {ENGINES, stopPostgresServer} from '../support/bridge_harness.js';

import {createIntegration, settingsFor, startWorld, stopWorld, type World} from './support.js';

after(stopPostgresServer);

for (const engine of ENGINES) {
    describe(`admin API: reminders (${engine})`, {timeout: 120_000}, () => {
        let world: World;

        before(async () => {
            world = await startWorld(engine);
        });

        after(async () => {
            await stopWorld(world);
        });

        test('off by default; PATCH sets them whole, the view shows them, null or no thresholds turn them off; a full PUT without them turns them off', async () => {
            await createIntegration(world, 'L-REMIND');
            const path = '/api/v1/integrations/L-REMIND';
            assert.equal((await world.api('GET', path)).body.reminders, undefined);
            assert.deepEqual((await world.api('GET', path)).body.status.waiting, {count: 0, longest_seconds: 0});

            const reminders = {after_seconds: [300, 900], notify: 'channel', quiet_hours: {timezone: 'Europe/Amsterdam', from: '22:00', to: '08:00'}};
            const patched = await world.api('PATCH', path, {body: {reminders}});
            assert.equal(patched.status, 200, patched.text);
            assert.deepEqual(patched.body.reminders, reminders);
            assert.deepEqual((await world.api('GET', path)).body.reminders, reminders);

            // notify defaults to assignee; quiet hours are optional.
            const plain = await world.api('PATCH', path, {body: {reminders: {after_seconds: [10]}}});
            assert.deepEqual(plain.body.reminders, {after_seconds: [10], notify: 'assignee'});
            // The GET answer sent back unchanged is accepted.
            const echoed = await world.api('PATCH', path, {body: (await world.api('GET', path)).body});
            assert.equal(echoed.status, 200, echoed.text);
            assert.deepEqual(echoed.body.reminders, {after_seconds: [10], notify: 'assignee'});

            assert.equal((await world.api('PATCH', path, {body: {reminders: {after_seconds: []}}})).body.reminders, undefined);
            await world.api('PATCH', path, {body: {reminders}});
            assert.equal((await world.api('PATCH', path, {body: {reminders: null}})).body.reminders, undefined);

            await world.api('PATCH', path, {body: {reminders}});
            const put = await world.api('PUT', path, {body: settingsFor(world, {}, 'L-REMIND')});
            assert.equal(put.status, 200, put.text);
            assert.equal(put.body.reminders, undefined);
        });

        test('bad reminders: 400 problem+json naming the field, nothing saved', async () => {
            await createIntegration(world, 'L-REMIND-BAD');
            const path = '/api/v1/integrations/L-REMIND-BAD';
            const good = {after_seconds: [60, 600], notify: 'assignee', quiet_hours: {timezone: 'Europe/Amsterdam', from: '22:00', to: '08:00'}};
            assert.equal((await world.api('PATCH', path, {body: {reminders: good}})).status, 200);
            const cases: Array<[unknown, string, RegExp]> = [
                [{after_seconds: [600, 300]}, 'reminders.after_seconds.1', /ascending/],
                [{after_seconds: [300, 300]}, 'reminders.after_seconds.1', /ascending/],
                [{after_seconds: [5]}, 'reminders.after_seconds.0', /at least 10 seconds/],
                [{after_seconds: [10, 20, 30, 40, 50, 60]}, 'reminders.after_seconds', /more than 5/],
                [{after_seconds: [30.5]}, 'reminders.after_seconds.0', /whole number/],
                [{after_seconds: '300'}, 'reminders.after_seconds', /list of numbers/],
                [{after_seconds: [300], notify: 'everyone'}, 'reminders.notify', /"assignee".*"channel"/],
                [{after_seconds: [300], quiet_hours: {timezone: 'Mars/Olympus_Mons', from: '22:00', to: '08:00'}}, 'reminders.quiet_hours.timezone', /IANA time zone/],
                [{after_seconds: [300], quiet_hours: {timezone: '+01:00', from: '22:00', to: '08:00'}}, 'reminders.quiet_hours.timezone', /IANA time zone/],
                [{after_seconds: [300], quiet_hours: {timezone: 'Europe/Amsterdam', from: '24:00', to: '08:00'}}, 'reminders.quiet_hours.from', /HH:MM/],
                [{after_seconds: [300], quiet_hours: {timezone: 'Europe/Amsterdam', from: '22:00', to: '8:00'}}, 'reminders.quiet_hours.to', /HH:MM/],
                [{after_seconds: [300], snooze: true}, 'reminders.snooze', /not a known field/],
            ];
            for (const [reminders, field, message] of cases) {
                const answer = await world.api('PATCH', path, {body: {reminders, relay_mode: 'composer_only'}});
                assert.equal(answer.status, 400, `${JSON.stringify(reminders)}: ${answer.text}`);
                assert.equal(answer.headers.get('content-type')?.split(';')[0], 'application/problem+json');
                assert.equal(answer.body.field, field, JSON.stringify(answer.body));
                assert.match(answer.body.detail ?? answer.body.errors?.[0]?.message ?? '', message, JSON.stringify(answer.body));
            }
            const view = (await world.api('GET', path)).body;
            assert.deepEqual(view.reminders, good, 'nothing saved');
            assert.equal(view.relay_mode, 'all_replies', 'nothing else saved either');
        });
    });
}
