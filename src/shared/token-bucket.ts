/**
 * A token bucket: `ratePerSec` tokens a second up to `burst`. The one rate limiter of Starling: the
 * volunteer's byte-rate cap (path-v1 §2), the broker's per-source request and match budgets
 * (signaling-v1 §1, §6) and the egress's OPEN rate per session all count with it.
 *
 * It may go into debt: `take` always succeeds, so a message larger than the burst still passes and the
 * sender then waits (`waitMs`) until the debt is paid; the long-run rate holds and nothing is dropped.
 * `tryTake` is the strict form, for requests that are refused instead of delayed.
 */
export class TokenBucket {
  readonly #ratePerSec: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  /** `ratePerSec` > 0; `burst` >= 0; `now` returns ms. The bucket starts full. */
  constructor(ratePerSec: number, burst: number, now: () => number = () => performance.now()) {
    if (!(ratePerSec > 0)) throw new RangeError('ratePerSec must be positive');
    this.#ratePerSec = ratePerSec;
    this.#burst = Math.max(0, burst);
    this.#now = now;
    this.#tokens = this.#burst;
    this.#last = now();
  }

  /** Time until the bucket holds at least `tokens` (0: out of debt), ms; 0 means now. */
  waitMs(tokens = 0): number {
    this.#refill();
    const missing = tokens - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil((missing * 1000) / this.#ratePerSec);
  }

  /** Takes `tokens`, into debt if need be. */
  take(tokens: number): void {
    this.#refill();
    this.#tokens -= tokens;
  }

  /** Takes `tokens` if the bucket holds them and returns 0; else takes nothing and says how long to wait, ms. */
  tryTake(tokens = 1): number {
    const wait = this.waitMs(tokens);
    if (wait === 0) this.#tokens -= tokens;
    return wait;
  }

  #refill(): void {
    const now = this.#now();
    const earned = ((now - this.#last) * this.#ratePerSec) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + earned);
  }
}
