/**
 * The broker's store: every piece of state that outlives one request (signaling-v1 §4 to §7). Types only.
 *
 * Broker instances are stateless in front of it, so a volunteer long-polling instance A can be matched with
 * a client posting to instance B: A waits in `waitForOffer`, B reads `listWaiting`, runs the matcher
 * (src/broker/matcher.ts) and `claim`s the chosen volunteer, which delivers the offer to A's wait; the
 * volunteer's answer may reach instance C, whose `deliverAnswer` ends B's `waitAnswer`.
 *
 * Implementations: src/broker/memory-store.ts (one process) and src/broker/redis-store.ts (several
 * instances on one Redis). Every implementation runs the compliance
 * suite in test/broker/store-suite.ts. Limits are the implementation's options; when one is full the method
 * rejects with `SignalingError('overloaded')`.
 */
import type { NatClass } from '../signaling/fields.js';
import type { DeliveredOffer } from '../signaling/messages.js';
import type { OutcomeStore } from './outcomes.js';

export type { DeliveredOffer } from '../signaling/messages.js';

/** A volunteer waiting in a long-poll (signaling-v1 §4). Immutable once stored. */
export interface WaitingVolunteer {
  /** Volunteer id, made by the broker and proven by the poll's ticket (signaling-v1 §4). */
  readonly id: string;
  /** Unique per poll: tells a poll from the one that replaced it. */
  readonly pollId: string;
  readonly nat: NatClass;
  /** Normalized egress URLs this volunteer relays to and the broker serves. */
  readonly egress: readonly string[];
  /** When the poll started, ms since the epoch; the earliest is matched first (signaling-v1 §7). */
  readonly since: number;
  /** The poll's source key (src/broker/keys.ts, signaling-v1 §1), never an address: its share is counted. */
  readonly source: string;
  /**
   * The pool it waits in (signaling-v1 §8): the broker's keyed name of a pairing tag (BrokerKeys.pool), for
   * clients with that tag only. @default PUBLIC_POOL (''), for everyone
   */
  readonly pool?: string;
  /**
   * Its record when the poll began (signaling-v1 §7, §11): 0 proven, 1 none, 2 failing. A store that lists
   * only the best few of each class lists them in this order first, so a crowd of polls with no record
   * cannot hide the proven volunteers from the matcher. @default 1
   */
  readonly standing?: Standing;
}

/** A waiting volunteer's record: 0 proven, 1 none, 2 failing (signaling-v1 §7). */
export type Standing = 0 | 1 | 2;

/** How a client's wait for an answer ended. */
export type AnswerOutcome =
  | { readonly kind: 'answer'; readonly sdp: string; readonly volunteer: string }
  /** The answer timeout passed, or the offer is not (or no longer) known. */
  | { readonly kind: 'timeout' }
  /** The offer was cancelled (the volunteer left before receiving it, or the wait was aborted). */
  | { readonly kind: 'cancelled' };

export interface SignalingStore {
  /**
   * The deployment's secret, at least 32 bytes, for source keys and tickets (src/broker/keys.ts): the same
   * on every instance sharing this store. It may change while running (a shared store that lost it makes a
   * new one), so read it for each use.
   */
  readonly secret: Uint8Array;

  /** signaling-v1 §11: match records and outcome counters, shared like the rest of the store. */
  readonly outcomes: OutcomeStore;

  /**
   * Adds `volunteer` to the waiting pool and waits for an offer for it. A waiting poll with the same
   * volunteer id is replaced: its wait resolves `null` at once. Resolves with the offer a `claim` delivered,
   * or `null` after `timeoutMs`, on replacement, on abort or on close; on every `null` the volunteer has left
   * the pool. An offer delivered before an abort is still returned (the caller may `cancelOffer` it).
   * Rejects `overloaded` when the pool is full, or when `maxWaitingPerSource` polls of the volunteer's
   * `source` already wait (a replacement does not count twice); the replaced poll then stays.
   */
  waitForOffer(
    volunteer: WaitingVolunteer,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<DeliveredOffer | null>;

  /**
   * Waiting volunteers of `pool` (default the public one, signaling-v1 §8) whose `egress` includes `egress`
   * (normalized URL). May be a slightly stale view, and a shared store may return only the best ones by the
   * matcher's order (signaling-v1 §7, `listLimit`).
   */
  listWaiting(egress: string, pool?: string): Promise<WaitingVolunteer[]>;

  /**
   * Atomically: if `volunteer` (same id and pollId) is still waiting, removes it from the pool, records
   * `offer` as pending for `answerTimeoutMs` on behalf of the client's `clientSource` key, and delivers it to
   * the volunteer's wait. Resolves false when the poll is gone (taken by another instance, replaced, timed
   * out). Rejects `overloaded` when the pending table is full or `clientSource` already has
   * `maxPendingPerSource` offers pending (the volunteer then stays waiting). The claim is issued before the returned promise is
   * (an implementation's first await comes after it), and calls from one broker instance take effect in the
   * order they were made: a `listWaiting` called after `claim` returned sees that claim. BrokerService's
   * matching turn (signaling-v1 §7) relies on it.
   */
  claim(
    volunteer: WaitingVolunteer,
    offer: DeliveredOffer,
    answerTimeoutMs: number,
    clientSource: string,
  ): Promise<boolean>;

  /**
   * Waits for the outcome of a claimed offer: the answer, its timeout, or its cancellation. An answer that
   * came before this call is returned at once. Abort cancels the offer (a later answer is unknown) and
   * resolves `cancelled`. The offer is forgotten once this resolves.
   */
  waitAnswer(offerId: string, signal?: AbortSignal): Promise<AnswerOutcome>;

  /** signaling-v1 §5: delivers the volunteer's answer. False if the offer is unknown, expired or settled. */
  deliverAnswer(offerId: string, sdp: string): Promise<boolean>;

  /** Ends a pending offer with `cancelled` (unless it is already settled). */
  cancelOffer(offerId: string): Promise<void>;

  /** Volunteers waiting and offers pending now, across every instance sharing the store (tests, metrics). */
  counts(): Promise<{ waiting: number; pending: number }>;

  /** Ends every wait (`null` / `cancelled`) and refuses new ones with `unavailable`. */
  close(): Promise<void>;
}
