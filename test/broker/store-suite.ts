/**
 * Compliance suite for SignalingStore (src/broker/store.ts): every store implementation runs it. The store
 * made by `makeStore` must allow at least `limits` waiting volunteers and pending offers and no more.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeliveredOffer, SignalingStore, WaitingVolunteer } from '../../src/broker/store.js';
import { SignalingError } from '../../src/signaling/errors.js';

export interface StoreSuiteLimits {
  maxWaitingVolunteers: number;
  maxPendingOffers: number;
  maxWaitingPerSource: number;
  maxPendingPerSource: number;
}

const EGRESS = 'ws://127.0.0.1:8701/';
const OTHER = 'ws://127.0.0.1:8702/';
const LONG = 30_000;
let seq = 0;

/** A waiting volunteer; each has a source of its own unless `over` names one. */
function volunteer(id: string, over: Partial<WaitingVolunteer> = {}): WaitingVolunteer {
  seq++;
  return {
    id,
    pollId: `poll-${seq}`,
    nat: 'unknown',
    egress: [EGRESS],
    since: seq,
    source: `src-${id}`,
    ...over,
  };
}
/** A client source of its own for each claim, unless a test shares one on purpose. */
const client = (): string => `client-${++seq}`;
function offer(id: string): DeliveredOffer {
  return { id, sdp: `v=0 ${id}`, egress: EGRESS };
}

/** Waits (bounded) until `listWaiting` shows `n` volunteers: a remote store may add them asynchronously. */
async function waitingCount(store: SignalingStore, n: number, egress = EGRESS): Promise<WaitingVolunteer[]> {
  for (let i = 0; i < 200; i++) {
    const list = await store.listWaiting(egress);
    if (list.length === n) return list;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`expected ${n} waiting volunteers`);
}

