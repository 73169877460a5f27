// The inbound half of the chaos run: agents reply in the conversation threads (as Mattermost posts)
// while the bridge relays each reply to an i-Reserve stand-in (in this process), whose callback
// endpoint goes down for a while. Full mode uses the websocket inbound mode (it re-syncs over REST
// after a gap, so replies made while the bridge is down are not lost); quick mode uses the outgoing
// webhook and replies only after the SIGKILL phase and outside the 429 storm (Mattermost does not
// retry an outgoing webhook call, so a reply made while the bridge is down is lost in that mode — a
// property of Mattermost; quick mode proves the harness, full mode is the real test).
import {randomBytes} from 'node:crypto';

import {IReserveStandIn, type Endpoint} from '../../standins/ireserve/index.js';
import type {StandInControl} from '../lib/clients.js';
import type {BenchContext} from '../lib/context.js';
import {sleep, type BridgeProcess, type StandInInfo} from '../lib/processes.js';

export interface InboundResult {
    correct: boolean;
    lost: number;
    duplicated: number;
    outOfOrder: number;
    summary: Record<string, unknown>;
    /** Latest first delivery of the replies posted before `moment` (or `moment`). */
    deliveredAfter(moment: number): number;
}

export interface InboundChaos {
    available: boolean;
    reason: string;
    mode: 'outgoing_webhook' | 'websocket';
    integrationSettings: {inboundMode?: 'outgoing_webhook' | 'websocket'; callbackUrl?: string | null; outgoingWebhookToken?: string};
    setSecret(secret: string): void;
    /** Posts `count` agent replies at random moments in [fromMs, toMs) after t0, not while `paused()`. */
    replyDuring(t0: number, fromMs: number, toMs: number, count: number, conversationPrefix: string, paused: () => boolean): Promise<void>;
    outage(ms: number): Promise<void>;
    waitDelivered(timeoutMs: number): Promise<void>;
    verify(): Promise<InboundResult>;
    close(): Promise<void>;
}

interface Reply {
    postId: string;
    conversation: string;
    seq: number;
    postedAt: number;
}

