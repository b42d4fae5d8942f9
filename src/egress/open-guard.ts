/**
 * Caps on the OPENs a session may make (docs/security.md, "Egress destinations"): a rate per session, and
 * destination sockets per session and per egress. An OPEN over a cap is refused `busy` (session-v1 §4.2)
 * before anything is looked up or dialed. A socket counts from its OPEN (dialing already costs a lookup and
 * a file descriptor) until its stream closes.
 */
import { StreamError } from '../shared/errors.js';
import type { EgressDialOptions } from '../shared/limits.js';
import { TokenBucket } from '../shared/token-bucket.js';

export type OpenLimits = Pick<
  EgressDialOptions,
  'opensPerSecond' | 'openBurst' | 'maxSocketsPerSession' | 'maxSockets'
>;

interface SessionShare {
  readonly opens: TokenBucket;
  sockets: number;
}

export class OpenGuard {
  readonly #limits: OpenLimits;
  readonly #now: () => number;
  /** Per session, forgotten with it (sessions are the keys, never iterated). */
  readonly #sessions = new WeakMap<object, SessionShare>();
  #sockets = 0;

  /** `limits` as resolveLimits checked them (every one > 0). */
  constructor(limits: OpenLimits, now: () => number = () => performance.now()) {
    this.#limits = limits;
    this.#now = now;
  }

  /** Destination sockets open or connecting now, across sessions. */
  get sockets(): number {
    return this.#sockets;
  }

  /**
   * Admits one OPEN of `session`, or throws StreamError 'busy'. Returns the release to call once, when the
   * stream is over (further calls do nothing).
   */
  admit(session: object): () => void {
    let share = this.#sessions.get(session);
    if (share === undefined) {
      share = {
        opens: new TokenBucket(this.#limits.opensPerSecond, this.#limits.openBurst, this.#now),
        sockets: 0,
      };
      this.#sessions.set(session, share);
    }
    if (this.#sockets >= this.#limits.maxSockets)
      throw new StreamError('busy', `the egress has ${this.#sockets} destination sockets`);
    if (share.sockets >= this.#limits.maxSocketsPerSession)
      throw new StreamError('busy', `this session has ${share.sockets} destination sockets`);
    if (share.opens.tryTake(1) > 0) throw new StreamError('busy', 'this session opens streams too fast');
    share.sockets++;
    this.#sockets++;
    let released = false;
    const held = share;
    return () => {
      if (released) return;
      released = true;
      held.sockets--;
      this.#sockets--;
    };
  }
}
