import type {RouteView} from '../contract/index.js';
import type {Route} from '../domain/integration.js';

import type {RouteInputParsed} from './input.js';

/**
 * The routes of a settings input (DESIGN §13) completed from the stored ones. Tokens are write-only:
 * a route sent without `outgoing_webhook_token` keeps the token saved for a route on the same
 * channel (a token belongs to the outgoing webhook of one channel, so it follows the channel when
 * routes are reordered, edited or replaced by a full PUT); '' or null removes it.
 */
export function resolveRoutes(input: readonly RouteInputParsed[], existing: readonly Route[]): Route[] {
    const savedToken = new Map<string, string>();
    for (const route of existing) {
        if (route.outgoingWebhookToken && !savedToken.has(route.channelId)) {
            savedToken.set(route.channelId, route.outgoingWebhookToken);
        }
    }
    return input.map((route) => ({
        ...(route.inbox !== undefined ? {inbox: route.inbox} : {}),
        ...(route.locale !== undefined ? {locale: route.locale} : {}),
        ...(route.page_url_prefix !== undefined ? {page_url_prefix: route.page_url_prefix} : {}),
        channelId: route.channel_id,
        outgoingWebhookToken: route.outgoing_webhook_token === undefined
            ? savedToken.get(route.channel_id) ?? null
            : route.outgoing_webhook_token || null,
    }));
}

/** The routes as the admin API shows them: without their tokens, only whether one is set. */
export function routeViews(routes: readonly Route[]): RouteView[] {
    return routes.map((route) => ({
        ...(route.inbox !== undefined ? {inbox: route.inbox} : {}),
        ...(route.locale !== undefined ? {locale: route.locale} : {}),
        ...(route.page_url_prefix !== undefined ? {page_url_prefix: route.page_url_prefix} : {}),
        channel_id: route.channelId,
        outgoing_webhook_token_set: route.outgoingWebhookToken !== null,
    }));
}
