/**
 * In-process SignalingStore (src/broker/store.ts): one broker instance, state in two bounded maps, with the
 * share each source holds of them counted alongside. Its secret is random per process. Waiting polls are
 * also indexed by (pool, egress, NAT class, standing) in the order they joined, so a match reads the best few
 * of each class (`listLimit`, proven ones first) instead of the whole pool: its cost does not grow with it.
 */
import { randomBytes } from 'node:crypto';
import { BROKER_DEFAULTS, REDIS_STORE_DEFAULTS, withDefaults } from '../shared/limits.js';
import { SignalingError } from '../signaling/errors.js';
import { NAT_CLASSES, type NatClass } from '../signaling/fields.js';
import type { DeliveredOffer } from '../signaling/messages.js';
import { PUBLIC_POOL } from './keys.js';
import { poolKeyOf } from './matcher.js';
import { MemoryOutcomes } from './outcomes.js';
import { SharedTimeouts } from './shared-timeouts.js';
import type { AnswerOutcome, SignalingStore, Standing, WaitingVolunteer } from './store.js';

export interface MemoryStoreOptions {
  /** @default BROKER_DEFAULTS.maxWaitingVolunteers */
  maxWaitingVolunteers: number;
  /** @default BROKER_DEFAULTS.maxPendingOffers */
  maxPendingOffers: number;
  /** @default BROKER_DEFAULTS.maxWaitingPerSource */
  maxWaitingPerSource: number;
  /** @default BROKER_DEFAULTS.maxPendingPerSource */
  maxPendingPerSource: number;
  /**
   * Waiting volunteers returned per NAT class by one listWaiting, the longest waiting first, as the Redis
   * store does. @default REDIS_STORE_DEFAULTS.listLimit
   */
  listLimit: number;
  /** @default BROKER_DEFAULTS.maxOutcomeRecords */
  maxOutcomeRecords: number;
}

const MEMORY_STORE_DEFAULTS: MemoryStoreOptions = {
  ...BROKER_DEFAULTS,
  listLimit: REDIS_STORE_DEFAULTS.listLimit,
};

interface Waiter {
  readonly volunteer: WaitingVolunteer;
  finish(offer: DeliveredOffer | null): void;
}

