/**
 * The widget as a private bridge (signaling-v1 §8) in real Chromium: `data-pairing` on the element, the
 * tag derived by the page's WebCrypto, matched through the real broker only by a client with the same
 * code. Real egress, broker and client processes from dist/. Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/widget/pairing.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { newPairingCode } from '../../src/signaling/pairing.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';
import { getViaSocks, seededSha, startTarget, viaHttpProxy } from '../helpers/http-target.js';
import { Network, type Proc } from '../helpers/network.js';
import { addWidget, type BridgeElement, shadowText, startHostPages, waitForState } from './host-page.js';

const MiB = 1024 * 1024;

describe('a widget with data-pairing in Chromium', () => {
  let net: Network;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let pages: Awaited<ReturnType<typeof startHostPages>>;
  let chromium: LaunchedChromium;
  let page: Page;
  const code = newPairingCode();
  const clients: Proc[] = [];
  const pageErrors: string[] = [];
  const stats = () => page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.stats);

  /** A `starling client` with these extra flags, once its proxies listen. */
  async function client(extra: string[]): Promise<{ proc: Proc; socks: number; http: number }> {
    const started = await net.runClient(`client ${extra.join(' ')}`, extra);
    clients.push(started.proc);
    return started;
  }

  before(async () => {
    net = await Network.start({ volunteers: 0, client: false });
    target = await startTarget();
    pages = await startHostPages();
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${pages.url}blank`);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.stop('SIGKILL')));
    await chromium?.close();
    await pages?.close();
    await target?.close();
    await net?.stop();
  });

  test('a mistyped code is a settings problem naming data-pairing', async () => {
    const typo = code.slice(0, 3) + (code[3] === 'Z' ? 'Y' : 'Z') + code.slice(4);
    await addWidget(page, {
      'data-broker': net.brokerUrl,
      'data-egress': net.egressUrl,
      'data-pairing': typo,
      'data-lang': 'en',
    });
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    await waitForState(page, 'error');
    assert.match(await shadowText(page, '.detail'), /^data-pairing: .*mistyped/);
  });

  test('with the right code the tab reaches the broker and waits', async () => {
    await addWidget(page, {
      'data-broker': net.brokerUrl,
      'data-egress': net.egressUrl,
      'data-pairing': code.toLowerCase(),
      'data-lang': 'en',
    });
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    await waitForState(page, 'waiting');
  });

  test('a client without the code, or with another, is never matched with the tab', async () => {
    const stranger = await client([]);
    const other = await client(['--pairing', newPairingCode(), '--paired-only']);
    for (const c of [stranger, other]) {
      const got = await viaHttpProxy(c.http, `http://127.0.0.1:${target.port}/bytes/10`);
      assert.equal(got.status, 502);
      assert.match(got.body, /no volunteer/i);
      await c.proc.stop();
    }
    assert.equal((await stats()).totalHelped, 0);
  });

  test('the client with the code fetches 2 MiB through the tab', async () => {
    const friend = await client(['--pairing', code, '--paired-only']);
    const got = await getViaSocks(friend.socks, '127.0.0.1', target.port, `/bytes/${2 * MiB}`);
    assert.equal(got.status, 200);
    assert.equal(got.sha, seededSha(2 * MiB));
    const after = await stats();
    assert.equal(after.totalHelped, 1);
    assert.ok(after.bytesRelayed >= 2 * MiB, `relayed ${after.bytesRelayed} bytes`);
    assert.deepEqual(pageErrors, []);
  });
});
