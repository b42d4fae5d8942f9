import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_DENIED_PORTS,
  DestinationPolicy,
  isAllowedAddress,
  isAllowedPort,
  parsePortRanges,
} from '../../src/egress/policy.js';
import { parseIPv6 } from '../../src/shared/ip.js';

const REFUSED_ADDRESSES = [
  // IPv4
  '0.0.0.0',
  '0.1.2.3',
  '10.0.0.1',
  '10.255.255.255',
  '100.64.0.1',
  '100.127.255.254',
  '127.0.0.1',
  '127.255.255.254',
  '169.254.0.1',
  '169.254.169.254',
  '172.16.0.1',
  '172.31.255.255',
  '192.0.0.170',
  '192.0.2.1',
  '192.88.99.1',
  '192.168.1.1',
  '198.18.0.1',
  '198.19.255.255',
  '198.51.100.7',
  '203.0.113.9',
  '224.0.0.1',
  '239.255.255.250',
  '240.0.0.1',
  '255.255.255.255',
  // IPv6
  '::',
  '::1',
  '::127.0.0.1',
  'fc00::1',
  'fd12:3456::1',
  'fe80::1',
  'febf::1',
  'fec0::1',
  'ff02::1',
  'ff05::fb',
  '100::1',
  '2001::1',
  '2001:2::1',
  '2001:db8::1',
  '3fff::1',
  '64:ff9b:1::1',
  '5f00::1',
  // IPv4 inside IPv6
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::ffff:10.1.2.3',
  '::ffff:169.254.169.254',
  '::ffff:0.0.0.0',
  '64:ff9b::127.0.0.1',
  '64:ff9b::a9fe:a9fe',
  '64:ff9b::192.168.0.1',
  '2002:7f00:1::1',
  '2002:c0a8:101::1',
];

/** Never allowed, whatever the options: not an address, or one naming an interface of this host. */
const NOT_ADDRESSES = [
  'localhost',
  'example.com',
  '127.1',
  '2130706433',
  '0x7f.0.0.1',
  '01.02.03.04',
  '[::1]',
  'fe80::1%eth0',
  '',
];

const REFUSED = [...REFUSED_ADDRESSES, ...NOT_ADDRESSES];

const ALLOWED = [
  '1.1.1.1',
  '8.8.8.8',
  '93.184.216.34',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.3.1',
  '192.167.255.255',
  '198.17.255.255',
  '198.20.0.0',
  '223.255.255.255',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
  '2001:4860:4860::8888',
  '::ffff:1.1.1.1',
  '::ffff:5db8:d822',
  '64:ff9b::1.1.1.1',
  '64:ff9b::808:808',
  '2002:808:808::1',
];

test('the default policy refuses private, local, special and malformed addresses', () => {
  for (const ip of REFUSED) assert.equal(isAllowedAddress(ip, { allowPrivate: false }), false, ip);
});

test('the default policy allows global unicast, also when mapped, NAT64 or 6to4', () => {
  for (const ip of ALLOWED) assert.equal(isAllowedAddress(ip, { allowPrivate: false }), true, ip);
});

test('allowPrivate allows every address but still refuses what is not an address', () => {
  for (const ip of [...REFUSED, ...ALLOWED]) {
    const isAddress = !NOT_ADDRESSES.includes(ip);
    assert.equal(isAllowedAddress(ip, { allowPrivate: true }), isAddress, ip);
  }
});

test('ports: SMTP and mail submission refused by default; allow and deny lists are policy', () => {
  assert.equal(isAllowedPort(1), true);
  assert.equal(isAllowedPort(443), true);
  assert.equal(isAllowedPort(65535), true);
  for (const port of [25, 465, 587]) assert.equal(isAllowedPort(port), false, `mail port ${port}`);
  for (const port of [0, -1, 65536, 1.5, Number.NaN]) assert.equal(isAllowedPort(port), false, String(port));
  const webOnly = { allowPorts: parsePortRanges(['80', '443']) };
  assert.equal(isAllowedPort(443, webOnly), true);
  assert.equal(isAllowedPort(8080, webOnly), false);
  const mailToo = { denyPorts: parsePortRanges(['none']) };
  assert.equal(isAllowedPort(25, mailToo), true, 'an operator may open SMTP on purpose');
  assert.equal(isAllowedPort(0, mailToo), false);
  const range = { allowPorts: parsePortRanges(['1-1024']), denyPorts: parsePortRanges(['100-200']) };
  assert.deepEqual(
    [99, 100, 200, 201, 1024, 1025].map((p) => isAllowedPort(p, range)),
    [true, false, false, true, true, false],
  );
  assert.deepEqual(DEFAULT_DENIED_PORTS, [
    [25, 25],
    [465, 465],
    [587, 587],
  ]);
  for (const bad of ['0', '65536', '10-5', 'smtp', '1-', '']) {
    assert.throws(() => parsePortRanges([bad]), TypeError, bad);
  }
});

test('DestinationPolicy adds deny networks, checked inside mapped and NAT64 forms too', () => {
  const policy = new DestinationPolicy({
    allowPrivate: false,
    deny: ['1.2.3.0/24', '2606:4700::/32', '9.9.9.9'],
  });
  for (const ip of [
    '1.2.3.4',
    '::ffff:1.2.3.4',
    '64:ff9b::1.2.3.4',
    '2606:4700:4700::1111',
    '9.9.9.9',
    '10.0.0.1',
  ]) {
    assert.equal(policy.allowsAddress(ip), false, ip);
  }
  for (const ip of ['1.2.4.1', '2606:4800::1', '9.9.9.10']) assert.equal(policy.allowsAddress(ip), true, ip);
  const lab = new DestinationPolicy({ allowPrivate: true, deny: ['127.0.0.53'] });
  assert.equal(lab.allowsAddress('127.0.0.1'), true);
  assert.equal(lab.allowsAddress('127.0.0.53'), false);
  assert.throws(() => new DestinationPolicy({ allowPrivate: false, deny: ['not-a-net/8'] }), TypeError);
  assert.throws(() => new DestinationPolicy({ allowPrivate: false, deny: ['10.0.0.0/33'] }), TypeError);
});

test('parseIPv6 reads every text form into 16 bytes', () => {
  const hex = (s: string) => Buffer.from(parseIPv6(s) ?? []).toString('hex');
  assert.equal(hex('::'), '00'.repeat(16));
  assert.equal(hex('::1'), `${'00'.repeat(15)}01`);
  assert.equal(hex('1::'), `0001${'00'.repeat(14)}`);
  assert.equal(hex('1:2:3:4:5:6:7:8'), '00010002000300040005000600070008');
  assert.equal(hex('::ffff:1.2.3.4'), '00000000000000000000ffff01020304');
  assert.equal(hex('2001:DB8::A:0:0:1'), '20010db800000000000a000000000001');
  assert.equal(parseIPv6('1.2.3.4'), undefined);
  assert.equal(parseIPv6('fe80::1%lo'), undefined);
});
