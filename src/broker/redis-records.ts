/**
 * Records the Redis store keeps (src/broker/redis-scripts.ts): a waiting volunteer and a delivered offer as
 * JSON, and the pools volunteers wait in. Redis may be shared or hold an older version's records, so each
 * field is checked and a record that does not fit is skipped (null) instead of trusted.
 */
import { createHash } from 'node:crypto';
import { NAT_CLASSES, type NatClass } from '../signaling/fields.js';
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
  return typeof value === 'string' && (NAT_CLASSES as readonly string[]).includes(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** A WaitingVolunteer as stored by the join script, or null. */
export function parseVolunteer(text: string): WaitingVolunteer | null {
  const f = fieldsOf(text);
  if (f === null) return null;
  const { id, pollId, nat, egress, since, source, pool, standing } = f;
  if (typeof id !== 'string' || typeof pollId !== 'string' || !isNat(nat)) return null;
  if (typeof since !== 'number' || typeof source !== 'string' || !isStringArray(egress)) return null;
  if (pool !== undefined && typeof pool !== 'string') return null;
  if (standing !== undefined && standing !== 0 && standing !== 1 && standing !== 2) return null;
  return {
    id,
    pollId,
    nat,
    egress,
    since,
    source,
    ...(pool === undefined ? {} : { pool }),
    ...(standing === undefined ? {} : { standing }),
  };
}

/** A DeliveredOffer as stored by the claim script, or null. */
export function parseOffer(text: string): DeliveredOffer | null {
  const f = fieldsOf(text);
  if (f === null) return null;
  const { id, sdp, egress, relay } = f;
  if (typeof id !== 'string' || typeof sdp !== 'string' || typeof egress !== 'string') return null;
  return { id, sdp, egress, ...(relay === true ? { relay } : {}) };
}

/**
 * The sorted set (egress, NAT class, pool key) a volunteer waits in, as a key suffix; the URL is hashed to
 * keep keys short. The public pool (signaling-v1 §8) has no third part; a pairing pool's key is already the
 * broker's HMAC of the tag (BrokerKeys.pool), never the tag.
 */
export function poolOf(egress: string, nat: NatClass, pool = ''): string {
  const base = `${createHash('sha256').update(egress).digest('base64url').slice(0, 16)}:${nat}`;
  return pool === '' ? base : `${base}:${pool}`;
}

/** More milliseconds than any `since`: standings never interleave in one sorted set. */
const STANDING_SPAN_MS = 1e14;

/** signaling-v1 §7 as a sorted-set score, lowest first: the poll waiting longest (ms since the epoch). */
export function poolScore(v: WaitingVolunteer): number {
  // Proven volunteers before those with no record, failing ones after (a whole epoch apart), then the wait.
  return Math.max(0, Math.trunc(v.since)) + ((v.standing ?? 1) - 1) * STANDING_SPAN_MS;
}
