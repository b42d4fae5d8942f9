/**
 * Starling on real-looking links (issue 11), in the network lab (test/lab/, docs/lab.md): volunteers on
 * home uplinks capped at UPLINK_BITS, a client 40 ms (and 100 ms) from the servers, 1% random loss. Each
 * figure has its ceiling measured in the same run (plain TCP over the same links, the same page loaded
 * straight, one path for several), and repetitions interleave the variants. Needs root on Linux (the lab)
 * and Debian's chromium; elsewhere the group fails with the lab's reason.
 *
 * Two labs, one after the other: the first for throughput, loss, the page and the first byte (three
 * volunteers; client hosts `near` at 40 ms RTT and `lossy` at 40 ms RTT with 1% loss each way), the second
 * for failover, where volunteers are killed and started again (`near` at 40 ms and `far` at 100 ms).
 */
import type { Proc } from '../test/helpers/network.js';
import { labUnavailable } from '../test/lab/available.js';
import { LabChromium, type PageVia } from './lab-page.js';
import {
  type FigureDef,
  type Group,
  type GroupContext,
  MiB,
  mbPerS,
  record,
  type Samples,
} from './lib/group.js';
import { LabNet, TARGET, VOLUNTEER_TCP_PORT } from './lib/lab-net.js';
import { PAGE_RESOURCES } from './lib/lab-shape.js';
import { median } from './lib/report.js';

/** Each volunteer's uplink (bit/s), its downlink (the egress's side) 100 Mbit/s. */
const UPLINK_BITS = 20e6;
const THROUGHPUT_BYTES = 12 * MiB;
const LOSS = 0.01;
const LOSS_BYTES = 3 * MiB;
const FAILOVER_BYTES = 12 * MiB;
const KILL_AT = 4 * MiB;
const RESOURCES = PAGE_RESOURCES.css + PAGE_RESOURCES.js + PAGE_RESOURCES.img;

const volunteerWire = { rateBitsPerSecond: { up: UPLINK_BITS, down: 100e6 } };
const wire = (rttMs: number, loss = 0) => ({ delayMs: rttMs / 2, ...(loss > 0 ? { loss } : {}) });

const shape = `uplinks ${UPLINK_BITS / 1e6} Mbit/s, client 40 ms RTT`;

