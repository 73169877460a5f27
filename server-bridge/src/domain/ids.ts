/** Mattermost ids (users, channels, posts, files…): 26 lowercase letters and digits. */
export const MATTERMOST_ID_PATTERN = /^[a-z0-9]{26}$/;

/** Whether `value` can be put into a Mattermost URL path as an id. */
export function isMattermostId(value: unknown): value is string {
    return typeof value === 'string' && MATTERMOST_ID_PATTERN.test(value);
}
