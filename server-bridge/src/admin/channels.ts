import type {Channel} from '@mattermost/types/channels';

import {NOTIFICATION_TYPES, isIncomingWebhookTarget, type ChannelView, type NotificationType} from '../contract/index.js';
import {UpstreamError} from '../domain/errors.js';
import {conversationChannels, type Integration} from '../domain/integration.js';
import type {MattermostPort} from '../ports/mattermost.js';

import {myChannels, readOrUnavailable, toUnavailable} from './mattermost_checks.js';

/**
 * The channels the bot is a member of across its teams, for the channel dropdowns. Channels the
 * settings already use (the default channel, every route's, the notification channels) stay listed after the bot left them (`member: false`), with their names
 * when Mattermost still shows them (public channels) and empty names when it does not. Sorted by
 * team, then display name. Throws MattermostUnavailable when Mattermost refuses or is down.
 */
export async function listChannels(integration: Integration, port: MattermostPort): Promise<ChannelView[]> {
    const teams = new Map((await readOrUnavailable(() => port.getMyTeams(), port)).map((team) => [team.id, team]));
    const channels = await myChannels(port);
    const mapped = new Map<string, NotificationType[]>();
    for (const type of NOTIFICATION_TYPES) {
        const target = integration.notificationChannels[type]?.trim() ?? '';
        if (target !== '' && !isIncomingWebhookTarget(target)) {
            mapped.set(target, [...(mapped.get(target) ?? []), type]);
        }
    }
    const routesOf = new Map<string, number[]>();
    integration.routes.forEach((route, index) => routesOf.set(route.channelId, [...(routesOf.get(route.channelId) ?? []), index]));
    const view = (channel: Channel, member: boolean): ChannelView => ({
        id: channel.id,
        name: channel.name,
        display_name: channel.display_name,
        type: channel.type,
        team_id: channel.team_id,
        team_name: teams.get(channel.team_id)?.name ?? '',
        member,
        selected: channel.id === integration.channelId,
        routes: routesOf.get(channel.id) ?? [],
        notification_types: mapped.get(channel.id) ?? [],
    });
    const out = channels.map((channel) => view(channel, true));
    const listed = new Set(out.map((channel) => channel.id));
    for (const id of [...conversationChannels(integration).map((channel) => channel.channelId), ...mapped.keys()]) {
        if (id === '' || listed.has(id)) {
            continue;
        }
        listed.add(id);
        try {
            out.push(view(await port.getChannel(id), false));
        } catch (error) {
            if (!(error instanceof UpstreamError) || error.retryable || error.kind === 'token_rejected') {
                throw toUnavailable(error, port);
            }
            // Private and left, or deleted: still listed so the saved choice stays visible.
            out.push({id, name: '', display_name: '', type: '', team_id: '', team_name: '', member: false, selected: id === integration.channelId, routes: routesOf.get(id) ?? [], notification_types: mapped.get(id) ?? []});
        }
    }
    return out.sort((a, b) => a.team_name.localeCompare(b.team_name) || a.display_name.localeCompare(b.display_name) || a.id.localeCompare(b.id));
}
