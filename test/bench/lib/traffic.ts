// i-Reserve's traffic for delivery runs: each conversation is a chain (started, then messages
// 1..n), sent one event after the other as a chat produces them; many conversations at once.
// Events go round-robin to the given bridges (a load balancer in front of several processes).
import type {Pool} from 'undici';

import {conversationId, messageEvent, signedEvent, startedEvent} from './events.js';
import {pool, sendUntilStored, withConcurrency} from './load.js';

export interface TrafficPlan {
    run: string;
    licence: string;
    secret: string;
    conversations: number;
    messagesPerConversation: number;
    /** Chains running at once (default: all). */
    concurrency?: number;
    /** Awaited before each event (back-pressure). */
    beforeEach?: () => Promise<void>;
    /** Pause between two events of one conversation (default none). */
    gapMs?: number | (() => number);
}

export interface TrafficResult {
    expected: Map<string, number>;
    events: number;
    accepted: number;
    duplicates: number;
    retries: number;
    startedAt: number;
    finishedAt: number;
    /** When each message's event was stored (harness clock), by message id. */
    acceptedAt: Map<string, number>;
}

export function expectedOf(plan: Pick<TrafficPlan, 'run' | 'conversations' | 'messagesPerConversation'>): Map<string, number> {
    const expected = new Map<string, number>();
    for (let c = 0; c < plan.conversations; c++) {
        expected.set(conversationId(plan.run, c), plan.messagesPerConversation);
    }
    return expected;
}

export async function sendTraffic(urls: readonly string[], plan: TrafficPlan, connectionsPerBridge = 32): Promise<TrafficResult> {
    const pools: Pool[] = urls.map((url) => pool(url, connectionsPerBridge));
    const expected = expectedOf(plan);
    const acceptedAt = new Map<string, number>();
    let turn = 0;
    let accepted = 0;
    let duplicates = 0;
    let retries = 0;
    let events = 0;
    const startedAt = Date.now();
    const gap = typeof plan.gapMs === 'function' ? plan.gapMs : () => (plan.gapMs as number | undefined) ?? 0;
    try {
        await withConcurrency([...expected.keys()], plan.concurrency ?? expected.size, async (conversation) => {
            for (let seq = 0; seq <= plan.messagesPerConversation; seq++) {
                await plan.beforeEach?.();
                const event = seq === 0 ? startedEvent(conversation) : messageEvent(conversation, seq);
                const client = pools[turn++ % pools.length]!;
                const outcome = await sendUntilStored(client, plan.secret, signedEvent(plan.licence, plan.secret, event));
                events += 1;
                retries += outcome.attempts - 1;
                if (outcome.status === 202) {
                    accepted += 1;
                } else {
                    duplicates += 1;
                }
                if (seq > 0) {
                    acceptedAt.set(`${conversation}-m${String(seq).padStart(5, '0')}`, outcome.acceptedAt);
                }
                const pause = gap();
                if (pause > 0) {
                    await new Promise((resolve) => setTimeout(resolve, pause));
                }
            }
        });
    } finally {
        await Promise.all(pools.map((p) => p.close()));
    }
    return {expected, events, accepted, duplicates, retries, startedAt, finishedAt: Date.now(), acceptedAt};
}
