/**
 * Several broker instances on one Redis (signaling-v1 §7, "With several broker instances"): real HTTP
 * servers on loopback, each with its own RedisStore, driven by BrokerClient as volunteers and clients are.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrokerServer } from '../../src/broker/http.js';
import { RedisStore } from '../../src/broker/redis-store.js';
import { BrokerClient, type NatClass } from '../../src/signaling/client.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { EGRESS, isCode, startBroker } from './helpers.js';

let redis: RedisServer;
let deployments = 0;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.stop());

interface Instance {
  broker: BrokerServer;
  store: RedisStore;
  client: BrokerClient;
}

/** `n` broker instances sharing a fresh key prefix on the test Redis. */
async function cluster(n: number): Promise<{ nodes: Instance[]; keyPrefix: string; close(): Promise<void> }> {
  const keyPrefix = `cluster${++deployments}:`;
  const nodes: Instance[] = [];
  for (let i = 0; i < n; i++) {
    const store = await RedisStore.connect({ url: redis.url, keyPrefix });
    const { broker, url } = await startBroker({ store, rateLimitPerSecond: 0, pollTimeoutMs: 5_000 });
    nodes.push({ broker, store, client: new BrokerClient(url) });
  }
  return {
    nodes,
    keyPrefix,
    close: async () => {
      for (const { broker, store } of nodes) {
        await broker.close();
        await store.close();
      }
    },
  };
}

