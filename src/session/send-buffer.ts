/**
 * The send side of reliable records (session-v1 §3.1, §5.2): every record is kept until acknowledged, with
 * the path it was last sent on; when a path goes, its records wait in `seq` order to be resent elsewhere.
 */
import { ProtocolError } from '../shared/errors.js';

export interface Unacked {
  /** The plaintext body, sealed anew for whichever path carries it. */
  body: Buffer;
  /** The path it was last sent on, -1 while waiting to be resent. */
  pathId: number;
  /** Its record number on that path (session-v1 §3). */
  pathSeq: number;
}

export class SendBuffer {
  /** The `seq` the next new record gets. */
  nextSeq = 0;
  private readonly unacked = new Map<number, Unacked>();
  private resendQueue: number[] = [];

  get size(): number {
    return this.unacked.size;
  }

  add(body: Buffer, pathId: number, pathSeq: number): void {
    this.unacked.set(this.nextSeq, { body, pathId, pathSeq });
    this.nextSeq += 1;
  }

  /** ACK(next): forgets every record below `next`. */
  ack(next: number): void {
    if (next > this.nextSeq) throw new ProtocolError(`ACK ${next} for records never sent`);
    for (const seq of this.unacked.keys()) {
      if (seq >= next) break;
      this.unacked.delete(seq);
    }
  }

  /**
   * Queues for resending every unacknowledged record last sent on `pathId` as its record `arrivedBelow` or
   * later (the peer said, with PATH_ACK, that it received the earlier ones); returns how many.
   */
  requeue(pathId: number, arrivedBelow = 0): number {
    const moved: number[] = [];
    for (const [seq, u] of this.unacked) {
      if (u.pathId === pathId && u.pathSeq >= arrivedBelow) {
        u.pathId = -1;
        moved.push(seq);
      }
    }
    if (moved.length > 0) this.resendQueue = mergeSorted(this.resendQueue, moved);
    return moved.length;
  }

  /** The next record waiting to be resent (skipping ones acknowledged meanwhile), without taking it. */
  peekResend(): Unacked | undefined {
    for (let seq = this.resendQueue[0]; seq !== undefined; seq = this.resendQueue[0]) {
      const u = this.unacked.get(seq);
      if (u) return u;
      this.resendQueue.shift();
    }
    return undefined;
  }

  /** Takes the record `peekResend` returned, now on its way over `pathId`. */
  takeResend(pathId: number): Unacked {
    const seq = this.resendQueue.shift();
    const u = seq === undefined ? undefined : this.unacked.get(seq);
    if (!u) throw new Error('takeResend without peekResend');
    u.pathId = pathId;
    return u;
  }

  clear(): void {
    this.unacked.clear();
    this.resendQueue = [];
  }
}

function mergeSorted(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      out.push(x!);
      i += 1;
    } else {
      if (x === y) i += 1;
      out.push(y);
      j += 1;
    }
  }
  return out;
}
