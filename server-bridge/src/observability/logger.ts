import pino, {type Logger} from 'pino';

/**
 * Secrets never reach the log: every field that can carry one is redacted wherever it appears.
 * Request logging in http/ logs method, route and status only — never bodies or headers (refusals at
 * info, answered requests at debug).
 */
export const REDACTED_PATHS = [
    'bot_token', '*.bot_token', 'password', '*.password', '*.*.password',
    'outgoing_webhook_token', '*.outgoing_webhook_token', 'token', '*.token',
    'signing_secret', '*.signing_secret', 'admin_key', '*.admin_key',
    'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
    'secretKey', '*.secretKey',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
    return pino({level, redact: {paths: REDACTED_PATHS, censor: '[redacted]'}, base: {service: 'ireserve-bridge'}}, destination);
}

export type {Logger};
