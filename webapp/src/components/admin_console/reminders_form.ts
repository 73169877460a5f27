// The reminders part of the integration set-up as data (DESIGN §11): built from the bridge's view,
// checked in the browser with the bridge's limits (@ireserve/contract), and turned into the
// `reminders` of the PATCH body. Thresholds are typed in minutes or seconds; the bridge stores seconds.
import {
    MAX_REMINDER_THRESHOLDS,
    MIN_REMINDER_SECONDS,
    type IntegrationView,
    type ReminderNotify,
    type ReminderSettings,
} from '@ireserve/contract';

export type ThresholdUnit = 'minutes' | 'seconds';

export type ThresholdInput = {value: string; unit: ThresholdUnit};

export type RemindersForm = {
    /** As typed, in order; none = reminders off. */
    thresholds: ThresholdInput[];
    notify: ReminderNotify;
    quietHours: boolean;
    timezone: string;
    from: string;
    to: string;
};

/** The reminder fields an error can be attached to. */
export type ReminderFieldKey =
    | 'remindersThresholds'
    | `reminderThreshold:${number}`
    | 'remindersNotify'
    | 'quietTimezone'
    | 'quietFrom'
    | 'quietTo';

export type ReminderErrors = Partial<Record<ReminderFieldKey, string>>;

export type ReminderMessages = {
    /** A threshold is empty or not a whole number. */
    thresholdNumber: string;
    /** Below MIN_REMINDER_SECONDS ({min} is replaced by the seconds). */
    thresholdTooShort: string;
    /** Not later than the threshold before it. */
    thresholdOrder: string;
    /** More than MAX_REMINDER_THRESHOLDS ({max} is replaced). */
    tooMany: string;
    /** Not an IANA time zone this browser knows. */
    timezone: string;
    /** Not HH:MM (24 hours). */
    time: string;
};

export const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

const OFF_DEFAULTS = {notify: 'assignee' as ReminderNotify, timezone: '', from: '22:00', to: '08:00'};

/** The browser's own time zone (the default when the admin turns quiet hours on), or ''. */
export function browserTimeZone(): string {
    try {
        return Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
    } catch {
        return '';
    }
}

/** The IANA time zones the browser knows, to offer; [] where Intl.supportedValuesOf is missing (older browsers). */
export function knownTimeZones(): string[] {
    const intl = Intl as unknown as {supportedValuesOf?: (key: string) => string[]};
    try {
        return typeof intl.supportedValuesOf === 'function' ? intl.supportedValuesOf('timeZone') : [];
    } catch {
        return [];
    }
}

/** Whether the browser accepts `zone` as a time zone (the bridge checks it the same way, with its own ICU). */
export function isTimeZone(zone: string): boolean {
    if (zone.trim() === '') {
        return false;
    }
    try {
        new Intl.DateTimeFormat('en', {timeZone: zone.trim()});
        return true;
    } catch {
        return false;
    }
}

function thresholdFromSeconds(seconds: number): ThresholdInput {
    return seconds % 60 === 0 ? {value: String(seconds / 60), unit: 'minutes'} : {value: String(seconds), unit: 'seconds'};
}

export function remindersFormFromView(view: IntegrationView): RemindersForm {
    const saved = view.reminders;
    const quiet = saved?.quiet_hours;
    return {
        thresholds: (saved?.after_seconds ?? []).map(thresholdFromSeconds),
        notify: saved?.notify ?? OFF_DEFAULTS.notify,
        quietHours: Boolean(quiet),
        timezone: quiet?.timezone ?? OFF_DEFAULTS.timezone,
        from: quiet?.from ?? OFF_DEFAULTS.from,
        to: quiet?.to ?? OFF_DEFAULTS.to,
    };
}

/** A threshold in seconds, or null when it is not a whole number of its unit. */
export function thresholdSeconds(input: ThresholdInput): number | null {
    const text = input.value.trim();
    if (!/^\d{1,7}$/.test(text)) {
        return null;
    }
    return Number(text) * (input.unit === 'minutes' ? 60 : 1);
}

