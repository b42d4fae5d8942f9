import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/broker/memory-store.js';
import type { WaitingVolunteer } from '../../src/broker/store.js';
import { runStoreSuite } from './store-suite.js';

runStoreSuite('MemoryStore', (limits) => new MemoryStore(limits));

const EGRESS = 'ws://127.0.0.1:8701/';

function volunteer(id: string, since: number, over: Partial<WaitingVolunteer> = {}): WaitingVolunteer {
  return { id, pollId: `poll-${id}`, nat: 'unknown', egress: [EGRESS], since, source: `src-${id}`, ...over };
}

test('MemoryStore: a class lists proven polls first, then those with no record, failing ones last', async () => {
  const store = new MemoryStore({ listLimit: 2 });
  const ac = new AbortController();
  const vols = [
    volunteer('failing-oldest', 50, { standing: 2 }),
    volunteer('crowd-1', 100),
    volunteer('crowd-2', 200, { standing: 1 }),
    volunteer('crowd-3', 300),
    volunteer('proven-youngest', 400, { standing: 0 }),
  ];
  const waits = vols.map((v) => store.waitForOffer(v, 30_000, ac.signal));
  try {
    // A crowd that waited longer does not hide the proven volunteer from the matcher.
    assert.deepEqual(
      (await store.listWaiting(EGRESS)).map((v) => v.id),
      ['proven-youngest', 'crowd-1'],
    );
    assert.equal(await store.claim(vols[4]!, { id: 'o-1', sdp: 'v=0', egress: EGRESS }, 30_000, 'c'), true);
    assert.deepEqual(
      (await store.listWaiting(EGRESS)).map((v) => v.id),
      ['crowd-1', 'crowd-2'],
    );
  } finally {
    ac.abort();
    await Promise.all(waits);
    await store.close();
  }
});

test('MemoryStore: listWaiting returns the longest-waiting listLimit polls of each NAT class, not the pool', async () => {
  const store = new MemoryStore({ listLimit: 2 });
  const ac = new AbortController();
  const vols = [
    volunteer('vol-list-oldest', 100),
    volunteer('vol-list-older', 200),
    volunteer('vol-list-young', 300),
    volunteer('vol-list-paired', 350, { pool: 'fpairing' }),
    volunteer('vol-list-youngest', 400),
    volunteer('vol-list-symmetric', 500, { nat: 'symmetric' }),
  ];
  const waits = vols.map((v) => store.waitForOffer(v, 30_000, ac.signal));
  try {
    const ids = (await store.listWaiting(EGRESS)).map((v) => v.id).sort();
    assert.deepEqual(ids, ['vol-list-older', 'vol-list-oldest', 'vol-list-symmetric']);
    assert.deepEqual(
      (await store.listWaiting(EGRESS, 'fpairing')).map((v) => v.id),
      ['vol-list-paired'],
    );
    assert.deepEqual(await store.listWaiting('ws://127.0.0.1:1/'), []);
    // A poll that leaves makes room for the next in its class.
    assert.equal(
      await store.claim(vols[0]!, { id: 'offer-1', sdp: 'v=0', egress: EGRESS }, 30_000, 'c'),
      true,
    );
    const after = (await store.listWaiting(EGRESS)).map((v) => v.id).sort();
    assert.deepEqual(after, ['vol-list-older', 'vol-list-symmetric', 'vol-list-young']);
  } finally {
    ac.abort();
    await Promise.all(waits);
    await store.close();
  }
  assert.deepEqual(await store.listWaiting(EGRESS), []);
});
