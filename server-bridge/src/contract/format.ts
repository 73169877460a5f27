/**
 * Wording both halves show the same way: the bridge in its plain-language reasons (an attachment
 * over the limit), the webapp in the composer (a file too large, the size beside each file).
 */

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB'] as const;

/**
 * A byte count in the largest unit (1024-based) that keeps it at 1 or more, with at most one decimal,
 * written for `locale` (default English): 500 → "500 B", 1536 → "1.5 KB", 1048576 → "1 MB";
 * "1,5 KB" in German. Uses only the language's Intl, so it runs the same in Node and in browsers.
 */
export function formatBytes(bytes: number, locale = 'en'): string {
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${new Intl.NumberFormat(locale, {maximumFractionDigits: unit === 0 ? 0 : 1}).format(value)} ${BYTE_UNITS[unit]}`;
}
