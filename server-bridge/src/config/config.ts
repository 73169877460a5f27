import {isIP} from 'node:net';

import {z} from 'zod';

/**
 * The bridge's configuration, read from the environment once at start and frozen.
 * `loadConfig` throws ConfigError (one line naming the variable) on any bad value; it never
 * touches the disk — the data directory and secret key are checked by the composition root.
 */
export type Config = Readonly<{
    host: string;
    port: number;
    publicUrl: string;
    database: DatabaseConfig;
    adminToken: string | undefined;
    secretKey: Buffer | undefined;
    corsOrigins: readonly string[];
    logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
    delivery: Readonly<{
        concurrency: number;
        maxAttempts: number;
        baseBackoffMs: number;
        maxBackoffMs: number;
        pollIntervalMs: number;
        leaseMs: number;
    }>;
    /** How long the bridge waits for its upstreams (ms). */
    timeouts: Readonly<{
        /** One REST request to Mattermost (and the bot's login). */
        mattermostMs: number;
        /** Downloading one attachment from Mattermost for a reply (up to `maxAttachmentBytes`). */
        mattermostDownloadMs: number;
        /** One post through a Mattermost incoming webhook. */
        incomingWebhookMs: number;
        /** One signed callback to i-Reserve. */
        ireserveMs: number;
        /** How long an arriving agent post waits for Mattermost before a resolve job looks at it later. */
        inboundArrivalMs: number;
    }>;
    /** The inbound relay's own schedule. */
    inbound: Readonly<{
        /**
         * BRIDGE_INBOUND_CATCH_UP_INTERVAL_MS: how often outgoing-webhook mode reads the conversation
         * channels back over REST to relay replies whose webhook call was lost (inbound/catch_up.ts).
         */
        catchUpIntervalMs: number;
    }>;
    maxAttachmentBytes: number;
    maxBodyBytes: number;
    /** Slow or idle clients are closed after these (DESIGN §14). */
    http: Readonly<{
        /** Whole request, headers and body. */
        requestTimeoutMs: number;
        /** Request line and headers. */
        headersTimeoutMs: number;
        /** An idle kept-alive connection. */
        keepAliveTimeoutMs: number;
    }>;
    /** BRIDGE_ALLOWED_INTERNAL_HOSTS: the only internal destinations outbound calls may reach. */
    allowedInternalHosts: AllowedInternalHosts;
    /**
     * BRIDGE_WAITING_TRACKING (`on`, the default, or `off`): keep the waiting state of conversations
     * (DESIGN §11). Off means no waiting times, reminders or response figures; it exists to measure
     * what tracking costs (the bench's `waiting` scenario).
     */
    waitingTracking: boolean;
}>;

/**
 * Internal (loopback, private, link-local…) destinations the operator allows: host names (lower
 * case, exact) and address ranges as CIDRs (`10.0.0.0/8`, `fd00::/8`; a single address is a /32
 * or /128). Everything else internal is refused (DESIGN §14).
 */
export type AllowedInternalHosts = Readonly<{
    hosts: readonly string[];
    cidrs: ReadonlyArray<Readonly<{address: string; prefix: number; family: 'ipv4' | 'ipv6'}>>;
}>;

export type DatabaseConfig =
    | Readonly<{kind: 'sqlite'; file: string; dataDir: string}>
    | Readonly<{kind: 'postgres'; url: string; dataDir: string}>;

export class ConfigError extends Error {
    constructor(readonly variable: string, detail: string) {
        super(`${variable}: ${detail}`);
        this.name = 'ConfigError';
    }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
    const raw = read(env, name);
    if (raw === undefined) {
        return fallback;
    }
    if (!/^\d+$/.test(raw)) {
        throw new ConfigError(name, `must be a whole number, got "${raw}"`);
    }
    const value = Number(raw);
    if (value < min || value > max) {
        throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
    }
    return value;
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
    const raw = read(env, name)?.toLowerCase();
    if (raw === undefined) {
        return fallback;
    }
    if (raw === 'on' || raw === 'off') {
        return raw === 'on';
    }
    throw new ConfigError(name, `must be "on" or "off", got "${raw}"`);
}

