import type {Post} from '@mattermost/types/posts';
import type {Logger} from 'pino';

import type {Clock} from '../ports/clock.js';
import type {NewPost} from '../ports/mattermost.js';
import type {MessagesRepository} from '../storage/messages_repository.js';
import type {Job} from '../storage/outbox_repository.js';

import type {BotSession} from './session.js';

/** Posts looked for when reconciling may have been made this long before the ledger says (clock skew). */
const RECONCILE_MARGIN_MS = 10 * 60_000;
/**
 * Ledger entries untouched this long are forgotten (checked at most hourly per licence). A job is
 * retried for a few hours at most; only a failed delivery replayed later than this, whose last
 * attempt had an unknown outcome, could post again.
 */
const LEDGER_RETENTION_MS = 14 * 24 * 3600_000;
const LEDGER_PRUNE_EVERY_MS = 3600_000;

/** What a post says. Given as a function (`ExactPost.content`), it is made only when the post must be created (uploads belong there). */
export type PostContent = Omit<NewPost, 'channel_id' | 'root_id' | 'pending_post_id'>;

/** Who posts: the bot of `session`, within one attempt of `job` (the outbox job that asked for the post). */
export interface PostScope {
    session: BotSession;
    job: Pick<Job, 'id' | 'createdAt' | 'attempts'>;
}

/** One post the bridge makes exactly once. */
export interface ExactPost {
    /**
     * Names the post within the licence: the same key is the same post, however often it is asked
     * for. It must not change across attempts (derive it from the job or the event, never the time).
     */
    key: string;
    channelId: string;
    /** The thread's root post for a reply; absent for a post at the channel's top level. */
    rootId?: string;
    content: PostContent | (() => Promise<PostContent>);
    /**
     * Recognises the post an earlier attempt may have made, among the bot's live posts of the
     * channel (or of the thread with `rootId`): usually by a prop of `props.ireserve` naming the
     * event, message or key.
     */
    matches: (post: Post) => boolean;
}

/** For `postForJob`: set when ledger entries under the job's keys were written or found (forget them on completion). */
export interface JobLedgerUse {
    used: boolean;
}

/**
 * The post ledger: every post the bridge makes as a bot — conversation roots, message parts,
 * notifications, direct messages, and any later note or reminder — is made exactly once as users
 * see it, across crashes, retries and replays of the job that asks for it.
 *
 * Contract:
 * - Idempotent: asking again for a key that is recorded returns the recorded post id without
 *   calling Mattermost.
 * - Every create carries `pending_post_id` = `pendingPostId` (stable across the job's attempts):
 *   Mattermost answers a repeat within its de-duplication window with the post it already made.
 * - Reconciles: a key that was started but never recorded (the process may have died between
 *   "posted" and "recorded", or Mattermost's answer was lost) is looked for before it is posted
 *   again: the bot's live posts of the thread (`rootId`) or of the channel since the first attempt
 *   (minus a clock-skew margin) that `matches`; a match is recorded and returned.
 * - Throws what the port throws (UpstreamError: the outbox retries or parks the job) and storage
 *   errors. After a failed create the key stays started, so the next attempt reconciles first.
 * Entries live in MessagesRepository's ledger (`kv`), per licence.
 */
export class PostLedger {
    readonly #deps: {messages: MessagesRepository; logger: Logger; clock: Clock};
    readonly #prunedAt = new Map<string, number>();
    /** Threads read while reconciling, per scope (one job attempt): several parts share one read. */
    readonly #threads = new WeakMap<PostScope, Map<string, Promise<Post[]>>>();

    constructor(deps: {messages: MessagesRepository; logger: Logger; clock: Clock}) {
        this.#deps = deps;
    }

    /**
     * Makes the post once; returns its id. The key is noted in the ledger before the post is
     * created and completed with its id after: the ledger alone is the record (use this for every
     * post that has no other record).
     */
    async post(scope: PostScope, request: ExactPost): Promise<string> {
        const {messages} = this.#deps;
        const {licence} = scope.session;
        const intent = await messages.intent(licence, request.key);
        if (intent?.postId) {
            return intent.postId;
        }
        let startedAt: number;
        if (intent) {
            startedAt = intent.startedAt;
            const found = await this.#find(scope, request, startedAt);
            if (found) {
                await messages.completeIntent(licence, request.key, found.id, startedAt);
                return found.id;
            }
        } else {
            startedAt = await messages.startIntent(licence, request.key);
        }
        const post = await this.#create(scope, request);
        await messages.completeIntent(licence, request.key, post.id, startedAt);
        return post.id;
    }

