import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokerKeys } from '../../src/broker/keys.js';
import { MemoryStore } from '../../src/broker/memory-store.js';
import { BrokerService, type BrokerServiceOptions } from '../../src/broker/service.js';
import type { SignalingStore } from '../../src/broker/store.js';
import { SignalingError } from '../../src/signaling/errors.js';
import type { PollRequest, PollResponse } from '../../src/signaling/messages.js';
import { EGRESS, isCode, until } from './helpers.js';

const OTHER = 'ws://127.0.0.1:8702/';

/** The source key every request of these tests comes from, unless a test says otherwise. */
const SRC = 'source-key-a';

function setup(options: Partial<BrokerServiceOptions> = {}): {
  store: MemoryStore;
  service: BrokerService;
  who: Identities;
} {
  const store = new MemoryStore({ maxWaitingVolunteers: 10, maxPendingOffers: 10 });
  const service = new BrokerService(store, [EGRESS, OTHER], {
    pollTimeoutMs: 5_000,
    answerTimeoutMs: 5_000,
    ...options,
  });
  return { store, service, who: identities(store) };
}

interface Identities {
  /** A poll by the test volunteer called `name`, with its ticket. */
  req(name: string, over?: Partial<PollRequest>): PollRequest;
  /** The test name of a volunteer id the broker reports. */
  name(id: string): string;
  /** The broker's id of the test volunteer called `name`. */
  id(name: string): string;
}

/** Broker-made identities (signaling-v1 §4) for named test volunteers, so tests can say who got what. */
function identities(store: SignalingStore): Identities {
  const keys = new BrokerKeys(store.secret);
  const byName = new Map<string, { id: string; ticket: string }>();
  const of = (name: string) => {
    const known = byName.get(name) ?? keys.newVolunteer();
    byName.set(name, known);
    return known;
  };
  return {
    req: (name, over = {}) => ({ ticket: of(name).ticket, nat: 'public', egress: [EGRESS], ...over }),
    name: (id) => [...byName].find(([, v]) => v.id === id)?.[0] ?? id,
    id: (name) => of(name).id,
  };
}

test('full match: the poll gets the offer, the client gets the answer', async () => {
  const { store, service, who } = setup();
  const poll = service.poll(who.req('volunteer-1'), SRC);
  await until(() => store.size.waiting === 1);
  const offer = service.offer({ nat: 'symmetric', sdp: 'v=0 offer', exclude: [] }, SRC);
  const polled = await poll;
  assert.equal(polled.retryAfterMs, 0);
  assert.ok(polled.offer !== null);
  assert.equal(polled.offer.sdp, 'v=0 offer');
  assert.equal(polled.offer.egress, EGRESS, 'the default egress is the first one');
  await service.answer({ offerId: polled.offer.id, sdp: 'v=0 answer' });
  const answered = await offer;
  assert.deepEqual(answered, { sdp: 'v=0 answer', volunteer: who.id('volunteer-1'), match: answered.match });
  assert.ok(answered.match !== undefined && answered.match !== polled.offer.id, 'the match has its own id');
  assert.equal(polled.ticket, who.req('volunteer-1').ticket, 'the poll answer gives the ticket back');
  assert.deepEqual(store.size, { waiting: 0, pending: 0 });
  await assert.rejects(
    service.answer({ offerId: polled.offer.id, sdp: 'again' }),
    isCode('unknown-offer', 404),
  );
  await store.close();
});

test('no fitting volunteer: 503 no-match with retryAfterMs', async () => {
  const { store, service, who } = setup({ retryAfterMs: 1234 });
  await assert.rejects(service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC), (err: unknown) => {
    assert.ok(err instanceof SignalingError);
    assert.equal(err.code, 'no-match');
    assert.equal(err.status, 503);
    assert.equal(err.retryAfterMs, 1234);
    return true;
  });
  const ac = new AbortController();
  const poll = service.poll(who.req('volunteer-r', { nat: 'symmetric' }), SRC, ac.signal);
  await until(() => store.size.waiting === 1);
  await assert.rejects(service.offer({ nat: 'symmetric', sdp: 'x', exclude: [] }, SRC), isCode('no-match'));
  await assert.rejects(
    service.offer({ nat: 'unknown', sdp: 'x', egress: OTHER, exclude: [] }, SRC),
    isCode('no-match'),
  );
  await assert.rejects(
    service.offer({ nat: 'unknown', sdp: 'x', exclude: [who.id('volunteer-r')] }, SRC),
    isCode('no-match'),
  );
  ac.abort();
  assert.deepEqual(await poll, { ticket: who.req('volunteer-r').ticket, offer: null, retryAfterMs: 1234 });
  await store.close();
});

