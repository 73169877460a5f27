// The guest's booking beside the chat (DESIGN §13): `booking` on conversation.started and
// conversation.updated is validated at intake, stored with the conversation, carried in the root's
// props.ireserve.booking and named in its plain message; a changed booking patches the same root.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {MattermostStandIn, type Seed} from '../../../test/standins/mattermost/index.js';
import {ENGINES, stopPostgresServer} from '../support/bridge_harness.js';

import {botPosts, drained, ireserve, mentionWords, rootsOf, started, startRig, updated, type OutboundRig} from './support.js';

after(stopPostgresServer);

const BOOKING = {
    reference: 'R-2025-0042',
    url: 'https://app.ireserve.example/bookings/42',
    arrival: '2025-07-03',
    departure: '2025-07-10',
    accommodation: 'Beach house 6',
    guests: {adults: 2, children: 1, pets: 0},
    status: 'confirmed',
};

for (const engine of ENGINES) {
    describe(`booking context on ${engine}`, {timeout: 5 * 60_000}, () => {
        let standIn: MattermostStandIn;
        let seed: Seed;
        let r: OutboundRig;
        before(async () => {
            standIn = await MattermostStandIn.start();
            seed = standIn.seedDefault();
            r = await startRig(engine, {standIn, seed});
        });
        after(async () => {
            await r.close();
            await standIn.close();
        });

        test('a booking on conversation.started is stored, carried in the root\'s props and named in its plain message', async () => {
            assert.equal((await r.send(started('c-book', {booking: BOOKING}))).status, 202);
            assert.equal(await drained(r), 0);
            const [root, ...more] = rootsOf(r, 'c-book');
            assert.ok(root);
            assert.equal(more.length, 0);
            assert.deepEqual(ireserve(root).booking, BOOKING);
            assert.match(root.message, /^Booking \[R-2025-0042\]\(https:\/\/app\.ireserve\.example\/bookings\/42\) · 2025-07-03 → 2025-07-10 \(7 nights\) · Beach house 6 · 2 adults, 1 child · confirmed$/m);
            const stored = await r.running.bridge.context.conversations.get(r.licence, 'c-book');
            assert.deepEqual(stored?.context.booking, BOOKING);
        });

        test('conversation.updated with a changed booking patches the same root; without booking it keeps it; null removes it', async () => {
            const [root] = rootsOf(r, 'c-book');
            standIn.clearRequestLog();
            const changed = {reference: 'R-2025-0042', arrival: '2025-07-04', departure: '2025-07-05', guests: {adults: 1}, status: 'changed'};
            assert.equal((await r.send(updated('c-book', {booking: changed}))).status, 202);
            assert.equal(await drained(r), 0);
            const patches = standIn.requestLog().filter((entry) => entry.method === 'PUT' && entry.path === `/api/v4/posts/${root!.id}/patch`);
            assert.equal(patches.length, 1, 'the root is patched once');
            assert.equal(rootsOf(r, 'c-book').length, 1, 'no second root');
            let current = standIn.store.posts.get(root!.id)!;
            assert.deepEqual(ireserve(current).booking, changed, 'replaced whole: the old url and accommodation are gone');
            assert.match(current.message, /^Booking R-2025-0042 · 2025-07-04 → 2025-07-05 \(1 night\) · 1 adult · changed$/m);

            assert.equal((await r.send(updated('c-book', {status: 'closed'}))).status, 202);
            await drained(r);
            current = standIn.store.posts.get(root!.id)!;
            assert.deepEqual(ireserve(current).booking, changed, 'an update without booking keeps it');
            assert.equal(ireserve(current).status, 'closed');

            assert.equal((await r.send(updated('c-book', {booking: null}))).status, 202);
            await drained(r);
            current = standIn.store.posts.get(root!.id)!;
            assert.equal(ireserve(current).booking, undefined, 'null removes the booking');
            assert.doesNotMatch(current.message, /Booking/);
        });

        test('the booking\'s text is neutralised like other guest text: no mention, no markup, no image', async () => {
            const booking = {reference: '@channel *R-1*', accommodation: '![x](https://tracker.example/p.png) @all', status: '[click](javascript:alert(1))'};
            assert.equal((await r.send(started('c-book-text', {booking}))).status, 202);
            assert.equal(await drained(r), 0);
            const [root] = rootsOf(r, 'c-book-text');
            const line = root!.message.split('\n').find((text) => text.startsWith('Booking '))!;
            assert.deepEqual(mentionWords(line), []);
            assert.ok(line.includes('\\*R-1\\*'), line);
            assert.ok(!line.includes('!['), line);
            assert.ok(!line.includes('[click]'), line);
            assert.deepEqual(ireserve(root!).booking, booking, 'the props keep the text as sent (the plugin renders it as text)');
        });

        describe('bad bookings → 400 naming the field, nothing stored, nothing posted', () => {
            const bad: Array<{name: string; event: unknown; field: string}> = [
                {name: 'booking not an object', event: started('c-bad', {booking: 'R-1'}), field: 'data.booking'},
                {name: 'no reference', event: started('c-bad', {booking: {arrival: '2025-07-03'}}), field: 'data.booking.reference'},
                {name: 'empty reference', event: started('c-bad', {booking: {reference: '  '}}), field: 'data.booking.reference'},
                {name: 'reference over 100 characters', event: started('c-bad', {booking: {reference: 'R'.repeat(101)}}), field: 'data.booking.reference'},
                {name: 'reference with a line break', event: started('c-bad', {booking: {reference: 'R-1\nR-2'}}), field: 'data.booking.reference'},
                {name: 'url not http(s)', event: started('c-bad', {booking: {reference: 'R-1', url: 'javascript:alert(1)'}}), field: 'data.booking.url'},
                {name: 'url not a URL', event: started('c-bad', {booking: {reference: 'R-1', url: 'bookings/42'}}), field: 'data.booking.url'},
                {name: 'arrival in another format', event: started('c-bad', {booking: {reference: 'R-1', arrival: '03-07-2025'}}), field: 'data.booking.arrival'},
                {name: 'arrival with a time', event: started('c-bad', {booking: {reference: 'R-1', arrival: '2025-07-03T14:00:00Z'}}), field: 'data.booking.arrival'},
                {name: 'arrival a day that does not exist', event: started('c-bad', {booking: {reference: 'R-1', arrival: '2025-02-30'}}), field: 'data.booking.arrival'},
                {name: 'departure month 13', event: started('c-bad', {booking: {reference: 'R-1', departure: '2025-13-01'}}), field: 'data.booking.departure'},
                {name: 'departure before arrival', event: started('c-bad', {booking: {reference: 'R-1', arrival: '2025-07-10', departure: '2025-07-03'}}), field: 'data.booking.departure'},
                {name: 'accommodation over 200 characters', event: started('c-bad', {booking: {reference: 'R-1', accommodation: 'x'.repeat(201)}}), field: 'data.booking.accommodation'},
                {name: 'status over 100 characters', event: started('c-bad', {booking: {reference: 'R-1', status: 'x'.repeat(101)}}), field: 'data.booking.status'},
                {name: 'guests not an object', event: started('c-bad', {booking: {reference: 'R-1', guests: 3}}), field: 'data.booking.guests'},
                {name: 'negative adults', event: started('c-bad', {booking: {reference: 'R-1', guests: {adults: -1}}}), field: 'data.booking.guests.adults'},
                {name: 'half a child', event: started('c-bad', {booking: {reference: 'R-1', guests: {children: 1.5}}}), field: 'data.booking.guests.children'},
                {name: 'pets as text', event: started('c-bad', {booking: {reference: 'R-1', guests: {pets: '2'}}}), field: 'data.booking.guests.pets'},
                {name: 'a thousand adults', event: started('c-bad', {booking: {reference: 'R-1', guests: {adults: 1000}}}), field: 'data.booking.guests.adults'},
                {name: 'updated: departure before arrival', event: updated('c-book', {booking: {reference: 'R-1', arrival: '2025-07-10', departure: '2025-07-09'}}), field: 'data.booking.departure'},
                {name: 'updated: url ftp', event: updated('c-book', {booking: {reference: 'R-1', url: 'ftp://files.example/b'}}), field: 'data.booking.url'},
            ];
            for (const row of bad) {
                test(`${row.name} → 400 naming ${row.field}`, async () => {
                    await drained(r);
                    const postsBefore = botPosts(r).length;
                    const jobsBefore = (await r.running.bridge.context.database.db.selectFrom('outbox').select('id').where('licence', '=', r.licence).execute()).length;
                    const answer = await r.send(row.event);
                    assert.equal(answer.status, 400, JSON.stringify(answer.json));
                    assert.match(answer.contentType, /^application\/problem\+json/);
                    assert.equal(answer.json.field, row.field, JSON.stringify(answer.json));
                    assert.ok(String(answer.json.detail).startsWith(`${row.field}:`), String(answer.json.detail));
                    const jobsAfter = (await r.running.bridge.context.database.db.selectFrom('outbox').select('id').where('licence', '=', r.licence).execute()).length;
                    assert.equal(jobsAfter, jobsBefore, 'nothing queued');
                    assert.equal(await r.running.bridge.context.conversations.get(r.licence, 'c-bad'), undefined, 'nothing stored');
                    await drained(r);
                    assert.equal(botPosts(r).length, postsBefore, 'nothing posted');
                });
            }

            test('the earliest and latest sensible values pass: zero guests, same-day departure, http URL', async () => {
                const booking = {reference: 'R-0', url: 'http://intranet.example/b/0', arrival: '2025-07-03', departure: '2025-07-03', guests: {adults: 0, children: 0, pets: 0}};
                assert.equal((await r.send(started('c-book-edge', {booking}))).status, 202);
                assert.equal(await drained(r), 0);
                const [root] = rootsOf(r, 'c-book-edge');
                assert.deepEqual(ireserve(root!).booking, {...booking, url: 'http://intranet.example/b/0'});
                assert.match(root!.message, /^Booking \[R-0\]\(http:\/\/intranet\.example\/b\/0\) · 2025-07-03 → 2025-07-03 \(0 nights\)$/m);
            });
        });
    });
}
