/**
 * One path as the session sees it: its id, its per-direction record counters, its liveness
 * (session-v1 §3, §5.3) and the sealing of records for it.
 */
import { ProtocolError } from '../shared/errors.js';
import { sealWithHeader } from './aead.js';
import { open } from './noise.js';
import type { PathTransport } from './transport.js';
import { RECORD_HEADER_BYTES, readRecordHeader, recordHeader, recordNonce } from './wire.js';

/** session-v1 §3: a path closes itself before its pathSeq would wrap. */
const MAX_PATH_SEQ = 0xffff_fff0;

export class PathState {
  private sendSeq = 0;
  private recvSeq = 0;
  lastReceived = Date.now();
  /** GOODBYE seen or the path is being replaced: schedule nothing new on it (path-v1 §3). */
  leaving = false;
  closed = false;
  /** Smoothed round trip from PING/PONG, ms. */
  rttMs = Number.POSITIVE_INFINITY;
  pingId = 0;
  /** When the outstanding PING was sent, 0 if none is outstanding. */
  pingSentAt = 0;
  lastPingAt = 0;
  /** Bytes of reliable records sealed for this path and not yet acknowledged (session-v1 §5.4). */
  inflight = 0;

  constructor(
    readonly id: number,
    readonly transport: PathTransport,
    private readonly sendKey: Uint8Array,
    private readonly recvKey: Uint8Array,
  ) {}

  get exhausted(): boolean {
    return this.sendSeq >= MAX_PATH_SEQ;
  }

  /** Seals `body` as the next record on this path and sends it (session-v1 §3). */
  sendRecord(body: Uint8Array): void {
    const header = recordHeader(this.id, this.sendSeq);
    const msg = sealWithHeader(this.sendKey, recordNonce(this.id, this.sendSeq), header, body);
    this.sendSeq += 1;
    this.transport.send(msg);
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
    this.lastReceived = Date.now();
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
}
