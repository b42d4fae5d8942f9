/**
 * In-memory path pairs for session tests: two PathTransports joined by a relay that may tamper
 * (the "hostile volunteer" of session-v1 §3), with a simulated send queue for backpressure.
 */
import type { PathTransport } from '../../src/session/transport.js';

/** Sees every message crossing the relay; returns what to deliver instead (none, one or several). */
export type Tap = (direction: 'a->b' | 'b->a', msg: Uint8Array) => Uint8Array[];

/** `ondrain` fires once the simulated send queue is at or below this many bytes. */
const LOW_WATER_BYTES = 64 * 1024;

export class MemoryEnd implements PathTransport {
  peer: MemoryEnd | undefined;
  bufferedAmount = 0;
  closed = false;
  closeCode: number | undefined;
  onmessage: ((msg: Uint8Array) => void) | null = null;
  onclose: ((code: number, reason: string) => void) | null = null;
  ondrain: (() => void) | null = null;

  constructor(
    private readonly direction: 'a->b' | 'b->a',
    private readonly tap: Tap | undefined,
  ) {}

  send(msg: Uint8Array): void {
    if (this.closed) return;
    const copy = Uint8Array.from(msg);
    this.bufferedAmount += copy.length;
    setImmediate(() => {
      this.bufferedAmount -= copy.length;
      if (this.bufferedAmount <= LOW_WATER_BYTES) this.ondrain?.();
      const peer = this.peer;
      if (!peer || peer.closed) return;
      const out = this.tap ? this.tap(this.direction, copy) : [copy];
      for (const m of out) peer.onmessage?.(m);
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode = code;
    const peer = this.peer;
    setImmediate(() => {
      if (peer && !peer.closed) {
        peer.closed = true;
        peer.closeCode = code;
        peer.onclose?.(code, reason);
      }
    });
  }

  /** Simulates the volunteer vanishing: both ends see a close. */
  kill(): void {
    for (const end of [this, this.peer]) {
      if (end && !end.closed) {
        end.closed = true;
        end.closeCode = 1006;
        setImmediate(() => end.onclose?.(1006, 'killed'));
      }
    }
  }
}

export function memoryPath(tap?: Tap): { client: MemoryEnd; egress: MemoryEnd } {
  const client = new MemoryEnd('a->b', tap);
  const egress = new MemoryEnd('b->a', tap);
  client.peer = egress;
  egress.peer = client;
  return { client, egress };
}
