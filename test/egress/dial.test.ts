import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type DialOptions, dialDestination, type LookupAll } from '../../src/egress/dial.js';
import { DestinationPolicy, type PolicyOptions } from '../../src/egress/policy.js';
import { StreamError } from '../../src/shared/errors.js';

// Every address used here is loopback; names resolve through fake lookups, never through DNS.
let server: Server;
let port: number;
const accepted: Socket[] = [];

before(async () => {
  server = createServer((s) => {
    accepted.push(s);
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  port = address.port;
});
after(() => {
  for (const s of accepted) s.destroy();
  server.close();
});

function fakeLookup(table: Record<string, string[]>): LookupAll & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (name: string, _signal: AbortSignal) => {
    asked.push(name);
    const addresses = table[name];
    if (addresses === undefined)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { asked });
}

const names = fakeLookup({ localhost: ['127.0.0.1'], 'empty.test': [] });
const policy = (o: Partial<PolicyOptions> = {}) => new DestinationPolicy({ allowPrivate: false, ...o });
const base: DialOptions = { policy: policy(), connectTimeoutMs: 2000, lookup: names };
const lab = { ...base, policy: policy({ allowPrivate: true }) };

async function reason(p: Promise<Socket>): Promise<string> {
  try {
    (await p).destroy();
    return 'connected';
  } catch (err) {
    assert.ok(err instanceof StreamError, String(err));
    return err.reason;
  }
}

test('a name that resolves to loopback is refused by default, allowed with allowPrivate', async () => {
  // Refused as a name that does not resolve: see 'internal names cannot be probed' below.
  assert.equal(await reason(dialDestination('localhost', port, base)), 'dns-failed');
  const socket = await dialDestination('localhost', port, lab);
  assert.equal(socket.remoteAddress, '127.0.0.1');
  assert.equal(socket.remotePort, port);
  assert.equal(socket.allowHalfOpen, true);
  socket.destroy();
});

test('a literal address is checked without any lookup', async () => {
  const lookup = fakeLookup({});
  assert.equal(await reason(dialDestination('127.0.0.1', port, { ...base, lookup })), 'not-allowed');
  assert.equal(await reason(dialDestination('::ffff:127.0.0.1', port, { ...base, lookup })), 'not-allowed');
  assert.equal(await reason(dialDestination('127.0.0.1', port, { ...lab, lookup })), 'connected');
  assert.deepEqual(lookup.asked, []);
});

test('only allowed resolved addresses are connected to, in order, falling back on failure', async () => {
  const lookup = fakeLookup({ 'mixed.test': ['127.0.0.2', '::1', '127.0.0.1'] });
  const opts = { ...base, policy: policy({ allowPrivate: true, deny: ['127.0.0.2'] }), lookup };
  // 127.0.0.2 is denied; ::1 has no listener on this port (refused, or absent here); 127.0.0.1 answers.
  const socket = await dialDestination('mixed.test', port, opts);
  assert.equal(socket.remoteAddress, '127.0.0.1');
  socket.destroy();
});

test('internal names cannot be probed: a name with only refused addresses fails like one with none', async () => {
  // An egress inside a cloud network or an office resolves names strangers must not learn about.
  const lookup = fakeLookup({
    'db.corp.internal': ['10.0.0.5'],
    'metadata.google.internal': ['169.254.169.254'],
    'mixed.internal': ['127.0.0.1', 'fe80::1', '10.0.0.1'],
  });
  const opts = { ...base, lookup };
  const outcomes = [];
  for (const name of ['db.corp.internal', 'metadata.google.internal', 'mixed.internal', 'no-such.internal']) {
    outcomes.push(
      await dialDestination(name, 80, opts).then(
        () => 'connected',
        (err: unknown) => `${(err as StreamError).reason}: ${(err as Error).message.replace(name, 'NAME')}`,
      ),
    );
  }
  assert.equal(new Set(outcomes).size, 1, `one answer for all: ${outcomes.join(' | ')}`);
  assert.match(outcomes[0]!, /^dns-failed: cannot resolve NAME/);
  // A literal address has no name to hide: it is refused as what it is.
  assert.equal(await reason(dialDestination('10.0.0.5', 80, opts)), 'not-allowed');
});

test('SMTP and mail submission are refused before any lookup; other ports are a policy too', async () => {
  const lookup = fakeLookup({ 'mail.test': ['127.0.0.1'] });
  for (const mailPort of [25, 465, 587]) {
    assert.equal(await reason(dialDestination('mail.test', mailPort, { ...lab, lookup })), 'not-allowed');
  }
  assert.deepEqual(lookup.asked, [], 'a refused port costs no lookup');
  const mailAllowed = { ...lab, policy: policy({ allowPrivate: true, denyPorts: [] }), lookup };
  assert.notEqual(await reason(dialDestination('mail.test', 25, mailAllowed)), 'not-allowed');
});

test('a lookup is told when its dial gives up, so its queries are cancelled', async () => {
  const seen: AbortSignal[] = [];
  const never: LookupAll = (_name, signal) => {
    seen.push(signal);
    return new Promise(() => {});
  };
  assert.equal(
    await reason(dialDestination('slow.test', 80, { ...base, lookup: never, connectTimeoutMs: 50 })),
    'timeout',
  );
  const abort = new AbortController();
  const pending = dialDestination('slow.test', 80, { ...base, lookup: never }, abort.signal);
  abort.abort();
  assert.equal(await reason(pending), 'closed');
  assert.equal(seen.length, 2);
  assert.ok(
    seen.every((signal) => signal.aborted),
    'both lookups were aborted',
  );
});

test("slow names do not stall other users' dials or the process's thread pool", async () => {
  // The system's resolver, as the egress uses it. In the tests' network namespace its DNS server cannot be
  // reached, so every name but localhost is slow; dns.lookup (getaddrinfo on libuv's 4 threads) held a
  // thread per slow name for its full system timeout, long after the dial had given up.
  const slow = Array.from({ length: 8 }, (_, i) =>
    reason(
      dialDestination(`slow-${i}.starling-test.invalid`, 80, {
        ...lab,
        lookup: undefined,
        connectTimeoutMs: 200,
      }),
    ),
  );
  const outcomes = await Promise.all(slow);
  assert.ok(
    outcomes.every((r) => r === 'timeout' || r === 'dns-failed'),
    outcomes.join(' '),
  );
  const deadline = (what: string) =>
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} was held up`)), 3_000));
  const socket = await Promise.race([
    dialDestination('localhost', port, { ...lab, lookup: undefined, connectTimeoutMs: 3_000 }),
    deadline('a dial to localhost'),
  ]);
  socket.destroy();
  await Promise.race([readFile(fileURLToPath(import.meta.url)), deadline('a file read on the thread pool')]);
});

test('errors map to reasons: refused, dns-failed, not-allowed port', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const address = closed.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  closed.close();
  await once(closed, 'close');
  assert.equal(await reason(dialDestination('127.0.0.1', address.port, lab)), 'refused');
  assert.equal(await reason(dialDestination('nowhere.test', 80, lab)), 'dns-failed');
  assert.equal(await reason(dialDestination('empty.test', 80, lab)), 'dns-failed');
  assert.equal(await reason(dialDestination('127.0.0.1', 0, lab)), 'not-allowed');
  assert.equal(
    await reason(
      dialDestination('127.0.0.1', port, {
        ...lab,
        policy: policy({ allowPrivate: true, allowPorts: [[443, 443]] }),
      }),
    ),
    'not-allowed',
  );
});

test('a lookup that never answers times out; an abort gives up with "closed"', async () => {
  const never: LookupAll = () => new Promise(() => {});
  const opts = { ...base, lookup: never, connectTimeoutMs: 100 };
  assert.equal(await reason(dialDestination('slow.test', 80, opts)), 'timeout');
  const abort = new AbortController();
  const pending = dialDestination('slow.test', 80, { ...opts, connectTimeoutMs: 60_000 }, abort.signal);
  abort.abort();
  assert.equal(await reason(pending), 'closed');
});

const python = spawnSync('python3', ['-c', 'pass'], { stdio: 'ignore' }).status === 0;

test('a connect that gets no answer (listener with a full backlog) times out', {
  skip: !python && 'needs python3',
}, async () => {
  // A listener that never accepts: its queue fills and the kernel drops further SYNs, all on 127.0.0.1.
  const script =
    'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\n' +
    'print(s.getsockname()[1],flush=True)\nsys.stdin.read()';
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const fillers: Socket[] = [];
  try {
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const stuckPort = Number(line.toString().trim());
    for (let i = 0; i < 4; i++) {
      const filler = connect({ host: '127.0.0.1', port: stuckPort });
      filler.on('error', () => {});
      fillers.push(filler);
    }
    await new Promise((r) => setTimeout(r, 100));
    const opts = { ...lab, connectTimeoutMs: 300 };
    assert.equal(await reason(dialDestination('127.0.0.1', stuckPort, opts)), 'timeout');
  } finally {
    for (const f of fillers) f.destroy();
    child.stdin.end();
    child.kill();
  }
});
