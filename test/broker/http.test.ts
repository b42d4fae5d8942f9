import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { createBrokerServer } from '../../src/broker/http.js';
import type { MemoryStore } from '../../src/broker/memory-store.js';
import { BrokerClient } from '../../src/signaling/client.js';
import { EGRESS, isCode, startBroker, until } from './helpers.js';

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

async function expectError(
  res: Response,
  status: number,
  code: string,
): Promise<{ v: number; code: string; error: string; retryAfterMs?: number }> {
  assert.equal(res.status, status);
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await res.json()) as { v: number; code: string; error: string };
  assert.equal(body.v, 1);
  assert.equal(body.code, code);
  assert.equal(typeof body.error, 'string');
  return body;
}

test('end to end: a volunteer and a client meet through BrokerClient', async () => {
  const { broker, url } = await startBroker();
  const volunteer = new BrokerClient(url);
  const client = new BrokerClient(`${url}/`);
  try {
    assert.deepEqual(await client.info(), { egress: [EGRESS] });
    const poll = volunteer.poll({ nat: 'public', egress: [EGRESS] });
    await until(() => (broker.store as MemoryStore).size.waiting === 1);
    const offer = client.offer({ nat: 'symmetric', sdp: 'v=0 offer', exclude: ['someone-else'] });
    const got = await poll;
    assert.ok(got.offer !== null);
    assert.deepEqual({ sdp: got.offer.sdp, egress: got.offer.egress }, { sdp: 'v=0 offer', egress: EGRESS });
    await volunteer.answer(got.offer.id, 'v=0 answer');
    const answered = await offer;
    assert.equal(answered.sdp, 'v=0 answer');
    assert.match(answered.volunteer, /^[A-Za-z0-9_-]{22}$/, 'an id the broker made');
    assert.notEqual(answered.volunteer, got.ticket, 'the client learns the id, never the ticket');
    await assert.rejects(volunteer.answer(got.offer.id, 'again'), isCode('unknown-offer', 404));
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), (err: unknown) => {
      assert.ok(isCode('no-match', 503)(err));
      assert.equal((err as { retryAfterMs?: number }).retryAfterMs, 1000);
      return true;
    });
  } finally {
    await broker.close();
  }
});

test('4xx answers carry JSON bodies with stable codes', async () => {
  const { broker, url } = await startBroker({ maxBodyBytes: 1024 });
  try {
    await expectError(await fetch(`${url}/v1/volunteer/poll`, json({ v: 2 })), 400, 'bad-request');
    await expectError(await fetch(`${url}/v1/volunteer/poll`, json('{"v":1,')), 400, 'bad-request');
    await expectError(await fetch(`${url}/v1/volunteer/poll`, json('')), 400, 'bad-request');
    await expectError(
      await fetch(`${url}/v1/client/offer`, json({ v: 1, nat: 'unknown' })),
      400,
      'bad-request',
    );
    const stray = { v: 1, nat: 'unknown', sdp: 'x', egress: 'ws://127.0.0.1:9/' };
    await expectError(await fetch(`${url}/v1/client/offer`, json(stray)), 400, 'unknown-egress');
    await expectError(await fetch(`${url}/nope`), 404, 'not-found');
    const answer = { v: 1, offerId: 'never-issued', sdp: 'x' };
    await expectError(await fetch(`${url}/v1/volunteer/answer`, json(answer)), 404, 'unknown-offer');
    const wrongMethod = await fetch(`${url}/v1/volunteer/poll`);
    await expectError(wrongMethod, 405, 'bad-method');
    assert.match(wrongMethod.headers.get('allow') ?? '', /POST/);
    await expectError(await fetch(`${url}/v1/info`, json({ v: 1 })), 405, 'bad-method');
    const big = { v: 1, nat: 'unknown', sdp: 'a'.repeat(2000) };
    await expectError(await fetch(`${url}/v1/client/offer`, json(big)), 413, 'too-large');
    const form = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'v=1',
    };
    await expectError(await fetch(`${url}/v1/client/offer`, form), 415, 'bad-type');
    // text/plain is JSON too (signaling-v1 §1): what a browser sends without a CORS preflight.
    const plain = {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: '{"v":1}',
    };
    await expectError(await fetch(`${url}/v1/client/offer`, plain), 400, 'bad-request');
    const health = await fetch(`${url}/healthz`);
    assert.deepEqual(await health.json(), { v: 1, ok: true });
  } finally {
    await broker.close();
  }
});

