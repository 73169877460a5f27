import {conversationChannels, type Integration} from '../domain/integration.js';
import type {MattermostPort} from '../ports/mattermost.js';
import {catchUpMarkKey, KEY_CATCH_UP_LEASE} from '../storage/inbound_state_repository.js';

import {readChannelChanges} from './channel_posts.js';
import type {InboundDeps, InboundRelay} from './relay.js';

export interface CatchUpOptions {
    /** How often every active outgoing-webhook integration is caught up (config `inbound.catchUpIntervalMs`). */
    intervalMs: number;
    /** This process, as the catch-up lease names it. */
    owner: string;
    /**
     * Channels are read from their mark minus this: posts committed out of `create_at` order by
     * Mattermost, and the bridge's clock for a channel's first read (same margin as the websocket re-sync).
     */
    skewMarginMs?: number;
    /** How long a webhook call waits behind a catch-up of its licence under way in this process. */
    holdMs?: number;
}

/**
 * Batches (pages of ~200 posts) one run reads of a channel at most: a backlog bigger than that is
 * caught up over several rounds, the mark moving after each batch, so a run stays short (the lease,
 * webhook calls held behind it) and every round makes progress.
 */
const MAX_BATCHES_PER_RUN = 50;

/** A channel never read before is read back at most this far (inside the 14 days the outbox remembers relayed posts). */
const FIRST_READ_MAX_MS = 7 * 24 * 3600_000;

/**
 * Outgoing-webhook mode without lost replies. Mattermost calls the webhook once and never again: a
 * call made while the bridge was down, or refused (wrong token, database trouble), loses the reply.
 * So the integration's channels (`conversationChannels`: the configured one and every route's, plus
 * any other channel a conversation still lives in) are read back over REST (channel_posts.ts,
 * the websocket re-sync's reader) and every post found goes through the relay like a webhook call —
 * same screening, notes, trigger rules and author mapping (`acceptPost`).
 *
 * - Once: the reply job's dedupe key `post:<id>` (whichever of webhook, catch-up or another
 *   process comes first); posts already queued are skipped before any REST call.
 * - In order: a channel's posts are relayed oldest first, one at a time, behind any of its posts
 *   still waiting in a resolve job; webhook calls of a licence wait (at most `holdMs`) while its
 *   catch-up runs in this process, and at start until the first round is done.
 * - Nothing skipped: each channel has a high-water mark in `kv` (how far the channel was read),
 *   moved after each batch of the reader, once every post up to it is queued or decided; the next
 *   read starts at the mark minus `skewMarginMs`. A busy channel (more than the reader's `since`
 *   answer holds) is read forward from the mark itself, at most MAX_BATCHES_PER_RUN pages a run: a
 *   backlog of any size is caught up over several rounds, oldest first, never re-read from the
 *   start. In that mode the margin does not apply: a post Mattermost commits after later-created
 *   ones were read past it is not seen — a rare late commit traded for progress (an operator
 *   expects a busy channel to be caught up, not re-read forever). A channel never read starts at the integration's creation or its first
 *   conversation there, whichever is later (at most FIRST_READ_MAX_MS back).
 * - When: at start, every `intervalMs`, and right after a refused webhook call (`request`). The
 *   periodic round runs in one process per licence (a lease in `kv`, renewed each round, given up at
 *   stop); correctness never depends on it.
 */
export class WebhookCatchUp {
    readonly #deps: () => InboundDeps;
    readonly #relay: InboundRelay;
    readonly #intervalMs: number;
    readonly #owner: string;
    readonly #skewMarginMs: number;
    readonly #holdMs: number;
    #timer: NodeJS.Timeout | undefined;
    #stopped = true;
    /** The first round after start; webhook calls wait for it (bounded). */
    #firstRound: Promise<void> = Promise.resolve();
    readonly #running = new Map<string, Promise<void>>();
    readonly #again = new Set<string>();
    /** Licences whose periodic lease this process holds. */
    readonly #leased = new Set<string>();

    constructor(deps: () => InboundDeps, relay: InboundRelay, options: CatchUpOptions) {
        this.#deps = deps;
        this.#relay = relay;
        this.#intervalMs = options.intervalMs;
        this.#owner = options.owner;
        this.#skewMarginMs = options.skewMarginMs ?? 5 * 60_000;
        this.#holdMs = options.holdMs ?? 10_000;
    }

    /** A first round now, then one every `intervalMs`. */
    start(): void {
        this.#stopped = false;
        this.#firstRound = this.#round();
        this.#timer = setInterval(() => void this.#round(), this.#intervalMs);
        this.#timer.unref();
    }

