import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../../src/broker/rate-limit.js';

test('a bucket allows a burst, then refills at the set rate', () => {
  let now = 0;
  const limiter = new RateLimiter({ perSecond: 2, burst: 3, maxSources: 10 }, () => now);
  for (let i = 0; i < 3; i++) assert.equal(limiter.take('192.0.2.1').ok, true);
  const denied = limiter.take('192.0.2.1');
  assert.deepEqual(denied, { ok: false, retryAfterMs: 500 });
  assert.equal(limiter.take('192.0.2.2').ok, true, 'another address has its own bucket');
  now += 500;
  assert.equal(limiter.take('192.0.2.1').ok, true);
  assert.equal(limiter.take('192.0.2.1').ok, false);
  now += 60_000;
  for (let i = 0; i < 3; i++) assert.equal(limiter.take('192.0.2.1').ok, true, 'refill stops at the burst');
  assert.equal(limiter.take('192.0.2.1').ok, false);
});

test('the address map is bounded; the least recently seen is evicted', () => {
  const limiter = new RateLimiter({ perSecond: 1, burst: 1, maxSources: 3 }, () => 0);
  for (const a of ['a', 'b', 'c']) limiter.take(a);
  assert.equal(limiter.take('a').ok, false, 'a is remembered');
  limiter.take('d');
  assert.equal(limiter.size, 3);
  assert.equal(limiter.take('a').ok, false, 'a was used recently, so b was evicted instead');
  assert.equal(limiter.take('b').ok, true, 'b starts again with a full bucket');
  for (let i = 0; i < 1000; i++) limiter.take(`203.0.113.${i}`);
  assert.equal(limiter.size, 3);
});

test('a zero rate turns the limiter off', () => {
  const limiter = new RateLimiter({ perSecond: 0, burst: 0, maxSources: 1 });
  for (let i = 0; i < 100; i++) assert.equal(limiter.take('x').ok, true);
  assert.equal(limiter.size, 0);
});
