/**
 * A real deployment shape on loopback (docs/deploy.md, "Behind nginx"): the egress and the broker each
 * behind Debian's nginx with TLS certificates of the test's own CA, `wss://` and `https://`; a client and a
 * Node volunteer that trust that CA (`--ca`), the widget served from another origin (a third nginx site) in
 * Chromium, trusting the server key by its SPKI hash; a transfer end to end through each volunteer. The
 * egress and the broker take X-Forwarded-For only from nginx's address (`--proxy-address`), so their
 * per-source caps see each client, and nobody can pick their own source by sending the header directly.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { PATH_SUBPROTOCOL } from '../../src/shared/path.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';
import { getViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { clientArgs, type Proc, run } from '../helpers/network.js';
import { type RunningNginx, startNginx } from '../helpers/nginx.js';
import { makeTestCa, type TestCa } from '../helpers/tls-ca.js';
import { type BridgeElement, BUNDLE } from '../widget/host-page.js';

const MiB = 1024 * 1024;
/** The egress's secret WebSocket path (`--path`). */
const PATH = '/p-6f1c0e';
/** nginx connects to the broker and the egress from here (`proxy_bind`); they trust only it. */
const PROXY = '127.0.0.2';
const PER_SOURCE = 4;

const dir = mkdtempSync(join(tmpdir(), 'starling-nginx-'));
const keys = generateKeyPair();
let ca: TestCa;
let caPem: string;
let target: Awaited<ReturnType<typeof startTarget>>;
const procs: Proc[] = [];
const proxies: RunningNginx[] = [];
let egressWss = '';
let brokerHttps = '';
let siteHttps = '';
let chromium: LaunchedChromium | undefined;

function start(name: string, args: string[]): Proc {
  const p = run(name, args);
  procs.push(p);
  return p;
}

async function nginx(name: string, servers: Parameters<typeof startNginx>[1]['servers']) {
  const n = await startNginx(join(dir, name), {
    servers,
    certFile: ca.certFile,
    keyFile: ca.keyFile,
    ca: caPem,
    bindAddress: PROXY,
  });
  proxies.push(n);
  return n.ports;
}

