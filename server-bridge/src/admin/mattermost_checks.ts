import type {Channel} from '@mattermost/types/channels';
import type {UserProfile} from '@mattermost/types/users';

import {UpstreamError} from '../domain/errors.js';
import type {AuthMode} from '../contract/index.js';
import type {MattermostPort} from '../ports/mattermost.js';

import {channelAccessAdvice, teamsForAdvice} from './channel_access.js';
import {InvalidSettings, MattermostUnavailable} from './errors.js';

/**
 * The checks made against Mattermost before settings are saved, with the bot's own credentials.
 * Each throws InvalidSettings naming the field at fault, with a `code` the System Console can use:
 * `token_rejected`, `not_a_bot`, `server_unreachable`, `server_error`, `not_mattermost`,
 * `channel_not_found`, `bot_not_on_team` (the bot is on no team, so not on the channel's),
 * `channel_not_visible` (a private channel without the bot, or a team the bot is not on: see
 * channel_access.ts), `channel_archived`, `channel_not_usable`.
 */

function detailOf(error: UpstreamError): string {
    return error.status ? `HTTP ${error.status}: ${error.message}` : error.message;
}

/**
 * GET /api/v4/users/me with the bot's credentials. With a token: the token must be accepted and
 * belong to a bot account. With a login (`authMode` "login"): the login must succeed — Mattermost
 * refuses password logins for bot accounts, so this account is an ordinary user acting as the bot.
 */
export async function checkBot(port: MattermostPort, authMode: AuthMode = 'token'): Promise<UserProfile> {
    let me: UserProfile;
    try {
        me = await port.getMe();
    } catch (error) {
        if (!(error instanceof UpstreamError)) {
            throw error;
        }
        switch (error.kind) {
        case 'login_rejected':
            throw new InvalidSettings('mattermost.password', `login rejected: Mattermost refused this login id and password (${detailOf(error)}). Check the bot account's e-mail (or username) and password, and that the account is active and not locked.`, 'login_rejected');
        case 'token_rejected':
            throw new InvalidSettings('mattermost.bot_token', 'token rejected: Mattermost answered 401 to this bot token (wrong, revoked or expired). Create a new access token for the bot and paste it here.', 'token_rejected');
        case 'address_refused':
            throw new InvalidSettings('mattermost.server_url', `internal address refused: ${error.message}.`, 'address_refused');
        case 'unreachable':
            throw new InvalidSettings('mattermost.server_url', `server unreachable: the bridge could not connect to ${port.serverUrl} (${error.message}). Check the URL and that the bridge can reach it.`, 'server_unreachable');
        case 'server_error':
        case 'rate_limited':
            throw new InvalidSettings('mattermost.server_url', `Mattermost at ${port.serverUrl} answered with an error (${detailOf(error)}). Try again later.`, 'server_error');
        default:
            throw new InvalidSettings('mattermost.server_url', `no Mattermost API at ${port.serverUrl}: GET /api/v4/users/me answered ${detailOf(error)}. Use the server's address as in the browser, without a path.`, 'not_mattermost');
        }
    }
    if (!me || typeof me !== 'object' || typeof me.id !== 'string') {
        throw new InvalidSettings('mattermost.server_url', `no Mattermost API at ${port.serverUrl}: GET /api/v4/users/me did not answer a user. Use the server's address as in the browser, without a path.`, 'not_mattermost');
    }
    if (!me.is_bot && authMode === 'token') {
        throw new InvalidSettings('mattermost.bot_token', `not a bot account: this token belongs to the user @${me.username}. Create a bot account (System Console → Integrations → Bot Accounts), give it an access token, and use that token.`, 'not_a_bot');
    }
    return me;
}

