// Fills a Mattermost server with what the end-to-end scenarios need, through the REST API (Client4):
// admin, team, public/private/notification channels, a bot with an access token, two agents, and
// a helper for outgoing webhooks.
//
// Contract:
// - On a fresh server the first user created is the system admin; on an existing server
//   (`admin` credentials given) the admin logs in instead. Every name carries a random suffix, so
//   repeated runs against the same server never collide.
// - The bot is a member of the team and of all three channels; both agents are members of the
//   team and of the public and private channels (not of the notification channel).
// - Throws the Client4 error (status_code, server_error_id) of the first call that fails.
import mm from '@mattermost/client';
import type {Client4 as Client4Type} from '@mattermost/client';
import type {UserProfile} from '@mattermost/types/users';
import type {OutgoingWebhook} from '@mattermost/types/integrations';
import {randomBytes} from 'node:crypto';

export type Client = Client4Type;

/** A Client4 pointed at `url`, authenticated with `token` when given. */
export function clientFor(url: string, token?: string): Client {
    const client = new mm.Client4();
    client.setUrl(url);
    if (token) {
        client.setToken(token);
    }
    return client;
}

export interface UserInfo {
    id: string;
    username: string;
    email: string;
    password: string;
    /** Session token (from logging in). */
    token: string;
    client: Client;
}

export interface BotInfo {
    /** The bot's user id (what posts carry as `user_id`). */
    id: string;
    username: string;
    /** Personal access token of the bot. */
    token: string;
    tokenId: string;
    client: Client;
}

export interface ChannelInfo {
    id: string;
    name: string;
    display_name: string;
    type: 'O' | 'P';
}

export interface OutgoingWebhookOptions {
    /** `application/json` (default) or `application/x-www-form-urlencoded`. */
    contentType?: string;
    /** Default: the public channel. Outgoing webhooks only fire in public channels. */
    channelId?: string;
    /** Default: none (fires on every post in the channel). */
    triggerWords?: string[];
}

export interface Bootstrap {
    url: string;
    admin: UserInfo;
    bot: BotInfo;
    team: {id: string; name: string; display_name: string};
    channels: {public: ChannelInfo; private: ChannelInfo; notifications: ChannelInfo};
    agents: {
        /** Its e-mail is meant to be put in the i-Reserve user directory by the test. */
        agent1: UserInfo;
        /** Not in the directory: exercises the display-name fallback. */
        agent2: UserInfo;
    };
    /** Random suffix used in every name created by this bootstrap. */
    suffix: string;
    /** Creates an outgoing webhook (as the admin) calling `callbackUrl`; returns it (`token` included). */
    createOutgoingWebhook(callbackUrl: string, options?: OutgoingWebhookOptions): Promise<OutgoingWebhook>;
}

export interface BootstrapOptions {
    /** Existing admin to log in as; when absent the admin is created as the server's first user. */
    admin?: {username: string; password: string} | {token: string};
    /** Default: random. */
    suffix?: string;
}

const PASSWORD = 'E2e-Passw0rd!';

async function login(url: string, loginId: string, password: string): Promise<{user: UserProfile; client: Client; token: string}> {
    const client = clientFor(url);
    const user = await client.login(loginId, password);
    const token = client.getToken();
    if (!token) {
        throw new Error(`login as ${loginId} returned no session token`);
    }
    return {user, client, token};
}

async function createUser(admin: Client | undefined, url: string, username: string, email: string, nickname: string): Promise<UserInfo> {
    const client = admin ?? clientFor(url);
    const user = await client.createUser(
        {username, email, password: PASSWORD, first_name: nickname, last_name: 'E2E', nickname} as UserProfile, '', '');
    const session = await login(url, username, PASSWORD);
    return {id: user.id, username, email, password: PASSWORD, token: session.token, client: session.client};
}

