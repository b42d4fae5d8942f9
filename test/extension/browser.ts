/**
 * Chromium with the unpacked extension (dist/extension/chromium, `node scripts/build.mjs` first) in a profile
 * that outlives one launch, so a test can restart the browser. New headless mode runs extensions, their
 * service worker and offscreen documents. Run inside the private network namespace (scripts/netns.mjs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page, type Worker } from 'playwright-core';
import type { ExtensionApi } from '../../src/extension/api.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../helpers/chromium.js';

export const CHROMIUM_BUILD = fileURLToPath(new URL('../../dist/extension/chromium/', import.meta.url));

/** What the tests read in the service worker besides ExtensionApi. */
export type WorkerChrome = ExtensionApi & {
  action: { getBadgeText(details: object): Promise<string> };
  offscreen: { closeDocument(): Promise<void> };
};

export class ExtensionBrowser {
  readonly profile = mkdtempSync(join(tmpdir(), 'starling-extension-'));
  context: BrowserContext | null = null;
  worker: Worker | null = null;
  id = '';

  /** Starts Chromium with the extension on this browser's profile (again after close(), as after a restart). */
  async launch(): Promise<void> {
    const context = await chromium.launchPersistentContext(this.profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        ...CHROMIUM_ARGS,
        `--disable-extensions-except=${CHROMIUM_BUILD}`,
        `--load-extension=${CHROMIUM_BUILD}`,
      ],
    });
    this.context = context;
    this.worker =
      context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 15_000 }));
    this.id = new URL(this.worker.url()).host;
  }

  async open(page: 'popup.html' | 'options.html'): Promise<Page> {
    const tab = await this.context!.newPage();
    await tab.goto(`chrome-extension://${this.id}/${page}`);
    return tab;
  }

  /** The ids of the offscreen documents that exist now. */
  relayDocuments(): Promise<string[]> {
    return this.worker!.evaluate(async () => {
      const { chrome } = globalThis as unknown as { chrome: WorkerChrome };
      const contexts = (await chrome.runtime.getContexts?.({ contextTypes: ['OFFSCREEN_DOCUMENT'] })) ?? [];
      return contexts.map((c) => c.documentId ?? '?');
    });
  }

  badge(): Promise<string> {
    return this.worker!.evaluate(() =>
      (globalThis as unknown as { chrome: WorkerChrome }).chrome.action.getBadgeText({}),
    );
  }

  /** What the extension keeps in storage.local. */
  stored(): Promise<Record<string, unknown>> {
    return this.worker!.evaluate(() =>
      (globalThis as unknown as { chrome: WorkerChrome }).chrome.storage.local.get(['on', 'settings']),
    );
  }

  /** Closes the relay document from the service worker, as Chromium or a crash might. */
  closeRelayDocument(): Promise<void> {
    return this.worker!.evaluate(() =>
      (globalThis as unknown as { chrome: WorkerChrome }).chrome.offscreen.closeDocument(),
    );
  }

  async close(): Promise<void> {
    await this.context?.close();
    this.context = null;
    this.worker = null;
  }

  async dispose(): Promise<void> {
    await this.close();
    rmSync(this.profile, { recursive: true, force: true });
  }
}

/** Polls `check` every 50 ms until it returns a truthy value, at most `ms`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T>,
  ms = 20_000,
): Promise<Exclude<T, null | undefined | false | 0 | ''>> {
  const end = Date.now() + ms;
  let last: T;
  do {
    last = await check();
    if (last) return last as Exclude<T, null | undefined | false | 0 | ''>;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < end);
  throw new Error(`${what}: not reached in ${ms} ms (last: ${JSON.stringify(last)})`);
}
