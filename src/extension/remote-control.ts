/**
 * The popup's BridgeControl: a proxy for the relay in the extension's background (src/widget/host.ts). It shows
 * the background's snapshots and sends the switch; page lifecycle (settings attributes, hiding, detaching)
 * does not concern a relay that runs elsewhere, so those calls do nothing.
 */
import type { BridgeStats, BridgeStatus, ControllerHooks } from '../widget/controller.js';
import type { BridgeControl, BridgeHost } from '../widget/host.js';
import { readHelped } from '../widget/storage.js';
import type { ExtensionApi, Port } from './api.js';
import { isToPopup, POPUP_PORT, type Snapshot, type ToBackground } from './messages.js';

/** How long a switch waits for the background to confirm it before its snapshots count again, ms. */
const SWITCH_CONFIRM_MS = 2_000;

export class RemoteControl implements BridgeControl {
  readonly #hooks: ControllerHooks;
  readonly #waiters: { on: boolean; resolve: () => void }[] = [];
  #port: Port | null;
  #status: BridgeStatus = { state: 'off', on: false };
  #stats: BridgeStats = { helping: 0, totalHelped: readHelped(), bytesRelayed: 0 };

  constructor(api: ExtensionApi, hooks: ControllerHooks) {
    this.#hooks = hooks;
    const port = api.runtime.connect({ name: POPUP_PORT });
    this.#port = port;
    port.onMessage.addListener((message) => {
      if (!isToPopup(message)) return;
      if (message.type === 'client') hooks.client();
      else this.#show(message.snapshot, true);
    });
    port.onDisconnect.addListener(() => {
      this.#port = null;
      for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    });
  }

  get status(): BridgeStatus {
    return { ...this.#status };
  }

  get stats(): BridgeStats {
    return { ...this.#stats };
  }

  get on(): boolean {
    return this.#status.on;
  }

  configure(): void {}

  setPaused(): void {}

  setAttached(): Promise<void> {
    return Promise.resolve();
  }

  /** Sends the switch; resolves once the background has taken it (or the popup lost its background). */
  setOn(on: boolean): Promise<void> {
    const port = this.#port;
    if (port === null) return Promise.resolve();
    port.postMessage({ type: 'set-on', on } satisfies ToBackground);
    // The switch moves at once; the background's next snapshot says how it went.
    const status: BridgeStatus = on ? { state: 'connecting', on } : { state: 'off', on };
    this.#show({ status, stats: this.#stats }, false);
    return new Promise((resolve) => {
      const waiter = { on, resolve };
      this.#waiters.push(waiter);
      // A background that never confirms (the stored switch was already so) does not hold the toggle.
      setTimeout(() => {
        const at = this.#waiters.indexOf(waiter);
        if (at < 0) return;
        this.#waiters.splice(at, 1);
        resolve();
      }, SWITCH_CONFIRM_MS);
    });
  }

  #show(snapshot: Snapshot, fromBackground: boolean): void {
    const { status } = snapshot;
    // Snapshots the background sent before it took the switch still carry the old one: while a switch is on
    // its way, a status that contradicts it would flip the toggle back (only its counts are shown).
    const pending = this.#waiters.at(-1);
    const stale = fromBackground && pending !== undefined && pending.on !== status.on;
    // The total lives in this extension's localStorage (widget/storage.ts), shared with the relay's page.
    const stats = { ...snapshot.stats, totalHelped: Math.max(snapshot.stats.totalHelped, readHelped()) };
    const now = this.#status;
    if (!stale && (now.state !== status.state || now.on !== status.on || now.reason !== status.reason)) {
      this.#status = { ...status };
      this.#hooks.status(this.status);
    }
    const was = this.#stats;
    if (
      was.helping !== stats.helping ||
      was.totalHelped !== stats.totalHelped ||
      was.bytesRelayed !== stats.bytesRelayed
    ) {
      this.#stats = stats;
      this.#hooks.stats(this.stats);
    }
    if (!fromBackground || stale) return;
    for (const waiter of [...this.#waiters]) {
      if (waiter.on !== status.on) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

/** The popup's host: the relay and the remembered switch are the background's, not this page's. */
export function popupHost(api: ExtensionApi): BridgeHost {
  return { control: (hooks) => new RemoteControl(api, hooks), readOn: () => false, writeOn: () => {} };
}