function httpUrl(name: string, raw: string): string {
    const parsed = z.url({protocol: /^https?$/}).safeParse(raw);
    if (!parsed.success) {
        throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
    }
    return raw.replace(/\/+$/, '');
}

/**
 * A browser's Origin header: scheme, host and port only, lower case, no path and no trailing
 * slash (`https://mm.example.com/` → `https://mm.example.com`), so it matches what browsers send.
 */
function origin(raw: string): string {
    httpUrl('BRIDGE_CORS_ORIGINS', raw);
    const url = new URL(raw);
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
        throw new ConfigError('BRIDGE_CORS_ORIGINS', `must be an origin (scheme, host and port, no path), got "${raw}"`);
    }
    return url.origin;
}

/** `host1,10.0.0.0/8,fd00::/8,127.0.0.1`: host names and CIDRs (see AllowedInternalHosts). */
export function parseAllowedInternalHosts(raw: string | undefined, name = 'BRIDGE_ALLOWED_INTERNAL_HOSTS'): AllowedInternalHosts {
    const hosts: string[] = [];
    const cidrs: Array<{address: string; prefix: number; family: 'ipv4' | 'ipv6'}> = [];
    for (const entry of (raw ?? '').split(/[\s,]+/).filter((part) => part !== '')) {
        const [address = '', prefixText, extra] = entry.split('/');
        const bare = address.replace(/^\[(.*)\]$/, '$1');
        const version = isIP(bare);
        if (version === 0) {
            if (prefixText !== undefined || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(entry)) {
                throw new ConfigError(name, `"${entry}" is neither a host name nor an address range like 10.0.0.0/8`);
            }
            hosts.push(entry.toLowerCase().replace(/\.$/, ''));
            continue;
        }
        const max = version === 4 ? 32 : 128;
        const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
        if (extra !== undefined || !(prefix >= 0 && prefix <= max)) {
            throw new ConfigError(name, `"${entry}" has a bad prefix length (0 to ${max})`);
        }
        cidrs.push({address: bare, prefix, family: version === 4 ? 'ipv4' : 'ipv6'});
    }
    return Object.freeze({hosts: Object.freeze(hosts), cidrs: Object.freeze(cidrs.map((cidr) => Object.freeze(cidr)))});
}

function database(env: Env): DatabaseConfig {
    const raw = read(env, 'DATABASE_URL') ?? 'sqlite:./data/bridge.db';
    if (raw.startsWith('sqlite:')) {
        const file = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
        if (file === '' || file.endsWith('/')) {
            throw new ConfigError('DATABASE_URL', `must name a file, like sqlite:./data/bridge.db, got "${raw}"`);
        }
        const slash = file.lastIndexOf('/');
        return {kind: 'sqlite', file, dataDir: slash > 0 ? file.slice(0, slash) : '.'};
    }
    if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) {
        let url: URL;
        try {
            url = new URL(raw);
        } catch {
            throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
        }
        if (url.hostname === '' || url.pathname.length <= 1) {
            throw new ConfigError('DATABASE_URL', 'must name a host and a database, like postgres://user:pass@127.0.0.1:5432/bridge');
        }
        return {kind: 'postgres', url: raw, dataDir: read(env, 'BRIDGE_DATA_DIR') ?? './data'};
    }
    throw new ConfigError('DATABASE_URL', 'must start with sqlite: or postgres:// (the value is not shown, it may hold a password)');
}

/** Accepts 32 bytes as 64 hex characters or as base64. */
export function parseSecretKey(raw: string, name = 'BRIDGE_SECRET_KEY'): Buffer {
    const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
    if (key.length !== 32) {
        throw new ConfigError(name, 'must be 32 random bytes, as 64 hex characters or base64 (try: openssl rand -hex 32)');
    }
    return key;
}

