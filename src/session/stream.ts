/**
 * One multiplexed stream of a session as a Node Duplex (session-v1 §4.1). It owns its credit window
 * (session-v1 §4.3) and its state; the session only routes its frames to it and schedules what it sends.
 *
 *   open --END sent--> half-closed-local --END received--> closed
 *   open --END received--> half-closed-remote --END sent--> closed
 *   any but closed --RESET sent or received, or destroyed--> reset
 */
import { Duplex } from 'node:stream';
import { type ResetReason, StreamError } from '../shared/errors.js';
import { CreditWindow } from './credit.js';

export type StreamState = 'open' | 'half-closed-local' | 'half-closed-remote' | 'closed' | 'reset';

/** What a stream asks of its session. */
export interface StreamHost {
  /** The stream has bytes (or an END) to send. */
  wakeSender(stream: SessionStream): void;
  /** `bytes` of the session's credit are free again: the application read them, or they were discarded. */
  freed(bytes: number): void;
  /** The stream grants the peer credit up to `max` (MAX_DATA, session-v1 §4.3). */
  grant(streamId: number, max: number): void;
  /** The session's round trip as far as known, ms, by which a stream's window grows (CreditWindow.grant). */
  roundTripMs(): number;
  /**
   * The stream is closed or reset, once: `reset` is the RESET to send (none when both ENDs passed or the
   * peer reset it), `byPeer` the reason of the peer's RESET.
   */
  released(stream: SessionStream, reset: ResetReason | undefined, byPeer?: ResetReason): void;
}

export interface StreamInit {
  /** The peer's stream window: what we may send before its first MAX_DATA, bytes. */
  peerWindow: number;
  /** Our stream window, bytes, at first. */
  localWindow: number;
  /** ... and at most, as it grows with the round trip (session-v1 §4.3). */
  maxLocalWindow: number;
  /** Bytes queued for sending before `write()` returns false (streamSendQueueBytes). */
  sendQueueBytes: number;
  /** High-water mark of the readable and writable sides (streamBufferBytes). */
  bufferBytes: number;
  /** Client side, until OPENED. */
  opening: boolean;
}

export class SessionStream extends Duplex {
  /** Bytes queued for sending, in order, from `queueHead`. */
  private readonly queue: Buffer[] = [];
  private queueHead = 0;
  private queued = 0;
  private pendingWrite: (() => void) | null = null;
  private pendingFinal: ((err?: Error | null) => void) | null = null;
  private readonly credit: CreditWindow;
  /** The application ended its side: an END goes once the queue is empty. */
  private endQueued = false;
  private current: StreamState = 'open';
  /** Client side, until OPENED: nobody holds the stream yet, so it must not emit 'error'. */
  private opening: boolean;
  private readonly sendQueueBytes: number;

  constructor(
    readonly id: number,
    private readonly host: StreamHost,
    init: StreamInit,
  ) {
    super({
      allowHalfOpen: true,
      readableHighWaterMark: init.bufferBytes,
      writableHighWaterMark: init.bufferBytes,
    });
    this.credit = new CreditWindow(init.peerWindow, init.localWindow, init.maxLocalWindow);
    this.opening = init.opening;
    this.sendQueueBytes = init.sendQueueBytes;
  }

  get state(): StreamState {
    return this.current;
  }

  get queuedBytes(): number {
    return this.queued;
  }

  /** DATA bytes sent on this stream in all. */
  get sentOffset(): number {
    return this.credit.sentBytes;
  }

  /** Bytes or an END are waiting, whatever the credit. */
  get hasSomethingToSend(): boolean {
    return this.queued > 0 || this.endDue;
  }

  /** Something can go out now: bytes within this stream's credit, or the END. */
  get readyToSend(): boolean {
    return !this.destroyed && ((this.queued > 0 && this.credit.sendable > 0) || this.endDue);
  }

  private get endDue(): boolean {
    return this.endQueued && (this.current === 'open' || this.current === 'half-closed-remote');
  }

  /** The peer may still send DATA. */
  private get peerSending(): boolean {
    return this.current === 'open' || this.current === 'half-closed-local';
  }

  /** OPENED arrived (session-v1 §4.1): the stream is handed to the application. */
  confirmOpen(): void {
    this.opening = false;
  }

