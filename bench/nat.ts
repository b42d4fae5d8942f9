/**
 * Starling across the lab's NATs (issue 10's figures), with real processes in the network lab (test/lab/,
 * docs/lab.md) and coturn: the internet of test/lab/servers.ts (the egress, a broker with STUN only, one
 * with TURN too, a file server), client and volunteer hosts behind none, cone and symmetric NATs, every
 * host's wire delayed alike.
 *
 * - Time to first byte from the client's spawn, for three pairs (cone -> cone with STUN, symmetric -> cone
 *   through TURN, none -> symmetric with STUN; each client paired with its volunteer, `--paired-only`), with
 *   every wire at 20 ms and then 50 ms one way, against the goal of 10 RTT + 200 ms (RTT: the client host's
 *   TCP connect time to the lab's web server, one crossing of its own wire each way; a client-volunteer
 *   round trip crosses two wires each way, 2 RTT). The spawn and the first byte are timed by a driver in
 *   the client's host (bench/lib/lab-driver.ts); where the time goes comes from the client's own log lines
 *   (their ISO times) and from bench/lib/nat-trace.mjs, preloaded into it (broker requests, ICE states,
 *   the data channel opening).
 * - The first-try share with a mixed pool: one volunteer behind each NAT kind in the STUN broker's public
 *   pool, three clients (one behind each kind) starting at once in random order, ROUNDS rounds a run; the
 *   share whose first match connected (no "path attempt failed" before its path came up).
 *
 * Two labs, one per delay; the mixed pool runs in the first. Needs root on Linux (the lab).
 * STARLING_BENCH_TRACE=1 prints every line of each traced client run, with its time from the spawn, and
 * has the tracer log each data channel message.
 */
import { fileURLToPath } from 'node:url';
import { newPairingCode } from '../src/signaling/pairing.js';
import { BIN, type Proc } from '../test/helpers/network.js';
import { labUnavailable } from '../test/lab/available.js';
import { Lab, type LabHost } from '../test/lab/lab.js';
import { NAT_KINDS, type NatKind } from '../test/lab/nat.js';
import { type LabServers, startLabServers } from '../test/lab/servers.js';
import type { FigureDef, Group, GroupContext, Samples } from './lib/group.js';
import { record } from './lib/group.js';
import { Driver } from './lib/lab-net.js';

/** One-way delay of every wire, ms; the figures are named by the RTT it gives (2x). */
const DELAYS = [20, 50] as const;
/** Mixed-pool rounds per run (three clients each). */
const ROUNDS = 4;
const FILE_BYTES = 64 * 1024;
const TRACE = fileURLToPath(new URL('./lib/nat-trace.mjs', import.meta.url));

interface Pair {
  key: string;
  client: NatKind;
  volunteer: NatKind;
  broker: 'stun' | 'turn';
  what: string;
}

const PAIRS: Pair[] = [
  { key: 'cone_cone', client: 'cone', volunteer: 'cone', broker: 'stun', what: 'cone -> cone, STUN only' },
  {
    key: 'symmetric_cone_turn',
    client: 'symmetric',
    volunteer: 'cone',
    broker: 'turn',
    what: 'symmetric -> cone, through the TURN relay (the direct offer is refused first)',
  },
  {
    key: 'none_symmetric',
    client: 'none',
    volunteer: 'symmetric',
    broker: 'stun',
    what: 'none (public) -> symmetric, STUN only',
  },
];

/** The parts of the time to first byte, in order; each from the end of the one before. */
const SEGMENTS = [
  ['start', 'spawn to the SOCKS port listening (log line): Node start-up, module loading'],
  ['info', 'to the answer of GET /v1/info (ICE servers from the broker)'],
  ['nat', 'to the "network: NAT ..." log line: NAT detection with the two STUN addresses'],
  ['gather', 'to the first offer sent: createOffer and complete ICE gathering'],
  ['retry', 'to the last offer sent: the offers before it (a refused direct offer, relay gathering)'],
  ['offer_answer', 'to the answer of the last offer: broker, volunteer poll, its answer'],
  ['ice', 'to ICE connected (after the answer)'],
  ['dtls', 'to the data channel open: DTLS and SCTP'],
  ['noise', 'to "path N up" (log line): the Noise handshake with the egress through the volunteer'],
  ['first_byte', 'to the first byte at the SOCKS user: stream open, egress to target and back'],
] as const;
type Segment = (typeof SEGMENTS)[number][0];

const rttName = (delay: number) => `rtt${2 * delay}`;

