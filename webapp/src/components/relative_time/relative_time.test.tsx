import {act, screen} from '@testing-library/react';
import React from 'react';

import RelativeTime, {formatRelative} from './relative_time';
import {T0} from '../../testing/fixtures';
import {renderWithStore} from '../../testing/render';
import {makeEntities, makeStore} from '../../testing/store';

test('formatRelative', () => {
    expect(formatRelative(T0, T0 + 10_000, 'en')).toBe('now');
    expect(formatRelative(T0, T0 + 5 * 60_000, 'en')).toBe('5 minutes ago');
    expect(formatRelative(T0, T0 + 3 * 3_600_000, 'en')).toBe('3 hours ago');
    expect(formatRelative(T0, T0 + 2 * 86_400_000, 'en')).toBe('2 days ago');
    expect(formatRelative(T0, T0 + 30 * 86_400_000, 'en')).toBe('Jun 14, 2025');
    expect(formatRelative(T0, T0 + 5 * 60_000, 'nl')).toBe('5 minuten geleden');
});

test('ticks with one shared clock and shows the exact time on hover', () => {
    jest.useFakeTimers({now: T0 + 60_000});
    try {
        renderWithStore(<RelativeTime at={T0}/>, makeStore(makeEntities()));
        const time = screen.getByText('1 minute ago', {exact: false});
        expect(time.tagName).toBe('TIME');
        expect(time.getAttribute('title')).toContain('2025');
        act(() => {
            jest.advanceTimersByTime(120_000);
        });
        expect(screen.getByText('3 minutes ago', {exact: false})).toBeInTheDocument();
    } finally {
        jest.useRealTimers();
    }
});
