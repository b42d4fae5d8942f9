/**
 * One path as the session sees it: its id, its per-direction record counters and the sealing of records
 * for it (session-v1 §3), its liveness and round trip (§5.3), whether it has proven live (§5.1), the bytes in
 * flight on it and the bound on the control records it may queue (§5.4).
 */
import { ProtocolError } from '../shared/errors.js';
import { TokenBucket } from '../shared/token-bucket.js';
import { sealWithHeader } from './aead.js';
import { encodeBody, type Frame, FrameType, padBody } from './frames.js';
import { open } from './noise.js';
import { PathRate, type RateLimits } from './path-rate.js';
import { type RampLimits, RecordRamp } from './record-ramp.js';
import type { PathTransport } from './transport.js';
import { MessageType, RECORD_HEADER_BYTES, readRecordHeader, recordHeader, recordNonce } from './wire.js';

/** What a path needs of the session's options. */
export interface PathLimits extends RateLimits, RampLimits {
  /** session-v1 §3: records sealed on this path, at most. */
  pathMaxRecords: number;
  /** session-v1 §5.4: unreliable records are queued only below pathHighWater + pathControlHeadroom. */
  pathHighWater: number;
  pathControlHeadroom: number;
  /** session-v1 §3.1: unreliable records the peer may send per second, and in a burst. */
  pathControlRecordsPerSecond: number;
}

export class PathState {
  private sendSeq = 0;
  private recvSeq = 0;
  private lastReceived = Date.now();
  /** GOODBYE seen or the path is being replaced: schedule nothing new on it (path-v1 §3). */
  private isLeaving = false;
  private isClosed = false;
  /** Smoothed round trip from PING/PONG, ms. */
  private rtt = Number.POSITIVE_INFINITY;
  private pingId = 0;
  /** When the outstanding PING was sent, 0 if none is outstanding. */
  private pingSentAt = 0;
  private lastPingAt = 0;
  /** session-v1 §5.3: this path's wait from one PING to the next, drawn anew for each. */
  private pingGap = 0;
  /** Reliable records sealed for this path and not yet acknowledged on it, its rate and round trip (§5.4). */
  readonly delivery: PathRate;
  /** How much stream data this path's next record may carry (session-v1 §5.4). */
  readonly ramp: RecordRamp;
  /** session-v1 §5.1: a record from the peer authenticated on this path (or it is ours by a handshake). */
  private isProven: boolean;
  private readonly controlBudget: TokenBucket;

  constructor(
    readonly id: number,
    readonly transport: PathTransport,
    private readonly sendKey: Uint8Array,
    private readonly recvKey: Uint8Array,
    private readonly limits: PathLimits,
    proven: boolean,
  ) {
    this.isProven = proven;
    this.delivery = new PathRate(limits);
    this.ramp = new RecordRamp(limits, limits.maxRecordBytes);
    this.controlBudget = new TokenBucket(
      limits.pathControlRecordsPerSecond,
      limits.pathControlRecordsPerSecond,
    );
  }

  /** session-v1 §3.1: an unreliable record from the peer arrived; false once it sends them too fast. */
  takeControlRecord(): boolean {
    return this.controlBudget.tryTake() === 0;
  }

  /** The peer has spoken on this path: it may carry reliable records (session-v1 §5.1). */
  get proven(): boolean {
    return this.isProven;
  }

  /** Room for an unreliable record in the local queue (session-v1 §5.4). */
  get controlRoom(): boolean {
    return this.transport.bufferedAmount < this.limits.pathHighWater + this.limits.pathControlHeadroom;
  }

