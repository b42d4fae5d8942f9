/**
 * What collapses under random loss (issue 11 item 2), measured in the network lab: `node --import tsx
 * bench/lab-loss.ts [LOSS] [RUNS] [BYTES_MIB]` (as root; default 0.01, 3, 3). One volunteer host with a
 * 20 Mbit/s uplink, one client host 40 ms from the internet with LOSS random loss each way on its wire.
 * Interleaved, RUNS times, each transfer from the volunteer's host to the client's host:
 *   - plain TCP with the lab's offloads on (GSO/TSO/GRO, the kernel's default), then with them off;
 *   - a bare data channel (node-datachannel, ordered and reliable, 64 KiB messages) on one peer connection,
 *     and split over 4 peer connections (SCTP's congestion control is per association);
 *   - the Starling tunnel with --paths 1 (client -> volunteer -> egress -> target on the internet).
 * For each it prints MB/s and, from iptables counters on the client's wire, how many packets went down it
 * and how many of them the loss rule dropped, with their mean size: with offloads on, one dropped TCP
 * "packet" is a GSO super-packet of many MSS, so TCP meets far fewer loss events than the configured share.
 * A tshark capture on the client's wire (the sender's data packets only) gives the trace of each transfer: how
 * often and how long the sender fell silent for more than 2 RTT, a retransmission timeout or a closed window.
 * Prints one JSON object per line, then a summary table (docs/benchmarks.md, "Loss").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Proc } from '../test/helpers/network.js';
import type { LabHost } from '../test/lab/lab.js';
import { run } from '../test/lab/sh.js';
import { MiB, mbPerS } from './lib/group.js';
import { LabNet, VOLUNTEER_TCP_PORT } from './lib/lab-net.js';
import { median } from './lib/report.js';

const LOSS = Number(process.argv[2] ?? 0.01);
const RUNS = Number(process.argv[3] ?? 3);
const BYTES = Number(process.argv[4] ?? 3) * MiB;
const MESSAGE = 64 * 1024;

interface Counters {
  packets: number;
  bytes: number;
  dropped: number;
  droppedBytes: number;
}

/** Counting rules ahead of the loss rules on wire `dev` of the internet (downlink: -o, uplink: -i). */
async function addCounters(net: LabNet, dev: string): Promise<void> {
  const rules = `*mangle\n-I POSTROUTING 1 -o ${dev}\n-I PREROUTING 1 -i ${dev}\nCOMMIT\n`;
  await run(['ip', 'netns', 'exec', net.lab.internet.netns, 'iptables-restore', '--noflush', '-w'], {
    input: rules,
  });
}

async function readCounters(
  net: LabNet,
  dev: string,
  chain: 'POSTROUTING' | 'PREROUTING',
): Promise<Counters> {
  const out = await run([
    'ip',
    'netns',
    'exec',
    net.lab.internet.netns,
    'iptables',
    '-w',
    '-t',
    'mangle',
    '-nvxL',
    '-Z',
    chain,
  ]);
  const c: Counters = { packets: 0, bytes: 0, dropped: 0, droppedBytes: 0 };
  for (const line of out.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (!line.includes(dev) || f.length < 3) continue;
    if (f[2] === 'DROP') {
      c.dropped += Number(f[0]);
      c.droppedBytes += Number(f[1]);
    } else {
      c.packets += Number(f[0]);
      c.bytes += Number(f[1]);
    }
  }
  return c;
}

/** A bare data-channel transfer over `connections` peer connections from `far` to `near`; ms. */
async function bareDc(near: LabHost, far: LabHost, connections: number): Promise<number> {
  const answerer = far.node('bench/lib/dc-child.ts', [far.address], { stdin: true, name: 'dc-child' });
  const offerer = near.node(
    'bench/lib/lab-dc.ts',
    [near.address, String(connections), String(BYTES), String(MESSAGE), '1'],
    { stdin: true, name: 'lab-dc' },
  );
  try {
    const answers = createInterface({ input: answerer.child.stdout! });
    answers.on('line', (line) => offerer.child.stdin!.write(`${line}\n`));
    const lines = createInterface({ input: offerer.child.stdout! });
    return await new Promise<number>((resolve, reject) => {
      lines.on('line', (line) => {
        const m = JSON.parse(line) as { offer?: string; ms?: number };
        if (m.offer !== undefined) answerer.child.stdin!.write(`${JSON.stringify({ offer: m.offer })}\n`);
        if (m.ms !== undefined) resolve(m.ms);
      });
      void offerer.exited.then(() =>
        reject(new Error(`lab-dc exited: ${offerer.lines.slice(-5).join('\n')}`)),
      );
    });
  } finally {
    await Promise.all([offerer.stop('SIGKILL'), answerer.stop('SIGKILL')]);
  }
}

