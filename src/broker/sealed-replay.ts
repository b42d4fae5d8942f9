/**
 * signaling-v1 §10 "Replay": a sealed request is accepted once, and only while its time `t` is within
 * `windowMs` of the broker's clock. The ephemeral keys (`enc`) of the requests accepted lately are kept
 * until their time leaves the window; at most `maxEntries` of them. When full, the oldest entry goes and
 * the floor rises to its time: from then on no request at or before that time is accepted, so a full cache
 * narrows the window instead of letting a replay through. Per broker instance (§10 says what that leaves).
 */
export type ReplayVerdict = 'ok' | 'stale' | 'replayed';

export class SealedReplayWindow {
  /** enc (latin1 string) -> t, in insertion order. */
  readonly #seen = new Map<string, number>();
  #floor = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.#seen.size;
  }

  /** Checks a request's time and ephemeral key, and records the key when the answer is 'ok'. */
  check(enc: Uint8Array, t: number, now: number): ReplayVerdict {
    this.#prune(now);
    if (Math.abs(t - now) > this.windowMs || t <= this.#floor) return 'stale';
    const key = String.fromCharCode(...enc);
    if (this.#seen.has(key)) return 'replayed';
    while (this.#seen.size >= this.maxEntries) this.#dropOldest();
    this.#seen.set(key, t);
    return 'ok';
  }

  /** Entries whose time left the window are refused as stale anyway; the first few such go. */
  #prune(now: number): void {
    for (const [key, t] of this.#seen) {
      if (t >= now - this.windowMs) break;
      this.#seen.delete(key);
    }
  }

  #dropOldest(): void {
    for (const [key, t] of this.#seen) {
      this.#seen.delete(key);
      this.#floor = Math.max(this.#floor, t);
      return;
    }
  }
}
