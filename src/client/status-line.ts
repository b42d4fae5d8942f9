/**
 * The client's status line on a terminal (`starling client`): one line, redrawn in place once a second,
 * with log lines printed above it. When the output is not a terminal there is no status line at all: log
 * lines only, and one whenever the problem changes, so logs and pipes never see control sequences.
 */
import type { ClientStatus } from './status.js';

/** 1234567 -> "1.2 MB"; bytes in SI units, as download tools show them. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${Math.round(n)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The status line as plain text, at most `width` characters, e.g.
 * `2/2 volunteers | up 12.0 kB/s down 1.2 MB/s | 3 streams | 1 reconnect`, then ` | ` and the problem. When
 * that is too wide, the counters give way to the problem, and what is still too long is cut with "...".
 */
export function formatStatusLine(s: ClientStatus, width = Number.POSITIVE_INFINITY): string {
  const head =
    s.state === 'stopped'
      ? 'stopped'
      : s.volunteers === 0
        ? `connecting: 0/${s.wantedVolunteers} volunteers`
        : `${s.volunteers}/${s.wantedVolunteers} volunteers`;
  const parts = [
    head,
    `up ${formatBytes(s.upBytesPerSec)}/s down ${formatBytes(s.downBytesPerSec)}/s`,
    plural(s.streams, 'stream'),
    plural(s.reconnects, 'reconnect'),
  ];
  const full = [...parts, ...(s.problem ? [s.problem.message] : [])].join(' | ');
  if (full.length <= width) return full;
  // Too wide: the problem matters more than the counters (its whole text is in the log line above).
  return cut(s.problem ? `${head} | ${s.problem.message}` : full, width);
}

function cut(line: string, width: number): string {
  if (line.length <= width) return line;
  return width <= 3 ? line.slice(0, Math.max(0, width)) : `${line.slice(0, width - 3)}...`;
}

/** Where the status line is drawn: a stream and whether it is a terminal (and how wide). */
export interface StatusOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** How a problem beginning or ending is told: a sentence and how serious it is. */
export type Announce = (text: string, level: 'info' | 'warn') => void;

/**
 * Draws the status line on a terminal, with log lines printed above it; on anything else it draws nothing.
 * Either way a problem beginning or ending is announced (as a log line, by the caller's logger).
 */
export class StatusLine {
  private drawn = false;
  private lastProblem: string | null = null;
  private lastStatus: ClientStatus | undefined;
  private readonly tty: boolean;

  constructor(
    private readonly out: StatusOutput,
    private readonly announce: Announce,
  ) {
    this.tty = out.isTTY === true;
  }

  /**
   * Prints a finished log line (no newline) to `to` (default: the status line's stream); on a terminal the
   * status line is erased first and drawn again below it.
   */
  print(line: string, to: StatusOutput = this.out): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
    to.write(`${line}\n`);
    if (this.tty && this.lastStatus) this.draw(this.lastStatus);
  }

  /** A new snapshot: redraws on a terminal; announces the problem when it changed, everywhere. */
  update(s: ClientStatus): void {
    const problem = s.problem?.kind ?? null;
    const changed = problem !== this.lastProblem;
    this.lastProblem = problem;
    this.lastStatus = s;
    if (changed) {
      if (s.problem) this.announce(`problem: ${s.problem.message}`, 'warn');
      else this.announce('working again: a volunteer carries the tunnel', 'info');
    }
    if (this.tty) this.draw(s);
  }

  /** Leaves the terminal on a fresh line. */
  stop(): void {
    if (this.tty && this.drawn) this.out.write('\n');
    this.drawn = false;
    this.lastStatus = undefined;
  }

  private draw(s: ClientStatus): void {
    // A pseudo-terminal with no size says 0 columns: assume 80. One column is left free, or the cursor wraps.
    const columns = this.out.columns;
    const width = (columns !== undefined && columns >= 20 ? columns : 80) - 1;
    this.out.write(`\r\x1b[2K${formatStatusLine(s, width)}`);
    this.drawn = true;
  }
}
