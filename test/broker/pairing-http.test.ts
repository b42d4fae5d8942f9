/**
 * Private bridges (signaling-v1 §8) through the real HTTP broker, on the in-process store and on a real
 * Redis: volunteers and clients are BrokerClients with pairing tags made from real codes, each request from
 * a source of its own (`x-test-source`, the tests' stand-in for an address) unless a test shares one.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createBrokerServer } from '../../src/broker/http.js';
import { RedisStore } from '../../src/broker/redis-store.js';
import type { SignalingStore } from '../../src/broker/store.js';
import { offerPairedFirst } from '../../src/client/paired-offer.js';
import type { BrokerOptions } from '../../src/shared/limits.js';
import { BrokerClient, SignalingError } from '../../src/signaling/client.js';
import { newPairingCode, pairingTag } from '../../src/signaling/pairing.js';
import { type RedisServer, startRedis } from '../helpers/redis.js';
import { EGRESS } from './helpers.js';

let redis: Promise<RedisServer> | undefined;
let prefixes = 0;
after(async () => (await redis)?.stop());

interface Rig {
  url: string;
  keyPrefix: string;
  waiting(): Promise<number>;
  /** A BrokerClient whose every request comes from `source`. */
  as(source: string): BrokerClient;
  close(): Promise<void>;
}

async function rig(kind: 'memory' | 'redis', limits: Partial<BrokerOptions> = {}): Promise<Rig> {
  let store: SignalingStore | undefined;
  const keyPrefix = `pairing${++prefixes}:`;
  if (kind === 'redis') {
    redis ??= startRedis();
    store = await RedisStore.connect({ url: (await redis).url, keyPrefix, ...limits });
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
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    keyPrefix,
    waiting: async () => (await broker.store.counts()).waiting,
    as: (source) =>
      new BrokerClient(url, {
        fetch: (input, init) =>
          fetch(input, { ...init, headers: { ...(init?.headers ?? {}), 'x-test-source': source } }),
      }),
    close: async () => {
      await broker.close();
      await store?.close();
    },
  };
}

