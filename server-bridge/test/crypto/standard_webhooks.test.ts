// Signature verification of the event intake (Standard Webhooks): what is accepted and, for every
// way a request can be wrong, the reason `verify` gives. Pure: no server, an exact clock.
import assert from 'node:assert/strict';
import {createHmac} from 'node:crypto';
import {describe, test} from 'node:test';

import {
    checkHeaders, generateSigningSecret, sign, signedHeaders, SECRET_PREFIX, TOLERANCE_SECONDS, verify, type VerifyFailure,
} from '../../src/crypto/standard_webhooks.js';

const NOW = 1_764_720_000; // seconds
const SECRET = generateSigningSecret();
const PREVIOUS = generateSigningSecret();
const ID = 'evt_2f7c1b0e9a';
const BODY = '{"type":"conversation.message","data":{"text":"Is the beach house free?"}}';

/** The signature entry as the scheme defines it, computed here without the module under test. */
function expectedEntry(secret: string, id: string, timestamp: number, body: string): string {
    const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
    return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

const good = (timestamp = NOW) => ({id: ID, timestamp: String(timestamp), signature: sign(SECRET, ID, timestamp, BODY)});

describe('Standard Webhooks signatures', {timeout: 60_000}, () => {
    test('sign: v1, HMAC-SHA256 over "id.timestamp.body" with the secret\'s base64 key (known-answer vector)', () => {
        // The example of the Standard Webhooks reference libraries.
        assert.equal(
            sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'),
            'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
        );
        assert.equal(sign(SECRET, ID, NOW, BODY), expectedEntry(SECRET, ID, NOW, BODY));
        assert.equal(sign(SECRET, ID, NOW, Buffer.from(BODY)), sign(SECRET, ID, NOW, BODY), 'a Buffer body signs like its text');
        assert.deepEqual(signedHeaders(SECRET, ID, NOW, BODY), {'webhook-id': ID, 'webhook-timestamp': String(NOW), 'webhook-signature': sign(SECRET, ID, NOW, BODY)});
    });

    test('generateSigningSecret: whsec_ and 32 random bytes; a secret without the prefix is the same key', () => {
        const secret = generateSigningSecret();
        assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
        assert.equal(Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64').length, 32);
        assert.notEqual(generateSigningSecret(), secret);
        assert.equal(sign(secret.slice(SECRET_PREFIX.length), ID, NOW, BODY), sign(secret, ID, NOW, BODY));
    });

    test('accepted: the exact request, a Buffer body, and timestamps exactly at the ±5 minute edges', () => {
        assert.equal(TOLERANCE_SECONDS, 300);
        assert.equal(verify([SECRET], good(), BODY, NOW), null);
        assert.equal(verify([SECRET], good(), Buffer.from(BODY), NOW), null);
        assert.equal(verify([SECRET], good(NOW - 300), BODY, NOW), null, '5 minutes old');
        assert.equal(verify([SECRET], good(NOW + 300), BODY, NOW), null, '5 minutes ahead');
    });

    const signature = sign(SECRET, ID, NOW, BODY);
    const mac = signature.slice(3);
    const failures: Array<{what: string; secrets?: string[]; headers: {id?: string; timestamp?: string; signature?: string}; body?: string; reason: VerifyFailure}> = [
        // Who signed and what was signed.
        {what: 'signed with another secret', secrets: [PREVIOUS], headers: good(), reason: 'no_matching_signature'},
        {what: 'no secret configured', secrets: [], headers: good(), reason: 'no_matching_signature'},
        {what: 'body changed after signing', headers: good(), body: BODY.replace('beach', 'BEACH'), reason: 'no_matching_signature'},
        {what: 'body with a trailing newline added', headers: good(), body: `${BODY}\n`, reason: 'no_matching_signature'},
        {what: 'webhook-id changed', headers: {...good(), id: 'evt_other'}, reason: 'no_matching_signature'},
        {what: 'webhook-timestamp changed (still within the window)', headers: {...good(), timestamp: String(NOW + 1)}, reason: 'no_matching_signature'},
        // When.
        {what: 'stale: one second beyond 5 minutes old', headers: good(NOW - 301), reason: 'timestamp_too_old'},
        {what: 'stale: a day old', headers: good(NOW - 86_400), reason: 'timestamp_too_old'},
        {what: 'future: one second beyond 5 minutes ahead', headers: good(NOW + 301), reason: 'timestamp_too_new'},
        {what: 'timestamp 0', headers: good(0), reason: 'timestamp_too_old'},
        {what: 'timestamp in milliseconds (13 digits)', headers: {...good(), timestamp: String(NOW * 1000)}, reason: 'bad_timestamp'},
        {what: 'timestamp not a number', headers: {...good(), timestamp: 'yesterday'}, reason: 'bad_timestamp'},
        {what: 'timestamp with a fraction', headers: {...good(), timestamp: `${NOW}.5`}, reason: 'bad_timestamp'},
        {what: 'negative timestamp', headers: {...good(), timestamp: `-${NOW}`}, reason: 'bad_timestamp'},
        {what: 'timestamp as an ISO date', headers: {...good(), timestamp: new Date(NOW * 1000).toISOString()}, reason: 'bad_timestamp'},
        // Missing headers.
        {what: 'no webhook-id', headers: {timestamp: String(NOW), signature}, reason: 'missing_headers'},
        {what: 'no webhook-timestamp', headers: {id: ID, signature}, reason: 'missing_headers'},
        {what: 'no webhook-signature', headers: {id: ID, timestamp: String(NOW)}, reason: 'missing_headers'},
        {what: 'empty webhook-id', headers: {...good(), id: ''}, reason: 'missing_headers'},
        {what: 'empty webhook-signature', headers: {...good(), signature: ''}, reason: 'missing_headers'},
        {what: 'no headers at all', headers: {}, reason: 'missing_headers'},
        // Malformed signature lists.
        {what: '"v1," with nothing after it', headers: {...good(), signature: 'v1,'}, reason: 'no_matching_signature'},
        {what: 'not base64', headers: {...good(), signature: 'v1,%%%not-base64%%%'}, reason: 'no_matching_signature'},
        {what: 'no scheme, only the MAC', headers: {...good(), signature: mac}, reason: 'no_matching_signature'},
        {what: 'scheme and MAC separated by a space', headers: {...good(), signature: `v1 ${mac}`}, reason: 'no_matching_signature'},
        {what: 'entries separated by commas instead of spaces', headers: {...good(), signature: `v1,AAAA,${signature}`}, reason: 'no_matching_signature'},
        {what: 'the MAC truncated', headers: {...good(), signature: `v1,${mac.slice(0, 20)}`}, reason: 'no_matching_signature'},
        {what: 'the MAC as hex instead of base64', headers: {...good(), signature: `v1,${Buffer.from(mac, 'base64').toString('hex')}`}, reason: 'no_matching_signature'},
        {what: 'a very long garbage list', headers: {...good(), signature: Array.from({length: 200}, (_, i) => `v1,${'A'.repeat(i)}`).join(' ')}, reason: 'no_matching_signature'},
        // Other schemes carrying the right MAC.
        {what: 'v1a (the asymmetric scheme) with the right MAC', headers: {...good(), signature: `v1a,${mac}`}, reason: 'no_matching_signature'},
        {what: 'v2 with the right MAC', headers: {...good(), signature: `v2,${mac}`}, reason: 'no_matching_signature'},
        {what: 'upper-case V1 with the right MAC', headers: {...good(), signature: `V1,${mac}`}, reason: 'no_matching_signature'},
        {what: 'v0 and v2 entries, none v1', headers: {...good(), signature: `v0,${mac} v2,${mac}`}, reason: 'no_matching_signature'},
    ];

    test('refused: a table of failure cases, each with its reason', () => {
        for (const {what, secrets = [SECRET], headers, body = BODY, reason} of failures) {
            assert.equal(verify(secrets, headers, body, NOW), reason, what);
        }
    });

    test('checkHeaders (before the body is read): the same reason as verify for every header failure, and null for any signature list', () => {
        for (const {what, headers, reason} of failures) {
            assert.equal(checkHeaders(headers, NOW), reason === 'no_matching_signature' ? null : reason, what);
        }
        assert.equal(checkHeaders(good(), NOW), null);
        assert.equal(checkHeaders({...good(), signature: 'v1,not-checked-here'}, NOW), null, 'the signature itself needs the body and the secret');
    });

    test('rotation: any one matching v1 entry among several passes, against the current or the previous secret', () => {
        const byPrevious = sign(PREVIOUS, ID, NOW, BODY);
        const other = sign(generateSigningSecret(), ID, NOW, BODY);
        const cases: Array<{what: string; secrets: string[]; list: string; ok: boolean}> = [
            {what: 'current secret\'s entry first', secrets: [SECRET], list: `${signature} ${other}`, ok: true},
            {what: 'current secret\'s entry last', secrets: [SECRET], list: `${other} v1a,${mac} ${signature}`, ok: true},
            {what: 'extra spaces between entries', secrets: [SECRET], list: `  ${other}   ${signature}  `, ok: true},
            {what: 'sender still on the previous secret, bridge knows both', secrets: [SECRET, PREVIOUS], list: byPrevious, ok: true},
            {what: 'sender signs with both during rotation', secrets: [SECRET, PREVIOUS], list: `${byPrevious} ${signature}`, ok: true},
            {what: 'sender on the previous secret, bridge knows only the current one', secrets: [SECRET], list: byPrevious, ok: false},
            {what: 'several v1 entries, none by a known secret', secrets: [SECRET, PREVIOUS], list: `${other} ${sign(generateSigningSecret(), ID, NOW, BODY)}`, ok: false},
            {what: 'the right MAC only under another scheme next to a wrong v1', secrets: [SECRET], list: `v1a,${mac} ${other}`, ok: false},
        ];
        for (const {what, secrets, list, ok} of cases) {
            assert.equal(verify(secrets, {id: ID, timestamp: String(NOW), signature: list}, BODY, NOW), ok ? null : 'no_matching_signature', what);
        }
    });

    test('never throws, whatever the headers hold', () => {
        const odd = ['\u0000', 'v1,\u00ff\u00fe', ' ', 'v1,'.repeat(1000), '🙂', 'v1,==', 'v1,A'];
        for (const value of odd) {
            assert.doesNotThrow(() => verify([SECRET], {id: value, timestamp: String(NOW), signature: value}, BODY, NOW));
            assert.doesNotThrow(() => verify([SECRET], {id: ID, timestamp: value, signature: signature}, BODY, NOW));
        }
    });
});
