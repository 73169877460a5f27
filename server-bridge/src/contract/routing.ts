/**
 * Routing (DESIGN §13): which channel a new conversation goes to. Per integration an ordered list of
 * routes; the first route whose given match fields all match the conversation chooses its channel,
 * else the integration's default `channel_id`. A conversation stays in the channel it started in.
 *
 * Matching (the same rules in the bridge and in System Console's help):
 * - `inbox`: the conversation's `inbox` (the chat widget, park or department), equal ignoring case.
 * - `locale`: the conversation's `locale`, equal ignoring case, or a sub-tag of it: route `nl`
 *   matches `nl`, `nl-NL` and `nl_BE`; route `nl-BE` matches `nl-BE` only.
 * - `page_url_prefix`: an http(s) URL the conversation's `page_url` starts with (both compared in
 *   their normalised form: scheme and host lower-cased, `https://parks.example` = `https://parks.example/`).
 */

/** At most this many routes per integration. */
export const MAX_ROUTES = 50;
/** `inbox` of an event and of a route: 1–100 characters. */
export const INBOX_MAX_LENGTH = 100;

/** The match fields of a route; at least one is given. */
export const ROUTE_MATCH_FIELDS = ['inbox', 'locale', 'page_url_prefix'] as const;
export type RouteMatchField = (typeof ROUTE_MATCH_FIELDS)[number];

/** One route as the admin API shows it (GET …/{licence}: `routes`). */
export interface RouteView {
    inbox?: string;
    locale?: string;
    page_url_prefix?: string;
    /** The channel conversations matching this route go to. */
    channel_id: string;
    /**
     * Whether an outgoing-webhook token is saved for this route (write-only, like the other tokens):
     * the token of the outgoing webhook on the route's channel (webhook mode needs one per channel).
     */
    outgoing_webhook_token_set: boolean;
}

/**
 * One route as a client sends it (PUT/PATCH `routes`: the whole ordered list). An omitted
 * `outgoing_webhook_token` keeps the token saved for the same channel; '' removes it.
 */
export interface RouteInput {
    inbox?: string;
    locale?: string;
    page_url_prefix?: string;
    channel_id: string;
    outgoing_webhook_token?: string;
}

/** What a conversation is routed by: its `inbox`, `locale` and `page_url`, as i-Reserve sent them. */
export interface RoutingFacts {
    inbox?: string;
    locale?: string;
    page_url?: string;
}

/** A route's match fields (as stored: page_url_prefix normalised). */
export interface RouteMatch {
    inbox?: string;
    locale?: string;
    page_url_prefix?: string;
}

function normalisedUrl(value: string): string | null {
    try {
        return new URL(value.trim()).href;
    } catch {
        return null;
    }
}

/** The normalised form of a page-URL prefix (what is stored and compared); null when it is no URL. */
export function normalisePrefix(value: string): string | null {
    const href = normalisedUrl(value);
    return href !== null && /^https?:$/.test(new URL(href).protocol) ? href : null;
}

function localeMatches(routeLocale: string, locale: string): boolean {
    const want = routeLocale.trim().toLowerCase().replace(/_/g, '-');
    const have = locale.trim().toLowerCase().replace(/_/g, '-');
    return have === want || have.startsWith(`${want}-`);
}

/** Whether every match field the route gives matches the conversation (a route with none matches nothing). */
export function routeMatches(route: RouteMatch, facts: RoutingFacts): boolean {
    let given = 0;
    if (route.inbox !== undefined) {
        given += 1;
        if (facts.inbox === undefined || facts.inbox.trim().toLowerCase() !== route.inbox.trim().toLowerCase()) {
            return false;
        }
    }
    if (route.locale !== undefined) {
        given += 1;
        if (facts.locale === undefined || !localeMatches(route.locale, facts.locale)) {
            return false;
        }
    }
    if (route.page_url_prefix !== undefined) {
        given += 1;
        const page = facts.page_url === undefined ? null : normalisedUrl(facts.page_url);
        const prefix = normalisePrefix(route.page_url_prefix);
        if (page === null || prefix === null || !page.startsWith(prefix)) {
            return false;
        }
    }
    return given > 0;
}

/** The index of the first route that matches, or -1 (the default channel). */
export function matchingRoute(routes: readonly RouteMatch[], facts: RoutingFacts): number {
    return routes.findIndex((route) => routeMatches(route, facts));
}
