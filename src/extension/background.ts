/**
 * The extension's background logic, the same in both builds: the switch and the settings live in
 * `storage.local`; the relay (a RelayTarget: Chromium's offscreen document, Firefox's own page) follows them;
 * its snapshots go to the toolbar badge and to every open popup; a popup's switch is written to storage.
 * State is read again on every start (browser start, install, a woken service worker), so a relay that was on
 * is on again after a browser restart.
 */
import { type ExtensionApi, type Port, toolbarButton } from './api.js';
import { badgeFor } from './badge.js';
import {
  isToBackground,
  POPUP_PORT,
  type RelayConfig,
  type RelayEvent,
  type Snapshot,
  type ToPopup,
} from './messages.js';
import { cleanSettings, STORAGE_KEYS, withBuildDefaults } from './settings.js';

/** Where the relay runs. */
export interface RelayTarget {
  /** Makes the relay follow `config`; called again with the same config, it changes nothing. */
  apply(config: RelayConfig): void;
}

export type TargetFactory = (onEvent: (event: RelayEvent) => void) => RelayTarget;

const OFF: Snapshot = {
  status: { state: 'off', on: false },
  stats: { helping: 0, totalHelped: 0, bytesRelayed: 0 },
};

export class Background {
  readonly #api: ExtensionApi;
  readonly #target: RelayTarget;
  readonly #popups = new Set<Port>();
  #config: RelayConfig | null = null;
  #snapshot: Snapshot = OFF;
  #badge = '';

  constructor(api: ExtensionApi, makeTarget: TargetFactory) {
    this.#api = api;
    this.#target = makeTarget((event) => this.#onRelayEvent(event));
    // Listeners first, synchronously: Chromium wakes a stopped worker only for events it listened to at start.
    api.runtime.onConnect.addListener((port) => {
      if (port.name === POPUP_PORT) this.#addPopup(port);
    });
    api.storage.onChanged.addListener((changes, area) => {
      if (area === 'local' && (STORAGE_KEYS.on in changes || STORAGE_KEYS.settings in changes))
        void this.load();
    });
    api.runtime.onStartup.addListener(() => void this.load());
    api.runtime.onInstalled.addListener(() => void this.load());
    void this.load();
  }

  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** Reads the stored switch and settings and makes the relay follow them. */
  async load(): Promise<void> {
    const stored = await this.#api.storage.local.get([STORAGE_KEYS.on, STORAGE_KEYS.settings]);
    const config: RelayConfig = {
      on: stored[STORAGE_KEYS.on] === true,
      settings: withBuildDefaults(cleanSettings(stored[STORAGE_KEYS.settings])),
    };
    const was = this.#config;
    this.#config = config;
    if (was?.on !== config.on) {
      // Until the relay reports, say what the switch means; the counts stay, no one is helped yet.
      const status = config.on ? { state: 'connecting' as const, on: true } : OFF.status;
      this.#setSnapshot({ status, stats: { ...this.#snapshot.stats, helping: 0 } });
    }
    this.#target.apply(config);
  }

  async setOn(on: boolean): Promise<void> {
    // storage.onChanged calls load(): one path for the popup, the options page and a restart alike.
    await this.#api.storage.local.set({ [STORAGE_KEYS.on]: on });
  }

  #onRelayEvent(event: RelayEvent): void {
    if (event.type === 'snapshot') this.#setSnapshot(event.snapshot);
    else if (event.type === 'client') this.#toPopups({ type: 'client' });
  }

  #setSnapshot(snapshot: Snapshot): void {
    this.#snapshot = snapshot;
    this.#toPopups({ type: 'snapshot', snapshot });
    void this.#showBadge(snapshot);
  }

  async #showBadge(snapshot: Snapshot): Promise<void> {
    const button = toolbarButton(this.#api);
    if (button === undefined) return;
    const badge = badgeFor(snapshot, this.#config?.settings['data-lang'], navigator.languages);
    const key = JSON.stringify(badge);
    if (key === this.#badge) return;
    this.#badge = key;
    await Promise.all([
      button.setBadgeText({ text: badge.text }),
      button.setBadgeBackgroundColor({ color: badge.color }),
      button.setTitle({ title: badge.title }),
    ]);
  }

  #addPopup(port: Port): void {
    this.#popups.add(port);
    port.onMessage.addListener((message) => {
      if (isToBackground(message)) void this.setOn(message.on);
    });
    port.onDisconnect.addListener(() => this.#popups.delete(port));
    port.postMessage({ type: 'snapshot', snapshot: this.#snapshot } satisfies ToPopup);
  }

  #toPopups(message: ToPopup): void {
    for (const port of this.#popups) port.postMessage(message);
  }
}
