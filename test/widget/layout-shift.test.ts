/**
 * No layout shift when `<starling-bridge>` upgrades: with the page CSS the widget documents (RESERVE_CSS,
 * dist/widget/starling-bridge.css), the text after the element is at the same place before the script runs
 * and after the element is upgraded and rendered, switched off or (remembered) on, in several languages,
 * layouts and widths. Measured in real Chromium. Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/widget/layout-shift.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RESERVE_CSS } from '../../src/widget/reserve.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';
import { BUNDLE } from './host-page.js';

const CSS_FILE = fileURLToPath(new URL('../../dist/widget/starling-bridge.css', import.meta.url));

let chromium: LaunchedChromium;
let server: ReturnType<typeof createServer>;
let base: string;

/** `/page?...` has the reserve CSS, the element and a paragraph after it; the script is loaded by the test. */
before(async () => {
  chromium = await launchChromium();
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/starling-bridge.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(BUNDLE));
      return;
    }
    const layout = url.searchParams.get('layout') ?? 'panel';
    const lang = url.searchParams.get('lang') ?? 'en';
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><style>${RESERVE_CSS}</style></head>` +
          '<body><h1>Article</h1><p>Some text.</p>' +
          `<starling-bridge data-broker="http://127.0.0.1:9/" data-egress="ws://127.0.0.1:9/" data-layout="${layout}" data-lang="${lang}"></starling-bridge>` +
          '<p id="after">The text below the widget.</p></body></html>',
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
  await chromium.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('no layout shift on upgrade', () => {
  test('the build ships the reserve CSS as dist/widget/starling-bridge.css', () => {
    assert.equal(readFileSync(CSS_FILE, 'utf8'), RESERVE_CSS);
  });

  for (const layout of ['panel', 'banner', 'floating']) {
    for (const width of [360, 700, 1200]) {
      test(`${layout} at ${width}px: the text below stays put, off and on, in en, es, ru, my, ur`, async (t) => {
        const page = await chromium.context.newPage();
        t.after(() => page.close());
        await page.setViewportSize({ width, height: 900 });
        for (const on of [false, true]) {
          for (const lang of ['en', 'es', 'ru', 'my', 'ur']) {
            await page.goto(`${base}page?layout=${layout}&lang=${lang}`);
            await page.evaluate((o) => {
              if (o) localStorage.setItem('starling-bridge:on', '1');
              else localStorage.clear();
            }, on);
            const y = () => page.evaluate(() => document.getElementById('after')!.getBoundingClientRect().y);
            const before = await y();
            await page.addScriptTag({ url: '/starling-bridge.js' });
            await page.waitForFunction((o) => {
              const el = document.querySelector('starling-bridge') as HTMLElement & {
                state?: { on: boolean };
              };
              return el.shadowRoot?.querySelector('.card') !== null && el.state?.on === o;
            }, on);
            const now = await y();
            assert.equal(
              now,
              before,
              `${lang}, ${on ? 'on' : 'off'}: the text below moved from ${before} to ${now}`,
            );
          }
        }
      });
    }
  }
});
