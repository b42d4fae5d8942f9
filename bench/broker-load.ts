/**
 * Broker load test over real HTTP on loopback, shaped like the field (issue 11 item 4: Snowflake's ~35,000
 * concurrent users and ~140,000 proxies a day): a pool of `idlePolls` volunteers long-polling and never
 * matched (they are `symmetric`, like the clients, so they fit no offer yet are read by every match),
 * `volunteers` busy volunteers that poll and answer at once, and `clients` posting offers back to back.
 *
 * Each broker runs in a process of its own (bench/lib/broker-child.mjs, on the compiled dist/), so what it costs is measured apart
 * from the load generators (this process, with node:http and keep-alive, and a child holding the idle polls):
 * - matches/s: matches completed per second of wall time, and per second of the brokers' own CPU time
 *   (`matchesPerCpuS`, what one core would do; on a loaded machine the wall figure is what the scheduler gave);
 * - p99 match overhead: ms from a client's offer to its answer (the volunteer answers instantly), measured
 *   under light load (`latencyClients` loops), so it shows the broker's own cost rather than queueing;
 * - bytes per idle poll: the broker's heap growth (after GC) while the idle polls wait, divided by their
 *   number. With Redis, Redis's own growth (INFO used_memory) per poll is given too, and Redis's CPU per
 *   match, which bounds how far more broker processes on one Redis can go.
 *
 * Run: node --import tsx bench/broker-load.ts [--redis] [--brokers N] [--idle N] [--cpu-prof DIR]
 * (the benchmark suite calls `runBrokerLoad` through bench/broker.ts).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { withDefaults } from '../src/shared/limits.js';
import { type WatchedChild, watchChild } from '../test/helpers/child.js';
import { type RedisServer, startRedis } from '../test/helpers/redis.js';
import { compiledChild } from './lib/compiled.js';
import { post } from './lib/http-post.js';
import { withTimeout } from './lib/tcp-target.js';

export interface BrokerLoadOptions {
  /** Which store the brokers use. @default 'memory' */
  store: 'memory' | 'redis';
  /** Redis to use with `store: 'redis'`. @default a private redis-server started for the run */
  redisUrl?: string;
  /** Broker processes (Redis only; the memory store is one process). @default 1 */
  brokers: number;
  /** Busy volunteers polling and answering at once. @default 100 */
  volunteers: number;
  /** Clients posting offers back to back, for matches/s. @default 50 */
  clients: number;
  /** Clients posting back to back while the p99 is measured (light load: the broker's own overhead). @default 4 */
  latencyClients: number;
  /** Measurement window for matches/s and latency, ms (after a 500 ms warm-up). @default 3000 */
  durationMs: number;
  /** Idle polls held throughout (the pool every match reads), and for the memory figure. @default 2000 */
  idlePolls: number;
  /** Directory for the brokers' --cpu-prof profiles; none when undefined. */
  cpuProfDir?: string;
}

export interface BrokerLoadResult {
  /** Matches completed per second of wall time, all brokers together. */
  matchesPerS: number;
  /** Matches per second of the brokers' CPU time (summed over brokers): one core's worth. */
  matchesPerCpuS: number;
  /** Matches per second of Redis's CPU time (store 'redis' only): where one Redis saturates. */
  matchesPerRedisCpuS?: number;
  p99Ms: number;
  p50Ms: number;
  /** Broker heap bytes per idle waiting volunteer poll. */
  bytesPerIdlePoll: number;
  /** Redis memory bytes per idle poll (store 'redis' only). */
  redisBytesPerIdlePoll?: number;
  /** Idle polls held while matching. */
  idlePolls: number;
  /** Offers that failed (503, no-match, ...) while matches/s was measured. */
  failedOffers: number;
}

/** The @default values of BrokerLoadOptions. */
const LOAD_DEFAULTS: Omit<BrokerLoadOptions, 'redisUrl' | 'cpuProfDir'> = {
  store: 'memory',
  brokers: 1,
  volunteers: 100,
  clients: 50,
  latencyClients: 4,
  durationMs: 3_000,
  idlePolls: 2_000,
};

