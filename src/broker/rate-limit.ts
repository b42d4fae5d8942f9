/**
 * Per-address token buckets (signaling-v1 §1). Keys are an HMAC of the address under a random per-process
 * key, so no raw IP address is ever stored. The map is bounded: beyond `maxAddresses` the least recently
 * seen address is evicted (it simply starts again with a full bucket).
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface RateLimitOptions {
  /** Token refill rate, requests per second; 0 disables the limiter. */
  perSecond: number;
  /** Bucket size, requests. */
  burst: number;
  /** Addresses tracked at once. */
  maxAddresses: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export class RateLimiter {
  readonly #opts: RateLimitOptions;
  readonly #now: () => number;
  readonly #key = randomBytes(32);
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions, now: () => number = () => performance.now()) {
    this.#opts = options;
    this.#now = now;
  }

  /** Addresses tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `address`, or says how long until one is available. */
  take(address: string): RateDecision {
    const { perSecond, burst, maxAddresses } = this.#opts;
    if (perSecond <= 0) return { ok: true };
    const key = createHmac('sha256', this.#key).update(address).digest('base64url');
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: burst, updatedMs: now };
      if (this.#buckets.size >= maxAddresses) {
        const oldest = this.#buckets.keys().next();
        if (oldest.done !== true) this.#buckets.delete(oldest.value);
      }
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedMs) * perSecond) / 1000);
      bucket.updatedMs = now;
      this.#buckets.delete(key);
    }
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) * 1000) / perSecond) };
  }
}
