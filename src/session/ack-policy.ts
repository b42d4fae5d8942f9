/**
 * When to acknowledge (session-v1 §3.1): at once after `ackEveryRecords` reliable records, else at most
 * `ackDelayMs` after the first of them, and again whenever a path went that may have carried the last ACK.
 * Fewer ACKs save a path message, an AEAD seal and an open per record or two. ACKs go on the paths the
 * data came on (session-v1 §5.4), each with a PATH_ACK for its path (§4), remembered here.
 */
import type { PathState } from './path-state.js';

export class AckPolicy {
  private isDue = false;
  private sinceAck = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Paths that carried reliable records since the last ACK: each hears of them with a PATH_ACK (§4). */
  private readonly from = new Set<PathState>();
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.isDue = true;
    this.wake();
  };

  /** `wake` is called when an ACK becomes due: the session should flush. */
  constructor(
    private readonly everyRecords: number,
    private readonly delayMs: number,
    private readonly wake: () => void,
  ) {}

  /** An ACK must go out with the next flush. */
  get due(): boolean {
    return this.isDue;
  }

  /** The paths reliable records arrived on since the last ACK, that are still here. */
  get paths(): PathState[] {
    return [...this.from];
  }

  /** A reliable record arrived on `path` (resends count, so a sender that resends is always answered). */
  received(path: PathState): void {
    this.from.add(path);
    this.sinceAck += 1;
    if (this.sinceAck >= this.everyRecords) {
      this.isDue = true;
      this.wake();
    } else if (this.timer === undefined) {
      this.timer = setTimeout(this.onTimer, this.delayMs);
    }
  }

  /** `path` is gone: the next ACK goes elsewhere. */
  forget(path: PathState): void {
    this.from.delete(path);
  }

  /** Our records were lost with a path, perhaps with the peer's last ACK: a fresh one is due, on any path. */
  refresh(): void {
    this.isDue = true;
  }

  /** The ACK went out. */
  sent(): void {
    this.from.clear();
    this.isDue = false;
    this.sinceAck = 0;
    this.stop();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
