import type {DmSettings, NotificationType} from '../contract/index.js';

import type {DmSettingsInput} from './input.js';

/**
 * Applies a dm_settings input: a PUT starts from the defaults, a PATCH from the stored settings.
 * Subscriber e-mails are de-duplicated case-insensitively; an empty list removes the type.
 */
export function applyDmSettings(base: DmSettings, input: DmSettingsInput | undefined): DmSettings {
    if (!input) {
        return base;
    }
    const subscriptions: DmSettings['subscriptions'] = {...base.subscriptions};
    for (const [type, emails] of Object.entries(input.subscriptions ?? {}) as Array<[NotificationType, string[] | null]>) {
        const unique = [...new Map((emails ?? []).map((email) => [email.toLowerCase(), email])).values()];
        if (unique.length === 0) {
            delete subscriptions[type];
        } else {
            subscriptions[type] = unique;
        }
    }
    return {
        on_assignment: input.on_assignment ?? base.on_assignment,
        on_guest_message: input.on_guest_message ?? base.on_guest_message,
        subscriptions,
    };
}
