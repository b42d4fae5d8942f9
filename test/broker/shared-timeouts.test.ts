import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedTimeouts } from '../../src/broker/shared-timeouts.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('SharedTimeouts: each item expires after its own timeout, in order, once; deleted ones never', async () => {
  // Deadlines are judged by this clock; the real timers only make the checks happen.
  let now = 0;
  const expired: string[] = [];
  const timeouts = new SharedTimeouts<string>(
    (item) => expired.push(item),
    () => now,
  );
  timeouts.add('a', 30);
  now = 10;
  timeouts.add('b', 30);
  timeouts.add('gone', 30);
  timeouts.add('short', 5);
  timeouts.delete('gone', 30);
  now = 22;
  await sleep(50);
  // 'a' is due at 30, 'b' at 40: only the 5 ms one has passed.
  assert.deepEqual(expired, ['short']);
  now = 100;
  await sleep(50);
  assert.deepEqual(expired, ['short', 'a', 'b']);
  timeouts.add('again', 5);
  timeouts.delete('again', 5);
  timeouts.delete('never-added', 5);
  now = 200;
  await sleep(30);
  assert.deepEqual(expired, ['short', 'a', 'b']);
});

test("SharedTimeouts: an item added while its queue waits gets its own deadline, not the head's", async () => {
  let now = 0;
  const expired: string[] = [];
  const timeouts = new SharedTimeouts<string>(
    (item) => expired.push(item),
    () => now,
  );
  timeouts.add('first', 20);
  now = 15;
  timeouts.add('second', 20);
  now = 21;
  await sleep(40);
  assert.deepEqual(expired, ['first']);
  now = 36;
  await sleep(40);
  assert.deepEqual(expired, ['first', 'second']);
});
