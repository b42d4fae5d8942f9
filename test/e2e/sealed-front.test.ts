/**
 * issue 12 §2, signaling-v1 §10 with real processes: a broker with `--key` behind a recording front (a
 * reverse proxy keeping every body, as a CDN could); volunteers that take the key from /v1/info through the
 * front and a client that pins it (`--broker-key`) meet, and traffic flows. The front saw only ciphertext
 * of the fixed sizes: no SDP, no address, no NAT class, every sealed exchange a 200.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { SEALED_SIZES } from '../../src/signaling/sealed.js';
import { getViaSocks, seededSha, startTarget } from '../helpers/http-target.js';
import { Network, run } from '../helpers/network.js';
import { startRecordingFront } from '../helpers/recording-front.js';

const brokerKeys = generateKeyPair();
const BROKER_KEY = encodeKey(brokerKeys.publicKey);
let net: Network;
let front: Awaited<ReturnType<typeof startRecordingFront>>;
let target: Awaited<ReturnType<typeof startTarget>>;
let keyDir = '';

before(async () => {
  target = await startTarget();
  keyDir = mkdtempSync(join(tmpdir(), 'starling-sealed-'));
  const keyFile = join(keyDir, 'broker.key');
  await writeKeyFile(keyFile, brokerKeys);
  net = await Network.start({
    volunteers: 1,
    client: false,
    brokerArgs: ['--key', keyFile],
    brokerFront: async (url) => {
      front = await startRecordingFront(url);
      return front.url;
    },
  });
  await net.startClient(1, encodeKey(net.keys.publicKey), ['--broker-key', BROKER_KEY]);
});

after(async () => {
  await net?.stop();
  await front?.close();
  await target?.close();
  if (keyDir !== '') rmSync(keyDir, { recursive: true, force: true });
});

test('through a recording front, a client gets a volunteer and carries traffic', async () => {
  assert.ok(
    net.broker.lines.some((l) => l.includes(`broker key ${BROKER_KEY}`)),
    'the broker prints its key',
  );
  const got = await getViaSocks(net.socksPort, '127.0.0.1', target.port, '/bytes/300000');
  assert.equal(got.status, 200);
  assert.equal(got.sha, seededSha(300_000));
});

test('the front saw only fixed-size ciphertext: no SDP, address or NAT class, every exchange 200', () => {
  const sealed = front.seen.filter((s) => s.path === '/v1/sealed');
  assert.ok(sealed.length >= 3, `a poll, an offer and an answer at least, saw ${sealed.length}`);
  const other = front.seen.filter((s) => s.path !== '/v1/sealed').map((s) => `${s.method} ${s.path}`);
  assert.deepEqual([...new Set(other)], ['GET /v1/info'], 'only the public info besides');
  for (const s of sealed) {
    assert.equal(s.method, 'POST');
    assert.equal(s.status, 200);
    assert.equal(s.requestType, 'text/plain');
    assert.equal(s.responseType, 'application/octet-stream');
    for (const body of [s.request, s.response]) {
      assert.ok((SEALED_SIZES as readonly number[]).includes(body.length), `a ${body.length}-byte body`);
      const text = body.toString('latin1');
      for (const leak of [
        '127.0.0.1',
        'candidate',
        'a=fingerprint',
        'symmetric',
        'unknown',
        '"nat"',
        '"sdp"',
      ])
        assert.ok(!text.includes(leak), `"${leak}" in a body the front saw`);
    }
  }
  const sizes = new Set(sealed.flatMap((s) => [s.request.length, s.response.length]));
  assert.ok(sizes.size <= SEALED_SIZES.length);
});

test('a plain offer through the front is refused 400 sealed-required, saying to update', async () => {
  const res = await fetch(new URL('v1/client/offer', front.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ v: 1, nat: 'unknown', sdp: 'v=0' }),
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as { code: string; error: string };
  assert.equal(body.code, 'sealed-required');
  assert.match(body.error, /sealed signaling only.*update/);
});

test('a client pinning another broker key gets no volunteer and says why', async () => {
  const wrong = run('wrong-key-client', [
    ...net.clientArgs(1, encodeKey(net.keys.publicKey)),
    '--broker-key',
    encodeKey(generateKeyPair().publicKey),
  ]);
  try {
    const line = await wrong.waitFor(/sealed to another key/, 30_000);
    assert.match(line.input, /broker/);
  } finally {
    await wrong.stop('SIGKILL');
  }
});
