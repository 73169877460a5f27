import type {ReminderSettings} from '../contract/index.js';

import type {RemindersInput} from './input.js';

/**
 * The reminder settings a (validated) input stands for: null (off) for null or no thresholds;
 * `notify` defaults to `assignee`. The whole object is replaced, never merged.
 */
export function remindersOf(input: RemindersInput | null): ReminderSettings | null {
    if (!input || input.after_seconds.length === 0) {
        return null;
    }
    return {
        after_seconds: [...input.after_seconds],
        notify: input.notify ?? 'assignee',
        ...(input.quiet_hours ? {quiet_hours: {...input.quiet_hours}} : {}),
    };
}
