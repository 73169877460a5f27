import dns, {type LookupAddress, type LookupOptions} from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net, {BlockList, isIP} from 'node:net';

import {Agent as UndiciAgent, buildConnector, type Dispatcher} from 'undici';

import type {AllowedInternalHosts} from '../config/config.js';

/**
 * Where outbound calls may go (DESIGN §14): public addresses always; internal ones (loopback,
 * private, link-local, shared, reserved, multicast, and IPv6 forms that embed such an IPv4) only
 * when BRIDGE_ALLOWED_INTERNAL_HOSTS lists the host name or a range holding the address. The
 * check applies to the address actually connected to: every name is resolved through `lookup`,
 * which drops refused addresses, and every socket's remote address is checked once connected, so
 * a name that resolves (or re-resolves) to an internal address and every spelling of an address
 * (decimal, hex, IPv4-mapped IPv6…) are refused alike. Redirects are never followed by the
 * clients built from here (their callers set that).
 */

const INTERNAL_V4: Array<[string, number]> = [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
    ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
    ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
];
const INTERNAL_V6: Array<[string, number]> = [
    ['::', 128], ['::1', 128], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8],
];

const internal = new BlockList();
for (const [address, prefix] of INTERNAL_V4) {
    internal.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of INTERNAL_V6) {
    internal.addSubnet(address, prefix, 'ipv6');
}

