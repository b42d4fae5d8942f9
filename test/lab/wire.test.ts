/**
 * The lab's wires behave like the links they stand for: a round trip takes the configured delays (never
 * less, and within a few ms more at the median), a lossy wire drops the configured share of packets in
 * each direction, and a rate-limited one carries close to its cap, never more. Measured with real UDP and
 * TCP between lab hosts and a server in the internet. The bounds that a loaded machine can stretch are the
 * generous ones (median RTT, throughput from below); the physical ones are tight.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { skipLabTests } from './available.js';
import { Lab, type LabHost } from './lab.js';

const skip = await skipLabTests();

const ECHO_PORT = 7000;
const COUNT_PORT = 7001;
const TCP_PORT = 7002;

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('lab wires', { skip }, () => {
  let lab: Lab;
  before(async () => {
    lab = await Lab.create();
  });
  after(() => lab?.close());

  async function rtts(from: LabHost, to: string, count: number): Promise<number[]> {
    const out = await from.execNode('test/lab/probes/udp.ts', [
      'rtt',
      to,
      String(ECHO_PORT),
      String(count),
      '5',
    ]);
    const { rttMs, lost } = JSON.parse(out) as { rttMs: number[]; lost: number };
    assert.equal(lost, 0, 'no loss was configured');
    return rttMs;
  }

  test('a round trip takes the configured one-way delays, each way, across NATs and hosts', async (t) => {
    const far = await lab.addHost('far', { wire: { delayMs: 15 } });
    const lopsided = await lab.addHost('lopsided', { nat: 'cone', wire: { delayMs: { up: 5, down: 10 } } });
    const near = await lab.addHost('near', { nat: 'symmetric' });
    await Promise.all(
      [lab.internet, far].map((node) =>
        node.node('test/lab/probes/udp.ts', ['echo', String(ECHO_PORT)]).waitFor(/listening/),
      ),
    );
    const cases: [string, LabHost, string, number][] = [
      ['far -> server', far, lab.internet.address, 30],
      ['lopsided -> server', lopsided, lab.internet.address, 15],
      ['lopsided -> far (both wires)', lopsided, far.address, 5 + 15 + 15 + 10],
      ['near -> server (no delay element)', near, lab.internet.address, 0],
    ];
    for (const [name, from, to, expected] of cases) {
      const samples = await rtts(from, to, 100);
      const [min, mid] = [Math.min(...samples), median(samples)];
      t.diagnostic(
        `${name}: configured ${expected} ms, measured min ${min.toFixed(2)}, median ${mid.toFixed(2)} ms`,
      );
      assert.ok(
        min >= expected,
        `${name}: a round trip in ${min.toFixed(2)} ms, under the configured ${expected}`,
      );
      assert.ok(mid <= expected + 5, `${name}: median ${mid.toFixed(2)} ms for ${expected} configured`);
    }
  });

  test('a lossy wire drops the configured share of packets in each direction', async (t) => {
    const lossy = await lab.addHost('lossy', {
      nat: 'cone',
      wire: { loss: { up: 0.2, down: 0.05 }, delayMs: 1 },
    });
    const sent = 2000;
    // From the host up to a counter in the internet; then the internet down to a counter on a public host
    // (behind a NAT nothing could reach it unasked).
    const downHost = await lab.addHost('lossydown', { wire: { loss: { up: 0, down: 0.1 } } });
    for (const [name, receiver, sender, to, p] of [
      ['up', lab.internet, lossy, lab.internet.address, 0.2],
      ['down', downHost, lab.internet, downHost.address, 0.1],
    ] as const) {
      const counter = receiver.node('test/lab/probes/udp.ts', ['count', String(COUNT_PORT)], { stdin: true });
      await counter.waitFor(/listening/);
      await sender.execNode('test/lab/probes/udp.ts', ['send', to, String(COUNT_PORT), String(sent)]);
      counter.child.stdin?.end();
      const received = (JSON.parse((await counter.waitFor(/^\{.*\}$/))[0]) as { received: number }).received;
      await counter.stop();
      const expected = sent * (1 - p);
      const sigma = Math.sqrt(sent * p * (1 - p));
      t.diagnostic(
        `${name}: loss ${p}, ${received} of ${sent} arrived (expected ${expected} +- ${sigma.toFixed(1)})`,
      );
      assert.ok(Math.abs(received - expected) < 5 * sigma, `${name}: ${received} of ${sent} arrived`);
    }
  });

  test('a rate-limited wire carries close to its cap in each direction, never more', async (t) => {
    const capped = await lab.addHost('capped', {
      nat: 'cone',
      wire: { delayMs: 10, rateBitsPerSecond: { up: 40e6, down: 20e6 } },
    });
    const seconds = '3';
    const port = String(TCP_PORT);
    const sink = lab.internet.node('test/lab/probes/tcp.ts', ['sink', port]);
    await sink.waitFor(/listening/);
    await capped.execNode('test/lab/probes/tcp.ts', ['source', lab.internet.address, port, seconds]);
    const up = (await sink.waitFor(/^\{.*\}$/))[0];
    await sink.stop();
    const server = lab.internet.node('test/lab/probes/tcp.ts', ['serve', port, seconds]);
    await server.waitFor(/listening/);
    const down = await capped.execNode('test/lab/probes/tcp.ts', ['fetch', lab.internet.address, port]);
    for (const [name, line, cap] of [
      ['up', up, 40e6],
      ['down', down, 20e6],
    ] as const) {
      const { bytes, seconds: took } = JSON.parse(line) as { bytes: number; seconds: number };
      const bitsPerSecond = (bytes * 8) / took;
      t.diagnostic(
        `${name}: cap ${cap / 1e6} Mbit/s, carried ${(bitsPerSecond / 1e6).toFixed(1)} Mbit/s of TCP payload`,
      );
      assert.ok(bitsPerSecond <= cap * 1.02, `${name}: ${bitsPerSecond} bit/s over a ${cap} bit/s cap`);
      assert.ok(bitsPerSecond >= cap * 0.8, `${name}: only ${bitsPerSecond} bit/s of a ${cap} bit/s cap`);
    }
  });
});
