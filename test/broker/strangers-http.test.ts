/**
 * Hostile volunteers and clients against the real HTTP broker, on the in-process store and on Redis (issue 9,
 * findings 1 and 7; docs/security.md, "Broker"). Every body is written out by hand, as an attacker's script
 * would send it, and each source is a different `x-test-source` (the tests' stand-in for an address).
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, describe, test } from 'node:test';
import { createBrokerServer } from '../../src/broker/http.js';
import { RedisStore } from '../../src/broker/redis-store.js';
import type { SignalingStore } from '../../src/broker/store.js';
import type { BrokerOptions } from '../../src/shared/limits.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { EGRESS } from './helpers.js';

let redis: Promise<RedisServer> | undefined;
let prefixes = 0;
after(async () => (await redis)?.stop());

interface Rig {
  url: string;
  waiting(): Promise<number>;
  pending(): Promise<number>;
  close(): Promise<void>;
}

type Limits = Partial<BrokerOptions>;

async function rig(kind: 'memory' | 'redis', limits: Limits): Promise<Rig> {
  let store: SignalingStore | undefined;
  if (kind === 'redis') {
    redis ??= startRedis();
    const url = (await redis).url;
    store = await RedisStore.connect({ url, keyPrefix: `strangers${++prefixes}:`, ...limits });
  }
  const broker = createBrokerServer({
    egress: [EGRESS],
    ...(store === undefined ? {} : { store }),
    rateLimitPerSecond: 0,
    pollTimeoutMs: 10_000,
    answerTimeoutMs: 5_000,
    addressOf: (req: IncomingMessage) => String(req.headers['x-test-source'] ?? req.socket.remoteAddress),
    ...limits,
  });
  const { port } = await broker.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    waiting: async () => (await broker.store.counts()).waiting,
    pending: async () => (await broker.store.counts()).pending,
    close: async () => {
      await broker.close();
      await store?.close();
    },
  };
}

type Body = Record<string, unknown>;

/** One request from `source`; resolves with the status and the JSON answer. */
async function post(
  rig: Rig,
  path: string,
  body: Body,
  source: string,
  signal?: AbortSignal,
): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${rig.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-test-source': source },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
  return { status: res.status, body: (await res.json()) as Body };
}

/** A volunteer's poll as a script writes it: an `id` and `capacity` of its choosing, and a ticket if it has one. */
const pollBody = (id: string, over: Body = {}): Body => ({
  v: 1,
  id,
  nat: 'unknown',
  capacity: 1,
  egress: [EGRESS],
  ...over,
});
const offerBody = (sdp: string): Body => ({ v: 1, nat: 'unknown', sdp });
const offerOf = (polled: { body: Body }): { id: string; sdp: string } =>
  polled.body.offer as { id: string; sdp: string };

