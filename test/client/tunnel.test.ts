/**
 * The tunnel's policy with fakes (test/client/fake-rtc.ts): a scripted broker and peer connections whose data
 * channel is a memory path to a real egress session table. What it decides: which volunteers to exclude,
 * how long to wait after a failure, when to warn that the key may be wrong, when to start a new session. The same tunnel
 * runs over real WebRTC, broker and egress processes in test/e2e/.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, type TestContext, test } from 'node:test';
import { type KeyWarning, Tunnel, type TunnelOptions } from '../../src/client/tunnel.js';
import { generateKeyPair } from '../../src/session/noise.js';
import type { Session } from '../../src/session/session.js';
import type { SessionStream } from '../../src/session/stream.js';
import { encodeRefuse, RefuseCode } from '../../src/session/wire.js';
import { HandshakeError, NoPathError } from '../../src/shared/errors.js';
import { printable } from '../../src/shared/printable.js';
import { SignalingError } from '../../src/signaling/client.js';
import { readAll } from '../helpers/session-pair.js';
import { until } from '../helpers/until.js';
import { FakeBroker, FakeNetwork } from './fake-rtc.js';

// The tunnel's timers are unref'd (a real client is kept alive by its listening proxies): so is this test.
const keepAlive = setInterval(() => {}, 1000);
after(() => clearInterval(keepAlive));

const noMatch = (retryAfterMs?: number) =>
  new SignalingError('no-match', 'no volunteer', retryAfterMs === undefined ? {} : { retryAfterMs });

/** A tunnel over `net` through `broker`, closed with the network's egresses when test `t` ends. */
function tunnel(
  t: TestContext,
  net: FakeNetwork,
  broker: FakeBroker,
  opts: Partial<TunnelOptions> = {},
): Tunnel {
  const tun = new Tunnel({
    broker,
    egressKey: generateKeyPair().publicKey,
    RTCPeerConnection: net.RTCPeerConnection,
    paths: 1,
    retryMinMs: 5,
    ...opts,
  });
  t.after(() => {
    tun.close();
    net.close();
  });
  return tun;
}

async function echo(t: Tunnel, text: string): Promise<string> {
  const s = (await t.open('echo', 1)) as SessionStream;
  s.end(Buffer.from(text));
  return (await readAll(s)).toString();
}

/** A promise that settles with what `p` rejected with, or fails the test if it resolves. */
const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => e,
  );

test('keeps `paths` volunteers, excludes those in use, and replaces one that goes', async (t) => {
  const keys = generateKeyPair();
  const net = new FakeNetwork();
  net.egress(keys, 'v1', 'v2', 'v3');
  const broker = new FakeBroker(['v1', 'v2', 'v3']);
  const tun = tunnel(t, net, broker, { egressKey: keys.publicKey, paths: 2 });
  const up: string[] = [];
  tun.on('path', (_id, volunteer) => up.push(volunteer));
  tun.start();
  await until(() => up.length === 2, 'two paths');
  assert.deepEqual(
    broker.offers.map((o) => o.exclude),
    [[], []],
    'the first two offers go out together, before any volunteer is in use',
  );
  assert.equal(await echo(tun, 'through two paths'), 'through two paths');
  net.kill('v1');
  await until(() => up.length === 3, 'a replacement path');
  assert.deepEqual(broker.offers[2]?.exclude, ['v2'], 'the volunteer still in use is excluded');
  assert.equal(up[2], 'v3');
  assert.equal(await echo(tun, 'after the replacement'), 'after the replacement');
});

test('peer connections get the configuration given, and none contacts STUN unless asked', async (t) => {
  const keys = generateKeyPair();
  const made: (RTCConfiguration | undefined)[] = [];
  const net = new FakeNetwork();
  net.egress(keys, 'v1', 'v2');
  const Recording = class extends net.RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      made.push(config);
      super(config);
    }
  };
  const stun: RTCConfiguration = { iceServers: [{ urls: 'stun:stun.example:3478' }] };
  const first = tunnel(t, net, new FakeBroker(['v1']), {
    egressKey: keys.publicKey,
    RTCPeerConnection: Recording,
  });
  const second = tunnel(t, net, new FakeBroker(['v2']), {
    egressKey: keys.publicKey,
    RTCPeerConnection: Recording,
    rtcConfig: stun,
  });
  first.start();
  await once(first, 'path');
  second.start();
  await once(second, 'path');
  assert.deepEqual(made, [{ iceServers: [] }, stun]);
});

