import {format, type Strings} from '../../i18n';
import type {MattermostError} from '../../client/mattermost_client';
import type {SendReplyError} from '../../store/operations';

function describeMattermostError(strings: Strings, error: MattermostError): string {
    if (error.kind === 'network') {
        return strings.errorNetwork;
    }
    if (error.status === 401) {
        return strings.errorSession;
    }
    if (error.status === 403) {
        return strings.errorForbidden;
    }
    if (error.status === 413) {
        return strings.errorTooLarge;
    }
    if (error.status === 429) {
        return strings.errorRateLimited;
    }
    if ((error.status === 400 && error.serverErrorId === 'api.post.create_post.root_id.app_error') || error.status === 404) {
        return strings.errorRootGone;
    }
    return format(strings.errorGeneric, {message: error.message});
}

/** What the agent reads when a reply could not be sent, in plain language. */
export function describeSendError(strings: Strings, error: SendReplyError): string {
    const text = describeMattermostError(strings, error.error);
    if (error.stage === 'upload' && error.fileName) {
        return format(strings.errorUpload, {name: error.fileName, message: text});
    }
    return text;
}
