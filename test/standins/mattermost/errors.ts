/** A Mattermost AppError: answered as `{id, message, detailed_error, request_id, status_code}`. */
export class AppError extends Error {
    constructor(
        readonly statusCode: number,
        readonly id: string,
        message?: string,
        readonly detailedError = '',
    ) {
        super(message ?? defaultMessage(id));
    }

    toJSON(requestId: string): Record<string, unknown> {
        return {
            id: this.id,
            message: this.message,
            detailed_error: this.detailedError,
            request_id: requestId,
            status_code: this.statusCode,
        };
    }
}

const MESSAGES: Record<string, string> = {
    'api.context.session_expired.app_error': 'Invalid or expired session, please login again.',
    'api.context.permissions.app_error': 'You do not have the appropriate permissions.',
    'api.context.invalid_body_param.app_error': 'Invalid or missing parameter in request body.',
    'api.context.invalid_url_param.app_error': 'Invalid or missing parameter in request URL.',
    'api.context.invalid_param.app_error': 'Invalid parameter.',
    'api.context.404.app_error': 'Sorry, we could not find the page.',
    'api.context.request_body_too_large.app_error': 'Request body is too large.',
    'api.post.create_post.root_id.app_error': 'Invalid RootId parameter.',
    'api.post.create_post.channel_root_id.app_error': 'Invalid ChannelId for RootId parameter.',
    'model.post.is_valid.message_length.app_error': 'Post Message property is longer than the maximum permitted length.',
    'model.post.is_valid.file_ids.app_error': 'Invalid file ids.',
    'model.post.is_valid.type.app_error': 'Invalid type.',
    'app.post.get.app_error': 'Unable to get the post.',
    'app.channel.get.existing.app_error': 'Unable to find the existing channel.',
    'app.user.missing_account.const': 'Unable to find the user.',
    'app.team.get.find.app_error': 'Unable to find the existing team.',
    'api.user.login.invalid_credentials_email_username': 'Enter a valid email or username and/or password.',
    'api.file.upload_file.too_large_detailed.app_error': 'Unable to upload file. File is too large.',
    'api.file.get_file_info.app_error': 'Unable to get the file info.',
    'api.internal_error': 'Internal server error.',
    'api.context.server_busy.app_error': 'Server is busy, non-critical services are temporarily unavailable.',
};

function defaultMessage(id: string): string {
    return MESSAGES[id] ?? id;
}

export const forbidden = (): AppError => new AppError(403, 'api.context.permissions.app_error');
export const unauthorized = (detail = ''): AppError =>
    new AppError(401, 'api.context.session_expired.app_error', undefined, detail);
export const invalidBody = (name: string): AppError =>
    new AppError(400, 'api.context.invalid_body_param.app_error', `Invalid or missing ${name} in request body.`);
export const invalidUrl = (name: string): AppError =>
    new AppError(400, 'api.context.invalid_url_param.app_error', `Invalid or missing ${name} parameter in request URL.`);