test('a wrong key is never fatal: it warns through two volunteers, again later, and waiting streams hear it', async (t) => {
  const net = new FakeNetwork();
  net.egress(generateKeyPair(), 'v1', 'v2', 'v3');
  const broker = new FakeBroker(['v1', 'v2', 'v1'], 'v3');
  const tun = tunnel(t, net, broker, { keyWarningIntervalMs: 40, retryMaxMs: 5 });
  const warnings: KeyWarning[] = [];
  tun.on('key-warning', (w) => warnings.push(w));
  tun.start();
  const waiting = rejection(tun.open('echo', 1));
  const error = await waiting;
  assert.ok(error instanceof NoPathError, 'the stream waiting for a path hears why');
  assert.match(
    error.message,
    /^no egress handshake succeeded through 2 volunteers in \d+ s: the egress key may be wrong/,
  );
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.volunteers, 2);
  assert.equal(tun.keyWarning, warnings[0]);
  await until(() => warnings.length >= 2, 'the warning again after keyWarningIntervalMs');
  // v1 again, then v3: the count is of different volunteers, whichever attempt the second warning follows.
  assert.ok(warnings[1]!.volunteers >= 2 && warnings[1]!.volunteers <= 3);
  assert.ok(warnings[1]!.sinceMs >= warnings[0]!.sinceMs);
  assert.ok(broker.offers.length >= 3, 'the tunnel keeps trying');
  const more = broker.offers.length;
  await until(() => broker.offers.length > more + 2, 'and still does');
});

test('hostile volunteers answering a forged REFUSE or garbage never stop the client; an honest one then serves', async (t) => {
  const keys = generateKeyPair();
  const net = new FakeNetwork();
  const forged = encodeRefuse(RefuseCode.badHandshake, '\x1b]0;pwned\x07\x1b[2Jkey mismatch\u202e');
  net.hostile(() => forged, 'forger-1', 'forger-2');
  net.hostile((msg) => Uint8Array.from(msg).reverse(), 'garbler-1');
  net.hostile(() => Buffer.from([1, 2]), 'garbler-2');
  net.egress(keys, 'honest');
  const script = ['forger-1', 'garbler-1', 'forger-2', 'garbler-2', 'forger-1', 'forger-2', 'garbler-1'];
  const hostileTries = script.length;
  const broker = new FakeBroker(script, 'honest');
  const lines: string[] = [];
  const tun = tunnel(t, net, broker, { egressKey: keys.publicKey, retryMaxMs: 5, log: (l) => lines.push(l) });
  const warnings: KeyWarning[] = [];
  tun.on('key-warning', (w) => warnings.push(w));
  const up = once(tun, 'path');
  tun.start();
  await up;
  assert.equal(await echo(tun, 'served at last'), 'served at last');
  assert.equal(
    broker.offers.length,
    hostileTries + 1,
    'every hostile volunteer was tried, then the honest one',
  );
  assert.ok(warnings.length >= 1, 'the forged REFUSEs raised the warning');
  assert.equal(tun.keyWarning, undefined, 'a handshake that succeeds ends the warning');
  assert.ok(lines.some((l) => /key mismatch/.test(l)));
  for (const line of lines) assert.equal(printable(line, Infinity), line, 'no control bytes reach the log');
});

test('one volunteer refusing the key cannot stop the client: the next one serves (REFUSE is unauthenticated)', async (t) => {
  const keys = generateKeyPair();
  const net = new FakeNetwork();
  net.egress(generateKeyPair(), 'evil');
  net.egress(keys, 'good');
  const broker = new FakeBroker(['evil', 'good']);
  const tun = tunnel(t, net, broker, { egressKey: keys.publicKey, keyWarningVolunteers: 2 });
  const failures: Error[] = [];
  tun.on('path-failed', (e) => failures.push(e));
  let warned = false;
  tun.on('key-warning', () => {
    warned = true;
  });
  tun.start();
  assert.equal(await echo(tun, 'served'), 'served');
  assert.equal(failures.length, 1);
  assert.ok(failures[0] instanceof HandshakeError);
  assert.equal(warned, false, 'one volunteer is not enough for the warning');
});