async function main(): Promise<void> {
  const net = await LabNet.start({
    volunteers: 1,
    volunteerWire: { rateBitsPerSecond: { up: 20e6, down: 100e6 } },
    clients: { lossy: { delayMs: 20, loss: LOSS } },
    offloadsOff: false,
  });
  const results = new Map<string, { mbps: number; down: Counters; up: Counters; trace: Trace }[]>();
  try {
    const volunteer = net.volunteerHosts[0]!;
    const client = net.clientHosts.get('lossy')!;
    const dev = `w${client.publicAddress.split('.').at(-1)}`;
    await addCounters(net, dev);
    const tunnel = await net.startClient('lossy', 1);
    const measure = async (name: string, transfer: () => Promise<number>): Promise<void> => {
      await readCounters(net, dev, 'POSTROUTING');
      await readCounters(net, dev, 'PREROUTING');
      const capture = await startCapture(client, volunteer.address);
      const ms = await transfer();
      const trace = await capture();
      const down = await readCounters(net, dev, 'POSTROUTING');
      const up = await readCounters(net, dev, 'PREROUTING');
      const r = { mbps: mbPerS(BYTES, ms), down, up, trace };
      console.log(JSON.stringify({ name, ...r }));
      results.set(name, [...(results.get(name) ?? []), r]);
    };
    const tcp = async () =>
      (await net.download('lossy', { host: volunteer.address, port: VOLUNTEER_TCP_PORT, bytes: BYTES })).ms;
    let offloads = true;
    for (let i = 0; i < RUNS; i++) {
      if (!offloads) await net.setOffloads('on');
      offloads = true;
      await measure('tcp, offloads on', tcp);
      await net.setOffloads('off');
      offloads = false;
      await measure('tcp, offloads off', tcp);
      await measure('bare data channel, 1 connection', () => bareDc(client, volunteer, 1));
      await measure('bare data channel, 4 connections', () => bareDc(client, volunteer, 4));
      try {
        await measure(
          'tunnel, --paths 1',
          async () => (await net.download('lossy', { socksPort: tunnel.socksPort, bytes: BYTES })).ms,
        );
      } catch (e) {
        // A tunnel that stalls is a finding: say what its client saw.
        console.log(`tunnel failed: ${(e as Error).message}; the client's last lines:`);
        for (const line of tunnel.proc.lines.slice(-30)) console.log(`  ${line}`);
      }
    }
    await stopQuietly(tunnel.proc);
  } finally {
    await net.close();
  }
  console.log(
    `\nloss ${LOSS} each way, 40 ms RTT, ${BYTES / MiB} MiB, ${RUNS} runs, load ${(await loadavg()).toFixed(1)}`,
  );
  console.log(
    '| transfer | MB/s median (min-max) | packets down | dropped | mean packet (B) | dropped share | sender silent > 2 RTT: times, in all (s), longest (ms) |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, rs] of results) {
    const m = median(rs.map((r) => r.mbps));
    const pk = median(rs.map((r) => r.down.packets));
    const dr = median(rs.map((r) => r.down.dropped));
    const size = median(rs.map((r) => r.down.bytes / Math.max(1, r.down.packets)));
    const share = median(rs.map((r) => r.down.dropped / Math.max(1, r.down.packets)));
    const lo = Math.min(...rs.map((r) => r.mbps));
    const hi = Math.max(...rs.map((r) => r.mbps));
    console.log(
      `| ${name} | ${m.toFixed(2)} (${lo.toFixed(2)}-${hi.toFixed(2)}) | ${pk} | ${dr} | ${size.toFixed(0)} | ${(share * 100).toFixed(2)}% | ${median(rs.map((r) => r.trace.stalls))}, ${median(rs.map((r) => r.trace.stalledMs / 1000)).toFixed(2)}, ${median(rs.map((r) => r.trace.longestMs)).toFixed(0)} |`,
    );
  }
}

/** Silences of the sender seen in a capture on the client's wire, longer than 2 RTT (80 ms). */
interface Trace {
  packets: number;
  stalls: number;
  stalledMs: number;
  longestMs: number;
}

const STALL_MS = 80;
/** A packet of at least this size carries data (a full SCTP packet is ~1200 B, a TCP segment 1500). */
const DATA_PACKET_BYTES = 600;
const SKIP_PACKETS = 20;

/**
 * Starts tshark on the client host's wire, capturing the headers of what `sender` sends; the function it
 * resolves with stops it and reads the trace: the sender's silences longer than STALL_MS between its first
 * and last packet (a retransmission timeout, or a window that stays closed).
 */
async function startCapture(host: LabHost, sender: string): Promise<() => Promise<Trace>> {
  const file = join(tmp, `capture-${++captures}.pcap`);
  const proc = host.spawn(['tshark', '-i', 'wan', '-s', '96', '-f', `src host ${sender}`, '-w', file], {
    name: 'tshark',
  });
  await proc.waitFor(/Capturing on/, 30_000);
  return async () => {
    await new Promise((r) => setTimeout(r, 200));
    await proc.stop('SIGINT');
    const out = await host.exec([
      'tshark',
      '-r',
      file,
      '-T',
      'fields',
      '-e',
      'frame.time_relative',
      '-e',
      'frame.len',
    ]);
    // Data packets only: the tunnel's session acks and pings (and TCP's pure acks) would hide a silence.
    const times = out
      .split('\n')
      .map((line) => line.split('\t').map(Number))
      .filter(([t, len]) => t !== undefined && len !== undefined && len >= DATA_PACKET_BYTES)
      .map(([t]) => t! * 1000);
    const trace: Trace = { packets: times.length, stalls: 0, stalledMs: 0, longestMs: 0 };
    // From the SKIP_PACKETS-th data packet on: a new peer connection's DTLS flights are large too, and
    // the time from them to the transfer's start is setting up, not a silence.
    for (let i = SKIP_PACKETS + 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      if (gap > STALL_MS) {
        trace.stalls += 1;
        trace.stalledMs += gap;
      }
      trace.longestMs = Math.max(trace.longestMs, gap);
    }
    return trace;
  };
}

const tmp = mkdtempSync(join(tmpdir(), 'starling-lab-loss-'));
let captures = 0;

async function stopQuietly(p: Proc): Promise<void> {
  await p.stop().catch(() => undefined);
}

async function loadavg(): Promise<number> {
  const { loadavg: l } = await import('node:os');
  return l()[0] ?? 0;
}

try {
  await main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);
