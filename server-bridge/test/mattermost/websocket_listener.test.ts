// MattermostWebSocketListener's reconnect backoff against the Mattermost stand-in: a listener
// waiting out a long backoff reconnects at once when told that Mattermost answers again
// (reconnectNow), and leaves an open socket alone. The backoff is pinned to an hour (jitter at its
// top), so nothing here depends on timing: without reconnectNow the socket would stay down.
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import pino from 'pino';

import {MattermostWebSocketListener, type GapReason, type ListenerState} from '../../src/mattermost/websocket_listener.js';
import {waitFor} from '../support/bridge_harness.js';
import {MattermostStandIn, type Seed} from '../../../test/standins/mattermost/index.js';

const HOUR = 3_600_000;

describe('MattermostWebSocketListener: reconnecting when Mattermost answers again', {timeout: 60_000}, () => {
    let mm: MattermostStandIn;
    let seed: Seed;

    before(async () => {
        mm = await MattermostStandIn.start();
        seed = mm.seedDefault();
    });
    after(async () => {
        await mm.close();
    });

    function listener() {
        const states: ListenerState[] = [];
        const gaps: GapReason[] = [];
        const socket = new MattermostWebSocketListener({
            serverUrl: mm.url,
            token: async () => seed.bot.token,
            logger: pino({level: 'silent'}),
            onEvent: () => undefined,
            onGap: (reason) => void gaps.push(reason),
            onState: (state) => void states.push(state),
            baseBackoffMs: HOUR,
            maxBackoffMs: HOUR,
            random: () => 0.999,
        });
        return {socket, states, gaps};
    }

    const upgrades = () => mm.requestCounts()['GET /api/v4/websocket'] ?? 0;

    test('a listener waiting out its backoff connects at once; an open socket is left alone', async () => {
        const {socket, states, gaps} = listener();
        try {
            mm.refuseWebsockets(HOUR);
            const before = upgrades();
            socket.start();
            await waitFor(() => states.includes('disconnected'), 'the first attempt refused');
            assert.equal(socket.connected, false);
            assert.equal(upgrades(), before + 1, 'one attempt, then an hour of backoff');

            mm.refuseWebsockets(0);
            assert.equal(socket.reconnectNow(), true, 'it was waiting');
            await waitFor(() => socket.connected, 'connected long before its backoff ran out');
            assert.deepEqual(gaps, ['first_connection'], 'greeted by hello: the caller re-syncs');
            assert.equal(upgrades(), before + 2);

            assert.equal(socket.reconnectNow(), false, 'an open socket is left alone');
            assert.equal(socket.connected, true);
            assert.equal(upgrades(), before + 2, 'no second socket');
        } finally {
            mm.refuseWebsockets(0);
            await socket.stop();
        }
    });

    test('told too early (the socket is still refused): one attempt, then the backoff goes on', async () => {
        const {socket, states} = listener();
        try {
            mm.refuseWebsockets(HOUR);
            const before = upgrades();
            socket.start();
            await waitFor(() => states.filter((state) => state === 'disconnected').length === 1, 'the first attempt refused');
            assert.equal(socket.reconnectNow(), true);
            await waitFor(() => states.filter((state) => state === 'disconnected').length === 2, 'the early attempt refused');
            assert.equal(upgrades(), before + 2, 'exactly one extra attempt');
            assert.equal(socket.connected, false);
            // Back to waiting (an hour): the next word that Mattermost answers may cut it short again.
            mm.refuseWebsockets(0);
            assert.equal(socket.reconnectNow(), true, 'waiting again');
            await waitFor(() => socket.connected, 'connected');
        } finally {
            mm.refuseWebsockets(0);
            await socket.stop();
        }
    });

    test('a stopped listener does not reconnect', async () => {
        const {socket, states} = listener();
        mm.refuseWebsockets(HOUR);
        try {
            socket.start();
            await waitFor(() => states.includes('disconnected'), 'the first attempt refused');
            await socket.stop();
            const before = upgrades();
            mm.refuseWebsockets(0);
            assert.equal(socket.reconnectNow(), false);
            assert.equal(upgrades(), before);
        } finally {
            mm.refuseWebsockets(0);
            await socket.stop();
        }
    });
});
