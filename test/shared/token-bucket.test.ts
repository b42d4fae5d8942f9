import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../../src/shared/token-bucket.js';

test('tryTake: a full burst, then one token per 1/rate seconds, never beyond the burst', () => {
  let now = 0;
  const bucket = new TokenBucket(2, 3, () => now);
  for (let i = 0; i < 3; i++) assert.equal(bucket.tryTake(), 0);
  assert.equal(bucket.tryTake(), 500, 'refused, with the wait until the next token');
  now += 500;
  assert.equal(bucket.tryTake(), 0);
  now += 60_000;
  for (let i = 0; i < 3; i++) assert.equal(bucket.tryTake(), 0);
  assert.ok(bucket.tryTake() > 0);
});

test('take goes into debt; waitMs says how long until it is paid', () => {
  let now = 0;
  const bucket = new TokenBucket(1000, 100, () => now);
  assert.equal(bucket.waitMs(), 0);
  bucket.take(600);
  assert.equal(bucket.waitMs(), 500, '500 tokens of debt at 1000/s');
  now += 499;
  assert.equal(bucket.waitMs(), 1);
  now += 1;
  assert.equal(bucket.waitMs(), 0);
  assert.equal(bucket.waitMs(100), 100, 'a full token count takes longer than being out of debt');
  assert.throws(() => new TokenBucket(0, 1), RangeError);
});
