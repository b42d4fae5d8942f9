/**
 * Issue 12, item 1: a client whose direct broker address is blocked still reaches the broker, through a front
 * (domain fronting) or with the GET encoding (signaling-v1 §9), and carries a transfer client -> volunteer ->
 * egress -> target. Debian's nginx stands in for the CDN: one TLS port answering for an innocent site
 * (`localhost`, the front) and for the broker (`127.77.0.1`, chosen by the Host header), with TLS certificates
 * of the test's own CA; the broker's own address is blocked by a firewall rule in this run's private network
 * namespace (a reset, as a censor injects one), so the test runs only there.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { caFetch } from '../../src/shared/ca-fetch.js';
import { BrokerClient } from '../../src/signaling/client.js';
import { getViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { clientArgs, type Proc, run } from '../helpers/network.js';
import { type RunningNginx, startNginx } from '../helpers/nginx.js';
import { makeTestCa, type TestCa } from '../helpers/tls-ca.js';

/** The broker's public address, which the censor blocks. Used by no other test. */
const BLOCKED = '127.77.0.1';
const KiB = 1024;
const inNamespace = process.env.STARLING_NETNS === '1';
const skip = inNamespace
  ? false
  : 'needs the private network namespace of npm test (as root) for its firewall rule';

const dir = mkdtempSync(join(tmpdir(), 'starling-front-'));
const keys = generateKeyPair();
const procs: Proc[] = [];
let ca: TestCa;
let caPem: string;
let nginx: RunningNginx | undefined;
let target: Awaited<ReturnType<typeof startTarget>> | undefined;
let brokerHttps = '';
let front = '';
const accessLog = join(dir, 'front.log');
let blocked = false;

function start(name: string, args: string[]): Proc {
  const p = run(name, args);
  procs.push(p);
  return p;
}

