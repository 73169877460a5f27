import assert from 'node:assert/strict';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {after, before, describe, test} from 'node:test';

import {generateSigningSecret} from '../../src/crypto/standard_webhooks.js';
import {IReserveStandIn, type Endpoint} from '../../../test/standins/ireserve/index.js';
import {MattermostStandIn, type PostRec, type Seed} from '../../../test/standins/mattermost/index.js';
import {sendEvent, integrationRecord, started} from '../outbound/support.js';
import {childBridgeEnv, ChildBridges} from '../support/child_bridge.js';
import {ENGINES, freshDatabaseUrl, startBridge, stopPostgresServer, waitFor} from '../support/bridge_harness.js';

import {ACTIONS_PATH, actionCalls, cardActions, deliveredActions, ireserveOf} from './support.js';

after(stopPostgresServer);

for (const engine of ENGINES) {
    describe(`conversation actions: the bridge killed with SIGKILL between click and callback, on ${engine} (real main.ts)`, {timeout: 240_000}, () => {
        let mm: MattermostStandIn;
        let seed: Seed;
        let ireserve: IReserveStandIn;
        let endpoint: Endpoint;
        let dir: string;
        let env: Record<string, string>;
        const licence = 'L-ACTCRASH';
        const secret = generateSigningSecret();
        const children = new ChildBridges();
        const roots: PostRec[] = [];

        before(async () => {
            mm = await MattermostStandIn.start();
            seed = mm.seedDefault();
            ireserve = await IReserveStandIn.start();
            endpoint = ireserve.endpoint(licence, {secret});
            dir = mkdtempSync(path.join(tmpdir(), 'bridge-action-crash-'));
            env = childBridgeEnv(await freshDatabaseUrl(engine, dir));
            // The integration and two conversations, made by an in-process bridge on the same database.
            const setup = await startBridge({databaseUrl: env.DATABASE_URL, dir, env});
            try {
                await setup.bridge.context.integrations.save({...integrationRecord(mm, seed, licence, secret), callbackUrl: endpoint.url});
                for (const conversationId of ['crash-a', 'crash-b']) {
                    assert.equal((await sendEvent(setup.url, licence, secret, started(conversationId))).status, 202);
                    roots.push(await waitFor(() => mm.allPosts().find((post) => post.root_id === '' && ireserveOf(post).conversation_id === conversationId
                        && cardActions(post).length > 0), `the root of ${conversationId}`));
                }
            } finally {
                await setup.close();
            }
        });

        after(async () => {
            await children.killAll();
            await mm?.close();
            await ireserve?.close();
            rmSync(dir, {recursive: true, force: true});
        });

        const clickClaim = async (url: string, root: PostRec) => {
            const context = cardActions(root).find((action) => action.id === 'claim')!.integration.context;
            const response = await fetch(`${url}${ACTIONS_PATH}`, {
                method: 'POST',
                headers: {'content-type': 'application/json'},
                body: JSON.stringify({user_id: seed.agent.user.id, channel_id: root.channel_id, post_id: root.id, team_id: seed.team.id, type: 'button', context}),
            });
            assert.equal(response.status, 200);
            return await response.json() as {ephemeral_text: string};
        };
        const notes = (root: PostRec) => mm.thread(root.id).filter((post) => post.user_id === seed.bot.user.id && ireserveOf(post).kind === 'action_note');
        const callsFor = (conversationId: string) => actionCalls(endpoint).filter((call) => (call.json as {data: {conversation_id: string}}).data.conversation_id === conversationId);

        test('killed after the click was queued, before any callback went out: after the restart one callback, one note', async () => {
            const root = roots[0]!;
            endpoint.down();
            let child = await children.start(env);
            assert.match((await clickClaim(child.url, root)).ephemeral_text, /Asked i-Reserve to claim/);
            child.process.kill('SIGKILL');
            assert.equal(await child.exited, null, 'killed, not exited');
            endpoint.up();
            child = await children.start(env);
            await waitFor(() => notes(root).length === 1, 'the note after the restart', 60_000);
            child.process.kill('SIGTERM');
            assert.equal(await child.exited, 0);
            const delivered = deliveredActions(endpoint).filter((body) => body.data.conversation_id === 'crash-a');
            assert.equal(delivered.length, 1);
            assert.equal(new Set(callsFor('crash-a').map((call) => call.webhookId)).size, 1);
            assert.equal(notes(root).length, 1);
            assert.equal(notes(root)[0]!.message, 'Anna Agent took this conversation.');
        });

        test('killed while i-Reserve was answering the callback: the retry carries the same webhook-id, i-Reserve acts once, one note', async () => {
            const root = roots[1]!;
            // i-Reserve accepts, but only after the bridge is gone: the bridge never learns it was applied.
            endpoint.respond({status: 200, delayMs: 1500});
            let child = await children.start(env);
            await clickClaim(child.url, root);
            await waitFor(() => callsFor('crash-b').length >= 1, 'the callback to be under way', 30_000, 5);
            child.process.kill('SIGKILL');
            assert.equal(await child.exited, null, 'killed, not exited');
            await waitFor(() => callsFor('crash-b')[0]?.status === 200, 'i-Reserve to have accepted the first call', 30_000);
            child = await children.start(env);
            await waitFor(() => notes(root).length === 1, 'the note after the restart', 60_000);
            child.process.kill('SIGTERM');
            assert.equal(await child.exited, 0);
            const calls = callsFor('crash-b');
            assert.ok(calls.length >= 2, 'sent again after the restart');
            assert.equal(new Set(calls.map((call) => call.webhookId)).size, 1, 'one webhook-id across the crash');
            assert.equal(deliveredActions(endpoint).filter((body) => body.data.conversation_id === 'crash-b').length, 1, 'i-Reserve acted once');
            assert.equal(notes(root).length, 1);
        });
    });
}
