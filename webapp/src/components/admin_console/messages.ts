// Bridge failures in the admin's words: what went wrong and what to check. Classified by the
// BridgeError's kind and status, never by matching message text.
import {BridgeError} from '../../client/bridge_client';
import {format, type Strings} from '../../i18n';

export function errorMessage(strings: Strings, err: unknown, bridgeUrl: string, licence = ''): string {
    if (!(err instanceof BridgeError)) {
        return err instanceof Error ? err.message : String(err);
    }
    switch (err.kind) {
    case 'network':
        return format(strings.adminUnreachable, {url: bridgeUrl, origin: typeof window === 'undefined' ? '' : window.location.origin});
    case 'invalid_response':
        return format(strings.adminUnexpectedAnswer, {url: bridgeUrl});
    case 'config':
        return err.message;
    default:
        if (err.status === 401 || err.status === 403) {
            return format(strings.adminKeyRefused, {licence});
        }
        if (err.status === 404 && !err.detail) {
            return format(strings.adminNotFound, {licence});
        }
        return err.detail ?? err.title ?? err.message;
    }
}
