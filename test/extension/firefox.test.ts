/**
 * The Firefox build (MV2, the relay in the persistent background page) in Debian's Firefox ESR, installed
 * from its zip: configured on its options page, switched on from its popup, carrying a Node client's 4 MiB
 * with no popup open, and switched off with a goodbye. Skipped, saying so, where Firefox ESR is not installed
 * (apt-get install firefox-esr). Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/extension/firefox.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeKey } from '../../src/session/noise.js';
import { getViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';
import { eventually } from './browser.js';
import { FIREFOX_PATH, Firefox } from './marionette.js';

const MiB = 1024 * 1024;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VERSION = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;
const XPI = {
  file: `${ROOT}dist/extension/starling-bridge-firefox-${VERSION}.zip`,
  id: 'starling-bridge@starling.invalid',
  uuid: '0b7e9b9e-5c8a-4d3e-9a55-5f1d2c3b4a69',
};
const BASE = `moz-extension://${XPI.uuid}/`;
const bridge = "document.querySelector('starling-bridge')";
const missing = existsSync(FIREFOX_PATH)
  ? false
  : `${FIREFOX_PATH} is not installed (apt-get install firefox-esr)`;

describe('the Firefox extension as the only volunteer', { skip: missing }, () => {
  let net: Network;
  let target: Awaited<ReturnType<typeof startTarget>>;
  const firefox = new Firefox();

  before(async () => {
    // The client starts once the popup shows 'waiting' (as in extension.test.ts): one already retrying
    // could take the relay first, and 'waiting' would be over before the test looked.
    net = await Network.start({ volunteers: 0, paths: 1, client: false });
    target = await startTarget();
    await firefox.start(XPI, {
      // The lab only: Firefox hides host candidates behind mDNS names, which the Node client cannot resolve
      // in the namespace, and leaves out loopback, where the client listens. The widget on a plain page
      // in this Firefox cannot reach the client without these either.
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.peerconnection.ice.loopback': true,
    });
  });

  after(async () => {
    await firefox.close();
    await target?.close();
    await net?.stop();
  });

  test('the options page saves the broker and egress', async () => {
    await firefox.open(`${BASE}options.html`);
    await firefox.run(`
      document.getElementById('data-broker').value = ${JSON.stringify(net.brokerUrl)};
      document.getElementById('data-egress').value = ${JSON.stringify(net.egressUrl)};
      document.querySelector('button[type=submit]').click();`);
    await firefox.until(`/^Saved/.test(document.getElementById('message').textContent)`);
  });

  test('switched on from the popup, the background page relays 4 MiB with no popup open', async () => {
    await firefox.open(`${BASE}popup.html`);
    await firefox.run(`${bridge}.shadowRoot.querySelector('button[role=switch]').click();`);
    await firefox.until(`${bridge}.state.state === 'waiting'`);
    await net.startClient(1, encodeKey(net.keys.publicKey));
    await firefox.open('about:blank');
    const got = await getViaSocks(net.socksPort, '127.0.0.1', target.port, `/bytes/${4 * MiB}`);
    assert.equal(got.status, 200);
    assert.equal(got.sha, seededSha(4 * MiB));
    await firefox.open(`${BASE}popup.html`);
    await firefox.until(`${bridge}.stats.bytesRelayed >= ${4 * MiB}`);
    const shown = await firefox.run<{ state: string; helping: number; total: number }>(
      `return { state: ${bridge}.state.state, helping: ${bridge}.stats.helping, total: ${bridge}.stats.totalHelped };`,
    );
    assert.deepEqual(shown, { state: 'helping', helping: 1, total: 1 });
  });

  test('switched off from the popup, the path says goodbye', async () => {
    const leaving = () => net.client!.lines.filter((l) => /volunteer is leaving/.test(l)).length;
    const before = leaving();
    await firefox.run(`${bridge}.shadowRoot.querySelector('button[role=switch]').click();`);
    await eventually('goodbye', async () => leaving() > before);
    await firefox.until(`${bridge}.state.state === 'off'`);
  });
});
