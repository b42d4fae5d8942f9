/**
 * Structured logs: the scrubber, the logger's formats and levels, and a real network (egress, broker,
 * volunteer, client as processes) run with --log-format json: every line parses, and none holds an IPv4 or
 * IPv6 address, though their listen lines, URLs and errors name 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { type Level, Logger, SCRUBBED, scrubAddresses } from '../../src/cli/log.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { getViaSocks, seededSha, socksConnect, startTarget } from '../helpers/http-target.js';
import { BIN, Proc } from '../helpers/network.js';

/** Every substring that node:net takes for an IP address, found independently of the scrubber's regexes. */
function addressesIn(text: string): string[] {
  const found: string[] = [];
  for (const token of text.split(/[^0-9a-fA-F:.%]+/)) {
    const parts = [token, ...token.split(/(?<=\d)\.(?=\D|$)|%/), token.replace(/^:+|:+$/g, '')];
    // host:port forms: drop a trailing :port from IPv4, try every suffix/prefix split on ':' for IPv6.
    const m4 = /(\d{1,3}(?:\.\d{1,3}){3})/g;
    for (const x of token.matchAll(m4)) parts.push(x[1]!);
    const colon = token.split(':');
    for (let i = 0; i < colon.length; i++)
      for (let j = i + 2; j <= colon.length; j++) parts.push(colon.slice(i, j).join(':'));
    for (const p of parts) if (p.length > 1 && isIP(p) !== 0) found.push(p);
  }
  return found;
}

test('the test detector finds addresses (so finding none below means something)', () => {
  for (const text of [
    'at 127.0.0.1:80',
    'ws://[::1]:8080/',
    'from 2001:db8::7 ok',
    '198.18.0.1',
    '::ffff:10.0.0.1',
  ])
    assert.notDeepEqual(addressesIn(text), [], text);
  assert.deepEqual(addressesIn('at 01:02:03, version 0.1.0, key AbCd-ef, port 8701'), []);
});

test('scrubAddresses replaces IPv4 and IPv6 addresses, and leaves times, versions and keys', () => {
  const cases: [string, string][] = [
    ['listening on ws://127.0.0.1:8701/', `listening on ws://${SCRUBBED}:8701/`],
    ['from [::1]:5000 and [2001:db8::1]', `from [${SCRUBBED}]:5000 and [${SCRUBBED}]`],
    ['peer fe80::1%eth0 said', `peer ${SCRUBBED} said`],
    ['mapped ::ffff:192.0.2.1.', `mapped ${SCRUBBED}.`],
    ['full 2001:0db8:0000:0000:0000:ff00:0042:8329 x', `full ${SCRUBBED} x`],
    ['ECONNREFUSED 10.1.2.3:443', `ECONNREFUSED ${SCRUBBED}:443`],
    ['to 10.0.0.1. Then', `to ${SCRUBBED}. Then`],
  ];
  for (const [input, want] of cases) assert.equal(scrubAddresses(input), want);
  const keep = 'at 2026-12-02T01:02:03.000Z v0.1.0 key -Ab:cd 999.1.1.1 1.2.3 a:b';
  assert.equal(scrubAddresses(keep), keep);
});

function capture(opts: { format?: 'text' | 'json'; level?: Level; addresses?: boolean }) {
  const lines: [string, Level][] = [];
  const log = new Logger({
    role: 'egress',
    ...opts,
    now: () => new Date('2026-12-02T01:02:03.004Z'),
    write: (line, level) => lines.push([line, level]),
  });
  return { log, lines };
}

test('text lines carry the ISO time, the level and the role; json lines the same as fields', () => {
  const text = capture({});
  text.log.warn('private destinations ALLOWED', { n: 2 });
  assert.deepEqual(text.lines, [
    ['2026-12-02T01:02:03.004Z warn  starling egress: private destinations ALLOWED n=2', 'warn'],
  ]);
  const json = capture({ format: 'json' });
  json.log.error('cannot listen on 127.0.0.1:1', { where: '::1' });
  assert.deepEqual(JSON.parse(json.lines[0]![0]), {
    time: '2026-12-02T01:02:03.004Z',
    level: 'error',
    role: 'egress',
    msg: `cannot listen on ${SCRUBBED}:1`,
    where: SCRUBBED,
  });
});