/** The 16 bytes of an IPv6 address (`isIP(address) === 6`). */
function ipv6Bytes(address: string): number[] {
    let text = address.split('%')[0]!.toLowerCase();
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4) {
        const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
        text = `${text.slice(0, -v4[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
    }
    const [head = '', tail] = text.split('::');
    const words = (part: string) => (part === '' ? [] : part.split(':').map((word) => parseInt(word, 16)));
    const front = words(head);
    const back = tail === undefined ? [] : words(tail);
    const all = [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
    return all.flatMap((word) => [word >> 8, word & 0xff]);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64 64:ff9b::/96, 6to4 2002::/16), if any. */
function embeddedIpv4(address: string): string | undefined {
    const b = ipv6Bytes(address);
    const zero = (from: number, to: number) => b.slice(from, to).every((byte) => byte === 0);
    const v4 = (at: number) => b.slice(at, at + 4).join('.');
    if (zero(0, 10) && ((b[10] === 0xff && b[11] === 0xff) || (b[10] === 0 && b[11] === 0))) {
        return v4(12);
    }
    if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) {
        return v4(12);
    }
    if (b[0] === 0x20 && b[1] === 0x02) {
        return v4(2);
    }
    return undefined;
}

/** Whether the address is not publicly routable (see the ranges above). */
export function isInternalAddress(address: string): boolean {
    const version = isIP(address);
    if (version === 4) {
        return internal.check(address, 'ipv4');
    }
    if (version !== 6) {
        return true; // not an address at all: never treat it as public
    }
    const embedded = embeddedIpv4(address);
    return internal.check(address.split('%')[0]!, 'ipv6') || (embedded !== undefined && internal.check(embedded, 'ipv4'));
}

function bare(host: string): string {
    return host.replace(/^\[(.*)\]$/, '$1').toLowerCase().replace(/\.$/, '');
}

/** A connection the policy refuses. Carries no upstream text; the message names the setting. */
export class EgressRefused extends Error {
    override name = 'EgressRefused';
    readonly code = 'EGRESS_REFUSED';
    constructor(readonly host: string, readonly address: string) {
        super(`${host === address ? address : `${host} (${address})`} is an internal address; the bridge connects to internal hosts only when BRIDGE_ALLOWED_INTERNAL_HOSTS lists them`);
    }
}

/** Finds an EgressRefused in an error's cause chain (fetch and axios wrap the socket's error). */
export function egressRefusal(error: unknown): EgressRefused | undefined {
    let current: unknown = error;
    for (let depth = 0; depth < 6 && current !== null && current !== undefined; depth += 1) {
        if (current instanceof EgressRefused) {
            return current;
        }
        current = (current as {cause?: unknown}).cause;
    }
    return undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export class EgressPolicy {
    readonly #hosts: Set<string>;
    readonly #allowed = new BlockList();
    /** For fetch (Client4): connections through the policy, no other pool. */
    readonly dispatcher: Dispatcher;
    /** For axios and ws. */
    readonly httpAgent: http.Agent;
    readonly httpsAgent: https.Agent;

    constructor(allowed: AllowedInternalHosts) {
        this.#hosts = new Set(allowed.hosts);
        for (const cidr of allowed.cidrs) {
            this.#allowed.addSubnet(cidr.address, cidr.prefix, cidr.family);
        }
        const connector = buildConnector({lookup: this.lookup});
        this.dispatcher = new UndiciAgent({
            connect: (options, callback) => {
                const host = bare(options.hostname);
                const early = isIP(host) ? this.refusal(host, host) : undefined;
                if (early) {
                    callback(early, null);
                    return;
                }
                connector(options, (error, socket) => {
                    if (error || !socket) {
                        callback(error ?? new Error('no socket'), null);
                        return;
                    }
                    const late = this.refusal(host, (socket as net.Socket).remoteAddress ?? '');
                    if (late) {
                        socket.destroy();
                        callback(late, null);
                        return;
                    }
                    callback(null, socket);
                });
            },
        });
        const refusal = (host: string, address: string) => this.refusal(host, address);
        const lookup = this.lookup;
        const guard = <T extends net.Socket>(options: {host?: string | null; hostname?: string | null}, connect: () => T): T | net.Socket => {
            const host = bare(options.hostname ?? options.host ?? '');
            const early = isIP(host) ? refusal(host, host) : undefined;
            if (early) {
                const socket = new net.Socket();
                process.nextTick(() => socket.destroy(early));
                return socket;
            }
            const socket = connect();
            socket.once('connect', () => {
                const late = refusal(host, socket.remoteAddress ?? '');
                if (late) {
                    socket.destroy(late);
                }
            });
            return socket;
        };
        this.httpAgent = new (class extends http.Agent {
            override createConnection(options: net.NetConnectOpts & {host?: string; hostname?: string}): net.Socket {
                return guard(options, () => net.createConnection({...options, lookup} as net.NetConnectOpts));
            }
        })({keepAlive: true});
        this.httpsAgent = new (class extends https.Agent {
            override createConnection(options: net.NetConnectOpts & {host?: string; hostname?: string}): net.Socket {
                return guard(options, () => (super.createConnection as (o: unknown) => net.Socket)({...options, lookup}));
            }
        })({keepAlive: true});
    }

    /** Why connecting to `address` for `host` is refused, or undefined when it is allowed. */
    refusal(host: string, address: string): EgressRefused | undefined {
        const name = bare(host);
        if (!isInternalAddress(address) || this.#hosts.has(name) || this.#allowedRange(address)) {
            return undefined;
        }
        return new EgressRefused(name, address);
    }

    /** A refusal known before connecting: the URL's host is an internal address literal not allowed. */
    checkUrl(url: string): EgressRefused | undefined {
        const host = bare(new URL(url).hostname);
        return isIP(host) ? this.refusal(host, host) : undefined;
    }

    /** dns.lookup that drops refused addresses; fails with EgressRefused when none is left. */
    readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
        dns.lookup(hostname, {...options, all: true}, (error, addresses) => {
            if (error) {
                callback(error, []);
                return;
            }
            const allowed = addresses.filter((entry) => this.refusal(hostname, entry.address) === undefined);
            if (allowed.length === 0) {
                callback(new EgressRefused(bare(hostname), addresses[0]?.address ?? '') as unknown as NodeJS.ErrnoException, []);
                return;
            }
            if (options.all) {
                callback(null, allowed);
            } else {
                callback(null, allowed[0]!.address, allowed[0]!.family);
            }
        });
    };

    #allowedRange(address: string): boolean {
        const version = isIP(address);
        if (version === 4) {
            return this.#allowed.check(address, 'ipv4');
        }
        if (version === 6) {
            const embedded = embeddedIpv4(address);
            return this.#allowed.check(address.split('%')[0]!, 'ipv6') || (embedded !== undefined && this.#allowed.check(embedded, 'ipv4'));
        }
        return false;
    }

    async close(): Promise<void> {
        this.httpAgent.destroy();
        this.httpsAgent.destroy();
        await this.dispatcher.close();
    }
}
