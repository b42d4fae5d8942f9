/**
 * The receive side of reliable records (session-v1 §3.1): delivers them exactly once and in `seq` order,
 * holding at most `window` records that arrived early, and drops resends it has already seen.
 */
import { ProtocolError } from '../shared/errors.js';
import type { Frame } from './frames.js';

export class ReorderBuffer {
  /** The next `seq` to deliver: every record below it was delivered, and an ACK says so. */
  next = 0;
  private readonly early = new Map<number, Frame[]>();

  constructor(private readonly window: number) {}

  get buffered(): number {
    return this.early.size;
  }

  /**
   * Takes record `seq`; returns the frame lists now deliverable, in order (none for a resend or a record that
   * came early). Throws ProtocolError for a record beyond the window.
   */
  accept(seq: number, frames: Frame[]): Frame[][] {
    if (seq < this.next || this.early.has(seq)) return [];
    if (seq >= this.next + this.window) throw new ProtocolError(`record ${seq} is beyond the reorder window`);
    if (seq !== this.next) {
      this.early.set(seq, frames);
      return [];
    }
    const ready = [frames];
    this.next += 1;
    for (let more = this.early.get(this.next); more; more = this.early.get(this.next)) {
      this.early.delete(this.next);
      this.next += 1;
      ready.push(more);
    }
    return ready;
  }

  clear(): void {
    this.early.clear();
  }
}
