import type {InboundCause} from '../../contract/admin_api.js';

/**
 * The inbound self-test's probe (webhook mode): the bot posts a message carrying a random nonce
 * in the mirror channel; Mattermost's outgoing webhook fires for the bot's own posts too
 * (MATTERMOST.md, pinned in test/e2e/mattermost_facts.test.ts), so the probe comes back to the
 * bridge's webhook route, whose token then tells whether the hook is set up right. The nonce
 * travels in the post's text, which the webhook call carries (`text`).
 */
const NONCE = /\birsv-probe-([0-9a-f]{24})\b/;

export function newProbeNonce(random: (bytes: number) => Buffer): string {
    return random(12).toString('hex');
}

/** The nonce in a webhook call's text, or null. */
export function probeNonceIn(text: string): string | null {
    return NONCE.exec(text)?.[1] ?? null;
}

export function probeMessage(nonce: string): string {
    return `:mag: Inbound self-test of the i-Reserve bridge (irsv-probe-${nonce}): checking that Mattermost's outgoing webhook reaches the bridge. This post is removed in a few seconds.`;
}

/** What came of a probe: the call arrived with this integration's token, another's, or one no integration holds. */
export type ProbeSighting = 'ok' | 'other_integration' | 'unknown_token';


/** Whether a host (name or IP literal) is loopback or private — what Mattermost calls "untrusted internal". */
export function isInternalHost(host: string): boolean {
    const h = host.replace(/^\[|\]$/g, '').toLowerCase();
    if (h === 'localhost' || h.endsWith('.localhost') || h === '::1' || h === '::' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80:')) {
        return true;
    }
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
    if (!m) {
        return false;
    }
    const [a, b] = [Number(m[1]), Number(m[2])];
    return a === 127 || a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
}

export interface SilenceContext {
    /** The inbound webhook URL the hook must call. */
    webhookUrl: string;
    /** Its host resolves to (or is) a loopback or private address. */
    internal: boolean;
    waitedMs: number;
}

/** The message for a probe that never came back, most likely cause first. */
export function silenceMessage(context: SilenceContext): {cause: InboundCause; message: string} {
    const host = new URL(context.webhookUrl).hostname;
    const seconds = Math.round(context.waitedMs / 100) / 10;
    const others = `the outgoing webhook has trigger words (it must have none, so that it fires on every post); its callback URL is not ${context.webhookUrl} or it is bound to another channel; it does not exist or outgoing webhooks are disabled (System Console → Integrations → Integration Management → Enable Outgoing Webhooks)`;
    if (context.internal) {
        return {
            cause: 'untrusted_address',
            message: `The probe was posted but no outgoing-webhook call reached the bridge within ${seconds} s. Most likely: the bridge's address ${host} is a loopback or private address, and Mattermost refuses to call those unless the host is listed in ServiceSettings.AllowedUntrustedInternalConnections (System Console → Environment → Developer → Allow untrusted internal connections to: add "${host}"). Otherwise: ${others}.`,
        };
    }
    return {
        cause: 'no_call',
        message: `The probe was posted but no outgoing-webhook call reached the bridge within ${seconds} s. Check, most likely first: ${others}; Mattermost cannot reach ${host} (firewall, DNS, TLS).`,
    };
}
