/**
 * Records the Redis store keeps (src/broker/redis-scripts.ts): a waiting volunteer and a delivered offer as
 * JSON, and the pools volunteers wait in. Redis may be shared or hold an older version's records, so each
 * field is checked and a record that does not fit is skipped (null) instead of trusted.
 */
import { createHash } from 'node:crypto';
import type { NatClass } from '../signaling/fields.js';
import type { DeliveredOffer } from '../signaling/messages.js';
import type { WaitingVolunteer } from './store.js';

type Fields = Record<string, unknown>;

function fieldsOf(text: string): Fields | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : null;
}

function isNat(value: unknown): value is NatClass {
  return value === 'unknown' || value === 'unrestricted' || value === 'restricted';
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** A WaitingVolunteer as stored by the join script, or null. */
export function parseVolunteer(text: string): WaitingVolunteer | null {
  const f = fieldsOf(text);
  if (f === null) return null;
  const { id, pollId, nat, capacity, egress, since } = f;
  if (typeof id !== 'string' || typeof pollId !== 'string' || !isNat(nat)) return null;
  if (typeof capacity !== 'number' || typeof since !== 'number' || !isStringArray(egress)) return null;
  return { id, pollId, nat, capacity, egress, since };
}

/** A DeliveredOffer as stored by the claim script, or null. */
export function parseOffer(text: string): DeliveredOffer | null {
  const f = fieldsOf(text);
  if (f === null) return null;
  const { id, sdp, egress } = f;
  if (typeof id !== 'string' || typeof sdp !== 'string' || typeof egress !== 'string') return null;
  return { id, sdp, egress };
}

/** Pool score span for `since`: ms since the epoch up to the year 2109, exact in a double with capacity. */
const SINCE_SPAN = 2 ** 42;

/** The pool (egress, NAT class) a volunteer waits in, as a key suffix; the URL is hashed to keep keys short. */
export function poolOf(egress: string, nat: NatClass): string {
  return `${createHash('sha256').update(egress).digest('base64url').slice(0, 16)}:${nat}`;
}

/** signaling-v1 §7 as a sorted-set score, lowest first: most free capacity, then the longest waiting. */
export function poolScore(v: WaitingVolunteer): number {
  const since = Math.min(Math.max(Math.trunc(v.since), 0), SINCE_SPAN - 1);
  const capacity = Math.min(Math.max(Math.trunc(v.capacity), 1), 64);
  return (64 - capacity) * SINCE_SPAN + since;
}
