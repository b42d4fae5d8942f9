/**
 * A stand-in for VolunteerRelay that runs the browser build of the relay core in a Chromium page
 * (test/widget/relay-page.ts) and mirrors it in Node: the same methods, state, stats and events, so the
 * relay compliance suite (test/volunteer/relay-suite.ts) can drive it. State and stats are the page's last
 * report; events arrive in the order the page dispatched them.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import type { RelayEnv } from '../../src/volunteer/env.js';
import type { RelayState, RelayStats, VolunteerOptions } from '../../src/volunteer/relay.js';
import type { RelayPage, Snapshot } from './relay-page.js';

const ENTRY = fileURLToPath(new URL('./relay-page.ts', import.meta.url));

/** Bundles relay-page.ts with the widget's esbuild settings (scripts/build-widget.mjs). */
export async function buildRelayPage(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0]!.text;
}

type PageScope = typeof globalThis & { starlingRelayPage: RelayPage };

export class BrowserRelay extends EventTarget {
  readonly #page: Page;
  readonly #id: number;
  #snapshot: Snapshot;

  constructor(page: Page, id: number, initial: Snapshot) {
    super();
    this.#page = page;
    this.#id = id;
    this.#snapshot = initial;
  }

  get state(): RelayState {
    return this.#snapshot.state;
  }

  get stats(): RelayStats {
    return { ...this.#snapshot.stats };
  }

  /** Called by the page's report binding. */
  report(type: string, detail: unknown, snapshot: Snapshot): void {
    this.#snapshot = snapshot;
    if (type !== 'snapshot') this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  start(): void {
    void this.#page.evaluate((id) => (globalThis as PageScope).starlingRelayPage.start(id), this.#id);
  }

  async stop(): Promise<void> {
    this.#snapshot = await this.#page.evaluate(
      (id) => (globalThis as PageScope).starlingRelayPage.stop(id),
      this.#id,
    );
  }

  kill(): void {
    void this.#page
      .evaluate((id) => (globalThis as PageScope).starlingRelayPage.kill(id), this.#id)
      .then((snapshot) => {
        this.#snapshot = snapshot;
      })
      .catch(() => {}); // the page may be closing at the end of a run
  }
}

/**
 * Prepares `page` (binding and bundle) and returns a factory for the suite. The env only says whether the
 * page relay gets WebRTC (the suite's "without WebRTC" case); its Node values are not used.
 */
export async function browserRelayFactory(
  page: Page,
): Promise<(options: VolunteerOptions, env: RelayEnv) => Promise<BrowserRelay>> {
  const relays = new Map<number, BrowserRelay>();
  await page.exposeFunction(
    'starlingRelayReport',
    (id: number, type: string, detail: unknown, snapshot: Snapshot) =>
      relays.get(id)?.report(type, detail, snapshot),
  );
  await page.addScriptTag({ content: await buildRelayPage() });
  let next = 0;
  return async (options, env) => {
    const id = ++next;
    const webRtc = typeof env.RTCPeerConnection === 'function';
    const initial = await page.evaluate(
      ([i, o, w]) => (globalThis as PageScope).starlingRelayPage.create(i, o, w),
      [id, options, webRtc] as const,
    );
    const relay = new BrowserRelay(page, id, initial);
    relays.set(id, relay);
    return relay;
  };
}
