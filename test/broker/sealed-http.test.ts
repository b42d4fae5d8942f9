/** signaling-v1 §10 over real HTTP: sealed polls, answers and offers; what a recording front sees; errors. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairingKey } from '../../src/broker/matcher.js';
import type { MemoryStore } from '../../src/broker/memory-store.js';
import { encodeKey, generateKeyPair } from '../../src/session/keys.js';
import { BrokerClient } from '../../src/signaling/client.js';
import { decodeGetEnvelope, encodeGetTarget } from '../../src/signaling/get-encoding.js';
import { Rendezvous } from '../../src/signaling/rendezvous.js';
import { getMethod, postMethod } from '../../src/signaling/rendezvous-http.js';
import { SEALED_SIZES, sealRequest } from '../../src/signaling/sealed.js';
import { EGRESS, isCode, startBroker, until } from './helpers.js';

/** A fetch that keeps every request and response body it carried, as a front that terminates TLS could. */
function recordingFetch() {
  const seen: { path: string; type: string; request: Uint8Array; status: number; response: Uint8Array }[] =
    [];
  const fetchFn = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request =
      init.body === undefined
        ? new Uint8Array(0)
        : new Uint8Array(await new Response(init.body).arrayBuffer());
    const res = await fetch(input, init);
    const response = new Uint8Array(await res.arrayBuffer());
    const url = new URL(String(input));
    seen.push({
      path: url.pathname,
      type: String((init.headers as Record<string, string> | undefined)?.['content-type'] ?? ''),
      request,
      status: res.status,
      response,
    });
    return new Response(response, { status: res.status, headers: res.headers });
  };
  return { seen, fetch: fetchFn as typeof fetch };
}

const keys = generateKeyPair();
const KEY = encodeKey(keys.publicKey);

const post = (url: string, type: string, body: BodyInit) =>
  fetch(url, { method: 'POST', headers: { 'content-type': type }, body });

test('sealed: a volunteer and a client meet, and the wire carries only fixed-size ciphertext', async () => {
  const { broker, url } = await startBroker({ sealingKey: keys });
  const front = recordingFetch();
  const volunteer = new BrokerClient(url, { fetch: front.fetch, brokerKey: 'info' });
  const client = new BrokerClient(url, { fetch: front.fetch, brokerKey: KEY });
  const offerSdp = `v=0\r\na=candidate:1 1 udp 2122260223 198.18.0.7 50000 typ host\r\n${'a=x\r\n'.repeat(300)}`;
  try {
    assert.deepEqual(await client.info(), { egress: [EGRESS], key: KEY });
    const poll = volunteer.poll({ nat: 'symmetric', egress: [EGRESS] });
    await until(() => (broker.store as MemoryStore).size.waiting === 1);
    const offer = client.offer({ nat: 'public', sdp: offerSdp });
    const got = await poll;
    assert.ok(got.offer !== null);
    assert.equal(got.offer.sdp, offerSdp);
    await volunteer.answer(got.offer.id, 'v=0 answer 198.18.0.9');
    const answered = await offer;
    assert.equal(answered.sdp, 'v=0 answer 198.18.0.9');
    assert.ok(answered.match !== undefined);
    // signaling-v1 §11 goes sealed too: the broker counts it, the front sees one more ciphertext.
    await client.outcome(answered.match, true);
    const counted = await broker.store.outcomes.read([pairingKey('public', 'symmetric', false)]);
    assert.deepEqual([...counted.values()], [{ connected: 1, failed: 0 }]);
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('no-match', 503));

    const sealed = front.seen.filter((s) => s.path === '/v1/sealed');
    assert.equal(sealed.length, 5, 'poll, offer, answer, outcome, and the offer that found no match');
    for (const s of sealed) {
      assert.equal(s.status, 200, 'a sealed exchange is 200 whatever its outcome');
      assert.equal(s.type, 'text/plain', 'CORS-safelisted: no preflight in a browser (signaling-v1 §1)');
      for (const body of [s.request, s.response]) {
        assert.ok((SEALED_SIZES as readonly number[]).includes(body.length), `${body.length} bytes`);
        const text = Buffer.from(body).toString('latin1');
        for (const secret of [
          '198.18.0',
          'symmetric',
          'public',
          'candidate',
          'v=0',
          'sdp',
          'nat',
          'offer',
          'match',
        ])
          assert.ok(!text.includes(secret), `"${secret}" in a body the front saw`);
      }
    }
    assert.deepEqual(
      front.seen.filter((s) => s.path !== '/v1/sealed').map((s) => s.path),
      ['/v1/info', '/v1/info'],
      'the volunteer read the key once; the client asked for info once',
    );
    assert.ok(
      sealed.some((s) => s.request.length === 8192),
      'the long SDP went into the next size',
    );
  } finally {
    await broker.close();
  }
});

