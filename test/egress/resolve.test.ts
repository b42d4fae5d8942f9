/**
 * The egress's resolver (src/egress/resolve.ts) against a real DNS server on 127.0.0.1: a few lines of UDP
 * that answer A and AAAA from a table, NXDOMAIN for other names, and never answer names starting `slow`.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { DnsResolver, type ResolverOptions } from '../../src/egress/resolve.js';
import { StreamError } from '../../src/shared/errors.js';
import { parseIPv6 } from '../../src/shared/ip.js';

const TABLE: Record<string, { a?: string[]; aaaa?: string[] }> = {
  'fast.test': { a: ['192.0.2.1', '192.0.2.2'], aaaa: ['2001:db8::1'] },
  'v6only.test': { aaaa: ['2001:db8::6'] },
};

let dns: Socket;
let server = '';
/** Every name the server was asked for, in order. */
const asked: string[] = [];

before(async () => {
  dns = createSocket('udp4');
  dns.on('message', (query, peer) => {
    const answer = respond(query);
    if (answer !== undefined) dns.send(answer, peer.port, peer.address);
  });
  dns.bind(0, '127.0.0.1');
  await once(dns, 'listening');
  server = `127.0.0.1:${dns.address().port}`;
});
after(() => dns.close());

/** RFC 1035 §4: one question in, its answers out; undefined for names that never get an answer. */
function respond(query: Buffer): Buffer | undefined {
  const labels: string[] = [];
  let at = 12;
  while (query[at]! > 0) {
    labels.push(query.subarray(at + 1, at + 1 + query[at]!).toString('latin1'));
    at += 1 + query[at]!;
  }
  const questionEnd = at + 5;
  const type = query.readUInt16BE(at + 1);
  const name = labels.join('.').toLowerCase();
  asked.push(name);
  if (name.startsWith('slow')) return undefined;
  const entry = TABLE[name];
  const records = (type === 1 ? entry?.a : type === 28 ? entry?.aaaa : undefined) ?? [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  header.writeUInt16BE(entry === undefined ? 0x8183 : 0x8180, 2); // response, RD, RA; NXDOMAIN or no error
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const answers = records.map((address) => {
    const rdata = Buffer.from(type === 1 ? address.split('.').map(Number) : parseIPv6(address)!);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    rr.writeUInt16BE(type, 2);
    rr.writeUInt16BE(1, 4); // class IN
    rr.writeUInt32BE(60, 6); // TTL
    rr.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([rr, rdata]);
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
}

const resolver = (over: Partial<ResolverOptions> = {}) =>
  new DnsResolver({ maxConcurrentResolutions: 16, resolveTimeoutMs: 2_000, servers: [server], ...over });
const never = new AbortController().signal;

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    assert.ok(err instanceof StreamError, String(err));
    return err.reason;
  }
}

test('A and AAAA both, IPv4 first then alternating; NXDOMAIN is dns-failed', async () => {
  const r = resolver();
  assert.deepEqual(await r.lookup('fast.test', never), [
    { address: '192.0.2.1', family: 4 },
    { address: '2001:db8::1', family: 6 },
    { address: '192.0.2.2', family: 4 },
  ]);
  assert.deepEqual(await r.lookup('V6ONLY.test.', never), [{ address: '2001:db8::6', family: 6 }]);
  assert.equal(await reasonOf(r.lookup('nowhere.test', never)), 'dns-failed');
  assert.equal(r.active, 0);
});

test('slow names do not hold up other lookups', async () => {
  const r = resolver();
  const ac = new AbortController();
  const slow = Array.from({ length: 8 }, (_, i) => reasonOf(r.lookup(`slow-${i}.test`, ac.signal)));
  while (asked.filter((n) => n.startsWith('slow-')).length < 16)
    await new Promise((res) => setTimeout(res, 5));
  assert.equal(r.active, 8, 'eight lookups waiting on the server');
  assert.equal((await r.lookup('fast.test', never)).length, 3, 'a ninth name is answered meanwhile');
  ac.abort(new StreamError('closed'));
  assert.deepEqual(await Promise.all(slow), Array(8).fill('closed'));
});

test('an aborted lookup is cancelled at once and frees its slot; a silent server times out', async () => {
  const r = resolver({ resolveTimeoutMs: 300 });
  const ac = new AbortController();
  const pending = r.lookup('slow-abort.test', ac.signal);
  assert.equal(r.active, 1);
  ac.abort(new StreamError('closed', 'the stream went away'));
  await assert.rejects(pending, (err: unknown) => err instanceof StreamError && err.reason === 'closed');
  assert.equal(r.active, 0);
  assert.equal(await reasonOf(r.lookup('slow-timeout.test', never)), 'dns-failed', 'given up after 300 ms');
  assert.equal(r.active, 0);
});

test('at most maxConcurrentResolutions in flight: one more is refused busy at once', async () => {
  const r = resolver({ maxConcurrentResolutions: 3 });
  const ac = new AbortController();
  const held = Array.from({ length: 3 }, (_, i) => reasonOf(r.lookup(`slow-held-${i}.test`, ac.signal)));
  assert.equal(await reasonOf(r.lookup('fast.test', never)), 'busy');
  ac.abort(new StreamError('closed'));
  await Promise.all(held);
  assert.equal(await reasonOf(r.lookup('fast.test', never)), 'resolved', 'room again once they ended');
});

test('localhost is loopback without a query; /etc/hosts is not read', async () => {
  const r = resolver();
  const before = asked.length;
  assert.deepEqual(await r.lookup('localhost', never), [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ]);
  assert.equal((await r.lookup('api.Localhost.', never)).length, 2);
  assert.equal(asked.length, before, 'no query for *.localhost (RFC 6761 §6.3)');
  // A name this machine's /etc/hosts knows (if it has one besides localhost) is asked of DNS like any other.
  const hosts = readFileSync('/etc/hosts', 'latin1')
    .split('\n')
    .flatMap((line) => line.replace(/#.*/, '').trim().split(/\s+/).slice(1))
    .filter((name) => name !== '' && !/localhost/.test(name) && !/[^a-z0-9.-]/i.test(name));
  for (const name of hosts.slice(0, 3)) {
    assert.equal(await reasonOf(r.lookup(name, never)), 'dns-failed', name);
    assert.ok(asked.includes(name.toLowerCase()), `${name} was asked of the DNS server`);
  }
});

test('a DNS server that is not an address is a startup error', () => {
  assert.throws(() => resolver({ servers: ['dns.example'] }), TypeError);
});
