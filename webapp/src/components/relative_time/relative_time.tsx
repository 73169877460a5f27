import React, {useEffect, useState} from 'react';

import {useStrings} from '../../i18n';

// One shared clock for every relative time on screen (a 500-reply thread must not start 500
// timers): it ticks every 30 s while at least one component listens.
const TICK_MS = 30_000;
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | null = null;
let now = Date.now();

function subscribe(listener: () => void): () => void {
    listeners.add(listener);
    if (timer === null) {
        now = Date.now();
        timer = setInterval(() => {
            now = Date.now();
            listeners.forEach((notify) => notify());
        }, TICK_MS);
    }
    return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== null) {
            clearInterval(timer);
            timer = null;
        }
    };
}

const getNow = () => (timer === null ? Date.now() : now);

/** The shared clock's time, re-rendering on every tick. (No useSyncExternalStore: hosts on React 17.) */
export function useNow(): number {
    const [current, setCurrent] = useState(getNow);
    useEffect(() => subscribe(() => setCurrent(getNow())), []);
    return current;
}

export function formatRelative(at: number, reference: number, locale: string): string {
    const rtf = new Intl.RelativeTimeFormat(locale, {numeric: 'auto'});
    const seconds = Math.round((at - reference) / 1000);
    const abs = Math.abs(seconds);
    if (abs < 45) {
        return rtf.format(0, 'second');
    }
    if (abs < 45 * 60) {
        return rtf.format(Math.round(seconds / 60), 'minute');
    }
    if (abs < 22 * 3600) {
        return rtf.format(Math.round(seconds / 3600), 'hour');
    }
    if (abs < 7 * 86400) {
        return rtf.format(Math.round(seconds / 86400), 'day');
    }
    return new Intl.DateTimeFormat(locale, {dateStyle: 'medium'}).format(at);
}

export function formatExact(at: number, locale: string): string {
    return new Intl.DateTimeFormat(locale, {dateStyle: 'full', timeStyle: 'short'}).format(at);
}

type Props = {at: number; className?: string};

/** "5 minutes ago", with the exact date and time on hover and for screen readers. */
export default function RelativeTime({at, className}: Props) {
    const {locale} = useStrings();
    const current = useNow();
    const exact = formatExact(at, locale);
    return (
        <time
            className={className}
            dateTime={new Date(at).toISOString()}
            title={exact}
        >
            {formatRelative(at, current, locale)}
            <span className='irsv-sr-only'>{` (${exact})`}</span>
        </time>
    );
}