test('after failures the wait is drawn below a ceiling doubling up to retryMaxMs (full jitter); a longer broker hint wins; a success starts over', async (t) => {
  const keys = generateKeyPair();
  const net = new FakeNetwork();
  const egress = net.egress(keys, 'v1', 'v2');
  // The jitter's draws: each wait is round(draw x ceiling), the ceilings 5, 10, 20, 20, 20.
  const draws = [1, 0.5, 0, 1, 0.1];
  const broker = new FakeBroker([
    noMatch(),
    noMatch(),
    noMatch(),
    noMatch(),
    noMatch(60),
    'v1',
    noMatch(),
    'v2',
  ]);
  const tun = tunnel(t, net, broker, {
    egressKey: keys.publicKey,
    retryMinMs: 5,
    retryMaxMs: 20,
    pathWaitMs: 60_000,
    random: () => draws.shift() ?? 1,
  });
  const waits: number[] = [];
  tun.on('path-failed', (_e, retryInMs) => waits.push(retryInMs));
  const up: string[] = [];
  tun.on('path', (_id, volunteer) => up.push(volunteer));
  tun.start();
  const early = rejection(tun.open('echo', 1));
  const e = await early;
  assert.ok(
    e instanceof NoPathError,
    'with nobody served, a waiting stream fails at once, not after pathWaitMs',
  );
  assert.match(e.message, /no volunteer available/);
  await until(() => up.length === 1, 'the first path');
  assert.deepEqual(waits, [5, 5, 0, 20, 60]);
  // The egress makes the session on the client's first record (session-v1 §2.1); killing the path before
  // that leaves no session to JOIN, and this test is about the backoff.
  await until(() => egress.size === 1, 'the egress to make the session');
  net.kill('v1');
  await until(() => up.length === 2, 'the second path');
  assert.deepEqual(waits.slice(5), [5], 'the success reset the backoff');
});

test('a volunteer whose data channel never opens costs one attempt, the next is tried at once (issue 10)', async (t) => {
  const keys = generateKeyPair();
  const net = new FakeNetwork();
  net.volunteers.set('ghost', 'vanish');
  net.egress(keys, 'v1');
  const broker = new FakeBroker(['ghost', 'v1']);
  const tun = tunnel(t, net, broker, { egressKey: keys.publicKey, channelOpenTimeoutMs: 30 });
  const failures: [Error, number][] = [];
  tun.on('path-failed', (err, retryInMs) => failures.push([err, retryInMs]));
  tun.start();
  assert.equal(await echo(tun, 'after the ghost'), 'after the ghost');
  assert.match(
    failures[0]?.[0].message ?? '',
    /volunteer not reachable directly \(unknown NAT\) within 30 ms/,
  );
  assert.equal(failures[0]?.[1], 0, 'no backoff after a match that did not connect');
  assert.equal(net.connections[0]?.connectionState, 'closed');
});

test('when the egress no longer knows the session (JOIN refused), the tunnel starts a new one', async (t) => {
  const keys = generateKeyPair();
  const net = new FakeNetwork();
  net.egress(keys, 'v1');
  net.egress(keys, 'v2'); // the same key, but this egress never saw the session
  const broker = new FakeBroker(['v1'], 'v2');
  const tun = tunnel(t, net, broker, { egressKey: keys.publicKey });
  const sessions: Session[] = [];
  tun.on('session', (s) => sessions.push(s));
  tun.start();
  assert.equal(await echo(tun, 'first'), 'first');
  net.kill('v1');
  await until(() => sessions.length === 2, 'a second session');
  assert.notEqual(sessions[0], sessions[1]);
  assert.equal(sessions[0]?.closed, true);
  assert.equal(await echo(tun, 'second'), 'second');
});

test('bad options are RangeErrors when the tunnel is built', (t) => {
  const net = new FakeNetwork();
  const broker = new FakeBroker([]);
  assert.throws(
    () => tunnel(t, net, broker, { retryMinMs: 0 }),
    /client option retryMinMs must be a number > 0/,
  );
  assert.throws(() => tunnel(t, net, broker, { paths: Number.NaN }), /client option paths/);
  assert.throws(() => tunnel(t, net, broker, { session: { streamWindow: 10 } }), /streamWindow/);
});

