/**
 * OutcomeStore (src/broker/outcomes.ts) on Redis, shared by every broker instance: a match record is a
 * string `<prefix>m:<match>` with its lifetime, taken with GETDEL so that an outcome counts once; counters are
 * a hash `<prefix>o:<key>` {connected, failed} whose lifetime is set by its first count (PEXPIRE NX, Redis 7).
 */
import type { Redis } from 'ioredis';
import { NAT_CLASSES, type NatClass } from '../signaling/fields.js';
import type { MatchRecord, OutcomeCounts, OutcomeStore } from './outcomes.js';

function isNat(value: unknown): value is NatClass {
  return typeof value === 'string' && (NAT_CLASSES as readonly string[]).includes(value);
}

/** A stored record, or undefined when it does not fit (another version wrote it). */
function parseRecord(text: string | null): MatchRecord | undefined {
  if (text === null) return undefined;
  let f: Record<string, unknown>;
  try {
    f = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { volunteer, volunteerNat, clientNat, relay, source } = f;
  if (typeof volunteer !== 'string' || typeof source !== 'string' || typeof relay !== 'boolean')
    return undefined;
  if (!isNat(volunteerNat) || !isNat(clientNat)) return undefined;
  return { volunteer, volunteerNat, clientNat, relay, source };
}

export class RedisOutcomes implements OutcomeStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, keyPrefix: string) {
    this.#redis = redis;
    this.#prefix = keyPrefix;
  }

  async remember(match: string, record: MatchRecord, ttlMs: number): Promise<void> {
    await this.#redis.set(`${this.#prefix}m:${match}`, JSON.stringify(record), 'PX', Math.max(1, ttlMs));
  }

  async take(match: string): Promise<MatchRecord | undefined> {
    return parseRecord(await this.#redis.getdel(`${this.#prefix}m:${match}`));
  }

  async count(keys: readonly string[], connected: boolean, windowMs: number): Promise<void> {
    const multi = this.#redis.multi();
    for (const key of keys) {
      const k = `${this.#prefix}o:${key}`;
      multi.hincrby(k, connected ? 'connected' : 'failed', 1);
      multi.call('PEXPIRE', k, Math.max(1, windowMs), 'NX');
    }
    await multi.exec();
  }

  async read(keys: readonly string[]): Promise<Map<string, OutcomeCounts>> {
    const out = new Map<string, OutcomeCounts>();
    if (keys.length === 0) return out;
    const pipeline = this.#redis.pipeline();
    for (const key of keys) pipeline.hmget(`${this.#prefix}o:${key}`, 'connected', 'failed');
    const replies = (await pipeline.exec()) ?? [];
    keys.forEach((key, i) => {
      const [err, value] = replies[i] ?? [null, null];
      if (err !== null || !Array.isArray(value)) return;
      const [connected, failed] = value.map((x) => Number(x ?? 0));
      if ((connected ?? 0) + (failed ?? 0) > 0)
        out.set(key, { connected: connected ?? 0, failed: failed ?? 0 });
    });
    return out;
  }
}