function figures(): FigureDef[] {
  const out: FigureDef[] = [];
  for (const d of DELAYS) {
    out.push({
      name: `nat.rtt.${rttName(d)}`,
      unit: 'ms',
      what: `TCP connect from a client host to the lab's web server, every wire ${d} ms one way: the least of 10 (the network's RTT, without the loaded machine's stalls)`,
    });
  }
  for (const d of DELAYS) {
    for (const p of PAIRS) {
      const name = `nat.ttfb.${p.key}.${rttName(d)}`;
      out.push({
        name,
        unit: 'ms',
        what: `spawn of \`starling client --paths 1\` to the first byte through it, ${p.what}, wires ${d} ms; ratio in RTTs`,
        baseline: `nat.rtt.${rttName(d)}`,
        target: { on: 'ratio', op: '<=', limit: 10, plusMs: 200 },
      });
      for (const [seg, what] of SEGMENTS) out.push({ name: `${name}.${seg}`, unit: 'ms', what });
    }
  }
  out.push({
    name: 'nat.first_try.share',
    unit: '%',
    what: `mixed pool (one STUN-only volunteer behind each NAT kind), 3 clients (one per kind) at once, ${ROUNDS} rounds a run, wires ${DELAYS[0]} ms: share whose first match connected`,
    target: { on: 'value', op: '>=', limit: 95 },
  });
  return out;
}

const FIGURES = figures();

interface Line {
  at: number;
  line: string;
}

/** The time a client log line says it was written (its ISO time), else when it arrived. */
function lineTime(l: Line): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)/.exec(l.line);
  return m ? Date.parse(m[1]!) : l.at;
}

function traceTime(l: Line): number | undefined {
  const m = /^starling-trace (\d+(?:\.\d+)?) /.exec(l.line);
  return m ? Number(m[1]) : undefined;
}

/** The milestones of one traced client run, as ms from its spawn. */
export function breakdown(
  startedAt: number,
  firstByteAt: number,
  lines: readonly Line[],
): Record<Segment, number> {
  const find = (re: RegExp, after = 0): number | undefined => {
    for (const l of lines) {
      if (!re.test(l.line)) continue;
      const t = traceTime(l) ?? lineTime(l);
      if (t >= after) return t;
    }
    return undefined;
  };
  const all = (re: RegExp): number[] =>
    lines.filter((l) => re.test(l.line)).map((l) => traceTime(l) ?? lineTime(l));
  const need = (what: string, t: number | undefined): number => {
    if (t === undefined) throw new Error(`no ${what} in the client's lines`);
    return t;
  };
  const listening = need('SOCKS line', find(/SOCKS5 proxy on/));
  const info = need('GET /v1/info answer', find(/ fetched GET \/v1\/info /));
  const network = need('network line', find(/network: NAT/));
  const offers = all(/ fetch POST \S*offer/);
  const answers = all(/ fetched POST \S*offer/);
  if (offers.length === 0 || answers.length === 0) throw new Error('no offer in the trace');
  const lastOffer = offers.at(-1)!;
  const answer = need(
    'answer',
    answers.find((t) => t >= lastOffer),
  );
  const ice = need('ICE connected', find(/iceconnectionstatechange (connected|completed)/, answer));
  const open = need('data channel open', find(/ dc \S+ open/, ice));
  const up = need('path up', find(/path \d+ up through volunteer/, open));
  const marks = [
    startedAt,
    listening,
    info,
    network,
    offers[0]!,
    lastOffer,
    answer,
    ice,
    open,
    up,
    firstByteAt,
  ];
  const out = {} as Record<Segment, number>;
  SEGMENTS.forEach(([seg], i) => {
    out[seg] = marks[i + 1]! - marks[i]!;
  });
  return out;
}

/** One lab at one delay: the servers, client and volunteer hosts of each kind, drivers, volunteers. */
class NatLab {
  readonly clientHosts = new Map<NatKind, LabHost>();
  readonly volunteerHosts = new Map<NatKind, LabHost>();
  readonly drivers = new Map<NatKind, Driver>();
  /** Paired volunteers by pair key, with their codes. */
  readonly paired = new Map<string, { proc: Proc; code: string }>();
  /** The public pool's volunteers (STUN broker), by NAT kind. */
  readonly pool = new Map<NatKind, Proc>();
  private socksPort = 1900;

  private constructor(
    readonly lab: Lab,
    readonly servers: LabServers,
    readonly delay: number,
  ) {}