/** The settings the form stands for (after_seconds [] = off); only meaningful when validateReminders found nothing. */
export function remindersFromForm(form: RemindersForm): ReminderSettings {
    const afterSeconds = form.thresholds.map(thresholdSeconds).filter((seconds): seconds is number => seconds !== null);
    // Quiet hours only matter (and are only checked) while there are thresholds.
    const quiet = form.quietHours && afterSeconds.length > 0;
    return {
        after_seconds: afterSeconds,
        notify: form.notify,
        ...(quiet ? {quiet_hours: {timezone: form.timezone.trim(), from: form.from.trim(), to: form.to.trim()}} : {}),
    };
}

function canonical(settings: ReminderSettings | undefined | null): string {
    if (!settings || settings.after_seconds.length === 0) {
        return 'off';
    }
    const quiet = settings.quiet_hours;
    return JSON.stringify([settings.after_seconds, settings.notify, quiet ? [quiet.timezone, quiet.from, quiet.to] : null]);
}

/**
 * The `reminders` to PATCH when they differ from the saved ones, else undefined. Turning reminders
 * off sends `after_seconds: []`; with no thresholds, the other choices change nothing.
 */
export function remindersPatch(form: RemindersForm, view: IntegrationView): ReminderSettings | undefined {
    const settings = remindersFromForm(form);
    return canonical(settings) === canonical(view.reminders) ? undefined : settings;
}

/** The browser's checks, with the bridge's limits; the bridge checks again and answers 400 naming the field. */
export function validateReminders(form: RemindersForm, messages: ReminderMessages): ReminderErrors {
    const errors: ReminderErrors = {};
    if (form.thresholds.length > MAX_REMINDER_THRESHOLDS) {
        errors.remindersThresholds = messages.tooMany.replace('{max}', String(MAX_REMINDER_THRESHOLDS));
    }
    let previous: number | null = null;
    form.thresholds.forEach((input, index) => {
        const seconds = thresholdSeconds(input);
        if (seconds === null) {
            errors[`reminderThreshold:${index}`] = messages.thresholdNumber;
        } else if (seconds < MIN_REMINDER_SECONDS) {
            errors[`reminderThreshold:${index}`] = messages.thresholdTooShort.replace('{min}', String(MIN_REMINDER_SECONDS));
        } else if (previous !== null && seconds <= previous) {
            errors[`reminderThreshold:${index}`] = messages.thresholdOrder;
        }
        if (seconds !== null) {
            previous = seconds;
        }
    });
    if (form.thresholds.length > 0 && form.quietHours) {
        if (!isTimeZone(form.timezone)) {
            errors.quietTimezone = messages.timezone;
        }
        if (!HH_MM.test(form.from.trim())) {
            errors.quietFrom = messages.time;
        }
        if (!HH_MM.test(form.to.trim())) {
            errors.quietTo = messages.time;
        }
    }
    return errors;
}

/** The reminder field a problem+json `field` (dotted, e.g. `reminders.after_seconds.1`) names, if any. */
export function reminderFieldKey(path: string): ReminderFieldKey | null {
    if (path !== 'reminders' && !path.startsWith('reminders.')) {
        return null;
    }
    const threshold = /^reminders\.after_seconds\.(\d+)$/.exec(path);
    if (threshold) {
        return `reminderThreshold:${Number(threshold[1])}`;
    }
    const fields: Record<string, ReminderFieldKey> = {
        'reminders.notify': 'remindersNotify',
        'reminders.quiet_hours': 'quietTimezone',
        'reminders.quiet_hours.timezone': 'quietTimezone',
        'reminders.quiet_hours.from': 'quietFrom',
        'reminders.quiet_hours.to': 'quietTo',
    };
    return fields[path] ?? 'remindersThresholds';
}

export function isReminderFieldKey(key: string): key is ReminderFieldKey {
    return key.startsWith('reminder') || key.startsWith('quiet');
}
