// One way to every user-facing string: useStrings() gives the current user's language (English,
// Dutch), with English for anything a translation lacks.
import {useSelector} from 'react-redux';

import {getLocale} from '../store/selectors';
import type {HostState} from '../types/host';

import en, {type Strings} from './en';
import nl from './nl';

export type {Strings};

const catalogs: Record<string, Partial<Strings>> = {en, nl};
const cache = new Map<string, Strings>();

export function stringsFor(locale: string): Strings {
    const language = locale.toLowerCase().split(/[-_]/)[0] ?? 'en';
    let strings = cache.get(language);
    if (!strings) {
        strings = {...en, ...catalogs[language]};
        cache.set(language, strings);
    }
    return strings;
}

/** Fills {name} placeholders; unknown placeholders are left as they are. */
export function format(template: string, values: Record<string, string | number>): string {
    return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

export function messageCount(strings: Strings, locale: string, count: number): string {
    const rule = new Intl.PluralRules(locale).select(count);
    return format(rule === 'one' ? strings.messageCountOne : strings.messageCountOther, {count});
}

export function notificationTypeLabel(strings: Strings, type: string): string {
    return strings.notificationTypes[type] ?? en.notificationTypes[type] ?? strings.notification;
}

export function useStrings(): {strings: Strings; locale: string} {
    const locale = useSelector((state: HostState) => getLocale(state));
    return {strings: stringsFor(locale), locale};
}
