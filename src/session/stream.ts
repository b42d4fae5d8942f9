/**
 * One multiplexed stream of a session as a Node Duplex (session-v1 §4.1), with its two credit windows
 * (session-v1 §4.3): `peerMax` bounds what we send, `localMax` is what we granted the peer.
 */
import { Duplex } from 'node:stream';
import { RESET_CODES, type ResetReason, StreamError } from '../shared/errors.js';

/** What a stream asks of its session. */
export interface StreamHost {
  /** The stream has bytes (or an END) to send. */
  wakeSender(stream: SessionStream): void;
  /** The application consumed bytes; the session decides whether to grant more credit. */
  consumed(stream: SessionStream, bytes: number): void;
  /** The stream is gone; `reset` says whether a RESET must be sent and with which reason. */
  released(stream: SessionStream, reset: ResetReason | undefined, discardsUnread: boolean): void;
}

/** Bytes a stream queues for sending before `write()` returns false. */
const SEND_QUEUE_BYTES = 256 * 1024;

export class SessionStream extends Duplex {
  /** Bytes queued for sending, in order. */
  private readonly queue: Buffer[] = [];
  private queueHead = 0;
  queuedBytes = 0;
  private pendingWrite: (() => void) | null = null;
  private pendingFinal: ((err?: Error | null) => void) | null = null;
  /** Total DATA bytes sent on this stream, and the peer's credit limit. */
  sentOffset = 0;
  peerMax: number;
  /** Total DATA bytes received, the limit we granted, and what the application has read. */
  recvOffset = 0;
  localMax: number;
  private reportedConsumed = 0;
  /** An END is due once the queue is empty. */
  endPending = false;
  endSent = false;
  endReceived = false;
  private released = false;

  constructor(
    readonly id: number,
    private readonly host: StreamHost,
    peerWindow: number,
    readonly localWindow: number,
  ) {
    super({ allowHalfOpen: true, readableHighWaterMark: 64 * 1024, writableHighWaterMark: 64 * 1024 });
    this.peerMax = peerWindow;
    this.localMax = localWindow;
  }

  /** Credit left on this stream alone. */
  get credit(): number {
    return this.peerMax - this.sentOffset;
  }

  get hasSomethingToSend(): boolean {
    return this.queuedBytes > 0 || (this.endPending && !this.endSent);
  }

  /** Takes up to `max` queued bytes for one DATA frame. */
  takeChunk(max: number): Buffer | undefined {
    const head = this.queue[this.queueHead];
    if (head === undefined || max <= 0) return undefined;
    let chunk: Buffer;
    if (head.length <= max) {
      chunk = head;
      this.queue[this.queueHead] = undefined as unknown as Buffer;
      this.queueHead += 1;
      if (this.queueHead > 64 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
    } else {
      chunk = head.subarray(0, max);
      this.queue[this.queueHead] = head.subarray(max);
    }
    this.queuedBytes -= chunk.length;
    this.sentOffset += chunk.length;
    if (this.pendingWrite && this.queuedBytes < SEND_QUEUE_BYTES) {
      const cb = this.pendingWrite;
      this.pendingWrite = null;
      cb();
    }
    return chunk;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (chunk.length > 0) {
      this.queue.push(chunk);
      this.queuedBytes += chunk.length;
      this.host.wakeSender(this);
    }
    if (this.queuedBytes < SEND_QUEUE_BYTES) cb();
    else this.pendingWrite = cb;
  }

  override _final(cb: (err?: Error | null) => void): void {
    // 'finish' (and so autoDestroy) must wait until the END is really on its way.
    this.pendingFinal = cb;
    this.endPending = true;
    this.host.wakeSender(this);
  }

  override _read(): void {
    this.reportConsumed();
  }

  /** DATA from the peer (session-v1 §4): returns false if it broke the credit. */
  deliver(data: Buffer): boolean {
    if (this.recvOffset + data.length > this.localMax) return false;
    this.recvOffset += data.length;
    if (!this.endReceived && !this.destroyed) this.push(data);
    this.reportConsumed();
    return true;
  }

  deliverEnd(): void {
    if (this.endReceived) return;
    this.endReceived = true;
    this.push(null);
    this.maybeRelease();
  }

  /** The peer reset the stream. */
  resetByPeer(code: number, reason: ResetReason): void {
    this.released = true;
    this.host.released(this, undefined, true);
    this.destroy(new StreamError(reason, `stream reset by peer (${reason}, code ${code})`));
  }

  /** Aborts the stream locally, telling the peer `reason`, without an 'error' event here. */
  reset(reason: ResetReason): void {
    if (!this.released) {
      this.released = true;
      this.host.released(this, reason, true);
    }
    this.destroy();
  }

  markEndSent(): void {
    this.endSent = true;
    this.maybeRelease();
    const cb = this.pendingFinal;
    this.pendingFinal = null;
    cb?.();
  }

  private reportConsumed(): void {
    const consumed = this.recvOffset - this.readableLength;
    if (consumed > this.reportedConsumed) {
      const delta = consumed - this.reportedConsumed;
      this.reportedConsumed = consumed;
      this.host.consumed(this, delta);
    }
  }

  /** Both directions finished cleanly: the session can forget the stream. */
  private maybeRelease(): void {
    if (this.endSent && this.endReceived && !this.released) {
      this.released = true;
      this.host.released(this, undefined, false);
    }
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.released) {
      this.released = true;
      const reason: ResetReason = err instanceof StreamError ? err.reason : 'closed';
      this.host.released(this, reason, true);
    }
    if (this.pendingWrite) this.pendingWrite = null;
    cb(err);
  }
}

export function resetCode(reason: ResetReason): number {
  return RESET_CODES[reason];
}