before(async () => {
  ca = makeTestCa(dir);
  caPem = readFileSync(ca.caFile, 'utf8');
  target = await startTarget();
  const keyFile = join(dir, 'key.json');
  await writeKeyFile(keyFile, keys);
  const egress = start('egress', [
    'egress',
    '--listen',
    '127.0.0.1:0',
    '--key',
    keyFile,
    '--allow-private',
    '--path',
    PATH,
    '--trusted-proxies',
    '1',
    '--proxy-address',
    PROXY,
    '--max-paths-per-source',
    String(PER_SOURCE),
  ]);
  const egressPort = Number((await egress.waitFor(/listening on ws:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  const site = join(dir, 'site');
  mkdirSync(site);
  copyFileSync(BUNDLE, join(site, 'starling-bridge.js'));
  const [egressTls, siteTls] = await nginx('nginx-egress', [
    { proxyTo: egressPort, timeout: '1h' },
    { root: site },
  ]);
  egressWss = `wss://127.0.0.1:${egressTls}${PATH}`;
  siteHttps = `https://127.0.0.1:${siteTls}/`;
  const broker = start('broker', [
    'broker',
    '--listen',
    '127.0.0.1:0',
    '--egress',
    egressWss,
    '--trusted-proxies',
    '1',
    '--proxy-address',
    PROXY,
  ]);
  const brokerPort = Number((await broker.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  const [brokerTls] = await nginx('nginx-broker', [{ proxyTo: brokerPort, timeout: '60s' }]);
  brokerHttps = `https://127.0.0.1:${brokerTls}/`;
  writeFileSync(
    join(site, 'index.html'),
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A news site</title>` +
      `<script src="/starling-bridge.js" defer></script></head><body><p>An article.</p>` +
      `<starling-bridge data-broker="${brokerHttps}" data-egress="${egressWss}"></starling-bridge></body></html>`,
  );
});

after(async () => {
  await chromium?.close();
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await Promise.all(proxies.map((n) => n.stop()));
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startClient(): Promise<{ proc: Proc; socks: number }> {
  const client = start('client', clientArgs(brokerHttps, encodeKey(keys.publicKey), {}, ['--ca', ca.caFile]));
  const m = await client.waitFor(/SOCKS5 proxy on [\d.]+:(\d+)/);
  return { proc: client, socks: Number(m[1]) };
}

test('without the test CA, TLS to the broker fails: certificates are really checked', async () => {
  const status = await new Promise<string>((resolve) => {
    const req = request(new URL('/v1/info', brokerHttps), (res) => resolve(String(res.statusCode)));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    req.end();
  });
  assert.match(status, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/);
});

test('a Node volunteer and a client with --ca carry a transfer over https:// and wss:// through nginx', async () => {
  const volunteer = start('volunteer', [
    'volunteer',
    '--broker',
    brokerHttps,
    '--allow-egress',
    egressWss,
    '--ca',
    ca.caFile,
    '--ice-address',
    '127.0.0.1',
  ]);
  await volunteer.waitFor(/waiting/);
  const client = await startClient();
  const got = await getViaSocks(client.socks, '127.0.0.1', target.port, `/bytes/${4 * MiB}`);
  assert.equal(got.sha, seededSha(4 * MiB));
  await client.proc.stop();
  await volunteer.stop();
});

test('the widget on another origin, in Chromium trusting the SPKI, relays a transfer', async () => {
  chromium = await launchChromium({ args: [`--ignore-certificate-errors-spki-list=${ca.spki}`] });
  const page: Page = await chromium.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(siteHttps);
  await page.getByRole('switch', { name: 'Be a bridge' }).click();
  await page.waitForFunction(
    () => document.querySelector<BridgeElement>('starling-bridge')?.state.state === 'waiting',
  );
  const client = await startClient();
  const got = await getViaSocks(client.socks, '127.0.0.1', target.port, `/bytes/${4 * MiB}`);
  assert.equal(got.sha, seededSha(4 * MiB));
  const stats = await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.stats);
  assert.equal(stats.totalHelped, 1);
  assert.ok(stats.bytesRelayed >= 4 * MiB);
  assert.deepEqual(errors, []);
  await client.proc.stop();
});

/** A WebSocket upgrade on the egress's path: 'open' or the refusing status. */
function openPath(url: string, localAddress: string, forwardedFor: string): Promise<WebSocket | number> {
  const ws = new WebSocket(url, PATH_SUBPROTOCOL, {
    perMessageDeflate: false,
    ca: caPem,
    localAddress,
    headers: { 'x-forwarded-for': forwardedFor },
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

test('the egress counts each client nginx forwards, and nobody can choose their own source', async () => {
  const open: WebSocket[] = [];
  const upstream = (await procs[0]!.waitFor(/listening on (ws:\/\/\S+?)\//))[1]!;
  const direct = `${upstream}${PATH}`;
  try {
    // Through nginx from 127.0.0.4: a header the client sends is left of nginx's entry, and ignored.
    for (let i = 0; i < PER_SOURCE; i++) {
      const ws = await openPath(egressWss, '127.0.0.4', `198.51.100.${i + 1}`);
      assert.ok(typeof ws !== 'number', `path ${i} via nginx refused with ${ws}`);
      open.push(ws);
    }
    assert.equal(await openPath(egressWss, '127.0.0.4', '198.51.100.99'), 503, '127.0.0.4 is full');
    // Another client through the same nginx is another source: the egress does not see nginx's address.
    const other = await openPath(egressWss, '127.0.0.5', '127.0.0.4');
    assert.ok(typeof other !== 'number', `another client refused with ${other}`);
    open.push(other);
    // Around nginx, straight to the egress: the header is not believed, the peer is one source.
    for (let i = 0; i < PER_SOURCE; i++) {
      const ws = await openPath(direct, '127.0.0.3', `203.0.113.${i + 1}`);
      assert.ok(typeof ws !== 'number', `direct path ${i} refused with ${ws}`);
      open.push(ws);
    }
    assert.equal(await openPath(direct, '127.0.0.3', '203.0.113.99'), 503, 'spoofed sources are one');
  } finally {
    for (const ws of open) ws.terminate();
  }
});

test('the broker rate-limits each forwarded client on its own', async () => {
  const info = (localAddress: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(new URL('/v1/info', brokerHttps), { ca: caPem, localAddress }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  const statuses: number[] = [];
  // Until the bucket (20, refilled at 5/s) is empty, however slow the machine.
  while (!statuses.includes(429) && statuses.length < 1000) statuses.push(await info('127.0.0.6'));
  assert.ok(statuses.includes(429), `statuses ${statuses.join(',')}`);
  assert.equal(await info('127.0.0.7'), 200, 'another client behind the same nginx has its own bucket');
});
