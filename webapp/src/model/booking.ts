// The guest's booking on a conversation's root (`props.ireserve.booking`, DESIGN §13; the shape is in
// @ireserve/contract: server-bridge/src/contract/booking.ts). Untrusted like every prop: each field
// is checked, a bad one is left out, nothing throws.
import {bookingNights, calendarDay} from '@ireserve/contract';

export type BookingGuests = {
    adults: number | null;
    children: number | null;
    pets: number | null;
};

export type Booking = {
    reference: string;
    /** Only an http(s) URL; anything else (javascript:, data:) is dropped and the reference is plain text. */
    url: string | null;
    /** `YYYY-MM-DD` of a real day, or null. */
    arrival: string | null;
    departure: string | null;
    /** Nights between arrival and departure, when both are known and in order. */
    nights: number | null;
    accommodation: string | null;
    guests: BookingGuests;
    status: string | null;
};

/** Longest text taken from a prop (the bridge allows at most 200): a forged post cannot flood the card. */
const MAX_TEXT = 200;

function record(value: unknown): Record<string, unknown> | null {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : null;
}

function text(value: unknown): string | null {
    if (typeof value !== 'string') {
        return null;
    }
    const trimmed = value.replace(/\s+/g, ' ').trim();
    if (trimmed === '') {
        return null;
    }
    const chars = [...trimmed];
    return chars.length > MAX_TEXT ? `${chars.slice(0, MAX_TEXT - 1).join('')}…` : trimmed;
}

function httpUrl(value: unknown): string | null {
    if (typeof value !== 'string') {
        return null;
    }
    try {
        const url = new URL(value.trim());
        return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
    } catch {
        return null;
    }
}

function day(value: unknown): string | null {
    return calendarDay(value) === null ? null : value as string;
}

function count(value: unknown): number | null {
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** The booking in a root's props, or null when there is none (or it has no reference). */
export function parseBooking(value: unknown): Booking | null {
    const booking = record(value);
    const reference = text(booking?.reference);
    if (!booking || !reference) {
        return null;
    }
    const arrival = day(booking.arrival);
    let departure = day(booking.departure);
    if (arrival !== null && departure !== null && bookingNights(arrival, departure) === null) {
        departure = null; // before the arrival: not shown rather than shown wrong
    }
    const guests = record(booking.guests);
    return {
        reference,
        url: httpUrl(booking.url),
        arrival,
        departure,
        nights: bookingNights(arrival, departure),
        accommodation: text(booking.accommodation),
        guests: {adults: count(guests?.adults), children: count(guests?.children), pets: count(guests?.pets)},
        status: text(booking.status),
    };
}
