/**
 * What one path carries, as its sender measures it (session-v1 §5.4): the reliable records sealed for it and
 * not yet acknowledged on it (PATH_ACK, §4), its delivery rate, its round trip, and from those its in-flight cap
 * (a multiple of its bandwidth-delay product) and when a record sent on it now would arrive. Pure logic: the
 * caller passes the time, so tests run it on a fake clock.
 */

/** The bounds of the in-flight cap (SessionOptions). */
export interface RateLimits {
  /** Cap before the first delivery-rate sample, bytes. */
  pathInitialInflight: number;
  /** The cap never falls below this, bytes. */
  pathMinInflight: number;
  /** Nor rises above this, bytes. */
  pathMaxInflight: number;
  /** What the receiver may hold before it acknowledges: records, and ms (session-v1 §3.1). */
  ackEveryRecords: number;
  ackDelayMs: number;
  /** The largest record body, bytes. */
  maxRecordBytes: number;
}

interface Sent {
  pathSeq: number;
  bytes: number;
  sentAt: number;
  /** Bytes delivered on the path, and when the last of them was, when this record was sent. */
  delivered: number;
  deliveredAt: number;
}

/** The cap is this many bandwidth-delay products, plus what the receiver holds back before it acknowledges. */
const BDP_GAIN = 1.25;
/** Delivery-rate samples are kept as the max of two windows of this length, ms. */
const RATE_WINDOW_MS = 500;
/** The minimum round trip is the min of two windows of this length, ms (a path's route can change). */
const RTT_WINDOW_MS = 5000;
/** A path with records out and no delivery for this long beyond its round trip counts as stalled, ms. */
const STALL_GRACE_MS = 100;

export class PathRate {
  private readonly sent: Sent[] = [];
  private head = 0;
  private inflightBytes = 0;
  private delivered = 0;
  private lastDeliveryAt = 0;
  private rateNow = 0;
  private ratePrev = 0;
  private rateWindowStart = 0;
  private rttNow = Number.POSITIVE_INFINITY;
  private rttPrev = Number.POSITIVE_INFINITY;
  private rttWindowStart = 0;
  private smoothed = Number.POSITIVE_INFINITY;

  constructor(private readonly limits: RateLimits) {}

  /** Bytes of reliable records sealed for this path and not yet acknowledged on it. */
  get inflight(): number {
    return this.inflightBytes;
  }

  /** Delivery rate, bytes per ms (the max of recent samples); 0 before the first sample. */
  get rate(): number {
    return Math.max(this.rateNow, this.ratePrev);
  }

  /** Lowest recent round trip from a record's sealing to its PATH_ACK, ms; Infinity before the first. */
  get minRtt(): number {
    return Math.min(this.rttNow, this.rttPrev);
  }

  /** Smoothed round trip of the same samples, ms; Infinity before the first. */
  get srtt(): number {
    return this.smoothed;
  }

  /** The pathSeq below which every record sent on this path is acknowledged on it. */
  get ackedBelow(): number {
    return this.sent[this.head]?.pathSeq ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Most reliable bytes this path may have in flight: BDP_GAIN bandwidth-delay products, plus what the
   * receiver holds before it acknowledges (ackEveryRecords full records, or ackDelayMs of the rate, whichever
   * comes first), within [pathMinInflight, pathMaxInflight].
   */
  get cap(): number {
    const l = this.limits;
    const rate = this.rate;
    const rtt = this.minRtt;
    if (rate === 0 || !Number.isFinite(rtt)) return l.pathInitialInflight;
    const held = Math.min(l.ackEveryRecords * l.maxRecordBytes, rate * l.ackDelayMs);
    const want = BDP_GAIN * rate * rtt + held;
    return Math.max(l.pathMinInflight, Math.min(l.pathMaxInflight, Math.round(want)));
  }

  /** Room for one more record under the cap (which the record may pass). */
  get hasRoom(): boolean {
    return this.inflightBytes < this.cap;
  }

  /**
   * When a record of `bytes` sent now would arrive, ms from now: half a round trip, plus the time for what is
   * in flight ahead of it and itself to drain at the path's rate, plus how long a path with records out has
   * gone without delivering beyond its round trip (a stalled path looks slower the longer it stalls).
   * `fallbackRate` (bytes/ms) stands in for a path not measured yet.
   */
  eta(bytes: number, now: number, fallbackRate: number, fallbackRttMs: number): number {
    const rate = this.rate > 0 ? this.rate : fallbackRate;
    const rtt = Number.isFinite(this.minRtt) ? this.minRtt : fallbackRttMs;
    let eta = rtt / 2 + (this.inflightBytes + bytes) / rate;
    if (this.inflightBytes > 0) {
      const oldest = this.sent[this.head];
      const since = now - Math.max(this.lastDeliveryAt, oldest?.sentAt ?? now);
      const expected = (Number.isFinite(this.smoothed) ? this.smoothed : rtt) + STALL_GRACE_MS;
      if (since > expected) eta += since - expected;
    }
    return eta;
  }

  /** A reliable record of `bytes` was sealed for this path as its record `pathSeq`. */
  onSent(pathSeq: number, bytes: number, now: number): void {
    if (this.inflightBytes === 0) this.lastDeliveryAt = now;
    this.sent.push({
      pathSeq,
      bytes,
      sentAt: now,
      delivered: this.delivered,
      deliveredAt: this.lastDeliveryAt,
    });
    this.inflightBytes += bytes;
  }

  /**
   * PATH_ACK: every record below `next` sent on this path arrived (session-v1 §4). Frees them, takes a round
   * trip and a delivery-rate sample from the last; returns the bytes freed.
   */
  onAcked(next: number, now: number): number {
    let last: Sent | undefined;
    let freed = 0;
    for (let s = this.sent[this.head]; s !== undefined && s.pathSeq < next; s = this.sent[this.head]) {
      this.head += 1;
      freed += s.bytes;
      last = s;
    }
    if (this.head > 1024 && this.head * 2 > this.sent.length) {
      this.sent.splice(0, this.head);
      this.head = 0;
    }
    if (!last) return 0;
    this.inflightBytes -= freed;
    this.delivered += freed;
    this.sampleRtt(now - last.sentAt, now);
    const interval = now - Math.min(last.deliveredAt, last.sentAt);
    if (interval > 0) this.sampleRate((this.delivered - last.delivered) / interval, now);
    this.lastDeliveryAt = now;
    return freed;
  }

  /** The path is gone: nothing is in flight on it any more (its records wait to be resent). */
  clear(): void {
    this.sent.length = 0;
    this.head = 0;
    this.inflightBytes = 0;
  }

  private sampleRtt(sample: number, now: number): void {
    const s = Math.max(0, sample);
    this.smoothed = Number.isFinite(this.smoothed) ? 0.875 * this.smoothed + 0.125 * s : s;
    if (now - this.rttWindowStart >= RTT_WINDOW_MS) {
      this.rttPrev = this.rttNow;
      this.rttNow = s;
      this.rttWindowStart = now;
    } else this.rttNow = Math.min(this.rttNow, s);
  }

  private sampleRate(sample: number, now: number): void {
    if (now - this.rateWindowStart >= RATE_WINDOW_MS) {
      this.ratePrev = this.rateNow;
      this.rateNow = sample;
      this.rateWindowStart = now;
    } else this.rateNow = Math.max(this.rateNow, sample);
  }
}
