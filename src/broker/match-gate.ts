/**
 * Turn-taking for matching on one broker instance with a remote store (signaling-v1 §7). The broker reads
 * the pool, chooses the best volunteer and claims it; with a remote store that takes two round trips, and
 * concurrent offers that read the pool at the same moment all choose the same best volunteer: one claim
 * wins, the others fail and use up their `maxClaimAttempts`. So one offer at a time goes from the read to
 * its claim: the next read waits until the claim of a volunteer from the previous read has ended. When the
 * reader claims none (nothing fits), its turn ends once its pending microtasks have run (`setImmediate`),
 * since the broker chooses synchronously right after the read. Correctness never depends on the gate: the
 * claim itself is atomic; the gate only keeps one instance's offers from colliding with each other.
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

  /** Runs `claim` for `item`; the first claim of an item from a turn ends that turn when it settles. */
  async claim<R>(item: T, claim: () => Promise<R>): Promise<R> {
    const turn = this.#turns.get(item);
    const owns = turn !== undefined && !turn.claiming;
    if (owns) turn.claiming = true;
    try {
      return await claim();
    } finally {
      if (owns) turn.end();
    }
  }
}
