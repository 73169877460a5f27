import {z} from 'zod';

import {INBOX_MAX_LENGTH, calendarDay, formatBytes} from '../../contract/index.js';

/**
 * The signed events i-Reserve sends to `POST /api/v1/licences/{licence}/events` (DESIGN §3):
 * `{"type": …, "data": {…}}`. The envelope is parsed first (so an unknown `type` is named as such),
 * then `data` with the schema of its type. Unknown extra fields are ignored.
 */
export const EVENT_TYPES = [
    'conversation.started', 'conversation.message', 'conversation.updated', 'notification',
    'conversation.message_edited', 'conversation.message_deleted', 'conversation.erased',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Limits beyond which an event is refused with 400 (documented in docs/events.md). */
export const EVENT_LIMITS = {
    idLength: 200,
    nameLength: 200,
    urlLength: 2048,
    /** Longer texts are split over several posts; this only bounds one event. */
    messageTextLength: 200_000,
    notificationTextLength: 16_000,
    attachmentsPerMessage: 50,
    filenameLength: 255,
    bookingReferenceLength: 100,
    bookingAccommodationLength: 200,
    bookingStatusLength: 100,
    /** Per kind of guest (adults, children, pets). */
    bookingGuests: 999,
} as const;

export const envelopeSchema = z.object({
    type: z.enum(EVENT_TYPES, {error: `must be one of ${EVENT_TYPES.join(', ')}`}),
    // Only that it is an object: its fields are parsed by the type's schema next (a record schema
    // here copied every field once more, for nothing).
    data: z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {error: 'must be an object'}),
});

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const NO_CONTROL = 'must not contain control characters (NUL, line breaks, tabs…)';
const NO_CONTROL_IN_TEXT = 'must not contain control characters other than line breaks and tabs (NUL…)';

/** A single-line value (id, name, file name…): control characters are refused, not stripped. */
function line(max: number) {
    return z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).refine((value) => !CONTROL.test(value), NO_CONTROL);
}

/** Free text (messages, notifications): line breaks and tabs are text, NUL and other controls are not. */
function text(max: number) {
    return z.string().max(max, `must be at most ${max} characters`).refine((value) => !CONTROL_EXCEPT_LINES.test(value), NO_CONTROL_IN_TEXT);
}

const id = line(EVENT_LIMITS.idLength);
/** The chat widget, park or department the guest used (DESIGN §13): routes match on it. */
const inbox = line(INBOX_MAX_LENGTH);
const name = line(EVENT_LIMITS.nameLength);
/**
 * An absolute http(s) URL as a browser would send it: no spaces, control characters, quotes or
 * angle brackets, no user name or password. Stored in its normalised form (URL.href).
 */
const httpUrl = z.string().trim().max(EVENT_LIMITS.urlLength, `must be at most ${EVENT_LIMITS.urlLength} characters`)
    .refine(isStrictHttpUrl, 'must be an http(s) URL without spaces, quotes, angle brackets or a user name (percent-encode such characters)')
    .transform((value) => new URL(value).href);

