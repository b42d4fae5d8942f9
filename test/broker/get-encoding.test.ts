/**
 * signaling-v1 §9 on the real broker: GET-encoded requests meet POST ones, the answer comes in a cacheable
 * 200 envelope whatever the route said, and a target that cannot be read is a plain 4xx with its reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MemoryStore } from '../../src/broker/memory-store.js';
import { toBase64url } from '../../src/signaling/base64url.js';
import { BrokerClient } from '../../src/signaling/client.js';
import { decodeGetEnvelope } from '../../src/signaling/get-encoding.js';
import { Rendezvous } from '../../src/signaling/rendezvous.js';
import { getMethod, postMethod } from '../../src/signaling/rendezvous-http.js';
import { EGRESS, isCode, startBroker, until } from './helpers.js';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const getTarget = (route: string, body: unknown, nonce = 'n0nce-123') =>
  `/v1/get/${route}/${nonce}/${toBase64url(typeof body === 'string' ? new TextEncoder().encode(body) : bytes(body))}`;

/** A BrokerClient whose only way is the GET encoding, recording every URL it asks for. */
function getClient(url: string, maxGetTargetBytes = 8192) {
  const urls: string[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    urls.push(String(input));
    return globalThis.fetch(input, init);
  };
  const base = new URL(`${url}/`);
  const method = getMethod({ name: 'get', base, fetch, maxResponseBytes: 65_536, maxGetTargetBytes });
  return { urls, client: new BrokerClient(url, { rendezvous: new Rendezvous([method]) }) };
}

test('a GET-encoded client and a POSTing volunteer meet; every request of the client is a GET', async () => {
  const { broker, url } = await startBroker();
  const volunteer = new BrokerClient(url);
  const { client, urls } = getClient(url);
  try {
    assert.deepEqual(await client.info(), { egress: [EGRESS] });
    const poll = volunteer.poll({ nat: 'public', egress: [EGRESS] });
    await until(() => (broker.store as MemoryStore).size.waiting === 1);
    const offer = client.offer({ nat: 'symmetric', sdp: 'v=0 offer' });
    const got = await poll;
    assert.ok(got.offer !== null);
    assert.equal(got.offer.sdp, 'v=0 offer');
    await volunteer.answer(got.offer.id, 'v=0 answer');
    assert.equal((await offer).sdp, 'v=0 answer');
    // The broker's own error, carried in the envelope, is rebuilt with its status and hint.
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), (err: unknown) => {
      assert.ok(isCode('no-match', 503)(err));
      assert.equal((err as { retryAfterMs?: number }).retryAfterMs, 1000);
      return true;
    });
    assert.equal(urls.length, 3);
    assert.match(urls[1]!, /\/v1\/get\/client\/offer\/[A-Za-z0-9_-]{22}\/[A-Za-z0-9_-]+$/);
    assert.notEqual(urls[1]!.split('/')[7], urls[2]!.split('/')[7], 'a fresh nonce per request');
  } finally {
    await broker.close();
  }
});

test('the answer is a cacheable 200 envelope, also for no-match and rate limits', async () => {
  const { broker, url } = await startBroker({ rateLimitBurst: 2, rateLimitPerSecond: 0.001 });
  try {
    const ask = () => fetch(`${url}${getTarget('client/offer', { v: 1, nat: 'unknown', sdp: 'x' })}`);
    const res = await ask();
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const envelope = decodeGetEnvelope(await res.json());
    assert.equal(envelope.status, 503);
    assert.equal(envelope.retryAfterMs, 1000);
    const inner = JSON.parse(new TextDecoder().decode(envelope.body)) as { code: string; v: number };
    assert.deepEqual([inner.v, inner.code], [1, 'no-match']);
    await (await ask()).arrayBuffer();
    const limited = decodeGetEnvelope(await (await ask()).json());
    assert.equal(limited.status, 429);
    assert.ok((limited.retryAfterMs ?? 0) > 0);
  } finally {
    await broker.close();
  }
});

test('an unreadable target is a plain 4xx naming what is wrong, never a 200', async () => {
  const { broker, url } = await startBroker({ maxBodyBytes: 1024, maxGetTargetBytes: 2048 });
  const expect = async (target: string, status: number, code: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}${target}`, init);
    assert.equal(res.status, status, target.slice(0, 80));
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as { v: number; code: string; error: string };
    assert.equal(body.code, code, body.error);
    return body.error;
  };
  try {
    const offer = { v: 1, nat: 'unknown', sdp: 'x' };
    assert.match(await expect('/v1/get/client/offer/n0nce-123/ab$c', 400, 'bad-request'), /base64url/);
    assert.match(await expect('/v1/get/client/offer/n0nce-123/QQ==', 400, 'bad-request'), /base64url/);
    assert.match(await expect(getTarget('client/offer', offer, 'short'), 400, 'bad-request'), /nonce/);
    assert.match(await expect(getTarget('client/info', offer), 404, 'not-found'), /no GET form/);
    assert.match(await expect('/v1/get/client/offer', 404, 'not-found'), /<route>\/<nonce>/);
    assert.match(await expect('/v1/get/offer/n0nce-123/e30', 404, 'not-found'), /no GET form of \/v1\/offer/);
    await expect(getTarget('client/offer', offer), 405, 'bad-method', { method: 'POST' });
    const big = { ...offer, sdp: 'x'.repeat(1100) };
    assert.match(await expect(getTarget('client/offer', big), 413, 'too-large'), /1024 bytes/);
    const long = `${getTarget('client/offer', offer)}?pad=${'p'.repeat(2100)}`;
    assert.match(await expect(long, 414, 'too-long'), /2048 bytes/);
    // The payload decodes but is not the route's JSON: the route's own 400, inside the envelope.
    const envelope = decodeGetEnvelope(
      await (await fetch(`${url}${getTarget('client/offer', 'not json')}`)).json(),
    );
    assert.equal(envelope.status, 400);
  } finally {
    await broker.close();
  }
});

test('a request too long for the GET encoding fails locally as unreachable, before any fetch', async () => {
  const { broker, url } = await startBroker();
  const { client, urls } = getClient(url, 512);
  try {
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x'.repeat(600) }), (err: unknown) => {
      assert.ok(isCode('unreachable')(err));
      assert.match((err as Error).message, /too long for the GET encoding/);
      return true;
    });
    assert.deepEqual(urls, []);
  } finally {
    await broker.close();
  }
});

test('a front or broker that refuses the GET form is a way that failed: the next method is tried', async () => {
  const { broker, url } = await startBroker();
  // Under /old/ the broker knows no /v1/get/ path and answers 404, as a broker from before §9 would.
  const fetch: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init);
  const get = getMethod({
    name: 'get',
    base: new URL(`${url}/old/`),
    fetch,
    maxResponseBytes: 65_536,
    maxGetTargetBytes: 8192,
  });
  const direct = postMethod({ name: 'direct', base: new URL(`${url}/`), fetch, maxResponseBytes: 65_536 });
  const lines: string[] = [];
  const rendezvous = new Rendezvous([get, direct], { log: (l) => lines.push(l) });
  const client = new BrokerClient(url, { rendezvous });
  try {
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('no-match', 503));
    assert.equal(rendezvous.preferred, 'direct');
    assert.match(lines[0] ?? '', /get failed \(GET encoding refused: HTTP 404 .*not-found/);
  } finally {
    await broker.close();
  }
});
