import type {Team} from '@mattermost/types/teams';

import type {TestErrorCode} from '../contract/index.js';
import {UpstreamError} from '../domain/errors.js';
import type {MattermostPort} from '../ports/mattermost.js';

/**
 * Why the bot cannot see a channel that exists, and the fix for each case.
 *
 * Mattermost answers `GET /channels/{id}` with 403 both for a private channel the bot is not a
 * member of and for a public channel of a team the bot is not on (api4/channel.go getChannel:
 * public channels need `read_public_channel` on the channel's team, i.e. team membership), and
 * the bot cannot read the channel's team to tell which. What it can read is its own teams:
 * - on no team at all → the channel's team is certainly missing (`not_on_team`): add the bot to
 *   the team first — `/invite` in the channel fails until then (the server adds only team members
 *   to channels);
 * - on some teams → either case (`not_visible`): the message names the bot's teams and gives both
 *   fixes, the team one first.
 * A public channel on one of the bot's teams never gets here: the bot can read it.
 */
export type ChannelAccessProblem = Extract<TestErrorCode, 'not_on_team' | 'not_visible'>;

export interface ChannelAccessAdvice {
    code: ChannelAccessProblem;
    message: string;
}

export interface BotIdentity {
    username: string;
    userId: string | null;
}

function teamFix(bot: BotIdentity): string {
    const userId = bot.userId ?? '<the bot\'s user id>';
    return 'add the bot to that team first — /invite does not work before that: System Console → User Management → Teams → '
        + `(the team) → Add Members, or POST /api/v4/teams/{team_id}/members with {"team_id": "<team id>", "user_id": "${userId}"}`;
}

/**
 * @param teams the bot's teams, or null when they could not be read (then the advice covers both cases).
 */
export function channelAccessAdvice(bot: BotIdentity, where: string, teams: readonly Team[] | null): ChannelAccessAdvice {
    const name = bot.username ? `@${bot.username}` : 'the bot';
    if (teams !== null && teams.length === 0) {
        return {
            code: 'not_on_team',
            message: `The bot ${name} is not on any team, so it cannot see ${where}. In Mattermost, ${teamFix(bot)}; `
                + `then add it to the channel (type /invite ${name} in ${where}).`,
        };
    }
    const onTeams = teams === null ? '' : ` (the bot is on: ${teams.map((team) => team.display_name || team.name).join(', ')})`;
    return {
        code: 'not_visible',
        message: `The bot ${name} cannot see ${where} (Mattermost answered 403). Either the channel belongs to a team the bot is not on${onTeams} — `
            + `then ${teamFix(bot)}, and afterwards type /invite ${name} in the channel — or it is a private channel the bot is not a member of — `
            + `then type /invite ${name} in the channel.`,
    };
}

/** The bot's teams for channelAccessAdvice; null when Mattermost does not show them. */
export async function teamsForAdvice(port: MattermostPort): Promise<Team[] | null> {
    try {
        return await port.getMyTeams();
    } catch (error) {
        if (error instanceof UpstreamError) {
            return null;
        }
        throw error;
    }
}
