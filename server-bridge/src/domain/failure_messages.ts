import type {FailureKind, Upstream} from './errors.js';

/**
 * Plain-language reasons shown to admins (status, failed deliveries) and agents (⚠️ replies).
 * They say what is wrong and what to do, never a secret.
 */
export function describeFailure(upstream: Upstream, kind: FailureKind, detail?: string): string {
    const where = upstream === 'mattermost' ? 'Mattermost' : upstream === 'ireserve' ? 'i-Reserve' : 'The incoming webhook';
    switch (kind) {
    case 'not_a_member':
        return 'The bot is not a member of the channel. Add the bot to the channel in Mattermost (/invite @bot in the channel; if the bot is not on the channel\'s team yet, add it to the team first — System Console → User Management → Teams — since /invite does not work before that), then retry the failed deliveries.';
    case 'token_rejected':
        return upstream === 'mattermost'
            ? 'Mattermost rejected the bot token (revoked, expired or wrong). Create a new access token for the bot and save it in the settings.'
            : `${where} rejected the request as unauthorised (401). Check the callback URL and the signing secret on the i-Reserve side.`;
    case 'login_rejected':
        return 'Login rejected: Mattermost refused the bot account\'s e-mail and password (wrong or changed password, or the account is deactivated or locked). Deliveries are waiting; fix the login in the settings and they continue.';
    case 'forbidden':
        return `${where} refused the request (403)${detail ? `: ${detail}` : ''}.`;
    case 'not_found':
        if (upstream === 'webhook') {
            return `The incoming webhook does not exist (it was deleted, or the URL is wrong)${detail ? `: ${detail}` : ''}. Create an incoming webhook in Mattermost (Integrations → Incoming Webhooks), save its URL in the settings, then retry the failed deliveries.`;
        }
        return upstream === 'mattermost'
            ? 'The channel or post was not found in Mattermost. Check the channel in the settings.'
            : `${where} answered 404 (not found)${detail ? `: ${detail}` : ''}. Check the URL in the settings.`;
    case 'root_missing':
        return 'The conversation\'s root post is gone in Mattermost.';
    case 'too_large':
        return `${where} refused the data as too large${detail ? `: ${detail}` : ''}.`;
    case 'invalid':
        return `${where} refused the request as invalid${detail ? `: ${detail}` : ''}.`;
    case 'rate_limited':
        return `${where} is rate limiting the bridge; it will retry after the time it asked for.`;
    case 'server_error':
        return `${where} had a server error${detail ? ` (${detail})` : ''}; the bridge will retry.`;
    case 'address_refused':
        return `The bridge did not connect to ${where}: ${detail ?? 'the address is internal'}. Use the public address, or have the operator list the host or its range in BRIDGE_ALLOWED_INTERNAL_HOSTS; then retry the failed deliveries.`;
    case 'unreachable':
        return `${where} could not be reached${detail ? ` (${detail})` : ''}; the bridge will retry.`;
    }
}
