// The inbound half of the chaos run: agents reply in the conversation threads while the bridge
// relays the replies to an i-Reserve stand-in, whose callback endpoint goes down for a while.
// Available only once the inbound relay (issue 4) and the i-Reserve stand-in exist.
import {existsSync} from 'node:fs';
import path from 'node:path';

import type {StandInControl} from '../lib/clients.js';
import type {BenchContext} from '../lib/context.js';
import {TEST_DIR, type BridgeProcess, type StandInInfo} from '../lib/processes.js';

export interface InboundResult {
    correct: boolean;
    lost: number;
    duplicated: number;
    outOfOrder: number;
    summary: Record<string, unknown>;
    /** Latest delivery time of the replies posted before `moment`. */
    deliveredAfter(moment: number): number;
}

export interface InboundChaos {
    available: boolean;
    reason: string;
    integrationSettings: {inboundMode?: 'outgoing_webhook' | 'websocket'; callbackUrl?: string | null; outgoingWebhookToken?: string};
    replyDuring(t0: number, spanMs: number, run: string, conversations: number): Promise<void>;
    outage(ms: number): Promise<void>;
    waitDelivered(timeoutMs: number): Promise<void>;
    verify(): Promise<InboundResult>;
    close(): Promise<void>;
}

export async function inboundChaos(_ctx: BenchContext, _standIn: StandInInfo, _control: StandInControl, _bridge: BridgeProcess): Promise<InboundChaos> {
    const standInDir = path.join(TEST_DIR, 'standins/ireserve');
    const reason = existsSync(standInDir)
        ? 'the i-Reserve stand-in exists but the harness does not drive it yet'
        : 'the inbound relay and the i-Reserve stand-in (issue 4) are not in the repository yet';
    return {
        available: false,
        reason,
        integrationSettings: {},
        replyDuring: async () => undefined,
        outage: async () => undefined,
        waitDelivered: async () => undefined,
        verify: async () => {
            throw new Error('inbound chaos is not available');
        },
        close: async () => undefined,
    };
}