export async function inboundChaos(ctx: BenchContext, standIn: StandInInfo, control: StandInControl, bridge: BridgeProcess): Promise<InboundChaos> {
    const mode = ctx.quick ? 'outgoing_webhook' : 'websocket';
    const ireserve = await IReserveStandIn.start();
    const endpoint: Endpoint = ireserve.endpoint('chaos', {secret: `whsec_${randomBytes(32).toString('base64')}`});
    let token: string | undefined;
    if (mode === 'outgoing_webhook') {
        token = randomBytes(13).toString('hex');
        await control.createOutgoingWebhook({
            channel_id: standIn.seed.channel.id,
            callback_urls: [`${bridge.url}/api/v1/mattermost/outgoing-webhook`],
            content_type: 'application/json',
            token,
        });
    }
    const replies: Reply[] = [];
    const firstAccepted = (): Map<string, {at: number; webhookIds: Set<string>}> => {
        const out = new Map<string, {at: number; webhookIds: Set<string>}>();
        for (const record of endpoint.accepted()) {
            const data = (record.json as {data?: {reply_id?: string}} | undefined)?.data;
            const id = data?.reply_id;
            if (!id) {
                continue;
            }
            const entry = out.get(id) ?? {at: record.at, webhookIds: new Set<string>()};
            entry.at = Math.min(entry.at, record.at);
            entry.webhookIds.add(record.webhookId);
            out.set(id, entry);
        }
        return out;
    };
    return {
        available: true,
        reason: '',
        mode,
        integrationSettings: {inboundMode: mode, callbackUrl: endpoint.url, ...(token ? {outgoingWebhookToken: token} : {})},
        setSecret(secret) {
            endpoint.secret = secret;
        },
        async replyDuring(t0, fromMs, toMs, count, prefix, paused) {
            const moments = Array.from({length: count}, () => fromMs + Math.random() * (toMs - fromMs)).sort((a, b) => a - b);
            const roots = new Map<string, string>(); // conversation → root post id
            const seqs = new Map<string, number>();
            let refreshedAt = 0;
            let lastPostedAt = 0;
            for (const moment of moments) {
                await sleep(Math.max(0, t0 + moment - Date.now()));
                while (paused()) {
                    await sleep(200);
                }
                // Agents type: no burst of replies after a pause (two replies to one thread within one
                // Mattermost round trip may reach the bridge in either order — see BENCHMARKS.md).
                await sleep(Math.max(0, lastPostedAt + 400 - Date.now()));
                if (Date.now() - refreshedAt > 2000) {
                    for (const post of await control.posts()) {
                        const conversation = (post.props?.ireserve as {conversation_id?: string} | undefined)?.conversation_id;
                        if (post.root_id === '' && conversation?.startsWith(prefix) && !roots.has(conversation)) {
                            roots.set(conversation, post.id);
                        }
                    }
                    refreshedAt = Date.now();
                }
                const known = [...roots.keys()];
                if (known.length === 0) {
                    continue;
                }
                const conversation = known[Math.floor(Math.random() * known.length)]!;
                const seq = (seqs.get(conversation) ?? 0) + 1;
                seqs.set(conversation, seq);
                const post = await control.createPost(standIn.seed.agent.user.id, {
                    channel_id: standIn.seed.channel.id,
                    root_id: roots.get(conversation)!,
                    message: `reply ${seq} from the agent in ${conversation}: the cabin is free, shall I book it?`,
                });
                lastPostedAt = Date.now();
                replies.push({postId: post.id, conversation, seq, postedAt: lastPostedAt});
            }
        },
        async outage(ms) {
            endpoint.down();
            await sleep(ms);
            endpoint.up();
        },
        async waitDelivered(timeoutMs) {
            const deadline = Date.now() + timeoutMs;
            while (Date.now() < deadline) {
                const got = firstAccepted();
                if (replies.every((r) => got.has(r.postId))) {
                    return;
                }
                await sleep(250);
            }
        },
        async verify() {
            const got = firstAccepted();
            let lost = 0;
            let duplicated = 0;
            let outOfOrder = 0;
            const examples: string[] = [];
            const byConversation = new Map<string, Array<{seq: number; at: number}>>();
            for (const reply of replies) {
                const entry = got.get(reply.postId);
                if (!entry) {
                    lost += 1;
                    if (examples.length < 5) {
                        examples.push(`lost: reply ${reply.seq} in ${reply.conversation}`);
                    }
                    continue;
                }
                duplicated += entry.webhookIds.size - 1;
                byConversation.set(reply.conversation, [...(byConversation.get(reply.conversation) ?? []), {seq: reply.seq, at: entry.at}]);
            }
            for (const [conversation, list] of byConversation) {
                list.sort((a, b) => a.at - b.at || a.seq - b.seq);
                let max = 0;
                for (const item of list) {
                    if (item.seq < max) {
                        outOfOrder += 1;
                        if (examples.length < 5) {
                            examples.push(`out of order: reply ${item.seq} after ${max} in ${conversation}`);
                        }
                    }
                    max = Math.max(max, item.seq);
                }
            }
            const calls = endpoint.calls();
            return {
                correct: lost === 0 && duplicated === 0 && outOfOrder === 0,
                lost,
                duplicated,
                outOfOrder,
                summary: {
                    mode, replies: replies.length, delivered: replies.length - lost, lost, duplicated, out_of_order: outOfOrder,
                    callback_calls: calls.length, unverified_calls: calls.filter((c) => !c.verified).length,
                    repeated_webhook_ids: endpoint.accepted().filter((c) => c.duplicate).length, examples,
                },
                deliveredAfter(moment) {
                    let latest = moment;
                    for (const reply of replies) {
                        if (reply.postedAt <= moment) {
                            latest = Math.max(latest, got.get(reply.postId)?.at ?? Number.POSITIVE_INFINITY);
                        }
                    }
                    return latest;
                },
            };
        },
        async close() {
            await ireserve.close();
        },
    };
}
