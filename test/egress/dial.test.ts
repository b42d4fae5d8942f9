import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
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
  const lookup = async (name: string) => {
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
  assert.equal(await reason(dialDestination('localhost', port, base)), 'not-allowed');
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
  const noneAllowed = fakeLookup({ 'private.test': ['127.0.0.1', '10.0.0.1', 'fe80::1'] });
  assert.equal(
    await reason(dialDestination('private.test', port, { ...base, lookup: noneAllowed })),
    'not-allowed',
  );
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
        policy: policy({ allowPrivate: true, allowPort: (p) => p === 443 }),
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
