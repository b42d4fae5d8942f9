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

/** A volunteer that polls `client` again and again and answers each offer with `answer-from-<id>`. */
function volunteerLoop(client: BrokerClient, id: string, nat: NatClass, capacity: number) {
  const ac = new AbortController();
  const offers: string[] = [];
  const done = (async () => {
    while (!ac.signal.aborted) {
      try {
        const { offer } = await client.poll({ id, nat, capacity, egress: [EGRESS] }, ac.signal);
        if (offer === null) continue;
        offers.push(offer.sdp);
        await client.answer(offer.id, `answer-from-${id}`, ac.signal);
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
    for (const answerVia of [a, b]) {
      const poll = a.client.poll({ id: 'vol-crossing', nat: 'unknown', capacity: 2, egress: [EGRESS] });
      await poolSize(b.store, 1);
      const answer = b.client.offer({ nat: 'unknown', sdp: 'v=0 offer-from-client' });
      const { offer } = await poll;
      assert.ok(offer !== null, 'the volunteer got an offer');
      assert.equal(offer.sdp, 'v=0 offer-from-client');
      assert.equal(offer.egress, EGRESS);
      await answerVia.client.answer(offer.id, 'v=0 answer-from-volunteer');
      assert.deepEqual(await answer, { sdp: 'v=0 answer-from-volunteer', volunteer: 'vol-crossing' });
      await assert.rejects(answerVia.client.answer(offer.id, 'again'), isCode('unknown-offer', 404));
    }
    assert.deepEqual(await a.store.counts(), { waiting: 0, pending: 0 });
  } finally {
    await close();
  }
});

test('capacity, exclude and NAT classes are honoured across instances', async () => {
  const { nodes, close } = await cluster(2);
  const [a, b] = nodes as [Instance, Instance];
  const big = volunteerLoop(b.client, 'vol-big-restricted', 'restricted', 5);
  const small = volunteerLoop(a.client, 'vol-small-open', 'unrestricted', 1);
  try {
    await poolSize(a.store, 2);
    const first = await a.client.offer({ nat: 'unknown', sdp: 'v=0 c1' });
    assert.equal(first.volunteer, 'vol-big-restricted', 'the most free capacity wins');
    assert.equal(first.sdp, 'answer-from-vol-big-restricted');
    await poolSize(a.store, 2);
    const restricted = await b.client.offer({ nat: 'restricted', sdp: 'v=0 c2' });
    assert.equal(restricted.volunteer, 'vol-small-open', 'restricted never meets restricted');
    await poolSize(b.store, 2);
    const excluding = await b.client.offer({
      nat: 'unknown',
      sdp: 'v=0 c3',
      exclude: ['vol-big-restricted'],
    });
    assert.equal(excluding.volunteer, 'vol-small-open');
    await poolSize(a.store, 2);
    await assert.rejects(
      a.client.offer({ nat: 'restricted', sdp: 'v=0 c4', exclude: ['vol-small-open'] }),
      isCode('no-match', 503),
    );
    assert.deepEqual(big.offers, ['v=0 c1']);
    assert.deepEqual(small.offers, ['v=0 c2', 'v=0 c3']);
  } finally {
    await Promise.all([big.stop(), small.stop()]);
    await poolSize(a.store, 0);
    await close();
  }
});

test('a broker instance closing mid-poll leaves no waiting entry behind', async () => {
  const { nodes, close } = await cluster(2);
  const [a, b] = nodes as [Instance, Instance];
  try {
    const poll = a.client.poll({ id: 'vol-on-closing', nat: 'unknown', capacity: 3, egress: [EGRESS] });
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
    const poll = crashing
      .poll({ id: 'vol-on-crashed', nat: 'unknown', capacity: 1, egress: [EGRESS] })
      .catch(() => 'unreachable');
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
