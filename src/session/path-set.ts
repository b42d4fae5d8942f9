/**
 * The paths of one session: which path ids may join (session-v1 §5.1), which path takes the next record
 * (§5.4: proven, not exhausted, below its caps), which are alive (§5.3), and the bytes in flight on each (§5.4).
 */
import { ProtocolError } from '../shared/errors.js';
import type { SessionOptions } from '../shared/limits.js';
import { CloseCode } from '../shared/path.js';
import type { SessionKeys } from './noise.js';
import { type PathLimits, PathState } from './path-state.js';
import type { PathTransport } from './transport.js';

type Limits = PathLimits &
  Pick<SessionOptions, 'pathMaxInflight' | 'pathTimeoutMs' | 'pingIntervalMs' | 'pathIdWindow'>;

export class PathSet {
  private readonly paths = new Map<number, PathState>();
  private maxPathId = -1;
  private readonly usedPathIds = new Set<number>();

  constructor(
    private readonly keys: Pick<SessionKeys, 'send' | 'recv'>,
    private readonly limits: Limits,
  ) {}

  /** Paths attached, leaving ones included. */
  get size(): number {
    return this.paths.size;
  }

  /** Paths that take new records (not leaving). */
  get usable(): number {
    let n = 0;
    for (const p of this.paths.values()) if (!p.leaving) n += 1;
    return n;
  }

  get ids(): number[] {
    return [...this.paths.keys()];
  }

  get(pathId: number): PathState | undefined {
    return this.paths.get(pathId);
  }

  values(): IterableIterator<PathState> {
    return this.paths.values();
  }

  /**
   * session-v1 §5.1: a path id may join if it was never used and is no more than `pathIdWindow` below the
   * highest so far (joins racing on different volunteers may arrive out of order; an old JOIN cannot come back).
   */
  canUse(pathId: number): boolean {
    return !this.usedPathIds.has(pathId) && pathId > this.maxPathId - this.limits.pathIdWindow;
  }

  /**
   * Attaches `transport` as path `pathId`; throws ProtocolError for an id that may not join. A path that is not
   * `proven` carries no reliable record until the peer's first record on it authenticates (session-v1 §5.1).
   */
  add(pathId: number, transport: PathTransport, proven: boolean): PathState {
    if (!this.canUse(pathId)) throw new ProtocolError(`path id ${pathId} reused or too old`);
    this.maxPathId = Math.max(this.maxPathId, pathId);
    this.usedPathIds.add(pathId);
    for (const old of this.usedPathIds) {
      if (old > this.maxPathId - this.limits.pathIdWindow) break;
      this.usedPathIds.delete(old);
    }
    const path = new PathState(pathId, transport, this.keys.send, this.keys.recv, this.limits, proven);
    this.paths.set(pathId, path);
    return path;
  }

  /** Forgets `path` and stops hearing it; false if it was gone already. */
  remove(path: PathState): boolean {
    if (!path.detach()) return false;
    this.paths.delete(path.id);
    return true;
  }

  /** Closes every path (the session ends). */
  closeAll(reason: string): void {
    for (const p of this.paths.values()) {
      p.detach();
      p.transport.close(CloseCode.normal, reason);
    }
    this.paths.clear();
  }

  /**
   * Picks a path for the next record (session-v1 §5.4): among proven paths below their in-flight cap and local
   * high-water mark, bulk records go to the one with the least in flight (so paths are striped by how fast they
   * drain), small ones to the one with the lowest round trip.
   */
  pick(small: boolean): PathState | undefined {
    let best: PathState | undefined;
    for (const p of this.paths.values()) {
      if (p.leaving || p.closed || !p.proven || p.exhausted) continue;
      if (p.inflight >= this.limits.pathMaxInflight) continue;
      if (p.transport.bufferedAmount >= this.limits.pathHighWater) continue;
      if (!best) best = p;
      else if (small ? p.rttMs < best.rttMs : p.inflight < best.inflight) best = p;
    }
    return best;
  }

  /**
   * Where an ACK goes: `preferred` (the path the data came on), else any proven open path, as long as its queue
   * has room for control (session-v1 §5.4). Never held back by the in-flight cap, since the peer's cap is freed
   * only by our ACKs. Undefined: the ACK waits for a drain.
   */
  forAck(preferred: PathState | undefined): PathState | undefined {
    const usable = (p: PathState) => !p.closed && !p.exhausted && p.controlRoom;
    if (preferred && usable(preferred)) return preferred;
    for (const p of this.paths.values()) if (p.proven && usable(p)) return p;
    return undefined;
  }

  /** A record of `bytes` last sent on `pathId` was acknowledged; true if that path is still here. */
  acknowledged(pathId: number, bytes: number): boolean {
    const path = this.paths.get(pathId);
    if (!path) return false;
    path.freeInflight(bytes);
    return true;
  }

  /** Sends an unreliable record `body` on every proven open path with room for control (session-v1 §5.4). */
  sendToAll(body: Uint8Array): void {
    for (const p of this.paths.values()) if (!p.closed && p.proven) p.sendControl(body);
  }

  /**
   * session-v1 §5.3: pings every path each `pingIntervalMs`, and hands `fail` every path silent for longer
   * than its liveness limit, or whose sequence is exhausted (§3).
   */
  checkLiveness(now: number, fail: (path: PathState, code: number, reason: string) => void): void {
    for (const p of [...this.paths.values()]) {
      const limit = p.livenessLimit(this.limits.pathTimeoutMs);
      const silence = p.silence(now);
      if (silence > limit) fail(p, CloseCode.timeout, `no message for ${silence} ms`);
      else if (p.exhausted) fail(p, CloseCode.normal, 'path sequence exhausted');
      else p.pingIfDue(now, this.limits.pingIntervalMs, limit);
    }
  }
}
