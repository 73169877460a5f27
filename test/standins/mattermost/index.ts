// Mattermost stand-in: a real HTTP/websocket server speaking the part of REST API v4 that the
// bridge and the webapp use, with test controls. See README.md.
export {MattermostStandIn, pollUntil} from './standin.js';
export type {NewBot, NewChannel, NewIncomingWebhook, NewOutgoingWebhook, NewUser, Seed, StartOptions} from './standin.js';
export type {FailNextOptions, FaultMatch, OutageMode, OutageOptions, RateLimitOptions, StormOptions} from './faults.js';
export type {OutgoingWebhookPayload, WebhookCall} from './outgoing_webhooks.js';
export type {RequestRecord} from './server.js';
export type {WsConnectionInfo, WsEvent} from './websocket.js';
export type {
    ChannelRec,
    FileRec,
    IncomingWebhookRec,
    OutgoingWebhookRec,
    PostRec,
    ReactionRec,
    StandInConfig,
    TeamRec,
    UserRec,
} from './records.js';
export {DEFAULT_CONFIG} from './records.js';
export {AppError} from './errors.js';
