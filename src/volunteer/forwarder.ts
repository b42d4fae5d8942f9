/**
 * One direction of a splice (path-v1 §2): a FIFO in front of a sink (a data channel or a WebSocket), paced
 * by the rate caps (the shared one, the path's own). Messages go out whole, unchanged and in order; when the cap is exceeded they wait,
 * never dropped. A direction that holds more than its limit is a misbehaving end: `onOverflow` is called.
 */
import type { TokenBucket } from '../shared/token-bucket.js';

/** The part of RTCDataChannel and WebSocket a forwarder uses. */
export interface Sink {
  send(data: ArrayBuffer): void;
  readonly bufferedAmount: number;
}

export interface ForwarderHooks {
  /** `bytes` left for the sink. */
  onSent(bytes: number): void;
  /** The direction holds more than allowed (path-v1 §2, close code 4413). */
  onOverflow(held: number): void;
  /** The sink refused a message (e.g. larger than the peer accepts). */
  onSendError(error: unknown): void;
}

export class Forwarder {
  readonly #limiters: readonly TokenBucket[];
  readonly #hooks: ForwarderHooks;
  #sink: Sink | null = null;
  #limit: number;
  readonly #maxBufferedBytes: number;
  #queue: ArrayBuffer[] = [];
  #queuedBytes = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;

  /**
   * Until `attach` the forwarder only queues, at most `maxQueuedBytes` (path-v1 §1); afterwards what it
   * queues plus the sink's `bufferedAmount` may not pass `maxBufferedBytes`.
   */
  constructor(
    limiters: readonly TokenBucket[],
    maxQueuedBytes: number,
    maxBufferedBytes: number,
    hooks: ForwarderHooks,
  ) {
    this.#limiters = limiters;
    this.#limit = maxQueuedBytes;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#hooks = hooks;
  }

  /** The sink is open: flush the queue into it. */
  attach(sink: Sink): void {
    this.#sink = sink;
    this.#limit = this.#maxBufferedBytes;
    this.#pump();
  }

  /**
   * Forwards one message. `data` is owned by the caller's event and never reused by any engine, so it is
   * sent as is: every send gets a buffer of its own.
   */
  push(data: ArrayBuffer): void {
    if (this.#stopped) return;
    const held = this.#queuedBytes + data.byteLength + (this.#sink?.bufferedAmount ?? 0);
    if (held > this.#limit) {
      this.#hooks.onOverflow(held);
      return;
    }
    this.#queue.push(data);
    this.#queuedBytes += data.byteLength;
    if (this.#timer === null) this.#pump();
  }

  /** Drops whatever is queued; nothing is sent afterwards. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#queue = [];
    this.#queuedBytes = 0;
  }

  #pump(): void {
    this.#timer = null;
    const sink = this.#sink;
    if (sink === null) return;
    while (!this.#stopped && this.#queue.length > 0) {
      let waitMs = 0;
      for (const limiter of this.#limiters) waitMs = Math.max(waitMs, limiter.waitMs());
      if (waitMs > 0) {
        this.#timer = setTimeout(() => this.#pump(), waitMs);
        return;
      }
      const data = this.#queue.shift()!;
      this.#queuedBytes -= data.byteLength;
      for (const limiter of this.#limiters) limiter.take(data.byteLength);
      try {
        sink.send(data);
      } catch (error) {
        this.#hooks.onSendError(error);
        return;
      }
      this.#hooks.onSent(data.byteLength);
    }
  }
}