/** Polls until `read` gives `n` (bounded: 2 s). */
async function until(read: () => Promise<number>, n: number, what: string): Promise<void> {
  let seen = -1;
  for (let i = 0; i < 400 && seen !== n; i++) {
    seen = await read();
    if (seen !== n) await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(seen, n, what);
}

let volunteers = 0;

/**
 * A volunteer that polls once (with `tag`, if any) and answers the offer it gets with `answer <its name>`.
 * `polled` settles with the poll's answer; `stop` hangs up a poll that got nothing.
 */
function volunteer(r: Rig, tag?: string) {
  const name = `volunteer-${++volunteers}`;
  const hangUp = new AbortController();
  const client = r.as(name);
  const polled = client
    .poll({ nat: 'unknown', egress: [EGRESS], ...(tag === undefined ? {} : { pairing: tag }) }, hangUp.signal)
    .then(async (res) => {
      if (res.offer !== null) await client.answer(res.offer.id, `v=0 answer ${name}`);
      return res;
    });
  polled.catch(() => undefined);
  return { name, polled, stop: () => hangUp.abort() };
}

const offer = { nat: 'unknown' as const, sdp: 'v=0 offer' };
const isNoMatch = (message?: RegExp) => (err: unknown) => {
  assert.ok(err instanceof SignalingError, String(err));
  assert.equal(err.code, 'no-match');
  assert.equal(err.status, 503);
  assert.ok((err.retryAfterMs ?? 0) > 0, 'a no-match carries a retry hint');
  if (message !== undefined) assert.match(err.message, message);
  return true;
};

const codeA = newPairingCode();
const codeB = newPairingCode();
const [tagA, tagB] = await Promise.all([pairingTag(codeA), pairingTag(codeB)]);

for (const kind of ['memory', 'redis'] as const) {
  describe(`pairing through the HTTP broker (${kind} store)`, () => {
    test('a paired client is matched with the volunteer of its code; both are told it was paired', async () => {
      const r = await rig(kind);
      try {
        const friend = volunteer(r, tagA);
        await until(r.waiting, 1, 'the friend waits');
        const answer = await r.as('client').offer({ ...offer, pairing: tagA });
        assert.equal(answer.sdp, `v=0 answer ${friend.name}`);
        assert.equal(answer.paired, true);
        const polled = await friend.polled;
        assert.equal(polled.paired, true);
        assert.equal(polled.offer?.sdp, 'v=0 offer');
      } finally {
        await r.close();
      }
    });

    test('an unpaired client never gets a paired volunteer, and leaves it waiting', async () => {
      const r = await rig(kind);
      try {
        const friend = volunteer(r, tagA);
        await until(r.waiting, 1, 'the friend waits');
        for (let i = 0; i < 3; i++) await assert.rejects(r.as(`stranger-${i}`).offer(offer), isNoMatch());
        assert.equal(await r.waiting(), 1, 'the paired volunteer still waits for its friend');
        const answer = await r.as('client').offer({ ...offer, pairing: tagA });
        assert.equal(answer.sdp, `v=0 answer ${friend.name}`);
      } finally {
        await r.close();
      }
    });

    test('a wrong code gets nothing: not the paired volunteer, not the public pool', async () => {
      const r = await rig(kind);
      try {
        const friend = volunteer(r, tagA);
        const stranger = volunteer(r);
        await until(r.waiting, 2, 'a paired and a public volunteer wait');
        await assert.rejects(r.as('wrong').offer({ ...offer, pairing: tagB }), isNoMatch());
        await assert.rejects(
          offerPairedFirst(r.as('wrong-only'), offer, { tag: tagB, only: true }),
          isNoMatch(/paired only/),
        );
        assert.equal(await r.waiting(), 2, 'both still wait');
        friend.stop();
        stranger.stop();
      } finally {
        await r.close();
      }
    });

    test('a paired client uses its friend first, even when a public volunteer waited longer', async () => {
      const r = await rig(kind);
      try {
        const stranger = volunteer(r);
        await until(r.waiting, 1, 'the public volunteer waits first');
        const friend = volunteer(r, tagA);
        await until(r.waiting, 2, 'then the friend');
        const answer = await offerPairedFirst(r.as('client'), offer, { tag: tagA, only: false });
        assert.equal(answer.sdp, `v=0 answer ${friend.name}`);
        assert.equal(answer.paired, true);
        stranger.stop();
      } finally {
        await r.close();
      }
    });

    test('with its friend absent, a paired client falls back to the public pool, unless paired only', async () => {
      const r = await rig(kind);
      try {
        const stranger = volunteer(r);
        await until(r.waiting, 1, 'only a public volunteer waits');
        await assert.rejects(
          offerPairedFirst(r.as('only'), offer, { tag: tagA, only: true }),
          isNoMatch(/paired only/),
        );
        assert.equal(await r.waiting(), 1, 'a paired-only client takes no public volunteer');
        const answer = await offerPairedFirst(r.as('fallback'), offer, { tag: tagA, only: false });
        assert.equal(answer.sdp, `v=0 answer ${stranger.name}`);
        assert.equal(answer.paired, undefined);
        assert.equal((await stranger.polled).paired, undefined);
      } finally {
        await r.close();
      }
    });

    test('paired and public polls share one per-source bound', async () => {
      const r = await rig(kind, { maxWaitingPerSource: 2 });
      const hangUp = new AbortController();
      try {
        const one = r.as('one-address');
        const poll = (pairing?: string) =>
          one.poll(
            { nat: 'unknown', egress: [EGRESS], ...(pairing === undefined ? {} : { pairing }) },
            hangUp.signal,
          );
        const first = poll();
        const second = poll(tagA);
        first.catch(() => undefined);
        second.catch(() => undefined);
        await until(r.waiting, 2, 'a public and a paired poll wait');
        for (const pairing of [tagA, tagB, undefined]) {
          await assert.rejects(poll(pairing), (err: unknown) => {
            assert.ok(err instanceof SignalingError && err.code === 'overloaded', String(err));
            return true;
          });
        }
      } finally {
        hangUp.abort();
        await r.close();
      }
    });

    test('a malformed pairing tag is a 400 naming the field', async () => {
      const r = await rig(kind);
      try {
        for (const pairing of ['short', codeA, `${tagA}x`]) {
          const res = await fetch(`${r.url}v1/client/offer`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ v: 1, nat: 'unknown', sdp: 'v=0', pairing }),
          });
          assert.equal(res.status, 400);
          assert.match(((await res.json()) as { error: string }).error, /"pairing"/);
        }
      } finally {
        await r.close();
      }
    });
  });
}

test('a copy of the Redis store names neither the pairing code nor its tag', async () => {
  const r = await rig('redis');
  try {
    const friend = volunteer(r, tagA);
    await until(r.waiting, 1, 'the friend waits');
    const db = new Redis((await redis!).url);
    try {
      let dump = '';
      for (const key of await db.keys(`${r.keyPrefix}*`)) {
        const type = await db.type(key);
        dump += `${key}\n`;
        if (type === 'string') dump += `${await db.get(key)}\n`;
        if (type === 'hash') dump += `${JSON.stringify(await db.hgetall(key))}\n`;
        if (type === 'zset') dump += `${(await db.zrange(key, 0, -1)).join(' ')}\n`;
        if (type === 'list') dump += `${(await db.lrange(key, 0, -1)).join(' ')}\n`;
      }
      assert.match(dump, /:unknown:f[A-Za-z0-9_-]{22}\n/, 'the waiting volunteer is in a pairing pool');
      assert.ok(!dump.includes(tagA), 'no pairing tag in Redis');
      assert.ok(!dump.includes(codeA) && !dump.includes(codeA.replace(/-/g, '')), 'no pairing code in Redis');
    } finally {
      db.disconnect();
    }
    friend.stop();
  } finally {
    await r.close();
  }
});