interface Pending {
  readonly volunteer: string;
  /** The client's source key, whose share this offer counts in. */
  readonly source: string;
  /** Set once settled while nobody waits yet; handed to the first `waitAnswer`. */
  outcome?: AnswerOutcome;
  resolve?: (outcome: AnswerOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class MemoryStore implements SignalingStore {
  readonly #opts: MemoryStoreOptions;
  readonly #waiting = new Map<string, Waiter>();
  /** The same polls by pool, egress and NAT class, each map in joining order (the matcher's, signaling-v1 §7). */
  readonly #index = new Map<string, Map<string, Map<string, Waiter>>>();
  readonly #pending = new Map<string, Pending>();
  /** Waiting polls and pending offers per source key; a source with none has no entry. */
  readonly #waitingBySource = new Counts();
  /** The polls' timeouts: one timer per duration, not one per poll. */
  readonly #timeouts = new SharedTimeouts<Waiter>((waiter) => waiter.finish(null));
  readonly #pendingBySource = new Counts();
  readonly secret: Uint8Array = randomBytes(32);
  readonly outcomes: MemoryOutcomes;
  #closed = false;

  constructor(options: Partial<MemoryStoreOptions> = {}) {
    this.#opts = withDefaults<MemoryStoreOptions>(MEMORY_STORE_DEFAULTS, options);
    this.outcomes = new MemoryOutcomes(this.#opts.maxOutcomeRecords);
  }

  /** Volunteers waiting and offers pending now (for tests and metrics); `counts()` without the wait. */
  get size(): { waiting: number; pending: number } {
    return { waiting: this.#waiting.size, pending: this.#pending.size };
  }

  async counts(): Promise<{ waiting: number; pending: number }> {
    return this.size;
  }

  async waitForOffer(
    volunteer: WaitingVolunteer,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<DeliveredOffer | null> {
    if (this.#closed) throw new SignalingError('unavailable', 'broker is closing');
    if (signal?.aborted === true) return null;
    const previous = this.#waiting.get(volunteer.id);
    const sameSource = previous?.volunteer.source === volunteer.source ? 1 : 0;
    if (this.#waitingBySource.of(volunteer.source) - sameSource >= this.#opts.maxWaitingPerSource) {
      throw new SignalingError('overloaded', 'too many volunteers waiting from this address');
    }
    if (previous !== undefined) previous.finish(null);
    else if (this.#waiting.size >= this.#opts.maxWaitingVolunteers) {
      throw new SignalingError('overloaded', 'too many volunteers waiting');
    }
    return new Promise((resolve) => {
      const onAbort = (): void => waiter.finish(null);
      const waiter: Waiter = {
        volunteer,
        finish: (offer) => {
          this.#timeouts.delete(waiter, timeoutMs);
          signal?.removeEventListener('abort', onAbort);
          if (this.#waiting.get(volunteer.id) === waiter) {
            this.#waiting.delete(volunteer.id);
            this.#unindex(waiter);
            this.#waitingBySource.remove(volunteer.source);
          }
          resolve(offer);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timeouts.add(waiter, timeoutMs);
      this.#waiting.set(volunteer.id, waiter);
      this.#indexed(waiter);
      this.#waitingBySource.add(volunteer.source);
    });
  }

  async listWaiting(egress: string, pool: string = PUBLIC_POOL): Promise<WaitingVolunteer[]> {
    const out: WaitingVolunteer[] = [];
    const classes = this.#index.get(indexKey(pool, egress));
    if (classes === undefined) return out;
    for (const nat of NAT_CLASSES) {
      // The best listLimit of the class, as the Redis store lists them: proven, then none, then failing.
      let left = this.#opts.listLimit;
      for (const standing of STANDINGS) {
        for (const { volunteer } of classes.get(classKey(nat, standing))?.values() ?? []) {
          if (left-- <= 0) break;
          out.push(volunteer);
        }
      }
    }
    return out;
  }

  async claim(
    volunteer: WaitingVolunteer,
    offer: DeliveredOffer,
    answerTimeoutMs: number,
    clientSource: string,
  ): Promise<boolean> {
    const waiter = this.#waiting.get(volunteer.id);
    if (waiter === undefined || waiter.volunteer.pollId !== volunteer.pollId) return false;
    if (this.#pending.has(offer.id)) return false;
    if (this.#pending.size >= this.#opts.maxPendingOffers) {
      throw new SignalingError('overloaded', 'too many offers pending');
    }
    if (this.#pendingBySource.of(clientSource) >= this.#opts.maxPendingPerSource) {
      throw new SignalingError('overloaded', 'too many offers pending from this address');
    }
    const pending: Pending = {
      volunteer: volunteer.id,
      source: clientSource,
      timer: setTimeout(() => this.#expire(offer.id, pending), answerTimeoutMs),
    };
    this.#pending.set(offer.id, pending);
    this.#pendingBySource.add(clientSource);
    waiter.finish(offer);
    return true;
  }

  async waitAnswer(offerId: string, signal?: AbortSignal): Promise<AnswerOutcome> {
    const pending = this.#pending.get(offerId);
    if (pending === undefined || pending.resolve !== undefined) return { kind: 'timeout' };
    if (pending.outcome !== undefined) {
      this.#forget(offerId, pending);
      return pending.outcome;
    }
    if (signal?.aborted === true) {
      this.#forget(offerId, pending);
      return { kind: 'cancelled' };
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.#settle(offerId, { kind: 'cancelled' });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.resolve = (outcome) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
    });
  }

  async deliverAnswer(offerId: string, sdp: string): Promise<boolean> {
    const pending = this.#pending.get(offerId);
    if (pending === undefined || pending.outcome !== undefined) return false;
    return this.#settle(offerId, { kind: 'answer', sdp, volunteer: pending.volunteer });
  }

  async cancelOffer(offerId: string): Promise<void> {
    this.#settle(offerId, { kind: 'cancelled' });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const waiter of [...this.#waiting.values()]) waiter.finish(null);
    for (const offerId of [...this.#pending.keys()]) this.#settle(offerId, { kind: 'cancelled' });
    for (const [offerId, pending] of [...this.#pending]) this.#forget(offerId, pending);
  }

  /** Adds a new waiter to the index under each of its egress URLs. */
  #indexed(waiter: Waiter): void {
    const { volunteer } = waiter;
    for (const egress of volunteer.egress) {
      const key = indexKey(poolKeyOf(volunteer), egress);
      const classes = this.#index.get(key) ?? new Map<string, Map<string, Waiter>>();
      this.#index.set(key, classes);
      const waiters = classes.get(classKey(volunteer.nat, volunteer.standing)) ?? new Map<string, Waiter>();
      classes.set(classKey(volunteer.nat, volunteer.standing), waiters);
      waiters.set(volunteer.id, waiter);
    }
  }

  #unindex(waiter: Waiter): void {
    const { volunteer } = waiter;
    for (const egress of volunteer.egress) {
      const key = indexKey(poolKeyOf(volunteer), egress);
      const classes = this.#index.get(key);
      const waiters = classes?.get(classKey(volunteer.nat, volunteer.standing));
      if (waiters?.get(volunteer.id) !== waiter) continue;
      waiters.delete(volunteer.id);
      if (waiters.size > 0) continue;
      classes!.delete(classKey(volunteer.nat, volunteer.standing));
      if (classes!.size === 0) this.#index.delete(key);
    }
  }

  /** First outcome wins: hands it to the waiter, or keeps it for the coming `waitAnswer`. */
  #settle(offerId: string, outcome: AnswerOutcome): boolean {
    const pending = this.#pending.get(offerId);
    if (pending === undefined || pending.outcome !== undefined) return false;
    pending.outcome = outcome;
    if (pending.resolve !== undefined) {
      this.#forget(offerId, pending);
      pending.resolve(outcome);
    }
    return true;
  }

  /** Answer timeout: the waiter gets `timeout`; with no waiter the offer is simply forgotten. */
  #expire(offerId: string, pending: Pending): void {
    if (this.#pending.get(offerId) !== pending) return;
    if (pending.resolve !== undefined) this.#settle(offerId, { kind: 'timeout' });
    else this.#forget(offerId, pending);
  }

  #forget(offerId: string, pending: Pending): void {
    clearTimeout(pending.timer);
    if (this.#pending.get(offerId) !== pending) return;
    this.#pending.delete(offerId);
    this.#pendingBySource.remove(pending.source);
  }
}

const STANDINGS: readonly Standing[] = [0, 1, 2];

/** The index entry of a NAT class and a standing within one pool and egress. */
function classKey(nat: NatClass, standing: Standing = 1): string {
  return `${nat}/${standing}`;
}

/** The index entry of a pool key and an egress URL (a URL has no newline). */
function indexKey(pool: string, egress: string): string {
  return `${pool}\n${egress}`;
}

/** How many entries each source key holds; at most one map entry per source with entries. */
class Counts {
  readonly #counts = new Map<string, number>();

  of(source: string): number {
    return this.#counts.get(source) ?? 0;
  }

  add(source: string): void {
    this.#counts.set(source, this.of(source) + 1);
  }

  remove(source: string): void {
    const left = this.of(source) - 1;
    if (left > 0) this.#counts.set(source, left);
    else this.#counts.delete(source);
  }
}
