/**
 * The extension's relay: the widget's own BridgeController (src/widget/controller.ts, over the unchanged relay
 * core) in a page that lives on its own, Chromium's offscreen document or Firefox's background page. It
 * follows the RelayConfig the background sends and reports a Snapshot on every change (one per config).
 */
import { browserEnv } from '../widget/browser-env.js';
import { BridgeController, type EnvFactory } from '../widget/controller.js';
import type { RelayConfig, RelayEvent, Snapshot } from './messages.js';
import { cleanSettings, parseSettings } from './settings.js';

export class RelayHost {
  readonly #controller: BridgeController;
  readonly #send: (event: RelayEvent) => void;
  #applied = 0;
  #applying = false;

  constructor(send: (event: RelayEvent) => void, makeEnv: EnvFactory = browserEnv) {
    this.#send = send;
    this.#controller = new BridgeController(makeEnv, {
      status: () => this.#report(),
      stats: () => this.#report(),
      client: () => send({ type: 'client' }),
    });
    // Nothing here hides or detaches: the relay runs whenever the switch is on.
    void this.#controller.setAttached(true);
  }

  get snapshot(): Snapshot {
    return { status: this.#controller.status, stats: this.#controller.stats };
  }

  /** Follows `config`; the same config again changes nothing (the relay is rebuilt only for new settings). */
  apply(config: RelayConfig): void {
    const settings = parseSettings(cleanSettings(config.settings));
    const applied = ++this.#applied;
    let settled: Promise<void>;
    // One snapshot for the whole config: the controller reports each of its steps, and a step's snapshot (a
    // relay rebuilt for new settings, 'connecting', before the switch-off) would contradict the background.
    this.#applying = true;
    try {
      if (config.on) {
        this.#controller.configure(settings.relay, settings.relayKey);
        settled = this.#controller.setOn(true);
      } else {
        // Switched off first: new settings then rebuild no relay only to retire it at once.
        settled = this.#controller.setOn(false);
        this.#controller.configure(settings.relay, settings.relayKey);
      }
    } finally {
      this.#applying = false;
    }
    this.#report();
    if (!config.on) {
      // Only the latest config may say "stopped": an "on" applied during the goodbye grace wins.
      void settled.then(() => {
        if (applied === this.#applied) this.#send({ type: 'stopped' });
      });
    }
  }

  #report(): void {
    if (this.#applying) return;
    this.#send({ type: 'snapshot', snapshot: this.snapshot });
  }
}
