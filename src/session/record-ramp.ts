/**
 * Dynamic record sizing, sender side only (session-v1 §5.4): a path's first records, and its first after it
 * has sent no stream data for a while, are small, and each record that fills its allowance doubles it, up to
 * the full record. A record is delivered only whole, and a fresh or idle path's legs (SCTP, the volunteer's
 * TCP) are in slow start: a 64 KB first record would hold a response's first byte back for several round
 * trips, one packet's worth arrives in one. Bulk transfers reach full records after about 7 of them.
 */

export interface RampLimits {
  /** Stream-frame bytes of a record at the start and after idling, bytes. */
  recordRampStartBytes: number;
  /** Time without a stream record after which the ramp starts again, ms. */
  recordRampIdleMs: number;
}

export class RecordRamp {
  private allowance: number;
  private lastSent = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: RampLimits,
    /** The full record's room, bytes: the allowance grows no further. */
    private readonly maxBytes: number,
  ) {
    this.allowance = Math.min(limits.recordRampStartBytes, maxBytes);
  }

  /** Bytes of stream frames the next record may carry, at `now` (ms). */
  room(now: number): number {
    if (now - this.lastSent >= this.limits.recordRampIdleMs) {
      this.allowance = Math.min(this.limits.recordRampStartBytes, this.maxBytes);
    }
    return this.allowance;
  }

  /** A record carrying stream frames was sent at `now`; `filled` if it used up its room. */
  sent(now: number, filled: boolean): void {
    this.lastSent = now;
    if (filled) this.allowance = Math.min(this.allowance * 2, this.maxBytes);
  }
}
