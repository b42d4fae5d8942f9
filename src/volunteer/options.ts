/** Options of the volunteer relay, checked once when it is built. Limits and defaults: VOLUNTEER_DEFAULTS. */

import {
  resolveLimits,
  VOLUNTEER_DEFAULTS,
  VOLUNTEER_MAX_CLIENTS,
  type VolunteerLimits,
} from '../shared/limits.js';
import type { NatClass } from '../signaling/client.js';
import { normalizeEgressUrls } from '../signaling/fields.js';

export interface VolunteerOptions extends Partial<VolunteerLimits> {
  /** Broker base URL, e.g. `https://broker.example/` (signaling-v1). */
  broker: string;
  /**
   * Egress URLs (`ws:`/`wss:`) this volunteer relays to (path-v1 §1). Empty or absent: the broker's own list
   * (signaling-v1 §3), fetched once.
   */
  allow?: string[];
  /** This volunteer's NAT class (signaling-v1 §1). @default 'unknown' */
  nat?: NatClass;
}

export interface ResolvedVolunteerOptions extends VolunteerLimits {
  broker: string;
  /** Normalized allow-list; empty means "ask the broker". */
  allow: string[];
  nat: NatClass;
}

/** Merges `options` over the defaults and checks every field; throws TypeError or RangeError naming it. */
export function resolveVolunteerOptions(options: VolunteerOptions): ResolvedVolunteerOptions {
  // No rate cap, no burst above it, no grace before closing: 0 means "none" there, and nowhere else.
  const merged = resolveLimits<VolunteerLimits>('volunteer', VOLUNTEER_DEFAULTS, options, [
    'maxBytesPerSec',
    'rateBurstBytes',
    'goodbyeGraceMs',
  ]);
  if (
    !Number.isInteger(merged.maxClients) ||
    merged.maxClients < 1 ||
    merged.maxClients > VOLUNTEER_MAX_CLIENTS
  ) {
    throw new RangeError(`volunteer option maxClients must be an integer from 1 to ${VOLUNTEER_MAX_CLIENTS}`);
  }
  try {
    new URL(options.broker);
  } catch {
    throw new TypeError(`volunteer option broker must be a URL, got "${options.broker}"`);
  }
  const allow = normalizeEgressUrls(options.allow ?? []);
  return { ...merged, broker: options.broker, allow, nat: options.nat ?? 'unknown' };
}

/**
 * signaling-v1 §4: the allow-list, at most 16 `ws:`/`wss:` URLs, normalized, duplicates dropped. The same
 * normalizer as the broker's list and the decoder's; throws TypeError or RangeError.
 */
export { normalizeEgressUrls as normalizeAllowList } from '../signaling/fields.js';
