/**
 * What the broker learns from clients' outcome reports (signaling-v1 §11): a record of each match, kept until
 * its outcome is reported, and counters of connected and failed matches per volunteer and per NAT pairing,
 * which the matcher reads (src/broker/matcher.ts: `failing`, `failingPairings`). Types and the in-process
 * implementation; src/broker/redis-outcomes.ts keeps the same on Redis for several broker instances.
 */
import type { NatClass } from '../signaling/fields.js';

/** What the broker remembers of a match until its outcome is reported. */
export interface MatchRecord {
  readonly volunteer: string;
  readonly volunteerNat: NatClass;
  readonly clientNat: NatClass;
  readonly relay: boolean;
  /** The client's source key: only that source may report the outcome. */
  readonly source: string;
}

export interface OutcomeCounts {
  connected: number;
  failed: number;
}

export interface OutcomeStore {
  /** Remembers `record` under the match id for `ttlMs`. */
  remember(match: string, record: MatchRecord, ttlMs: number): Promise<void>;
  /** The record of `match`, forgotten by this call (an outcome counts once); undefined when unknown. */
  take(match: string): Promise<MatchRecord | undefined>;
  /** Counts one outcome under each key; a key's counts start afresh `windowMs` after its first. */
  count(keys: readonly string[], connected: boolean, windowMs: number): Promise<void>;
  /** The counts of those keys that have any. */
  read(keys: readonly string[]): Promise<Map<string, OutcomeCounts>>;
}

/** signaling-v1 §11: the outcome key of a volunteer. */
export function volunteerKey(id: string): string {
  return `v:${id}`;
}

/**
 * signaling-v1 §11: the outcome key of a volunteers' source (`WaitingVolunteer.source`), counting the offers its
 * volunteers answered and left unanswered: a fresh ticket per poll does not wipe a source's record.
 */
export function answerKey(source: string): string {
  return `a:${source}`;
}

/** signaling-v1 §11: enough failures, and failures outnumber successes by `ratio` or more. */
export function keepsFailing(counts: OutcomeCounts | undefined, failures: number, ratio: number): boolean {
  return counts !== undefined && counts.failed >= failures && counts.failed >= ratio * counts.connected;
}

/** In one process: two maps, each bounded by `max` entries (the oldest goes), entries with a deadline. */
export class MemoryOutcomes implements OutcomeStore {
  readonly #records = new Map<string, { record: MatchRecord; until: number }>();
  readonly #counts = new Map<string, OutcomeCounts & { until: number }>();
  readonly #max: number;
  readonly #now: () => number;

  constructor(max: number, now: () => number = Date.now) {
    this.#max = max;
    this.#now = now;
  }

  async remember(match: string, record: MatchRecord, ttlMs: number): Promise<void> {
    bounded(this.#records, this.#max).set(match, { record, until: this.#now() + ttlMs });
  }

  async take(match: string): Promise<MatchRecord | undefined> {
    const entry = this.#records.get(match);
    this.#records.delete(match);
    return entry !== undefined && entry.until > this.#now() ? entry.record : undefined;
  }

  async count(keys: readonly string[], connected: boolean, windowMs: number): Promise<void> {
    const now = this.#now();
    for (const key of keys) {
      let entry = this.#counts.get(key);
      if (entry === undefined || entry.until <= now) {
        this.#counts.delete(key);
        entry = { connected: 0, failed: 0, until: now + windowMs };
        bounded(this.#counts, this.#max).set(key, entry);
      }
      if (connected) entry.connected++;
      else entry.failed++;
    }
  }

  async read(keys: readonly string[]): Promise<Map<string, OutcomeCounts>> {
    const now = this.#now();
    const out = new Map<string, OutcomeCounts>();
    for (const key of keys) {
      const entry = this.#counts.get(key);
      if (entry !== undefined && entry.until > now)
        out.set(key, { connected: entry.connected, failed: entry.failed });
    }
    return out;
  }
}

/** Makes room for one more entry: drops the oldest while the map is full. */
function bounded<K, V>(map: Map<K, V>, max: number): Map<K, V> {
  while (map.size >= max) {
    const oldest = map.keys().next();
    if (oldest.done === true) break;
    map.delete(oldest.value);
  }
  return map;
}
