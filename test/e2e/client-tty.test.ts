/**
 * `starling client` on a terminal: the real CLI under a pseudo-terminal (`script` from util-linux), with a
 * broker, egress and Node volunteer as processes. The status line is drawn, redrawn in place about once a
 * second, and shows the volunteer and the bytes of a real transfer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { encodeKey } from '../../src/session/noise.js';
import { watchChild } from '../helpers/child.js';
import { getViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { BIN, Network, TEST_ENV } from '../helpers/network.js';
import { until } from '../helpers/until.js';

const MiB = 1024 * 1024;
let net: Network;
let target: Awaited<ReturnType<typeof startTarget>>;

before(async () => {
  target = await startTarget();
  net = await Network.start({ volunteers: 1, client: false });
});

after(async () => {
  await net?.stop();
  await target?.close();
});

const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
/** The screen's redraws: what follows each "go to column 0, erase the line". */
const redraws = (raw: string) => raw.split('\r\x1b[2K').slice(1);

test('on a terminal the status line is redrawn in place and follows a transfer', async () => {
  const argv = [process.execPath, BIN, ...net.clientArgs(1, encodeKey(net.keys.publicKey))];
  // script -q: no banner; -f: flush as written; -e: its exit code is the command's; the log to /dev/null.
  const child = spawn('script', ['-qfec', argv.map(quote).join(' '), '/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...TEST_ENV, COLUMNS: '120', LINES: '30' },
  });
  const watched = watchChild(child);
  let raw = '';
  child.stdout.on('data', (d: Buffer) => {
    raw += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    raw += d.toString();
  });
  try {
    await until(() => /SOCKS5 proxy on [\d.]+:\d+/.test(raw), 'the proxies listening', 20_000);
    const socksPort = Number(/SOCKS5 proxy on [\d.]+:(\d+)/.exec(raw)?.[1]);
    await until(
      () => redraws(raw).some((l) => l.startsWith('1/1 volunteers | ')),
      'a status line with the volunteer',
      20_000,
    );
    const got = await getViaSocks(socksPort, '127.0.0.1', target.port, `/bytes/${4 * MiB}`);
    assert.equal(got.sha, seededSha(4 * MiB));
    // Throughput of the transfer shows in a later redraw (the line is sampled once a second).
    await until(
      () => redraws(raw).some((l) => /^1\/1 volunteers \| up [\d.]+ k?B\/s down [\d.]+ [kM]B\/s/.test(l)),
      'a status line showing the download',
      10_000,
    );
    const drawn = redraws(raw).map((l) => l.split('\r')[0] ?? '');
    assert.ok(drawn.length >= 3, `redrawn ${drawn.length} times`);
    // Log lines go above the status line, each on a line of its own (erased first if a status line was there).
    const logged = raw.split('\n').find((l) => l.includes('path 0 up through volunteer'));
    assert.match(
      logged?.split('\r\x1b[2K').pop() ?? '',
      /^\S+ info {2}starling client: path 0 up through volunteer \S+\r?$/,
    );
  } finally {
    child.kill('SIGTERM');
    await watched.stop('SIGTERM');
  }
});
