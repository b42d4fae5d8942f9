/**
 * The ICE servers a broker hands out (signaling-v1 §3): STUN URLs as configured, and TURN URLs with
 * credentials of coturn's shared-secret scheme (the TURN REST API, `use-auth-secret`): the username is
 * `<expiry in s since the epoch>:<random>`, the password base64(HMAC-SHA1(secret, username)). coturn checks
 * both, so the secret never leaves the broker, and what leaves it stops working at the expiry.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IceServer } from '../signaling/messages.js';

export interface IceConfig {
  /** `stun:` URLs; the first two with different hosts also serve NAT detection (src/shared/nat-detect.ts). */
  readonly stun: readonly string[];
  /** `turn:`/`turns:` URLs and coturn's `static-auth-secret`; absent: no TURN. */
  readonly turn?: { readonly urls: readonly string[]; readonly secret: string };
}

/** coturn's shared-secret credentials valid until `nowMs + ttlMs`. */
export function turnCredentials(
  secret: string,
  nowMs: number,
  ttlMs: number,
): { username: string; credential: string } {
  const expiry = Math.floor((nowMs + ttlMs) / 1000);
  const username = `${expiry}:${randomBytes(9).toString('base64url')}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

/** signaling-v1 §3 `iceServers`: the STUN servers, then the TURN ones with fresh credentials. */
export function iceServersFor(config: IceConfig, nowMs: number, ttlMs: number): IceServer[] {
  const servers: IceServer[] = [];
  if (config.stun.length > 0) servers.push({ urls: [...config.stun] });
  if (config.turn !== undefined && config.turn.urls.length > 0) {
    servers.push({ urls: [...config.turn.urls], ...turnCredentials(config.turn.secret, nowMs, ttlMs) });
  }
  return servers;
}

/** Checks a URL list: `stun:`/`stuns:` or `turn:`/`turns:` as `kind` says; throws a RangeError naming the bad one. */
export function checkIceUrls(urls: readonly string[], kind: 'stun' | 'turn'): void {
  const re = kind === 'stun' ? /^stuns?:[^\s@]{1,500}$/ : /^turns?:[^\s@]{1,500}$/;
  for (const url of urls) {
    if (!re.test(url)) throw new RangeError(`not a ${kind}: URL (${kind}:host:port): ${url.slice(0, 100)}`);
  }
}