const rule = ['OUTPUT', '-d', BLOCKED, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'];

before(async () => {
  if (!inNamespace) return;
  ca = makeTestCa(dir, [BLOCKED]);
  caPem = readFileSync(ca.caFile, 'utf8');
  target = await startTarget();
  const keyFile = join(dir, 'key.json');
  await writeKeyFile(keyFile, keys);
  const egress = start('egress', ['egress', '--listen', '127.0.0.1:0', '--key', keyFile, '--allow-private']);
  const egressUrl = (await egress.waitFor(/listening on (ws:\/\/\S+)/))[1]!;
  const broker = start('broker', ['broker', '--listen', '127.0.0.1:0', '--egress', egressUrl]);
  const brokerHttp = (await broker.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  const brokerPort = Number(new URL(brokerHttp).port);
  const site = join(dir, 'site');
  mkdirSync(site);
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>An innocent site</title>');
  nginx = await startNginx(join(dir, 'nginx'), {
    servers: [
      // The CDN's port: the front's site, and the broker for requests whose Host names it.
      { root: site, serverName: 'localhost', accessLog },
      { proxyTo: brokerPort, timeout: '60s', serverName: BLOCKED, samePortAs: 0, accessLog },
      // The broker's own address, as clients reach it directly.
      { proxyTo: brokerPort, timeout: '60s', serverName: BLOCKED, address: BLOCKED },
    ],
    certFile: ca.certFile,
    keyFile: ca.keyFile,
    ca: caPem,
    bindAddress: '127.0.0.1',
  });
  front = `localhost:${nginx.ports[0]}`;
  brokerHttps = `https://${BLOCKED}:${nginx.ports[2]}/`;
  // Volunteers are outside the censored network: they poll the broker directly.
  start('volunteer', [
    'volunteer',
    '--broker',
    brokerHttp,
    '--allow-egress',
    egressUrl,
    '--ice-address',
    '127.0.0.1',
  ]);
  await procs.at(-1)!.waitFor(/waiting/);
});

after(async () => {
  if (blocked) execFileSync('iptables', ['-D', ...rule]);
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await nginx?.stop();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startClient(args: string[]): Proc {
  return start('client', [
    ...clientArgs(brokerHttps, encodeKey(keys.publicKey), {}, ['--ca', ca.caFile, '--front-ca', ca.caFile]),
    ...args,
  ]);
}

/** A transfer through the client, end to end; the client stops after. */
async function transfer(client: Proc): Promise<void> {
  const socks = Number((await client.waitFor(/SOCKS5 proxy on [\d.]+:(\d+)/))[1]);
  const got = await getViaSocks(socks, '127.0.0.1', target!.port, `/bytes/${256 * KiB}`);
  assert.equal(got.sha, seededSha(256 * KiB));
  await client.stop();
}

/** The front's access log lines since `from` (bytes): SNI, Host, method, path. */
function frontLog(from: number): string[] {
  return readFileSync(accessLog, 'utf8').slice(from).split('\n').filter(Boolean);
}
const logSize = () => readFileSync(accessLog, 'utf8').length;

test('the broker is reachable directly until the firewall blocks its address', { skip }, async () => {
  const info = () => new BrokerClient(brokerHttps, { fetch: caFetch(caPem), requestTimeoutMs: 5_000 }).info();
  assert.equal((await info()).egress.length, 1);
  execFileSync('iptables', ['-A', ...rule]);
  blocked = true;
  await assert.rejects(info(), { name: 'SignalingError', code: 'unreachable' });
});

test('blocked directly, a client gets a volunteer through the front; its state dir remembers', {
  skip,
}, async () => {
  assert.ok(blocked, 'the first test blocked the address');
  const state = join(dir, 'state-front');
  const from = logSize();
  const client = startClient(['--rendezvous', 'direct,front', '--front', front, '--state-dir', state]);
  await client.waitFor(/rendezvous: direct failed/);
  await client.waitFor(/rendezvous: reaching the broker by front/);
  await transfer(client);
  assert.deepEqual(JSON.parse(readFileSync(join(state, 'rendezvous.json'), 'utf8')), {
    v: 1,
    brokers: { [brokerHttps]: 'front' },
  });
  // What the front saw: TLS for the front's name, the broker only in the Host header inside.
  const lines = frontLog(from);
  assert.ok(lines.length > 0);
  // The client reads /v1/info once, for a sealing key (signaling-v1 §10; this broker has none) and its ICE
  // servers, and reports how its match went (§11).
  for (const line of lines)
    assert.match(
      line,
      new RegExp(`^localhost ${BLOCKED} (POST /v1/client/offer|POST /v1/client/outcome|GET /v1/info)$`),
    );
  assert.ok(lines.some((l) => l.endsWith('POST /v1/client/offer')));
  // Started again with the same state dir, it goes by the front at once.
  const again = startClient(['--rendezvous', 'direct,front', '--front', front, '--state-dir', state]);
  await transfer(again);
  assert.ok(!again.lines.some((l) => /rendezvous: direct failed/.test(l)), again.lines.join('\n'));
});

test('blocked directly, a client gets a volunteer by the GET encoding through the front', {
  skip,
}, async () => {
  assert.ok(blocked, 'the first test blocked the address');
  const from = logSize();
  const client = startClient(['--rendezvous', 'direct,get', '--front', front]);
  await client.waitFor(/rendezvous: reaching the broker by get/);
  await transfer(client);
  const lines = frontLog(from);
  assert.ok(lines.length > 0);
  const get = new RegExp(`^localhost ${BLOCKED} GET /v1/get/client/offer/[A-Za-z0-9_-]{22}/[A-Za-z0-9_-]+$`);
  // Besides, the one read of /v1/info for a sealing key (signaling-v1 §10), which is a GET already.
  for (const line of lines.filter((l) => !l.endsWith(' GET /v1/info'))) assert.match(line, get);
  assert.ok(lines.some((l) => get.test(l)));
});
