import type {ReminderSettings} from '../../contract/index.js';

import {quietEnd} from './quiet_hours.js';

/**
 * Reminders of a waiting spell (DESIGN §11): when each threshold falls due, whether it is still
 * worth posting, and what the bot says. Pure: times in ms, settings as the contract defines them.
 */

/** Reminders are on when at least one threshold is set. */
export function remindersOn(settings: ReminderSettings | null | undefined): settings is ReminderSettings {
    return settings !== null && settings !== undefined && settings.after_seconds.length > 0;
}

/** When the reminder of `afterSeconds` of a spell started at `since` is posted: at the threshold, or at the end of quiet hours. */
export function reminderDue(settings: ReminderSettings, since: number, afterSeconds: number): number {
    const due = since + afterSeconds * 1000;
    return settings.quiet_hours ? quietEnd(settings.quiet_hours, due) : due;
}

/**
 * Whether the reminder of `afterSeconds` is overtaken at `now` by a later threshold that is due
 * too (both fell due in quiet hours, or while the bridge was down): only the latest is posted, so
 * the thread does not get a burst of reminders at once.
 */
export function overtaken(settings: ReminderSettings, since: number, afterSeconds: number, now: number): boolean {
    return settings.after_seconds.some((later) => later > afterSeconds && since + later * 1000 <= now);
}

/** "45 seconds", "5 minutes", "1 hour 30 minutes", "2 days 3 hours": whole units, rounded down. */
export function formatWait(ms: number): string {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    if (seconds < 60) {
        return unit(seconds, 'second');
    }
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) {
        return unit(minutes, 'minute');
    }
    const hours = Math.floor(minutes / 60);
    if (hours < 24) {
        return minutes % 60 === 0 ? unit(hours, 'hour') : `${unit(hours, 'hour')} ${unit(minutes % 60, 'minute')}`;
    }
    const days = Math.floor(hours / 24);
    return hours % 24 === 0 ? unit(days, 'day') : `${unit(days, 'day')} ${unit(hours % 24, 'hour')}`;
}

/**
 * The reminder's text: "⏰ Lotte Jansen has waited 5 minutes — @jdoe". `mention` is the assignee's
 * Mattermost username, or null for `@here`; `visitor` is already safe for inline Markdown.
 */
export function reminderMessage(visitor: string, waitedMs: number, mention: string | null): string {
    return `⏰ ${visitor} has waited ${formatWait(waitedMs)} — ${mention ? `@${mention}` : '@here'}`;
}
