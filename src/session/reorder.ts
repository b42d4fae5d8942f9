/**
 * The receive side of reliable records (session-v1 §3.1): delivers them exactly once and in `seq` order,
 * holding records that arrived early within two bounds, a count (`maxRecords` ahead of the next one) and bytes
 * (`maxBytes`, each record's body plus RECORD_OVERHEAD_BYTES), and drops resends it has already seen.
 */
import { ProtocolError } from '../shared/errors.js';
import type { Frame } from './frames.js';

/** What an early record costs beyond its body: the map entry, the frame objects. */
const RECORD_OVERHEAD_BYTES = 64;

interface Early {
  frames: Frame[];
  bytes: number;
}

export class ReorderBuffer {
  /** The next `seq` to deliver: every record below it was delivered, and an ACK says so. */
  next = 0;
  private readonly early = new Map<number, Early>();
  private heldBytes = 0;

  constructor(
    private readonly maxRecords: number,
    private readonly maxBytes: number,
  ) {}

  get buffered(): number {
    return this.early.size;
  }

  /** Bytes held by early records, as counted against `maxBytes`. */
  get bufferedBytes(): number {
    return this.heldBytes;
  }

  /**
   * Takes record `seq` of `bodyBytes`; returns the frame lists now deliverable, in order (none for a resend or a
   * record that came early). Throws ProtocolError for a record beyond either bound.
   */
  accept(seq: number, frames: Frame[], bodyBytes: number): Frame[][] {
    if (seq < this.next || this.early.has(seq)) return [];
    if (seq >= this.next + this.maxRecords) {
      throw new ProtocolError(`record ${seq} is beyond the reorder window`);
    }
    if (seq !== this.next) {
      const bytes = bodyBytes + RECORD_OVERHEAD_BYTES;
      if (this.heldBytes + bytes > this.maxBytes) {
        throw new ProtocolError(`reorder buffer full: ${this.heldBytes} bytes wait for record ${this.next}`);
      }
      this.early.set(seq, { frames, bytes });
      this.heldBytes += bytes;
      return [];
    }
    const ready = [frames];
    this.next += 1;
    for (let more = this.early.get(this.next); more; more = this.early.get(this.next)) {
      this.early.delete(this.next);
      this.heldBytes -= more.bytes;
      this.next += 1;
      ready.push(more.frames);
    }
    return ready;
  }

  clear(): void {
    this.early.clear();
    this.heldBytes = 0;
  }
}