test('sealed: a key read from /v1/info comes from any read of it, not a read of its own', async () => {
  const { broker, url } = await startBroker({ sealingKey: keys });
  const front = recordingFetch();
  try {
    const client = new BrokerClient(url, { fetch: front.fetch, brokerKey: 'info' });
    assert.equal((await client.info()).key, KEY);
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('no-match', 503));
    assert.deepEqual(
      front.seen.map((s) => s.path),
      ['/v1/info', '/v1/sealed'],
      'the offer went sealed without a second read: a round trip less before a first offer',
    );
  } finally {
    await broker.close();
  }
});

test('sealed: a plain poll, answer or offer to a sealing broker is 400 sealed-required, with the reason', async () => {
  const { broker, url } = await startBroker({ sealingKey: keys });
  try {
    const plain = new BrokerClient(url);
    await assert.rejects(plain.poll({ nat: 'unknown', egress: [EGRESS] }), isCode('sealed-required', 400));
    await assert.rejects(plain.offer({ nat: 'unknown', sdp: 'x' }), (e: unknown) => {
      assert.ok(isCode('sealed-required', 400)(e));
      assert.match((e as Error).message, /sealed signaling only/);
      return true;
    });
    await assert.rejects(plain.answer('offer-id-1', 'x'), isCode('sealed-required', 400));
    await assert.rejects(plain.outcome('match-id-1', false), isCode('sealed-required', 400));
  } finally {
    await broker.close();
  }
});

test('sealed: a broker without a key answers /v1/sealed 404, and a key-pinned client reports it', async () => {
  const { broker, url } = await startBroker();
  try {
    const client = new BrokerClient(url, { brokerKey: KEY });
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('not-found', 404));
    assert.equal(
      await new BrokerClient(url, { brokerKey: 'info' }).sealed(),
      false,
      'info has no key: plain',
    );
  } finally {
    await broker.close();
  }
});

test('sealed: hostile bodies get a clear 4xx and the broker keeps serving', async () => {
  const { broker, url } = await startBroker({ sealingKey: keys });
  const at = `${url}/v1/sealed`;
  const expect = async (res: Response, status: number, code: string) => {
    assert.equal(res.status, status);
    const body = (await res.json()) as { code: string; error: string };
    assert.equal(body.code, code, body.error);
  };
  try {
    const good = await sealRequest(keys.publicKey, {
      path: '/v1/client/offer',
      t: Date.now(),
      body: { v: 1, nat: 'unknown', sdp: 'x' },
    });
    await expect(await post(at, 'application/json', '{}'), 415, 'bad-type');
    await expect(await post(at, 'application/octet-stream', new Uint8Array(100)), 400, 'bad-seal');
    await expect(await post(at, 'application/octet-stream', new Uint8Array(2048)), 400, 'bad-seal');
    await expect(await post(at, 'application/octet-stream', new Uint8Array(70_000)), 413, 'too-large');
    const wrongId = new Uint8Array(good.body);
    wrongId[0] = (wrongId[0]! + 1) & 0xff;
    await expect(await post(at, 'application/octet-stream', wrongId), 400, 'wrong-key');
    for (const i of [1, 10, 100, 2047]) {
      const flipped = new Uint8Array(good.body);
      flipped[i] = flipped[i]! ^ 0x40;
      const res = await post(at, 'application/octet-stream', flipped);
      assert.equal(res.status, 400, `bit flipped at ${i}`);
      await res.body?.cancel();
    }
    const other = generateKeyPair();
    const toOther = await sealRequest(other.publicKey, {
      path: '/v1/client/offer',
      t: Date.now(),
      body: { v: 1 },
    });
    const res = await post(at, 'application/octet-stream', toOther.body);
    assert.equal(res.status, 400);
    await res.body?.cancel();
    const fine = await fetch(`${url}/v1/info`);
    assert.equal(fine.status, 200, 'still serving');
    await fine.body?.cancel();
  } finally {
    await broker.close();
  }
});

