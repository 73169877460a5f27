// Waiting for the outbox to empty, bounded, as the bridge itself reports it in /metrics.
import {outboxBacklog} from './clients.js';
import {sleep} from './processes.js';

/** Resolves with the time (ms since epoch) the backlog was first seen empty; throws after `timeoutMs`. */
export async function waitDrained(urls: () => readonly string[], timeoutMs: number, intervalMs = 100): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
        for (const url of urls()) {
            try {
                const backlog = await outboxBacklog(url);
                last = JSON.stringify(backlog);
                if (backlog.pending === 0 && backlog.inFlight === 0) {
                    return Date.now();
                }
                break;
            } catch (error) {
                last = (error as Error).message;
                // that process may be restarting: ask the next one
            }
        }
        if (Date.now() > deadline) {
            throw new Error(`the outbox did not drain within ${timeoutMs} ms (last: ${last})`);
        }
        await sleep(intervalMs);
    }
}
