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

/** A round trip assumed for a path before any is measured, ms. */
const FALLBACK_RTT_MS = 100;

/** A path's round trip as far as known: from PATH_ACKs, else from PING/PONG, else Infinity. */
function rttOf(p: PathState): number {
  return Number.isFinite(p.delivery.minRtt) ? p.delivery.minRtt : p.rttMs;
}

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
   * Picks a path for a reliable record of `bytes` (session-v1 §5.4): of the proven paths below their local
   * high-water mark and their in-flight cap, the one where it would arrive first (PathRate.eta: round trip,
   * rate, what is in flight ahead of it). If a path at its cap would still deliver it more than one of its round
   * trips sooner, the record waits for that path (undefined): a far slower path does not hold the session
   * back. A resend goes at once, cap or not, to where it arrives first.
   */
  pick(bytes: number, now: number, resend: boolean): PathState | undefined {
    const { rate, rtt } = this.fallbacks();
    let best: PathState | undefined;
    let bestEta = Number.POSITIVE_INFINITY;
    let open: PathState | undefined;
    let openEta = Number.POSITIVE_INFINITY;
    for (const p of this.paths.values()) {
      if (!this.schedulable(p)) continue;
      const eta = p.delivery.eta(bytes, now, rate, rtt);
      if (eta < bestEta) {
        best = p;
        bestEta = eta;
      }
      if (eta < openEta && p.delivery.hasRoom) {
        open = p;
        openEta = eta;
      }
    }
    if (resend || !best || open === best) return best;
    if (!open) return undefined;
    const patience = Number.isFinite(best.delivery.srtt) ? best.delivery.srtt : rtt;
    return openEta - bestEta > patience ? undefined : open;
  }

  /**
   * A second path for a copy of a small reliable record that went on `first` (credit, OPEN, END): if `first`
   * dies, the peer has it anyway rather than a round trip after it hears of the death (session-v1 §5.4).
   */
  pickSpare(first: PathState): PathState | undefined {
    let best: PathState | undefined;
    for (const p of this.paths.values()) {
      if (p === first || !this.schedulable(p)) continue;
      if (!best || rttOf(p) < rttOf(best)) best = p;
    }
    return best;
  }

  /** For a small record (control frames only): the proven path with room and the lowest round trip. */
  pickFastest(): PathState | undefined {
    let best: PathState | undefined;
    for (const p of this.paths.values()) {
      if (!this.schedulable(p) || !p.delivery.hasRoom) continue;
      if (!best || rttOf(p) < rttOf(best)) best = p;
    }
    return best;
  }

  private schedulable(p: PathState): boolean {
    if (p.leaving || p.closed || !p.proven || p.exhausted) return false;
    return p.transport.bufferedAmount < this.limits.pathHighWater;
  }

  /**
   * The session's round trip for its credit windows (CreditWindow.grant), ms: the slowest path's smoothed
   * PING round trip, which counts the queues on the way; 100 ms before any is measured.
   */
  roundTripMs(): number {
    let rtt = 0;
    for (const p of this.paths.values()) if (Number.isFinite(p.rttMs)) rtt = Math.max(rtt, p.rttMs);
    return rtt > 0 ? rtt : FALLBACK_RTT_MS;
  }

  /** What stands in for a path not measured yet: the mean rate of those measured, the slowest round trip. */
  private fallbacks(): { rate: number; rtt: number } {
    let sum = 0;
    let n = 0;
    let rtt = 0;
    for (const p of this.paths.values()) {
      if (p.delivery.rate > 0) {
        sum += p.delivery.rate;
        n += 1;
      }
      const r = rttOf(p);
      if (Number.isFinite(r)) rtt = Math.max(rtt, r);
    }
    return {
      rate: n > 0 ? sum / n : this.limits.pathInitialInflight / FALLBACK_RTT_MS,
      rtt: rtt > 0 ? rtt : FALLBACK_RTT_MS,
    };
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

  /** Sends an unreliable record `body` on every proven open path with room for control (session-v1 §5.4). */
  sendToAll(body: Uint8Array): void {
    for (const p of this.paths.values()) if (!p.closed && p.proven) p.sendControl(body);
  }

  /**
   * session-v1 §5.3: pings every path each `pingIntervalMs`, and hands `fail` every path silent for longer
   * than its liveness limit, or whose sequence is exhausted (§3). `pausedMs`, how late this check runs, is
   * time in which nothing could be read, and is not silence.
   */
  checkLiveness(
    now: number,
    fail: (path: PathState, code: number, reason: string) => void,
    pausedMs = 0,
  ): void {
    for (const p of [...this.paths.values()]) {
      if (pausedMs > 0) p.discountPause(pausedMs, now);
      const limit = p.livenessLimit(this.limits.pathTimeoutMs);
      const silence = p.silence(now);
      if (silence > limit) fail(p, CloseCode.timeout, `no message for ${silence} ms`);
      else if (p.exhausted) fail(p, CloseCode.normal, 'path sequence exhausted');
      else p.pingIfDue(now, this.limits.pingIntervalMs, limit);
    }
  }
}