test('an unanswered offer is 504 timeout; its late answer is 404', async () => {
  const { store, service, who } = setup({ answerTimeoutMs: 30 });
  const poll = service.poll(who.req('volunteer-2'), SRC);
  await until(() => store.size.waiting === 1);
  const offer = service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC);
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

test('a poll held its whole time ends with no offer and polls again at once', async () => {
  // A pause after each turn would leave the pool without this volunteer for that long (signaling-v1 §4).
  const { store, service, who } = setup({ pollTimeoutMs: 20, retryAfterMs: 700 });
  const ticket = who.req('volunteer-3').ticket;
  assert.deepEqual(await service.poll(who.req('volunteer-3'), SRC), {
    ticket,
    offer: null,
    retryAfterMs: 0,
  });
  assert.equal(store.size.waiting, 0);
  await store.close();
});

test('a replaced poll ends empty and the new poll gets the offer', async () => {
  const { store, service, who } = setup();
  const first = service.poll(who.req('volunteer-4'), SRC);
  await until(() => store.size.waiting === 1);
  const second = service.poll(who.req('volunteer-4'), SRC);
  // Ended early, so not "at once": two pollers with one ticket must not take turns in a tight loop.
  assert.deepEqual(await first, { ticket: who.req('volunteer-4').ticket, offer: null, retryAfterMs: 1000 });
  const offer = service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC);
  const got = await second;
  assert.ok(got.offer !== null);
  await service.answer({ offerId: got.offer.id, sdp: 'ans' });
  assert.equal(who.name((await offer).volunteer), 'volunteer-4');
  await store.close();
});

test('the best volunteer is chosen: egress, then the longest wait', async () => {
  const { store, service, who } = setup();
  const ac = new AbortController();
  const polls = [
    service.poll(who.req('other-only1', { egress: [OTHER] }), SRC, ac.signal),
    service.poll(who.req('waits-longest'), SRC, ac.signal),
    service.poll(who.req('came-second'), SRC, ac.signal),
    service.poll(who.req('came-third'), SRC, ac.signal),
  ];
  await until(() => store.size.waiting === 4);
  const offer = service.offer({ nat: 'unknown', sdp: 'x', egress: EGRESS, exclude: [] }, SRC);
  const got = await polls[1]!;
  assert.ok(got.offer !== null);
  await service.answer({ offerId: got.offer.id, sdp: 'a' });
  assert.equal(who.name((await offer).volunteer), 'waits-longest');
  ac.abort();
  await Promise.all(polls);
  await store.close();
});

test('egress the broker does not serve is 400 unknown-egress', async () => {
  const { store, service, who } = setup();
  const stray = 'ws://127.0.0.1:9/';
  await assert.rejects(
    service.offer({ nat: 'unknown', sdp: 'x', egress: stray, exclude: [] }, SRC),
    isCode('unknown-egress', 400),
  );
  await assert.rejects(
    service.poll(who.req('volunteer-5', { egress: [stray] }), SRC),
    isCode('unknown-egress', 400),
  );
  assert.deepEqual(service.info(), { egress: [EGRESS, OTHER] });
  await store.close();
});

test('a volunteer that left before receiving its offer is skipped for the next one', async () => {
  const { store, service, who } = setup();
  const gone = new AbortController();
  const left = service.poll(who.req('leaves-early'), SRC, gone.signal);
  const stays = service.poll(who.req('stays-here1'), SRC);
  await until(() => store.size.waiting === 2);
  // The HTTP connection of the first volunteer closes just as its offer is delivered.
  const claim = store.claim.bind(store);
  store.claim = async (v, o, t, c) => {
    const ok = await claim(v, o, t, c);
    if (v.id === who.id('leaves-early')) gone.abort();
    return ok;
  };
  const offer = service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC);
  assert.equal((await left).offer, null);
  const got = await stays;
  assert.ok(got.offer !== null);
  await service.answer({ offerId: got.offer.id, sdp: 'ans' });
  assert.equal(who.name((await offer).volunteer), 'stays-here1');
  await store.close();
});