    /**
     * Makes the post once, with as few ledger writes as that allows, for a post whose key names its
     * job (only this job's attempts can have made it) and whose final record is written by the job
     * itself, in its completion (a message's parts: the message row). A first attempt with no entry
     * posts at once and writes nothing when it succeeds; any later attempt, or one that finds an
     * entry, looks for the post first. The ledger is written only when it must be: the post id of a
     * post that more posts of the job follow (`last` false), and a note before rethrowing when the
     * create failed (its outcome may be unknown, and a replay of a parked job counts attempts afresh).
     * `use.used` is set whenever an entry was written or found: the job forgets its keys on completion.
     */
    async postForJob(scope: PostScope, request: ExactPost, options: {last: boolean; use: JobLedgerUse}): Promise<string> {
        const {messages, clock} = this.#deps;
        const {licence} = scope.session;
        const {last, use} = options;
        const intent = await messages.intent(licence, request.key);
        if (intent) {
            use.used = true;
            if (intent.postId) {
                return intent.postId;
            }
        }
        if (intent || scope.job.attempts > 1) {
            const found = await this.#find(scope, request, intent?.startedAt);
            if (found) {
                if (!last) {
                    use.used = true;
                    await messages.completeIntent(licence, request.key, found.id, intent?.startedAt ?? clock.now());
                }
                return found.id;
            }
        }
        let post: Post;
        try {
            post = await this.#create(scope, request);
        } catch (error) {
            use.used = true;
            await messages.startIntent(licence, request.key).catch(() => undefined);
            throw error;
        }
        if (!last) {
            use.used = true;
            await messages.completeIntent(licence, request.key, post.id, intent?.startedAt ?? clock.now());
        }
        return post.id;
    }

    /** Forgets the entries whose keys start with `prefix` (once another record holds what they held). */
    async forget(licence: string, prefix: string): Promise<void> {
        await this.#deps.messages.forgetIntents(licence, prefix);
    }

    /**
     * Drops entries untouched for two weeks, at most hourly per licence (entries of posts with no
     * other record stay until then). Never throws: a failure is logged and tried again later.
     */
    async prune(licence: string): Promise<void> {
        const now = this.#deps.clock.now();
        if (now - (this.#prunedAt.get(licence) ?? 0) < LEDGER_PRUNE_EVERY_MS) {
            return;
        }
        this.#prunedAt.set(licence, now);
        try {
            await this.#deps.messages.forgetIntentsOlderThan(licence, LEDGER_RETENTION_MS);
        } catch (error) {
            this.#deps.logger.warn({err: error, licence}, 'pruning the post ledger failed; will try again later');
        }
    }

    /**
     * `<bot user id>:<job created at, ms>:<licence>:<ledger key>` — stable across retries of the same
     * post, unique across bots, licences and bridges. It starts like the web app's own
     * `<user id>:<timestamp>`; Mattermost treats it as an opaque key of its de-duplication cache.
     */
    async pendingPostId(scope: PostScope, key: string): Promise<string> {
        return `${await scope.session.botUserId()}:${scope.job.createdAt}:${scope.session.licence}:${key}`;
    }

    async #create(scope: PostScope, request: ExactPost): Promise<Post> {
        const content = typeof request.content === 'function' ? await request.content() : request.content;
        return scope.session.port.createPost({
            ...content,
            channel_id: request.channelId,
            ...(request.rootId ? {root_id: request.rootId} : {}),
            pending_post_id: await this.pendingPostId(scope, request.key),
        });
    }

    /** The post an earlier attempt made, if any (see the class comment). */
    async #find(scope: PostScope, request: ExactPost, startedAt: number | undefined): Promise<Post | undefined> {
        const {port} = scope.session;
        const rootId = request.rootId ?? '';
        let posts: Post[];
        if (rootId !== '') {
            let threads = this.#threads.get(scope);
            if (!threads) {
                threads = new Map();
                this.#threads.set(scope, threads);
            }
            let thread = threads.get(rootId);
            if (!thread) {
                thread = port.getPostThread(rootId).then(oldestFirst);
                threads.set(rootId, thread);
                thread.catch(() => threads.delete(rootId));
            }
            posts = await thread;
        } else {
            posts = oldestFirst(await port.getPostsSince(request.channelId, (startedAt ?? this.#deps.clock.now()) - RECONCILE_MARGIN_MS));
        }
        const bot = await scope.session.botUserId();
        const found = posts.find((post) => post.user_id === bot && post.delete_at === 0 && post.root_id === rootId && request.matches(post));
        if (found) {
            this.#deps.logger.info({licence: scope.session.licence, job: scope.job.id, post: found.id}, 'found the post of an earlier attempt; not posting again');
        }
        return found;
    }
}

function oldestFirst(list: {posts: Record<string, Post>}): Post[] {
    return Object.values(list.posts).sort((a, b) => a.create_at - b.create_at);
}
