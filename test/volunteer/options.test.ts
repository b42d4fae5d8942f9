/**
 * Who chooses a volunteer's egress (path-v1 §1, signaling-v1 §3): its operator. Without an allow-list a relay
 * is not built, and the broker's list is adopted only when asked for, and only where no one on the way can
 * rewrite it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveVolunteerOptions } from '../../src/volunteer/options.js';

const EGRESS = 'wss://egress.example.org/';

test('a volunteer needs an allow-list: the broker does not pick its egress', () => {
  for (const broker of ['http://broker.example.org/', 'https://broker.example.org/']) {
    assert.throws(() => resolveVolunteerOptions({ broker }), {
      name: 'TypeError',
      message: /allow must name at least one egress/,
    });
    assert.throws(() => resolveVolunteerOptions({ broker, allow: [] }), TypeError);
    assert.deepEqual(resolveVolunteerOptions({ broker, allow: [EGRESS] }).allow, [EGRESS]);
  }
});

test("the broker's list only on request, over https: or on loopback, never with an allow-list", () => {
  assert.deepEqual(resolveVolunteerOptions({ broker: 'https://b.example/', brokerEgress: true }).allow, []);
  for (const loopback of [
    'http://127.0.0.1:8700/',
    'http://127.9.9.9/',
    'http://localhost:1/',
    'http://[::1]/',
  ]) {
    assert.deepEqual(resolveVolunteerOptions({ broker: loopback, brokerEgress: true }).allow, [], loopback);
  }
  for (const plain of ['http://broker.example.org/', 'http://10.0.0.1/', 'http://127.0.0.1.example/']) {
    assert.throws(() => resolveVolunteerOptions({ broker: plain, brokerEgress: true }), {
      name: 'TypeError',
      message: /needs an https: broker/,
    });
  }
  assert.throws(
    () => resolveVolunteerOptions({ broker: 'https://b.example/', brokerEgress: true, allow: [EGRESS] }),
    /exclude each other/,
  );
});