  static async start(delay: number, mixedPool: boolean): Promise<NatLab> {
    const lab = await Lab.create();
    try {
      const servers = await startLabServers(lab, { fileBytes: FILE_BYTES });
      const net = new NatLab(lab, servers, delay);
      await net.boot(mixedPool);
      return net;
    } catch (e) {
      await lab.close();
      throw e;
    }
  }

  private async boot(mixedPool: boolean): Promise<void> {
    const wire = { delayMs: this.delay };
    for (const nat of NAT_KINDS) {
      this.clientHosts.set(nat, await this.lab.addHost(`c${nat}`, { nat, wire }));
      const needed = mixedPool || PAIRS.some((p) => p.volunteer === nat);
      if (needed) this.volunteerHosts.set(nat, await this.lab.addHost(`v${nat}`, { nat, wire }));
    }
    const starts: Promise<unknown>[] = [];
    for (const p of PAIRS) {
      const code = newPairingCode();
      starts.push(
        this.startVolunteer(p.volunteer, p.broker, code).then((proc) =>
          this.paired.set(p.key, { proc, code }),
        ),
      );
    }
    if (mixedPool) {
      for (const nat of NAT_KINDS)
        starts.push(this.startVolunteer(nat, 'stun').then((proc) => this.pool.set(nat, proc)));
    }
    for (const [nat, host] of this.clientHosts)
      starts.push(Driver.start(host).then((d) => this.drivers.set(nat, d)));
    await Promise.all(starts);
  }

  private async startVolunteer(nat: NatKind, broker: 'stun' | 'turn', code?: string): Promise<Proc> {
    const host = this.volunteerHosts.get(nat)!;
    const proc = this.servers.starling(host, `volunteer-${nat}-${broker}${code ? '-paired' : ''}`, [
      'volunteer',
      '--broker',
      this.servers.brokers[broker],
      '--allow-egress',
      this.servers.egressUrl,
      '--ice-address',
      host.address,
      ...(code === undefined ? [] : ['--pairing', code]),
    ]);
    await proc.waitFor(/waiting/, 60_000);
    return proc;
  }

  clientArgs(nat: NatKind, broker: 'stun' | 'turn', socksPort: number, code?: string): string[] {
    return [
      'client',
      '--broker',
      this.servers.brokers[broker],
      '--egress-key',
      this.servers.egressKey,
      '--socks',
      `127.0.0.1:${socksPort}`,
      '--http',
      '127.0.0.1:0',
      '--paths',
      '1',
      '--ice-address',
      this.clientHosts.get(nat)!.address,
      ...(code === undefined ? [] : ['--pairing', code, '--paired-only']),
    ];
  }

  async rtt(): Promise<number> {
    const r = await this.drivers.get('cone')!.request<{ ms: number[] }>({
      op: 'rtt',
      host: this.servers.target.address,
      port: this.servers.target.port,
      count: 10,
    });
    return Math.min(...r.ms);
  }

  /** One traced client run of `pair`: its time to first byte and the breakdown. */
  async ttfb(pair: Pair): Promise<{ ms: number; parts: Record<Segment, number> }> {
    const volunteer = this.paired.get(pair.key)!;
    await backToWaiting(volunteer.proc);
    const socksPort = this.socksPort++;
    const argv = [
      process.execPath,
      '--import',
      TRACE,
      BIN,
      ...this.clientArgs(pair.client, pair.broker, socksPort, volunteer.code),
    ];
    const r = await this.drivers.get(pair.client)!.request<{
      firstByteMs: number;
      startedAt: number;
      firstByteAt: number;
      lines: Line[];
    }>({
      op: 'ttfb',
      argv,
      socksPort,
      host: this.servers.target.address,
      port: this.servers.target.port,
      lines: true,
    });
    if (process.env.STARLING_BENCH_TRACE === '1') {
      for (const l of r.lines) console.error(`  ${(l.at - r.startedAt).toFixed(0)} ${l.line}`);
    }
    try {
      return { ms: r.firstByteMs, parts: breakdown(r.startedAt, r.firstByteAt, r.lines) };
    } catch (e) {
      const tail = r.lines.map((l) => `  ${l.line}`).join('\n');
      throw new Error(`${(e as Error).message}; its lines:\n${tail}`);
    }
  }

