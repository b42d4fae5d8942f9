/**
 * The byte-rate cap shared by all paths of a volunteer (path-v1 §2). A token bucket that may go into debt:
 * a message larger than the burst still passes, and the senders then wait until the debt is paid, so the
 * long-run rate holds while nothing is dropped or reordered.
 */
export class RateLimiter {
  readonly #bytesPerSec: number;
  readonly #burstBytes: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  /** `bytesPerSec` > 0; `burstBytes` >= 0; `now` returns ms. */
  constructor(bytesPerSec: number, burstBytes: number, now: () => number = () => performance.now()) {
    if (!(bytesPerSec > 0)) throw new RangeError('bytesPerSec must be positive');
    this.#bytesPerSec = bytesPerSec;
    this.#burstBytes = Math.max(0, burstBytes);
    this.#now = now;
    this.#tokens = this.#burstBytes;
    this.#last = now();
  }

  /** How long a sender must wait before its next message may go, ms; 0 means now. */
  waitMs(): number {
    this.#refill();
    return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens * 1000) / this.#bytesPerSec);
  }

  /** Accounts for `bytes` just sent (call only when `waitMs()` was 0). */
  take(bytes: number): void {
    this.#refill();
    this.#tokens -= bytes;
  }

  #refill(): void {
    const now = this.#now();
    const earned = ((now - this.#last) * this.#bytesPerSec) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.#burstBytes, this.#tokens + earned);
  }
}