const FIGURES: FigureDef[] = [
  {
    name: 'lab.tcp.uplink',
    unit: 'MB/s',
    what: `${THROUGHPUT_BYTES / MiB} MiB of plain TCP from a volunteer's host to the client's (${shape})`,
  },
  {
    name: 'lab.tunnel.one',
    unit: 'MB/s',
    what: `${THROUGHPUT_BYTES / MiB} MiB download through one volunteer (--paths 1)`,
    baseline: 'lab.tcp.uplink',
    target: { on: 'ratio', op: '>=', limit: 0.9 },
  },
  {
    name: 'lab.tunnel.two',
    unit: 'MB/s',
    what: 'the same through two volunteers (--paths 2)',
    baseline: 'lab.tunnel.one',
    target: { on: 'ratio', op: '>=', limit: 1.8 },
  },
  {
    name: 'lab.tunnel.three',
    unit: 'MB/s',
    what: 'the same through three volunteers (--paths 3)',
    baseline: 'lab.tunnel.one',
    target: { on: 'ratio', op: '>=', limit: 2.6 },
  },
  {
    name: 'lab.loss.tcp',
    unit: 'MB/s',
    what: `${LOSS_BYTES / MiB} MiB of plain TCP from a volunteer's host to a client with ${LOSS * 100}% random loss each way on its link, 40 ms RTT, offloads off`,
  },
  {
    name: 'lab.loss.one',
    unit: 'MB/s',
    what: 'the same download through one volunteer (--paths 1) to that client',
    baseline: 'lab.loss.tcp',
    target: { on: 'ratio', op: '>=', limit: 1.0 },
  },
  {
    name: 'lab.loss.three',
    unit: 'MB/s',
    what: 'the same through three volunteers (--paths 3): three SCTP associations, each with its own congestion window',
    baseline: 'lab.loss.tcp',
    target: { on: 'ratio', op: '>=', limit: 1.0 },
  },
  {
    name: 'lab.page.direct',
    unit: 'ms',
    what: `Chromium in the client's host loads a page with ${RESOURCES} subresources (~1 MB) from the lab's web server, straight`,
  },
  {
    name: 'lab.page.socks',
    unit: 'ms',
    what: "the same page through the client's SOCKS5 proxy (default --paths)",
    baseline: 'lab.page.direct',
    target: { on: 'ratio', op: '<=', limit: 1.2 },
  },
  {
    name: 'lab.page.http',
    unit: 'ms',
    what: "the same page through the client's HTTP proxy",
    baseline: 'lab.page.direct',
    target: { on: 'ratio', op: '<=', limit: 1.2 },
  },
  {
    name: 'lab.rtt',
    unit: 'ms',
    what: "TCP connect time from the client's host to the lab's web server (one RTT), median of 5",
  },
  {
    name: 'lab.ttfb.client_start',
    unit: 'ms',
    what: 'spawn of `starling client` (default --paths) in its host to the first byte of a proxied response, volunteers waiting; the ratio is in RTTs',
    baseline: 'lab.rtt',
  },
  {
    name: 'lab.ttfb.client_ready',
    unit: 'ms',
    what: 'from its SOCKS port accepting to that first byte: signaling, ICE, DTLS, handshake, stream open',
    baseline: 'lab.rtt',
  },
  {
    name: 'lab.failover.rtt40',
    unit: 'ms',
    what: `longest gap in a ${FAILOVER_BYTES / MiB} MiB download after one of its two volunteers is SIGKILLed, 40 ms RTT`,
    target: { on: 'value', op: '<=', limit: 300 },
  },
  {
    name: 'lab.failover.rtt100',
    unit: 'ms',
    what: 'the same at 100 ms RTT',
    target: { on: 'value', op: '<=', limit: 300 },
  },
  {
    name: 'lab.failover.single',
    unit: 'ms',
    what: 'the same with --paths 1 at 40 ms RTT: the client must notice and match a spare volunteer',
  },
  {
    name: 'lab.failover.single_beyond_match',
    unit: 'ms',
    what: 'lab.failover.single minus the median lab.ttfb.client_ready (one new match) of this run',
    target: { on: 'value', op: '<=', limit: 1000 },
  },
];

function wantsAny(ctx: GroupContext, prefix: string): boolean {
  return FIGURES.some((f) => f.name.startsWith(prefix) && ctx.wants(f.name));
}

async function throughputAndLoss(net: LabNet, ctx: GroupContext, samples: Samples): Promise<void> {
  const v1 = net.volunteerHosts[0]!.address;
  const wantTunnel = wantsAny(ctx, 'lab.tunnel');
  const wantLoss = wantsAny(ctx, 'lab.loss');
  const clients = new Map<string, number>();
  if (wantTunnel) {
    for (const [name, paths] of [
      ['one', 1],
      ['two', 2],
      ['three', 3],
    ] as const) {
      if (name === 'one' || ctx.wants(`lab.tunnel.${name}`)) {
        clients.set(name, (await net.startClient('near', paths)).socksPort);
      }
    }
  }
  const lossy = wantLoss ? (await net.startClient('lossy', 1)).socksPort : undefined;
  const lossyThree = ctx.wants('lab.loss.three') ? (await net.startClient('lossy', 3)).socksPort : undefined;
  for (const [, port] of clients) await net.download('near', { socksPort: port, bytes: MiB });
  for (let i = 0; i < ctx.runs; i++) {
    const line: string[] = [];
    if (wantTunnel) {
      const tcp = await net.download('near', { host: v1, port: VOLUNTEER_TCP_PORT, bytes: THROUGHPUT_BYTES });
      record(samples, 'lab.tcp.uplink', mbPerS(THROUGHPUT_BYTES, tcp.ms));
      line.push(`tcp ${mbPerS(THROUGHPUT_BYTES, tcp.ms).toFixed(2)}`);
      for (const [name, port] of clients) {
        const d = await net.download('near', { socksPort: port, bytes: THROUGHPUT_BYTES });
        record(samples, `lab.tunnel.${name}`, mbPerS(THROUGHPUT_BYTES, d.ms));
        line.push(`${name} ${mbPerS(THROUGHPUT_BYTES, d.ms).toFixed(2)} (gap ${d.maxGapMs.toFixed(0)} ms)`);
      }
    }
    if (lossy !== undefined) {
      const tcp = await net.download('lossy', { host: v1, port: VOLUNTEER_TCP_PORT, bytes: LOSS_BYTES });
      record(samples, 'lab.loss.tcp', mbPerS(LOSS_BYTES, tcp.ms));
      const d = await net.download('lossy', { socksPort: lossy, bytes: LOSS_BYTES });
      record(samples, 'lab.loss.one', mbPerS(LOSS_BYTES, d.ms));
      line.push(
        `loss: tcp ${mbPerS(LOSS_BYTES, tcp.ms).toFixed(2)}, one ${mbPerS(LOSS_BYTES, d.ms).toFixed(2)}`,
      );
      if (lossyThree !== undefined) {
        const t = await net.download('lossy', { socksPort: lossyThree, bytes: LOSS_BYTES });
        record(samples, 'lab.loss.three', mbPerS(LOSS_BYTES, t.ms));
        line.push(`three ${mbPerS(LOSS_BYTES, t.ms).toFixed(2)}`);
      }
    }
    ctx.log(`run ${i + 1}: ${line.join(', ')} MB/s`);
  }
}

