/**
 * Quiet hours (DESIGN §11): a daily span of wall-clock time in an IANA time zone during which no
 * reminder is posted. `from` later than `to` spans midnight (22:00–08:00); `from` equal to `to` is
 * no quiet time at all. Wall-clock times follow the zone's daylight-saving changes (Intl does the
 * zone arithmetic; no table of our own).
 */
export interface QuietHours {
    timezone: string;
    /** HH:MM, 24 h. */
    from: string;
    to: string;
}

export const HH_MM_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Whether `zone` is an IANA time zone this runtime knows (region/city names and UTC; no bare offsets). */
export function isKnownTimeZone(zone: string): boolean {
    if (!/^[A-Za-z]/.test(zone)) {
        return false;
    }
    try {
        new Intl.DateTimeFormat('en-GB', {timeZone: zone});
        return true;
    } catch {
        return false;
    }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
    let format = formatters.get(zone);
    if (!format) {
        format = new Intl.DateTimeFormat('en-GB', {timeZone: zone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit'});
        formatters.set(zone, format);
    }
    return format;
}

function minutesOf(hhmm: string): number {
    const match = HH_MM_PATTERN.exec(hhmm);
    if (!match) {
        throw new RangeError(`not HH:MM: ${hhmm}`);
    }
    return Number(match[1]) * 60 + Number(match[2]);
}

/** The wall-clock minute of the day (0–1439) at `at` in `zone`. */
function localMinute(at: number, zone: string): number {
    let hour = 0;
    let minute = 0;
    for (const part of formatter(zone).formatToParts(new Date(at))) {
        if (part.type === 'hour') {
            hour = Number(part.value);
        } else if (part.type === 'minute') {
            minute = Number(part.value);
        }
    }
    return hour * 60 + minute;
}

function inside(minute: number, from: number, to: number): boolean {
    if (from === to) {
        return false;
    }
    return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

/** Whether `at` (ms) falls inside the quiet hours. */
export function isQuiet(quiet: QuietHours, at: number): boolean {
    return inside(localMinute(at, quiet.timezone), minutesOf(quiet.from), minutesOf(quiet.to));
}

const MINUTE = 60_000;

/**
 * The first instant at or after `at` outside the quiet hours: `at` itself when it is not quiet,
 * else the end of the quiet span it is in (the first minute whose wall-clock time is `to` or later,
 * so a `to` skipped by a daylight-saving jump ends the span at the jump).
 */
export function quietEnd(quiet: QuietHours, at: number): number {
    const from = minutesOf(quiet.from);
    const to = minutesOf(quiet.to);
    let minute = localMinute(at, quiet.timezone);
    if (!inside(minute, from, to)) {
        return at;
    }
    // Jump by the wall-clock distance to `to`: exact unless a daylight-saving change lies between.
    // When the clock fell back, the zone still shows a quiet time: jump again (each jump moves forward).
    let candidate = Math.floor(at / MINUTE) * MINUTE;
    for (let jumps = 0; jumps < 8 && inside(minute, from, to); jumps += 1) {
        candidate += ((to - minute + 1440) % 1440) * MINUTE;
        minute = localMinute(candidate, quiet.timezone);
    }
    // When the clock sprang forward, the jump lands past `to`: come back to the earliest minute outside.
    while (candidate - MINUTE > at && !inside(localMinute(candidate - MINUTE, quiet.timezone), from, to)) {
        candidate -= MINUTE;
    }
    return candidate;
}