export async function bootstrapMattermost(url: string, options: BootstrapOptions = {}): Promise<Bootstrap> {
    const suffix = options.suffix ?? randomBytes(3).toString('hex');

    let admin: UserInfo;
    if (!options.admin) {
        // First user on a fresh server: becomes system_admin.
        admin = await createUser(undefined, url, `admin-${suffix}`, `admin-${suffix}@example.com`, 'Admin');
    } else if ('token' in options.admin) {
        const client = clientFor(url, options.admin.token);
        const me = await client.getMe();
        admin = {id: me.id, username: me.username, email: me.email, password: '', token: options.admin.token, client};
    } else {
        const s = await login(url, options.admin.username, options.admin.password);
        admin = {id: s.user.id, username: s.user.username, email: s.user.email, password: options.admin.password, token: s.token, client: s.client};
    }
    if (!(await admin.client.getMe()).roles.split(' ').includes('system_admin')) {
        throw new Error(`${admin.username} is not a system admin (on a fresh server the first user is; is this server fresh?)`);
    }
    const ac = admin.client;

    const team = await ac.createTeam({name: `e2e-${suffix}`, display_name: `E2E ${suffix}`, type: 'O'} as Parameters<Client['createTeam']>[0]);

    const mkChannel = async (name: string, display: string, type: 'O' | 'P'): Promise<ChannelInfo> => {
        const ch = await ac.createChannel({team_id: team.id, name: `${name}-${suffix}`, display_name: `${display} ${suffix}`, type});
        return {id: ch.id, name: ch.name, display_name: ch.display_name, type};
    };
    const channels = {
        public: await mkChannel('support', 'Support', 'O'),
        private: await mkChannel('support-private', 'Support private', 'P'),
        notifications: await mkChannel('bookings', 'Bookings', 'O'),
    };

    const botRecord = await ac.createBot({username: `ireserve-bot-${suffix}`, display_name: 'i-Reserve', description: 'e2e bridge bot'});
    const botToken = await ac.createUserAccessToken(botRecord.user_id, 'e2e bridge');
    if (!botToken.token) {
        throw new Error('createUserAccessToken returned no token');
    }
    await ac.addToTeam(team.id, botRecord.user_id);
    for (const ch of Object.values(channels)) {
        await ac.addToChannel(botRecord.user_id, ch.id);
    }
    const bot: BotInfo = {
        id: botRecord.user_id, username: botRecord.username, token: botToken.token, tokenId: botToken.id,
        client: clientFor(url, botToken.token),
    };

    const agent1 = await createUser(ac, url, `agent1-${suffix}`, `agent1-${suffix}@example.com`, 'Alice');
    const agent2 = await createUser(ac, url, `agent2-${suffix}`, `agent2-${suffix}@example.com`, 'Bob');
    for (const agent of [agent1, agent2]) {
        await ac.addToTeam(team.id, agent.id);
        await ac.addToChannel(agent.id, channels.public.id);
        await ac.addToChannel(agent.id, channels.private.id);
    }

    const createOutgoingWebhook = async (callbackUrl: string, opts: OutgoingWebhookOptions = {}): Promise<OutgoingWebhook> => {
        return ac.createOutgoingWebhook({
            team_id: team.id,
            channel_id: opts.channelId ?? channels.public.id,
            display_name: `e2e hook ${randomBytes(2).toString('hex')}`,
            description: 'e2e',
            trigger_words: opts.triggerWords ?? [],
            trigger_when: 0,
            callback_urls: [callbackUrl],
            content_type: opts.contentType ?? 'application/json',
        } as OutgoingWebhook);
    };

    return {
        url, admin, bot,
        team: {id: team.id, name: team.name, display_name: team.display_name},
        channels, agents: {agent1, agent2}, suffix, createOutgoingWebhook,
    };
}

/**
 * Best-effort clean-up on a server that outlives the run (MM_URL mode): revokes the bot's token,
 * deactivates the bot and the agents, archives the team. Never throws.
 */
export async function teardownBootstrap(b: Bootstrap): Promise<void> {
    const ac = b.admin.client;
    const attempts: Array<() => Promise<unknown>> = [
        () => ac.revokeUserAccessToken(b.bot.tokenId),
        () => ac.updateUserActive(b.bot.id, false),
        () => ac.updateUserActive(b.agents.agent1.id, false),
        () => ac.updateUserActive(b.agents.agent2.id, false),
        () => ac.deleteTeam(b.team.id),
    ];
    for (const attempt of attempts) {
        try {
            await attempt();
        } catch {
            // best effort
        }
    }
}
