/**
 * `starling client`'s supervisor (src/cli/supervise.ts) with real processes: a client whose event loop
 * blocks for good (as in libdatachannel's deadlock, docs/lab.md; here the test-only STARLING_TEST_HANG_ONCE)
 * is killed, its app connections are reset rather than left hanging, and a new client on the same ports
 * serves again. Its own exits pass through unrestarted; SIGTERM stops it cleanly; without its supervisor the
 * client does not stay.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { getViaSocks, startTarget } from '../helpers/http-target.js';
import { BIN, clientArgs, Network, Proc, run, TEST_ENV } from '../helpers/network.js';
import { until } from '../helpers/until.js';

const PROXIES = /SOCKS5 proxy on [\d.]+:(\d+), HTTP proxy on [\d.]+:(\d+)/;

/** The supervised client's process: the supervisor's only child. */
function childOf(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean);
  assert.equal(children.length, 1, `one child of the supervisor: ${children.join(' ')}`);
  return Number(children[0]);
}

/** Whether `pid` runs (a zombie waiting for its reaper does not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('a hung client is killed, its streams reset, and a new one serves on the same ports', async () => {
  const target = await startTarget();
  const net = await Network.start({ volunteers: 2, client: false });
  const marker = join(net.dir, 'hung');
  const args = clientArgs(net.brokerUrl, encodeKey(net.keys.publicKey), { paths: 1 });
  const env = { ...TEST_ENV, STARLING_TEST_HANG_ONCE: marker };
  const client = new Proc(
    'client',
    spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env }),
  );
  try {
    const [, socks, http] = await client.waitFor(PROXIES);
    // The first child blocks its event loop once a stream is open: this download stops mid-way.
    const download = getViaSocks(
      Number(socks),
      '127.0.0.1',
      target.port,
      `/bytes/${1024 * 1024 * 1024}`,
    ).then(
      (r) => r,
      (e: Error) => e,
    );
    await until(() => existsSync(marker), 'the first client to hang', 20_000);
    const hungPid = Number(readFileSync(marker, 'utf8'));
    const restarted = await client.waitFor(/no heartbeat for 10 s: hung, .*deadlock.* same ports/, 20_000);
    assert.match(restarted[0], /connections were reset/);
    assert.equal(alive(hungPid), false, 'the hung child is gone');
    const reset = await download;
    assert.ok(
      reset instanceof Error || reset.bytes < 1024 * 1024 * 1024,
      'the download open through the hung client ended, it did not hang',
    );
    await until(() => client.lines.filter((l) => PROXIES.test(l)).length >= 2, 'a second client', 20_000);
    const again = PROXIES.exec(client.lines.filter((l) => PROXIES.test(l))[1]!)!;
    assert.deepEqual([again[1], again[2]], [socks, http], 'the new client binds the ports the first one got');
    const r = await getViaSocks(Number(socks), '127.0.0.1', target.port, '/bytes/65536');
    assert.equal(r.status, 200);
    assert.equal(r.bytes, 65536);
    assert.equal(client.child.exitCode, null, 'the supervisor runs on');
  } finally {
    await client.stop('SIGKILL');
    await net.stop();
    await target.close();
  }
});

test("the client's own exits pass through: a bad flag exits 2 and a port in use exits 1, once", async () => {
  const key = encodeKey(generateKeyPair().publicKey);
  const bad = run('bad', clientArgs('http://127.0.0.1:9/', 'not-a-key'));
  assert.equal(await bad.exited, 2);
  const output = bad.lines.join('\n');
  assert.equal(output.match(/--egress-key: /g)?.length, 1, output);
  const first = run('first', clientArgs('http://127.0.0.1:9/', key));
  try {
    const [, socks] = await first.waitFor(PROXIES);
    const second = run('second', clientArgs('http://127.0.0.1:9/', key, { socks: `127.0.0.1:${socks}` }));
    assert.equal(await second.exited, 1);
    const lines = second.lines.filter((l) => /cannot listen for SOCKS5 on .*EADDRINUSE/.test(l));
    assert.equal(lines.length, 1, second.lines.join('\n'));
  } finally {
    await first.stop('SIGKILL');
  }
});

test('SIGTERM to the supervisor stops the client cleanly; with the supervisor killed the client goes too', async () => {
  const key = encodeKey(generateKeyPair().publicKey);
  const a = run('a', clientArgs('http://127.0.0.1:9/', key));
  const b = run('b', clientArgs('http://127.0.0.1:9/', key));
  try {
    await Promise.all([a.waitFor(PROXIES), b.waitFor(PROXIES)]);
    const aChild = childOf(a.child.pid!);
    const bChild = childOf(b.child.pid!);
    await a.stop('SIGTERM');
    assert.equal(await a.exited, 0, a.lines.join('\n'));
    assert.equal(alive(aChild), false, 'the client stopped with its supervisor');
    await b.stop('SIGKILL');
    await until(() => !alive(bChild), 'the client to exit once its supervisor is gone', 5_000);
  } finally {
    await Promise.all([a.stop('SIGKILL'), b.stop('SIGKILL')]);
  }
});

test('a client killed by a signal is restarted, at most 3 times a minute', async () => {
  const key = encodeKey(generateKeyPair().publicKey);
  const p = run('client', clientArgs('http://127.0.0.1:9/', key));
  const proxies = () => p.lines.filter((l) => PROXIES.test(l));
  try {
    for (let started = 1; started <= 4; started++) {
      await until(() => proxies().length >= started, `client ${started} to listen`, 20_000);
      process.kill(childOf(p.child.pid!), 'SIGKILL');
    }
    await p.waitFor(/3 restarts within 60 s: the next in \d+ s/, 10_000);
    assert.equal(p.lines.filter((l) => /the client process was killed by SIGKILL/.test(l)).length, 4);
    const ports = new Set(proxies().map((l) => PROXIES.exec(l)?.[1]));
    assert.equal(ports.size, 1, 'every restart on the same port');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(proxies().length, 4, 'no fifth client yet');
  } finally {
    await p.stop('SIGTERM');
  }
  assert.equal(await p.exited, 0, 'SIGTERM while waiting to restart: exit 0');
});

test('--no-supervise runs the client in one process', async () => {
  const key = encodeKey(generateKeyPair().publicKey);
  const p = run('one', [...clientArgs('http://127.0.0.1:9/', key), '--no-supervise']);
  try {
    await p.waitFor(PROXIES);
    const children = readFileSync(`/proc/${p.child.pid}/task/${p.child.pid}/children`, 'utf8').trim();
    assert.equal(children, '', 'no child process');
  } finally {
    await p.stop('SIGTERM');
  }
  assert.equal(await p.exited, 0);
});