const EGRESS = 'ws://127.0.0.1:8701/';
const WARMUP_MS = 500;
const SDP = `v=0 ${'a'.repeat(1500)}`;
const CHILD = fileURLToPath(new URL('./lib/broker-child.mjs', import.meta.url));

/** What bench/lib/broker-child.mjs answers to `stats`. */
export interface BrokerStats {
  /** User + system CPU time of the broker process since it started, ms (read before the GC below). */
  cpuMs: number;
  /** V8 heap used after a full GC, bytes. */
  heap: number;
  waiting: number;
  pending: number;
}

export interface BrokerProc {
  port: number;
  stats(): Promise<BrokerStats>;
  stop(): Promise<void>;
}

export async function startBroker(env: Record<string, string>, cpuProfDir?: string): Promise<BrokerProc> {
  const flags = [
    '--expose-gc',
    ...(cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`]),
  ];
  const watched: WatchedChild = watchChild(
    spawn(process.execPath, [...flags, compiledChild(CHILD)], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const lines = createInterface({ input: watched.child.stdout! })[Symbol.asyncIterator]();
  const next = async (what: string): Promise<string> => {
    const line = await withTimeout(lines.next(), 30_000, what);
    if (line.done === true) throw new Error(`broker child exited before ${what}`);
    return line.value;
  };
  const { port } = JSON.parse(await next('listening')) as { port: number };
  return {
    port,
    stats: async () => {
      watched.child.stdin!.write('stats\n');
      return JSON.parse(await next('stats')) as BrokerStats;
    },
    stop: async () => {
      watched.child.stdin!.end();
      await watched.stop(null, 10_000);
    },
  };
}

/** Opens `count` symmetric-NAT volunteer polls from a child process and keeps them open until its stdin closes. */
const POLLER = `
import { Agent, request } from 'node:http';
const ports = process.env.PORTS.split(',').map(Number), count = Number(process.env.COUNT);
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
for (let i = 0; i < count; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => new Promise((resolve, reject) => {
    const body = JSON.stringify({ v: 1, nat: 'symmetric', egress: [${JSON.stringify(EGRESS)}] });
    const req = request({ host: '127.0.0.1', port: ports[(i + j) % ports.length], path: '/v1/volunteer/poll',
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    req.on('error', reject); // before the connect: this poller exits and says why; after it: ignored
    req.on('response', (res) => res.resume());
    req.on('socket', (s) => s.once('connect', resolve));
    req.end(body);
  })));
}
console.log('sent');
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

async function holdIdlePolls(ports: number[], count: number): Promise<WatchedChild> {
  const poller = watchChild(
    spawn(process.execPath, ['--input-type=module', '-e', POLLER], {
      env: { ...process.env, PORTS: ports.join(','), COUNT: String(count) },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const sent = once(createInterface({ input: poller.child.stdout! }), 'line');
  const died = poller.exited.then((code) => {
    throw new Error(`idle poller exited (${code}) before its polls were sent`);
  });
  await withTimeout(Promise.race([sent, died]), 60_000, 'idle pollers');
  return poller;
}

async function untilWaiting(broker: BrokerProc, n: number, ms: number): Promise<BrokerStats> {
  const deadline = Date.now() + ms;
  for (;;) {
    const stats = await broker.stats();
    if (stats.waiting >= n) return stats;
    if (Date.now() > deadline) throw new Error(`only ${stats.waiting} of ${n} polls waiting`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function redisInfo(url: string): Promise<{ memory: number; cpuS: number }> {
  const redis = new Redis(url);
  try {
    const info = await redis.info();
    const num = (name: string): number =>
      Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? Number.NaN);
    return { memory: num('used_memory'), cpuS: num('used_cpu_user') + num('used_cpu_sys') };
  } finally {
    redis.disconnect();
  }
}

/**
 * Runs busy volunteers (polling the first half of the brokers) and `clients` loops (offering to the others;
 * with one broker, both on it) for the warm-up and `durationMs`; returns completed matches and latencies.
 */
async function runMatches(opts: BrokerLoadOptions, ports: number[], clients: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const half = Math.max(1, Math.floor(ports.length / 2));
  const volunteerPorts = ports.length === 1 ? ports : ports.slice(0, half);
  const clientPorts = ports.length === 1 ? ports : ports.slice(half);
  let stopped = false;
  const loops: Promise<void>[] = [];
  for (let i = 0; i < opts.volunteers; i++) {
    const port = volunteerPorts[i % volunteerPorts.length]!;
    loops.push(
      (async () => {
        let ticket: string | undefined;
        while (!stopped) {
          try {
            const body = JSON.stringify({
              v: 1,
              nat: 'public',
              egress: [EGRESS],
              ...(ticket === undefined ? {} : { ticket }),
            });
            const res = await post(agent, port, '/v1/volunteer/poll', body);
            if (res.status !== 200) throw new Error(`poll ${res.status}`);
            const polled = JSON.parse(res.text) as { ticket: string; offer: { id: string } | null };
            ticket = polled.ticket;
            if (polled.offer !== null)
              await post(
                agent,
                port,
                '/v1/volunteer/answer',
                JSON.stringify({ v: 1, offerId: polled.offer.id, sdp: SDP }),
              );
          } catch {
            if (!stopped) await new Promise((r) => setTimeout(r, 5));
          }
        }
      })(),
    );
  }
  await new Promise((r) => setTimeout(r, 300));
  const start = performance.now();
  const from = start + WARMUP_MS;
  const until = from + opts.durationMs;
  const latencies: number[] = [];
  let failed = 0;
  const offer = JSON.stringify({ v: 1, nat: 'symmetric', sdp: SDP, exclude: [] });
  const clientLoops: Promise<void>[] = [];
  for (let i = 0; i < clients; i++) {
    const port = clientPorts[i % clientPorts.length]!;
    clientLoops.push(
      (async () => {
        while (performance.now() < until) {
          const sent = performance.now();
          const res = await post(agent, port, '/v1/client/offer', offer).catch(() => ({
            status: 0,
            text: '',
          }));
          const done = performance.now();
          if (sent < from || done > until) continue;
          if (res.status === 200) latencies.push(done - sent);
          else {
            failed++;
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      })(),
    );
  }
  return {
    from,
    until,
    done: (async () => {
      await Promise.all(clientLoops);
      stopped = true;
      // The busy volunteers' polls end when their broker closes, or at their timeout: not awaited here.
      agent.destroy();
      latencies.sort((a, b) => a - b);
      const at = (q: number): number =>
        latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * q))] ?? Number.NaN;
      return { matches: latencies.length, failed, p99Ms: at(0.99), p50Ms: at(0.5) };
    })(),
  };
}

/** Runs the load test once with one store; bounded to some tens of seconds. */
export async function runBrokerLoad(options: Partial<BrokerLoadOptions> = {}): Promise<BrokerLoadResult> {
  const opts: BrokerLoadOptions = withDefaults<BrokerLoadOptions>(LOAD_DEFAULTS, options);
  if (options.redisUrl !== undefined) opts.redisUrl = options.redisUrl;
  if (options.cpuProfDir !== undefined) opts.cpuProfDir = options.cpuProfDir;
  let own: RedisServer | undefined;
  let redisUrl = opts.redisUrl;
  if (opts.store === 'redis' && redisUrl === undefined) {
    own = await startRedis();
    redisUrl = own.url;
  }
  const env = {
    REDIS_URL: opts.store === 'redis' ? (redisUrl ?? '') : '',
    KEY_PREFIX: `bench-${process.pid}-${Date.now()}:`,
    EGRESS,
  };
  const count = opts.store === 'redis' ? opts.brokers : 1;
  const brokers: BrokerProc[] = [];
  let poller: WatchedChild | undefined;
  try {
    for (let i = 0; i < count; i++) brokers.push(await startBroker(env, opts.cpuProfDir));
    const ports = brokers.map((b) => b.port);
    const sum = async (): Promise<{ cpuMs: number; heap: number }> => {
      const all = await Promise.all(brokers.map((b) => b.stats()));
      return { cpuMs: all.reduce((n, s) => n + s.cpuMs, 0), heap: all.reduce((n, s) => n + s.heap, 0) };
    };
    const before = await sum();
    const redisBefore =
      redisUrl === undefined || opts.store !== 'redis' ? undefined : await redisInfo(redisUrl);
    poller = await holdIdlePolls(ports, opts.idlePolls);
    await untilWaiting(brokers[0]!, opts.idlePolls, 60_000);
    const idle = await sum();
    const redisIdle = redisBefore === undefined ? undefined : await redisInfo(redisUrl!);
    const result: BrokerLoadResult = {
      matchesPerS: 0,
      matchesPerCpuS: 0,
      p99Ms: 0,
      p50Ms: 0,
      bytesPerIdlePoll: Math.round((idle.heap - before.heap) / opts.idlePolls),
      idlePolls: opts.idlePolls,
      failedOffers: 0,
    };
    if (redisIdle !== undefined && redisBefore !== undefined)
      result.redisBytesPerIdlePoll = Math.round((redisIdle.memory - redisBefore.memory) / opts.idlePolls);

    const heavy = await runMatches(opts, ports, opts.clients);
    await new Promise((r) => setTimeout(r, heavy.from - performance.now()));
    const cpuFrom = await sum();
    const redisFrom = redisIdle === undefined ? undefined : await redisInfo(redisUrl!);
    await new Promise((r) => setTimeout(r, heavy.until - performance.now()));
    const cpuUntil = await sum();
    const redisUntil = redisFrom === undefined ? undefined : await redisInfo(redisUrl!);
    const h = await heavy.done;
    const seconds = opts.durationMs / 1000;
    result.matchesPerS = h.matches / seconds;
    result.matchesPerCpuS = h.matches / ((cpuUntil.cpuMs - cpuFrom.cpuMs) / 1000);
    if (redisFrom !== undefined && redisUntil !== undefined)
      result.matchesPerRedisCpuS = h.matches / (redisUntil.cpuS - redisFrom.cpuS);
    result.failedOffers = h.failed;

    const light = await runMatches(opts, ports, opts.latencyClients);
    const l = await light.done;
    result.p99Ms = l.p99Ms;
    result.p50Ms = l.p50Ms;
    return result;
  } finally {
    if (poller !== undefined) {
      poller.child.stdin?.end();
      await poller.stop();
    }
    for (const broker of brokers) await broker.stop();
    await own?.stop();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      redis: { type: 'boolean' },
      'redis-only': { type: 'boolean' },
      brokers: { type: 'string' },
      idle: { type: 'string' },
      clients: { type: 'string' },
      'cpu-prof': { type: 'string' },
    },
  });
  const stores: BrokerLoadOptions['store'][] =
    values['redis-only'] === true ? ['redis'] : values.redis === true ? ['memory', 'redis'] : ['memory'];
  const common: Partial<BrokerLoadOptions> = {};
  if (values.idle !== undefined) common.idlePolls = Number(values.idle);
  if (values.clients !== undefined) common.clients = Number(values.clients);
  if (values['cpu-prof'] !== undefined) common.cpuProfDir = values['cpu-prof'];
  const brokerCounts = (values.brokers ?? '1').split(',').map(Number);
  console.log(
    `broker load, node ${process.version}, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`,
  );
  console.log('store    brokers  matches/s  per-cpu-s  redis-cpu-s  p50 ms  p99 ms  B/idle poll  failed');
  for (const store of stores) {
    for (const n of store === 'memory' ? [1] : brokerCounts) {
      const r = await runBrokerLoad({ ...common, store, brokers: n });
      const redisBytes = r.redisBytesPerIdlePoll === undefined ? '' : ` (+${r.redisBytesPerIdlePoll} Redis)`;
      console.log(
        `${store.padEnd(8)} ${String(n).padStart(7)} ${r.matchesPerS.toFixed(0).padStart(10)} ${r.matchesPerCpuS.toFixed(0).padStart(10)} ${(r.matchesPerRedisCpuS?.toFixed(0) ?? '-').padStart(12)} ${r.p50Ms.toFixed(2).padStart(7)} ${r.p99Ms.toFixed(2).padStart(7)} ${String(r.bytesPerIdlePoll).padStart(12)}${redisBytes} ${r.failedOffers}`,
      );
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
