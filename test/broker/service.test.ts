import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/broker/memory-store.js';
import { BrokerService, type BrokerServiceOptions } from '../../src/broker/service.js';
import { SignalingError } from '../../src/signaling/errors.js';
import type { PollRequest, PollResponse } from '../../src/signaling/messages.js';
import { EGRESS, isCode, until } from './helpers.js';

const OTHER = 'ws://127.0.0.1:8702/';

function setup(options: Partial<BrokerServiceOptions> = {}): { store: MemoryStore; service: BrokerService } {
  const store = new MemoryStore({ maxWaitingVolunteers: 10, maxPendingOffers: 10 });
  const service = new BrokerService(store, [EGRESS, OTHER], {
    pollTimeoutMs: 5_000,
    answerTimeoutMs: 5_000,
    ...options,
  });
  return { store, service };
}
const pollReq = (id: string, over: Partial<PollRequest> = {}): PollRequest => ({
  id,
  nat: 'unrestricted',
  capacity: 2,
  egress: [EGRESS],
  ...over,
});

test('full match: the poll gets the offer, the client gets the answer', async () => {
  const { store, service } = setup();
  const poll = service.poll(pollReq('volunteer-1'));
  await until(() => store.size.waiting === 1);
  const offer = service.offer({ nat: 'restricted', sdp: 'v=0 offer', exclude: [] });
  const polled = await poll;
  assert.equal(polled.retryAfterMs, 0);
  assert.ok(polled.offer !== null);
  assert.equal(polled.offer.sdp, 'v=0 offer');
  assert.equal(polled.offer.egress, EGRESS, 'the default egress is the first one');
  await service.answer({ offerId: polled.offer.id, sdp: 'v=0 answer' });
  assert.deepEqual(await offer, { sdp: 'v=0 answer', volunteer: 'volunteer-1' });
  assert.deepEqual(store.size, { waiting: 0, pending: 0 });
  await assert.rejects(
    service.answer({ offerId: polled.offer.id, sdp: 'again' }),
    isCode('unknown-offer', 404),
  );
  await store.close();
});

test('no fitting volunteer: 503 no-match with retryAfterMs', async () => {
  const { store, service } = setup({ retryAfterMs: 1234 });
  await assert.rejects(service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }), (err: unknown) => {
    assert.ok(err instanceof SignalingError);
    assert.equal(err.code, 'no-match');
    assert.equal(err.status, 503);
    assert.equal(err.retryAfterMs, 1234);
    return true;
  });
  const ac = new AbortController();
  const poll = service.poll(pollReq('volunteer-r', { nat: 'restricted' }), ac.signal);
  await until(() => store.size.waiting === 1);
  await assert.rejects(service.offer({ nat: 'restricted', sdp: 'x', exclude: [] }), isCode('no-match'));
  await assert.rejects(
    service.offer({ nat: 'unknown', sdp: 'x', egress: OTHER, exclude: [] }),
    isCode('no-match'),
  );
  await assert.rejects(
    service.offer({ nat: 'unknown', sdp: 'x', exclude: ['volunteer-r'] }),
    isCode('no-match'),
  );
  ac.abort();
  assert.deepEqual(await poll, { offer: null, retryAfterMs: 1234 });
  await store.close();
});

test('an unanswered offer is 504 timeout; its late answer is 404', async () => {
  const { store, service } = setup({ answerTimeoutMs: 30 });
  const poll = service.poll(pollReq('volunteer-2'));
  await until(() => store.size.waiting === 1);
  const offer = service.offer({ nat: 'unknown', sdp: 'x', exclude: [] });
  const polled = await poll;
  await assert.rejects(offer, isCode('timeout', 504));
  assert.ok(polled.offer !== null);
  await assert.rejects(
    service.answer({ offerId: polled.offer.id, sdp: 'late' }),
    isCode('unknown-offer', 404),
  );
  await store.close();
});

test('an unknown offer id is 404 unknown-offer', async () => {
  const { store, service } = setup();
  await assert.rejects(service.answer({ offerId: 'never-issued-1', sdp: 'x' }), isCode('unknown-offer', 404));
  await store.close();
});

test('a poll times out with no offer and a retry hint', async () => {
  const { store, service } = setup({ pollTimeoutMs: 20, retryAfterMs: 700 });
  assert.deepEqual(await service.poll(pollReq('volunteer-3')), { offer: null, retryAfterMs: 700 });
  assert.equal(store.size.waiting, 0);
  await store.close();
});

