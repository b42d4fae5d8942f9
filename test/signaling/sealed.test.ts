/** signaling-v1 §10: the sealed body codec on its own (no HTTP): sizes, padding, strict inner decoders. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SealedReplayWindow } from '../../src/broker/sealed-replay.js';
import { generateKeyPair } from '../../src/session/keys.js';
import { SignalingError } from '../../src/signaling/errors.js';
import {
  decodeSealedRequest,
  decodeSealedResponse,
  pad,
  SEALED_SIZES,
  SealedBrokerKey,
  sealRequest,
  unpad,
} from '../../src/signaling/sealed.js';

const keys = generateKeyPair();
const isCode = (code: string) => (e: unknown) => e instanceof SignalingError && e.code === code;

test('a sealed request opens at the broker, and its sealed answer opens only at its sender', async () => {
  const broker = await SealedBrokerKey.create(keys);
  const request = { path: '/v1/client/offer' as const, t: 1_700_000_000_000, body: { v: 1, sdp: 'é' } };
  const a = await sealRequest(keys.publicKey, request);
  const b = await sealRequest(keys.publicKey, request);
  assert.equal(a.body.length, 2048);
  assert.notDeepEqual(a.body, b.body, 'a fresh ephemeral key each time');
  const opened = await broker.open(a.body);
  assert.deepEqual(opened.request, request);
  const answer = await opened.seal({ status: 503, now: 5, body: { v: 1, code: 'no-match' } });
  assert.equal(answer.length, 2048);
  assert.deepEqual(await a.open(answer), { status: 503, now: 5, body: { v: 1, code: 'no-match' } });
  await assert.rejects(b.open(answer), isCode('bad-response'), "another request's key cannot open it");
  const flipped = new Uint8Array(answer);
  flipped[100] = flipped[100]! ^ 1;
  await assert.rejects(a.open(flipped), isCode('bad-response'));
  await assert.rejects(a.open(answer.subarray(0, 2047)), isCode('bad-response'));
});

test('bodies take the smallest size that holds them; beyond the largest is too-large', async () => {
  const sizes = [];
  for (const n of [0, 1900, 2100, 8000, 9000, 65_000]) {
    sizes.push(
      (await sealRequest(keys.publicKey, { path: '/v1/volunteer/answer', t: 1, body: { s: 'x'.repeat(n) } }))
        .body.length,
    );
  }
  assert.deepEqual(sizes, [2048, 2048, 8192, 8192, 65_536, 65_536]);
  for (const s of sizes) assert.ok((SEALED_SIZES as readonly number[]).includes(s));
  await assert.rejects(
    sealRequest(keys.publicKey, { path: '/v1/volunteer/answer', t: 1, body: { s: 'x'.repeat(65_500) } }),
    isCode('too-large'),
  );
});

test('unpad is strict: the length must fit and the padding must be zeros', () => {
  const padded = pad({ v: 1 }, 48);
  assert.equal(padded.length, 2048 - 48);
  assert.deepEqual(unpad(padded), { v: 1 });
  const nonzero = new Uint8Array(padded);
  nonzero[nonzero.length - 1] = 1;
  assert.throws(() => unpad(nonzero), isCode('bad-seal'));
  const long = new Uint8Array(padded);
  new DataView(long.buffer).setUint32(0, long.length);
  assert.throws(() => unpad(long), isCode('bad-seal'));
  assert.throws(() => unpad(new Uint8Array(3)), isCode('bad-seal'));
  const notUtf8 = new Uint8Array(8);
  notUtf8.set([0, 0, 0, 2, 0xc3, 0x28]);
  assert.throws(() => unpad(notUtf8), isCode('bad-seal'));
  const notJson = new Uint8Array(8);
  notJson.set([0, 0, 0, 1, 0x7b]);
  assert.throws(() => unpad(notJson), isCode('bad-seal'));
});

test('the inner request and response decoders check version, path, time and body', () => {
  const ok = { v: 1, path: '/v1/volunteer/poll', t: 5, body: {} };
  assert.deepEqual(decodeSealedRequest(ok), { path: '/v1/volunteer/poll', t: 5, body: {} });
  for (const bad of [
    null,
    [],
    { ...ok, v: 2 },
    { ...ok, path: '/v1/info' },
    { ...ok, path: 7 },
    { ...ok, t: -1 },
    { ...ok, t: 1.5 },
    { ...ok, t: '5' },
    { ...ok, body: [] },
    { ...ok, body: null },
  ]) {
    assert.throws(() => decodeSealedRequest(bad), isCode('bad-seal'), JSON.stringify(bad));
  }
  const res = { v: 1, status: 200, now: 1, body: { v: 1 } };
  assert.deepEqual(decodeSealedResponse(res), { status: 200, now: 1, body: { v: 1 } });
  for (const bad of [
    { ...res, status: 99 },
    { ...res, status: 600 },
    { ...res, now: null },
    { ...res, body: 1 },
  ]) {
    assert.throws(() => decodeSealedResponse(bad), isCode('bad-seal'), JSON.stringify(bad));
  }
});

test('the broker refuses a body of the wrong size, suite or key id, or one that does not open', async () => {
  const broker = await SealedBrokerKey.create(keys);
  const good = (await sealRequest(keys.publicKey, { path: '/v1/client/offer', t: 1, body: {} })).body;
  await assert.rejects(broker.open(good.subarray(0, 2000)), isCode('bad-seal'));
  const suite = new Uint8Array(good);
  suite[2] = 0x21;
  await assert.rejects(broker.open(suite), isCode('bad-seal'));
  const id = new Uint8Array(good);
  id[0] = (id[0]! + 1) & 0xff;
  await assert.rejects(broker.open(id), isCode('wrong-key'));
  const enc = new Uint8Array(good);
  enc.fill(0, 7, 39);
  await assert.rejects(broker.open(enc), isCode('bad-seal'), 'a zero (low-order) ephemeral key');
  const tag = new Uint8Array(good);
  tag[2047] = tag[2047]! ^ 1;
  await assert.rejects(broker.open(tag), isCode('bad-seal'));
});

test('replay window: times outside it are stale, a key seen twice is replayed', () => {
  const w = new SealedReplayWindow(1000, 10);
  const e = (n: number) => new Uint8Array(32).fill(n);
  assert.equal(w.check(e(1), 10_000, 10_000), 'ok');
  assert.equal(w.check(e(1), 10_000, 10_500), 'replayed');
  assert.equal(w.check(e(2), 8_999, 10_000), 'stale');
  assert.equal(w.check(e(2), 11_001, 10_000), 'stale');
  assert.equal(w.check(e(2), 11_000, 10_000), 'ok');
  assert.equal(w.check(e(1), 10_000, 12_000), 'stale', 'past the window the time alone refuses it');
  assert.ok(w.size <= 2);
});

test('replay window: when full, the oldest goes and nothing from before its time is accepted', () => {
  const w = new SealedReplayWindow(60_000, 3);
  const e = (n: number) => new Uint8Array(32).fill(n);
  const now = 100_000;
  for (let i = 1; i <= 3; i++) assert.equal(w.check(e(i), now + i, now), 'ok');
  assert.equal(w.check(e(4), now + 10, now), 'ok');
  assert.equal(w.size, 3, 'bounded');
  assert.equal(w.check(e(1), now + 1, now), 'stale', 'the evicted one cannot come back');
  assert.equal(w.check(e(9), now + 1, now), 'stale', 'nor anything as old');
  assert.equal(w.check(e(2), now + 2, now), 'replayed');
});
