import type {Transaction} from 'kysely';

import type {Clock} from '../ports/clock.js';

import type {Db} from './database.js';
import type {Database} from './schema.js';

type Executor = Db | Transaction<Database>;

export interface RelayedReply {
    postId: string;
    conversationId: string;
    /** The post's `edit_at` last relayed (0: as first posted). */
    editAt: number;
    deletedAt: number | null;
}

/**
 * The agents' posts the inbound relay sent to i-Reserve (DESIGN §12), per licence: only their
 * edits and deletions are relayed. Written in the transaction that queues the callback, so a
 * row exists exactly when its callback job does. Every query takes the licence.
 */
export class RelayedRepliesRepository {
    constructor(private readonly db: Db, private readonly clock: Clock) {}

    /** Notes a relayed post (kept if already noted). */
    async record(licence: string, postId: string, conversationId: string, editAt: number, executor: Executor = this.db): Promise<void> {
        await executor.insertInto('relayed_replies')
            .values({licence, post_id: postId, conversation_id: conversationId, edit_at: editAt, deleted_at: null, created_at: this.clock.now()})
            .onConflict((oc) => oc.columns(['licence', 'post_id']).doNothing())
            .execute();
    }

    async get(licence: string, postId: string, executor: Executor = this.db): Promise<RelayedReply | undefined> {
        const row = await executor.selectFrom('relayed_replies').selectAll()
            .where('licence', '=', licence).where('post_id', '=', postId).executeTakeFirst();
        return row ? {postId: row.post_id, conversationId: row.conversation_id, editAt: Number(row.edit_at), deletedAt: row.deleted_at === null ? null : Number(row.deleted_at)} : undefined;
    }

    /** Moves the relayed edit forward to `editAt`; false when it is not newer, or the post's deletion was relayed (atomic). */
    async advanceEdit(licence: string, postId: string, editAt: number, executor: Executor = this.db): Promise<boolean> {
        const result = await executor.updateTable('relayed_replies').set({edit_at: editAt})
            .where('licence', '=', licence).where('post_id', '=', postId)
            .where('edit_at', '<', editAt).where('deleted_at', 'is', null)
            .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
    }

    /** Marks the post deleted; false when it already was (atomic). */
    async markDeleted(licence: string, postId: string, executor: Executor = this.db): Promise<boolean> {
        const result = await executor.updateTable('relayed_replies').set({deleted_at: this.clock.now()})
            .where('licence', '=', licence).where('post_id', '=', postId).where('deleted_at', 'is', null)
            .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1;
    }
}
