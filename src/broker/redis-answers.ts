/**
 * The client side of the Redis store (src/broker/redis-store.ts): offers this instance claimed and whose
 * outcome it waits for (signaling-v1 §6). The outcome is settled in Redis (answer, cancellation); a wake-up
 * `s:<offerId>` in the mailbox, the answer timeout or an abort makes this instance read it with the take
 * script, which also forgets the offer there. The first outcome read wins.
 */
import type { AnswerOutcome } from './store.js';

/** How the take script (src/broker/redis-scripts.ts) reads an offer: 'peek' leaves a pending one alone. */
export type TakeMode = 'peek' | 'timeout' | 'cancelled';
export type Take = (offerId: string, mode: TakeMode) => Promise<unknown>;

interface Pending {
  outcome?: AnswerOutcome;
  resolve?: (outcome: AnswerOutcome) => void;
  timer?: ReturnType<typeof setTimeout>;
}

/** Reads the take script's reply `[state, sdp, volunteer]`. */
function outcomeOf(raw: unknown): AnswerOutcome | undefined {
  const [state, sdp, volunteer] = Array.isArray(raw) ? raw.map(String) : [];
  if (state === 'answered') return { kind: 'answer', sdp: sdp ?? '', volunteer: volunteer ?? '' };
  if (state === 'cancelled') return { kind: 'cancelled' };
  return state === 'pending' ? undefined : { kind: 'timeout' };
}

export class AnswerWaits {
  readonly #pending = new Map<string, Pending>();
  readonly #take: Take;
  readonly #report: (err: unknown) => void;

  constructor(take: Take, report: (err: unknown) => void) {
    this.#take = take;
    this.#report = report;
  }

  has(offerId: string): boolean {
    return this.#pending.has(offerId);
  }

  /** Registers an offer about to be claimed: its wake-up may come before the claim's reply. */
  reserve(offerId: string): void {
    this.#pending.set(offerId, {});
  }

  /** The claim failed: forget the offer. */
  drop(offerId: string): void {
    const pending = this.#pending.get(offerId);
    if (pending !== undefined) this.#forget(offerId, pending);
  }

  /** The claim succeeded: the answer timeout starts. */
  start(offerId: string, answerTimeoutMs: number): void {
    const pending = this.#pending.get(offerId);
    if (pending !== undefined)
      pending.timer = setTimeout(() => void this.#expire(offerId, pending), answerTimeoutMs);
  }

  /** SignalingStore.waitAnswer for an offer this instance claimed. */
  wait(offerId: string, signal?: AbortSignal): Promise<AnswerOutcome> {
    const pending = this.#pending.get(offerId);
    if (pending === undefined || pending.resolve !== undefined) return Promise.resolve({ kind: 'timeout' });
    if (pending.outcome !== undefined) {
      this.#forget(offerId, pending);
      return Promise.resolve(pending.outcome);
    }
    const outcome = new Promise<AnswerOutcome>((resolve) => {
      const onAbort = (): void => void this.read(offerId, 'cancelled');
      signal?.addEventListener('abort', onAbort, { once: true });
      pending.resolve = (o) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(o);
      };
    });
    if (signal?.aborted === true) void this.read(offerId, 'cancelled');
    return outcome;
  }

  /** Reads an offer's state from Redis ('peek'), or ends it there with `mode`; an abort always reads `cancelled`. */
  async read(offerId: string, mode: TakeMode): Promise<void> {
    const pending = this.#pending.get(offerId);
    if (pending === undefined || pending.outcome !== undefined) return;
    let outcome: AnswerOutcome | undefined;
    try {
      outcome = outcomeOf(await this.#take(offerId, mode));
    } catch (err) {
      this.#report(err);
      if (mode !== 'peek') outcome = { kind: mode };
    }
    if (mode === 'cancelled') outcome = { kind: 'cancelled' };
    if (outcome === undefined || pending.outcome !== undefined) return;
    pending.outcome = outcome;
    if (pending.resolve !== undefined) {
      this.#forget(offerId, pending);
      pending.resolve(outcome);
    }
  }

  /** Ends every wait with `cancelled` (store closing) and forgets every offer. */
  async cancelAll(): Promise<void> {
    await Promise.all([...this.#pending.keys()].map((offerId) => this.read(offerId, 'cancelled')));
    for (const [offerId, pending] of [...this.#pending]) this.#forget(offerId, pending);
  }

  /** Answer timeout: a waiting client gets the outcome; with no waiter the offer is simply forgotten. */
  async #expire(offerId: string, pending: Pending): Promise<void> {
    if (this.#pending.get(offerId) !== pending) return;
    if (pending.outcome === undefined) await this.read(offerId, 'timeout');
    if (pending.resolve === undefined) this.#forget(offerId, pending);
  }

  #forget(offerId: string, pending: Pending): void {
    clearTimeout(pending.timer);
    if (this.#pending.get(offerId) === pending) this.#pending.delete(offerId);
  }
}
