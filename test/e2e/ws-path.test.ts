/**
 * The direct path (path-v1 §6) when WebRTC is blocked, with real processes: an egress behind Debian's nginx
 * acting as a front (its default site is the front's own; the egress is a second virtual host on the same
 * port, reached only by its name in the Host header), TLS certificates of the test's own CA, a broker, and a
 * client with `--ws-path fallback --ws-front`. WebRTC is blocked as a censor blocks it, by a firewall rule
 * dropping all UDP (in the test run's own network namespace; where there is none, no volunteer runs until
 * the "unblock", so the data channels fail all the same). After --ws-fallback-after the client carries its
 * session over a WebSocket through the front; once WebRTC passes again a volunteer path takes over and the
 * direct path is dropped under a running download, which arrives whole; the volunteer going brings the
 * direct path back.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { getViaSocks, seededSha, socksConnect, startTarget } from '../helpers/http-target.js';
import { clientArgs, type Proc, run } from '../helpers/network.js';
import { type RunningNginx, startNginx } from '../helpers/nginx.js';
import { makeTestCa, type TestCa } from '../helpers/tls-ca.js';

const MiB = 1024 * 1024;
/** The egress's secret WebSocket path (`--path`). */
const PATH = '/p-9d2a41';
/** The egress's name behind the front: only the Host header says it; SNI and the certificate say the front's. */
const EGRESS_HOST = 'egress.starling.test';
/** nginx connects to the egress from here (`proxy_bind`); the egress trusts X-Forwarded-For only from it. */
const PROXY = '127.0.0.2';
const FALLBACK_AFTER_MS = 1500;
/** The firewall rule that blocks WebRTC: all UDP in, in this test run's own namespace only. */
const DROP_UDP = [
  'INPUT',
  '-p',
  'udp',
  '-m',
  'comment',
  '--comment',
  `starling-wspath-${process.pid}`,
  '-j',
  'DROP',
];
const canFirewall = process.env.STARLING_NETNS === '1';

const dir = mkdtempSync(join(tmpdir(), 'starling-wspath-'));
const keys = generateKeyPair();
let ca: TestCa;
let caPem: string;
let target: Awaited<ReturnType<typeof startTarget>>;
const procs: Proc[] = [];
let front: RunningNginx | undefined;
let frontPort = 0;
let egressWs = '';
let brokerUrl = '';

function start(name: string, args: string[]): Proc {
  const p = run(name, args);
  procs.push(p);
  return p;
}

