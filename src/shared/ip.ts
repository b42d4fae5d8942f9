/**
 * IP address helpers shared by the egress's destination policy (src/egress/policy.ts) and the sources the
 * broker and the egress count requests and WebSockets against (signaling-v1 §1, session-v1 §2.1): one IPv6
 * parser, one reading of an IPv4-mapped address, the client address behind trusted reverse proxies, and the
 * /64 an IPv6 source counts as.
 */
import { BlockList, isIP, isIPv6 } from 'node:net';

/** The 16 bytes of an IPv6 address in text form (RFC 4291 §2.2, with an optional dotted IPv4 tail). */
export function parseIPv6(text: string): Uint8Array | undefined {
  if (!isIPv6(text) || text.includes('%')) return undefined;
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (body.indexOf('.', lastColon) >= 0) {
    for (const part of body.slice(lastColon + 1).split('.')) tail.push(Number(part));
    body = `${body.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = body.split('::');
  const groupsOf = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = groupsOf(head);
  const right = rest === undefined ? [] : groupsOf(rest);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

/** The dotted IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 §2.5.5.2). */
export function mappedIPv4(bytes: Uint8Array): string | undefined {
  const mapped = bytes.subarray(0, 10).every((x) => x === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.subarray(12, 16).join('.') : undefined;
}

/** A set of networks (`addr/prefix` or single addresses, IPv4 or IPv6), e.g. where trusted proxies connect from. */
export class AddressSet {
  readonly #list = new BlockList();

  /** Throws a TypeError naming the entry that is neither an address nor `address/prefix`. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', prefix, extra] = entry.trim().split('/');
      const family = isIP(address);
      const max = family === 4 ? 32 : 128;
      const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
      if (family === 0 || extra !== undefined || !(bits <= max))
        throw new TypeError(`${JSON.stringify(entry)} is not an address or address/prefix`);
      this.#list.addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Whether `address` is in the set; an IPv4-mapped IPv6 address (a dual-stack socket's) as its IPv4. */
  has(address: string): boolean {
    const family = isIP(address);
    if (family === 4) return this.#list.check(address, 'ipv4');
    if (family !== 6) return false;
    const bytes = parseIPv6(address);
    const mapped = bytes === undefined ? undefined : mappedIPv4(bytes);
    if (mapped !== undefined && this.#list.check(mapped, 'ipv4')) return true;
    return this.#list.check(address, 'ipv6');
  }
}

/**
 * Which address a request counts against (signaling-v1 §1, "Sources"). Behind reverse proxies the TCP peer
 * is the nearest proxy, so with `trustedProxies` N the client is the Nth `X-Forwarded-For` entry from the
 * right: each proxy appends the address it received the request from, so that entry was written by the
 * outermost trusted proxy, and everything to its left is whatever the client chose to send. With `proxies`,
 * the header is read only on a connection from one of them: anyone else reaching the server directly counts
 * as its own address, whatever it sends. Several headers are read as one, joined with commas. The socket
 * address is used when `trustedProxies` is 0, the header is absent, has fewer entries, or that entry is not
 * a bare IP address (a port or brackets count as malformed).
 */
export function clientAddress(
  forwardedFor: string | readonly string[] | undefined,
  socketAddress: string,
  trustedProxies: number,
  proxies?: AddressSet,
): string {
  if (trustedProxies <= 0 || forwardedFor === undefined) return socketAddress;
  if (proxies !== undefined && !proxies.has(socketAddress)) return socketAddress;
  const entries = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',')).split(',');
  const entry = entries[entries.length - trustedProxies]?.trim();
  return entry !== undefined && isIP(entry) !== 0 ? entry : socketAddress;
}

/**
 * The source an address counts as (signaling-v1 §1): IPv6 by its /64 prefix, IPv4-mapped IPv6 as the IPv4,
 * others unchanged. Never stored as is: src/broker/keys.ts and src/egress/sources.ts HMAC it. One host is
 * one key: a host usually holds a whole /64 and could cycle through it.
 */
export function sourcePrefix(address: string): string {
  const bytes = parseIPv6(address.replace(/%.*$/, ''));
  if (bytes === undefined) return address;
  const mapped = mappedIPv4(bytes);
  if (mapped !== undefined) return mapped;
  const groups = [0, 2, 4, 6].map((i) => ((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `${groups.join(':')}::/64`;
}

/** `host:port`, an IPv6 address in brackets: as a PAC line, `--socks` and `--http` take it. */
export function joinHostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
