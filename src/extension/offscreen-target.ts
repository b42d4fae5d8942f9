/**
 * Chromium's relay target: the relay runs in one offscreen document (reason WEB_RTC: a service worker has no
 * RTCPeerConnection). The document connects a port to the worker; the worker sends it the config on every
 * connect and change. While the switch is on the worker keeps the document alive: it recreates the document
 * when its port disconnects or the watchdog alarm finds it gone. Switched off, the document says goodbye on
 * every path (it reports `stopped`) and is then closed.
 */
import { EXTENSION_DEFAULTS } from '../shared/limits.js';
import type { ExtensionApi, Port } from './api.js';
import type { RelayTarget } from './background.js';
import { isRelayEvent, RELAY_PORT, type RelayConfig, type RelayEvent, type ToRelay } from './messages.js';

export const RELAY_DOCUMENT = 'relay.html';
const WATCHDOG_ALARM = 'starling-relay-watchdog';
const JUSTIFICATION = 'Runs the Starling volunteer relay: WebRTC data channels for people behind censorship.';

export class OffscreenTarget implements RelayTarget {
  readonly #api: ExtensionApi;
  readonly #onEvent: (event: RelayEvent) => void;
  readonly #url: string;
  #config: RelayConfig | null = null;
  #port: Port | null = null;
  #creating: Promise<void> | null = null;

  constructor(api: ExtensionApi, onEvent: (event: RelayEvent) => void) {
    this.#api = api;
    this.#onEvent = onEvent;
    this.#url = api.runtime.getURL(RELAY_DOCUMENT);
    api.runtime.onConnect.addListener((port) => {
      if (port.name === RELAY_PORT) this.#attach(port);
    });
    api.alarms?.onAlarm.addListener((alarm) => {
      if (alarm.name === WATCHDOG_ALARM) void this.#reconcile();
    });
  }

  apply(config: RelayConfig): void {
    this.#config = config;
    this.#send();
    void this.#reconcile();
    const alarms = this.#api.alarms;
    if (config.on)
      void alarms?.create(WATCHDOG_ALARM, { periodInMinutes: EXTENSION_DEFAULTS.watchdogMinutes });
    else void alarms?.clear(WATCHDOG_ALARM);
  }

  /** Whether the relay document exists now. */
  async exists(): Promise<boolean> {
    const contexts = await this.#api.runtime.getContexts?.({
      contextTypes: ['OFFSCREEN_DOCUMENT'],
      documentUrls: [this.#url],
    });
    return (contexts?.length ?? 0) > 0;
  }

  #attach(port: Port): void {
    if (this.#port !== null && this.#port !== port) this.#port.disconnect();
    this.#port = port;
    port.onMessage.addListener((message) => {
      if (!isRelayEvent(message)) return;
      if (message.type === 'stopped' && this.#config?.on === false) void this.#close();
      this.#onEvent(message);
    });
    port.onDisconnect.addListener(() => {
      if (this.#port !== port) return;
      this.#port = null;
      // The document is gone (closed, crashed) or reconnects in a moment: either way, make sure it exists.
      void this.#reconcile();
    });
    this.#send();
  }

  #send(): void {
    if (this.#port === null || this.#config === null) return;
    this.#port.postMessage({ type: 'apply', config: this.#config } satisfies ToRelay);
  }

  async #reconcile(): Promise<void> {
    const config = this.#config;
    try {
      if (config?.on === true) await this.#ensure();
      // Off with no document connected: nothing can say goodbye any more, so only make sure it is gone.
      else if (config?.on === false && this.#port === null) await this.#close();
    } catch (error) {
      const reason = `relay document: ${error instanceof Error ? error.message : String(error)}`;
      console.warn(`Starling: ${reason}`);
      this.#onEvent({
        type: 'snapshot',
        snapshot: {
          status: { state: 'error', on: true, problem: 'other', reason },
          stats: { helping: 0, totalHelped: 0, bytesRelayed: 0 },
        },
      });
    }
  }

  /** Creates the document unless it exists; one creation at a time, as Chromium allows only one document. */
  #ensure(): Promise<void> {
    this.#creating ??= this.#create().finally(() => {
      this.#creating = null;
    });
    return this.#creating;
  }

  async #create(): Promise<void> {
    const offscreen = this.#api.offscreen;
    if (offscreen === undefined)
      throw new Error('chrome.offscreen is unavailable (Chromium 116 or newer needed)');
    if (await this.exists()) return;
    try {
      await offscreen.createDocument({ url: this.#url, reasons: ['WEB_RTC'], justification: JUSTIFICATION });
    } catch (error) {
      // Another context of this extension created it between our check and our call: that one is ours too.
      if (!/single offscreen document/i.test(String(error)) || !(await this.exists())) throw error;
    }
  }

  async #close(): Promise<void> {
    if (this.#config?.on !== false || !(await this.exists())) return;
    try {
      await this.#api.offscreen?.closeDocument();
    } catch (error) {
      if (await this.exists()) throw error;
    }
  }
}
