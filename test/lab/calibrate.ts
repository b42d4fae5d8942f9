/**
 * Measures the lab's wires, for docs/lab.md: round-trip times against the configured delay (min, median,
 * p90, p99 of 500 UDP round trips, 2 ms apart) and TCP throughput from a host to a server in the internet
 * (5 s), with the delay element's CPU time while it carries that. As root:
 *
 *   node --import tsx test/lab/calibrate.ts [ROUNDS]
 *
 * Each round measures every wire once, in turn, so that a noisy neighbour hits them alike.
 */
import { readFileSync } from 'node:fs';
import { Lab, type LabHost } from './lab.js';
import type { WireOptions } from './wire.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const TICKS_PER_SECOND = 100;

const WIRES: [string, WireOptions][] = [
  ['veth, no delay element', {}],
  ['delay element, 0 ms', { delayMs: 0 }],
  ['delay element, 20 ms each way', { delayMs: 20 }],
  ['delay element, 20 ms, 40 Mbit/s', { delayMs: 20, rateBitsPerSecond: 40e6 }],
];

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime + stime
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const lab = await Lab.create();
try {
  await lab.internet.node('test/lab/probes/udp.ts', ['echo', '7000']).waitFor(/listening/);
  const sink = lab.internet.node('test/lab/probes/tcp.ts', ['sink', '7001']);
  await sink.waitFor(/listening/);
  /** The sink's report on the `n`th connection it received (from 1). */
  const report = async (n: number): Promise<{ bytes: number; seconds: number }> => {
    for (;;) {
      const reports = sink.lines.filter((l) => l.startsWith('{'));
      if (reports.length >= n) return JSON.parse(reports[n - 1]!) as { bytes: number; seconds: number };
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  let connections = 0;
  const hosts: [string, LabHost, number | undefined][] = [];
  for (const [i, [name, wire]] of WIRES.entries()) {
    const before = new Set(lab.pids());
    const host = await lab.addHost(`wire${i}`, { wire });
    hosts.push([name, host, lab.pids().find((p) => !before.has(p))]);
  }
  const rows = new Map<string, string[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, host, delayLine] of hosts) {
      const out = await host.execNode('test/lab/probes/udp.ts', [
        'rtt',
        lab.internet.address,
        '7000',
        '500',
        '2',
      ]);
      const rtt = (JSON.parse(out) as { rttMs: number[] }).rttMs.sort((a, b) => a - b);
      const cpuBefore = delayLine === undefined ? 0 : cpuSeconds(delayLine);
      const start = performance.now();
      await host.execNode('test/lab/probes/tcp.ts', ['source', lab.internet.address, '7001', '5']);
      const wall = (performance.now() - start) / 1000;
      const cpu = delayLine === undefined ? Number.NaN : cpuSeconds(delayLine) - cpuBefore;
      connections += 1;
      const { bytes, seconds } = await report(connections);
      const q = (x: number): string => quantile(rtt, x).toFixed(2);
      rows.set(name, [
        ...(rows.get(name) ?? []),
        `RTT min ${q(0)} p50 ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} ms; TCP ${((bytes * 8) / seconds / 1e6).toFixed(0)} Mbit/s; ` +
          `delay element CPU ${Number.isNaN(cpu) ? '-' : `${((cpu / wall) * 100).toFixed(0)}%`}`,
      ]);
    }
  }
  for (const [name, results] of rows) console.log(`${name}\n  ${results.join('\n  ')}`);
} finally {
  await lab.close();
}