test('a replaced poll ends empty and the new poll gets the offer', async () => {
  const { store, service } = setup();
  const first = service.poll(pollReq('volunteer-4', { capacity: 1 }));
  await until(() => store.size.waiting === 1);
  const second = service.poll(pollReq('volunteer-4', { capacity: 9 }));
  assert.equal((await first).offer, null);
  const offer = service.offer({ nat: 'unknown', sdp: 'x', exclude: [] });
  const got = await second;
  assert.ok(got.offer !== null);
  await service.answer({ offerId: got.offer.id, sdp: 'ans' });
  assert.equal((await offer).volunteer, 'volunteer-4');
  await store.close();
});

test('the best volunteer is chosen: egress, capacity, then waiting time', async () => {
  const { store, service } = setup();
  const ac = new AbortController();
  const polls = [
    service.poll(pollReq('small-cap-1', { capacity: 1 }), ac.signal),
    service.poll(pollReq('big-cap-old', { capacity: 8 }), ac.signal),
    service.poll(pollReq('big-cap-new', { capacity: 8 }), ac.signal),
    service.poll(pollReq('other-only1', { capacity: 64, egress: [OTHER] }), ac.signal),
  ];
  await until(() => store.size.waiting === 4);
  const offer = service.offer({ nat: 'unknown', sdp: 'x', egress: EGRESS, exclude: [] });
  const got = await polls[1]!;
  assert.ok(got.offer !== null);
  await service.answer({ offerId: got.offer.id, sdp: 'a' });
  assert.equal((await offer).volunteer, 'big-cap-old');
  ac.abort();
  await Promise.all(polls);
  await store.close();
});

test('egress the broker does not serve is 400 unknown-egress', async () => {
  const { store, service } = setup();
  const stray = 'ws://127.0.0.1:9/';
  await assert.rejects(
    service.offer({ nat: 'unknown', sdp: 'x', egress: stray, exclude: [] }),
    isCode('unknown-egress', 400),
  );
  await assert.rejects(
    service.poll(pollReq('volunteer-5', { egress: [stray] })),
    isCode('unknown-egress', 400),
  );
  assert.deepEqual(service.info(), { egress: [EGRESS, OTHER] });
  await store.close();
});

test('a volunteer that left before receiving its offer is skipped for the next one', async () => {
  const { store, service } = setup();
  const gone = new AbortController();
  const left = service.poll(pollReq('leaves-early', { capacity: 9 }), gone.signal);
  const stays = service.poll(pollReq('stays-here1', { capacity: 1 }));
  await until(() => store.size.waiting === 2);
  // The HTTP connection of the first volunteer closes just as its offer is delivered.
  const claim = store.claim.bind(store);
  store.claim = async (v, o, t) => {
    const ok = await claim(v, o, t);
    if (v.id === 'leaves-early') gone.abort();
    return ok;
  };
  const offer = service.offer({ nat: 'unknown', sdp: 'x', exclude: [] });
  assert.equal((await left).offer, null);
  const got = await stays;
  assert.ok(got.offer !== null);
  await service.answer({ offerId: got.offer.id, sdp: 'ans' });
  assert.equal((await offer).volunteer, 'stays-here1');
  await store.close();
});

test('overload carries a retry hint', async () => {
  const store = new MemoryStore({ maxWaitingVolunteers: 1, maxPendingOffers: 1 });
  const service = new BrokerService(store, [EGRESS], { overloadedRetryAfterMs: 4321, pollTimeoutMs: 5_000 });
  const ac = new AbortController();
  const poll = service.poll(pollReq('volunteer-6'), ac.signal);
  await assert.rejects(service.poll(pollReq('volunteer-7')), (err: unknown) => {
    assert.ok(err instanceof SignalingError);
    assert.equal(err.code, 'overloaded');
    assert.equal(err.retryAfterMs, 4321);
    return true;
  });
  ac.abort();
  await poll;
  await store.close();
});

test('the egress list is capped at what a client decodes (signaling-v1 §3) and must not be empty', async () => {
  const store = new MemoryStore();
  const sixteen = Array.from({ length: 16 }, (_, i) => `ws://127.0.0.1:${9000 + i}/`);
  assert.equal(new BrokerService(store, sixteen).info().egress.length, 16);
  assert.throws(() => new BrokerService(store, [...sixteen, 'ws://127.0.0.1:9999/']), {
    name: 'RangeError',
    message: /at most 16 egress URLs/,
  });
  assert.throws(() => new BrokerService(store, []), RangeError);
  assert.throws(() => new BrokerService(store, ['http://127.0.0.1/']), TypeError);
  assert.deepEqual(new BrokerService(store, ['WS://127.0.0.1:8701', EGRESS]).info(), { egress: [EGRESS] });
  await store.close();
});