test('a level hides the less severe ones; --log-addresses keeps addresses', () => {
  const warn = capture({ level: 'warn' });
  warn.log.debug('d');
  warn.log.info('i');
  warn.log.warn('w');
  warn.log.error('e');
  assert.deepEqual(
    warn.lines.map(([, l]) => l),
    ['warn', 'error'],
  );
  const debug = capture({ level: 'debug', addresses: true });
  debug.log.debug('from 127.0.0.1');
  assert.match(debug.lines[0]![0], /debug starling egress: from 127\.0\.0\.1$/);
});

const dir = mkdtempSync(join(tmpdir(), 'starling-logs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI with the environment as a user has it: no STARLING_LOG_ADDRESSES from the test helpers. */
function start(name: string, args: string[]): Proc {
  const env = { ...process.env };
  delete env.STARLING_LOG_ADDRESSES;
  const child = spawn(process.execPath, [BIN, ...args, '--log-format', 'json', '--log-level', 'debug'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  return new Proc(name, child);
}

test('a real network logging JSON: every line parses, has time/level/role/msg, and holds no IP address', async () => {
  const keys = generateKeyPair();
  const keyFile = join(dir, 'key.json');
  await writeKeyFile(keyFile, keys);
  const target = await startTarget();
  const procs: Proc[] = [];
  try {
    const egress = start('egress', [
      'egress',
      ...['--listen', '127.0.0.1:0', '--key', keyFile, '--allow-private', '--deny', '127.0.0.2'],
    ]);
    procs.push(egress);
    const egressPort = (await egress.waitFor(/listening on ws:\/\/\S+:(\d+)\//))[1];
    const egressUrl = `ws://127.0.0.1:${egressPort}/`;
    const broker = start('broker', ['broker', '--listen', '127.0.0.1:0', '--egress', egressUrl]);
    procs.push(broker);
    const brokerUrl = `http://127.0.0.1:${(await broker.waitFor(/listening on http:\/\/\S+:(\d+)\//))[1]}/`;
    const client = start('client', [
      'client',
      ...['--broker', brokerUrl, '--egress-key', encodeKey(keys.publicKey), '--paths', '1'],
      ...['--socks', '127.0.0.1:0', '--http', '127.0.0.1:0', '--ice-address', '127.0.0.1'],
    ]);
    procs.push(client);
    const socksPort = Number((await client.waitFor(/SOCKS5 proxy on \S+:(\d+),/))[1]);
    // Before any volunteer: the client's failed attempts and the proxies' notice are logged too.
    await assert.rejects(socksConnect(socksPort, '127.0.0.1', target.port));
    const volunteer = start('volunteer', [
      'volunteer',
      ...['--broker', brokerUrl, '--allow-egress', egressUrl, '--ice-address', '127.0.0.1'],
    ]);
    procs.push(volunteer);
    await client.waitFor(/path \d+ up/, 30_000);
    const got = await getViaSocks(socksPort, '127.0.0.1', target.port, '/bytes/100000');
    assert.equal(got.sha, seededSha(100_000));
    await assert.rejects(socksConnect(socksPort, '127.0.0.2', target.port), { code: 2 });
    await egress.waitFor(/a stream was refused/);
    await volunteer.waitFor(/helping/);
  } finally {
    for (const p of procs.reverse()) await p.stop();
    await target.close();
  }
  let count = 0;
  for (const p of procs) {
    assert.ok(p.lines.length > 0, `${p.name} logged`);
    for (const line of p.lines) {
      count += 1;
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.match(String(record.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
      assert.ok(['error', 'warn', 'info', 'debug'].includes(String(record.level)), line);
      assert.equal(record.role, p.name, line);
      assert.equal(typeof record.msg, 'string', line);
      assert.deepEqual(addressesIn(line), [], `${p.name} logged an address: ${line}`);
    }
  }
  assert.ok(
    procs.some((p) => p.lines.some((l) => l.includes(SCRUBBED))),
    'something was scrubbed',
  );
  assert.ok(count >= 8, `only ${count} lines`);
});
