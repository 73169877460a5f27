import {SLASH_COMMAND_TRIGGER, type ConversationAction} from '../../contract/actions.js';
import {NOTIFICATION_TYPES} from '../../contract/index.js';

/**
 * The `/ireserve` slash command's words (DESIGN §10), pure: what the agent typed → what to do.
 * `claim`, `assign @user`, `unassign`, `close`, `reopen` act on the conversation of the thread the
 * command was typed in, or on the one named by its short number (`#17`, or `17`) anywhere; `open`
 * lists the channel's open conversations; `help` explains. Mattermost sends the thread as `root_id`
 * (pinned in test/e2e/mattermost_facts_actions.test.ts); older servers do not, and then the number
 * is required.
 */
export type ParsedCommand =
    | {kind: 'help'}
    | {kind: 'open'}
    | {kind: 'notify'; change?: {setting: NotifySetting; value: 'on' | 'off' | 'default'}}
    | {kind: 'action'; action: ConversationAction; number?: number; username?: string}
    | {kind: 'error'; reason: 'unknown_subcommand' | 'bad_arguments'; text: string};

const ACTION_WORDS: Record<string, ConversationAction> = {claim: 'claim', assign: 'assign', unassign: 'unassign', close: 'close', reopen: 'reopen'};

export function parseCommand(text: string): ParsedCommand {
    const words = text.trim().split(/\s+/).filter((word) => word !== '');
    const [first, ...rest] = words;
    const sub = (first ?? 'help').toLowerCase();
    if (sub === 'help') {
        return {kind: 'help'};
    }
    if (sub === 'notify') {
        if (rest.length === 0) {
            return {kind: 'notify'};
        }
        const setting = (rest[0] ?? '').toLowerCase();
        const value = (rest[1] ?? '').toLowerCase();
        if (rest.length !== 2 || !isNotifySetting(setting) || (value !== 'on' && value !== 'off' && value !== 'default')) {
            return {kind: 'error', reason: 'bad_arguments', text: `Use \`/${SLASH_COMMAND_TRIGGER} notify <what> on|off|default\`, where <what> is ${NOTIFY_SETTINGS.map((entry) => `\`${entry}\``).join(', ')}.`};
        }
        return {kind: 'notify', change: {setting, value}};
    }
    if (sub === 'open' || sub === 'list') {
        return rest.length === 0 ? {kind: 'open'} : {kind: 'error', reason: 'bad_arguments', text: `\`/${SLASH_COMMAND_TRIGGER} open\` takes nothing after it.`};
    }
    const action = ACTION_WORDS[sub];
    if (!action) {
        return {kind: 'error', reason: 'unknown_subcommand', text: `\`${first!.slice(0, 40)}\` is not something \`/${SLASH_COMMAND_TRIGGER}\` knows. Try \`/${SLASH_COMMAND_TRIGGER} help\`.`};
    }
    let number: number | undefined;
    let username: string | undefined;
    for (const word of rest) {
        const numbered = /^#?(\d{1,9})$/.exec(word);
        if (numbered && number === undefined) {
            number = Number(numbered[1]);
            continue;
        }
        const mention = /^@?([a-z0-9._-]{1,64})$/i.exec(word);
        if (action === 'assign' && mention && username === undefined && !/^#/.test(word)) {
            username = mention[1]!.toLowerCase();
            continue;
        }
        return {kind: 'error', reason: 'bad_arguments', text: `\`${word.slice(0, 40)}\` is not understood here. ${usage(action)}`};
    }
    if (action === 'assign' && username === undefined) {
        return {kind: 'error', reason: 'bad_arguments', text: `Say who should get the conversation. ${usage(action)}`};
    }
    return {kind: 'action', action, ...(number === undefined ? {} : {number}), ...(username === undefined ? {} : {username})};
}

export function usage(action: ConversationAction): string {
    const target = action === 'assign' ? ' @user' : '';
    return `Use \`/${SLASH_COMMAND_TRIGGER} ${action}${target}\` in the conversation's thread, or \`/${SLASH_COMMAND_TRIGGER} ${action}${target} #17\` anywhere.`;
}

