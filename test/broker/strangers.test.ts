/**
 * Hostile volunteers and clients against BrokerService, without sockets (issue 9, findings 1 and 7;
 * docs/security.md, "Broker"). The same attacks through the real HTTP broker: strangers-http.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokerKeys } from '../../src/broker/keys.js';
import type { MemoryStoreOptions } from '../../src/broker/memory-store.js';
import { MemoryStore } from '../../src/broker/memory-store.js';
import { BrokerService, type BrokerServiceOptions } from '../../src/broker/service.js';
import type { PollRequest, PollResponse } from '../../src/signaling/messages.js';
import { EGRESS, isCode, until } from './helpers.js';

function setup(service: Partial<BrokerServiceOptions> = {}, store: Partial<MemoryStoreOptions> = {}) {
  const memory = new MemoryStore(store);
  return {
    store: memory,
    service: new BrokerService(memory, [EGRESS], {
      pollTimeoutMs: 5_000,
      answerTimeoutMs: 5_000,
      ...service,
    }),
  };
}
const poll = (over: Partial<PollRequest> = {}): PollRequest => ({
  nat: 'unknown',
  egress: [EGRESS],
  ...over,
});
const offer = { nat: 'unknown' as const, sdp: 'v=0 offer', exclude: [] };

/** Answers the offer a poll gets and returns the id its client learns (`asked` is that client's offer). */
async function answered(
  service: BrokerService,
  polling: Promise<PollResponse>,
  asked: Promise<{ volunteer: string }>,
): Promise<string> {
  const polled = await polling;
  assert.ok(polled.offer !== null, 'the poll got an offer');
  await service.answer({ offerId: polled.offer.id, sdp: 'v=0 answer' });
  return (await asked).volunteer;
}

test('the broker names volunteers: a made-up or altered ticket gets a new id, not the one it names', async () => {
  const { store, service } = setup();
  const keys = new BrokerKeys(store.secret);
  const real = keys.newVolunteer();
  for (const ticket of [
    `${real.id}${'A'.repeat(22)}`, // the id a client learned, with a made-up MAC
    real.ticket.slice(0, -1) + (real.ticket.endsWith('A') ? 'B' : 'A'), // one character changed
    new BrokerKeys(new Uint8Array(32)).newVolunteer().ticket, // made under another secret
    'my-favourite-volunteer-id',
  ]) {
    const ac = new AbortController();
    const polling = service.poll(poll({ ticket }), 'stranger', ac.signal);
    await until(() => store.size.waiting === 1);
    const asked = service.offer(offer, 'client');
    const id = await answered(service, polling, asked);
    assert.notEqual(id, real.id, `${ticket} was given an id of its own`);
    assert.ok(!ticket.startsWith(id), 'nor the one it spells');
  }
  // The real ticket is that volunteer, and its poll says so by giving the same ticket back.
  const polling = service.poll(poll({ ticket: real.ticket }), 'volunteer');
  await until(() => store.size.waiting === 1);
  const asked = service.offer(offer, 'client');
  assert.equal(await answered(service, polling, asked), real.id);
  assert.equal((await polling).ticket, real.ticket);
  await store.close();
});

test('only the holder of the ticket can replace a waiting poll', async () => {
  const { store, service } = setup();
  const first = service.poll(poll(), 'victim');
  await until(() => store.size.waiting === 1);
  const asked = service.offer(offer, 'stranger');
  const learned = await answered(service, first, asked);
  const { ticket } = await first;
  const victim = service.poll(poll({ ticket }), 'victim');
  await until(() => store.size.waiting === 1);
  const stranger = new AbortController();
  const forged = service.poll(poll({ ticket: learned }), 'stranger', stranger.signal);
  await until(() => store.size.waiting === 2);
  const replaced = service.poll(poll({ ticket }), 'victim-on-another-network');
  assert.equal((await victim).offer, null, 'its holder replaced it, from wherever it polls now');
  await until(() => store.size.waiting === 2);
  stranger.abort();
  assert.equal((await forged).offer, null);
  assert.equal(await answered(service, replaced, service.offer(offer, 'client')), learned);
  await store.close();
});

test("one source's polls beyond its share are refused, and other sources still get in", async () => {
  const { store, service } = setup({ overloadedRetryAfterMs: 777 }, { maxWaitingPerSource: 3 });
  const ac = new AbortController();
  const crowd = Array.from({ length: 3 }, () => service.poll(poll(), 'crowd', ac.signal));
  await until(() => store.size.waiting === 3);
  await assert.rejects(service.poll(poll(), 'crowd', ac.signal), (err: unknown) => {
    assert.ok(isCode('overloaded', 503)(err));
    assert.equal((err as { retryAfterMs?: number }).retryAfterMs, 777);
    return true;
  });
  const honest = service.poll(poll(), 'honest', ac.signal);
  await until(() => store.size.waiting === 4);
  ac.abort();
  await Promise.all([...crowd, honest]);
  await store.close();
});

test("one source's offers beyond its share of pending ones are refused; another's are matched", async () => {
  const { store, service } = setup({}, { maxPendingPerSource: 2 });
  const ac = new AbortController();
  const polls = Array.from({ length: 4 }, () => service.poll(poll(), 'volunteers', ac.signal));
  await until(() => store.size.waiting === 4);
  const greedy = [1, 2].map(() => service.offer(offer, 'greedy', ac.signal).catch(() => null));
  await until(() => store.size.pending === 2);
  await assert.rejects(service.offer(offer, 'greedy'), isCode('overloaded', 503));
  assert.equal(store.size.waiting, 2, 'the refused offer took no volunteer');
  const honest = service.offer({ ...offer, sdp: 'v=0 honest' }, 'honest');
  await until(() => store.size.pending === 3);
  for (const p of polls.slice(0, 3)) {
    const got = await p;
    if (got.offer?.sdp === 'v=0 honest') await service.answer({ offerId: got.offer.id, sdp: 'v=0 a' });
  }
  assert.equal((await honest).sdp, 'v=0 a');
  ac.abort();
  await Promise.all([...greedy, polls[3]]);
  await store.close();
});

test('a match budget per source: burst, then 429 with a retry hint; finding no volunteer costs nothing', async () => {
  const { store, service } = setup({ clientMatchBurst: 2, clientMatchesPerMinute: 6 });
  // Asking when no volunteer waits spends nothing.
  for (let i = 0; i < 5; i++) await assert.rejects(service.offer(offer, 'greedy'), isCode('no-match'));
  const ac = new AbortController();
  for (let i = 0; i < 2; i++) {
    const polling = service.poll(poll(), `volunteer-${i}`, ac.signal);
    await until(() => store.size.waiting === 1);
    await answered(service, polling, service.offer(offer, 'greedy'));
  }
  const waiting = service.poll(poll(), 'volunteer-last', ac.signal);
  await until(() => store.size.waiting === 1);
  await assert.rejects(service.offer(offer, 'greedy'), (err: unknown) => {
    assert.ok(isCode('rate-limited', 429)(err));
    const hint = (err as { retryAfterMs?: number }).retryAfterMs ?? 0;
    assert.ok(hint > 0 && hint <= 10_000, `one match per 10 s comes back: hint ${hint} ms`);
    return true;
  });
  assert.equal(store.size.waiting, 1, 'the refused client took no volunteer');
  await answered(service, waiting, service.offer(offer, 'honest'));
  await store.close();
});
