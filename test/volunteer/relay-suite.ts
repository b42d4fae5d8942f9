/**
 * The compliance suite of the volunteer relay core (docs/spec/path-v1.md): every host runs it with its own
 * RelayEnv (Node: test/volunteer/relay.test.ts; the browser build in Chromium, driven from Node through a
 * stand-in relay: test/widget/relay-browser.test.ts). Reads of a relay's state and stats that follow
 * network events wait for the value, so a stand-in that learns of them a moment later passes too. Real
 * WebRTC and WebSockets on 127.0.0.1: run inside the private network namespace (scripts/netns.mjs).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, type TestContext, test } from 'node:test';
import { SignalingError } from '../../src/signaling/client.js';
import type { RelayEnv } from '../../src/volunteer/env.js';
import {
  type RelayStateDetail,
  type RelayStats,
  type VolunteerOptions,
  VolunteerRelay,
} from '../../src/volunteer/relay.js';
import { until } from '../helpers/until.js';
import { type FakeBroker, type FakeBrokerOptions, startFakeBroker } from './fake-broker.js';
import { connectClient, type EchoEgress, isAnswerRace, startEchoEgress, type TestClient } from './harness.js';

export type EnvFactory = () => RelayEnv | Promise<RelayEnv>;

/** What the suite drives: a VolunteerRelay, or a stand-in for one that runs elsewhere (a browser page). */
export type RelayUnderTest = Pick<VolunteerRelay, 'start' | 'stop' | 'kill' | 'state' | 'stats'> &
  EventTarget;
export type RelayFactory = (
  options: VolunteerOptions,
  env: RelayEnv,
) => RelayUnderTest | Promise<RelayUnderTest>;

interface Host {
  makeEnv: EnvFactory;
  makeRelay: RelayFactory;
}

const GOODBYE = [0x01, 0x7e];

interface Fixture {
  broker: FakeBroker;
  egress: EchoEgress;
  relay: RelayUnderTest;
  states: RelayStateDetail[];
  connect(egressUrl?: string): Promise<TestClient>;
}

async function setup(
  t: TestContext,
  host: Host,
  options: Partial<VolunteerOptions> = {},
  brokerOptions: Partial<FakeBrokerOptions> = {},
): Promise<Fixture> {
  const egress = await startEchoEgress();
  const broker = await startFakeBroker({ egress: [egress.url], ...brokerOptions });
  const relay = await host.makeRelay(
    { broker: broker.url, allow: [egress.url], backoffMinMs: 50, backoffMaxMs: 200, ...options },
    await host.makeEnv(),
  );
  const states: RelayStateDetail[] = [];
  relay.addEventListener('state', (event) => states.push((event as CustomEvent<RelayStateDetail>).detail));
  relay.start();
  const clients: TestClient[] = [];
  t.after(async () => {
    relay.kill();
    for (const client of clients) client.close();
    await egress.close();
    await broker.close();
  });
  return {
    broker,
    egress,
    relay,
    states,
    connect: async (egressUrl = egress.url) => {
      const client = await connectWhenWaiting(broker, egressUrl, relay);
      clients.push(client);
      return client;
    },
  };
}

/**
 * Waits for the volunteer's poll, then connects. A poll may end between the check and the offer (the fake
 * broker holds it 200 ms): then the offer finds no one and the next poll is waited for. The offering side's
 * libdatachannel race (isAnswerRace) is retried too.
 */
export async function connectWhenWaiting(
  broker: FakeBroker,
  egressUrl: string,
  relay?: RelayUnderTest,
): Promise<TestClient> {
  for (let attempt = 1; ; attempt++) {
    await until(() => broker.volunteerWaiting, 'the volunteer to wait for clients');
    const before = relay?.stats.totalClients ?? 0;
    try {
      const client = await connectClient(broker.url, egressUrl);
      // The race can also open the channel and drop it before the volunteer sees it: connected means spliced.
      if (relay) {
        await until(
          () => relay.stats.totalClients > before || client.channel.readyState !== 'open',
          'the volunteer to splice the path',
        );
        if (relay.stats.totalClients === before) {
          client.close();
          throw new Error('data channel did not open');
        }
      }
      return client;
    } catch (error) {
      const noMatch = error instanceof SignalingError && error.code === 'no-match';
      if (!(noMatch || isAnswerRace(error)) || attempt === 5) throw error;
    }
  }
}

