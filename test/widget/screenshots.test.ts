/**
 * Screenshots of the widget on the demo page, helping a real client, in every layout and theme (plus two
 * languages), saved to artifacts/screenshots/ for people to look at; nothing is compared pixel by pixel.
 * Layout and theme are switched live on one page, so the shots also show that the relay keeps running.
 *   node scripts/netns.mjs node --import tsx --test test/widget/screenshots.test.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startDemoWeb } from '../../src/demo/web.js';
import { encodeKey } from '../../src/session/noise.js';
import { launchChromium } from '../helpers/chromium.js';
import { getViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';
import { waitForState } from './host-page.js';

const OUT = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));
const MARGIN = 24;

async function shoot(page: Page, name: string, layout: string): Promise<void> {
  const file = join(OUT, `${name}.png`);
  if (layout === 'floating') {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: file });
  } else {
    const box = await page.evaluate(() => {
      const card = document.querySelector('starling-bridge')!.shadowRoot!.querySelector('.card')!;
      card.scrollIntoView({ block: 'center' });
      const r = card.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    });
    await page.screenshot({
      path: file,
      clip: {
        x: Math.max(0, box.x - MARGIN),
        y: Math.max(0, box.y - MARGIN),
        width: box.width + 2 * MARGIN,
        height: box.height + 2 * MARGIN,
      },
    });
  }
  assert.ok(statSync(file).size > 1000, `${file} was written`);
}

test('screenshots of every layout in light and dark, while helping', async (t) => {
  mkdirSync(OUT, { recursive: true });
  // The client starts once the tab is seen waiting: one already retrying could take the tab the moment it
  // reaches the broker, and 'waiting' would be over before the test looked.
  const net = await Network.start({ volunteers: 0, paths: 1, client: false });
  t.after(() => net.stop());
  const target = await startTarget();
  t.after(() => target.close());
  const web = await startDemoWeb({
    host: '127.0.0.1',
    port: 0,
    brokerUrl: net.brokerUrl,
    egressUrl: net.egressUrl,
  });
  t.after(() => web.close());
  const chromium = await launchChromium({ locale: 'en-US' });
  t.after(() => chromium.close());
  const page = await chromium.context.newPage();
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.goto(web.url);
  await page.getByRole('switch').click();
  // The tab must be at the broker before the client asks: a client with no path that gets "no volunteer"
  // fails its waiting streams at once (SOCKS reply 1), as it should.
  await waitForState(page, 'waiting');
  await net.startClient(1, encodeKey(net.keys.publicKey));
  const got = await getViaSocks(net.socksPort, '127.0.0.1', target.port, `/bytes/${3 * 1024 * 1024}`);
  assert.equal(got.sha, seededSha(3 * 1024 * 1024));
  await waitForState(page, 'helping');
  // Let the "someone just connected" notice fade and the stats tick, so every shot shows the same.
  await page.waitForFunction(
    () =>
      document.querySelector('starling-bridge')?.shadowRoot?.querySelector<HTMLElement>('.notice')?.hidden,
    null,
    { timeout: 15_000 },
  );
  await page.waitForFunction(() =>
    /MB/.test(
      document.querySelector('starling-bridge')?.shadowRoot?.querySelectorAll('.stats dd')[2]?.textContent ??
        '',
    ),
  );
  const set = (attributes: Record<string, string>) =>
    page.evaluate((attrs) => {
      const el = document.querySelector('starling-bridge')!;
      for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
      // Wait out the switch's 0.2 s transition (a new direction moves its knob).
      return new Promise((resolve) => setTimeout(resolve, 400));
    }, attributes);
  for (const layout of ['panel', 'banner', 'floating']) {
    for (const theme of ['light', 'dark']) {
      await set({ 'data-layout': layout, 'data-theme': theme });
      await shoot(page, `${layout}-${theme}`, layout);
    }
  }
  for (const lang of ['fa', 'zh-CN', 'ur', 'my']) {
    await set({ 'data-layout': 'panel', 'data-theme': 'light', 'data-lang': lang });
    await shoot(page, `panel-light-${lang}`, 'panel');
  }
  assert.equal(
    net.client!.lines.filter((line) => /path \d+ closed/.test(line)).length,
    0,
    'one path throughout',
  );
});
