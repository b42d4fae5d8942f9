// The Node relay against the real broker (src/broker/http.ts) rather than the suite's fake one: poll,
// offer, answer and relay end to end, then a graceful stop. Run inside the private network namespace:
//   node scripts/netns.mjs node --import tsx --test test/volunteer/relay-broker.test.ts
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createBrokerServer } from '../../src/broker/http.js';
import { SignalingError } from '../../src/signaling/client.js';
import { nodeRelayEnv } from '../../src/volunteer/node.js';
import { type RelayStateDetail, VolunteerRelay } from '../../src/volunteer/relay.js';
import { until } from '../helpers/until.js';
import { connectClient, isAnswerRace, startEchoEgress, type TestClient } from './harness.js';

function digest(list: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const message of list) hash.update(message);
  return hash.digest('hex');
}

test('relays through the real broker, then says GOODBYE on stop', async (t) => {
  const egress = await startEchoEgress();
  const broker = createBrokerServer({ egress: [egress.url], rateLimitPerSecond: 0, pollTimeoutMs: 500 });
  const { port } = await broker.listen(0, '127.0.0.1');
  const brokerUrl = `http://127.0.0.1:${port}/`;
  const relay = new VolunteerRelay(
    { broker: brokerUrl, brokerEgress: true, goodbyeGraceMs: 100 },
    nodeRelayEnv({ bindAddress: '127.0.0.1' }),
  );
  const states: string[] = [];
  relay.addEventListener('state', (event) =>
    states.push((event as CustomEvent<RelayStateDetail>).detail.state),
  );
  let client: TestClient | undefined;
  t.after(async () => {
    relay.kill();
    client?.close();
    await broker.close();
    await egress.close();
  });
  relay.start();
  await until(() => relay.state === 'waiting', 'the volunteer to reach the broker');
  for (let attempt = 1; client === undefined; attempt++) {
    try {
      const candidate = await connectClient(brokerUrl, egress.url);
      // libdatachannel's offering-side race can also open the channel and then drop it before the
      // volunteer sees it: connected means spliced (the volunteer counts the client).
      await until(
        () => relay.stats.totalClients === 1 || candidate.channel.readyState !== 'open',
        'the volunteer to splice the path',
      );
      if (relay.stats.totalClients !== 1) {
        candidate.close();
        throw new Error('data channel did not open');
      }
      client = candidate;
    } catch (error) {
      const retry = (error instanceof SignalingError && error.code === 'no-match') || isAnswerRace(error);
      if (!retry || attempt === 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const sent = Array.from({ length: 64 }, (_, i) => new Uint8Array(randomBytes(1 + i * 997)));
  const total = sent.reduce((sum, m) => sum + m.length, 0);
  await client.sendAll(sent);
  await until(() => client.log.bytes >= total, 'the echo of every byte');
  assert.equal(digest(client.log.messages), digest(sent));
  assert.equal(relay.stats.totalClients, 1);
  const echoed = client.log.messages.length;
  egress.echo = false; // so the last message the client sees is the volunteer's GOODBYE
  await relay.stop();
  await until(() => client.log.closed, 'the data channel to close');
  assert.deepEqual([...client.log.messages[echoed]!], [0x01, 0x7e]);
  assert.deepEqual(states.slice(0, 3), ['connecting', 'waiting', 'helping']);
  assert.equal(states.at(-1), 'off');
});

test('reads GET /v1/info once before its first poll, not once per need (a round trip each)', async (t) => {
  const broker = createBrokerServer({
    egress: ['ws://127.0.0.1:9/'],
    rateLimitPerSecond: 0,
    pollTimeoutMs: 500,
  });
  const { port } = await broker.listen(0, '127.0.0.1');
  const requests: string[] = [];
  const env = nodeRelayEnv({ bindAddress: '127.0.0.1' });
  const relay = new VolunteerRelay(
    { broker: `http://127.0.0.1:${port}/`, brokerEgress: true },
    {
      ...env,
      fetch: (input, init) => {
        requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
        return env.fetch(input, init);
      },
    },
  );
  t.after(async () => {
    relay.kill();
    await broker.close();
  });
  relay.start();
  await until(() => requests.includes('POST /v1/volunteer/poll'), 'the first poll');
  // Reaching the broker, its ICE servers and its sealing key (none here) all come from the one read.
  assert.deepEqual(requests, ['GET /v1/info', 'POST /v1/volunteer/poll']);
});