/** Messages of 1 byte to 60 KB, `total` bytes in all, random content. */
function messages(total: number): Uint8Array<ArrayBuffer>[] {
  const out: Uint8Array<ArrayBuffer>[] = [
    new Uint8Array(randomBytes(1)),
    new Uint8Array(randomBytes(60 * 1024)),
  ];
  let sum = 1 + 60 * 1024;
  while (sum < total) {
    const size = Math.min(total - sum, 1 + (randomBytes(2).readUInt16BE(0) % (60 * 1024)));
    out.push(new Uint8Array(randomBytes(size)));
    sum += size;
  }
  return out;
}

function digest(list: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const message of list) hash.update(message);
  return hash.digest('hex');
}

function isGoodbye(message: Uint8Array | undefined): boolean {
  return (
    message !== undefined && message.length === 2 && message[0] === GOODBYE[0] && message[1] === GOODBYE[1]
  );
}

export function relaySuite(
  name: string,
  makeEnv: EnvFactory,
  makeRelay: RelayFactory = (options, env) => new VolunteerRelay(options, env),
): void {
  const host: Host = { makeEnv, makeRelay };
  describe(`volunteer relay core (${name})`, () => {
    test('relays messages 1:1 and in order through the egress and back (path-v1 §2)', async (t) => {
      const f = await setup(t, host);
      const clientEvents: unknown[] = [];
      f.relay.addEventListener('client', (event) => clientEvents.push((event as CustomEvent).detail));
      const client = await f.connect();
      const sent = messages(8 * 1024 * 1024);
      const total = sent.reduce((sum, m) => sum + m.length, 0);
      await client.sendAll(sent);
      await until(() => client.log.bytes >= total, 'the echo of every byte', 60_000);
      assert.equal(client.log.messages.length, sent.length);
      assert.deepEqual(
        client.log.messages.map((m) => m.length),
        sent.map((m) => m.length),
      );
      assert.equal(digest(client.log.messages), digest(sent));
      assert.equal(f.egress.connections.length, 1);
      assert.equal(f.egress.connections[0]!.protocol, 'starling.path.v1');
      assert.equal(digest(f.egress.connections[0]!.log.messages), digest(sent));
      await until(() => f.relay.stats.bytesRelayed === 2 * total, 'every byte counted');
      const stats: RelayStats = f.relay.stats;
      assert.equal(stats.totalClients, 1);
      assert.equal(stats.clients, 1);
      assert.deepEqual(clientEvents, [{ egress: f.egress.url, clients: 1 }]);
    });

    test('answers no offer for an egress that is not on its allow-list (path-v1 §1)', async (t) => {
      const f = await setup(t, host, {}, { answerTimeoutMs: 500 });
      const refused: unknown[] = [];
      f.relay.addEventListener('refused', (event) => refused.push((event as CustomEvent).detail));
      const elsewhere = 'ws://127.0.0.1:9/';
      await assert.rejects(f.connect(elsewhere), (error: unknown) => {
        assert.ok(error instanceof SignalingError);
        assert.equal(error.code, 'timeout');
        return true;
      });
      assert.deepEqual(refused, [{ egress: elsewhere, reason: 'egress not on the allow-list' }]);
      assert.equal(f.egress.connections.length, 0);
      assert.equal(f.relay.stats.clients, 0);
      assert.equal(f.relay.stats.totalClients, 0);
      const client = await f.connect(); // still serving its own egress
      await client.sendAll([new Uint8Array([1, 2, 3])]);
      await until(() => client.log.messages.length === 1, 'the echo');
    });

    test('polls only while it has a free slot (maxClients)', async (t) => {
      const f = await setup(t, host, { maxClients: 1 }, { pollTimeoutMs: 50 });
      const first = await f.connect();
      await until(() => f.relay.stats.clients === 1, 'the first client');
      const pollsWhileFull = f.broker.polls.length;
      await assert.rejects(connectClient(f.broker.url, f.egress.url), (error: unknown) => {
        assert.ok(error instanceof SignalingError);
        assert.equal(error.code, 'no-match');
        return true;
      });
      await new Promise((resolve) => setTimeout(resolve, 300)); // six poll periods of the fake broker
      assert.equal(f.broker.polls.length, pollsWhileFull);
      assert.equal(f.relay.state, 'helping');
      first.close();
      await until(() => f.broker.polls.length > pollsWhileFull, 'a poll once the slot is free');
      assert.equal(f.broker.polls.at(-1)!.ticket, f.broker.ticket, 'it presents the ticket it was given');
      assert.equal(f.broker.polls[0]!.ticket, undefined, 'its first poll had none');
      const second = await f.connect();
      await second.sendAll([new Uint8Array([7])]);
      await until(() => second.log.messages.length === 1, 'the echo to the second client');
      assert.equal(f.relay.stats.totalClients, 2);
    });

    test("start() during stop()'s goodbye grace leaves the new run on, not off", async (t) => {
      const f = await setup(t, host, { goodbyeGraceMs: 200 });
      await f.connect();
      const stopping = f.relay.stop();
      f.relay.start();
      await stopping;
      assert.notEqual(f.relay.state, 'off');
      await until(() => f.relay.state === 'waiting', 'the new run to poll again');
    });

    test('stop() sends GOODBYE on both sides, then closes both (path-v1 §3)', async (t) => {
      const f = await setup(t, host, { goodbyeGraceMs: 200 });
      const client = await f.connect();
      await until(() => f.egress.connections.length === 1 && f.relay.stats.totalClients === 1, 'the splice');
      const egressLog = f.egress.connections[0]!.log;
      f.egress.echo = false; // so the client sees the volunteer's GOODBYE, not the echo of the egress's copy
      const stopped = f.relay.stop();
      await until(
        () => isGoodbye(client.log.messages.at(-1)) && isGoodbye(egressLog.messages.at(-1)),
        'GOODBYE',
      );
      assert.equal(client.log.closed, false);
      assert.equal(egressLog.closed, false);
      await stopped;
      await until(() => client.log.closed && egressLog.closed, 'both sides to close');
      assert.equal(egressLog.closeCode, 1000);
      assert.equal(f.relay.state, 'off');
      assert.equal(f.relay.stats.clients, 0);
    });

    test('a path that is kept alive still ends after its lifetime, GOODBYE first (path-v1 §2)', async (t) => {
      const f = await setup(t, host, { maxPathLifetimeMs: 800, goodbyeGraceMs: 100 });
      const client = await f.connect();
      await until(() => f.egress.connections.length === 1 && f.relay.stats.totalClients === 1, 'the splice');
      const egressLog = f.egress.connections[0]!.log;
      f.egress.echo = false; // so the client sees the volunteer's GOODBYE, not the echo of the egress's copy
      // The client keeps its path busy, as one whose session answers every ping would.
      // The volunteer closes the channel at the lifetime's end; node-datachannel may throw on a send before its
      // readyState says so, which is that very close, not a failure.
      const keepAlive = setInterval(() => {
        if (client.channel.readyState !== 'open') return;
        try {
          client.channel.send(new Uint8Array([0x02, 0, 0, 0, 0, 1]));
        } catch (e) {
          if (!/closed|not 'open'/i.test(String(e))) throw e;
        }
      }, 50);
      t.after(() => clearInterval(keepAlive));
      // GOODBYE goes to both sides at once, but the client's keep-alive records already on their way (and those sent
      // during the grace) still reach the egress after it, so look for it anywhere in each log, not last.
      await until(
        () => client.log.messages.some(isGoodbye) && egressLog.messages.some(isGoodbye),
        'GOODBYE to the client and to the egress',
        5_000,
      );
      await until(() => client.log.closed && egressLog.closed, 'both sides to close');
      assert.equal(egressLog.closeCode, 1000);
      await until(() => f.relay.stats.clients === 0 && f.relay.state === 'waiting', 'the slot is free again');
      const next = await f.connect();
      await until(() => f.relay.stats.totalClients === 2, 'the next client gets it');
      next.close();
    });

    test('kill() closes both sides without GOODBYE', async (t) => {
      const f = await setup(t, host);
      const client = await f.connect();
      await until(() => f.egress.connections.length === 1 && f.relay.stats.totalClients === 1, 'the splice');
      const egressLog = f.egress.connections[0]!.log;
      f.relay.kill();
      await until(() => client.log.closed && egressLog.closed, 'both sides to close');
      assert.equal(client.log.messages.length, 0);
      assert.equal(egressLog.messages.length, 0);
      // The browser relay's state is a snapshot the page sends back after kill(), so wait for it.
      await until(() => f.relay.state === 'off', "the relay's state to be off");
    });

    test('an egress close closes the data channel (path-v1 §4)', async (t) => {
      const f = await setup(t, host);
      const client = await f.connect();
      await until(() => f.egress.connections.length === 1 && f.relay.stats.totalClients === 1, 'the splice');
      f.egress.connections[0]!.socket.close(1000);
      await until(() => client.log.closed, 'the data channel to close');
      await until(() => f.relay.stats.clients === 0, 'the path to end');
    });

    test('a data channel close closes the WebSocket (path-v1 §4)', async (t) => {
      const f = await setup(t, host);
      const client = await f.connect();
      await until(() => f.egress.connections.length === 1 && f.relay.stats.totalClients === 1, 'the splice');
      client.channel.close();
      const egressLog = f.egress.connections[0]!.log;
      await until(() => egressLog.closed, 'the WebSocket to close');
      assert.equal(egressLog.closeCode, 1000);
      await until(() => f.relay.stats.clients === 0, 'the path to end');
      assert.equal(f.relay.state, 'waiting');
    });

    test('a text message is a protocol error: 4400 (path-v1 §2)', async (t) => {
      const f = await setup(t, host);
      const client = await f.connect();
      await until(() => f.egress.connections.length === 1 && f.relay.stats.totalClients === 1, 'the splice');
      client.channel.send('hello');
      const egressLog = f.egress.connections[0]!.log;
      await until(() => egressLog.closed && client.log.closed, 'both sides to close');
      assert.equal(egressLog.closeCode, 4400);
      assert.equal(egressLog.messages.length, 0);
    });

    test('the byte rate cap delays but delivers every byte in order (path-v1 §2)', async (t) => {
      const f = await setup(t, host, { maxBytesPerSec: 4 * 1024 * 1024, rateBurstBytes: 64 * 1024 });
      const client = await f.connect();
      const sent = messages(1024 * 1024);
      const total = sent.reduce((sum, m) => sum + m.length, 0);
      await client.sendAll(sent);
      await until(() => client.log.bytes >= total, 'the echo of every byte', 30_000);
      assert.equal(digest(client.log.messages), digest(sent));
      await until(() => f.relay.stats.bytesRelayed === 2 * total, 'every byte counted');
    });

    test("each person's own rate cap paces their path, both directions (path-v1 §2)", async (t) => {
      const rate = 256 * 1024;
      const burst = 64 * 1024;
      const f = await setup(t, host, { maxBytesPerSecPerClient: rate, rateBurstBytes: burst });
      const client = await f.connect();
      const sent = messages(256 * 1024);
      const total = sent.reduce((sum, m) => sum + m.length, 0);
      const began = performance.now();
      await client.sendAll(sent);
      await until(() => client.log.bytes >= total, 'the echo of every byte', 30_000);
      const elapsedMs = performance.now() - began;
      assert.equal(digest(client.log.messages), digest(sent));
      // A lower bound only, which no slow machine can break: the path's bucket held `burst` and earns `rate`
      // a second, and the echo costs it each byte twice (to the egress and back). A message passes once the
      // bucket is not in debt and may leave it in debt by its own size (src/shared/token-bucket.ts), so the
      // last one need not be paid for before the echo ends.
      const largest = Math.max(...sent.map((m) => m.length));
      const leastMs = ((2 * total - burst - largest) / rate) * 1000;
      assert.ok(
        elapsedMs >= leastMs * 0.95,
        `${2 * total} bytes in ${elapsedMs} ms: faster than the cap allows`,
      );
    });

    test('the total cap pauses the relay for good: GOODBYE, no more polls (path-v1 §2)', async (t) => {
      const f = await setup(t, host, { maxTotalBytes: 100_000, goodbyeGraceMs: 100 }, { pollTimeoutMs: 50 });
      const client = await f.connect();
      await client.sendAll(messages(80_000)); // echoed: 160 000 bytes relayed
      await until(() => f.relay.state === 'paused', 'the pause');
      assert.deepEqual(f.states.at(-1), { state: 'paused', paused: 'total-cap' });
      await until(() => client.log.closed, 'the path to close');
      assert.ok(client.log.messages.some(isGoodbye), 'GOODBYE before the close');
      assert.ok(f.relay.stats.bytesRelayed >= 100_000);
      const polls = f.broker.polls.length;
      await new Promise((resolve) => setTimeout(resolve, 300)); // six poll periods of the fake broker
      assert.equal(f.broker.polls.length, polls, 'no poll once paused');
      assert.equal(f.relay.state, 'paused');
      await f.relay.stop();
      assert.equal(f.relay.state, 'off');
    });

    test('reports an unreachable broker as an error and recovers when it comes up', async (t) => {
      const egress = await startEchoEgress();
      const probe = await startFakeBroker({ egress: [egress.url] });
      const port = probe.port;
      await probe.close();
      const relay = await makeRelay(
        { broker: `http://127.0.0.1:${port}/`, allow: [egress.url], backoffMinMs: 50, backoffMaxMs: 200 },
        await makeEnv(),
      );
      const states: RelayStateDetail[] = [];
      relay.addEventListener('state', (event) =>
        states.push((event as CustomEvent<RelayStateDetail>).detail),
      );
      let broker: FakeBroker | undefined;
      t.after(async () => {
        relay.kill();
        await broker?.close();
        await egress.close();
      });
      relay.start();
      await until(() => relay.state === 'error', 'the error state');
      assert.deepEqual(states.slice(0, 2), [
        { state: 'connecting' },
        { state: 'error', problem: 'broker-unreachable', reason: 'broker unreachable' },
      ]);
      broker = await startFakeBroker({ egress: [egress.url], port });
      await until(() => relay.state === 'waiting', 'recovery');
      const client = await connectWhenWaiting(broker, egress.url);
      t.after(() => client.close());
      await client.sendAll([new Uint8Array([42])]);
      await until(() => client.log.messages.length === 1, 'the echo after recovery');
    });

    test('without WebRTC it says so and does not poll', async (t) => {
      const egress = await startEchoEgress();
      const broker = await startFakeBroker({ egress: [egress.url] });
      const env = await makeEnv();
      const relay = await makeRelay(
        { broker: broker.url, allow: [egress.url] },
        { ...env, RTCPeerConnection: undefined as unknown as RelayEnv['RTCPeerConnection'] },
      );
      t.after(async () => {
        relay.kill();
        await broker.close();
        await egress.close();
      });
      const states: RelayStateDetail[] = [];
      relay.addEventListener('state', (event) =>
        states.push((event as CustomEvent<RelayStateDetail>).detail),
      );
      relay.start();
      await until(() => relay.state === 'error', 'the error state');
      await until(() => states.at(-1)?.problem === 'webrtc-unavailable', 'the problem code');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(broker.polls.length, 0);
      await relay.stop();
      assert.equal(relay.state, 'off');
    });
  });
}
