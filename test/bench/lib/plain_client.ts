// The delivery scenario's reference (issue 20): what a plain client gets from the same Mattermost
// stand-in, at the same latency and number of requests in flight, on the same machine in the same
// run — `concurrency` loops, each POSTing a thread-sized post over kept-alive undici connections
// and reading the answer, nothing else. The bridge's rate over this one says how much of what the
// stand-in and the machine allow the bridge reaches, whatever else loads the machine at the time.
import {Agent, request} from 'undici';

import type {StandInInfo} from './processes.js';
import {percentileSorted, round} from './stats.js';

export interface PlainClientResult {
    posts: number;
    rate_per_s: number;
    round_trip_mean_ms: number;
    round_trip_p50_ms: number;
}

/** Posts to the stand-in's channel for `durationMs` with `concurrency` requests in flight. */
export async function plainClient(standIn: StandInInfo, concurrency: number, durationMs: number): Promise<PlainClientResult> {
    const agent = new Agent();
    const rtts: number[] = [];
    const message = 'x'.repeat(200);
    const startedAt = performance.now();
    const end = startedAt + durationMs;
    try {
        await Promise.all(Array.from({length: concurrency}, async (_, loop) => {
            for (let n = 0; performance.now() < end; n++) {
                const sentAt = performance.now();
                const answer = await request(`${standIn.url}/api/v4/posts`, {
                    method: 'POST',
                    dispatcher: agent,
                    headers: {'content-type': 'application/json', authorization: `Bearer ${standIn.seed.bot.token}`},
                    body: JSON.stringify({channel_id: standIn.seed.channel.id, message: `${message} ${loop}/${n}`, pending_post_id: `plain-client:${loop}:${n}`, props: {bench: {loop, n}}}),
                });
                await answer.body.text();
                if (answer.statusCode !== 201) {
                    throw new Error(`the stand-in answered the plain client's post with ${answer.statusCode}`);
                }
                rtts.push(performance.now() - sentAt);
            }
        }));
    } finally {
        await agent.close();
    }
    const wallMs = performance.now() - startedAt;
    rtts.sort((a, b) => a - b);
    return {
        posts: rtts.length,
        rate_per_s: round((rtts.length / wallMs) * 1000, 0),
        round_trip_mean_ms: round(rtts.reduce((a, b) => a + b, 0) / rtts.length),
        round_trip_p50_ms: round(percentileSorted(rtts, 50)),
    };
}
