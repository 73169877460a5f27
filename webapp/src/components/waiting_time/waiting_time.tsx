import React from 'react';

import {format, useStrings, type Strings} from '../../i18n';
import {formatExact, useNow} from '../relative_time/relative_time';

function unit(locale: string, name: 'minute' | 'hour' | 'day', value: number): string {
    return new Intl.NumberFormat(locale, {style: 'unit', unit: name, unitDisplay: 'short'}).format(value);
}

/**
 * How long a visitor has waited, short and in whole units: "< 1 min", "7 min", "1 hr 5 min",
 * "2 days 3 hr". A time in the future (the bridge's clock ahead of this one) reads as under a minute.
 */
export function formatWaitingDuration(seconds: number, locale: string, strings: Strings): string {
    const minutes = Math.floor(Math.max(0, seconds) / 60);
    if (minutes < 1) {
        return strings.waitingUnderMinute;
    }
    if (minutes < 60) {
        return unit(locale, 'minute', minutes);
    }
    const hours = Math.floor(minutes / 60);
    if (hours < 24) {
        const rest = minutes % 60;
        return rest === 0 ? unit(locale, 'hour', hours) : `${unit(locale, 'hour', hours)} ${unit(locale, 'minute', rest)}`;
    }
    const days = Math.floor(hours / 24);
    const rest = hours % 24;
    return rest === 0 ? unit(locale, 'day', days) : `${unit(locale, 'day', days)} ${unit(locale, 'hour', rest)}`;
}

type Props = {
    /** Since when the visitor waits (ms), from the root's `waiting_since`. */
    since: number;
};

/**
 * "waiting 7 min": how long the visitor has waited for an answer, ticking with the shared clock of
 * RelativeTime (every 30 s), with the exact start on hover and for screen readers. Rendered only
 * for a conversation whose root carries `waiting_since`.
 */
export default function WaitingTime({since}: Props) {
    const {strings, locale} = useStrings();
    const now = useNow();
    const duration = formatWaitingDuration((now - since) / 1000, locale, strings);
    const exact = format(strings.waitingSinceExact, {time: formatExact(since, locale)});
    return (
        <span
            className='irsv-pill irsv-pill--waiting'
            data-testid='irsv-waiting'
            title={exact}
        >
            <time dateTime={new Date(since).toISOString()}>{format(strings.waitingFor, {duration})}</time>
            <span className='irsv-sr-only'>{` (${exact})`}</span>
        </span>
    );
}
