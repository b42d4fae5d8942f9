/**
 * `<starling-bridge>`: one switch that turns the reader's tab into a Starling volunteer (docs/widget.md).
 * The element glues its parts together: settings from `data-*` attributes (settings.ts, applied live), the
 * relay's lifecycle (controller.ts), the DOM (view.ts) and the page's visibility. It never throws into the
 * host page and touches nothing outside its own shadow root except localStorage (storage.ts).
 *
 * JS API: start(), stop(), setStrings(), `state`, `stats`; events `starling-state` (detail: BridgeStatus) and
 * `starling-stats` (detail: BridgeStats), both bubbling from the element. Where the relay runs is the
 * element's BridgeHost (host.ts): this page by default, the extension's background in its popup.
 */
import { WIDGET_DEFAULTS } from '../shared/limits.js';
import type { BridgeStats, BridgeStatus } from './controller.js';
import { type BridgeControl, type BridgeHost, pageHost } from './host.js';
import { chooseLanguage, NO_SITE_STRINGS, parseSiteStrings, type SiteStrings, stringsFor } from './i18n.js';
import { ATTRIBUTES, readSettings, type Settings } from './settings.js';
import { BridgeView } from './view.js';

export class StarlingBridge extends HTMLElement {
  static readonly observedAttributes: readonly string[] = ATTRIBUTES;

  readonly #view: BridgeView;
  readonly #host: BridgeHost;
  readonly #controller: BridgeControl;
  #settings: Settings;
  #siteStrings: SiteStrings = NO_SITE_STRINGS;
  readonly #warned = new Set<string>();
  #settingsQueued = false;
  #notice = false;
  #noticeTimer: ReturnType<typeof setTimeout> | undefined;
  #restored = false;
  readonly #onPageHide = (event: PageTransitionEvent): void => {
    // Say goodbye before the tab goes, so clients move at once (path-v1 §3); a restored page resumes.
    if (event.persisted) this.#controller.setPaused(true);
    else void this.#controller.setAttached(false);
  };
  readonly #onPageShow = (): void => {
    if (this.isConnected) void this.#controller.setAttached(true);
    this.#controller.setPaused(false);
  };

  constructor(host: BridgeHost = pageHost) {
    super();
    const root = this.attachShadow({ mode: 'open', delegatesFocus: true });
    this.#view = new BridgeView(root, () => this.#toggle());
    this.#host = host;
    this.#controller = host.control({
      status: (status) => {
        this.#render();
        this.#emit('starling-state', status);
      },
      stats: (stats) => {
        this.#render();
        this.#emit('starling-stats', stats);
      },
      client: () => this.#showNotice(),
    });
    this.#settings = readSettings(this);
    this.#render();
  }

  /** Where the widget is now: off, connecting, waiting, helping, paused or error (with problem and reason). */
  get state(): BridgeStatus {
    return this.#controller.status;
  }

  get stats(): BridgeStats {
    return this.#controller.stats;
  }

  /** Turns the switch on, as the reader would; remembered for the reader's next visit. */
  start(): void {
    this.#host.writeOn(true);
    void this.#controller.setOn(true);
  }

  /** Turns the switch off: every path says goodbye first (path-v1 §3). Resolves when all are closed. */
  stop(): Promise<void> {
    this.#host.writeOn(false);
    return this.#controller.setOn(false);
  }

  /**
   * The site's own words, over the built-in ones and `data-strings` (docs/widget.md): an object, or its JSON
   * text; null removes them. Unusable entries are left out and named on the console.
   */
  setStrings(strings: unknown): void {
    const { strings: site, problems } =
      strings === null ? { strings: NO_SITE_STRINGS, problems: [] } : parseSiteStrings(strings);
    this.#siteStrings = site;
    this.#warn('setStrings', problems);
    this.#render();
  }

  connectedCallback(): void {
    window.addEventListener('pagehide', this.#onPageHide);
    window.addEventListener('pageshow', this.#onPageShow);
    this.#applySettings();
    void this.#controller.setAttached(true);
    if (!this.#restored) {
      this.#restored = true;
      if (this.#host.readOn()) void this.#controller.setOn(true);
    }
  }

  disconnectedCallback(): void {
    window.removeEventListener('pagehide', this.#onPageHide);
    window.removeEventListener('pageshow', this.#onPageShow);
    // A move within the page reconnects in the same task: only a real removal switches the relay off.
    queueMicrotask(() => {
      if (!this.isConnected) void this.#controller.setAttached(false);
    });
  }

  attributeChangedCallback(): void {
    if (this.#settingsQueued) return;
    this.#settingsQueued = true;
    // Coalesce a burst of attribute changes into one update (and at most one relay rebuild).
    queueMicrotask(() => {
      this.#settingsQueued = false;
      this.#applySettings();
    });
  }

  #applySettings(): void {
    this.#settings = readSettings(this);
    this.#warn('data-strings', this.#settings.stringProblems);
    this.#controller.configure(this.#settings.relay, this.#settings.relayKey);
    this.#render();
  }

  #toggle(): void {
    if (this.#controller.on) void this.stop();
    else this.start();
  }

  #showNotice(): void {
    this.#notice = true;
    clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => {
      this.#notice = false;
      this.#render();
    }, WIDGET_DEFAULTS.noticeMs);
    this.#render();
  }

  #render(): void {
    const settings = this.#settings;
    const pageLang = this.closest('[lang]')?.getAttribute('lang');
    const lang = chooseLanguage([settings.lang, pageLang, ...navigator.languages]);
    this.#view.render({
      lang,
      strings: stringsFor(lang, settings.strings, this.#siteStrings),
      layout: settings.layout,
      theme: settings.theme,
      status: this.#controller.status,
      stats: this.#controller.stats,
      notice: this.#notice,
    });
  }

  /** Tells the site's developer, once per problem, what of their strings was left out. */
  #warn(source: string, problems: readonly string[]): void {
    for (const problem of problems) {
      const line = `starling-bridge: ${source}: ${problem}; left out`;
      if (this.#warned.has(line)) continue;
      this.#warned.add(line);
      console.warn(line);
    }
  }

  #emit(type: string, detail: BridgeStatus | BridgeStats): void {
    this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true }));
  }
}
