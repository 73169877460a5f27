import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {after, before, describe, test} from 'node:test';

import {IReserveStandIn, verifySignature} from './index.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

function sign(secret: string, id: string, timestamp: number, body: string): string {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

describe('i-Reserve stand-in', {timeout: 2 * 60_000}, () => {
    let ireserve: IReserveStandIn;
    before(async () => {
        ireserve = await IReserveStandIn.start();
    });
    after(async () => {
        await ireserve.close();
    });

    test('signature verification: a table of failure cases', () => {
        const now = 1_700_000_000;
        const body = '{"type":"conversation.reply"}';
        const good = {id: 'msg_1', timestamp: String(now), signature: sign(SECRET, 'msg_1', now, body)};
        const other = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
        const cases: Array<[string, {id: string; timestamp: string; signature: string}, string, string | null]> = [
            ['valid', good, body, null],
            ['valid among several entries', {...good, signature: `v1,AAAA ${good.signature}`}, body, null],
            ['missing id', {...good, id: ''}, body, 'missing'],
            ['missing signature', {...good, signature: ''}, body, 'missing'],
            ['timestamp not a number', {...good, timestamp: 'soon'}, body, 'not a number'],
            ['timestamp too old', {...good, timestamp: String(now - 301), signature: sign(SECRET, 'msg_1', now - 301, body)}, body, 'tolerance'],
            ['body changed', good, `${body} `, 'no signature'],
            ['other secret', {...good, signature: sign(other, 'msg_1', now, body)}, body, 'no signature'],
            ['other id', {...good, id: 'msg_2'}, body, 'no signature'],
            ['v2 entry only', {...good, signature: good.signature.replace('v1,', 'v2,')}, body, 'no signature'],
        ];
        for (const [name, headers, raw, expected] of cases) {
            const result = verifySignature(SECRET, headers, raw, now);
            if (expected === null) {
                assert.equal(result, null, name);
            } else {
                assert.match(result ?? '', new RegExp(expected), name);
            }
        }
    });

    test('answers by script, drops calls while down, records duplicates', async () => {
        const endpoint = ireserve.endpoint('script-test', {secret: SECRET});
        endpoint.respond({status: 500}, 'down', {status: 400, body: {detail: 'closed'}});
        const send = async (id: string) => {
            const body = JSON.stringify({id});
            const timestamp = Math.floor(Date.now() / 1000);
            return fetch(endpoint.url, {
                method: 'POST',
                headers: {'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(SECRET, id, timestamp, body)},
                body,
            });
        };
        assert.equal((await send('a')).status, 500);
        await assert.rejects(send('a'));
        const refused = await send('a');
        assert.equal(refused.status, 400);
        assert.deepEqual(await refused.json(), {detail: 'closed'});
        assert.equal((await send('a')).status, 200);
        assert.equal((await send('a')).status, 200);
        endpoint.down();
        await assert.rejects(send('b'));
        endpoint.up();
        assert.equal((await send('b')).status, 200);
        const bad = await fetch(endpoint.url, {method: 'POST', headers: {'content-type': 'application/json'}, body: '{}'});
        assert.equal(bad.status, 401);
        assert.deepEqual(endpoint.calls().map((call) => call.status), [500, null, 400, 200, 200, null, 200, 401]);
        assert.deepEqual(endpoint.delivered().map((call) => call.webhookId), ['a', 'b']);
        assert.equal(endpoint.accepted().filter((call) => call.duplicate).length, 1);
    });
});