export function isStrictHttpUrl(value: string): boolean {
    if (/[\s"'<>\\^`{|}]/.test(value) || CONTROL.test(value)) {
        return false;
    }
    try {
        const url = new URL(value);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '' && url.password === '';
    } catch {
        return false;
    }
}
/** ISO 8601 with a time zone, e.g. 2025-06-01T09:30:00Z. */
const timestamp = z.iso.datetime({offset: true, error: 'must be an ISO 8601 date-time with a time zone, like 2025-06-01T09:30:00Z'});
const person = z.object({name, email: z.email({error: 'must be an e-mail address'}).max(254).optional()});

/** A calendar day `YYYY-MM-DD` that exists (no 2025-02-30). */
const calendarDate = z.string({error: 'must be a date written YYYY-MM-DD, like 2025-07-03'})
    .refine((value) => calendarDay(value) !== null, 'must be a real date written YYYY-MM-DD, like 2025-07-03');
const guestCount = z.number({error: 'must be a whole number'}).int('must be a whole number')
    .min(0, 'must not be negative').max(EVENT_LIMITS.bookingGuests, `must be at most ${EVENT_LIMITS.bookingGuests}`);

/**
 * The guest's booking beside the chat (DESIGN §13; contract/booking.ts). On `conversation.updated`
 * it replaces the stored booking whole, and `null` removes it.
 */
export const bookingSchema = z.object({
    reference: line(EVENT_LIMITS.bookingReferenceLength),
    url: httpUrl.optional(),
    arrival: calendarDate.optional(),
    departure: calendarDate.optional(),
    accommodation: line(EVENT_LIMITS.bookingAccommodationLength).optional(),
    guests: z.object({adults: guestCount.optional(), children: guestCount.optional(), pets: guestCount.optional()}, {error: 'must be an object'}).optional(),
    status: line(EVENT_LIMITS.bookingStatusLength).optional(),
}, {error: 'must be an object with at least a reference'}).refine(
    (booking) => booking.arrival === undefined || booking.departure === undefined || calendarDay(booking.departure)! >= calendarDay(booking.arrival)!,
    {path: ['departure'], message: 'must not be before arrival'},
);

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Bytes a standard base64 string decodes to (the string is already known to be valid base64). */
export function base64DecodedLength(data: string): number {
    const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
    return Math.floor(data.length * 3 / 4) - padding;
}

export const conversationStartedSchema = z.object({
    conversation_id: id,
    visitor: person,
    page_url: httpUrl,
    started_at: timestamp.optional(),
    locale: line(35).optional(),
    booking: bookingSchema.optional(),
    inbox: inbox.optional(),
});

/** `maxAttachmentBytes` is the per-file limit (BRIDGE_MAX_ATTACHMENT_BYTES). */
export function conversationMessageSchema(maxAttachmentBytes: number) {
    const attachment = z.object({
        filename: line(EVENT_LIMITS.filenameLength),
        content_type: line(255),
        // '' is an empty file: a real file, posted like any other.
        data: z.string()
            .regex(BASE64, 'must be standard base64 (A-Z, a-z, 0-9, +, /, = padding) without line breaks')
            .refine((data) => data.length % 4 === 0, 'is not valid base64: its length must be a multiple of 4')
            .superRefine((data, ctx) => {
                const size = base64DecodedLength(data);
                if (size > maxAttachmentBytes) {
                    ctx.addIssue({
                        code: 'custom',
                        message: `the file is ${formatBytes(size)}, more than the limit of ${formatBytes(maxAttachmentBytes)} per file (BRIDGE_MAX_ATTACHMENT_BYTES)`,
                    });
                }
            }),
    });
    return z.object({
        conversation_id: id,
        message_id: id,
        sender: z.object({type: z.enum(['visitor', 'agent', 'system'], {error: 'must be visitor, agent or system'}), name}),
        text: text(EVENT_LIMITS.messageTextLength).default(''),
        attachments: z.array(attachment).max(EVENT_LIMITS.attachmentsPerMessage, `at most ${EVENT_LIMITS.attachmentsPerMessage} files per message`).default([]),
        sent_at: timestamp.optional(),
    }).refine((message) => message.text.trim() !== '' || message.attachments.length > 0, {
        path: ['text'],
        message: 'must not be empty unless the message has attachments',
    });
}

export const conversationUpdatedSchema = z.object({
    conversation_id: id,
    status: z.enum(['open', 'closed'], {error: 'must be open or closed'}).optional(),
    /** null clears the assignee. */
    assignee: person.nullable().optional(),
    /** Replaces the booking; null removes it. */
    booking: bookingSchema.nullable().optional(),
    /** Shown on the card; it does not move a conversation that already has a channel. */
    inbox: inbox.optional(),
});

/**
 * An edit of a message sent earlier (DESIGN §12): the whole new text. The text must not be empty —
 * a message that should disappear is deleted (`conversation.message_deleted`).
 */
export const conversationMessageEditedSchema = z.object({
    conversation_id: id,
    message_id: id,
    text: text(EVENT_LIMITS.messageTextLength)
        .refine((value) => value.trim() !== '', 'must not be empty (to remove a message, send conversation.message_deleted)'),
    edited_at: timestamp.optional(),
});

/** A message i-Reserve deleted: every post that carries it goes, files included. */
export const conversationMessageDeletedSchema = z.object({
    conversation_id: id,
    message_id: id,
});

export const notificationSchema = z.object({
    notification_type: line(100),
    title: z.string().trim().max(200).refine((value) => !CONTROL.test(value), NO_CONTROL).optional(),
    text: text(EVENT_LIMITS.notificationTextLength).transform((value) => value.trim()).refine((value) => value !== '', 'must not be empty'),
    url: httpUrl.optional(),
    /** Shown as attachment fields through incoming webhooks (title/value pairs, e.g. guest, dates, amount). */
    fields: z.array(z.object({
        title: line(100),
        value: text(1000).transform((value) => value.trim()).refine((value) => value !== '', 'must not be empty'),
        short: z.boolean().optional(),
    })).max(20, 'at most 20 fields').optional(),
});

/** DESIGN §12: the conversation is to be forgotten (GDPR art. 17). */
export const conversationErasedSchema = z.object({
    conversation_id: id,
});

export type ConversationStarted = z.infer<typeof conversationStartedSchema>;
export type ConversationMessage = z.infer<ReturnType<typeof conversationMessageSchema>>;
export type ConversationUpdated = z.infer<typeof conversationUpdatedSchema>;
export type NotificationEvent = z.infer<typeof notificationSchema>;
export type Booking = z.infer<typeof bookingSchema>;
export type ConversationMessageEdited = z.infer<typeof conversationMessageEditedSchema>;
export type ConversationMessageDeleted = z.infer<typeof conversationMessageDeletedSchema>;
export type ConversationErased = z.infer<typeof conversationErasedSchema>;
export type Attachment = ConversationMessage['attachments'][number];

export type OutboundEvent =
    | {type: 'conversation.started'; data: ConversationStarted}
    | {type: 'conversation.message'; data: ConversationMessage}
    | {type: 'conversation.updated'; data: ConversationUpdated}
    | {type: 'notification'; data: NotificationEvent}
    | {type: 'conversation.message_edited'; data: ConversationMessageEdited}
    | {type: 'conversation.message_deleted'; data: ConversationMessageDeleted}

    | {type: 'conversation.erased'; data: ConversationErased};

/** Built once per limit: building a zod schema costs ~40x a parse (measured by the benchmarks). */
const messageSchemas = new Map<number, ReturnType<typeof conversationMessageSchema>>();

/** The data schema of each event type. */
export function dataSchemaFor(type: EventType, maxAttachmentBytes: number): z.ZodType {
    switch (type) {
    case 'conversation.started':
        return conversationStartedSchema;
    case 'conversation.message': {
        let schema = messageSchemas.get(maxAttachmentBytes);
        if (!schema) {
            schema = conversationMessageSchema(maxAttachmentBytes);
            messageSchemas.set(maxAttachmentBytes, schema);
        }
        return schema;
    }
    case 'conversation.updated':
        return conversationUpdatedSchema;
    case 'notification':
        return notificationSchema;
    case 'conversation.message_edited':
        return conversationMessageEditedSchema;
    case 'conversation.message_deleted':
        return conversationMessageDeletedSchema;
    case 'conversation.erased':
        return conversationErasedSchema;
    }
}

