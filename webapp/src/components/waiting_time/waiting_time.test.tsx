import {act, screen} from '@testing-library/react';
import React from 'react';

import WaitingTime, {formatWaitingDuration} from './waiting_time';
import {stringsFor} from '../../i18n';
import {T0} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {makeEntities, makeStore} from '../../testing/store';

test('formatWaitingDuration: whole units, short, in the user\'s language', () => {
    const en = stringsFor('en');
    const nl = stringsFor('nl');
    expect(formatWaitingDuration(0, 'en', en)).toBe('< 1 min');
    expect(formatWaitingDuration(59, 'en', en)).toBe('< 1 min');
    expect(formatWaitingDuration(-30, 'en', en)).toBe('< 1 min'); // the bridge's clock a little ahead
    expect(formatWaitingDuration(60, 'en', en)).toBe('1 min');
    expect(formatWaitingDuration(7 * 60 + 59, 'en', en)).toBe('7 min');
    expect(formatWaitingDuration(3600, 'en', en)).toBe('1 hr');
    expect(formatWaitingDuration(3600 + 5 * 60, 'en', en)).toBe('1 hr 5 min');
    expect(formatWaitingDuration(2 * 86_400 + 3 * 3600 + 59 * 60, 'en', en)).toBe('2 days 3 hr');
    expect(formatWaitingDuration(86_400, 'en', en)).toBe('1 day');
    expect(formatWaitingDuration(7 * 60, 'nl', nl)).toBe('7 min');
    expect(formatWaitingDuration(2 * 3600 + 60, 'nl', nl)).toBe('2 uur 1 min');
    expect(formatWaitingDuration(3 * 86_400, 'nl', nl)).toBe('3 dagen');
});

test('ticks with the shared clock and names the exact start on hover and for screen readers', () => {
    jest.useFakeTimers({now: T0 + 7 * 60_000});
    try {
        renderWithStore(<WaitingTime since={T0}/>, makeStore(makeEntities()));
        const pill = screen.getByTestId('irsv-waiting');
        expect(pill).toHaveClass('irsv-pill--waiting');
        expect(pill.querySelector('time')).toHaveTextContent('waiting 7 min');
        expect(pill.querySelector('time')).toHaveAttribute('dateTime', new Date(T0).toISOString());
        expect(pill.getAttribute('title')).toMatch(/^The visitor has waited for an answer since .*2025/);
        expect(pill).toHaveTextContent(/\(The visitor has waited for an answer since .*2025.*\)/);
        act(() => {
            jest.advanceTimersByTime(60_000);
        });
        expect(pill.querySelector('time')).toHaveTextContent('waiting 8 min');
        act(() => {
            jest.advanceTimersByTime(60 * 60_000);
        });
        expect(pill.querySelector('time')).toHaveTextContent('waiting 1 hr 8 min');
    } finally {
        jest.useRealTimers();
    }
});

test('Dutch', () => {
    jest.useFakeTimers({now: T0 + 12 * 60_000});
    try {
        renderWithStore(<WaitingTime since={T0}/>, makeStore(makeEntities([], [], {locale: 'nl'})));
        expect(screen.getByTestId('irsv-waiting').querySelector('time')).toHaveTextContent('wacht 12 min');
        expect(screen.getByTestId('irsv-waiting').getAttribute('title')).toMatch(/^De bezoeker wacht op antwoord sinds /);
    } finally {
        jest.useRealTimers();
    }
});
