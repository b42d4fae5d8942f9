/**
 * The direct path's policy in the tunnel (path-v1 §6), with fakes (test/client/fake-rtc.ts): when it is
 * opened, that the session's streams run over it, that a volunteer path replaces it in `fallback`, and that
 * it comes back when the volunteers go. Also the checks of its URL and front. The real thing, through nginx
 * with WebRTC firewalled: test/e2e/ws-path.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, type TestContext, test } from 'node:test';
import { DIRECT_PATH_NAME, type DirectPathMode, directTarget } from '../../src/client/direct-target.js';
import { type OfferBroker, Tunnel } from '../../src/client/tunnel.js';
import type { SessionTable } from '../../src/egress/sessions.js';
import { generateKeyPair } from '../../src/session/noise.js';
import type { SessionStream } from '../../src/session/stream.js';
import { SignalingError } from '../../src/signaling/client.js';
import { type MemoryEnd, memoryPath } from '../helpers/memory-path.js';
import { readAll } from '../helpers/session-pair.js';
import { until } from '../helpers/until.js';
import { FakeNetwork } from './fake-rtc.js';

const keepAlive = setInterval(() => {}, 1000);
after(() => clearInterval(keepAlive));

/** A broker that finds no volunteer until `volunteer` is set. */
class SwitchBroker implements OfferBroker {
  volunteer: string | undefined;
  offer(): Promise<{ sdp: string; volunteer: string }> {
    if (this.volunteer === undefined)
      return Promise.reject(new SignalingError('no-match', 'no volunteer', { retryAfterMs: 5 }));
    return Promise.resolve({ sdp: `fake-answer ${this.volunteer}`, volunteer: this.volunteer });
  }
}

function setup(t: TestContext, mode: DirectPathMode) {
  const net = new FakeNetwork();
  const keys = generateKeyPair();
  const egress: SessionTable = net.egress(keys, 'v1');
  const broker = new SwitchBroker();
  const direct: MemoryEnd[] = [];
  const tun = new Tunnel({
    broker,
    egressKey: keys.publicKey,
    RTCPeerConnection: net.RTCPeerConnection,
    paths: 1,
    retryMinMs: 5,
    retryMaxMs: 20,
    wsFallbackAfterMs: 60,
    wsPath: { mode, url: 'wss://egress.example/p' },
    openDirectPath: async () => {
      const path = memoryPath();
      void egress.accept(path.egress);
      direct.push(path.egress);
      return path.client;
    },
  });
  t.after(() => {
    tun.close();
    net.close();
  });
  return { tun, broker, net, direct };
}

async function echo(t: Tunnel, text: string): Promise<string> {
  const s = (await t.open('echo', 1)) as SessionStream;
  s.end(Buffer.from(text));
  return (await readAll(s)).toString();
}

test('fallback: the direct path comes after the delay, carries streams, yields to a volunteer and comes back', async (t) => {
  const { tun, broker, net, direct } = setup(t, 'fallback');
  const names: string[] = [];
  tun.on('path', (_id, name) => names.push(name));
  const started = Date.now();
  tun.start();
  await once(tun, 'path');
  assert.ok(Date.now() - started >= 60, 'not before wsFallbackAfterMs without a volunteer path');
  assert.deepEqual(names, [DIRECT_PATH_NAME]);
  assert.equal(await echo(tun, 'over the direct path'), 'over the direct path');

  // A stream open across the change keeps going.
  const stream = (await tun.open('echo', 1)) as SessionStream;
  stream.write(Buffer.from('one '));
  broker.volunteer = 'v1';
  await until(() => names.includes('v1'), 'a volunteer path');
  await until(() => direct[0]!.closed, 'the direct path dropped once a volunteer path is up');
  assert.equal(tun.currentSession?.pathCount, 1);
  stream.write(Buffer.from('two '));

  broker.volunteer = undefined;
  net.kill('v1');
  await until(() => direct.length === 2, 'the direct path again once no volunteer is left');
  await until(() => names.filter((n) => n === DIRECT_PATH_NAME).length === 2, 'and up');
  stream.end(Buffer.from('three'));
  assert.equal((await readAll(stream)).toString(), 'one two three');
});

test('always: the direct path is opened at once and kept beside a volunteer; never: never opened', async (t) => {
  const always = setup(t, 'always');
  always.broker.volunteer = 'v1';
  const names: string[] = [];
  always.tun.on('path', (_id, name) => names.push(name));
  always.tun.start();
  await until(() => names.length === 2, 'both paths');
  assert.deepEqual([...names].sort(), [DIRECT_PATH_NAME, 'v1'].sort());
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(always.direct.length, 1);
  assert.equal(always.direct[0]!.closed, false, 'not dropped for the volunteer');
  assert.equal(always.tun.currentSession?.pathCount, 2);

  const never = setup(t, 'never');
  never.tun.start();
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(never.direct.length, 0);
  assert.equal(never.tun.currentSession, undefined);
});

test("the direct path's URL and front are checked; a front takes the connection, the URL's host the Host header", () => {
  assert.deepEqual(directTarget({ url: 'wss://egress.example/p?x=1' }), {
    connect: 'wss://egress.example/p?x=1',
    host: 'egress.example',
  });
  assert.deepEqual(directTarget({ url: 'wss://egress.example:8443/p', front: 'cdn.example' }), {
    connect: 'wss://cdn.example/p',
    host: 'egress.example:8443',
  });
  assert.deepEqual(directTarget({ url: 'wss://e.example/p', front: '[::1]:4443' }), {
    connect: 'wss://[::1]:4443/p',
    host: 'e.example',
  });
  for (const front of ['cdn.example/x', 'user@cdn.example', '', 'cdn.example?q', 'a b'])
    assert.throws(() => directTarget({ url: 'wss://e.example/p', front }), TypeError, front);
  for (const url of ['https://e.example/p', 'wss://e.example/p#frag', 'wss://u:p@e.example/'])
    assert.throws(() => directTarget({ url }), TypeError, url);
  assert.throws(
    () =>
      new Tunnel({
        broker: new SwitchBroker(),
        egressKey: generateKeyPair().publicKey,
        RTCPeerConnection: new FakeNetwork().RTCPeerConnection,
        wsPath: { mode: 'fallback', url: 'http://e.example/' },
      }),
    TypeError,
  );
});
