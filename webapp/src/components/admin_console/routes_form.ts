// The routes part of the integration set-up as data (DESIGN §13): an ordered list of routes, each
// sending the new conversations it matches (inbox, locale, page URL prefix) to its own channel;
// built from the bridge's view, checked in the browser with the bridge's limits
// (@ireserve/contract routing.ts), and turned into the `routes` of the PATCH body. A route's
// outgoing-webhook token is write-only like the other tokens: sent only when something was typed.
import {INBOX_MAX_LENGTH, MAX_ROUTES, normalisePrefix, type IntegrationView, type RouteInput} from '@ireserve/contract';

export type RouteForm = {

    /** A stable React key for the row (routes have no id of their own). */
    key: string;
    inbox: string;
    locale: string;
    pageUrlPrefix: string;
    channelId: string;

    /** Write-only: '' keeps the token saved for this channel. */
    token: string;

    /** Whether the bridge holds a token for this route (from the view). */
    tokenSet: boolean;
};

/** The route fields an error can be attached to; `route:<i>:match` is the route as a whole (no match field). */
export type RouteFieldName = 'inbox' | 'locale' | 'pageUrlPrefix' | 'channelId' | 'token' | 'match';
export type RouteFieldKey = 'routes' | `route:${number}:${RouteFieldName}`;

export type RouteErrors = Partial<Record<RouteFieldKey, string>>;

export type RouteMessages = {

    /** No channel chosen. */
    channelRequired: string;

    /** No match field given. */
    matchRequired: string;

    /** The page URL prefix is not an http(s) URL. */
    prefixInvalid: string;

    /** The locale is not a language tag. */
    localeInvalid: string;

    /** The inbox is longer than INBOX_MAX_LENGTH ({max} is replaced). */
    inboxTooLong: string;

    /** More than MAX_ROUTES ({max} is replaced). */
    tooMany: string;
};

const LOCALE = /^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*$/;

let keys = 0;

/** A new, empty route row. */
export function newRoute(): RouteForm {
    keys += 1;
    return {key: `route-${keys}`, inbox: '', locale: '', pageUrlPrefix: '', channelId: '', token: '', tokenSet: false};
}

export function routesFormFromView(view: IntegrationView): RouteForm[] {
    return (view.routes ?? []).map((route) => ({
        ...newRoute(),
        inbox: route.inbox ?? '',
        locale: route.locale ?? '',
        pageUrlPrefix: route.page_url_prefix ?? '',
        channelId: route.channel_id,
        tokenSet: Boolean(route.outgoing_webhook_token_set),
    }));
}

/** The routes the form stands for, in order: empty match fields left out, a token only when typed. */
export function routesFromForm(routes: readonly RouteForm[]): RouteInput[] {
    return routes.map((route) => ({
        ...(route.inbox.trim() ? {inbox: route.inbox.trim()} : {}),
        ...(route.locale.trim() ? {locale: route.locale.trim()} : {}),
        ...(route.pageUrlPrefix.trim() ? {page_url_prefix: route.pageUrlPrefix.trim()} : {}),
        channel_id: route.channelId,
        ...(route.token.trim() ? {outgoing_webhook_token: route.token.trim()} : {}),
    }));
}

function canonical(routes: readonly RouteInput[]): string {
    return JSON.stringify(routes.map((route) => [route.inbox ?? '', route.locale ?? '', route.page_url_prefix ?? '', route.channel_id]));
}

/**
 * The whole `routes` list to PATCH when it differs from the saved one (order included) or a token
 * was typed, else undefined. A prefix is compared in its normalised form, as the bridge stores it.
 */
export function routesPatch(routes: readonly RouteForm[], view: IntegrationView): RouteInput[] | undefined {
    const wanted = routesFromForm(routes);
    const comparable = wanted.map((route) => (route.page_url_prefix ? {...route, page_url_prefix: normalisePrefix(route.page_url_prefix) ?? route.page_url_prefix} : route));
    const saved = (view.routes ?? []).map((route) => ({...route}));
    const tokenTyped = wanted.some((route) => route.outgoing_webhook_token !== undefined);
    return tokenTyped || canonical(comparable) !== canonical(saved) ? wanted : undefined;
}

/** The browser's checks, with the bridge's limits; the bridge checks again and answers 400 naming the field. */
export function validateRoutes(routes: readonly RouteForm[], messages: RouteMessages): RouteErrors {
    const errors: RouteErrors = {};
    if (routes.length > MAX_ROUTES) {
        errors.routes = messages.tooMany.replace('{max}', String(MAX_ROUTES));
    }
    routes.forEach((route, index) => {
        if (!route.inbox.trim() && !route.locale.trim() && !route.pageUrlPrefix.trim()) {
            errors[`route:${index}:match`] = messages.matchRequired;
        }
        if (route.inbox.trim().length > INBOX_MAX_LENGTH) {
            errors[`route:${index}:inbox`] = messages.inboxTooLong.replace('{max}', String(INBOX_MAX_LENGTH));
        }
        if (route.locale.trim() && !LOCALE.test(route.locale.trim())) {
            errors[`route:${index}:locale`] = messages.localeInvalid;
        }
        if (route.pageUrlPrefix.trim() && normalisePrefix(route.pageUrlPrefix) === null) {
            errors[`route:${index}:pageUrlPrefix`] = messages.prefixInvalid;
        }
        if (!route.channelId) {
            errors[`route:${index}:channelId`] = messages.channelRequired;
        }
    });
    return errors;
}

/** The route field a problem+json `field` (dotted, e.g. `routes.2.channel_id`) names, if any. */
export function routeFieldKey(path: string): RouteFieldKey | null {
    if (path !== 'routes' && !path.startsWith('routes.')) {
        return null;
    }
    const match = /^routes\.(\d+)(?:\.([a-z_]+))?/.exec(path);
    if (!match) {
        return 'routes';
    }
    const index = Number(match[1]);
    const fields: Record<string, RouteFieldName> = {
        inbox: 'inbox',
        locale: 'locale',
        page_url_prefix: 'pageUrlPrefix',
        channel_id: 'channelId',
        outgoing_webhook_token: 'token',
    };
    return `route:${index}:${(match[2] && fields[match[2]]) || 'match'}`;
}

export function isRouteFieldKey(key: string): key is RouteFieldKey {
    return key === 'routes' || key.startsWith('route:');
}

/** Moves the route at `from` to `to` (both in range), keeping the others in order. */
export function moveRoute(routes: readonly RouteForm[], from: number, to: number): RouteForm[] {
    const next = [...routes];
    const [moved] = next.splice(from, 1);
    next.splice(to, 0, moved!);
    return next;
}
