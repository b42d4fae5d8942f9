/**
 * What the client knows about itself, as one snapshot (ClientStatus): volunteers in use, bytes and
 * throughput, open streams, reconnects, and the current problem with what to do about it. The status line,
 * `starling client --status` and the library's 'status' events all show this one model.
 *
 * Plain code with an injected clock: the tunnel's events are fed in (pathUp, pathClosed, pathFailed, ...),
 * `sample()` is called once per statusIntervalMs. Tested without sockets (test/client/status.test.ts).
 */
import { SignalingError } from '../signaling/errors.js';

/**
 * The kinds of problem, most serious first (when several hold, the first is shown):
 * - `egress-key`: the egress did not prove the pinned key: the key given may be wrong;
 * - `broker-unreachable`: no answer from the broker (network, filter, wrong URL);
 * - `broker-refused`: the broker answered, but with an error that is not "no volunteer free";
 * - `no-volunteer`: no volunteer for noVolunteerNoticeMs; the network may be busy.
 */
export type ProblemKind = 'egress-key' | 'broker-unreachable' | 'broker-refused' | 'no-volunteer';

const RANK: Record<ProblemKind, number> = {
  'egress-key': 0,
  'broker-unreachable': 1,
  'broker-refused': 2,
  'no-volunteer': 3,
};

export interface Problem {
  kind: ProblemKind;
  /** One sentence saying what is wrong and what to do. */
  message: string;
  /** When this kind of problem began, ISO 8601. */
  since: string;
}

export interface ClientStatus {
  /** `connecting`: no volunteer yet (or none left); `connected`: at least one; `stopped`: closed. */
  state: 'connecting' | 'connected' | 'stopped';
  /** Volunteers (paths) carrying the session now, and how many the client keeps. */
  volunteers: number;
  wantedVolunteers: number;
  /** Streams (app connections) open through the tunnel now. */
  streams: number;
  /** Stream bytes sent (up) and received (down) since the client started. */
  bytesUp: number;
  bytesDown: number;
  /** Throughput over the last sample, bytes/s. */
  upBytesPerSec: number;
  downBytesPerSec: number;
  /** Volunteers that came up to replace one that left, and new sessions after the first. */
  reconnects: number;
  /** Path attempts that failed since the client started. */
  failedAttempts: number;
  problem: Problem | null;
  /** ISO 8601. */
  startedAt: string;
  uptimeMs: number;
}

/** What the tracker reads from the current session, if any (Session.stats). */
export interface SessionCounters {
  streams: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface StatusTrackerOptions {
  /** The broker's URL, named in the broker problems. */
  broker: string;
  wantedVolunteers: number;
  noVolunteerNoticeMs: number;
  now?: () => number;
}

export class StatusTracker {
  private readonly now: () => number;
  private readonly startedAt: number;
  private volunteers = 0;
  private lost = 0;
  private reconnects = 0;
  private sessions = 0;
  private failed = 0;
  private stopped = false;
  /** Since when no volunteer has carried the session (start, or the last one leaving). */
  private noVolunteerSince: number;
  private readonly problems = new Map<ProblemKind, Problem>();
  private brokerFailures = 0;
  /** Bytes of sessions that ended, and the live one's counters. */
  private doneUp = 0;
  private doneDown = 0;
  private live: (() => SessionCounters) | undefined;
  private last = { at: 0, up: 0, down: 0 };
  private rates = { up: 0, down: 0 };

  constructor(private readonly opts: StatusTrackerOptions) {
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.noVolunteerSince = this.startedAt;
    this.last.at = this.startedAt;
  }

  /** A new session; `counters` reads its live stats until sessionEnded(). */
  sessionStarted(counters: () => SessionCounters): void {
    this.sessions += 1;
    if (this.sessions > 1) this.reconnects += 1;
    this.live = counters;
  }

  sessionEnded(final: SessionCounters): void {
    this.doneUp += final.bytesSent;
    this.doneDown += final.bytesReceived;
    this.live = undefined;
  }

  pathUp(): void {
    this.volunteers += 1;
    if (this.lost > 0) {
      this.lost -= 1;
      this.reconnects += 1;
    }
    // A path proves the broker answered and the egress holds the key: every problem is over.
    this.problems.clear();
    this.brokerFailures = 0;
  }

  pathClosed(): void {
    if (this.volunteers === 0) return;
    this.volunteers -= 1;
    this.lost += 1;
    if (this.volunteers === 0) this.noVolunteerSince = this.now();
  }

  /** Every path is gone at once (the session ended). */
  allPathsClosed(): void {
    while (this.volunteers > 0) this.pathClosed();
  }

