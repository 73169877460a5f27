import type {Generated} from 'kysely';

/**
 * Tables of the bridge, identical on SQLite and PostgreSQL. Times are Unix milliseconds,
 * booleans are 0/1 integers, JSON documents are TEXT. Every tenant table is keyed by licence.
 */
export interface IntegrationsTable {
    licence: string;
    server_url: string;
    /** 'token' (bot access token) or 'login' (bot e-mail + password). */
    auth_mode: string;
    bot_token_enc: string | null;
    login_id: string | null;
    password_enc: string | null;
    outgoing_webhook_token_enc: string | null;
    /** HMAC of the outgoing-webhook token under the secret key: finds the integration for a token. */
    outgoing_webhook_token_hash: string | null;
    channel_id: string;
    /** JSON: the ordered routes, [{inbox?, locale?, page_url_prefix?, channel_id, outgoing_webhook_token_enc?}]. */
    routes: string;
    /** JSON: {notification_type: channel id | incoming-webhook URL | ''}. */
    notification_channels: string;
    relay_mode: string;
    inbound_mode: string;
    callback_url: string | null;
    signing_secret_enc: string;
    previous_signing_secret_enc: string | null;
    previous_signing_secret_expires_at: number | null;
    admin_key_hash: string;
    /** JSON: settings for direct-message notifications. */
    dm_settings: string;
    /** JSON: reminder settings (DESIGN §11); null = off. */
    reminders: string | null;
    /** Signs the context of the root post's action buttons (sealed); made on first use. */
    action_key_enc: string | null;
    slash_command_token_enc: string | null;
    /** HMAC of the slash command's token under the secret key: finds the integration for a token. */
    slash_command_token_hash: string | null;
    /** Closed conversations untouched for this many days are erased (DESIGN §12); null keeps them. */
    retention_days: number | null;
    active: number;
    bot_user_id: string | null;
    last_error: string | null;
    last_error_at: number | null;
    last_delivery_at: number | null;
    created_at: number;
    updated_at: number;
}

export interface EventsTable {
    licence: string;
    webhook_id: string;
    event_type: string;
    received_at: number;
}

export interface ConversationsTable {
    licence: string;
    conversation_id: string;
    channel_id: string | null;
    root_post_id: string | null;
    /** JSON: the conversation's latest known context (visitor, page, status, assignee, ...). */
    context: string;
    status: string;
    /** Short number per licence (`#17`), given when the root is made; null before. */
    number: number | null;
    /** Since when the guest waits for an answer (the waiting spell, DESIGN §11); null when nobody waits. */
    waiting_since: number | null;
    /** The latest agent answer; a visitor message older than it starts no spell. */
    answered_at: number | null;
    /** The first agent answer (first-response time). */
    first_answered_at: number | null;
    /**
     * What the root post last showed of the waiting state: the spell's start, 0 when it showed nobody
     * waiting, null when not known (conversations from before this was kept). See migration 0014.
     */
    root_waiting_shown: number | null;
    created_at: number;
    updated_at: number;
}

export interface MessagesTable {
    licence: string;
    conversation_id: string;
    message_id: string;
    /** JSON array of the Mattermost post ids that carry this message, once delivered. */
    post_ids: string | null;
    delivered_at: number | null;
    created_at: number;
    /** The latest text i-Reserve edited the message to (null: as sent; cleared when deleted). */
    edited_text: string | null;
    /** When i-Reserve says the latest edit was made (ms); orders edits. */
    edited_at: number | null;
    /** When i-Reserve deleted the message (ms): its posts are removed, or never made. */
    deleted_at: number | null;
}

export interface OutboxTable {
    id: Generated<number>;
    licence: string;
    direction: string;
    kind: string;
    /** Jobs with the same (licence, ordering_key) are delivered strictly in id order. */
    ordering_key: string;
    conversation_id: string | null;
    /** Unique per licence when set: the same thing is never queued twice (e.g. a Mattermost post id). */
    dedupe_key: string | null;
    payload: string;
    status: string;
    attempts: number;
    next_attempt_at: number;
    lease_owner: string | null;
    lease_until: number | null;
    last_error: string | null;
    last_error_code: string | null;
    created_at: number;
    updated_at: number;
    delivered_at: number | null;
}

export interface DirectoryUsersTable {
    licence: string;
    ireserve_user_id: string;
    email: string;
    email_lower: string;
}

export interface KeyValueTable {
    licence: string;
    key: string;
    value: string;
    updated_at: number;
}

/** A conversation's erasure (DESIGN §12): kept after the personal data is gone. */
export interface ErasuresTable {
    licence: string;
    conversation_id: string;
    /** 'in_progress' until the posts are deleted and the tables scrubbed; then 'done' or 'partial'. */
    status: string;
    /** 'event' (conversation.erased) or 'retention' (retention_days). */
    source: string;
    /** JSON array of what could not be deleted: [{what, id, reason}]. */
    kept: string;
    requested_at: number;
    completed_at: number | null;
}

/** Posts the bridge made for a conversation outside its current thread's replies: each root it had, its direct messages. */
export interface ConversationPostsTable {
    licence: string;
    post_id: string;
    conversation_id: string;
    /** 'root' or 'direct_message'. */
    role: string;
    created_at: number;
}

/** Agents' posts relayed to i-Reserve as `conversation.reply` (DESIGN §12: their edits and deletions follow). */
export interface RelayedRepliesTable {
    licence: string;
    post_id: string;
    conversation_id: string;
    /** The post's `edit_at` (ms) whose text i-Reserve has, or is being sent; 0 = as first posted. */
    edit_at: number;
    /** When the deletion was queued for i-Reserve (ms). */
    deleted_at: number | null;
    created_at: number;
}

/** Keyed hashes of the routes' outgoing-webhook tokens: which integration a token names. */
export interface RouteWebhookTokensTable {
    token_hash: string;
    licence: string;
}

export interface Database {
    integrations: IntegrationsTable;
    events: EventsTable;
    conversations: ConversationsTable;
    messages: MessagesTable;
    outbox: OutboxTable;
    directory_users: DirectoryUsersTable;
    kv: KeyValueTable;
    erasures: ErasuresTable;
    conversation_posts: ConversationPostsTable;
    relayed_replies: RelayedRepliesTable;
    route_webhook_tokens: RouteWebhookTokensTable;
}
