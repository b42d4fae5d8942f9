/**
 * The product end to end: the demo news page in real Chromium, the reader flips the switch, and the
 * network's Node client fetches through that tab as the only volunteer. Real egress, broker and client
 * processes from dist/ (`node scripts/build.mjs` first). Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/widget/bridge.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startDemoWeb } from '../../src/demo/web.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';
import { getViaSocks, seededSha, startTarget, viaHttpProxy } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';
import { type BridgeElement, shadowText, waitForState } from './host-page.js';

const MiB = 1024 * 1024;

describe('the demo page with Chromium as the only volunteer', () => {
  let net: Network;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let web: Awaited<ReturnType<typeof startDemoWeb>>;
  let chromium: LaunchedChromium;
  let page: Page;
  const pageErrors: string[] = [];
  const size = 8 * MiB;
  const toggle = () => page.getByRole('switch', { name: 'Be a bridge' });

  before(async () => {
    net = await Network.start({ volunteers: 0, paths: 1 });
    target = await startTarget();
    web = await startDemoWeb({
      host: '127.0.0.1',
      port: 0,
      brokerUrl: net.brokerUrl,
      egressUrl: net.egressUrl,
    });
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      // The demo page enforces a strict CSP with Trusted Types: a violation is logged as a console error.
      if (message.type() === 'error' && /Content Security Policy|Trusted/i.test(message.text()))
        pageErrors.push(message.text());
    });
    await page.goto(web.url);
    await page.evaluate(() => {
      const seen: string[] = [];
      Object.assign(window, { seenStates: seen });
      document.addEventListener('starling-state', (e) =>
        seen.push((e as CustomEvent<{ state: string }>).detail.state),
      );
    });
  });

  after(async () => {
    await chromium?.close();
    await web?.close();
    await target?.close();
    await net?.stop();
  });

  test('the reader flips the switch and the tab waits for a client', async () => {
    assert.equal(await toggle().getAttribute('aria-checked'), 'false');
    assert.equal(await shadowText(page, '.status'), 'Off. Turn it on to help.');
    await toggle().click();
    assert.equal(await toggle().getAttribute('aria-checked'), 'true');
    await page.waitForFunction(() => {
      const state = document.querySelector<BridgeElement>('starling-bridge')?.state.state;
      return state === 'waiting' || state === 'helping';
    });
  });

  test('a Node client fetches 8 MiB through the tab, and the page shows it', async () => {
    const got = await getViaSocks(net.socksPort, '127.0.0.1', target.port, `/bytes/${size}`);
    assert.equal(got.status, 200);
    assert.equal(got.bytes, size);
    assert.equal(got.sha, seededSha(size));
    const stats = await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.stats);
    assert.equal(stats.helping, 1);
    assert.equal(stats.totalHelped, 1);
    assert.ok(stats.bytesRelayed >= size, `relayed ${stats.bytesRelayed} bytes`);
    // What the reader sees follows within one stats period.
    await page.waitForFunction(() => {
      const values = document.querySelector('starling-bridge')?.shadowRoot?.querySelectorAll('.stats dd');
      return values?.[0]?.textContent === '1' && /MB$/.test(values[2]?.textContent ?? '');
    });
    assert.equal(await shadowText(page, '.status'), 'You are helping 1 person right now.');
    assert.equal(await shadowText(page, '.hint'), 'Keep this tab open to keep helping.');
    const shown = await page.evaluate(
      () => document.querySelector('starling-bridge')?.shadowRoot?.textContent,
    );
    assert.doesNotMatch(shown ?? '', /\d+\.\d+\.\d+\.\d+/, 'no IP address is ever shown');
  });

  test('switching off says goodbye to the client, and the counts stay', async () => {
    await toggle().click();
    assert.equal(await toggle().getAttribute('aria-checked'), 'false');
    await net.client!.waitFor(/volunteer is leaving/); // the tab's GOODBYE (path-v1 §3)
    await net.client!.waitFor(/path \d+ closed/);
    await waitForState(page, 'off');
    const after = await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.stats);
    assert.equal(after.helping, 0);
    assert.ok(after.bytesRelayed >= size, 'bytes relayed stay counted after switching off');
    const states = await page.evaluate(() => (window as unknown as { seenStates: string[] }).seenStates);
    assert.deepEqual(states.slice(0, 1), ['connecting']);
    assert.ok(states.includes('helping'));
    assert.equal(states.at(-1), 'off');
    assert.deepEqual(await chromium.context.cookies(), []);
    assert.deepEqual(pageErrors, []);
  });

  test('with no volunteer left, the client says so and does not go direct', async () => {
    const refused = await viaHttpProxy(net.httpPort, `http://127.0.0.1:${target.port}/bytes/10`);
    assert.equal(refused.status, 502);
    assert.match(refused.body, /no volunteer/i);
  });
});
