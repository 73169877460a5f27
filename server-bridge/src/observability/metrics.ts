import {Counter, Gauge, Histogram, Registry, collectDefaultMetrics} from 'prom-client';

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

    readonly outbox: Gauge<'direction' | 'status'>;

    constructor(options: {defaultMetrics?: boolean; outboxTotals?: () => Promise<Array<{direction: string; status: string; n: number}>>} = {}) {
        if (options.defaultMetrics !== false) {
            collectDefaultMetrics({register: this.registry, prefix: 'ireserve_bridge_'});
        }
        const totals = options.outboxTotals;
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