/** The channel must exist and the bot must be able to see it (getChannel). */
export async function checkChannel(port: MattermostPort, channelId: string, field: string): Promise<Channel> {
    let channel: Channel;
    try {
        channel = await port.getChannel(channelId);
    } catch (error) {
        if (!(error instanceof UpstreamError)) {
            throw error;
        }
        switch (error.kind) {
        case 'not_found':
            throw new InvalidSettings(field, `channel not found: there is no channel ${channelId} on the Mattermost server (or it was deleted). Pick a channel from the list.`, 'channel_not_found');
        case 'not_a_member':
        case 'forbidden': {
            const me = await port.getMe().catch(() => null);
            const advice = channelAccessAdvice({username: me?.username ?? '', userId: me?.id ?? null}, `channel ${channelId}`, await teamsForAdvice(port));
            throw new InvalidSettings(field, advice.message, advice.code === 'not_on_team' ? 'bot_not_on_team' : 'channel_not_visible');
        }
        case 'login_rejected':
            throw new InvalidSettings('mattermost.password', `login rejected: Mattermost refused this login id and password (${detailOf(error)}).`, 'login_rejected');
        case 'token_rejected':
            throw new InvalidSettings('mattermost.bot_token', 'token rejected: Mattermost answered 401 to this bot token (wrong, revoked or expired). Create a new access token for the bot and paste it here.', 'token_rejected');
        case 'unreachable':
            throw new InvalidSettings('mattermost.server_url', `server unreachable: the bridge could not connect to ${port.serverUrl} (${error.message}).`, 'server_unreachable');
        default:
            throw new InvalidSettings(field, `Mattermost refused to show channel ${channelId} (${detailOf(error)}).`, 'server_error');
        }
    }
    if (channel.delete_at && channel.delete_at > 0) {
        throw new InvalidSettings(field, `channel ~${channel.name} is archived. Unarchive it or pick another channel.`, 'channel_archived');
    }
    if (channel.type !== 'O' && channel.type !== 'P') {
        throw new InvalidSettings(field, 'must be a public or private channel, not a direct or group message.', 'channel_not_usable');
    }
    return channel;
}

/**
 * The channels the bot is a member of, across its teams (public and private only).
 * Mattermost answers GET /users/me/channels for a user in no channel at all with a body that does
 * not parse (it has already written `[` when it finds there is nothing); the funnel reports that as
 * `unreachable`. When the server answers the very next request, the list was that empty answer.
 */
export async function myChannels(port: MattermostPort): Promise<Channel[]> {
    let channels: Channel[];
    try {
        channels = await port.getMyChannels();
    } catch (error) {
        if (error instanceof UpstreamError && error.kind === 'unreachable') {
            await readOrUnavailable(() => port.getMe(), port);
            return [];
        }
        throw toUnavailable(error, port);
    }
    return channels.filter((channel) => (channel.type === 'O' || channel.type === 'P') && !(channel.delete_at > 0));
}

/** Runs a Mattermost read for an admin view; failures become MattermostUnavailable. */
export async function readOrUnavailable<T>(read: () => Promise<T>, port: MattermostPort): Promise<T> {
    try {
        return await read();
    } catch (error) {
        throw toUnavailable(error, port);
    }
}

/** Mattermost failures of an admin read as MattermostUnavailable; anything else unchanged. */
export function toUnavailable(error: unknown, port: MattermostPort): unknown {
    if (!(error instanceof UpstreamError)) {
        return error;
    }
    if (error.kind === 'login_rejected') {
        return new MattermostUnavailable('login_rejected', 'Login rejected: Mattermost refused the bot account\'s e-mail and password. Fix the login in the settings.');
    }
    if (error.kind === 'token_rejected') {
        return new MattermostUnavailable('token_rejected', 'Mattermost rejected the bot token (wrong, revoked or expired). Create a new access token for the bot and save it in the settings.');
    }
    if (error.kind === 'unreachable') {
        return new MattermostUnavailable('unreachable', `The bridge could not reach Mattermost at ${port.serverUrl} (${error.message}).`);
    }
    return new MattermostUnavailable(error.kind, `Mattermost at ${port.serverUrl} answered ${detailOf(error)}.`);
}
