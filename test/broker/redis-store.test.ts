import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { openRedis } from '../../src/broker/redis-connection.js';
import { RedisStore } from '../../src/broker/redis-store.js';
import type { WaitingVolunteer } from '../../src/broker/store.js';
import { REDIS_STORE_DEFAULTS } from '../../src/shared/limits.js';
import { SignalingError } from '../../src/signaling/errors.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { runStoreSuite } from './store-suite.js';

let server: Promise<RedisServer> | undefined;
let prefixes = 0;
after(async () => (await server)?.stop());

async function redisUrl(): Promise<string> {
  server ??= startRedis();
  return (await server).url;
}

async function freshStore(options: Partial<Parameters<typeof RedisStore.connect>[0]> = {}) {
  const keyPrefix = `store${++prefixes}:`;
  return { keyPrefix, store: await RedisStore.connect({ url: await redisUrl(), keyPrefix, ...options }) };
}

runStoreSuite('RedisStore', async (limits) => {
  return RedisStore.connect({ url: await redisUrl(), keyPrefix: `suite${++prefixes}:`, ...limits });
});

const EGRESS = 'ws://127.0.0.1:8701/';
const LONG = 30_000;
let seq = 0;
function volunteer(id: string, over: Partial<WaitingVolunteer> = {}): WaitingVolunteer {
  seq++;
  return {
    id,
    pollId: `rpoll-${seq}`,
    nat: 'unknown',
    egress: [EGRESS],
    since: seq,
    source: `src-${id}`,
    ...over,
  };
}

async function keysOf(keyPrefix: string): Promise<Map<string, number>> {
  const redis = new Redis(await redisUrl());
  try {
    const out = new Map<string, number>();
    for (const key of await redis.keys(`${keyPrefix}*`))
      out.set(key.slice(keyPrefix.length), await redis.pttl(key));
    return out;
  } finally {
    redis.disconnect();
  }
}

test('RedisStore: every key has a lifetime; settled state leaves only the liveness key and the secret', async () => {
  const { keyPrefix, store } = await freshStore();
  try {
    const ac = new AbortController();
    const idle = store.waitForOffer(volunteer('vol-ttl-idle'), LONG, ac.signal);
    const matched = volunteer('vol-ttl-matched');
    const wait = store.waitForOffer(matched, LONG);
    assert.equal((await store.listWaiting(EGRESS)).length, 2);
    assert.equal(
      await store.claim(matched, { id: 'offer-ttl-1', sdp: 'v=0 o', egress: EGRESS }, LONG, 'src-client'),
      true,
    );
    assert.equal((await wait)?.id, 'offer-ttl-1');
    const during = await keysOf(keyPrefix);
    const kinds = [...during.keys()].map((key) => key.replace(/:.*/, '')).sort();
    assert.deepEqual(
      kinds,
      ['i', 'k', 'o', 'p', 'q', 'r', 's', 'v', 'w'],
      `keys: ${[...during.keys()].join(' ')}`,
    );
    for (const [key, ttl] of during) assert.ok(ttl > 0, `${key} has no lifetime (${ttl})`);
    assert.equal(await store.deliverAnswer('offer-ttl-1', 'v=0 a'), true);
    assert.equal((await store.waitAnswer('offer-ttl-1')).kind, 'answer');
    ac.abort();
    assert.equal(await idle, null);
    assert.deepEqual([...(await keysOf(keyPrefix)).keys()].sort(), [`i:${store.instanceId}`, 'k']);
  } finally {
    await store.close();
  }
  assert.deepEqual([...(await keysOf(keyPrefix)).keys()], ['k'], 'a closed store leaves only the secret');
});

test('RedisStore: deployments with other key prefixes do not see each other', async () => {
  const one = await freshStore();
  const two = await freshStore();
  const ac = new AbortController();
  try {
    const wait = one.store.waitForOffer(volunteer('vol-prefix-1'), LONG, ac.signal);
    assert.equal((await one.store.listWaiting(EGRESS)).length, 1);
    assert.deepEqual(await two.store.listWaiting(EGRESS), []);
    ac.abort();
    await wait;
  } finally {
    await one.store.close();
    await two.store.close();
  }
});

test('RedisStore: listWaiting returns the longest-waiting listLimit volunteers of each NAT class', async () => {
  const { store } = await freshStore({ listLimit: 2 });
  const ac = new AbortController();
  try {
    const vols = [
      volunteer('vol-list-young', { since: 300 }),
      volunteer('vol-list-oldest', { since: 100 }),
      volunteer('vol-list-youngest', { since: 400 }),
      volunteer('vol-list-older', { since: 200 }),
      volunteer('vol-list-restricted', { since: 500, nat: 'symmetric' }),
    ];
    const waits = vols.map((v) => store.waitForOffer(v, LONG, ac.signal));
    const ids = (await store.listWaiting(EGRESS)).map((v) => v.id).sort();
    assert.deepEqual(ids, ['vol-list-older', 'vol-list-oldest', 'vol-list-restricted']);
    ac.abort();
    await Promise.all(waits);
  } finally {
    await store.close();
  }
});

