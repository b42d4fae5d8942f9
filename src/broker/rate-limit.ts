/**
 * Token buckets per source (signaling-v1 §1, §6), for the request rate limit and the match budget. Keys are
 * source keys (src/broker/keys.ts), already HMACs, so no raw IP address is ever held. The map is bounded:
 * beyond `maxSources` the least recently seen source is evicted (it simply starts again with a full bucket).
 */
import { TokenBucket } from '../shared/token-bucket.js';

export interface RateLimitOptions {
  /** Token refill rate, per second; 0 disables the limiter. */
  perSecond: number;
  /** Bucket size, tokens. */
  burst: number;
  /** Sources tracked at once. */
  maxSources: number;
}

export type RateDecision = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export class RateLimiter {
  readonly #opts: RateLimitOptions;
  readonly #now: () => number;
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(options: RateLimitOptions, now: () => number = () => performance.now()) {
    this.#opts = options;
    this.#now = now;
  }

  /** Sources tracked now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `source`, or says how long until one is available. */
  take(source: string): RateDecision {
    const retryAfterMs = this.#bucket(source)?.tryTake(1) ?? 0;
    return retryAfterMs === 0 ? { ok: true } : { ok: false, retryAfterMs };
  }

  /** Whether `source` has a token now, without taking it; else how long until it has. */
  check(source: string): RateDecision {
    const retryAfterMs = this.#bucket(source)?.waitMs(1) ?? 0;
    return retryAfterMs === 0 ? { ok: true } : { ok: false, retryAfterMs };
  }

  /** Takes one token for `source`, into debt if need be (after a `check` that raced with another). */
  spend(source: string): void {
    this.#bucket(source)?.take(1);
  }

  /** The source's bucket, made full when new and moved to the most recently seen end; none when disabled. */
  #bucket(source: string): TokenBucket | undefined {
    const { perSecond, burst, maxSources } = this.#opts;
    if (perSecond <= 0) return undefined;
    let bucket = this.#buckets.get(source);
    if (bucket === undefined) {
      bucket = new TokenBucket(perSecond, burst, this.#now);
      if (this.#buckets.size >= maxSources) {
        const oldest = this.#buckets.keys().next();
        if (oldest.done !== true) this.#buckets.delete(oldest.value);
      }
    } else this.#buckets.delete(source);
    this.#buckets.set(source, bucket);
    return bucket;
  }
}
