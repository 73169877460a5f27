/**
 * The contract between the bridge and the webapp plugin: everything both halves must agree on,
 * defined once. The bridge imports it from `server-bridge/src/contract/` (it is part of the
 * bridge's build); the webapp imports it as `@ireserve/contract` (a path alias in
 * webapp/tsconfig.json, webpack.config.js and jest.config.js pointing here).
 *
 * - posts.ts     — the posts the bridge makes and the plugin reads: post types, the `props` keys and
 *                  their shapes, the composer's `props.ireserve_reply`, the delivery emoji (DESIGN §4, §7).
 * - actions.ts   — acting on a conversation (DESIGN §10): the action names and the bot's action notes.
 * - booking.ts   — the guest's booking beside the chat (DESIGN §13): its shape and calendar-day helpers.
 * - settings.ts  — notification types, relay/inbound/auth modes, direct-message settings, reminders.
 * - routing.ts   — routes (DESIGN §13): their shapes in the admin API and the one matching rule.
 * - admin_api.ts — the admin API's requests and answers (integration view and patch, status,
 *                  channels, test results, deliveries, erasures, problem+json) and delivery error codes (DESIGN §5).
 * - format.ts    — wording both halves show alike (byte sizes).
 *
 * Rules: pure TypeScript without runtime dependencies (no imports outside this folder, no Node or
 * DOM APIs), so the bridge's tsc and the webapp's babel/webpack/jest build the same source; only
 * constants, types and tiny pure guards both halves need. Part two's new props and callbacks
 * (conversation actions, reminders, edits, routing — DESIGN §10–§13) are added here first, and both
 * halves import them from here.
 */
export * from './actions.js';
export * from './admin_api.js';
export * from './booking.js';
export * from './format.js';
export * from './posts.js';
export * from './settings.js';
export * from './routing.js';