  /** A path attempt failed with `error`; returns the problem it raised, if any. */
  pathFailed(error: Error): Problem | undefined {
    this.failed += 1;
    // A failed handshake alone proves nothing (a volunteer can forge a REFUSE, session-v1 §6): the tunnel
    // decides when failures through several volunteers mean the key may be wrong, and says so (keyMayBeWrong).
    if (!(error instanceof SignalingError)) return undefined;
    if (error.code === 'no-match' || error.code === 'overloaded' || error.code === 'rate-limited') {
      this.problems.delete('broker-unreachable');
      this.problems.delete('broker-refused');
      return undefined;
    }
    this.brokerFailures += 1;
    const tried = `tried ${this.brokerFailures} time${this.brokerFailures === 1 ? '' : 's'}`;
    if (error.code === 'unreachable') {
      this.problems.delete('broker-refused');
      return this.raise(
        'broker-unreachable',
        `cannot reach the broker at ${this.opts.broker} (${tried}; last: ${describe(error)}); ` +
          'check your connection, or ask for another broker address (--broker)',
      );
    }
    this.problems.delete('broker-unreachable');
    const what =
      error.code === 'bad-response'
        ? 'answered something that is not a Starling broker (a filter may be in the way)'
        : `refused (${error.code}: ${error.message})`;
    return this.raise(
      'broker-refused',
      `the broker at ${this.opts.broker} ${what} (${tried}); check the --broker address`,
    );
  }

  /**
   * Handshakes failed for the key through several volunteers: the pinned key may be wrong (or they were all
   * hostile). `what` says what happened; the problem adds what to do.
   */
  keyMayBeWrong(
    what = 'the egress did not prove the key given with --egress-key: the key may be wrong',
  ): Problem {
    return this.raise(
      'egress-key',
      `${what}; check --egress-key against the key the egress's operator published, and keep this running`,
    );
  }

  stop(): void {
    this.stopped = true;
    this.volunteers = 0;
  }

  /**
   * Takes a sample: throughput since the last one, and the "no volunteer" check. Call every
   * statusIntervalMs. Returns the snapshot.
   */
  sample(): ClientStatus {
    const t = this.now();
    const { up, down } = this.totals();
    const dt = (t - this.last.at) / 1000;
    if (dt > 0) this.rates = { up: (up - this.last.up) / dt, down: (down - this.last.down) / dt };
    this.last = { at: t, up, down };
    const quiet = t - this.noVolunteerSince;
    if (!this.stopped && this.volunteers === 0 && quiet >= this.opts.noVolunteerNoticeMs) {
      const s = Math.floor(quiet / 1000);
      const message = `no volunteer has answered for ${s} s; the network may be busy, keep this running`;
      const held = this.problems.get('no-volunteer');
      if (held) held.message = message;
      else this.raise('no-volunteer', message, this.noVolunteerSince);
    }
    return this.snapshot();
  }

  /** The current snapshot, with the throughput of the last sample. */
  snapshot(): ClientStatus {
    const t = this.now();
    const { up, down } = this.totals();
    return {
      state: this.stopped ? 'stopped' : this.volunteers > 0 ? 'connected' : 'connecting',
      volunteers: this.volunteers,
      wantedVolunteers: this.opts.wantedVolunteers,
      streams: this.live?.().streams ?? 0,
      bytesUp: up,
      bytesDown: down,
      upBytesPerSec: Math.round(this.rates.up),
      downBytesPerSec: Math.round(this.rates.down),
      reconnects: this.reconnects,
      failedAttempts: this.failed,
      problem: this.problem(),
      startedAt: new Date(this.startedAt).toISOString(),
      uptimeMs: t - this.startedAt,
    };
  }

  /** The most serious problem now, or null. */
  problem(): Problem | null {
    let worst: Problem | null = null;
    for (const p of this.problems.values()) if (!worst || RANK[p.kind] < RANK[worst.kind]) worst = p;
    return worst ? { ...worst } : null;
  }

  private totals(): { up: number; down: number } {
    const c = this.live?.();
    return { up: this.doneUp + (c?.bytesSent ?? 0), down: this.doneDown + (c?.bytesReceived ?? 0) };
  }

  private raise(kind: ProblemKind, message: string, since = this.now()): Problem {
    const held = this.problems.get(kind);
    if (held) held.message = message;
    else this.problems.set(kind, { kind, message, since: new Date(since).toISOString() });
    return { ...(this.problems.get(kind) as Problem) };
  }
}

/** An error and its causes in one line: "broker unreachable: fetch failed: connect ECONNREFUSED ...". */
function describe(error: Error): string {
  const parts: string[] = [];
  let e: unknown = error;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    if (!parts.some((p) => p.includes(e instanceof Error ? e.message : ''))) parts.push(e.message);
    e = e.cause;
  }
  return parts.join(': ');
}