async function pageLoads(net: LabNet, ctx: GroupContext, samples: Samples): Promise<void> {
  const client = await net.startClient('near', 2);
  const browser = await LabChromium.launch(net.clientHosts.get('near')!);
  try {
    const url = `http://${TARGET.host}:${TARGET.httpPort}/`;
    const ports = { socks: client.socksPort, http: client.httpPort };
    const vias: PageVia[] = ['direct', 'socks', 'http'];
    for (const via of vias) await browser.load(url, via, ports);
    for (let i = 0; i < ctx.runs; i++) {
      const line: string[] = [];
      for (const via of vias) {
        const { ms, resources } = await browser.load(url, via, ports);
        if (resources < RESOURCES) throw new Error(`page via ${via}: ${resources} of ${RESOURCES} resources`);
        record(samples, `lab.page.${via}`, ms);
        line.push(`${via} ${ms.toFixed(0)}`);
      }
      ctx.log(`page run ${i + 1}: ${line.join(', ')} ms`);
    }
  } finally {
    await browser.close();
    await client.proc.stop();
  }
}

async function firstBytes(net: LabNet, ctx: GroupContext, samples: Samples): Promise<void> {
  const host = net.clientHosts.get('near')!;
  const driver = net.drivers.get('near')!;
  for (let i = 0; i < ctx.runs; i++) {
    const rtt = await driver.request<{ ms: number[] }>({
      op: 'rtt',
      host: TARGET.host,
      port: TARGET.tcpPort,
      count: 5,
    });
    record(samples, 'lab.rtt', median(rtt.ms));
    const socksPort = 1900 + i;
    const argv = [process.execPath, 'bin/starling.js', ...net.clientArgs(host, 2, socksPort, 1950 + i)];
    const t = await driver.request<{ listeningMs: number; firstByteMs: number }>({
      op: 'ttfb',
      argv,
      socksPort,
      host: TARGET.host,
      port: TARGET.tcpPort,
    });
    record(samples, 'lab.ttfb.client_start', t.firstByteMs);
    record(samples, 'lab.ttfb.client_ready', t.firstByteMs - t.listeningMs);
    ctx.log(
      `ttfb run ${i + 1}: rtt ${median(rtt.ms).toFixed(1)} ms, listening ${t.listeningMs.toFixed(0)} ms, first byte ${t.firstByteMs.toFixed(0)} ms`,
    );
  }
}

