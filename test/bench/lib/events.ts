// i-Reserve's side of the event API, written independently of the bridge's code: Standard Webhooks
// signing (HMAC-SHA256 over "id.timestamp.body", `v1,<base64>`) and the event bodies.
import {createHmac, randomUUID} from 'node:crypto';

export function signatureHeaders(secret: string, id: string, body: string, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
    const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
    const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
    return {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestampSeconds),
        'webhook-signature': `v1,${mac}`,
    };
}

export interface SignedRequest {
    path: string;
    headers: Record<string, string>;
    body: string;
}

export function conversationId(run: string, n: number): string {
    return `${run}-c${String(n).padStart(6, '0')}`;
}

export function messageId(conversation: string, seq: number): string {
    return `${conversation}-m${String(seq).padStart(5, '0')}`;
}

export function startedEvent(conversation: string): unknown {
    return {
        type: 'conversation.started',
        data: {
            conversation_id: conversation,
            visitor: {name: `Visitor ${conversation}`, email: `${conversation}@guest.example`},
            page_url: 'https://park.example/booking/step-2',
            started_at: new Date().toISOString(),
            locale: 'en',
        },
    };
}

export function messageEvent(conversation: string, seq: number, text?: string): unknown {
    return {
        type: 'conversation.message',
        data: {
            conversation_id: conversation,
            message_id: messageId(conversation, seq),
            sender: {type: seq % 2 === 1 ? 'visitor' : 'agent', name: seq % 2 === 1 ? 'Visitor' : 'Anna Agent'},
            text: text ?? `message ${seq} of ${conversation}: is the cabin near the lake still free next week?`,
            sent_at: new Date().toISOString(),
        },
    };
}

/** A signed request for an event, with a fresh webhook-id unless one is given (retries keep theirs). */
export function signedEvent(licence: string, secret: string, event: unknown, webhookId: string = `msg_${randomUUID()}`): SignedRequest {
    const body = JSON.stringify(event);
    return {path: `/api/v1/licences/${encodeURIComponent(licence)}/events`, headers: signatureHeaders(secret, webhookId, body), body};
}

/** Re-signs with the current time (a retry after minutes would otherwise fall out of tolerance). */
export function resign(secret: string, request: SignedRequest): SignedRequest {
    return {...request, headers: signatureHeaders(secret, request.headers['webhook-id']!, request.body)};
}
