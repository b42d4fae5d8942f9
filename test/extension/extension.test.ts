/**
 * The Chromium extension end to end: the unpacked build in real Chromium, configured on its options page,
 * switched on from its popup (the widget's own element, driving the relay in the offscreen document), carrying
 * a Node client's transfers through a real egress and broker; the service worker recreating a closed relay
 * document; the relay on again after a browser restart; the badge following it all. Run inside the private
 * network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/extension/extension.test.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { POPUP_STRINGS } from '../../src/extension/popup-strings.js';
import { encodeKey } from '../../src/session/noise.js';
import { getViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';
import { type BridgeElement, shadowText, waitForState } from '../widget/host-page.js';
import { ExtensionBrowser, eventually } from './browser.js';

const MiB = 1024 * 1024;
const SCREENSHOTS = fileURLToPath(new URL('../../artifacts/screenshots/', import.meta.url));

describe('the Chromium extension as the only volunteer', () => {
  let net: Network;
  let target: Awaited<ReturnType<typeof startTarget>>;
  const browser = new ExtensionBrowser();
  let popup: Page;
  const toggle = () => popup.getByRole('switch', { name: 'Be a bridge' });
  const popupStats = () =>
    popup.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.stats);
  /** Lines of the client's log saying a path came up. */
  const pathsUp = () => net.client!.lines.filter((l) => / up through volunteer /.test(l)).length;

  async function fetchThrough(size: number): Promise<void> {
    const got = await getViaSocks(net.socksPort, '127.0.0.1', target.port, `/bytes/${size}`);
    assert.equal(got.status, 200);
    assert.equal(got.bytes, size);
    assert.equal(got.sha, seededSha(size));
  }

  before(async () => {
    // The client starts once the badge has been seen waiting: a client already retrying would take the
    // volunteer the moment it reaches the broker, and the badge would say "1", not "on", before anyone looked.
    net = await Network.start({ volunteers: 0, paths: 1, client: false });
    target = await startTarget();
    await browser.launch();
  });

  after(async () => {
    await browser.dispose();
    await target?.close();
    await net?.stop();
  });

  test('the options page refuses settings that cannot work and saves those that can', async () => {
    const options = await browser.open('options.html');
    await options.fill('#data-broker', 'ftp://broker.invalid/');
    await options.click('button[type=submit]');
    await eventually('refusal', () => options.textContent('#message'));
    assert.match(
      (await options.textContent('#message')) ?? '',
      /^Not saved: Broker must be an http\(s\) URL/,
    );
    assert.equal((await browser.stored()).settings, undefined, 'nothing was saved');
    await options.fill('#data-broker', net.brokerUrl);
    await options.fill('#data-egress', 'https://not-a-websocket.invalid/');
    await options.click('button[type=submit]');
    await eventually('refusal', async () => /egress/i.test((await options.textContent('#message')) ?? ''));
    assert.equal((await browser.stored()).settings, undefined, 'nothing was saved');
    await options.fill('#data-egress', net.egressUrl);
    await options.fill('#data-pairing', 'ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-2345');
    await options.click('button[type=submit]');
    await eventually('refusal', async () =>
      /Pairing code/.test((await options.textContent('#message')) ?? ''),
    );
    assert.match(
      (await options.textContent('#message')) ?? '',
      /^Not saved: Pairing code: this pairing code does not check out: a letter or digit is mistyped/,
    );
    assert.equal((await browser.stored()).settings, undefined, 'nothing was saved');
    await options.fill('#data-pairing', '');
    await options.fill('#data-max-clients', '4');
    await options.click('button[type=submit]');
    await eventually('saved', async () => /^Saved/.test((await options.textContent('#message')) ?? ''));
    assert.deepEqual((await browser.stored()).settings, {
      'data-broker': net.brokerUrl,
      'data-egress': net.egressUrl,
      'data-max-clients': '4',
    });
    await options.close();
  });

  test('switched on from the popup, the relay runs in one offscreen document', async () => {
    assert.deepEqual(await browser.relayDocuments(), [], 'no relay document while off');
    assert.equal(await browser.badge(), '');
    popup = await browser.open('popup.html');
    assert.equal(await toggle().getAttribute('aria-checked'), 'false');
    await toggle().click();
    assert.equal(await toggle().getAttribute('aria-checked'), 'true');
    // No tab to keep open: the popup says so in its own words (data-strings), not the widget's tab hint.
    assert.equal(await shadowText(popup, '.hint'), POPUP_STRINGS.en.hint);
    await waitForState(popup, 'waiting');
    assert.equal((await browser.relayDocuments()).length, 1);
    assert.equal((await browser.stored()).on, true);
    await eventually('badge on', async () => (await browser.badge()) === 'on');
  });

  test('a Node client fetches 8 MiB through the extension; popup and badge show it', async () => {
    await net.startClient(1, encodeKey(net.keys.publicKey));
    await fetchThrough(8 * MiB);
    await waitForState(popup, 'helping');
    // The popup shows the relay document's counts, sent on changes and once a stats period while helping.
    const stats = await eventually('8 MiB counted', async () => {
      const now = await popupStats();
      return now.bytesRelayed >= 8 * MiB ? now : null;
    });
    assert.equal(stats.helping, 1);
    assert.equal(stats.totalHelped, 1);
    assert.equal(await shadowText(popup, '.status'), 'You are helping 1 person right now.');
    await eventually('badge 1', async () => (await browser.badge()) === '1');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await popup.setViewportSize({ width: 420, height: 600 });
    await popup.waitForFunction(() =>
      /MB$/.test(
        document.querySelector('starling-bridge')?.shadowRoot?.querySelectorAll('.stats dd')[2]
          ?.textContent ?? '',
      ),
    );
    await popup.locator('body').screenshot({ path: `${SCREENSHOTS}extension-popup.png` });
  });

  test('the service worker recreates a closed relay document, which serves again', async () => {
    const [before] = await browser.relayDocuments();
    const up = pathsUp();
    await browser.closeRelayDocument();
    const recreated = await eventually('a new relay document', async () => {
      const ids = await browser.relayDocuments();
      return ids.length === 1 && ids[0] !== before ? ids[0] : null;
    });
    assert.notEqual(recreated, before);
    await net.client!.waitFor(/path \d+ closed/);
    await eventually('the client on a new path', async () => pathsUp() > up);
    await fetchThrough(4 * MiB);
    await eventually('badge 1', async () => (await browser.badge()) === '1');
    assert.equal((await popupStats()).helping, 1, 'the popup follows the new document');
  });

  test('after a browser restart the relay is on again and serves', async () => {
    const up = pathsUp();
    await browser.close();
    await browser.launch();
    await eventually(
      'a relay document after restart',
      async () => (await browser.relayDocuments()).length === 1,
    );
    await eventually('the client on a new path', async () => pathsUp() > up);
    await fetchThrough(4 * MiB);
    popup = await browser.open('popup.html');
    await waitForState(popup, 'helping');
    assert.equal(await toggle().getAttribute('aria-checked'), 'true');
    assert.ok((await popupStats()).totalHelped >= 3, 'people helped survive the restart');
  });

  test('switched off from the popup, the paths say goodbye and the document is closed', async () => {
    const leaving = net.client!.lines.filter((l) => /volunteer is leaving/.test(l)).length;
    await toggle().click();
    assert.equal(await toggle().getAttribute('aria-checked'), 'false');
    await eventually(
      'goodbye',
      async () => net.client!.lines.filter((l) => /volunteer is leaving/.test(l)).length > leaving,
    );
    await eventually('no relay document', async () => (await browser.relayDocuments()).length === 0);
    await waitForState(popup, 'off');
    assert.equal(await browser.badge(), '');
    assert.equal((await browser.stored()).on, false);
    assert.deepEqual(await browser.context!.cookies(), []);
  });
});