  /** One mixed-pool round: every client kind at once, in random order; which connected on the first try. */
  async mixedRound(): Promise<{ nat: NatKind; first: boolean; why?: string }[]> {
    await Promise.all([...this.pool.values()].map(backToWaiting));
    const order = [...NAT_KINDS].sort(() => Math.random() - 0.5);
    return Promise.all(
      order.map(async (nat, i) => {
        await new Promise((r) => setTimeout(r, i * 100 * Math.random()));
        const host = this.clientHosts.get(nat)!;
        const proc = this.servers.starling(host, `client-${nat}`, this.clientArgs(nat, 'stun', 0));
        try {
          const first = await Promise.race([
            proc.waitFor(/path \d+ up through volunteer/, 40_000).then(() => undefined),
            proc.waitFor(/path attempt failed: (.*?); retrying/, 40_000).then((m) => m[1]!),
          ]);
          return first === undefined ? { nat, first: true } : { nat, first: false, why: first };
        } catch (e) {
          return { nat, first: false, why: (e as Error).message.split('\n')[0] };
        } finally {
          await proc.stop();
        }
      }),
    );
  }

  close(): Promise<void> {
    return this.lab.close();
  }
}

/** Waits until a volunteer's last state line says it waits at the broker again. */
async function backToWaiting(v: Proc): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const state = v.lines.filter((l) => /: (helping|waiting)/.test(l)).at(-1) ?? '';
    if (/: waiting/.test(state)) return;
    if (Date.now() > deadline) throw new Error(`${v.name} not waiting again: ${state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const wantsPrefix = (ctx: GroupContext, prefix: string) =>
  FIGURES.some((f) => f.name.startsWith(prefix) && ctx.wants(f.name));

async function firstBytes(net: NatLab, ctx: GroupContext, samples: Samples): Promise<void> {
  const rtt = rttName(net.delay);
  const pairs = PAIRS.filter((p) => wantsPrefix(ctx, `nat.ttfb.${p.key}.${rtt}`));
  for (let i = 0; i < ctx.runs; i++) {
    const r = await net.rtt();
    record(samples, `nat.rtt.${rtt}`, r);
    const line = [`rtt ${r.toFixed(1)} ms`];
    // Pairs interleaved within a run, so a noisy neighbour hits them alike.
    for (const p of PAIRS.filter((q) => pairs.includes(q))) {
      const name = `nat.ttfb.${p.key}.${rtt}`;
      try {
        const t = await net.ttfb(p);
        record(samples, name, t.ms);
        for (const [seg] of SEGMENTS) record(samples, `${name}.${seg}`, t.parts[seg]);
        const parts = SEGMENTS.map(([seg]) => `${seg} ${t.parts[seg].toFixed(0)}`).join(', ');
        line.push(`${p.key} ${t.ms.toFixed(0)} ms (${(t.ms / r).toFixed(1)} RTT: ${parts})`);
      } catch (e) {
        ctx.log(`${name} run ${i + 1} failed: ${(e as Error).message}`);
      }
    }
    ctx.log(`${rtt} run ${i + 1}: ${line.join('; ')}`);
  }
}

async function mixedPool(net: NatLab, ctx: GroupContext, samples: Samples): Promise<void> {
  let all = 0;
  let firsts = 0;
  for (let i = 0; i < ctx.runs; i++) {
    let n = 0;
    let ok = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const results = await net.mixedRound();
      for (const r of results) {
        n += 1;
        if (r.first) ok += 1;
        else
          ctx.log(
            `mixed pool run ${i + 1} round ${round + 1}: client ${r.nat} not on the first try: ${r.why}`,
          );
      }
    }
    record(samples, 'nat.first_try.share', (100 * ok) / n);
    all += n;
    firsts += ok;
    ctx.log(`mixed pool run ${i + 1}: ${ok} of ${n} clients connected on the first try`);
  }
  ctx.log(`mixed pool: ${firsts} of ${all} clients in all`);
}

export const natGroup: Group = {
  name: 'nat',
  figures: FIGURES,
  async measure(ctx) {
    const unavailable = await labUnavailable();
    if (unavailable !== undefined) throw new Error(unavailable);
    const samples: Samples = new Map();
    for (const [i, delay] of DELAYS.entries()) {
      const rtt = rttName(delay);
      const mixed = i === 0 && ctx.wants('nat.first_try.share');
      const ttfb = PAIRS.some((p) => wantsPrefix(ctx, `nat.ttfb.${p.key}.${rtt}`));
      if (!mixed && !ttfb) continue;
      const t0 = performance.now();
      const net = await NatLab.start(delay, mixed);
      ctx.log(`lab with ${delay} ms wires up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      try {
        if (ttfb) await firstBytes(net, ctx, samples);
        if (mixed) await mixedPool(net, ctx, samples);
      } finally {
        await net.close();
      }
    }
    return samples;
  },
};
