/**
 * Rendezvous methods (issue 12): how a request reaches the broker. Each method is an exchange of bytes for
 * bytes, a request body for the broker's answer (status, body, retry hint); what the bytes say (JSON
 * today, sealed to the broker's key above this) is none of its business. A Rendezvous tries its methods in
 * the order given, starting with the one that last worked, and remembers which that was. Web-standard only.
 */
import { SignalingError } from './errors.js';

/** One request: the route under the broker's base (`v1/client/offer`) and its body (null: a plain GET). */
export interface RendezvousRequest {
  readonly path: string;
  readonly body: Uint8Array<ArrayBuffer> | null;
}

/** The broker's answer, as sent; a method returns one only when it has the whole answer. */
export interface RendezvousAnswer {
  readonly status: number;
  readonly body: Uint8Array;
  /** The retry hint the transport carried (the `Retry-After` header, or §9's envelope), ms. */
  readonly retryAfterMs?: number;
}

/**
 * A way to the broker. `exchange` rejects with SignalingError `unreachable` when the request got no answer
 * and `bad-response` when what came back is not a whole answer it can read (too large, not its encoding);
 * if `signal` aborts, with its reason.
 */
export interface RendezvousMethod {
  /** Its name in `--rendezvous` and logs: `direct`, `front`, `get`. */
  readonly name: string;
  exchange(request: RendezvousRequest, signal: AbortSignal): Promise<RendezvousAnswer>;
}

/** Where a Rendezvous keeps the name of the method that last worked, across processes. */
export interface RendezvousMemory {
  load(): string | undefined;
  save(method: string): void;
}

/** Errors after which the next method is tried: the broker's answer never arrived readable. */
function wayFailed(err: unknown): boolean {
  return err instanceof SignalingError && (err.code === 'unreachable' || err.code === 'bad-response');
}

export interface RendezvousOptions {
  /** Remembers the method that worked beyond this process (e.g. a file in the client's state dir). */
  memory?: RendezvousMemory;
  /** Called when a method fails and the next is tried, and when another method starts to work. */
  log?: (line: string) => void;
  /**
   * A method tried before all others whenever it is `ready` (signaling-v1 §12: through the tunnel, while a
   * session has a live path), and never remembered: when it cannot carry a request, the methods go in turn.
   */
  first?: RendezvousMethod & { ready(): boolean };
}

export class Rendezvous {
  readonly #methods: readonly RendezvousMethod[];
  readonly #memory: RendezvousMemory | undefined;
  readonly #log: (line: string) => void;
  readonly #first: (RendezvousMethod & { ready(): boolean }) | undefined;
  #firstWorks = false;
  #preferred: number;

  constructor(methods: readonly RendezvousMethod[], options: RendezvousOptions = {}) {
    if (methods.length === 0) throw new RangeError('a Rendezvous needs at least one method');
    const names = new Set(methods.map((m) => m.name));
    if (names.size !== methods.length) throw new RangeError('rendezvous method names must differ');
    this.#methods = methods;
    this.#memory = options.memory;
    this.#log = options.log ?? (() => {});
    this.#first = options.first;
    if (this.#first !== undefined && names.has(this.#first.name))
      throw new RangeError('rendezvous method names must differ');
    const remembered = this.#memory?.load();
    this.#preferred = Math.max(
      0,
      methods.findIndex((m) => m.name === remembered),
    );
  }

  /** The method tried first: the one that last worked, else the first given. */
  get preferred(): string {
    return this.#methods[this.#preferred]!.name;
  }

  /**
   * Sends `request` by each method in turn, from the preferred one on, until `accept` takes an answer:
   * `accept` decodes it, and its `unreachable` or `bad-response` SignalingError (as the method's own) moves
   * on to the next method; any other outcome, a value or another error such as the broker's `no-match`,
   * means this method reached the broker, which is remembered. `attempt` gives each try its own signal
   * (a timeout per method). When every method failed, the last failure is thrown.
   */
  async exchange<T>(
    request: RendezvousRequest,
    attempt: <R>(run: (signal: AbortSignal) => Promise<R>) => Promise<R>,
    accept: (answer: RendezvousAnswer) => T,
  ): Promise<T> {
    const first = this.#first;
    if (first?.ready() === true) {
      try {
        const value = await attempt(async (signal) => accept(await first.exchange(request, signal)));
        this.#firstWorked(true);
        return value;
      } catch (err) {
        if (!(err instanceof SignalingError)) throw err;
        if (!wayFailed(err)) {
          this.#firstWorked(true);
          throw err;
        }
        this.#firstWorked(false);
        this.#log(`rendezvous: ${first.name} failed (${err.message})`);
      }
    }
    let last: unknown;
    for (let i = 0; i < this.#methods.length; i++) {
      const index = (this.#preferred + i) % this.#methods.length;
      const method = this.#methods[index]!;
      try {
        const value = await attempt(async (signal) => accept(await method.exchange(request, signal)));
        this.#worked(index);
        return value;
      } catch (err) {
        // Only a SignalingError is the broker's word; an abort or a bug says nothing about the way.
        if (!(err instanceof SignalingError)) throw err;
        if (!wayFailed(err)) {
          this.#worked(index);
          throw err;
        }
        last = err;
        if (this.#methods.length > 1) {
          const message = err instanceof Error ? err.message : String(err);
          this.#log(`rendezvous: ${method.name} failed (${message})`);
        }
      }
    }
    throw last;
  }

  #firstWorked(works: boolean): void {
    if (works === this.#firstWorks) return;
    this.#firstWorks = works;
    if (works) this.#log(`rendezvous: reaching the broker by ${this.#first!.name}`);
  }

  #worked(index: number): void {
    if (index === this.#preferred) return;
    this.#preferred = index;
    const name = this.#methods[index]!.name;
    this.#log(`rendezvous: reaching the broker by ${name}`);
    this.#memory?.save(name);
  }
}
