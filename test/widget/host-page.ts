/**
 * A bare host page for widget tests on 127.0.0.1: `/blank?lang=xx` is a page with some content of its own and
 * no widget; `/starling-bridge.js` is the built bundle (run `node scripts/build.mjs` first). Plus helpers
 * that reach into the widget's open shadow root.
 */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

export const BUNDLE = fileURLToPath(new URL('../../dist/widget/starling-bridge.js', import.meta.url));

export const HOST_CONTENT = 'The host page’s own article text.';

export async function startHostPages(): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/starling-bridge.js') {
      readFile(BUNDLE).then(
        (code) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(code),
        () => res.writeHead(404).end(),
      );
      return;
    }
    if (url.pathname !== '/blank') {
      res.writeHead(404).end();
      return;
    }
    const lang = (url.searchParams.get('lang') ?? 'en').replace(/[^A-Za-z-]/g, '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>host</title></head>` +
        `<body><main id="host"><h1>Host</h1><p id="host-text">${HOST_CONTENT}</p></main></body></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The egress a test widget names unless a test gives its own `data-egress` (nothing listens there). */
export const TEST_EGRESS = 'ws://127.0.0.1:9/';

/**
 * Loads the bundle into the page (once) and appends a `<starling-bridge>` with these attributes, and
 * `data-egress` TEST_EGRESS unless they say otherwise (an empty value leaves it unset in effect).
 */
export async function addWidget(page: Page, given: Record<string, string>): Promise<void> {
  const attributes = { 'data-egress': TEST_EGRESS, ...given };
  if (!(await page.evaluate(() => customElements.get('starling-bridge') !== undefined))) {
    await page.addScriptTag({ url: '/starling-bridge.js' });
  }
  await page.evaluate((attrs) => {
    for (const old of document.querySelectorAll('starling-bridge')) old.remove();
    const el = document.createElement('starling-bridge');
    for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
    document.body.append(el);
  }, attributes);
}

/** The part of the element's JS API the tests use. */
export interface BridgeElement extends HTMLElement {
  start(): void;
  stop(): Promise<void>;
  readonly state: { state: string; on: boolean; problem?: string; reason?: string };
  readonly stats: { helping: number; totalHelped: number; bytesRelayed: number };
}

export function widgetState(page: Page): Promise<BridgeElement['state']> {
  return page.evaluate(() => (document.querySelector('starling-bridge') as BridgeElement).state);
}

/** Text of the element inside the widget's shadow root matching `selector`. */
export function shadowText(page: Page, selector: string): Promise<string> {
  return page.evaluate(
    (sel) => document.querySelector('starling-bridge')?.shadowRoot?.querySelector(sel)?.textContent ?? '',
    selector,
  );
}

/** Resolves when the widget's state is `state`; rejects after `timeoutMs`. */
export async function waitForState(page: Page, state: string, timeoutMs = 15_000): Promise<void> {
  await page.waitForFunction(
    (wanted) => (document.querySelector('starling-bridge') as BridgeElement | null)?.state.state === wanted,
    state,
    { timeout: timeoutMs },
  );
}
