/**
 * NAT detection (signaling-v1 §1 `nat`, §7), the part both runtimes share: which STUN servers to ask, and
 * what the mappings they saw mean. A NAT that maps one local socket to the same public port towards two STUN
 * addresses maps endpoint-independently (a `cone`); a different port per address is a `symmetric` mapping; a
 * mapping equal to the local address is `public`. Node asks with a UDP socket (src/shared/nat-detect-node.ts),
 * a browser through a peer connection's server-reflexive candidates (src/shared/nat-detect.ts).
 */
import type { NatClass } from '../signaling/fields.js';

export interface StunTarget {
  readonly host: string;
  readonly port: number;
}

/** `stun:host[:port]` (or `stuns:`) as a target; undefined for anything else. */
export function stunTarget(url: string): StunTarget | undefined {
  const m = /^stuns?:(\[[0-9a-fA-F:.]+\]|[^:?\s]+)(?::(\d{1,5}))?$/.exec(url);
  if (m === null) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] === undefined ? 3478 : Number(m[2]) };
}

/** The first two STUN servers of `servers` on different hosts, or fewer when there are not two. */
export function detectionTargets(servers: readonly RTCIceServer[]): StunTarget[] {
  const out: StunTarget[] = [];
  for (const server of servers) {
    for (const url of Array.isArray(server.urls) ? server.urls : [server.urls]) {
      const t = stunTarget(url);
      if (t !== undefined && !out.some((o) => o.host === t.host) && out.length < 2) out.push(t);
    }
  }
  return out;
}

/**
 * The class that mappings (`ip:port` as seen by each server, in the order asked, undefined where none
 * answered) of one local socket at `local` (`ip:port`, or undefined when unknown) show.
 */
export function classify(local: string | undefined, mapped: readonly (string | undefined)[]): NatClass {
  const seen = mapped.filter((m): m is string => m !== undefined);
  if (seen.length === 0) return 'unknown';
  if (local !== undefined && seen.every((m) => m === local)) return 'public';
  if (new Set(seen).size > 1) return 'symmetric';
  return seen.length >= 2 ? 'cone' : 'unknown';
}
