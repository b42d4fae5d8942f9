/**
 * Which address a request counts against (signaling-v1 §1, "Sources"). Behind reverse proxies
 * the TCP peer is the nearest proxy, so with `trustedProxies` N the client is the Nth `X-Forwarded-For` entry
 * from the right: each proxy appends the address it received the request from, so that entry was written by
 * the outermost trusted proxy, and everything to its left is whatever the client chose to send. Then one host
 * is one key: an IPv6 address counts by its /64 (a host usually holds a whole /64 and could cycle through
 * it), an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, how a dual-stack socket reports IPv4) as the IPv4.
 */
import { isIP } from 'node:net';
import { mappedIPv4, parseIPv6 } from '../shared/ip.js';

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

/**
 * The source an address counts as (signaling-v1 §1): IPv6 by its /64 prefix, IPv4-mapped IPv6 as the IPv4,
 * others unchanged. Never stored as is: src/broker/keys.ts HMACs it.
 */
export function sourcePrefix(address: string): string {
  const bytes = parseIPv6(address.replace(/%.*$/, ''));
  if (bytes === undefined) return address;
  const mapped = mappedIPv4(bytes);
  if (mapped !== undefined) return mapped;
  const groups = [0, 2, 4, 6].map((i) => ((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `${groups.join(':')}::/64`;
}
