/**
 * One credit window of session-v1 §4.3, in both directions: a stream's, or the whole session's (stream id 0).
 * Credit is counted in bytes of DATA payload as absolute offsets, so a repeated or late MAX_DATA is harmless.
 *
 * - Send side: the peer lets us send up to `sendLimit`; `sendable` is what is left of it.
 * - Receive side: we let the peer send up to `receiveLimit`; DATA past it breaks the protocol. Once half a
 *   window has been consumed since the last grant, `grant()` raises the limit to `consumed + window`.
 */
export class CreditWindow {
  private sendLimit: number;
  private sent = 0;
  private receiveLimit: number;
  private received = 0;
  private consumed = 0;

  private window: number;
  private lastGrantAt = Number.NEGATIVE_INFINITY;

  /**
   * `peerWindow`: the peer's initial window (what we may send); `window`: ours, bytes, which grows up to
   * `maxWindow` while the peer uses it up faster than it comes back (see grant).
   */
  constructor(
    peerWindow: number,
    window: number,
    private readonly maxWindow = window,
  ) {
    this.sendLimit = peerWindow;
    this.window = window;
    this.receiveLimit = window;
  }

  /** Our receive window now, bytes. */
  get receiveWindow(): number {
    return this.window;
  }

  /** DATA bytes we may still send. */
  get sendable(): number {
    return this.sendLimit - this.sent;
  }

  /** DATA bytes sent in all. */
  get sentBytes(): number {
    return this.sent;
  }

  /** DATA bytes received and not yet consumed. */
  get unconsumed(): number {
    return this.received - this.consumed;
  }

  /** `bytes` of DATA went out. */
  spend(bytes: number): void {
    this.sent += bytes;
  }

  /** MAX_DATA from the peer; the largest limit wins. Returns whether we may now send more. */
  raise(max: number): boolean {
    if (max <= this.sendLimit) return false;
    this.sendLimit = max;
    return true;
  }

  /** DATA of `bytes` arrived. False, and nothing counted, if it goes past the credit we granted. */
  receive(bytes: number): boolean {
    if (this.received + bytes > this.receiveLimit) return false;
    this.received += bytes;
    return true;
  }

  /** `bytes` received earlier are consumed: the application read them, or they were discarded. */
  consume(bytes: number): void {
    this.consumed += bytes;
  }

  /**
   * The new receive limit to announce with MAX_DATA once half a window is free since the last grant
   * (session-v1 §4.3), else undefined. A grant that comes within two round trips (`rttMs`) of the one before
   * means the window, not the application, paces the peer: the window doubles, up to `maxWindow`, so that it
   * follows the bandwidth-delay product of the paths (as QUIC stacks tune theirs).
   */
  grant(now = 0, rttMs = 0): number | undefined {
    const w = this.window;
    if (this.consumed + w - this.receiveLimit < w / 2) return undefined;
    if (now - this.lastGrantAt < 2 * rttMs) this.window = Math.min(2 * w, Math.max(w, this.maxWindow));
    this.lastGrantAt = now;
    this.receiveLimit = this.consumed + this.window;
    return this.receiveLimit;
  }
}
