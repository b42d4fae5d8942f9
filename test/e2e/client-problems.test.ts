/**
 * Messages that say what to do, with real processes: a broker nobody answers at, no volunteer for a while,
 * an egress key that the egress does not prove. Each is a problem in the status (src/client/status.ts),
 * logged when it begins and ends, and in `--status`.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { createClient, type Problem } from '../../src/client/index.js';
import type { ClientStatus } from '../../src/client/status.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { listen } from '../../src/shared/listen.js';
import { getJson } from '../helpers/http-target.js';
import { Network, run } from '../helpers/network.js';

/** A loopback port with nobody listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = createServer();
  const port = await listen(s, 0, '127.0.0.1');
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

const getStatus = (url: string) => getJson<ClientStatus>(url);

test('a broker nobody answers at: the URL, what was tried, what to do; in the log and --status', async () => {
  const port = await closedPort();
  const broker = `http://127.0.0.1:${port}/`;
  const client = run('client', [
    'client',
    '--broker',
    broker,
    '--egress-key',
    encodeKey(generateKeyPair().publicKey),
    '--socks',
    '127.0.0.1:0',
    '--http',
    '127.0.0.1:0',
    '--status',
    '127.0.0.1:0',
  ]);
  try {
    const statusUrl = (await client.waitFor(/status on (http:\/\/\S+)/))[1]!;
    const logged = await client.waitFor(/problem: (.*)$/);
    assert.equal(
      logged[1],
      `cannot reach the broker at ${broker} (tried 1 time; last: broker unreachable: fetch failed: ` +
        `connect ECONNREFUSED 127.0.0.1:${port}); check your connection, or ask for another broker address (--broker)`,
    );
    const s = await getStatus(statusUrl);
    assert.equal(s.problem?.kind, 'broker-unreachable');
    assert.match(
      s.problem?.message ?? '',
      new RegExp(`cannot reach the broker at ${broker} \\(tried \\d+ times?`),
    );
    assert.equal(s.state, 'connecting');
  } finally {
    await client.stop('SIGKILL');
  }
});

test('no volunteer for a while: "keep this running"; over when a volunteer comes', async () => {
  const net = await Network.start({ volunteers: 0, client: false });
  const client = createClient({
    broker: net.brokerUrl,
    egressKey: encodeKey(net.keys.publicKey),
    paths: 1,
    iceAddress: '127.0.0.1',
    noVolunteerNoticeMs: 1000,
    statusIntervalMs: 100,
    retryMaxMs: 500,
    closeWebRtc: true,
  });
  const problems: (Problem | null)[] = [];
  const next = () => new Promise<Problem | null>((resolve) => client.once('problem', resolve));
  client.on('problem', (p) => problems.push(p));
  try {
    const first = await next();
    assert.equal(first?.kind, 'no-volunteer');
    assert.equal(
      first?.message,
      'no volunteer has answered for 1 s; the network may be busy, keep this running',
    );
    const over = next();
    await net.addVolunteer();
    assert.equal(await over, null);
    assert.equal(client.status().volunteers, 1);
    assert.deepEqual(
      problems.map((p) => p?.kind ?? null),
      ['no-volunteer', null],
    );
  } finally {
    await client.close();
    await net.stop();
  }
});

test('an egress that does not prove the pinned key: "the key may be wrong", in the log', async () => {
  // Failures through one volunteer prove nothing (it can forge them): it takes two.
  const net = await Network.start({ volunteers: 2, client: false });
  try {
    const client = await net.startClient(1, encodeKey(generateKeyPair().publicKey));
    const m = await client.waitFor(/problem: (.*)$/, 30_000);
    assert.match(m[1]!, /key may be wrong.*; check --egress-key against the key/);
  } finally {
    await net.stop();
  }
});