test('sealed: errors inside open are sealed; stale time, replay and a bad inner body each say so', async () => {
  const { broker, url } = await startBroker({ sealingKey: keys, sealedWindowMs: 10_000 });
  const at = `${url}/v1/sealed`;
  const exchange = async (t: number, body: object, path = '/v1/client/offer' as const) => {
    const s = await sealRequest(keys.publicKey, { path, t, body });
    const res = await post(at, 'application/octet-stream', s.body);
    assert.equal(res.status, 200);
    return { s, answer: await s.open(new Uint8Array(await res.arrayBuffer())) };
  };
  try {
    const stale = await exchange(Date.now() - 60_000, { v: 1, nat: 'unknown', sdp: 'x' });
    assert.equal(stale.answer.status, 400);
    assert.equal((stale.answer.body as { code: string }).code, 'stale');
    assert.ok(Math.abs(stale.answer.now - Date.now()) < 5_000, "the answer carries the broker's time");

    const first = await exchange(Date.now(), { v: 1, nat: 'unknown', sdp: 'x' });
    assert.equal((first.answer.body as { code: string }).code, 'no-match');
    assert.equal((first.answer.body as { retryAfterMs: number }).retryAfterMs, 1000, 'the hint is inside');
    const again = await post(at, 'application/octet-stream', first.s.body);
    const replayed = await first.s.open(new Uint8Array(await again.arrayBuffer()));
    assert.equal((replayed.body as { code: string }).code, 'replayed');

    const bad = await exchange(Date.now(), { v: 2 });
    assert.equal(bad.answer.status, 400);
    assert.equal((bad.answer.body as { code: string }).code, 'bad-request');
  } finally {
    await broker.close();
  }
});

test('sealed: a client whose clock is off corrects it from the stale answer and gets through', async () => {
  const { broker, url } = await startBroker({ sealingKey: keys, sealedWindowMs: 10_000 });
  const front = recordingFetch();
  try {
    const now = () => Date.now() - 3_600_000;
    const client = new BrokerClient(url, { brokerKey: KEY, now, fetch: front.fetch });
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('no-match', 503));
    assert.equal(front.seen.length, 2, 'stale, then sealed again with the corrected clock');
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('no-match', 503));
    assert.equal(front.seen.length, 3, 'the correction is kept');
  } finally {
    await broker.close();
  }
});

test('sealed: a key read from /v1/info that changed gives wrong-key once, then is read again', async () => {
  const a = await startBroker({ sealingKey: keys });
  const otherKeys = generateKeyPair();
  const b = await startBroker({ sealingKey: otherKeys });
  let target = a.url;
  const switching = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    return fetch(new URL(url.pathname, target), init);
  }) as typeof fetch;
  try {
    const client = new BrokerClient('http://broker.invalid/', { brokerKey: 'info', fetch: switching });
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('no-match', 503));
    target = b.url; // the deployment's key changed (a new key file)
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('wrong-key', 400));
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('no-match', 503));
    const pinned = new BrokerClient('http://broker.invalid/', { brokerKey: KEY, fetch: switching });
    await assert.rejects(pinned.offer({ nat: 'unknown', sdp: 'x' }), isCode('wrong-key', 400));
    await assert.rejects(
      pinned.offer({ nat: 'unknown', sdp: 'x' }),
      isCode('wrong-key', 400),
      'pinned stays',
    );
  } finally {
    await a.broker.close();
    await b.broker.close();
  }
});

test('sealed: a GET-encoded plain offer to a sealing broker gets sealed-required in its envelope', async () => {
  const { broker, url } = await startBroker({ sealingKey: keys });
  try {
    const body = new TextEncoder().encode(JSON.stringify({ v: 1, nat: 'unknown', sdp: 'x' }));
    const res = await fetch(new URL(encodeGetTarget('v1/client/offer', body), `${url}/`));
    assert.equal(res.status, 200);
    const envelope = decodeGetEnvelope(await res.json());
    assert.equal(envelope.status, 400);
    const inner = JSON.parse(new TextDecoder().decode(envelope.body)) as { code: string };
    assert.equal(inner.code, 'sealed-required');
  } finally {
    await broker.close();
  }
});

test('sealed: with the GET method first, a sealed request goes by the next method', async () => {
  const { broker, url } = await startBroker({ sealingKey: keys });
  try {
    const base = new URL(`${url}/`);
    const common = { base, fetch, maxResponseBytes: 65_536 };
    const rendezvous = new Rendezvous([
      getMethod({ ...common, name: 'get', maxGetTargetBytes: 8192 }),
      postMethod({ ...common, name: 'direct' }),
    ]);
    const client = new BrokerClient(url, { brokerKey: KEY, rendezvous });
    await assert.rejects(client.offer({ nat: 'unknown', sdp: 'x' }), isCode('no-match', 503));
    assert.equal(rendezvous.preferred, 'direct');
  } finally {
    await broker.close();
  }
});
