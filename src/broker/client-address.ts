/**
 * Which address a request's rate limit is keyed on (signaling-v1 §1, "Rate limits"). Behind reverse proxies
 * the TCP peer is the nearest proxy, so with `trustedProxies` N the client is the Nth `X-Forwarded-For` entry
 * from the right: each proxy appends the address it received the request from, so that entry was written by
 * the outermost trusted proxy, and everything to its left is whatever the client chose to send. Then one host
 * is one key: an IPv6 address counts by its /64 (a host usually holds a whole /64 and could cycle through
 * it), an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, how a dual-stack socket reports IPv4) as the IPv4.
 */
import { isIP, isIPv6 } from 'node:net';

/**
 * The client's address: the entry `trustedProxies` from the right of `forwardedFor` (several headers are
 * read as one, joined with commas), or `socketAddress` when `trustedProxies` is 0, the header is absent, has
 * fewer entries, or that entry is not a bare IP address (a port or brackets count as malformed).
 */
export function clientAddress(
  forwardedFor: string | readonly string[] | undefined,
  socketAddress: string,
  trustedProxies: number,
): string {
  if (trustedProxies <= 0 || forwardedFor === undefined) return socketAddress;
  const entries = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',')).split(',');
  const entry = entries[entries.length - trustedProxies]?.trim();
  return entry !== undefined && isIP(entry) !== 0 ? entry : socketAddress;
}

/** The rate-limit key of an address: IPv6 by its /64 prefix, IPv4-mapped IPv6 as IPv4, others unchanged. */
export function rateLimitKey(address: string): string {
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return address;
  const g = ipv6Groups(bare);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return [g[6]! >> 8, g[6]! & 0xff, g[7]! >> 8, g[7]! & 0xff].join('.');
  }
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (a dotted IPv4 tail gives the last two). */
function ipv6Groups(address: string): number[] {
  const parse = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((p) => {
      if (!p.includes('.')) return [Number.parseInt(p, 16)];
      const [a, b, c, d] = p.split('.').map(Number);
      return [(a! << 8) | b!, (c! << 8) | d!];
    });
  };
  const gap = address.indexOf('::');
  if (gap < 0) return parse(address);
  const left = parse(address.slice(0, gap));
  const right = parse(address.slice(gap + 2));
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
