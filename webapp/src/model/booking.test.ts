import {parseBooking} from './booking';
import {parseConversation} from './conversation';
import {conversationProps, makeRoot} from '../testing/fixtures';

const BOOKING = {
    reference: 'R-2025-0042',
    url: 'https://app.ireserve.example/bookings/42',
    arrival: '2025-07-03',
    departure: '2025-07-10',
    accommodation: 'Beach house 6',
    guests: {adults: 2, children: 1, pets: 0},
    status: 'confirmed',
};

test('a booking as the bridge writes it, with its nights', () => {
    expect(parseBooking(BOOKING)).toEqual({
        reference: 'R-2025-0042',
        url: 'https://app.ireserve.example/bookings/42',
        arrival: '2025-07-03',
        departure: '2025-07-10',
        nights: 7,
        accommodation: 'Beach house 6',
        guests: {adults: 2, children: 1, pets: 0},
        status: 'confirmed',
    });
    const parsed = parseConversation(makeRoot(conversationProps({booking: BOOKING})));
    expect(parsed.ok && parsed.conversation.booking?.reference).toBe('R-2025-0042');
});

test('no booking, or one without a reference, is none', () => {
    expect(parseBooking(undefined)).toBeNull();
    expect(parseBooking('R-1')).toBeNull();
    expect(parseBooking([BOOKING])).toBeNull();
    expect(parseBooking({...BOOKING, reference: '  '})).toBeNull();
    expect(parseBooking({...BOOKING, reference: 42})).toBeNull();
});

test('hostile and odd values are left out, never shown wrong', () => {
    expect(parseBooking({
        reference: `R-1\n${'x'.repeat(300)}`,
        url: 'javascript:alert(1)',
        arrival: '2025-02-30',
        departure: '10-07-2025',
        accommodation: {name: 'Beach house'},
        guests: {adults: -1, children: 1.5, pets: '2'},
        status: '',
    })).toEqual({
        reference: expect.stringMatching(/^R-1 x+…$/) as string,
        url: null,
        arrival: null,
        departure: null,
        nights: null,
        accommodation: null,
        guests: {adults: null, children: null, pets: null},
        status: null,
    });
    expect(parseBooking({reference: 'R-1', arrival: '2025-07-10', departure: '2025-07-03'})).toMatchObject({arrival: '2025-07-10', departure: null, nights: null});
    expect(parseBooking({reference: 'R-1', url: 'data:text/html,hi'})?.url).toBeNull();
    expect(parseBooking({reference: 'R-1', arrival: '2025-07-03'})).toMatchObject({arrival: '2025-07-03', departure: null, nights: null});
});