test('overload carries a retry hint', async () => {
  const store = new MemoryStore({ maxWaitingVolunteers: 1, maxPendingOffers: 1 });
  const service = new BrokerService(store, [EGRESS], { overloadedRetryAfterMs: 4321, pollTimeoutMs: 5_000 });
  const who = identities(store);
  const ac = new AbortController();
  const poll = service.poll(who.req('volunteer-6'), SRC, ac.signal);
  await assert.rejects(service.poll(who.req('volunteer-7'), SRC), (err: unknown) => {
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
  const { store, service, who } = setup();
  const poll = service.poll(who.req('keeps-wait1'), SRC);
  await until(() => store.size.waiting === 1);
  const gaveUp = new AbortController();
  gaveUp.abort();
  await assert.rejects(
    service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC, gaveUp.signal),
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
    service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC, hangsUp.signal),
    isCode('unavailable', 503),
  );
  assert.deepEqual(store.size, { waiting: 1, pending: 0 }, 'the volunteer still waits, with no offer');
  store.listWaiting = list;
  const offer = service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC);
  const got = await poll;
  assert.ok(got.offer !== null);
  await service.answer({ offerId: got.offer.id, sdp: 'ans' });
  assert.equal(who.name((await offer).volunteer), 'keeps-wait1');
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
  const { store, service, who } = setup();
  const polls = [service.poll(who.req('turn-vol-a'), SRC), service.poll(who.req('turn-vol-b'), SRC)];
  await until(() => store.size.waiting === 2);
  const log: string[] = [];
  const list = store.listWaiting.bind(store);
  store.listWaiting = async (egress) => {
    log.push('read');
    return list(egress);
  };
  const hold = deferred<void>();
  const claim = store.claim.bind(store);
  store.claim = (v, o, t, c) => {
    log.push(`claim ${who.name(v.id)}`);
    const claimed = claim(v, o, t, c);
    return hold.promise.then(() => claimed);
  };
  const offers = [1, 2].map(() => service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC));
  await until(() => log.length === 4);
  assert.deepEqual(
    log,
    ['read', 'claim turn-vol-a', 'read', 'claim turn-vol-b'],
    'the second offer read the pool after the first claim was issued, so it chose another volunteer',
  );
  hold.resolve();
  await answerPolls(service, polls);
  assert.deepEqual((await Promise.all(offers)).map((a) => who.name(a.volunteer)).sort(), [
    'turn-vol-a',
    'turn-vol-b',
  ]);
  await store.close();
});

test('matching turn: concurrent offers on one instance do not chase the same volunteer', async () => {
  const { store, service, who } = setup();
  const ids = ['chase-vol-1', 'chase-vol-2', 'chase-vol-3'];
  const polls = ids.map((id) => service.poll(who.req(id), SRC));
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
  store.claim = (v, o, t, c) => {
    const claimed = claim(v, o, t, c);
    return claimed.then(async (ok) => {
      if (!ok) failed++;
      await new Promise((r) => setTimeout(r, 5));
      return ok;
    });
  };
  const offers = ids.map(() => service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC));
  await answerPolls(service, polls);
  assert.deepEqual((await Promise.all(offers)).map((a) => who.name(a.volunteer)).sort(), ids);
  assert.equal(failed, 0, 'no claim found its volunteer taken by an offer of the same instance');
  await store.close();
});

test('matching turn: a read with no match, a failed read and a failed claim each pass the turn on', async () => {
  const { store, service, who } = setup();
  await assert.rejects(service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC), isCode('no-match'));
  const list = store.listWaiting.bind(store);
  store.listWaiting = async () => {
    throw new SignalingError('unavailable', 'store down');
  };
  await assert.rejects(service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC), isCode('unavailable'));
  store.listWaiting = list;
  const ac = new AbortController();
  const waiting = service.poll(who.req('turn-vol-c'), SRC, ac.signal);
  await until(() => store.size.waiting === 1);
  const claim = store.claim.bind(store);
  store.claim = async () => {
    throw new SignalingError('overloaded', 'too many offers pending');
  };
  await assert.rejects(service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC), isCode('overloaded'));
  store.claim = claim;
  const offer = service.offer({ nat: 'unknown', sdp: 'x', exclude: [] }, SRC);
  await answerPolls(service, [waiting]);
  assert.equal(who.name((await offer).volunteer), 'turn-vol-c');
  await store.close();
});