/** Polls until `read` gives `n` (bounded: 2 s). */
async function until(read: () => Promise<number>, n: number, what: string): Promise<void> {
  let seen = -1;
  for (let i = 0; i < 400 && seen !== n; i++) {
    seen = await read();
    if (seen !== n) await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(seen, n, what);
}

/** A request whose outcome can be looked at while others run. */
interface Tracked<T> {
  readonly promise: Promise<T>;
  readonly done: boolean;
  readonly value: T | undefined;
}
function track<T>(promise: Promise<T>): Tracked<T> {
  const t = { promise, done: false, value: undefined as T | undefined };
  void promise.then(
    (value) => Object.assign(t, { done: true, value }),
    () => Object.assign(t, { done: true }),
  );
  return t;
}
const doneCount = (list: readonly Tracked<unknown>[]) => async () => list.filter((t) => t.done).length;

for (const kind of ['memory', 'redis'] as const) {
  describe(`broker under attack (${kind} store)`, () => {
    test('a stranger who learned a volunteer id can neither evict that volunteer nor poll as it', async () => {
      const r = await rig(kind, {});
      const stranger = new AbortController();
      try {
        // The stranger plays a client first: it is matched with the victim and learns what clients learn.
        const victimPoll = post(r, '/v1/volunteer/poll', pollBody('victim-volunteer-1'), 'victim-host');
        await until(r.waiting, 1, 'the victim waits');
        const asked = post(r, '/v1/client/offer', offerBody('v=0 stranger'), 'stranger-host');
        const first = await victimPoll;
        await post(
          r,
          '/v1/volunteer/answer',
          { v: 1, offerId: offerOf(first).id, sdp: 'v=0 a' },
          'victim-host',
        );
        const answer = (await asked).body.answer as Body;
        assert.deepEqual(
          Object.keys(answer).sort(),
          ['match', 'sdp', 'volunteer'],
          'a client learns the id and the name of its match (signaling-v1 §11), nothing more',
        );
        assert.notEqual(answer.match, offerOf(first).id, 'the match is not named by the offer id');
        const learned = String(answer.volunteer);
        assert.notEqual(learned, first.body.ticket);
        // The victim polls again as itself; the stranger polls with everything it knows of the victim.
        const again = track(
          post(
            r,
            '/v1/volunteer/poll',
            pollBody('victim-volunteer-1', { ticket: first.body.ticket }),
            'victim-host',
          ),
        );
        await until(r.waiting, 1, 'the victim waits again');
        const forged = pollBody(learned, { ticket: learned, capacity: 64 });
        const forgedPoll = post(r, '/v1/volunteer/poll', forged, 'stranger-host', stranger.signal).catch(
          () => null,
        );
        await until(r.waiting, 2, 'the forged poll is one more volunteer, not a replacement');
        assert.equal(again.done, false, "the victim's poll was not ended");
        // The next client reaches the victim (it has waited longest) under the same id as before.
        const next = post(r, '/v1/client/offer', offerBody('v=0 next client'), 'client-host');
        const got = await again.promise;
        assert.equal(offerOf(got).sdp, 'v=0 next client');
        await post(
          r,
          '/v1/volunteer/answer',
          { v: 1, offerId: offerOf(got).id, sdp: 'v=0 b' },
          'victim-host',
        );
        assert.equal(((await next).body.answer as Body).volunteer, learned);
        stranger.abort();
        await forgedPoll;
      } finally {
        stranger.abort();
        await r.close();
      }
    });

    test('a declared capacity buys no clients: the longest-waiting volunteer is matched', async () => {
      const r = await rig(kind, {});
      const boasting = new AbortController();
      try {
        const modest = post(r, '/v1/volunteer/poll', pollBody('modest-volunteer', { capacity: 1 }), 'host-a');
        await until(r.waiting, 1, 'the modest volunteer waits');
        const boaster = post(
          r,
          '/v1/volunteer/poll',
          pollBody('boasting-volunteer', { capacity: 64 }),
          'host-b',
          boasting.signal,
        ).catch(() => null);
        await until(r.waiting, 2, 'both wait');
        const asked = post(r, '/v1/client/offer', offerBody('v=0 c'), 'client-host');
        const got = await modest;
        assert.equal(offerOf(got)?.sdp, 'v=0 c', 'the modest volunteer, waiting longer, got the client');
        await post(r, '/v1/volunteer/answer', { v: 1, offerId: offerOf(got).id, sdp: 'v=0 a' }, 'host-a');
        assert.equal((await asked).status, 200);
        boasting.abort();
        await boaster;
      } finally {
        boasting.abort();
        await r.close();
      }
    });

    test('one address cannot fill the waiting pool', async () => {
      const r = await rig(kind, { maxWaitingVolunteers: 6, maxWaitingPerSource: 2 });
      const ac = new AbortController();
      try {
        const crowd = Array.from({ length: 6 }, (_, i) =>
          track(post(r, '/v1/volunteer/poll', pollBody(`crowd-volunteer-${i}`), 'crowd-host', ac.signal)),
        );
        await until(doneCount(crowd), 4, 'four of the crowd were answered at once');
        const codes = crowd.filter((c) => c.done).map((c) => `${c.value?.status} ${c.value?.body.code}`);
        assert.deepEqual(codes, Array(4).fill('503 overloaded'), 'the rest of the crowd got 503 overloaded');
        await until(r.waiting, 2, 'two of the crowd wait');
        const honest = post(
          r,
          '/v1/volunteer/poll',
          pollBody('honest-volunteer'),
          'honest-host',
          ac.signal,
        ).catch(() => null);
        await until(r.waiting, 3, 'a volunteer from another address still gets in');
        ac.abort();
        await Promise.all([honest, ...crowd.map((c) => c.promise.catch(() => null))]);
      } finally {
        ac.abort();
        await r.close();
      }
    });

    test('one address cannot fill the pending offers', async () => {
      const r = await rig(kind, { maxPendingOffers: 4, maxPendingPerSource: 2 });
      const ac = new AbortController();
      try {
        const polls = Array.from({ length: 6 }, (_, i) =>
          track(
            post(
              r,
              '/v1/volunteer/poll',
              pollBody(`pending-volunteer-${i}`),
              `volunteer-host-${i}`,
              ac.signal,
            ),
          ),
        );
        await until(r.waiting, 6, 'six volunteers wait');
        // A greedy client posts offers it will never see answered, to hold volunteers and pending slots.
        const greedy = Array.from({ length: 4 }, (_, i) =>
          track(post(r, '/v1/client/offer', offerBody(`v=0 greedy ${i}`), 'greedy-host', ac.signal)),
        );
        await until(doneCount(greedy), 2, 'two greedy offers were answered at once');
        const codes = greedy.filter((g) => g.done).map((g) => `${g.value?.status} ${g.value?.body.code}`);
        assert.deepEqual(codes, ['503 overloaded', '503 overloaded']);
        await until(r.pending, 2, 'the other two are pending');
        const honest = post(r, '/v1/client/offer', offerBody('v=0 honest'), 'honest-client');
        const reached = async () =>
          polls.findIndex((p) => p.value !== undefined && offerOf(p.value)?.sdp === 'v=0 honest') + 1;
        await until(
          async () => ((await reached()) > 0 ? 1 : 0),
          1,
          "a volunteer got the honest client's offer",
        );
        const index = (await reached()) - 1;
        const answer = { v: 1, offerId: offerOf(polls[index]!.value!).id, sdp: 'v=0 answered' };
        await post(r, '/v1/volunteer/answer', answer, `volunteer-host-${index}`);
        assert.equal((await honest).status, 200, 'the honest client was matched and answered');
        ac.abort();
        await Promise.all([...greedy, ...polls].map((t) => t.promise.catch(() => null)));
      } finally {
        ac.abort();
        await r.close();
      }
    });

    test('one address is matched with a bounded number of volunteers', async () => {
      const r = await rig(kind, { clientMatchBurst: 2, clientMatchesPerMinute: 1 });
      const ac = new AbortController();
      // Volunteers that answer every offer at once, each from its own address.
      const volunteers = Array.from({ length: 4 }, async (_, i) => {
        let ticket: unknown;
        while (!ac.signal.aborted) {
          const polled = await post(
            r,
            '/v1/volunteer/poll',
            pollBody(`budget-volunteer-${i}`, ticket === undefined ? {} : { ticket }),
            `volunteer-host-${i}`,
            ac.signal,
          ).catch(() => null);
          if (polled === null) return;
          ticket = polled.body.ticket;
          const offer = offerOf(polled);
          if (offer !== null && offer !== undefined) {
            const answer = { v: 1, offerId: offer.id, sdp: `v=0 from ${i}` };
            await post(r, '/v1/volunteer/answer', answer, `volunteer-host-${i}`).catch(() => null);
          }
        }
      });
      try {
        await until(r.waiting, 4, 'four volunteers wait');
        const statuses: number[] = [];
        for (let i = 0; i < 3; i++) {
          const got = await post(r, '/v1/client/offer', offerBody(`v=0 greedy ${i}`), 'greedy-host');
          statuses.push(got.status);
          if (got.status === 429) {
            assert.equal(got.body.code, 'rate-limited');
            assert.ok(Number(got.body.retryAfterMs) > 0, 'with a retry hint');
          }
          await until(r.waiting, 4, 'the volunteers wait again');
        }
        assert.deepEqual(statuses, [200, 200, 429], 'two matches, then the budget is spent');
        assert.equal((await post(r, '/v1/client/offer', offerBody('v=0 honest'), 'honest-host')).status, 200);
      } finally {
        ac.abort();
        await Promise.all(volunteers);
        await r.close();
      }
    });
  });
}