  /** Takes up to `max` queued bytes, within this stream's credit, for one DATA frame. */
  takeChunk(max: number): Buffer | undefined {
    const head = this.queue[this.queueHead];
    const n = Math.min(max, this.credit.sendable);
    if (head === undefined || n <= 0) return undefined;
    let chunk: Buffer;
    if (head.length <= n) {
      chunk = head;
      this.queue[this.queueHead] = undefined as unknown as Buffer;
      this.queueHead += 1;
      if (this.queueHead > 64 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
    } else {
      chunk = head.subarray(0, n);
      this.queue[this.queueHead] = head.subarray(n);
    }
    this.queued -= chunk.length;
    this.credit.spend(chunk.length);
    if (this.pendingWrite && this.queued < this.sendQueueBytes) {
      const cb = this.pendingWrite;
      this.pendingWrite = null;
      cb();
    }
    return chunk;
  }

  /** The END is due and now goes out: true once, after which this side is closed. */
  takeEnd(): boolean {
    if (this.queued > 0 || !this.endDue) return false;
    this.current = this.current === 'half-closed-remote' ? 'closed' : 'half-closed-local';
    if (this.current === 'closed') this.host.released(this, undefined);
    // 'finish' (and so autoDestroy) waits until the END is really on its way.
    const cb = this.pendingFinal;
    this.pendingFinal = null;
    cb?.();
    return true;
  }

  /** MAX_DATA for this stream (session-v1 §4.3). */
  raiseCredit(max: number): void {
    if (this.credit.raise(max) && this.hasSomethingToSend) this.host.wakeSender(this);
  }

  /** DATA from the peer (session-v1 §4). Past this stream's credit it is reset with `flow-control`. */
  receiveData(data: Buffer): void {
    if (!this.credit.receive(data.length)) {
      this.host.freed(data.length);
      this.fail(new StreamError('flow-control', 'peer exceeded the stream window'));
      return;
    }
    if (this.peerSending && !this.destroyed) this.push(data);
    this.reportConsumed();
  }

  /** END from the peer. */
  receiveEnd(): void {
    if (!this.peerSending) return;
    this.current = this.current === 'half-closed-local' ? 'closed' : 'half-closed-remote';
    this.push(null);
    if (this.current === 'closed') this.host.released(this, undefined);
  }

  /** RESET from the peer. */
  receiveReset(code: number, reason: ResetReason): void {
    if (!this.release(undefined, reason)) return;
    this.destroy(
      this.opening ? undefined : new StreamError(reason, `stream reset by peer (${reason}, code ${code})`),
    );
  }

  /** Aborts the stream locally, telling the peer `reason`, without an 'error' event here. */
  reset(reason: ResetReason): void {
    this.release(reason);
    this.destroy();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (chunk.length > 0) {
      this.queue.push(chunk);
      this.queued += chunk.length;
      this.host.wakeSender(this);
    }
    if (this.queued < this.sendQueueBytes) cb();
    else this.pendingWrite = cb;
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.pendingFinal = cb;
    this.endQueued = true;
    this.host.wakeSender(this);
  }

  override _read(): void {
    this.reportConsumed();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.release(err instanceof StreamError ? err.reason : 'closed');
    this.pendingWrite = null;
    cb(err);
  }

  /** Nobody may see an 'error' while opening: the peer then hears the reset and the opener the reason. */
  private fail(error: StreamError): void {
    if (this.opening) this.reset(error.reason);
    else this.destroy(error);
  }

  /** Moves to `reset` and tells the host, unless the stream is already done; returns whether it did. */
  private release(reset: ResetReason | undefined, byPeer?: ResetReason): boolean {
    if (this.current === 'closed' || this.current === 'reset') return false;
    this.current = 'reset';
    // Bytes the application will never read still count as consumed for the session's credit.
    if (this.readableLength > 0) this.host.freed(this.readableLength);
    this.host.released(this, reset, byPeer);
    return true;
  }

  /** Tells the session what the application read since last time, and grants credit when half is free. */
  private reportConsumed(): void {
    const read = this.credit.unconsumed - this.readableLength;
    if (read <= 0) return;
    this.credit.consume(read);
    const max = this.peerSending ? this.credit.grant(Date.now(), this.host.roundTripMs()) : undefined;
    if (max !== undefined) this.host.grant(this.id, max);
    this.host.freed(read);
  }
}
