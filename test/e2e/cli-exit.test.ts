/**
 * The real `starling` CLI tells a bad command line (usage and exit 2) from a command that cannot run: a port
 * in use, an unreadable or broken key file, an existing key it will not overwrite (the reason and exit 1,
 * no usage). Redis down: test/broker/redis-cli.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { generateKeyPair } from '../../src/session/noise.js';
import { listen } from '../../src/shared/listen.js';
import { run } from '../helpers/network.js';

let dir: string;
let keyFile: string;
let taken: Server;
let takenPort: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'starling-cli-exit-'));
  keyFile = join(dir, 'key.json');
  await writeKeyFile(keyFile, generateKeyPair());
  taken = createServer();
  takenPort = await listen(taken, 0, '127.0.0.1');
});
after(() => {
  taken?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number | null; output: string }> {
  const p = run('cli', args);
  const code = await p.exited;
  return { code, output: p.lines.join('\n') };
}

const usage = /Usage: starling/;

test('a bad flag is a usage error: the message, the usage, exit 2', async () => {
  const { code, output } = await cli('egress', '--listen', 'nowhere', '--key', keyFile);
  assert.equal(code, 2);
  assert.match(output, /--listen must look like/);
  assert.match(output, usage);
});

test('a malformed --deny is a usage error naming --deny, and only that one is', async () => {
  const egress = ['egress', '--listen', '127.0.0.1:0', '--key', keyFile];
  const deny = await cli(...egress, '--deny', 'bogus');
  assert.equal(deny.code, 2);
  assert.match(deny.output, /--deny: deny entry bogus/);
  const idle = await cli(...egress, '--idle-timeout', '5');
  assert.equal(idle.code, 2);
  assert.match(idle.output, /starling egress: --idle-timeout must be a whole number/);
  assert.doesNotMatch(idle.output, /--deny:/);
});

test('an egress on a port in use exits 1 saying so, not as a --deny or usage error', async () => {
  const { code, output } = await cli('egress', '--listen', `127.0.0.1:${takenPort}`, '--key', keyFile);
  assert.equal(code, 1, output);
  assert.match(output, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${takenPort}: .*EADDRINUSE`));
  assert.doesNotMatch(output, /--deny/);
  assert.doesNotMatch(output, usage);
});

test('a missing or broken key file exits 1 with the reason', async () => {
  const missing = await cli('egress', '--listen', '127.0.0.1:0', '--key', join(dir, 'absent.json'));
  assert.equal(missing.code, 1);
  assert.match(missing.output, /cannot read key file .*absent\.json/);
  assert.doesNotMatch(missing.output, usage);
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"v":2}');
  const bad = await cli('egress', '--listen', '127.0.0.1:0', '--key', broken);
  assert.equal(bad.code, 1);
  assert.match(bad.output, /is not a Starling key file/);
});

test('a broker on a port in use exits 1 saying so', async () => {
  const { code, output } = await cli('broker', '--listen', `127.0.0.1:${takenPort}`);
  assert.equal(code, 1, output);
  assert.match(output, /cannot listen on .*EADDRINUSE/);
  assert.doesNotMatch(output, usage);
});

test('a client whose SOCKS5 port is in use exits 1 saying so', async () => {
  const socks = `127.0.0.1:${takenPort}`;
  const broker = 'http://127.0.0.1:9/';
  const { code, output } = await cli(
    'client',
    '--egress-key',
    'A'.repeat(43),
    '--broker',
    broker,
    '--socks',
    socks,
  );
  assert.equal(code, 1, output);
  assert.match(output, /cannot listen for SOCKS5 on .*EADDRINUSE/);
  assert.doesNotMatch(output, usage);
});

test('keygen never overwrites a key: exit 1, the file untouched', async () => {
  const before = readFileSync(keyFile, 'utf8');
  const { code, output } = await cli('keygen', '--out', keyFile);
  assert.equal(code, 1);
  assert.match(output, /exists; not overwriting a key/);
  assert.doesNotMatch(output, usage);
  assert.equal(readFileSync(keyFile, 'utf8'), before);
});

test('--metrics, --proxy-address and --ca: bad values exit 2, a port in use or a bad file exits 1', async () => {
  const egress = ['egress', '--listen', '127.0.0.1:0', '--key', keyFile];
  const badAddr = await cli(...egress, '--metrics', 'nowhere');
  assert.equal(badAddr.code, 2, badAddr.output);
  assert.match(badAddr.output, /--metrics must look like/);
  const inUse = await cli(...egress, '--metrics', `127.0.0.1:${takenPort}`);
  assert.equal(inUse.code, 1, inUse.output);
  assert.match(inUse.output, /cannot listen for metrics on .*EADDRINUSE/);
  const broker = await cli('broker', '--listen', '127.0.0.1:0', '--metrics', `127.0.0.1:${takenPort}`);
  assert.equal(broker.code, 1, broker.output);
  assert.match(broker.output, /cannot listen for metrics/);
  const alone = await cli(...egress, '--proxy-address', '127.0.0.1');
  assert.equal(alone.code, 2, alone.output);
  assert.match(alone.output, /--proxy-address needs --trusted-proxies/);
  const badNet = await cli('broker', '--trusted-proxies', '1', '--proxy-address', '10.0.0.0/40');
  assert.equal(badNet.code, 2, badNet.output);
  assert.match(badNet.output, /--proxy-address: "10\.0\.0\.0\/40" is not an address/);
  const client = ['client', '--egress-key', 'A'.repeat(43), '--broker', 'https://127.0.0.1:9/'];
  const noCa = await cli(...client, '--ca', join(dir, 'absent.pem'));
  assert.equal(noCa.code, 1, noCa.output);
  assert.match(noCa.output, /--ca: .*absent\.pem/);
  const notPem = join(dir, 'not.pem');
  writeFileSync(notPem, 'hello');
  const volunteer = await cli('volunteer', '--allow-egress', 'wss://127.0.0.1:9/', '--ca', notPem);
  assert.equal(volunteer.code, 1, volunteer.output);
  assert.match(volunteer.output, /--ca: .*holds no PEM certificate/);
});

test('--rendezvous, --front and --front-ca: bad values exit 2 naming the flag, a bad file exits 1', async () => {
  const client = ['client', '--egress-key', 'A'.repeat(43), '--broker', 'https://127.0.0.1:9/'];
  const cases: [string[], RegExp][] = [
    [['--rendezvous', 'direct,smoke'], /--rendezvous: smoke is not one of tunnel, direct, front, get/],
    [['--rendezvous', 'tunnel,direct,tunnel'], /--rendezvous: tunnel is named twice/],
    [['--rendezvous', 'tunnel'], /--rendezvous: tunnel needs a method to make the session by/],
    [['--rendezvous', 'get,get'], /--rendezvous: get is named twice/],
    [['--rendezvous', 'direct,front'], /--rendezvous front needs --front HOST\[:PORT\]/],
    [['--front', 'cdn.example:99999'], /--front: a front is HOST\[:PORT\], not cdn\.example:99999/],
  ];
  for (const [args, message] of cases) {
    const got = await cli(...client, ...args);
    assert.equal(got.code, 2, got.output);
    assert.match(got.output, message);
    assert.match(got.output, usage);
  }
  const noCa = await cli(...client, '--front', 'cdn.example', '--front-ca', join(dir, 'absent.pem'));
  assert.equal(noCa.code, 1, noCa.output);
  assert.match(noCa.output, /--front-ca: .*absent\.pem/);
});

test('a --regions file that cannot be read or has a bad block is a usage error naming it', async () => {
  const missing = await cli('broker', '--listen', '127.0.0.1:0', '--regions', join(dir, 'none.json'));
  assert.equal(missing.code, 2);
  assert.match(missing.output, /--regions: region file .*none\.json/);
  const file = join(dir, 'regions.json');
  writeFileSync(
    file,
    JSON.stringify([
      { cidr: '10.0.0.0/8', region: 'ok' },
      { cidr: '10.0.0.0/99', region: 'x' },
    ]),
  );
  const bad = await cli('broker', '--listen', '127.0.0.1:0', '--regions', file);
  assert.equal(bad.code, 2);
  assert.match(bad.output, /--regions: region block 2: "10\.0\.0\.0\/99" is not ADDRESS\/PREFIX/);
});