    /** Lets runs under way finish and gives up the leases. */
    async stop(): Promise<void> {
        this.#stopped = true;
        clearInterval(this.#timer);
        await this.#firstRound;
        await Promise.allSettled([...this.#running.values()]);
        const {inboundState} = this.#deps();
        for (const licence of this.#leased) {
            await inboundState.releaseLease(licence, KEY_CATCH_UP_LEASE, this.#owner).catch(() => undefined);
        }
        this.#leased.clear();
    }

    /**
     * Resolves once no catch-up of the licence is under way in this process (nor the first round
     * after start), or after `holdMs`: a webhook call waits here so it does not overtake the replies
     * the catch-up is about to relay.
     */
    async settled(licence: string): Promise<void> {
        let timer: NodeJS.Timeout | undefined;
        const hold = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, this.#holdMs);
        });
        try {
            await Promise.race([Promise.all([this.#firstRound, this.#running.get(licence)]), hold]);
        } finally {
            clearTimeout(timer);
        }
    }

    /** Asks for a catch-up of the licence now, whoever holds the lease (a webhook call was refused). */
    request(licence: string): void {
        if (!this.#stopped) {
            void this.run(licence);
        }
    }

    /**
     * Catches the licence up now. A call while a run is under way makes that run go once more (what
     * was refused meanwhile may not be in its reads) and resolves with it. Never rejects.
     */
    run(licence: string): Promise<void> {
        const running = this.#running.get(licence);
        if (running) {
            this.#again.add(licence);
            return running;
        }
        const run = (async () => {
            try {
                do {
                    this.#again.delete(licence);
                    await this.#catchUp(licence);
                } while (this.#again.has(licence) && !this.#stopped);
            } finally {
                this.#running.delete(licence);
            }
        })();
        this.#running.set(licence, run);
        return run;
    }

    /** Every active outgoing-webhook integration whose lease this process holds or takes. Never rejects. */
    async #round(): Promise<void> {
        const deps = this.#deps();
        try {
            const licences = await deps.integrations.listLicences({active: true});
            for (const licence of licences) {
                if (this.#stopped) {
                    return;
                }
                const integration = await deps.integrations.get(licence);
                if (!integration || integration.inboundMode !== 'outgoing_webhook') {
                    continue;
                }
                // Renewed every round: held as long as this process keeps catching up, taken over after 1.5 rounds.
                if (await deps.inboundState.tryLease(licence, KEY_CATCH_UP_LEASE, this.#owner, Math.ceil(this.#intervalMs * 1.5))) {
                    this.#leased.add(licence);
                    await this.run(licence);
                } else {
                    this.#leased.delete(licence);
                }
            }
        } catch (error) {
            deps.logger.warn({err: error}, 'webhook catch-up round failed; the next round tries again');
        }
    }

    async #catchUp(licence: string): Promise<void> {
        const deps = this.#deps();
        try {
            const integration = await deps.integrations.get(licence);
            if (!integration?.active || integration.inboundMode !== 'outgoing_webhook') {
                return;
            }
            const {port} = deps.sessions.of(integration);
            // The configured and route channels, then any other channel conversations still live in
            // (a route removed since, an earlier default channel). A channel without conversations
            // has nothing to catch up before now.
            const now = deps.clock.now();
            const channels = conversationChannels(integration).map(({channelId}) => ({channelId, firstAt: now}));
            for (const held of await deps.conversations.listChannels(licence)) {
                const known = channels.find((channel) => channel.channelId === held.channelId);
                if (known) {
                    known.firstAt = held.firstAt;
                } else {
                    channels.push(held);
                }
            }
            for (const channel of channels) {
                if (this.#stopped) {
                    return;
                }
                try {
                    await this.#catchUpChannel(integration, port, channel);
                } catch (error) {
                    // This channel's mark stays where it was; the other channels go on.
                    deps.logger.warn({err: error, licence, channel: channel.channelId}, 'webhook catch-up failed for a channel; the next round tries again');
                }
            }
        } catch (error) {
            // Mattermost or the database in trouble: nothing moved past what was not handled; the next round reads it again.
            deps.logger.warn({err: error, licence}, 'webhook catch-up failed; the next round tries again');
        }
    }

    async #catchUpChannel(integration: Integration, port: MattermostPort, channel: {channelId: string; firstAt: number}): Promise<void> {
        const deps = this.#deps();
        const {licence} = integration;
        const key = catchUpMarkKey(channel.channelId);
        const stored = await deps.inboundState.get(licence, key);
        const from = stored !== undefined
            ? Number(stored)
            : Math.max(integration.createdAt, channel.firstAt, deps.clock.now() - FIRST_READ_MAX_MS);
        if (stored === undefined) {
            // Where this channel's reading starts, kept even when nothing is found (a later round
            // would otherwise start later).
            await deps.inboundState.advance(licence, key, from);
        }
        const since = Math.max(1, from - this.#skewMarginMs);
        const caught: string[] = [];
        try {
            let batches = 0;
            for await (const {replies, throughAt} of readChannelChanges(port, channel.channelId, since, from)) {
                for (const post of replies) {
                    if (post.create_at <= since || post.delete_at !== 0) {
                        continue; // an older post edited since, or a deleted one: not a reply that was missed
                    }
                    // Relayed already (or waiting for a look): no REST call, no count. Edits and deletions of
                    // relayed replies are not followed in this mode (outgoing webhooks never report them).
                    if (await deps.outbox.statusOf(licence, `post:${post.id}`) !== undefined || await deps.outbox.statusOf(licence, `resolve:${post.id}`) !== undefined) {
                        continue;
                    }
                    const outcome = await this.#relay.acceptPost(integration, post, 'catch_up');
                    if (outcome === 'queued' || outcome === 'deferred') {
                        caught.push(post.id);
                    }
                }
                // Everything up to here is queued or decided: the mark moves, whatever comes next.
                await deps.inboundState.advance(licence, key, Math.max(from, throughAt));
                batches += 1;
                if (batches >= MAX_BATCHES_PER_RUN || this.#stopped) {
                    deps.logger.info({licence, channel: channel.channelId}, 'webhook catch-up read its share of a busy channel; the next round goes on from its mark');
                    break;
                }
            }
        } finally {
            // Counted and logged also when a later page failed: those replies are queued.
            if (caught.length > 0) {
                deps.metrics.inboundCaughtUp.inc({licence}, caught.length);
                deps.logger.info({licence, channel: channel.channelId, posts: caught}, 'webhook catch-up relayed replies whose outgoing-webhook call never arrived');
            }
        }
    }
}