test('CORS preflight is answered 204 and every answer allows any origin', async () => {
  const { broker, url } = await startBroker();
  try {
    const res = await fetch(`${url}/v1/client/offer`, {
      method: 'OPTIONS',
      headers: { origin: 'https://news.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /content-type/);
    const info = await fetch(`${url}/v1/info`, { headers: { origin: 'https://news.example' } });
    assert.equal(info.headers.get('access-control-allow-origin'), '*');
    assert.equal(info.headers.get('set-cookie'), null);
    assert.equal(info.headers.get('access-control-expose-headers'), 'retry-after');
    assert.notEqual(info.headers.get('connection'), 'close', 'a request without body keeps its connection');
  } finally {
    await broker.close();
  }
});

test('rate limit: 429 rate-limited with Retry-After, per address', async () => {
  const { broker, url } = await startBroker({ rateLimitPerSecond: 0.5, rateLimitBurst: 2 });
  try {
    assert.equal((await fetch(`${url}/v1/info`)).status, 200);
    assert.equal((await fetch(`${url}/v1/info`)).status, 200);
    const limited = await fetch(`${url}/v1/info`);
    const body = await expectError(limited, 429, 'rate-limited');
    assert.ok(typeof body.retryAfterMs === 'number' && body.retryAfterMs > 0);
    assert.equal(limited.headers.get('retry-after'), String(Math.ceil(body.retryAfterMs / 1000)));
    await assert.rejects(new BrokerClient(url).info(), (err: unknown) => {
      assert.ok(isCode('rate-limited', 429)(err));
      assert.ok(((err as { retryAfterMs?: number }).retryAfterMs ?? 0) > 0);
      return true;
    });
    assert.equal((await fetch(`${url}/healthz`)).status, 200, 'health checks are not limited');
  } finally {
    await broker.close();
  }
});

/** GET /v1/info, as if through a proxy that sent `forwardedFor`; resolves with the status. */
async function infoFrom(url: string, forwardedFor?: string): Promise<number> {
  const headers: Record<string, string> =
    forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  const res = await fetch(`${url}/v1/info`, { headers });
  await res.body?.cancel();
  return res.status;
}

test('rate limit behind a trusted proxy: one bucket per forwarded client, IPv6 per /64', async () => {
  const { broker, url } = await startBroker({
    rateLimitPerSecond: 0.5,
    rateLimitBurst: 2,
    trustedProxies: 1,
  });
  try {
    assert.equal(await infoFrom(url, '203.0.113.9, 198.51.100.1'), 200);
    assert.equal(await infoFrom(url, '203.0.113.10, 198.51.100.1'), 200);
    assert.equal(
      await infoFrom(url, '203.0.113.11, 198.51.100.1'),
      429,
      'entries left of the trusted one are ignored',
    );
    assert.equal(
      await infoFrom(url, '198.51.100.2'),
      200,
      'another client of the same proxy has its own bucket',
    );
    assert.equal(await infoFrom(url, '2001:db8:0:1::1'), 200);
    assert.equal(await infoFrom(url, '2001:db8:0:1::2'), 200);
    assert.equal(await infoFrom(url, '2001:db8:0:1:ffff::3'), 429, 'one /64 is one bucket');
    assert.equal(await infoFrom(url, '2001:db8:0:2::1'), 200, 'the next /64 is another');
    assert.equal(await infoFrom(url, '::ffff:198.51.100.2'), 200, 'IPv4-mapped is the IPv4 address');
    assert.equal(await infoFrom(url, '198.51.100.2'), 429);
    assert.equal(await infoFrom(url), 200, 'without the header, the socket address');
    assert.equal(await infoFrom(url, 'garbage'), 200, 'a malformed entry counts as the socket address');
    assert.equal(await infoFrom(url), 429);
  } finally {
    await broker.close();
  }
  assert.throws(() => createBrokerServer({ egress: [EGRESS], trustedProxies: -1 }), RangeError);
  assert.throws(() => createBrokerServer({ egress: [EGRESS], trustedProxies: 1.5 }), RangeError);
});

test('rate limit without trusted proxies ignores X-Forwarded-For', async () => {
  const { broker, url } = await startBroker({ rateLimitPerSecond: 0.5, rateLimitBurst: 2 });
  try {
    assert.equal(await infoFrom(url, '198.51.100.1'), 200);
    assert.equal(await infoFrom(url, '198.51.100.2'), 200);
    assert.equal(await infoFrom(url, '198.51.100.3'), 429, 'a client cannot pick its own bucket');
  } finally {
    await broker.close();
  }
});

test('a poll that times out is 200 offer null, to be made again at once (Retry-After 0)', async () => {
  const { broker, url } = await startBroker({ pollTimeoutMs: 20, retryAfterMs: 1500 });
  try {
    const poll = { v: 1, nat: 'unknown', egress: ['WS://127.0.0.1:8701'] };
    const res = await fetch(`${url}/v1/volunteer/poll`, json(poll));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('retry-after'), '0');
    const body = (await res.json()) as { ticket: string };
    assert.match(body.ticket, /^[A-Za-z0-9_-]{44}$/);
    assert.deepEqual(body, { v: 1, ticket: body.ticket, offer: null, retryAfterMs: 0 });
  } finally {
    await broker.close();
  }
});

test('a long poll whose volunteer hangs up leaves the pool', async () => {
  const { broker, port } = await startBroker();
  const store = broker.store as MemoryStore;
  try {
    const body = JSON.stringify({ v: 1, nat: 'unknown', egress: [EGRESS] });
    const req = request({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/v1/volunteer/poll',
      headers: { 'content-type': 'application/json' },
    });
    req.on('error', () => {});
    req.end(body);
    await until(() => store.size.waiting === 1);
    req.destroy();
    await until(() => store.size.waiting === 0);
  } finally {
    await broker.close();
  }
});

test('close ends pending long polls and client offers at once', { timeout: 10_000 }, async () => {
  const { broker, url } = await startBroker({ pollTimeoutMs: 60_000, answerTimeoutMs: 60_000 });
  const store = broker.store as MemoryStore;
  const client = new BrokerClient(url);
  const waiting = client.poll({ nat: 'unknown', egress: [EGRESS] });
  const matched = client.poll({ nat: 'unknown', egress: [EGRESS] });
  await until(() => store.size.waiting === 2);
  const offer = client.offer({ nat: 'unknown', sdp: 'x' });
  await until(() => store.size.pending === 1);
  await broker.close();
  const results = await Promise.allSettled([waiting, matched, offer]);
  const offered = results.filter(
    (r) => r.status === 'fulfilled' && r.value !== undefined && 'offer' in r.value,
  );
  assert.equal(offered.length, 2);
  assert.equal(results[2].status, 'rejected');
  assert.ok(isCode('unavailable', 503)((results[2] as PromiseRejectedResult).reason));
  assert.deepEqual(store.size, { waiting: 0, pending: 0 });
});
