/**
 * The extension's relay: the widget's own BridgeController (src/widget/controller.ts, over the unchanged relay
 * core) in a page that lives on its own, Chromium's offscreen document or Firefox's background page. It
 * follows the RelayConfig the background sends and reports a Snapshot on every change.
 */
import { browserEnv } from '../widget/browser-env.js';
import { BridgeController, type EnvFactory } from '../widget/controller.js';
import type { RelayConfig, RelayEvent, Snapshot } from './messages.js';
import { cleanSettings, parseSettings } from './settings.js';

export class RelayHost {
  readonly #controller: BridgeController;
  readonly #send: (event: RelayEvent) => void;
  #applied = 0;

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
    this.#controller.configure(settings.relay, settings.relayKey);
    const applied = ++this.#applied;
    const settled = this.#controller.setOn(config.on);
    this.#report();
    if (!config.on) {
      // Only the latest config may say "stopped": an "on" applied during the goodbye grace wins.
      void settled.then(() => {
        if (applied === this.#applied) this.#send({ type: 'stopped' });
      });
    }
  }

  #report(): void {
    this.#send({ type: 'snapshot', snapshot: this.snapshot });
  }
}
