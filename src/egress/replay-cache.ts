/**
 * session-v1 §2.1: the ephemeral keys of the HELLOs the egress decrypted lately, so that a replayed HELLO is
 * refused before any Diffie-Hellman. Every entry lives `ttlMs` (twice the window in which a HELLO's time is
 * accepted), so entries expire in the order they came and the oldest are dropped from the front; at most
 * `maxEntries` are kept, the oldest going first when full.
 */
export class ReplayCache {
  /** Key -> expiry (ms since epoch), in insertion order, which is expiry order. */
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Whether `e` was seen within its lifetime. */
  has(e: Uint8Array, now = Date.now()): boolean {
    this.prune(now);
    return this.entries.has(keyOf(e));
  }

  add(e: Uint8Array, now = Date.now()): void {
    this.prune(now);
    while (this.entries.size >= this.maxEntries) this.dropOldest();
    this.entries.set(keyOf(e), now + this.ttlMs);
  }

  private prune(now: number): void {
    for (const [key, expiry] of this.entries) {
      if (expiry > now) break;
      this.entries.delete(key);
    }
  }

  private dropOldest(): void {
    for (const key of this.entries.keys()) {
      this.entries.delete(key);
      return;
    }
  }
}

const keyOf = (e: Uint8Array): string => Buffer.from(e.buffer, e.byteOffset, e.byteLength).toString('latin1');