export function loadConfig(env: Env = process.env): Config {
    const host = read(env, 'BRIDGE_HOST') ?? '127.0.0.1';
    const port = integer(env, 'BRIDGE_PORT', 8080, 0, 65535);
    const publicUrl = httpUrl('BRIDGE_PUBLIC_URL', read(env, 'BRIDGE_PUBLIC_URL') ?? `http://localhost:${port}`);
    const adminToken = read(env, 'BRIDGE_ADMIN_TOKEN');
    if (adminToken !== undefined && adminToken.length < 16) {
        throw new ConfigError('BRIDGE_ADMIN_TOKEN', 'must be at least 16 characters long');
    }
    const rawKey = read(env, 'BRIDGE_SECRET_KEY');
    const corsOrigins = [...new Set((read(env, 'BRIDGE_CORS_ORIGINS') ?? '')
        .split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')
        .map((entry) => (entry === '*' ? entry : origin(entry))))];
    const logLevel = (read(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
    if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
        throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
    }
    const maxAttachmentBytes = integer(env, 'BRIDGE_MAX_ATTACHMENT_BYTES', 50 * 1024 * 1024, 1024, 1024 * 1024 * 1024);
    const config: Config = {
        host,
        port,
        publicUrl,
        database: database(env),
        adminToken,
        secretKey: rawKey === undefined ? undefined : parseSecretKey(rawKey),
        corsOrigins,
        logLevel: logLevel as Config['logLevel'],
        delivery: Object.freeze({
            concurrency: integer(env, 'BRIDGE_DELIVERY_CONCURRENCY', 16, 1, 1000),
            maxAttempts: integer(env, 'BRIDGE_DELIVERY_MAX_ATTEMPTS', 25, 1, 1000),
            baseBackoffMs: integer(env, 'BRIDGE_DELIVERY_BASE_BACKOFF_MS', 500, 1, 3_600_000),
            maxBackoffMs: integer(env, 'BRIDGE_DELIVERY_MAX_BACKOFF_MS', 300_000, 1, 86_400_000),
            pollIntervalMs: integer(env, 'BRIDGE_DELIVERY_POLL_MS', 250, 10, 60_000),
            leaseMs: integer(env, 'BRIDGE_DELIVERY_LEASE_MS', 15_000, 1000, 3_600_000),
        }),
        timeouts: Object.freeze({
            mattermostMs: integer(env, 'BRIDGE_MATTERMOST_TIMEOUT_MS', 30_000, 100, 600_000),
            mattermostDownloadMs: integer(env, 'BRIDGE_MATTERMOST_DOWNLOAD_TIMEOUT_MS', 120_000, 100, 3_600_000),
            incomingWebhookMs: integer(env, 'BRIDGE_INCOMING_WEBHOOK_TIMEOUT_MS', 30_000, 100, 600_000),
            ireserveMs: integer(env, 'BRIDGE_IRESERVE_TIMEOUT_MS', 30_000, 100, 600_000),
            inboundArrivalMs: integer(env, 'BRIDGE_INBOUND_ARRIVAL_WAIT_MS', 5000, 100, 600_000),
        }),
        inbound: Object.freeze({
            catchUpIntervalMs: integer(env, 'BRIDGE_INBOUND_CATCH_UP_INTERVAL_MS', 60_000, 1000, 86_400_000),
        }),
        maxAttachmentBytes,
        // Room for one attachment at the limit, base64-encoded, plus the rest of the event.
        maxBodyBytes: integer(env, 'BRIDGE_MAX_BODY_BYTES', Math.ceil(maxAttachmentBytes * 4 / 3) + 1024 * 1024, 1024, 2 * 1024 * 1024 * 1024),
        http: Object.freeze({
            requestTimeoutMs: integer(env, 'BRIDGE_HTTP_REQUEST_TIMEOUT_MS', 120_000, 1000, 3_600_000),
            headersTimeoutMs: integer(env, 'BRIDGE_HTTP_HEADERS_TIMEOUT_MS', 15_000, 500, 600_000),
            keepAliveTimeoutMs: integer(env, 'BRIDGE_HTTP_KEEP_ALIVE_TIMEOUT_MS', 5000, 500, 600_000),
        }),
        allowedInternalHosts: parseAllowedInternalHosts(read(env, 'BRIDGE_ALLOWED_INTERNAL_HOSTS')),
        waitingTracking: onOff(env, 'BRIDGE_WAITING_TRACKING', true),
    };
    return Object.freeze(config);
}
