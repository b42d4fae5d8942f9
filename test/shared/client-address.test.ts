import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressSet, clientAddress, sourcePrefix } from '../../src/shared/ip.js';

const PEER = '192.0.2.99';

test('no trusted proxy: the socket address, whatever X-Forwarded-For says', () => {
  assert.equal(clientAddress('198.51.100.1', PEER, 0), PEER);
  assert.equal(clientAddress(undefined, PEER, 0), PEER);
});

test('N trusted proxies: the Nth X-Forwarded-For entry from the right', () => {
  // client -> proxy A -> proxy B -> broker: A wrote the client, B wrote A; what the client sent is left of it.
  const header = '203.0.113.7, 198.51.100.1, 10.0.0.2';
  assert.equal(clientAddress(header, PEER, 1), '10.0.0.2');
  assert.equal(clientAddress(header, PEER, 2), '198.51.100.1');
  assert.equal(clientAddress(header, PEER, 3), '203.0.113.7');
  assert.equal(clientAddress(['203.0.113.7', '198.51.100.1'], PEER, 1), '198.51.100.1', 'repeated headers');
  assert.equal(clientAddress('2001:db8::1', PEER, 1), '2001:db8::1');
});

test('an absent or malformed entry falls back to the socket address', () => {
  assert.equal(clientAddress(undefined, PEER, 1), PEER, 'no header (the request bypassed the proxy)');
  assert.equal(clientAddress('198.51.100.1', PEER, 2), PEER, 'fewer entries than trusted hops');
  for (const bad of ['', ' ', 'unknown', 'evil.example', '198.51.100.1:443', '[2001:db8::1]', '1.2.3.4.5']) {
    assert.equal(clientAddress(bad, PEER, 1), PEER, bad);
  }
  assert.equal(clientAddress('198.51.100.1,', PEER, 1), PEER, 'an empty last entry');
});

test('sources: IPv6 by its /64, IPv4-mapped as IPv4, IPv4 unchanged', () => {
  assert.equal(sourcePrefix('198.51.100.1'), '198.51.100.1');
  assert.equal(sourcePrefix('::ffff:198.51.100.1'), '198.51.100.1');
  assert.equal(sourcePrefix('::FFFF:198.51.100.1'), '198.51.100.1');
  assert.equal(sourcePrefix('::ffff:c633:6401'), '198.51.100.1', 'the hex form of a mapped address');
  const host = sourcePrefix('2001:db8:1:2:aaaa::1');
  assert.equal(host, '2001:db8:1:2::/64');
  for (const same of ['2001:db8:1:2::ffff', '2001:0DB8:0001:0002:1:2:3:4', '2001:db8:1:2:5:6:1.2.3.4']) {
    assert.equal(sourcePrefix(same), host, same);
  }
  assert.equal(sourcePrefix('fe80::1%eth0'), 'fe80:0:0:0::/64', 'a zone id is dropped');
  assert.notEqual(sourcePrefix('2001:db8:1:3::1'), host, 'the next /64 is another host');
  assert.equal(sourcePrefix('::1'), '0:0:0:0::/64');
  assert.equal(sourcePrefix(''), '');
});

test('with proxy addresses, X-Forwarded-For is read only on connections from them', () => {
  const proxies = new AddressSet(['127.0.0.1', '10.1.0.0/16', '2001:db8::/32']);
  const header = '203.0.113.7, 198.51.100.1';
  assert.equal(clientAddress(header, '127.0.0.1', 1, proxies), '198.51.100.1', 'from the proxy');
  assert.equal(clientAddress(header, '::ffff:127.0.0.1', 1, proxies), '198.51.100.1', 'dual-stack form');
  assert.equal(clientAddress(header, '10.1.200.3', 2, proxies), '203.0.113.7', 'inside a trusted network');
  assert.equal(clientAddress(header, '2001:db8::5', 1, proxies), '198.51.100.1');
  assert.equal(clientAddress(header, '127.0.0.2', 1, proxies), '127.0.0.2', 'anyone else: its own address');
  assert.equal(clientAddress(header, '10.2.0.1', 1, proxies), '10.2.0.1');
  assert.equal(clientAddress(header, PEER, 1, proxies), PEER);
});

test('proxy addresses that are not addresses or networks are refused', () => {
  for (const bad of [
    '',
    'localhost',
    '1.2.3.4/33',
    '1.2.3.4/',
    '1.2.3.4/x',
    '::1/129',
    '1.2.3.4/8/8',
    '1.2.3',
  ]) {
    assert.throws(() => new AddressSet([bad]), TypeError, bad);
  }
  assert.ok(new AddressSet(['0.0.0.0/0']).has('192.0.2.1'));
  assert.equal(new AddressSet(['192.0.2.0/24']).has('not an address'), false);
});
