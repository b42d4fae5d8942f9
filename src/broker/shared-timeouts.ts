/**
 * Timeouts for many waits that share one timer per duration: waits with the same timeout expire in the order
 * they were added, so only the oldest of each duration needs a timer. The broker's long polls all wait
 * pollTimeoutMs; one timer each cost a Timeout object and a closure per idle poll (issue 11).
 */
interface Queue<T> {
  /** Items and their deadlines (`now()` ms), oldest first. */
  readonly items: Map<T, number>;
  timer?: ReturnType<typeof setTimeout>;
}

export class SharedTimeouts<T> {
  readonly #queues = new Map<number, Queue<T>>();
  readonly #onExpire: (item: T) => void;
  readonly #now: () => number;

  constructor(onExpire: (item: T) => void, now: () => number = () => performance.now()) {
    this.#onExpire = onExpire;
    this.#now = now;
  }

  /** `item` expires `timeoutMs` from now, unless deleted first. An item is added once. */
  add(item: T, timeoutMs: number): void {
    let queue = this.#queues.get(timeoutMs);
    if (queue === undefined) {
      queue = { items: new Map() };
      this.#queues.set(timeoutMs, queue);
    }
    queue.items.set(item, this.#now() + timeoutMs);
    if (queue.timer === undefined) this.#schedule(queue, timeoutMs, timeoutMs);
  }

  delete(item: T, timeoutMs: number): void {
    const queue = this.#queues.get(timeoutMs);
    if (queue === undefined || !queue.items.delete(item) || queue.items.size > 0) return;
    clearTimeout(queue.timer);
    this.#queues.delete(timeoutMs);
  }

  #schedule(queue: Queue<T>, timeoutMs: number, inMs: number): void {
    queue.timer = setTimeout(() => this.#fire(queue, timeoutMs), Math.max(1, Math.ceil(inMs)));
  }

  #fire(queue: Queue<T>, timeoutMs: number): void {
    queue.timer = undefined;
    const now = this.#now();
    for (const [item, deadline] of queue.items) {
      if (deadline > now) {
        this.#schedule(queue, timeoutMs, deadline - now);
        return;
      }
      queue.items.delete(item);
      this.#onExpire(item);
    }
    if (queue.items.size === 0 && this.#queues.get(timeoutMs) === queue) this.#queues.delete(timeoutMs);
  }
}
