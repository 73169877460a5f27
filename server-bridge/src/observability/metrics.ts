import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from 'prom-client';

/** Response times: 10 s to a day. */
const RESPONSE_BUCKETS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400];

/**
 * The bridge's Prometheus metrics, one registry per running bridge (tests start several).
 * Names are prefixed `ireserve_bridge_`.
 */
export class Metrics {
    readonly registry = new Registry();

    readonly eventsReceived = new Counter({
        name: 'ireserve_bridge_events_received_total',
        help: 'Signed i-Reserve events received, by type and result (accepted, duplicate, rejected).',
        labelNames: ['type', 'result'] as const,
        registers: [this.registry],
    });

    readonly deliveries = new Counter({
        name: 'ireserve_bridge_deliveries_total',
        help: 'Delivery attempts, by direction, job kind and result (delivered, retry, failed).',
        labelNames: ['direction', 'kind', 'result'] as const,
        registers: [this.registry],
    });

    readonly deliveryDuration = new Histogram({
        name: 'ireserve_bridge_delivery_duration_seconds',
        help: 'Time from a job being queued to its delivery.',
        labelNames: ['direction'] as const,
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        registers: [this.registry],
    });

    readonly inboundPosts = new Counter({
        name: 'ireserve_bridge_inbound_posts_total',
        help: 'Mattermost posts seen by the inbound relay, by source and decision.',
        labelNames: ['source', 'decision'] as const,
        registers: [this.registry],
    });

    /** Replies the webhook catch-up found and queued (their webhook call was lost or refused). */
    readonly inboundCaughtUp = new Counter({
        name: 'ireserve_bridge_inbound_caught_up_total',
        help: 'Agent replies relayed by the outgoing-webhook catch-up (read back over REST), by licence.',
        labelNames: ['licence'] as const,
        registers: [this.registry],
    });

    readonly actions = new Counter({
        name: 'ireserve_bridge_actions_total',
        help: 'Conversation actions (claim, assign, unassign, close, reopen) by way in (button, command) and result: queued, duplicate (a repeated click), refused_by_bridge, applied, refused (by i-Reserve), failed.',
        labelNames: ['action', 'via', 'result'] as const,
        registers: [this.registry],
    });

    readonly actionRefusals = new Counter({
        name: 'ireserve_bridge_action_refusals_total',
        help: 'Action and slash-command requests the bridge refused, by way in and reason (forged, invalid, not_a_member, state, ...).',
        labelNames: ['via', 'reason'] as const,
        registers: [this.registry],
    });

    readonly requestsRefused = new Counter({
        name: 'ireserve_bridge_requests_refused_total',
        help: 'HTTP requests answered 4xx, by route (pattern; "unmatched" for unknown paths) and reason (e.g. unauthorised, unknown_token, body_too_large).',
        labelNames: ['route', 'reason'] as const,
        registers: [this.registry],
    });

    /** DESIGN §11: from a conversation's first visitor message to its first agent answer. */
    readonly firstResponse = new Histogram({
        name: 'ireserve_bridge_first_response_seconds',
        help: 'Time from a conversation\'s first waiting guest message to the first agent answer (a reply relayed to the visitor, or an agent message from i-Reserve).',
        buckets: RESPONSE_BUCKETS,
        registers: [this.registry],
    });

    /** DESIGN §11: every waiting spell that an answer ended. */
    readonly response = new Histogram({
        name: 'ireserve_bridge_response_seconds',
        help: 'Time a guest waited for an answer, for every waiting spell an agent answer ended (closing ends a spell without counting here).',
        buckets: RESPONSE_BUCKETS,
        registers: [this.registry],
    });

    readonly outbox: Gauge<'direction' | 'status'>;
    readonly waiting: Gauge;
    readonly longestWait: Gauge;

    constructor(options: {
        defaultMetrics?: boolean;
        outboxTotals?: () => Promise<Array<{direction: string; status: string; n: number}>>;
        /** Waiting guests across licences: how many, and since when the longest waits (ms; null: none), at `now`. */
        waitingTotals?: () => Promise<{count: number; oldest: number | null; now: number}>;
    } = {}) {
        if (options.defaultMetrics !== false) {
            collectDefaultMetrics({register: this.registry, prefix: 'ireserve_bridge_'});
        }
        const totals = options.outboxTotals;
        const waitingTotals = options.waitingTotals;
        this.waiting = new Gauge({
            name: 'ireserve_bridge_conversations_waiting',
            help: 'Conversations whose guest waits for an answer now (DESIGN §11).',
            registers: [this.registry],
            async collect() {
                if (waitingTotals) {
                    this.set((await waitingTotals()).count);
                }
            },
        });
        this.longestWait = new Gauge({
            name: 'ireserve_bridge_longest_wait_seconds',
            help: 'How long the longest-waiting guest has waited for an answer so far (0 when nobody waits).',
            registers: [this.registry],
            async collect() {
                if (waitingTotals) {
                    const {oldest, now} = await waitingTotals();
                    this.set(oldest === null ? 0 : Math.max(0, (now - oldest) / 1000));
                }
            },
        });
        this.outbox = new Gauge({
            name: 'ireserve_bridge_outbox_jobs',
            help: 'Jobs in the outbox, by direction and status (pending, in_flight, failed).',
            labelNames: ['direction', 'status'] as const,
            registers: [this.registry],
            // Read at scrape time from the database, so every process reports the shared truth.
            async collect() {
                if (!totals) {
                    return;
                }
                this.reset();
                for (const row of await totals()) {
                    this.set({direction: row.direction, status: row.status}, row.n);
                }
            },
        });
    }
}
