import React from 'react';

import {format, useStrings, type Strings} from '../../i18n';
import type {Booking} from '../../model/booking';

/**
 * A locale Intl can use: the agent's Mattermost locale (getLocale: the user's own, else the server's
 * default), or English when Intl does not know it. Mattermost's web app formats dates the same way,
 * with Intl.DateTimeFormat in the user's locale (components/timestamp/timestamp.tsx, formatDateTime),
 * so the booking's dates read like the dates around them ("Jul 3 – 10" in en, "3–10 jul" in nl,
 * "3–10 July" in en-AU).
 */
function intlLocale(locale: string): string {
    try {
        return Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0 ? locale : 'en';
    } catch {
        return 'en';
    }
}

function plural(locale: string, count: number, one: string, other: string): string {
    return format(new Intl.PluralRules(locale).select(count) === 'one' ? one : other, {count});
}

/** A calendar day `YYYY-MM-DD` as a Date at midnight UTC (formatted in UTC, so no zone can shift it). */
function dayOf(value: string | null): Date | null {
    return value === null ? null : new Date(`${value}T00:00:00Z`);
}

/**
 * The stay: "Jul 3 – 10 · 7 nights" (en), "3–10 jul · 7 nachten" (nl); "from …" or "until …" when
 * only one date is known. The year shows when a date is not in the current year. `title` is the
 * full dates, for hovering.
 */
export function formatStay(booking: Pick<Booking, 'arrival' | 'departure' | 'nights'>, strings: Strings, locale: string, now: number = Date.now()): {text: string; title: string} | null {
    const from = dayOf(booking.arrival);
    const to = dayOf(booking.departure);
    if (!from && !to) {
        return null;
    }
    const loc = intlLocale(locale);
    const thisYear = new Date(now).getUTCFullYear();
    const withYear = [from, to].some((date) => date !== null && date.getUTCFullYear() !== thisYear);
    const short = new Intl.DateTimeFormat(loc, {day: 'numeric', month: 'short', ...(withYear ? {year: 'numeric'} : {}), timeZone: 'UTC'});
    const full = new Intl.DateTimeFormat(loc, {dateStyle: 'full', timeZone: 'UTC'});
    if (from && to) {
        const range = short.formatRange(from, to);
        const text = booking.nights === null ? range : `${range} · ${plural(loc, booking.nights, strings.nightsOne, strings.nightsOther)}`;
        return {text, title: full.formatRange(from, to)};
    }
    if (from) {
        return {text: format(strings.stayFrom, {date: short.format(from)}), title: full.format(from)};
    }
    return {text: format(strings.stayUntil, {date: short.format(to!)}), title: full.format(to!)};
}

/** "2 adults, 1 child, 1 pet": counts that are known and not zero; null when none is. */
export function formatGuests(guests: Booking['guests'], strings: Strings, locale: string): string | null {
    const loc = intlLocale(locale);
    const parts = ([
        [guests.adults, strings.adultsOne, strings.adultsOther],
        [guests.children, strings.childrenOne, strings.childrenOther],
        [guests.pets, strings.petsOne, strings.petsOther],
    ] as const).filter(([count]) => count !== null && count > 0).map(([count, one, other]) => plural(loc, count!, one, other));
    return parts.length > 0 ? parts.join(', ') : null;
}

/**
 * The guest's booking beside the chat (DESIGN §13), in the card and the panel: the reference (a
 * link to i-Reserve when the booking has an http(s) URL) with i-Reserve's status, the stay with its
 * nights, the accommodation and the guests. Nothing when the conversation has no booking.
 */
export default function BookingDetails({booking}: {booking: Booking | null}) {
    const {strings, locale} = useStrings();
    if (!booking) {
        return null;
    }
    const stay = formatStay(booking, strings, locale);
    const guests = formatGuests(booking.guests, strings, locale);
    return (
        <section
            className='irsv-booking'
            aria-label={strings.booking}
        >
            <dl className='irsv-facts'>
                <dt>{strings.booking}</dt>
                <dd className='irsv-booking__reference'>
                    {booking.url ? (
                        <a
                            href={booking.url}
                            target='_blank'
                            rel='noopener noreferrer'
                            title={format(strings.bookingLinkTitle, {reference: booking.reference})}
                        >
                            {booking.reference}
                        </a>
                    ) : <span>{booking.reference}</span>}
                    {booking.status && (
                        <span className='irsv-pill irsv-booking__status'>
                            <span className='irsv-sr-only'>{`${strings.bookingStatus}: `}</span>
                            {booking.status}
                        </span>
                    )}
                </dd>
                {stay && (
                    <>
                        <dt>{strings.stay}</dt>
                        <dd title={stay.title}>{stay.text}</dd>
                    </>
                )}
                {booking.accommodation && (
                    <>
                        <dt>{strings.accommodation}</dt>
                        <dd>{booking.accommodation}</dd>
                    </>
                )}
                {guests && (
                    <>
                        <dt>{strings.guests}</dt>
                        <dd>{guests}</dd>
                    </>
                )}
            </dl>
        </section>
    );
}
