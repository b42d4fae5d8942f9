/**
 * What strangers' paths may hold at the egress before a session exists (session-v1 §2.1): WebSockets per
 * egress and per source, and the half-open table of handshakes answered but not yet proven, with its own caps
 * and eviction (the oldest of the same source first, then the oldest of all), as a SYN backlog does.
 */

/** Counts open WebSockets, in all and per source. */
export class PathCounter {
  private total = 0;
  private readonly bySource = new Map<string, number>();

  constructor(
    private readonly maxPaths: number,
    private readonly maxPerSource: number,
  ) {}

  get size(): number {
    return this.total;
  }

  /** Why one more WebSocket from `source` is refused (a metric label, never told the peer), or undefined. */
  refusal(source: string): { label: 'path-limit' | 'per-source' } | undefined {
    if (this.total >= this.maxPaths) return { label: 'path-limit' };
    if ((this.bySource.get(source) ?? 0) >= this.maxPerSource) return { label: 'per-source' };
    return undefined;
  }

  /** A WebSocket from `source` opened; the returned function counts it closed (once). */
  open(source: string): () => void {
    this.total += 1;
    this.bySource.set(source, (this.bySource.get(source) ?? 0) + 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.total -= 1;
      const n = (this.bySource.get(source) ?? 1) - 1;
      if (n === 0) this.bySource.delete(source);
      else this.bySource.set(source, n);
    };
  }
}

/** One handshake answered with HELLO_REPLY whose client has not yet sent its first record. */
export interface HalfOpen {
  readonly source: string;
  /** Called when the entry is pushed out to make room: close its path. */
  readonly evict: () => void;
}

export class HalfOpenTable {
  /** In insertion order: the first is the oldest. */
  private readonly all = new Set<HalfOpen>();
  private readonly bySource = new Map<string, HalfOpen[]>();

  constructor(
    private readonly max: number,
    private readonly maxPerSource: number,
  ) {}

  get size(): number {
    return this.all.size;
  }

  /** Adds `entry`, first pushing out the oldest of its source, or of all, if a cap is reached. */
  add(entry: HalfOpen): void {
    const mine = this.bySource.get(entry.source);
    if (mine && mine.length >= this.maxPerSource) this.push(mine[0]!);
    if (this.all.size >= this.max) {
      const [oldest] = this.all;
      if (oldest) this.push(oldest);
    }
    this.all.add(entry);
    const list = this.bySource.get(entry.source);
    if (list) list.push(entry);
    else this.bySource.set(entry.source, [entry]);
  }

  /** Takes `entry` out (its client spoke, or it timed out); false if it was already pushed out. */
  remove(entry: HalfOpen): boolean {
    if (!this.all.delete(entry)) return false;
    const list = this.bySource.get(entry.source) ?? [];
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.bySource.delete(entry.source);
    return true;
  }

  /** Pushes every entry out (shutdown). */
  clear(): void {
    for (const e of [...this.all]) this.push(e);
  }

  private push(entry: HalfOpen): void {
    if (this.remove(entry)) entry.evict();
  }
}
