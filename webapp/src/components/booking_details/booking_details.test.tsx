import {screen, within} from '@testing-library/react';
import React from 'react';

import BookingDetails, {formatGuests, formatStay} from './booking_details';
import {stringsFor} from '../../i18n';
import {parseBooking, type Booking} from '../../model/booking';
import {renderWithStore} from '../../testing/render';
import {makeEntities, makeStore} from '../../testing/store';

const NOW_2025 = Date.UTC(2025, 5, 14, 9, 30);

const BOOKING = parseBooking({
    reference: 'R-2025-0042',
    url: 'https://app.ireserve.example/bookings/42',
    arrival: '2025-07-03',
    departure: '2025-07-10',
    accommodation: 'Beach house 6',
    guests: {adults: 2, children: 1, pets: 1},
    status: 'confirmed',
})!;

/** Intl puts thin and narrow no-break spaces around the dash; compared as plain spaces. */
const plain = (text: string | null | undefined) => (text ?? '').replace(/\s/g, ' ');

beforeEach(() => {
    jest.useFakeTimers({now: NOW_2025, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask']});
});
afterEach(() => {
    jest.useRealTimers();
});

function render(booking: Booking | null, locale = 'en') {
    return renderWithStore(<BookingDetails booking={booking}/>, makeStore(makeEntities([], [], {locale})));
}

test('en: reference linked to i-Reserve with its status, the stay with its nights, accommodation, guests', () => {
    render(BOOKING);
    const block = screen.getByRole('region', {name: 'Booking'});
    expect(within(block).getAllByRole('term').map((term) => term.textContent)).toEqual(['Booking', 'Stay', 'Accommodation', 'Guests']);
    const link = within(block).getByRole('link', {name: 'R-2025-0042'});
    expect(link).toHaveAttribute('href', 'https://app.ireserve.example/bookings/42');
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
    expect(link).toHaveAttribute('title', 'Booking R-2025-0042 in i-Reserve (opens in a new tab)');
    expect(within(block).getByText('confirmed').closest('.irsv-pill')).toHaveTextContent('Booking status: confirmed');
    const stay = within(block).getAllByRole('definition')[1]!;
    expect(plain(stay.textContent)).toBe('Jul 3 – 10 · 7 nights');
    expect(plain(stay.getAttribute('title'))).toBe('Thursday, July 3 – Thursday, July 10, 2025');
    expect(within(block).getByText('Beach house 6')).toBeInTheDocument();
    expect(within(block).getByText('2 adults, 1 child, 1 pet')).toBeInTheDocument();
});

test('nl: the same booking in Dutch words and Dutch date format', () => {
    render(BOOKING, 'nl');
    const block = screen.getByRole('region', {name: 'Boeking'});
    expect(within(block).getAllByRole('term').map((term) => term.textContent)).toEqual(['Boeking', 'Verblijf', 'Accommodatie', 'Gasten']);
    expect(within(block).getByRole('link', {name: 'R-2025-0042'})).toHaveAttribute('title', 'Boeking R-2025-0042 in i-Reserve (opent in een nieuw tabblad)');
    expect(within(block).getByText('confirmed').closest('.irsv-pill')).toHaveTextContent('Status van de boeking: confirmed');
    expect(plain(within(block).getAllByRole('definition')[1]!.textContent)).toBe('3–10 jul · 7 nachten');
    expect(within(block).getByText('2 volwassenen, 1 kind, 1 huisdier')).toBeInTheDocument();
});

test('a regional locale formats dates its own way; an unknown one falls back to English', () => {
    const en = stringsFor('en');
    expect(plain(formatStay(BOOKING, en, 'en-AU', NOW_2025)?.text)).toBe('3–10 July · 7 nights');
    expect(plain(formatStay(BOOKING, en, 'not a locale!', NOW_2025)?.text)).toBe('Jul 3 – 10 · 7 nights');
});

test('the stay: across months, another year, one night, same day, only one date', () => {
    const en = stringsFor('en');
    const nl = stringsFor('nl');
    const stay = (arrival: string | null, departure: string | null, strings = en, locale = 'en') =>
        plain(formatStay(parseBooking({reference: 'R', arrival, departure})!, strings, locale, NOW_2025)?.text);
    expect(stay('2025-07-28', '2025-08-04')).toBe('Jul 28 – Aug 4 · 7 nights');
    expect(stay('2025-12-28', '2026-01-02')).toBe('Dec 28, 2025 – Jan 2, 2026 · 5 nights');
    expect(stay('2026-07-03', '2026-07-04')).toBe('Jul 3 – 4, 2026 · 1 night');
    expect(stay('2026-07-03', '2026-07-04', nl, 'nl')).toBe('3–4 jul 2026 · 1 nacht');
    expect(stay('2025-07-03', '2025-07-03')).toBe('Jul 3 · 0 nights');
    expect(stay('2025-07-03', null)).toBe('from Jul 3');
    expect(stay(null, '2025-07-10', nl, 'nl')).toBe('tot 10 jul');
    expect(formatStay(parseBooking({reference: 'R'})!, en, 'en', NOW_2025)).toBeNull();
});

test('guests: zero and unknown counts are left out', () => {
    const en = stringsFor('en');
    expect(formatGuests({adults: 1, children: 0, pets: null}, en, 'en')).toBe('1 adult');
    expect(formatGuests({adults: null, children: 3, pets: 2}, en, 'en')).toBe('3 children, 2 pets');
    expect(formatGuests({adults: 0, children: null, pets: null}, en, 'en')).toBeNull();
});

test('a reference without an http(s) URL is plain text; missing fields leave no empty rows', () => {
    render(parseBooking({reference: 'R-7', url: 'javascript:alert(1)'}));
    const block = screen.getByRole('region', {name: 'Booking'});
    expect(within(block).queryByRole('link')).not.toBeInTheDocument();
    expect(within(block).getByText('R-7')).toBeInTheDocument();
    expect(within(block).getAllByRole('term').map((term) => term.textContent)).toEqual(['Booking']);
});

test('no booking, no block', () => {
    const {container} = render(null);
    expect(container).toBeEmptyDOMElement();
});