export function runStoreSuite(
  name: string,
  makeStore: (limits: StoreSuiteLimits) => Promise<SignalingStore> | SignalingStore,
): void {
  const limits: StoreSuiteLimits = {
    maxWaitingVolunteers: 3,
    maxPendingOffers: 2,
    maxWaitingPerSource: 2,
    maxPendingPerSource: 1,
  };
  const withStore = (title: string, body: (store: SignalingStore) => Promise<void>): void => {
    test(`${name}: ${title}`, async () => {
      const store = await makeStore(limits);
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });
  };

  withStore('a claimed offer reaches the waiting volunteer, and its answer the client', async (store) => {
    const v = volunteer('vol-aaaaaaaa', { egress: [EGRESS, OTHER] });
    const wait = store.waitForOffer(v, LONG);
    const [listed] = await waitingCount(store, 1);
    assert.deepEqual(listed, v);
    assert.deepEqual(await store.listWaiting(OTHER), [v]);
    assert.deepEqual(await store.listWaiting('ws://127.0.0.1:1/'), []);
    assert.equal(await store.claim(v, offer('offer-1aaaaaa'), LONG, client()), true);
    assert.deepEqual(await wait, offer('offer-1aaaaaa'));
    assert.deepEqual(await store.listWaiting(EGRESS), [], 'a matched volunteer leaves the pool');
    const answer = store.waitAnswer('offer-1aaaaaa');
    assert.equal(await store.deliverAnswer('offer-1aaaaaa', 'v=0 answer'), true);
    assert.deepEqual(await answer, { kind: 'answer', sdp: 'v=0 answer', volunteer: 'vol-aaaaaaaa' });
    assert.equal(await store.deliverAnswer('offer-1aaaaaa', 'again'), false, 'an offer is answered once');
  });

  withStore('counts() tells how many volunteers wait and how many offers are pending', async (store) => {
    assert.deepEqual(await store.counts(), { waiting: 0, pending: 0 });
    const ac = new AbortController();
    const matched = volunteer('vol-count-1');
    const waits = [
      store.waitForOffer(matched, LONG, ac.signal),
      store.waitForOffer(volunteer('vol-count-2'), LONG, ac.signal),
    ];
    await waitingCount(store, 2);
    assert.deepEqual(await store.counts(), { waiting: 2, pending: 0 });
    assert.equal(await store.claim(matched, offer('offer-count-1'), LONG, client()), true);
    assert.deepEqual(await store.counts(), { waiting: 1, pending: 1 });
    ac.abort();
    await Promise.all(waits);
    await store.cancelOffer('offer-count-1');
    assert.equal((await store.counts()).waiting, 0);
  });

  withStore('an answer that comes before waitAnswer is kept', async (store) => {
    const v = volunteer('vol-bbbbbbbb');
    const wait = store.waitForOffer(v, LONG);
    await waitingCount(store, 1);
    assert.equal(await store.claim(v, offer('offer-2bbbbbb'), LONG, client()), true);
    await wait;
    assert.equal(await store.deliverAnswer('offer-2bbbbbb', 'early'), true);
    assert.deepEqual(await store.waitAnswer('offer-2bbbbbb'), {
      kind: 'answer',
      sdp: 'early',
      volunteer: v.id,
    });
  });

  withStore('a claim succeeds once; a stale or unknown poll cannot be claimed', async (store) => {
    const v = volunteer('vol-cccccccc');
    const wait = store.waitForOffer(v, LONG);
    await waitingCount(store, 1);
    const claims = await Promise.all([
      store.claim(v, offer('offer-3cccccc'), LONG, client()),
      store.claim(v, offer('offer-4cccccc'), LONG, client()),
    ]);
    assert.deepEqual(claims.sort(), [false, true]);
    await wait;
    assert.equal(
      await store.claim(volunteer('vol-never-seen'), offer('offer-5cccccc'), LONG, client()),
      false,
    );
  });

  withStore('a new poll with the same id replaces the waiting one', async (store) => {
    const first = volunteer('vol-dddddddd', { nat: 'public' });
    const older = store.waitForOffer(first, LONG);
    await waitingCount(store, 1);
    const second = volunteer('vol-dddddddd', { nat: 'symmetric' });
    const newer = store.waitForOffer(second, LONG);
    assert.equal(await older, null, 'the older poll ends with no offer');
    const [listed] = await waitingCount(store, 1);
    assert.equal(listed?.nat, 'symmetric');
    assert.equal(
      await store.claim(first, offer('offer-6dddddd'), LONG, client()),
      false,
      'the replaced poll is gone',
    );
    assert.equal(await store.claim(second, offer('offer-7dddddd'), LONG, client()), true);
    assert.equal((await newer)?.id, 'offer-7dddddd');
  });

  withStore('a poll times out with null and leaves the pool', async (store) => {
    const v = volunteer('vol-eeeeeeee');
    assert.equal(await store.waitForOffer(v, 20), null);
    assert.deepEqual(await store.listWaiting(EGRESS), []);
    assert.equal(await store.claim(v, offer('offer-8eeeeee'), LONG, client()), false);
  });

  withStore('an aborted poll ends with null and leaves the pool', async (store) => {
    const ac = new AbortController();
    const wait = store.waitForOffer(volunteer('vol-ffffffff'), LONG, ac.signal);
    await waitingCount(store, 1);
    ac.abort();
    assert.equal(await wait, null);
    await waitingCount(store, 0);
  });

  withStore('an unanswered offer times out; a late answer is unknown', async (store) => {
    const v = volunteer('vol-gggggggg');
    const wait = store.waitForOffer(v, LONG);
    await waitingCount(store, 1);
    assert.equal(await store.claim(v, offer('offer-9gggggg'), 20, client()), true);
    await wait;
    assert.deepEqual(await store.waitAnswer('offer-9gggggg'), { kind: 'timeout' });
    assert.equal(await store.deliverAnswer('offer-9gggggg', 'late'), false);
    assert.deepEqual(await store.waitAnswer('offer-never-made'), { kind: 'timeout' });
    assert.equal(await store.deliverAnswer('offer-never-made', 'x'), false);
  });

  withStore('cancelOffer ends the client wait; aborting waitAnswer forgets the offer', async (store) => {
    const v1 = volunteer('vol-hhhhhhh1');
    const v2 = volunteer('vol-hhhhhhh2');
    const waits = [store.waitForOffer(v1, LONG), store.waitForOffer(v2, LONG)];
    await waitingCount(store, 2);
    assert.equal(await store.claim(v1, offer('offer-10hhhhh'), LONG, client()), true);
    assert.equal(await store.claim(v2, offer('offer-11hhhhh'), LONG, client()), true);
    await Promise.all(waits);
    const cancelled = store.waitAnswer('offer-10hhhhh');
    await store.cancelOffer('offer-10hhhhh');
    assert.deepEqual(await cancelled, { kind: 'cancelled' });
    assert.equal(await store.deliverAnswer('offer-10hhhhh', 'x'), false);
    const ac = new AbortController();
    const aborted = store.waitAnswer('offer-11hhhhh', ac.signal);
    ac.abort();
    assert.deepEqual(await aborted, { kind: 'cancelled' });
    assert.equal(await store.deliverAnswer('offer-11hhhhh', 'x'), false);
  });

  withStore('the waiting pool is bounded (a replacement does not count twice)', async (store) => {
    const ac = new AbortController();
    const ids = Array.from({ length: limits.maxWaitingVolunteers }, (_, i) => `vol-bound-${i}`);
    const waits = ids.map((id) => store.waitForOffer(volunteer(id), LONG, ac.signal));
    await waitingCount(store, ids.length);
    await assert.rejects(
      store.waitForOffer(volunteer('vol-one-too-many'), LONG, ac.signal),
      (err: unknown) => {
        assert.ok(err instanceof SignalingError);
        assert.equal(err.code, 'overloaded');
        return true;
      },
    );
    const again = store.waitForOffer(volunteer(ids[0]!), LONG, ac.signal);
    assert.equal(await waits[0], null);
    ac.abort();
    assert.deepEqual(
      await Promise.all([again, ...waits.slice(1)]),
      ids.map(() => null),
    );
  });

  withStore('pending offers are bounded; the volunteer stays waiting on overload', async (store) => {
    const vols = Array.from({ length: limits.maxPendingOffers + 1 }, (_, i) => volunteer(`vol-pend-${i}`));
    const ac = new AbortController();
    const waits = vols.map((v) => store.waitForOffer(v, LONG, ac.signal));
    await waitingCount(store, vols.length);
    for (let i = 0; i < limits.maxPendingOffers; i++) {
      assert.equal(await store.claim(vols[i]!, offer(`offer-pend-${i}x`), LONG, client()), true);
    }
    const last = vols[vols.length - 1]!;
    await assert.rejects(store.claim(last, offer('offer-pend-over'), LONG, client()), (err: unknown) => {
      assert.ok(err instanceof SignalingError);
      assert.equal(err.code, 'overloaded');
      return true;
    });
    assert.deepEqual(await store.listWaiting(EGRESS), [last]);
    ac.abort();
    await Promise.all(waits);
  });

  withStore('one source holds at most its share of the pool; other sources still get in', async (store) => {
    const ac = new AbortController();
    const share = limits.maxWaitingPerSource;
    const fromOneHost = (id: string) => volunteer(id, { source: 'one-host' });
    const crowd = Array.from({ length: share }, (_, i) => fromOneHost(`vol-crowd-${i}`));
    const waits = crowd.map((v) => store.waitForOffer(v, LONG, ac.signal));
    await waitingCount(store, share);
    const overloaded = (err: unknown): boolean => {
      assert.ok(err instanceof SignalingError);
      assert.equal(err.code, 'overloaded');
      return true;
    };
    await assert.rejects(store.waitForOffer(fromOneHost('vol-crowd-more'), LONG, ac.signal), overloaded);
    const again = store.waitForOffer(fromOneHost(crowd[0]!.id), LONG, ac.signal);
    assert.equal(await waits[0], null, 'a replacement from the same source is not one more');
    await waitingCount(store, share);
    const elsewhere = store.waitForOffer(volunteer('vol-elsewhere', { source: 'two-host' }), LONG, ac.signal);
    const listed = await waitingCount(store, share + 1);
    assert.deepEqual(listed.map((v) => v.source).sort(), [
      ...Array<string>(share).fill('one-host'),
      'two-host',
    ]);
    ac.abort();
    await Promise.all([again, elsewhere, ...waits.slice(1)]);
    await waitingCount(store, 0);
    const later = new AbortController();
    const wait = store.waitForOffer(fromOneHost('vol-crowd-later'), LONG, later.signal);
    await waitingCount(store, 1);
    later.abort();
    assert.equal(await wait, null, 'polls that ended no longer count');
  });

  withStore('one client source has at most its share of pending offers', async (store) => {
    const share = limits.maxPendingPerSource;
    const vols = Array.from({ length: share + 1 }, (_, i) => volunteer(`vol-share-${i}`));
    const ac = new AbortController();
    const waits = vols.map((v) => store.waitForOffer(v, LONG, ac.signal));
    await waitingCount(store, vols.length);
    for (let i = 0; i < share; i++) {
      assert.equal(await store.claim(vols[i]!, offer(`offer-share-${i}`), LONG, 'greedy-client'), true);
    }
    const last = vols[share]!;
    await assert.rejects(
      store.claim(last, offer('offer-share-over'), LONG, 'greedy-client'),
      (err: unknown) => {
        assert.ok(err instanceof SignalingError);
        assert.equal(err.code, 'overloaded');
        return true;
      },
    );
    assert.deepEqual(await store.listWaiting(EGRESS), [last], 'the volunteer stays waiting');
    // Once one of its offers is settled, the greedy client has room again; another client always had.
    await store.cancelOffer('offer-share-0');
    assert.equal((await store.waitAnswer('offer-share-0')).kind, 'cancelled');
    assert.equal(await store.claim(last, offer('offer-share-next'), LONG, 'greedy-client'), true);
    await Promise.all(waits);
    const next = volunteer('vol-share-next');
    const wait = store.waitForOffer(next, LONG, ac.signal);
    await waitingCount(store, 1);
    assert.equal(await store.claim(next, offer('offer-share-modest'), LONG, 'modest-client'), true);
    await wait;
  });

  withStore('outcomes: a match record is taken once; counts add up per key and expire', async (store) => {
    const record = {
      volunteer: 'vol-x',
      volunteerNat: 'cone',
      clientNat: 'symmetric',
      relay: true,
      source: 's',
    } as const;
    await store.outcomes.remember('match-aaaaaaaa', record, LONG);
    await store.outcomes.remember('match-short', record, 1);
    assert.deepEqual(await store.outcomes.take('match-aaaaaaaa'), record);
    assert.equal(await store.outcomes.take('match-aaaaaaaa'), undefined, 'only once');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await store.outcomes.take('match-short'), undefined, 'expired');
    await store.outcomes.count(['k1', 'k2'], false, LONG);
    await store.outcomes.count(['k1'], true, LONG);
    await store.outcomes.count(['k3'], false, 1);
    await new Promise((r) => setTimeout(r, 20));
    const counts = await store.outcomes.read(['k1', 'k2', 'k3', 'k4']);
    assert.deepEqual(counts.get('k1'), { connected: 1, failed: 1 });
    assert.deepEqual(counts.get('k2'), { connected: 0, failed: 1 });
    assert.equal(counts.has('k3'), false, 'its window passed');
    assert.equal(counts.has('k4'), false);
  });

  withStore('the deployment secret is at least 32 bytes', async (store) => {
    assert.ok(store.secret.byteLength >= 32, `${store.secret.byteLength} bytes`);
  });

  test(`${name}: close ends every wait and refuses new polls`, async () => {
    const store = await makeStore(limits);
    const v1 = volunteer('vol-close-1');
    const v2 = volunteer('vol-close-2');
    const poll = store.waitForOffer(v1, LONG);
    const claimedWait = store.waitForOffer(v2, LONG);
    await waitingCount(store, 2);
    assert.equal(await store.claim(v2, offer('offer-close-1'), LONG, client()), true);
    await claimedWait;
    const answer = store.waitAnswer('offer-close-1');
    await store.close();
    assert.equal(await poll, null);
    assert.deepEqual(await answer, { kind: 'cancelled' });
    await assert.rejects(store.waitForOffer(volunteer('vol-close-3'), LONG), (err: unknown) => {
      assert.ok(err instanceof SignalingError);
      assert.equal(err.code, 'unavailable');
      return true;
    });
  });
}
