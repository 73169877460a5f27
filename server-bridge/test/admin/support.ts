import {createServer} from 'node:net';

import {MattermostStandIn, type Seed} from '../../../test/standins/mattermost/index.js';
import {ADMIN_TOKEN, startBridge, type Engine, type RunningBridge} from '../support/bridge_harness.js';

export {ADMIN_TOKEN};

export interface Answer<T = any> {
    status: number;
    headers: Headers;
    body: T;
    text: string;
}

/** A small client for the admin API: JSON in, JSON (or problem+json) out. */
export function client(baseUrl: string) {
    return async function call<T = any>(method: string, path: string, options: {token?: string | null; body?: unknown} = {}): Promise<Answer<T>> {
        const token = options.token === undefined ? ADMIN_TOKEN : options.token;
        const headers: Record<string, string> = {};
        if (token !== null) {
            headers.authorization = `Bearer ${token}`;
        }
        if (options.body !== undefined) {
            headers['content-type'] = 'application/json';
        }
        const response = await fetch(new URL(path, baseUrl), {
            method,
            headers,
            body: options.body === undefined ? undefined : JSON.stringify(options.body),
        });
        const text = await response.text();
        let body: any = undefined;
        try {
            body = text === '' ? undefined : JSON.parse(text);
        } catch {
            body = text;
        }
        return {status: response.status, headers: response.headers, body: body as T, text};
    };
}

export interface World {
    engine: Engine;
    mm: MattermostStandIn;
    seed: Seed;
    running: RunningBridge;
    api: ReturnType<typeof client>;
    /** Every secret the suite has seen, to look for in logs and storage. */
    secrets: Set<string>;
}

export async function startWorld(engine: Engine, env: Record<string, string> = {}): Promise<World> {
    const mm = await MattermostStandIn.start();
    const seed = mm.seedDefault();
    const running = await startBridge({engine, env: {BRIDGE_PUBLIC_URL: 'https://bridge.example.com', ...env}, probeWaitMs: 300});
    return {engine, mm, seed, running, api: client(running.url), secrets: new Set([seed.bot.token])};
}

export async function stopWorld(world: World | undefined): Promise<void> {
    if (world) {
        await world.running.close();
        await world.mm.close();
    }
}

/**
 * The outgoing-webhook token of a licence's settings: each integration holds its own (a token
 * another integration holds is refused), all starting `owt-secret-token-` for the secret checks.
 */
export function webhookTokenFor(licence: string): string {
    return `owt-secret-token-${licence.toLowerCase()}`;
}

/** A settings body that passes every check against the seeded stand-in. */
export function settingsFor(world: World, overrides: Record<string, unknown> = {}, licence = 'default'): Record<string, any> {
    return {
        mattermost: {server_url: world.mm.url, bot_token: world.seed.bot.token, outgoing_webhook_token: webhookTokenFor(licence)},
        channel_id: world.seed.channel.id,
        notification_channels: {'booking.confirmed': world.seed.notification_channel.id, 'booking.cancelled': ''},
        relay_mode: 'all_replies',
        inbound_mode: 'outgoing_webhook',
        ireserve: {callback_url: 'https://ireserve.example.com/callback'},
        active: true,
        ...overrides,
    };
}

/** Creates an integration with the operator token; remembers its secrets. */
export async function createIntegration(world: World, licence: string, overrides: Record<string, unknown> = {}): Promise<{signing_secret: string; admin_key: string; body: any}> {
    const answer = await world.api('PUT', `/api/v1/integrations/${licence}`, {body: settingsFor(world, overrides, licence)});
    if (answer.status !== 201) {
        throw new Error(`creating ${licence} answered ${answer.status}: ${answer.text}`);
    }
    world.secrets.add(webhookTokenFor(licence));
    world.secrets.add(answer.body.signing_secret);
    world.secrets.add(answer.body.admin_key);
    return {signing_secret: answer.body.signing_secret, admin_key: answer.body.admin_key, body: answer.body};
}

/** A local port nothing listens on. */
export async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as {port: number}).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}
