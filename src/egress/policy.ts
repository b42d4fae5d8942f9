import { BlockList, isIP } from 'node:net';
import { mappedIPv4, parseIPv6 } from '../shared/ip.js';

/**
 * Which destinations the egress opens TCP to. Strangers' clients must not reach the egress host, its
 * network or its cloud metadata service, so by default only globally routable unicast addresses pass
 * (IANA IPv4 and IPv6 Special-Purpose Address Registries, RFC 6890). Checked on resolved addresses.
 */
export type PolicyOptions = {
  /** Allow every address (tests, private deployments). The port rule and `deny` still apply. */
  allowPrivate: boolean;
  /** Extra refused networks as `address/prefix` or single addresses, e.g. the egress's own public IP. */
  deny?: readonly string[];
  /** Ports that may be reached, as inclusive ranges. @default every port, 1-65535 */
  allowPorts?: readonly PortRange[];
  /** Ports refused even when `allowPorts` has them. @default DEFAULT_DENIED_PORTS (25, 465, 587) */
  denyPorts?: readonly PortRange[];
};

/** An inclusive range of TCP ports, `[first, last]`; one port is `[p, p]`. */
export type PortRange = readonly [number, number];

/**
 * Ports an egress refuses unless its operator says otherwise (`--deny-port`): SMTP to mail exchangers (25),
 * the first thing spammers look for in an open proxy, and mail submission (465 implicit TLS, 587
 * STARTTLS), where stolen passwords are tried. People reach their mail through webmail (443) or their
 * provider's app; an egress that sends mail gets its address on every block list within hours.
 */
export const DEFAULT_DENIED_PORTS: readonly PortRange[] = [
  [25, 25],
  [465, 465],
  [587, 587],
];

/**
 * Reads port ranges as an operator writes them: `443`, `8000-8999`, or `none` (no range). Throws a
 * TypeError naming the entry that is not a port or a range of ports from 1 to 65535.
 */
export function parsePortRanges(entries: readonly string[]): PortRange[] {
  const out: PortRange[] = [];
  for (const entry of entries) {
    if (entry.trim() === 'none') continue;
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(entry.trim());
    const first = Number(m?.[1]);
    const last = m?.[2] === undefined ? first : Number(m[2]);
    if (m === null || first < 1 || last > 65535 || first > last)
      throw new TypeError(
        `port ${JSON.stringify(entry)} is not a port or range from 1 to 65535 (e.g. 443 or 8000-8999)`,
      );
    out.push([first, last]);
  }
  return out;
}

const inRanges = (port: number, ranges: readonly PortRange[]): boolean =>
  ranges.some(([first, last]) => port >= first && port <= last);

/** Refused IPv4 networks. */
const REFUSED_V4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", including the unspecified address (RFC 791)
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // carrier-grade NAT shared space (RFC 6598)
  ['127.0.0.0', 8], // loopback (RFC 1122)
  ['169.254.0.0', 16], // link-local, with cloud metadata at 169.254.169.254 (RFC 3927)
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.0.0.0', 24], // IETF protocol assignments (RFC 6890)
  ['192.0.2.0', 24], // documentation TEST-NET-1 (RFC 5737)
  ['192.88.99.0', 24], // deprecated 6to4 relay anycast (RFC 7526)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['198.51.100.0', 24], // documentation TEST-NET-2 (RFC 5737)
  ['203.0.113.0', 24], // documentation TEST-NET-3 (RFC 5737)
  ['224.0.0.0', 4], // multicast (RFC 5771)
  ['240.0.0.0', 4], // reserved, with limited broadcast 255.255.255.255 (RFC 1112, RFC 919)
];

/** IPv6 outside global unicast 2000::/3 is refused whole (loopback, unspecified, ULA fc00::/7, link-local
 *  fe80::/10, site-local, multicast ff00::/8, discard 100::/64, 64:ff9b:1::/48, ...); inside it, these: */