/** Waits (bounded) until the shared pool holds `n` volunteers, seen from `store`. */
async function poolSize(store: RedisStore, n: number): Promise<void> {
  let seen = -1;
  for (let i = 0; i < 400 && seen !== n; i++) {
    seen = (await store.listWaiting(EGRESS)).length;
    if (seen !== n) await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(seen, n, `expected ${n} waiting volunteers`);
}

/**
 * A volunteer that polls `client` again and again, presenting the ticket the broker gave it, and answers each
 * offer with `answer-from-<name>`.
 */
function volunteerLoop(client: BrokerClient, name: string, nat: NatClass) {
  const ac = new AbortController();
  const offers: string[] = [];
  let ticket: string | undefined;
  const done = (async () => {
    while (!ac.signal.aborted) {
      try {
        const polled = await client.poll({ ...(ticket ? { ticket } : {}), nat, egress: [EGRESS] }, ac.signal);
        ticket = polled.ticket;
        if (polled.offer === null) continue;
        offers.push(polled.offer.sdp);
        await client.answer(polled.offer.id, `answer-from-${name}`, ac.signal);
      } catch (err) {
        if (!ac.signal.aborted) throw err;
      }
    }
  })();
  const stop = (): Promise<void> => {
    ac.abort();
    return done;
  };
  return { offers, stop };
}

test('a volunteer polling instance A is matched with a client posting to instance B', async () => {
  const { nodes, close } = await cluster(2);
  const [a, b] = nodes as [Instance, Instance];
  try {
    let ticket: string | undefined;
    const ids: string[] = [];
    for (const [pollVia, answerVia] of [
      [a, a],
      [b, b],
    ] as const) {
      // The second time round it polls the other instance with the first one's ticket: still the same volunteer.
      const poll = pollVia.client.poll({ ...(ticket ? { ticket } : {}), nat: 'unknown', egress: [EGRESS] });
      await poolSize(b.store, 1);
      const answer = (pollVia === a ? b : a).client.offer({ nat: 'unknown', sdp: 'v=0 offer-from-client' });
      const polled = await poll;
      ticket = polled.ticket;
      const { offer } = polled;
      assert.ok(offer !== null, 'the volunteer got an offer');
      assert.equal(offer.sdp, 'v=0 offer-from-client');
      assert.equal(offer.egress, EGRESS);
      await answerVia.client.answer(offer.id, 'v=0 answer-from-volunteer');
      const answered = await answer;
      assert.equal(answered.sdp, 'v=0 answer-from-volunteer');
      assert.notEqual(answered.volunteer, ticket, 'the client learns the id, never the ticket');
      ids.push(answered.volunteer);
      await assert.rejects(answerVia.client.answer(offer.id, 'again'), isCode('unknown-offer', 404));
    }
    assert.equal(ids[0], ids[1], "instance B knows instance A's ticket: both share the deployment secret");
    assert.deepEqual(await a.store.counts(), { waiting: 0, pending: 0 });
  } finally {
    await close();
  }
});

test('waiting time, exclude and NAT classes are honoured across instances', async () => {
  const { nodes, close } = await cluster(2);
  const [a, b] = nodes as [Instance, Instance];
  const early = volunteerLoop(b.client, 'restricted-early', 'symmetric');
  await poolSize(a.store, 1);
  const later = volunteerLoop(a.client, 'open-later', 'public');
  try {
    await poolSize(a.store, 2);
    const first = await a.client.offer({ nat: 'unknown', sdp: 'v=0 c1' });
    assert.equal(first.sdp, 'answer-from-restricted-early', 'the longest waiting wins');
    await poolSize(a.store, 2);
    const restricted = await b.client.offer({ nat: 'symmetric', sdp: 'v=0 c2' });
    assert.equal(restricted.sdp, 'answer-from-open-later', 'restricted never meets restricted');
    await poolSize(b.store, 2);
    const excluding = await b.client.offer({ nat: 'unknown', sdp: 'v=0 c3', exclude: [first.volunteer] });
    assert.equal(excluding.sdp, 'answer-from-open-later');
    await poolSize(a.store, 2);
    await assert.rejects(
      a.client.offer({ nat: 'symmetric', sdp: 'v=0 c4', exclude: [restricted.volunteer] }),
      isCode('no-match', 503),
    );
    assert.deepEqual(early.offers, ['v=0 c1']);
    assert.deepEqual(later.offers, ['v=0 c2', 'v=0 c3']);
  } finally {
    await Promise.all([early.stop(), later.stop()]);
    await poolSize(a.store, 0);
    await close();
  }
});

test('a broker instance closing mid-poll leaves no waiting entry behind', async () => {
  const { nodes, close } = await cluster(2);
  const [a, b] = nodes as [Instance, Instance];
  try {
    const poll = a.client.poll({ nat: 'unknown', egress: [EGRESS] });
    await poolSize(b.store, 1);
    await a.broker.close();
    const ended = await poll.then(
      (r) => r.offer,
      () => null,
    );
    assert.equal(ended, null, 'the closing instance hands the volunteer no offer');
    assert.deepEqual(await b.store.counts(), { waiting: 0, pending: 0 });
    await assert.rejects(b.client.offer({ nat: 'unknown', sdp: 'v=0 late' }), isCode('no-match', 503));
  } finally {
    await close();
  }
});

test('the volunteers of a crashed instance are dropped once its liveness key lapses', async () => {
  const { nodes, keyPrefix, close } = await cluster(1);
  const [b] = nodes as [Instance];
  const fixture = fileURLToPath(new URL('../fixtures/redis-broker.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, redis.url, keyPrefix], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  try {
    const [line] = (await Promise.race([
      once(createInterface({ input: child.stdout! }), 'line'),
      exited.then(() => assert.fail('the broker fixture exited early')),
    ])) as [string];
    const port = /^listening (\d+)$/.exec(line)?.[1];
    assert.ok(port !== undefined, `unexpected fixture output: ${line}`);
    const crashing = new BrokerClient(`http://127.0.0.1:${port}`);
    const poll = crashing.poll({ nat: 'unknown', egress: [EGRESS] }).catch(() => 'unreachable');
    await poolSize(b.store, 1);
    child.kill('SIGKILL');
    await exited;
    assert.equal(await poll, 'unreachable', 'the crashed broker never answered the poll');
    await poolSize(b.store, 0);
    await assert.rejects(b.client.offer({ nat: 'unknown', sdp: 'v=0 after-crash' }), isCode('no-match', 503));
    assert.equal((await b.store.counts()).waiting, 0);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await close();
  }
});
