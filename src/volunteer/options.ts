/** Options of the volunteer relay, checked once when it is built. Limits and defaults: VOLUNTEER_DEFAULTS. */

import {
  resolveLimits,
  VOLUNTEER_DEFAULTS,
  VOLUNTEER_MAX_CLIENTS,
  type VolunteerLimits,
} from '../shared/limits.js';
import { type NatClass, parseBrokerKey } from '../signaling/client.js';
import { normalizeEgressUrls } from '../signaling/fields.js';
import { parsePairingCode } from '../signaling/pairing.js';

export interface VolunteerOptions extends Partial<VolunteerLimits> {
  /** Broker base URL, e.g. `https://broker.example/` (signaling-v1). */
  broker: string;
  /**
   * Egress URLs (`ws:`/`wss:`) this volunteer relays to (path-v1 §1), named by its operator: required unless
   * `brokerEgress` is set.
   */
  allow?: string[];
  /**
   * Relay to the broker's own egress list instead (signaling-v1 §3, fetched once), for an operator who trusts
   * that broker to choose: allowed only with an `https:` broker or one on loopback, and never with `allow`.
   * @default false
   */
  brokerEgress?: boolean;
  /**
   * The broker's public key for sealed signaling (signaling-v1 §10), base64url: pinned, so a front that
   * rewrites GET /v1/info cannot read the signaling; or `'info'`: the key /v1/info publishes, if any.
   * @default 'info'
   */
  brokerKey?: string;
  /** This volunteer's NAT class (signaling-v1 §1). @default detected (RelayEnv.detectNat), else 'unknown' */
  nat?: NatClass;
  /**
   * A pairing code (`starling pair`, signaling-v1 §8): serve only clients with the same code. The broker
   * sees a tag derived from it, never the code. @default none: serve the public pool
   */
  pairing?: string;
  /** Pause (paths say GOODBYE, no polling) while the host is hidden, e.g. a background tab (RelayEnv.conditions). @default false */
  pauseWhenHidden?: boolean;
  /** Pause while the device runs on battery, where the host can tell (the Battery Status API). @default false */
  pauseOnBattery?: boolean;
}

export interface ResolvedVolunteerOptions extends VolunteerLimits {
  broker: string;
  /** Normalized allow-list; empty only with `brokerEgress`, meaning "ask the broker". */
  allow: string[];
  /** A pinned key (base64url) or 'info'. */
  brokerKey: string;
  nat: NatClass;
  /** The pairing code in canonical form, or undefined. */
  pairing: string | undefined;
  pauseWhenHidden: boolean;
  pauseOnBattery: boolean;
}

/** Merges `options` over the defaults and checks every field; throws TypeError or RangeError naming it. */
export function resolveVolunteerOptions(options: VolunteerOptions): ResolvedVolunteerOptions {
  // No rate cap, no burst above it, no grace before closing, no path lifetime: 0 means "none" there, and
  // nowhere else.
  const merged = resolveLimits<VolunteerLimits>('volunteer', VOLUNTEER_DEFAULTS, options, [
    'maxBytesPerSec',
    'maxBytesPerSecPerClient',
    'maxTotalBytes',
    'rateBurstBytes',
    'goodbyeGraceMs',
    'maxPathLifetimeMs',
  ]);
  if (
    !Number.isInteger(merged.maxClients) ||
    merged.maxClients < 1 ||
    merged.maxClients > VOLUNTEER_MAX_CLIENTS
  ) {
    throw new RangeError(`volunteer option maxClients must be an integer from 1 to ${VOLUNTEER_MAX_CLIENTS}`);
  }
  let broker: URL;
  try {
    broker = new URL(options.broker);
  } catch {
    throw new TypeError(`volunteer option broker must be a URL, got "${options.broker}"`);
  }
  const allow = normalizeEgressUrls(options.allow ?? []);
  checkEgressChoice(allow, options.brokerEgress === true, broker);
  // A PairingCodeError is a TypeError's kin for callers: its message says what to fix.
  const pairing = options.pairing === undefined ? undefined : parsePairingCode(options.pairing);
  const brokerKey = options.brokerKey ?? 'info';
  if (brokerKey !== 'info') {
    try {
      parseBrokerKey(brokerKey);
    } catch (e) {
      throw new TypeError(`volunteer option brokerKey: ${(e as Error).message}`);
    }
  }
  return {
    ...merged,
    broker: options.broker,
    allow,
    brokerKey,
    nat: options.nat ?? 'unknown',
    pairing,
    pauseWhenHidden: options.pauseWhenHidden === true,
    pauseOnBattery: options.pauseOnBattery === true,
  };
}

/**
 * path-v1 §1: the operator names the egresses. The broker's list is taken only on request, and only where
 * no one between the broker and this volunteer can rewrite it: over https:, or on this machine's loopback.
 */
function checkEgressChoice(allow: readonly string[], brokerEgress: boolean, broker: URL): void {
  if (brokerEgress && allow.length > 0)
    throw new TypeError('volunteer options allow and brokerEgress exclude each other: give one');
  if (!brokerEgress && allow.length === 0)
    throw new TypeError('volunteer option allow must name at least one egress URL (path-v1 §1)');
  if (brokerEgress && broker.protocol !== 'https:' && !isLoopback(broker.hostname))
    throw new TypeError(`brokerEgress needs an https: broker (or one on loopback), not ${broker.protocol}`);
}

/** `localhost`, 127.0.0.0/8 or ::1, as a URL's hostname writes them. */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * signaling-v1 §4: the allow-list, at most 16 `ws:`/`wss:` URLs, normalized, duplicates dropped. The same
 * normalizer as the broker's list and the decoder's; throws TypeError or RangeError.
 */
export { normalizeEgressUrls as normalizeAllowList } from '../signaling/fields.js';