/** Resolves when `proc` has printed its `n`-th line matching `re` (counting the lines it printed before). */
async function nthLine(proc: Proc, re: RegExp, n: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (proc.lines.filter((l) => re.test(l)).length < n) {
    if (Date.now() > deadline)
      throw new Error(`${re} seen fewer than ${n} times:\n${proc.lines.slice(-15).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
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
  ]);
  const egressPort = Number((await egress.waitFor(/listening on ws:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  egressWs = `ws://127.0.0.1:${egressPort}${PATH}`;
  const site = join(dir, 'front-site');
  mkdirSync(site);
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>A front</title><p>Cat pictures.</p>');
  front = await startNginx(join(dir, 'nginx'), {
    servers: [
      { root: site, serverName: 'localhost' },
      { proxyTo: egressPort, timeout: '1h', serverName: EGRESS_HOST, samePortAs: 0 },
    ],
    certFile: ca.certFile,
    keyFile: ca.keyFile,
    ca: caPem,
    bindAddress: PROXY,
  });
  frontPort = front.ports[0]!;
  // Volunteers are outside the censored network: they reach the egress directly.
  const broker = start('broker', ['broker', '--listen', '127.0.0.1:0', '--egress', egressWs]);
  brokerUrl = (await broker.waitFor(/listening on (http:\/\/\S+)/))[1]!;
});

/** Blocks UDP (scripts/netns.mjs made this namespace for the run); false where there is no namespace. */
function blockWebRtc(): boolean {
  if (!canFirewall) return false;
  execFileSync('iptables', ['-w', '-I', ...DROP_UDP], { stdio: ['ignore', 'ignore', 'pipe'] });
  return true;
}

function unblockWebRtc(): void {
  if (!canFirewall) return;
  try {
    execFileSync('iptables', ['-w', '-D', ...DROP_UDP], { stdio: 'ignore' });
  } catch {
    // not in force
  }
}

after(async () => {
  unblockWebRtc();
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await front?.stop();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startClient(): Proc {
  return start('client', [
    ...clientArgs(brokerUrl, encodeKey(keys.publicKey)),
    '--ca',
    ca.caFile,
    '--ws-path',
    'fallback',
    '--ws-url',
    `wss://${EGRESS_HOST}${PATH}`,
    '--ws-front',
    `localhost:${frontPort}`,
    '--ws-fallback-after',
    String(FALLBACK_AFTER_MS),
  ]);
}

function startVolunteer(): Proc {
  return start('volunteer', [
    'volunteer',
    '--broker',
    brokerUrl,
    '--allow-egress',
    egressWs,
    '--ice-address',
    '127.0.0.1',
  ]);
}

/** GET `path` on the front with `host` in the Host header (SNI is always the front's, localhost). */
function throughFront(host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: 'localhost', port: frontPort, path, servername: 'localhost', ca: caPem, headers: { host } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the front serves its own site; only the Host header reaches the egress, which answers as a web server', async () => {
  const own = await throughFront('localhost', '/');
  assert.equal(own.status, 200);
  assert.match(own.body, /Cat pictures/);
  const ofEgress = await throughFront(EGRESS_HOST, PATH);
  assert.equal(ofEgress.status, 404, 'the egress takes only upgrades with its subprotocol on its path');
  assert.doesNotMatch(ofEgress.body, /Cat pictures/);
});

/**
 * A download through SOCKS5 that the test reads in steps: `readUntil(n)` reads until n body bytes have
 * come, then stops reading (the stream's credit window then stops the egress), `finish()` reads the rest.
 */
async function steppedDownload(socksPort: number, bytes: number) {
  const s = await socksConnect(socksPort, '127.0.0.1', target.port);
  s.write(`GET /bytes/${bytes} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  let inBody = false;
  let got = 0;
  let want = 0;
  let wake: (() => void) | undefined;
  let failed: Error | undefined;
  s.on('data', (d: Buffer) => {
    if (!inBody) {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      inBody = true;
      d = head.subarray(end + 4);
    }
    hash.update(d);
    got += d.length;
    if (got >= want) {
      s.pause();
      wake?.();
    }
  });
  s.on('error', (e) => {
    failed = e;
    wake?.();
  });
  s.on('close', () => wake?.());
  const readUntil = (n: number) =>
    new Promise<number>((resolve, reject) => {
      want = n;
      wake = () => (failed ? reject(failed) : resolve(got));
      if (got >= n) return resolve(got);
      s.resume();
    });
  return {
    readUntil,
    async finish(): Promise<{ sha: string; bytes: number }> {
      await readUntil(Number.POSITIVE_INFINITY);
      return { sha: hash.digest('hex'), bytes: got };
    },
  };
}

test('data channels blocked: the direct path through the front carries a session; a download keeps going while volunteers come and go', async () => {
  const firewall = blockWebRtc();
  let volunteer = firewall ? startVolunteer() : undefined;
  if (volunteer) await volunteer.waitFor(/polling/);
  const client = startClient();
  const socks = Number((await client.waitFor(/SOCKS5 proxy on [\d.]+:(\d+)/))[1]);
  // Every WebRTC path attempt fails (the volunteer answers, but no data channel opens through the firewall),
  // and after the fallback delay the direct path is up.
  await client.waitFor(firewall ? /path attempt failed: volunteer not reachable/ : /path attempt failed/);
  await client.waitFor(/path \d+ up: the direct WebSocket path/);
  assert.ok(!client.lines.some((l) => /up through volunteer/.test(l)), 'no data channel got through');
  const first = await getViaSocks(socks, '127.0.0.1', target.port, `/bytes/${4 * MiB}`);
  assert.equal(first.sha, seededSha(4 * MiB));

  const total = 16 * MiB;
  const download = await steppedDownload(socks, total);
  assert.ok((await download.readUntil(2 * MiB)) < total);
  // WebRTC passes again: the client takes a volunteer and drops the direct path while the download runs;
  // what the direct path had not delivered is resent on the volunteer's, and the rest comes that way.
  // A new volunteer comes: the one whose data channel failed behind the firewall is excluded for a while
  // (issue 10, "fail fast"), as a volunteer that failed should be.
  unblockWebRtc();
  const blocked = volunteer;
  volunteer = startVolunteer();
  await volunteer.waitFor(/polling/);
  await blocked?.stop('SIGTERM');
  await client.waitFor(/path \d+ up through volunteer/, 30_000);
  await client.waitFor(/a volunteer is back, dropping the direct path/);
  const done = await download.finish();
  assert.equal(done.bytes, total);
  assert.equal(done.sha, seededSha(total));
  // The volunteer goes (killed, no GOODBYE): no volunteer left, and the direct path comes back.
  await volunteer.stop('SIGKILL');
  await nthLine(client, /up: the direct WebSocket path/, 2);
  const again = await getViaSocks(socks, '127.0.0.1', target.port, `/bytes/${4 * MiB}`);
  assert.equal(again.sha, seededSha(4 * MiB));
  await client.stop();
});
