import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MatchGate } from '../../src/broker/match-gate.js';

interface Item {
  id: string;
}

/** A promise with its resolver, to hold a claim open. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve: (v: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('MatchGate: the next read waits until an item from the previous read is being claimed', async () => {
  const gate = new MatchGate<Item>();
  const log: string[] = [];
  const first = await gate.read(async () => [{ id: 'a' }, { id: 'b' }]);
  const second = gate.read(async () => {
    log.push('read 2');
    return [];
  });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  assert.equal(log.length, 0, 'the second read waits while the first reader chooses');
  const hold = deferred<boolean>();
  const claim = gate.claim(first[0]!, () => {
    log.push('claim a');
    return hold.promise;
  });
  await second;
  assert.deepEqual(
    log,
    ['claim a', 'read 2'],
    'the read follows the issued claim, without waiting for its end',
  );
  hold.resolve(true);
  assert.equal(await claim, true);
});

test('MatchGate: a read followed by no claim passes the turn on', async () => {
  const gate = new MatchGate<Item>();
  await gate.read(async () => [{ id: 'a' }]);
  assert.deepEqual(await gate.read(async () => [{ id: 'b' }]), [{ id: 'b' }]);
});

test('MatchGate: a failed read or claim passes the turn on; claims of unknown items just run', async () => {
  const gate = new MatchGate<Item>();
  await assert.rejects(
    gate.read(async () => {
      throw new Error('store down');
    }),
    /store down/,
  );
  const [item] = await gate.read(async () => [{ id: 'a' }]);
  await assert.rejects(
    gate.claim(item!, async () => {
      throw new Error('claim failed');
    }),
    /claim failed/,
  );
  assert.equal(await gate.claim({ id: 'stranger' }, async () => true), true);
  assert.deepEqual(await gate.read(async () => []), []);
});
