import {createHmac} from 'node:crypto';

import {constantTimeEqual} from './secret_box.js';

/**
 * The signature in the `context` of the root post's action buttons (DESIGN §10). Mattermost does
 * not sign the requests it sends to an action's integration URL, so the bridge signs what the
 * request must not be able to change — licence, conversation and action — with a per-integration
 * key: base64url HMAC-SHA256 of `ireserve-action.v1\n<licence>\n<conversation id>\n<action>`.
 * Changing any of them (another conversation, another action, another licence) breaks it.
 */
const DOMAIN = 'ireserve-action.v1';

export function signActionContext(key: string, fields: {licence: string; conversationId: string; action: string}): string {
    return createHmac('sha256', key).update(`${DOMAIN}\n${fields.licence}\n${fields.conversationId}\n${fields.action}`).digest('base64url');
}

/** Constant-time check of a context's `sig`. */
export function verifyActionContext(key: string, fields: {licence: string; conversationId: string; action: string}, sig: string): boolean {
    return constantTimeEqual(signActionContext(key, fields), sig);
}

/**
 * The signature in the `context` of the Test's action probe (admin/action_test.ts): base64url
 * HMAC-SHA256, under the same per-integration key, of `ireserve-action-probe.v1\n<licence>\n<nonce>`
 * — another domain, so a probe's signature is never a card button's and the other way round.
 */
const PROBE_DOMAIN = 'ireserve-action-probe.v1';

export function signProbeContext(key: string, fields: {licence: string; nonce: string}): string {
    return createHmac('sha256', key).update(`${PROBE_DOMAIN}\n${fields.licence}\n${fields.nonce}`).digest('base64url');
}

export function verifyProbeContext(key: string, fields: {licence: string; nonce: string}, sig: string): boolean {
    return constantTimeEqual(signProbeContext(key, fields), sig);
}
