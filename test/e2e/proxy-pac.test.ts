/**
 * `/proxy.pac` in a real browser: Debian's Chromium with `--proxy-pac-url` pointing at the client's HTTP
 * proxy loads a page through the whole chain (client, Node volunteer, egress as processes).
 *
 * The page's server listens on the test namespace's veth address (198.18.0.1, scripts/netns.mjs), not on
 * loopback: the PAC file sends this machine's own addresses DIRECT, and Chromium bypasses proxies for
 * loopback anyway. That the load went through the tunnel is proven three ways: the request reached the
 * server in the shape our proxy forwards (`Connection: close`, one request per stream), the client's
 * --status counted the page's bytes, and with the client stopped the page does not load (no DIRECT fallback).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { networkInterfaces } from 'node:os';
import { after, before, test } from 'node:test';
import type { ClientStatus } from '../../src/client/status.js';
import { encodeKey } from '../../src/session/noise.js';
import { listen } from '../../src/shared/listen.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';
import { getJson } from '../helpers/http-target.js';
import { Network } from '../helpers/network.js';

const VETH = '198.18.0.1';
const hasVeth = Object.values(networkInterfaces()).some((addrs) => addrs?.some((a) => a.address === VETH));
const PAGE = `<!doctype html><title>through starling</title><p id="x">${'starling '.repeat(2000)}</p>`;

let net: Network;
let browser: LaunchedChromium;
let statusUrl: URL;
const seen: IncomingHttpHeaders[] = [];
const server = createServer((req, res) => {
  if (req.url === '/probe') {
    // A page that tries to run the PAC file as a script, to learn that its visitor runs Starling.
    const probe = `<!doctype html><title>probe</title><script src="http://127.0.0.1:${net.httpPort}/proxy.pac"></script>`;
    return void res.writeHead(200, { 'content-type': 'text/html' }).end(probe);
  }
  if (req.url !== '/page') return void res.writeHead(404).end();
  seen.push(req.headers);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(PAGE),
  });
  res.end(PAGE);
});
let pagePort = 0;

before(async () => {
  if (!hasVeth) return;
  pagePort = await listen(server, 0, VETH);
  net = await Network.start({ volunteers: 1, client: false });
  const client = await net.startClient(1, encodeKey(net.keys.publicKey), ['--status', '127.0.0.1:0']);
  statusUrl = new URL((await client.waitFor(/status on (http:\/\/\S+)/))[1]!);
  browser = await launchChromium({ args: [`--proxy-pac-url=http://127.0.0.1:${net.httpPort}/proxy.pac`] });
});

after(async () => {
  await browser?.close();
  await net?.stop();
  server.close();
});

const status = () => getJson<ClientStatus>(statusUrl);

test('Chromium with --proxy-pac-url loads a page through the tunnel', {
  skip: !hasVeth && 'needs the test namespace (198.18.0.1)',
}, async () => {
  const before = await status();
  const page = await browser.context.newPage();
  const res = await page.goto(`http://${VETH}:${pagePort}/page`);
  assert.equal(res?.status(), 200);
  assert.equal(await page.title(), 'through starling');
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.connection, 'close', 'forwarded by the HTTP proxy: one request per stream');
  assert.equal(seen[0]?.['proxy-connection'], undefined);
  const after = await status();
  assert.ok(after.volunteers >= 1);
  assert.ok(
    after.bytesDown - before.bytesDown >= PAGE.length,
    `down ${before.bytesDown} -> ${after.bytesDown}`,
  );
  await page.close();
});

test('a page cannot run /proxy.pac as a script (nosniff)', {
  skip: !hasVeth && 'needs the test namespace (198.18.0.1)',
}, async () => {
  const page = await browser.context.newPage();
  const served = page.waitForResponse((r) => r.url().endsWith('/proxy.pac'));
  await page.goto(`http://${VETH}:${pagePort}/probe`);
  assert.equal((await served).status(), 200, 'the browser did fetch it');
  assert.equal(
    await page.evaluate(() => typeof (globalThis as { FindProxyForURL?: unknown }).FindProxyForURL),
    'undefined',
  );
  await page.close();
});

test('with the client stopped the page does not load: no DIRECT fallback', {
  skip: !hasVeth && 'needs the test namespace (198.18.0.1)',
}, async () => {
  await net.client?.stop('SIGTERM');
  const page = await browser.context.newPage();
  const count = seen.length;
  await assert.rejects(
    page.goto(`http://${VETH}:${pagePort}/page?again`),
    /ERR_PROXY_CONNECTION_FAILED|ERR_/,
  );
  assert.equal(seen.length, count, 'the server saw no request');
  await page.close();
});