/** The answer to `help` (also what an admin puts as the command's autocomplete hint: see the README). */
export const COMMAND_HELP = [
    `**/${SLASH_COMMAND_TRIGGER}** acts on i-Reserve web-chat conversations. In a conversation's thread it acts on that conversation; anywhere else give its number (\`#17\`, shown on the card).`,
    `- \`/${SLASH_COMMAND_TRIGGER} claim [#17]\` — take the conversation`,
    `- \`/${SLASH_COMMAND_TRIGGER} assign @user [#17]\` — give it to a member of the channel`,
    `- \`/${SLASH_COMMAND_TRIGGER} unassign [#17]\` — nobody has it`,
    `- \`/${SLASH_COMMAND_TRIGGER} close [#17]\` / \`reopen [#17]\``,
    `- \`/${SLASH_COMMAND_TRIGGER} open\` — the channel's open conversations`,
    `- \`/${SLASH_COMMAND_TRIGGER} notify\` — which direct messages the bot sends you; \`notify assignment|messages|<notification type> on|off|default\` changes one`,
    `- \`/${SLASH_COMMAND_TRIGGER} help\` — this text`,
].join('\n');

/** The autocomplete hint and description to enter when creating the command. */
export const AUTOCOMPLETE_HINT = '[claim | assign @user | unassign | close | reopen | open | notify | help] [#number]';
export const AUTOCOMPLETE_DESCRIPTION = 'Act on i-Reserve web-chat conversations';

function minutes(ms: number): string {
    const total = Math.max(0, Math.floor(ms / 60_000));
    if (total < 60) {
        return `${total} min`;
    }
    const hours = Math.floor(total / 60);
    return hours < 48 ? `${hours} h ${total % 60} min` : `${Math.floor(hours / 24)} days`;
}

/**
 * One line of `open`: number, guest, assignee, how long the guest has waited for an answer
 * (DESIGN §11; `waitingSinceMs` null: nobody waits), link to the thread.
 */
export function openLine(entry: {number: number | null; visitorName: string; assigneeName: string | null; waitingSinceMs: number | null; link: string}, now: number): string {
    const number = entry.number === null ? '' : `#${entry.number} `;
    const who = entry.assigneeName ? `with ${entry.assigneeName}` : 'nobody has it';
    const waiting = entry.waitingSinceMs === null ? 'not waiting' : `⏳ waiting ${minutes(now - entry.waitingSinceMs)}`;
    return `- [${number}${entry.visitorName}](${entry.link}) — ${who} — ${waiting}`;
}

/** `open` lists waiting conversations first, longest first, then the others by number. */
export function byWaiting<T extends {waitingSince: number | null; number: number | null}>(a: T, b: T): number {
    if (a.waitingSince !== null || b.waitingSince !== null) {
        return (a.waitingSince ?? Number.POSITIVE_INFINITY) - (b.waitingSince ?? Number.POSITIVE_INFINITY);
    }
    return (a.number ?? Number.POSITIVE_INFINITY) - (b.number ?? Number.POSITIVE_INFINITY);
}

/** What `/ireserve notify` can change: `assignment`, `messages` (guest messages), or a notification type. */
export const NOTIFY_SETTINGS = ['assignment', 'messages', ...NOTIFICATION_TYPES] as const;
export type NotifySetting = (typeof NOTIFY_SETTINGS)[number];

function isNotifySetting(value: string): value is NotifySetting {
    return (NOTIFY_SETTINGS as readonly string[]).includes(value);
}

/** One line of `/ireserve notify`: the setting, on/off, and whether it is the agent's choice or the team's default. */
export function notifyLine(setting: NotifySetting, on: boolean, own: boolean): string {
    const what = setting === 'assignment' ? 'a conversation is assigned to you'
        : setting === 'messages' ? 'a guest writes in a conversation you have'
            : `i-Reserve sends a \`${setting}\` notification`;
    return `- \`${setting}\` (${what}): **${on ? 'on' : 'off'}** ${own ? '(your choice)' : '(team default)'}`;
}