  get leaving(): boolean {
    return this.isLeaving;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get rttMs(): number {
    return this.rtt;
  }

  get inflight(): number {
    return this.delivery.inflight;
  }

  /** Records received on this path so far: what a PATH_ACK for it says (session-v1 §4). */
  get received(): number {
    return this.recvSeq;
  }

  /** session-v1 §3: this path has sealed all the records it may; it takes nothing more. */
  get exhausted(): boolean {
    return this.sendSeq >= this.limits.pathMaxRecords;
  }

  /** Marks the path as going (GOODBYE); false if it already was. */
  leave(): boolean {
    if (this.isLeaving) return false;
    this.isLeaving = true;
    return true;
  }

  /** Marks the path closed and stops hearing its transport; false if it already was. */
  detach(): boolean {
    if (this.isClosed) return false;
    this.isClosed = true;
    this.transport.onmessage = null;
    this.transport.onclose = null;
    this.transport.ondrain = null;
    return true;
  }

  /** Its unacknowledged records moved to the resend queue. */
  clearInflight(): void {
    this.delivery.clear();
  }

  /**
   * PATH_ACK: the peer received the first `next` records sent on this path (session-v1 §4); returns the
   * reliable bytes that freed. Throws ProtocolError for records never sent.
   */
  pathAcked(next: number, now: number): number {
    if (next > this.sendSeq)
      throw new ProtocolError(`PATH_ACK ${next} on path ${this.id}: records never sent`);
    return this.delivery.onAcked(next, now);
  }

  /**
   * Seals reliable `body` as the next record on this path, sends it and counts it in flight (session-v1 §3,
   * §5.4); returns its pathSeq, or -1 (nothing sealed) once the path is exhausted or closed.
   */
  sendReliable(body: Uint8Array, now: number): number {
    const pathSeq = this.sendSeq;
    if (!this.sendRecord(body)) return -1;
    this.delivery.onSent(pathSeq, body.length, now);
    return pathSeq;
  }

  /**
   * Seals `body` as the next record on this path and sends it (session-v1 §3); false, and nothing sealed, once
   * the path is exhausted or closed.
   */
  sendRecord(body: Uint8Array): boolean {
    if (this.exhausted || this.isClosed) return false;
    const header = recordHeader(this.id, this.sendSeq);
    const msg = sealWithHeader(this.sendKey, recordNonce(this.id, this.sendSeq), header, padBody(body));
    this.sendSeq += 1;
    this.transport.send(msg);
    return true;
  }

  /** Sends an unreliable record if the local queue has room for control (session-v1 §5.4); false if not. */
  sendControl(body: Uint8Array): boolean {
    return this.controlRoom && this.sendRecord(body);
  }

  /**
   * The first record on a new path (session-v1 §2, §5.1): an ACK and a PING, so the peer hears at once that the
   * path works and answers with a round-trip sample.
   */
  greet(ackNext: number, now: number): void {
    this.pingId = (this.pingId + 1) >>> 0;
    this.pingSentAt = now;
    this.lastPingAt = now;
    const frames: Frame[] = [
      { type: FrameType.ack, next: ackNext },
      { type: FrameType.ping, id: this.pingId },
    ];
    this.sendRecord(encodeBody(undefined, frames));
  }

  /**
   * Checks the record's path id, its place in this path's sequence and its tag (session-v1 §3);
   * returns the body or throws ProtocolError, after which the path must be closed.
   */
  openRecord(msg: Uint8Array): Buffer {
    const { pathId, pathSeq } = readRecordHeader(msg);
    if (pathId !== this.id) throw new ProtocolError(`record for path ${pathId} arrived on path ${this.id}`);
    if (pathSeq !== this.recvSeq) {
      throw new ProtocolError(`path ${this.id}: record ${pathSeq} where ${this.recvSeq} was due`);
    }
    const body = open(
      this.recvKey,
      recordNonce(pathId, pathSeq),
      msg.subarray(0, RECORD_HEADER_BYTES),
      msg.subarray(RECORD_HEADER_BYTES),
    );
    if (body === null) throw new ProtocolError(`path ${this.id}: record ${pathSeq} failed authentication`);
    this.recvSeq += 1;
    this.isProven = true;
    this.lastReceived = Date.now();
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }

  /** Silence, ms, after which this path is abandoned: `timeoutMs`, or four smoothed round trips if longer. */
  livenessLimit(timeoutMs: number): number {
    return Math.max(timeoutMs, Number.isFinite(this.rtt) ? 4 * this.rtt : 0);
  }

  /**
   * The process ran nothing for `ms` before `now` (session-v1 §5.3): neither the silence nor an outstanding
   * PING's wait counts that time.
   */
  discountPause(ms: number, now: number): void {
    this.lastReceived = Math.min(now, this.lastReceived + ms);
    if (this.pingSentAt !== 0) this.pingSentAt = Math.min(now, this.pingSentAt + ms);
  }

  /** How long nothing arrived, ms. */
  silence(now: number): number {
    return now - this.lastReceived;
  }

  /**
   * session-v1 §5.3: one PING outstanding at a time, a new one `intervalMs` after the last; one whose answer
   * is later than half the liveness limit is sent again.
   */
  pingIfDue(now: number, intervalMs: number, limitMs: number): void {
    if (this.pingGap === 0) this.pingGap = jitter(intervalMs);
    const due = this.pingSentAt === 0 && now - this.lastPingAt >= this.pingGap;
    if (!due && (this.pingSentAt === 0 || now - this.pingSentAt <= limitMs / 2)) return;
    if (!this.controlRoom) return;
    this.pingGap = jitter(intervalMs);
    this.pingId = (this.pingId + 1) >>> 0;
    this.pingSentAt = now;
    this.lastPingAt = now;
    this.sendRecord(encodeBody(undefined, [{ type: FrameType.ping, id: this.pingId }]));
  }

  /** PONG `id` arrived on this path: a round-trip sample if it answers the outstanding PING. */
  pong(id: number, now: number): void {
    if (id !== this.pingId || this.pingSentAt === 0) return;
    const sample = now - this.pingSentAt;
    this.rtt = Number.isFinite(this.rtt) ? 0.8 * this.rtt + 0.2 * sample : sample;
    this.pingSentAt = 0;
  }
}

/**
 * session-v1 §2.1: whether `msg` is a record sealed with `recvKey` for path `pathId` as its first (`pathSeq`
 * 0): what commits a half-open session at the egress. Checks without keeping any state.
 */
export function isFirstRecord(recvKey: Uint8Array, pathId: number, msg: Uint8Array): boolean {
  if (msg.length < RECORD_HEADER_BYTES + 17 || msg[1] !== MessageType.record) return false;
  const { pathId: id, pathSeq } = readRecordHeader(msg);
  if (id !== pathId || pathSeq !== 0) return false;
  const header = msg.subarray(0, RECORD_HEADER_BYTES);
  return open(recvKey, recordNonce(pathId, 0), header, msg.subarray(RECORD_HEADER_BYTES)) !== null;
}

/** session-v1 §5.3: a wait drawn evenly from half to one and a half times `ms`, so pings keep no beat. */
export function jitter(ms: number): number {
  return ms * (0.5 + Math.random());
}
