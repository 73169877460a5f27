/**
 * `{postId: …}` → `{post_id: …}`: the top-level keys only (nested values are Mattermost's or
 * already snake_case). For job payloads written before every payload was snake_case (migrations
 * 0005 and 0008, and the actions' jobs an older bridge process may still queue).
 */
export function snakeCaseKeys(value: unknown): unknown {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return value;
    }
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), inner]));
}