test('the offer sent to the broker carries no LAN or global host candidate unless asked', async (t) => {
  const keys = generateKeyPair();
  const candidates = [
    'a=candidate:1 1 UDP 2122317823 192.168.1.20 50000 typ host',
    'a=candidate:2 1 UDP 2122317823 2001:db8::20 50001 typ host',
    'a=candidate:3 1 UDP 2122317823 127.0.0.1 50002 typ host',
    'a=candidate:4 1 UDP 2122317823 198.18.0.1 50003 typ host',
    'a=candidate:5 1 UDP 1686052607 203.0.113.7 40000 typ srflx raddr 0.0.0.0 rport 0',
  ];
  const sent = async (hostCandidates?: TunnelOptions['hostCandidates']): Promise<string> => {
    const net = new FakeNetwork();
    net.egress(keys, 'v1');
    const Base = net.RTCPeerConnection;
    const WithCandidates = class extends Base {
      constructor(config?: RTCConfiguration) {
        super(config);
        // The fake's offer, with the candidates libdatachannel would have gathered.
        const offer = async (): Promise<RTCSessionDescriptionInit> => ({
          type: 'offer',
          sdp: `v=0\r\n${candidates.join('\r\n')}\r\na=setup:actpass\r\n`,
        });
        this.createOffer = offer as RTCPeerConnection['createOffer'];
      }
    };
    const broker = new FakeBroker(['v1']);
    const tun = tunnel(t, net, broker, {
      egressKey: keys.publicKey,
      RTCPeerConnection: WithCandidates,
      ...(hostCandidates === undefined ? {} : { hostCandidates }),
    });
    const up = once(tun, 'path');
    tun.start();
    await up;
    return broker.offers[0]!.sdp;
  };
  const byDefault = await sent();
  assert.doesNotMatch(byDefault, /192\.168\.1\.20|2001:db8::20|198\.18\.0\.1/);
  assert.match(byDefault, /127\.0\.0\.1 50002 typ host/);
  assert.match(byDefault, /typ srflx/);
  assert.match(await sent(['198.18.0.1']), /198\.18\.0\.1 50003 typ host/);
  assert.match(await sent('all'), /192\.168\.1\.20.*\r\n.*2001:db8::20/);
});

test('no volunteer reachable directly: with TURN the offer is made again at once, relay-only (issue 10)', async (t) => {
  const keys = generateKeyPair();
  const net = new FakeNetwork();
  net.egress(keys, 'v1');
  const unreachable = new SignalingError(
    'no-match',
    'no volunteer reachable from your network (symmetric NAT) is free; offer again with relay candidates only',
    { retryAfterMs: 1000 },
  );
  const broker = new FakeBroker([unreachable, 'v1']);
  const turn = { urls: 'turn:198.18.0.1:3478', username: 'u', credential: 'c' };
  const network = { current: async () => ({ iceServers: [turn], hasTurn: true, nat: 'symmetric' as const }) };
  const tun = tunnel(t, net, broker, { egressKey: keys.publicKey, network });
  const failures: Error[] = [];
  tun.on('path-failed', (err) => failures.push(err));
  tun.start();
  assert.equal(await echo(tun, 'relayed'), 'relayed');
  assert.equal(failures.length, 0, 'one attempt, no backoff');
  assert.deepEqual(
    broker.offers.map((o) => [o.nat, o.relay]),
    [
      ['symmetric', undefined],
      ['symmetric', true],
    ],
  );
  assert.equal(net.connections[1]?.config?.iceTransportPolicy, 'relay');
  assert.deepEqual(net.connections[1]?.config?.iceServers, [turn]);
});

test('without TURN, the broker says why nobody is reachable and waiting streams hear it', async (t) => {
  const net = new FakeNetwork();
  const why = 'no volunteer reachable from your network (symmetric NAT) is free; TURN not configured';
  const broker = new FakeBroker([], new SignalingError('no-match', why, { retryAfterMs: 1000 }));
  const network = { current: async () => ({ iceServers: [], hasTurn: false, nat: 'symmetric' as const }) };
  const tun = tunnel(t, net, broker, { network });
  tun.start();
  await assert.rejects(tun.open('example.test', 80), (e: Error) => e.message.includes(why));
  assert.ok(
    broker.offers.every((o) => o.relay === undefined),
    'never relay-only without TURN',
  );
});
