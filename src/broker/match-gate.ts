/**
 * Turn-taking for matching on one broker instance with a remote store (signaling-v1 §7). The broker reads
 * the pool, chooses the best volunteer and claims it; with a remote store that takes two round trips, and
 * concurrent offers that read the pool at the same moment all choose the same best volunteer: one claim
 * wins, the others fail and use up their `maxClaimAttempts`. So one offer at a time goes from the read to
 * its claim: the next read starts only once the claim of a volunteer from the previous read has been
 * issued. The store must run its commands in the order they are issued (the Redis store sends both over
 * one pipelined connection), so the next read sees that claim's effect, at the cost of one round trip per
 * turn. When the reader claims none (nothing fits), its turn ends once its pending microtasks have run
 * (`setImmediate`), since the broker chooses synchronously right after the read. Correctness never depends
 * on the gate: the claim itself is atomic; the gate only keeps one instance's offers from colliding.
 */

interface Turn {
  claiming: boolean;
  end(): void;
}

export class MatchGate<T extends object> {
  #tail: Promise<void> = Promise.resolve();
  readonly #turns = new WeakMap<T, Turn>();

  /** Waits for the turn, then runs `read`; each item read is tied to the turn. */
  async read(read: () => Promise<T[]>): Promise<T[]> {
    let pass: () => void = () => {};
    const passed = new Promise<void>((resolve) => (pass = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => passed);
    await previous;
    let ended = false;
    const turn: Turn = {
      claiming: false,
      end: () => {
        if (ended) return;
        ended = true;
        pass();
      },
    };
    let items: T[];
    try {
      items = await read();
    } catch (err) {
      turn.end();
      throw err;
    }
    for (const item of items) this.#turns.set(item, turn);
    setImmediate(() => {
      if (!turn.claiming) turn.end();
    });
    return items;
  }

  /**
   * Starts `claim` for `item`; the first claim of an item from a turn ends that turn as soon as `claim` has
   * issued its command (returned its promise).
   */
  async claim<R>(item: T, claim: () => Promise<R>): Promise<R> {
    const turn = this.#turns.get(item);
    if (turn === undefined || turn.claiming) return claim();
    turn.claiming = true;
    try {
      return claim();
    } finally {
      turn.end();
    }
  }
}
