/**
 * The guest's booking beside the chat (DESIGN §13): what `conversation.started` and
 * `conversation.updated` may carry as `booking`, and what the bridge puts in the root's
 * `props.ireserve.booking`. The bridge validates it at intake (server-bridge/src/domain/outbound/events.ts);
 * the plugin reads it from a post, so it checks every field again (webapp/src/model/booking.ts).
 */

/** Who travels: each count is a whole number ≥ 0; an absent count is unknown, not zero. */
export interface BookingGuests {
    adults?: number;
    children?: number;
    pets?: number;
}

/** `props.ireserve.booking` of a conversation's root post. */
export interface BookingProps {
    /** i-Reserve's booking reference, as the agent would look it up (e.g. `R-2025-0042`). */
    reference: string;
    /** The booking in i-Reserve: always an http(s) URL. */
    url?: string;
    /** Calendar days `YYYY-MM-DD` (no time, no time zone); departure is never before arrival. */
    arrival?: string;
    departure?: string;
    /** The accommodation booked, as i-Reserve names it ("Beach house 6"). */
    accommodation?: string;
    guests?: BookingGuests;
    /** i-Reserve's booking status as i-Reserve words it ("confirmed", "option"…), shown as given. */
    status?: string;
}

const MS_PER_DAY = 86_400_000;

/**
 * The day number (days since 1970-01-01) of a real calendar date written `YYYY-MM-DD`, or null for
 * anything else — another format, or a day that does not exist (2025-02-30, 2025-13-01).
 */
export function calendarDay(value: unknown): number | null {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
        return null;
    }
    const [year, month, day] = value.split('-').map(Number) as [number, number, number];
    const at = new Date(Date.UTC(year, month - 1, day));
    // Date.UTC rolls over (Feb 30 → Mar 2) and maps years 0–99 to 1900–1999: a rolled date is no date.
    if (at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day) {
        return null;
    }
    return at.getTime() / MS_PER_DAY;
}

/** Nights between arrival and departure (both real dates, departure not before arrival), else null. */
export function bookingNights(arrival: unknown, departure: unknown): number | null {
    const from = calendarDay(arrival);
    const to = calendarDay(departure);
    return from === null || to === null || to < from ? null : to - from;
}
