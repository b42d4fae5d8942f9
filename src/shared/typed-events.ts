/**
 * An EventTarget with a typed event map, as libp2p's TypedEventEmitter: each event name has its detail
 * type, so listeners get a `CustomEvent<Detail>` without casting, and an unknown name does not compile.
 * (Remove a listener with an AbortSignal in the options, as the widget does.)
 * Web-standard only (the volunteer relay core runs in browsers). Node-only code uses `EventEmitter<Events>`.
 */

export type TypedListener<Detail> =
  | ((event: CustomEvent<Detail>) => void)
  | { handleEvent(event: CustomEvent<Detail>): void };

export class TypedEventTarget<Events extends Record<string, unknown>> extends EventTarget {
  override addEventListener<K extends keyof Events & string>(
    type: K,
    listener: TypedListener<Events[K]> | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  /** Dispatches a `CustomEvent` named `type` carrying `detail`. */
  protected emit<K extends keyof Events & string>(type: K, detail: Events[K]): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
