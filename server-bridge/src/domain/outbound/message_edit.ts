import {IRESERVE_PROPS_KEY, PROPS_VERSION, SENDER_TYPES, type ConversationMessageProps, type SenderType} from '../../contract/index.js';

import {isTextPost, senderLabel, textPosts} from './post_formats.js';

/**
 * How an edit of a delivered message changes its posts (DESIGN §12). Pure: it reads the posts as
 * Mattermost has them now and the new text, and says what to patch, add and remove. Planning again
 * from the posts an interrupted run left gives the rest of the same plan, so a retry converges.
 *
 * Layout rules (the same as a message posted with that text, as far as posts can be moved):
 * - the i-th piece of the re-split text goes to the i-th post that carries text; the post that
 *   carries the first files keeps them and gets the last piece (text, then files, as when posted);
 * - text posts no longer needed are removed; files-only posts stay as they are;
 * - more pieces than text posts → new posts after the message's posts (Mattermost orders a thread
 *   by creation time, so they land at the end of the thread), headed "continued (k/n)";
 * - `part`/`parts` in `props.ireserve` follow the final order; `edited_at` marks every post.
 */
export interface PostedPart {
    id: string;
    message: string;
    fileIds: readonly string[];
    props: Record<string, unknown>;
}

export interface EditPlan {
    /** Posts to change, in thread order: the full props map (a patch replaces it) and the message. */
    patch: Array<{postId: string; message: string; props: Record<string, unknown>}>;
    /** New posts, in order, after the message's last post. */
    add: Array<{part: number; message: string; props: {[IRESERVE_PROPS_KEY]: ConversationMessageProps}}>;
    remove: string[];
    /** The message's posts afterwards, in order: an existing post id, or the index into `add`. */
    order: Array<{postId: string} | {add: number}>;
}

/** `props.ireserve` of one of the message's posts, when it is one (null otherwise). */
export function messagePropsOf(props: Record<string, unknown>): ConversationMessageProps | null {
    const value = props[IRESERVE_PROPS_KEY];
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
        return null;
    }
    const ireserve = value as Record<string, unknown>;
    if (typeof ireserve.message_id !== 'string' || typeof ireserve.sender_name !== 'string'
        || !(SENDER_TYPES as readonly unknown[]).includes(ireserve.sender_type)) {
        return null;
    }
    return ireserve as unknown as ConversationMessageProps;
}

/** `posted`: the message's live posts in order (at least one); `text` must not be blank. */
export function planMessageEdit(posted: readonly PostedPart[], text: string, editedAt: string | undefined): EditPlan {
    const first = posted.map((post) => messagePropsOf(post.props)).find((props) => props !== null);
    if (!first) {
        throw new Error('planMessageEdit: none of the posts carries the message props');
    }
    const sender = senderLabel(first.sender_name, first.sender_type as SenderType);
    const drafts = textPosts(sender, text);
    let slots = posted.filter((post) => isTextPost(sender, post.message));
    if (slots.length === 0) {
        // Sent as files only: the first files post takes the text, as if the message had been sent with it.
        slots = posted.slice(0, 1);
    }
    const assigned = new Map<string, string>();
    const remove: string[] = [];
    const last = slots[slots.length - 1]!;
    const carrier = last.fileIds.length > 0 ? last : undefined;
    if (drafts.length <= slots.length) {
        if (carrier) {
            drafts.slice(0, -1).forEach((draft, index) => assigned.set(slots[index]!.id, draft));
            assigned.set(carrier.id, drafts[drafts.length - 1]!);
            remove.push(...slots.slice(drafts.length - 1, -1).map((post) => post.id));
        } else {
            drafts.forEach((draft, index) => assigned.set(slots[index]!.id, draft));
            remove.push(...slots.slice(drafts.length).map((post) => post.id));
        }
    } else {
        slots.forEach((post, index) => assigned.set(post.id, drafts[index]!));
    }
    const extra = drafts.slice(slots.length);
    const kept = posted.filter((post) => !remove.includes(post.id));
    const total = kept.length + extra.length;
    const ireserveFor = (base: ConversationMessageProps, part: number): ConversationMessageProps => {
        const next: ConversationMessageProps = {...base};
        delete next.part;
        delete next.parts;
        delete next.edited_at;
        if (total > 1) {
            next.part = part;
            next.parts = total;
        }
        if (editedAt) {
            next.edited_at = editedAt;
        }
        return next;
    };
    const patch: EditPlan['patch'] = [];
    kept.forEach((post, index) => {
        const message = assigned.get(post.id) ?? post.message;
        const ireserve = ireserveFor(messagePropsOf(post.props) ?? first, index + 1);
        if (message !== post.message || !sameJson(ireserve, post.props[IRESERVE_PROPS_KEY])) {
            patch.push({postId: post.id, message, props: {...post.props, [IRESERVE_PROPS_KEY]: ireserve}});
        }
    });
    const base: ConversationMessageProps = {
        v: PROPS_VERSION, message_id: first.message_id, sender_type: first.sender_type, sender_name: first.sender_name,
        ...(first.sent_at ? {sent_at: first.sent_at} : {}),
    };
    const add = extra.map((message, index) => ({part: kept.length + index + 1, message, props: {[IRESERVE_PROPS_KEY]: ireserveFor(base, kept.length + index + 1)}}));
    return {
        patch,
        add,
        remove,
        order: [...kept.map((post) => ({postId: post.id})), ...add.map((_add, index) => ({add: index}))],
    };
}

/** Structural equality of JSON values, whatever the key order. */
function sameJson(a: unknown, b: unknown): boolean {
    return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
    if (Array.isArray(value)) {
        return `[${value.map(canonical).join(',')}]`;
    }
    if (value && typeof value === 'object') {
        return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
    }
    return JSON.stringify(value) ?? 'null';
}
