/**
 * The widget sealing its signaling with the page's WebCrypto (signaling-v1 §10) in real Chromium: a broker
 * with `--key` behind a recording front (test/helpers/recording-front.ts), the widget pinning the key with
 * `data-broker-key`, a client pinning it too. The client carries traffic through the tab, and the front saw
 * only fixed-size ciphertext. Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/widget/sealed.test.ts
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { SEALED_SIZES } from '../../src/signaling/sealed.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';
import { getViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { Network, type Proc } from '../helpers/network.js';
import { startRecordingFront } from '../helpers/recording-front.js';
import { addWidget, type BridgeElement, shadowText, startHostPages, waitForState } from './host-page.js';

const MiB = 1024 * 1024;

describe('a widget sealing its signaling in Chromium', () => {
  const brokerKeys = generateKeyPair();
  const BROKER_KEY = encodeKey(brokerKeys.publicKey);
  let dir = '';
  let net: Network;
  let front: Awaited<ReturnType<typeof startRecordingFront>>;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let pages: Awaited<ReturnType<typeof startHostPages>>;
  let chromium: LaunchedChromium;
  let page: Page;
  let client: Proc | undefined;
  const pageErrors: string[] = [];
  const stats = () => page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.stats);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'starling-sealed-widget-'));
    const keyFile = join(dir, 'broker.key');
    await writeKeyFile(keyFile, brokerKeys);
    net = await Network.start({
      volunteers: 0,
      client: false,
      brokerArgs: ['--key', keyFile],
      brokerFront: async (url) => {
        front = await startRecordingFront(url);
        return front.url;
      },
    });
    target = await startTarget();
    pages = await startHostPages();
    chromium = await launchChromium();
    page = await chromium.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${pages.url}blank`);
  });

  after(async () => {
    await client?.stop('SIGKILL');
    await chromium?.close();
    await pages?.close();
    await target?.close();
    await net?.stop();
    await front?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('a malformed data-broker-key is a settings problem naming it', async () => {
    await addWidget(page, {
      'data-broker': net.brokerUrl,
      'data-egress': net.egressUrl,
      'data-broker-key': 'not-a-key',
      'data-lang': 'en',
    });
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    await waitForState(page, 'error');
    assert.match(await shadowText(page, '.detail'), /^data-broker-key must be 43 characters/);
  });

  test('with the pinned key the tab polls sealed, and a pinned client fetches 1 MiB through it', async () => {
    await addWidget(page, {
      'data-broker': net.brokerUrl,
      'data-egress': net.egressUrl,
      'data-broker-key': BROKER_KEY,
      'data-lang': 'en',
    });
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    await waitForState(page, 'waiting');
    const started = await net.runClient('client', ['--broker-key', BROKER_KEY]);
    client = started.proc;
    const got = await getViaSocks(started.socks, '127.0.0.1', target.port, `/bytes/${MiB}`);
    assert.equal(got.status, 200);
    assert.equal(got.sha, seededSha(MiB));
    assert.equal((await stats()).totalHelped, 1);
    assert.deepEqual(pageErrors, []);
  });

  test('the front saw the tab and the client only as fixed-size ciphertext', () => {
    // text/plain is CORS-safelisted: the browser asks no preflight (an OPTIONS round trip) first.
    assert.deepEqual(
      front.seen.filter((s) => s.method === 'OPTIONS').map((s) => s.path),
      [],
      'no CORS preflight (signaling-v1 §1)',
    );
    const sealed = front.seen.filter((s) => s.path === '/v1/sealed' && s.method === 'POST');
    assert.ok(sealed.length >= 3, `a poll, an offer and an answer at least, saw ${sealed.length}`);
    for (const s of sealed) {
      assert.equal(s.status, 200);
      for (const body of [s.request, s.response]) {
        assert.ok((SEALED_SIZES as readonly number[]).includes(body.length), `a ${body.length}-byte body`);
        const text = body.toString('latin1');
        for (const leak of ['198.18.', '127.0.0.1', 'candidate', 'a=fingerprint', '"nat"', '"sdp"'])
          assert.ok(!text.includes(leak), `"${leak}" in a body the front saw`);
      }
    }
    const plain = front.seen.filter((s) => s.path !== '/v1/sealed' && s.method === 'POST');
    assert.deepEqual(plain, [], 'no plain poll, answer or offer');
  });
});