const REFUSED_V6_GLOBAL: ReadonlyArray<readonly [string, number]> = [
  ['2001::', 23], // IETF protocol assignments: Teredo, benchmarking, ORCHID (RFC 2928, RFC 6890)
  ['2001:db8::', 32], // documentation (RFC 3849)
  ['3fff::', 20], // documentation (RFC 9637)
];

const refusedV4 = new BlockList();
for (const [net, prefix] of REFUSED_V4) refusedV4.addSubnet(net, prefix, 'ipv4');
const globalV6 = new BlockList();
globalV6.addSubnet('2000::', 3, 'ipv6');
const refusedV6 = new BlockList();
for (const [net, prefix] of REFUSED_V6_GLOBAL) refusedV6.addSubnet(net, prefix, 'ipv6');

/**
 * Whether `ip` (a literal IPv4 or IPv6 address) may be connected to. Anything that is not an address, and
 * IPv6 with a zone index, is refused. IPv6 that embeds an IPv4 address (mapped ::ffff:0:0/96, NAT64
 * 64:ff9b::/96, 6to4 2002::/16) is judged by the IPv4 address inside.
 */
export function isAllowedAddress(ip: string, opts: Pick<PolicyOptions, 'allowPrivate'>): boolean {
  const family = isIP(ip);
  if (family === 0 || ip.includes('%')) return false; // a zone index names an interface of this host
  if (opts.allowPrivate) return true;
  if (family === 4) return !refusedV4.check(ip, 'ipv4');
  const bytes = parseIPv6(ip);
  if (bytes === undefined) return false;
  const inner = embeddedIPv4(bytes);
  if (inner !== undefined) return !refusedV4.check(inner, 'ipv4');
  return globalV6.check(ip, 'ipv6') && !refusedV6.check(ip, 'ipv6');
}

/** Whether `port` may be connected to: an integer 1..65535 in `allowPorts` and not in `denyPorts`. */
export function isAllowedPort(
  port: number,
  opts: Pick<PolicyOptions, 'allowPorts' | 'denyPorts'> = {},
): boolean {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return false;
  if (opts.allowPorts !== undefined && !inRanges(port, opts.allowPorts)) return false;
  return !inRanges(port, opts.denyPorts ?? DEFAULT_DENIED_PORTS);
}

/** The policy as one object, with `deny` networks parsed once; what dialDestination checks. */
export class DestinationPolicy {
  readonly #opts: PolicyOptions;
  readonly #deny: BlockList | undefined;

  /** Throws a TypeError on a malformed `deny` entry (a configuration error). */
  constructor(opts: PolicyOptions) {
    this.#opts = opts;
    if (opts.deny && opts.deny.length > 0) {
      this.#deny = new BlockList();
      for (const entry of opts.deny) addNetwork(this.#deny, entry);
    }
  }

  allowsAddress(ip: string): boolean {
    if (!isAllowedAddress(ip, this.#opts)) return false;
    if (this.#deny === undefined) return true;
    if (isIP(ip) === 4) return !this.#deny.check(ip, 'ipv4');
    const bytes = parseIPv6(ip);
    const inner = bytes && embeddedIPv4(bytes);
    return !this.#deny.check(ip, 'ipv6') && (inner === undefined || !this.#deny.check(inner, 'ipv4'));
  }

  allowsPort(port: number): boolean {
    return isAllowedPort(port, this.#opts);
  }
}

function embeddedIPv4(b: Uint8Array): string | undefined {
  const mapped = mappedIPv4(b);
  if (mapped !== undefined) return mapped;
  const isNat64 =
    b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.subarray(4, 12).every((x) => x === 0);
  if (isNat64) return b.subarray(12, 16).join('.');
  if (b[0] === 0x20 && b[1] === 0x02) return b.subarray(2, 6).join('.');
  return undefined;
}

function addNetwork(list: BlockList, entry: string): void {
  const [address = '', prefixText] = entry.split('/');
  const family = isIP(address);
  if (family === 0) throw new TypeError(`deny entry ${entry} is not an address or network`);
  const type = family === 6 ? 'ipv6' : 'ipv4';
  const max = family === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max)
    throw new TypeError(`deny entry ${entry}: bad prefix`);
  list.addSubnet(address, prefix, type);
}