test('RedisStore: a class lists proven volunteers first, then those with no record, failing ones last', async () => {
  const { store } = await freshStore({ listLimit: 2 });
  const ac = new AbortController();
  try {
    const vols = [
      volunteer('vol-failing-oldest', { since: 50, standing: 2 }),
      volunteer('vol-crowd-1', { since: 100 }),
      volunteer('vol-crowd-2', { since: 200, standing: 1 }),
      volunteer('vol-proven-youngest', { since: 400, standing: 0 }),
    ];
    const waits = vols.map((v) => store.waitForOffer(v, LONG, ac.signal));
    let ids: string[] = [];
    // The joins are in flight: read until the youngest one has joined (bounded).
    for (let i = 0; i < 200 && !ids.includes('vol-proven-youngest'); i++) {
      const all = await store.listWaiting(EGRESS);
      ids = all.map((v) => v.id);
      if (!ids.includes('vol-proven-youngest')) await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(ids, ['vol-proven-youngest', 'vol-crowd-1']);
    assert.equal((await store.listWaiting(EGRESS))[0]!.standing, 0, 'the record survives the store');
    ac.abort();
    await Promise.all(waits);
  } finally {
    await store.close();
  }
});

test('RedisStore: a bad URL or an unreachable Redis fails connect with a clear message', async () => {
  await assert.rejects(RedisStore.connect({ url: 'http://127.0.0.1:6379/' }), /redis:\/\/ or rediss:\/\//);
  await assert.rejects(RedisStore.connect({ url: 'not a url' }), /not a URL/);
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const address = closed.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await assert.rejects(
    RedisStore.connect({ url: `redis://:hunter2@127.0.0.1:${port}/`, connectTimeoutMs: 2_000 }),
    (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(
        err.message,
        new RegExp(`cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/`),
      );
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    },
  );
});

test('RedisStore: while Redis is gone requests fail with unavailable, and close still ends', async () => {
  const own = await startRedis();
  const errors: unknown[] = [];
  const store = await RedisStore.connect({
    url: own.url,
    commandTimeoutMs: 300,
    onError: (err) => errors.push(err),
  });
  try {
    await own.stop();
    const unavailable = (err: unknown): boolean => {
      assert.ok(err instanceof SignalingError, String(err));
      assert.equal(err.code, 'unavailable');
      return true;
    };
    await assert.rejects(store.listWaiting(EGRESS), unavailable);
    await assert.rejects(store.waitForOffer(volunteer('vol-outage-1'), LONG), unavailable);
    await assert.rejects(store.deliverAnswer('offer-outage-1', 'x'), unavailable);
    assert.ok(errors.length >= 1, 'the outage was reported');
  } finally {
    await store.close();
    await own.stop();
  }
});

test('openRedis: the retry and reconnect settings come from the options', async () => {
  const { commands, blocking } = await openRedis(await redisUrl(), {
    ...REDIS_STORE_DEFAULTS,
    maxRetriesPerRequest: 3,
    reconnectStepMs: 7,
    reconnectMaxMs: 20,
  });
  try {
    for (const redis of [commands, blocking]) {
      assert.equal(redis.options.maxRetriesPerRequest, 3);
      assert.equal(redis.options.retryStrategy?.(2), 14);
      assert.equal(redis.options.retryStrategy?.(100), 20);
    }
  } finally {
    commands.disconnect();
    blocking.disconnect();
  }
});

test('RedisStore: close returns once every poll it held has ended, and leaves no key', async () => {
  const { keyPrefix, store } = await freshStore();
  const ended: string[] = [];
  const waits = ['vol-drain-1', 'vol-drain-2', 'vol-drain-3'].map((id) =>
    store.waitForOffer(volunteer(id), LONG).then((offer) => {
      ended.push(id);
      return offer;
    }),
  );
  for (let i = 0; i < 200 && (await store.counts()).waiting < 3; i++)
    await new Promise((r) => setTimeout(r, 5));
  assert.equal((await store.counts()).waiting, 3);
  await store.close();
  assert.equal(ended.length, 3, 'every wait ended before close returned');
  assert.deepEqual(await Promise.all(waits), [null, null, null]);
  assert.deepEqual([...(await keysOf(keyPrefix)).keys()], ['k']);
});

test('RedisStore: instances on one Redis share one secret; a lost one is made again and adopted by all', async () => {
  const keyPrefix = `secret${++prefixes}:`;
  const url = await redisUrl();
  const [a, b] = await Promise.all([
    RedisStore.connect({ url, keyPrefix, heartbeatIntervalMs: 20, instanceTtlMs: 1_000 }),
    RedisStore.connect({ url, keyPrefix, heartbeatIntervalMs: 20, instanceTtlMs: 1_000 }),
  ]);
  const redis = new Redis(url);
  try {
    assert.equal(a.secret.byteLength, 32);
    assert.deepEqual(a.secret, b.secret, 'both instances key sources and tickets alike');
    assert.ok((await redis.pttl(`${keyPrefix}k`)) > 0, 'the secret has a lifetime');
    const old = Buffer.from(a.secret).toString('hex');
    await redis.del(`${keyPrefix}k`); // Redis lost it (a flush, a failover without persistence)
    for (let i = 0; i < 200; i++) {
      const now = [a, b].map((s) => Buffer.from(s.secret).toString('hex'));
      if (now[0] !== old && now[0] === now[1]) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.notEqual(Buffer.from(a.secret).toString('hex'), old);
    assert.deepEqual(a.secret, b.secret, 'after the next heartbeats both use the new one');
  } finally {
    redis.disconnect();
    await a.close();
    await b.close();
  }
});