test('an offer whose client already gave up takes no volunteer', async () => {
  const { store, service } = setup();
  const poll = service.poll(pollReq('keeps-wait1'));
  await until(() => store.size.waiting === 1);
  const gaveUp = new AbortController();
  gaveUp.abort();
  await assert.rejects(
    service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, gaveUp.signal),
    isCode('unavailable', 503),
  );
  // The client hangs up while the pool is being read: the chosen volunteer is not claimed either.
  const hangsUp = new AbortController();
  const list = store.listWaiting.bind(store);
  store.listWaiting = async (egress) => {
    const found = await list(egress);
    hangsUp.abort();
    return found;
  };
  await assert.rejects(
    service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, hangsUp.signal),
    isCode('unavailable', 503),
  );
  assert.deepEqual(store.size, { waiting: 1, pending: 0 }, 'the volunteer still waits, with no offer');
  store.listWaiting = list;
  const offer = service.offer({ nat: 'unknown', sdp: 'x', exclude: [] });
  const got = await poll;
  assert.ok(got.offer !== null);
  await service.answer({ offerId: got.offer.id, sdp: 'ans' });
  assert.equal((await offer).volunteer, 'keeps-wait1');
  await store.close();
});

/** A promise with its resolver, to hold a store call open. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve: (v: T) => void = () => {};
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Answers every offer its volunteer polls for, so the offers resolve. */
async function answerPolls(service: BrokerService, polls: Promise<PollResponse>[]): Promise<void> {
  for (const poll of polls) {
    const got = await poll;
    if (got.offer !== null) await service.answer({ offerId: got.offer.id, sdp: 'ans' });
  }
}

test('matching turn: the next read waits until the previous claim is issued, not until it ends', async () => {
  const { store, service } = setup();
  const polls = [service.poll(pollReq('turn-vol-a', { capacity: 9 })), service.poll(pollReq('turn-vol-b'))];
  await until(() => store.size.waiting === 2);
  const log: string[] = [];
  const list = store.listWaiting.bind(store);
  store.listWaiting = async (egress) => {
    log.push('read');
    return list(egress);
  };
  const hold = deferred<void>();
  const claim = store.claim.bind(store);
  store.claim = (v, o, t) => {
    log.push(`claim ${v.id}`);
    const claimed = claim(v, o, t);
    return hold.promise.then(() => claimed);
  };
  const offers = [1, 2].map(() => service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }));
  await until(() => log.length === 4);
  assert.deepEqual(
    log,
    ['read', 'claim turn-vol-a', 'read', 'claim turn-vol-b'],
    'the second offer read the pool after the first claim was issued, so it chose another volunteer',
  );
  hold.resolve();
  await answerPolls(service, polls);
  assert.deepEqual((await Promise.all(offers)).map((a) => a.volunteer).sort(), ['turn-vol-a', 'turn-vol-b']);
  await store.close();
});

test('matching turn: concurrent offers on one instance do not chase the same volunteer', async () => {
  const { store, service } = setup();
  const ids = ['chase-vol-1', 'chase-vol-2', 'chase-vol-3'];
  const polls = ids.map((id) => service.poll(pollReq(id)));
  await until(() => store.size.waiting === 3);
  // Every store call takes a while, as a round trip to a shared store does.
  const list = store.listWaiting.bind(store);
  store.listWaiting = async (egress) => {
    const found = await list(egress);
    await new Promise((r) => setTimeout(r, 5));
    return found;
  };
  let failed = 0;
  const claim = store.claim.bind(store);
  store.claim = (v, o, t) => {
    const claimed = claim(v, o, t);
    return claimed.then(async (ok) => {
      if (!ok) failed++;
      await new Promise((r) => setTimeout(r, 5));
      return ok;
    });
  };
  const offers = ids.map(() => service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }));
  await answerPolls(service, polls);
  assert.deepEqual((await Promise.all(offers)).map((a) => a.volunteer).sort(), ids);
  assert.equal(failed, 0, 'no claim found its volunteer taken by an offer of the same instance');
  await store.close();
});

test('matching turn: a read with no match, a failed read and a failed claim each pass the turn on', async () => {
  const { store, service } = setup();
  await assert.rejects(service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }), isCode('no-match'));
  const list = store.listWaiting.bind(store);
  store.listWaiting = async () => {
    throw new SignalingError('unavailable', 'store down');
  };
  await assert.rejects(service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }), isCode('unavailable'));
  store.listWaiting = list;
  const ac = new AbortController();
  const waiting = service.poll(pollReq('turn-vol-c'), ac.signal);
  await until(() => store.size.waiting === 1);
  const claim = store.claim.bind(store);
  store.claim = async () => {
    throw new SignalingError('overloaded', 'too many offers pending');
  };
  await assert.rejects(service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }), isCode('overloaded'));
  store.claim = claim;
  const offer = service.offer({ nat: 'unknown', sdp: 'x', exclude: [] });
  await answerPolls(service, [waiting]);
  assert.equal((await offer).volunteer, 'turn-vol-c');
  await store.close();
});