/** Runs one phase; its failure is logged (its figures stay unmeasured) and the next phase runs. */
async function phase(ctx: GroupContext, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    ctx.log(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
}

function alive(p: Proc): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

function helping(p: Proc): boolean {
  return /helping/.test(p.lines.filter((l) => /: (helping|waiting)/.test(l)).at(-1) ?? '');
}

/** One download from client host `hostName` with a kill of a serving volunteer at KILL_AT; the stall, ms. */
async function stallOnce(net: LabNet, hostName: string, socksPort: number): Promise<number> {
  let kill: Promise<unknown> | undefined;
  const opts = { socksPort, bytes: FAILOVER_BYTES, markAt: KILL_AT, timeoutMs: 60_000 };
  const d = await net.download(hostName, opts, () => {
    const victim = net.volunteerHosts.find((h) => {
      const v = net.volunteers.get(h.name);
      return v !== undefined && alive(v) && helping(v);
    });
    if (!victim) throw new Error('no volunteer is helping');
    kill = net.volunteers
      .get(victim.name)!
      .stop('SIGKILL')
      .then(() => net.startVolunteer(victim));
  });
  if (!kill) throw new Error('the download ended before the kill');
  await kill;
  return d.markGapMs;
}

async function pathsUp(client: Proc, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (client.lines.filter((l) => / path \d+ up /.test(l)).length < count) {
    if (Date.now() > deadline) throw new Error(`${client.name}: fewer than ${count} paths up`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function failovers(net: LabNet, ctx: GroupContext, samples: Samples): Promise<void> {
  const variants = [
    { name: 'lab.failover.rtt40', host: 'near', paths: 2 },
    { name: 'lab.failover.rtt100', host: 'far', paths: 2 },
    { name: 'lab.failover.single', host: 'near', paths: 1 },
  ].filter((v) => ctx.wants(v.name) || (v.paths === 1 && ctx.wants('lab.failover.single_beyond_match')));
  for (const v of variants) {
    const client = await net.startClient(v.host, v.paths);
    try {
      await net.download(v.host, { socksPort: client.socksPort, bytes: MiB });
      let up = v.paths;
      for (let i = 0; i < ctx.runs; i++) {
        const stall = await stallOnce(net, v.host, client.socksPort);
        record(samples, v.name, stall);
        ctx.log(`${v.name} run ${i + 1}: ${stall.toFixed(0)} ms`);
        up += 1;
        await pathsUp(client.proc, up);
      }
    } catch (e) {
      // One variant's failure is a finding to report, not a reason to lose the others' figures.
      ctx.log(`${v.name} failed: ${(e as Error).message}; the client's last lines:`);
      for (const line of client.proc.lines.slice(-25)) ctx.log(`  ${line}`);
    } finally {
      await client.proc.stop();
    }
    // Its volunteers go back to waiting before the next client comes.
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export const labGroup: Group = {
  name: 'lab',
  figures: FIGURES,
  async measure(ctx) {
    const unavailable = await labUnavailable();
    if (unavailable !== undefined) throw new Error(unavailable);
    const samples: Samples = new Map();
    const first =
      wantsAny(ctx, 'lab.tcp') ||
      wantsAny(ctx, 'lab.tunnel') ||
      wantsAny(ctx, 'lab.loss') ||
      wantsAny(ctx, 'lab.page') ||
      wantsAny(ctx, 'lab.rtt') ||
      wantsAny(ctx, 'lab.ttfb') ||
      ctx.wants('lab.failover.single_beyond_match');
    if (first) {
      const net = await LabNet.start({
        volunteers: 3,
        volunteerWire,
        clients: { near: wire(40), lossy: wire(40, LOSS) },
      });
      try {
        await phase(ctx, 'throughput and loss', () => throughputAndLoss(net, ctx, samples));
        if (wantsAny(ctx, 'lab.page')) await phase(ctx, 'page', () => pageLoads(net, ctx, samples));
        if (
          wantsAny(ctx, 'lab.ttfb') ||
          wantsAny(ctx, 'lab.rtt') ||
          ctx.wants('lab.failover.single_beyond_match')
        ) {
          await phase(ctx, 'first byte', () => firstBytes(net, ctx, samples));
        }
      } finally {
        await net.close();
      }
    }
    if (wantsAny(ctx, 'lab.failover')) {
      const net = await LabNet.start({
        volunteers: 3,
        volunteerWire,
        clients: { near: wire(40), far: wire(100) },
      });
      try {
        await failovers(net, ctx, samples);
      } finally {
        await net.close();
      }
      const single = samples.get('lab.failover.single') ?? [];
      const match = samples.get('lab.ttfb.client_ready') ?? [];
      if (match.length > 0) {
        for (const s of single) record(samples, 'lab.failover.single_beyond_match', s - median(match));
      }
    }
    return samples;
  },
};
