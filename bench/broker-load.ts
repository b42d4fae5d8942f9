/**
 * Broker load test over real HTTP on loopback, for the in-process store and for Redis (two broker instances
 * on one Redis: volunteers long-poll instance A, clients post to instance B, signaling-v1 §7).
 *
 * - matches/s: `clients` loops post offers while `volunteers` loops poll and answer at once;
 * - p99 match overhead: ms from a client's offer to its answer (the volunteer answers instantly), measured
 *   under light load (`latencyClients` loops), so it shows the broker's own cost rather than queueing;
 * - bytes per idle poll: the broker's heap growth (after GC) while `idlePolls` volunteers wait, divided by
 *   their number; the pollers run in a child process so their own memory is not counted. With Redis, Redis's
 *   own growth (INFO used_memory) per poll is given too.
 *
 * Run: node --import tsx bench/broker-load.ts [--redis] [--redis-url URL] (the benchmark suite calls
 * `runBrokerLoad` through bench/broker.ts).
 */
import { spawn } from 'node:child_process';
import { once, setMaxListeners } from 'node:events';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { createBrokerServer } from '../src/broker/http.js';
import { MemoryStore } from '../src/broker/memory-store.js';
import { RedisStore } from '../src/broker/redis-store.js';
import type { SignalingStore } from '../src/broker/store.js';
import { encodeKey, generateKeyPair } from '../src/session/keys.js';
import { withDefaults } from '../src/shared/limits.js';
import { BrokerClient } from '../src/signaling/client.js';
import { watchChild } from '../test/helpers/child.js';
import { type RedisServer, startRedis } from '../test/helpers/redis.js';
import { withTimeout } from './lib/tcp-target.js';

export interface BrokerLoadOptions {
  /** Which store the brokers use. @default 'memory' */
  store: 'memory' | 'redis';
  /** Redis to use with `store: 'redis'`. @default a private redis-server started for the run */
  redisUrl?: string;
  /** Simulated volunteers polling and answering. @default 100 */
  volunteers: number;
  /** Simulated clients posting offers back to back, for matches/s. @default 50 */
  clients: number;
  /** Clients posting back to back while the p99 is measured (light load: the broker's own overhead). @default 4 */
  latencyClients: number;
  /** Measurement window for matches/s and latency, ms (after a 300 ms warm-up). @default 2000 */
  durationMs: number;
  /** Idle polls held for the memory figure. @default 2000 */
  idlePolls: number;
  /** Sealed signaling (signaling-v1 §10): the brokers have a key and every poll, answer and offer is sealed. @default false */
  sealed: boolean;
}

export interface BrokerLoadResult {
  matchesPerS: number;
  p99Ms: number;
  /** Store claims made while matches/s was measured (warm-up included). */
  claims: number;
  /** Of those, claims that found the chosen volunteer already taken (signaling-v1 §7). */
  failedClaims: number;
  /** Broker heap bytes per idle waiting volunteer poll. */
  bytesPerIdlePoll: number;
  /** Redis memory bytes per idle poll (store 'redis' only). */
  redisBytesPerIdlePoll?: number;
}

/** The @default values of BrokerLoadOptions. */
const LOAD_DEFAULTS: Omit<BrokerLoadOptions, 'redisUrl'> = {
  store: 'memory',
  volunteers: 100,
  clients: 50,
  latencyClients: 4,
  durationMs: 2_000,
  idlePolls: 2_000,
  sealed: false,
};

/** The brokers' key when `sealed`: one per process is enough. */
const SEALING_KEY = generateKeyPair();

const EGRESS = 'ws://127.0.0.1:8701/';
const WARMUP_MS = 300;
const SDP = `v=0 ${'a'.repeat(1500)}`;

interface Brokers {
  /** Where volunteers poll. */
  volunteerUrl: string;
  /** Where clients post offers. */
  clientUrl: string;
  stores: SignalingStore[];
  /** Claims made through every store since the last reset, and how many found the volunteer gone. */
  claims: { made: number; failed: number };
  close(): Promise<void>;
}

/** Counts `store`'s claims, and those that found the volunteer already taken, into `claims`. */
function countClaims(store: SignalingStore, claims: Brokers['claims']): void {
  const claim = store.claim.bind(store);
  store.claim = async (volunteer, offer, answerTimeoutMs, clientSource) => {
    const ok = await claim(volunteer, offer, answerTimeoutMs, clientSource);
    claims.made++;
    if (!ok) claims.failed++;
    return ok;
  };
}

async function startBrokers(opts: BrokerLoadOptions, redisUrl: string | undefined, instances: number) {
  const keyPrefix = `bench-${process.pid}-${Date.now()}:`;
  const servers: ReturnType<typeof createBrokerServer>[] = [];
  const stores: SignalingStore[] = [];
  const urls: string[] = [];
  const claims = { made: 0, failed: 0 };
  // Every simulated volunteer and client comes from 127.0.0.1, one source: its shares are lifted here.
  const oneSourceIsMany = { maxWaitingPerSource: 1e9, maxPendingPerSource: 1e9 };
  for (let i = 0; i < (opts.store === 'redis' ? instances : 1); i++) {
    const store =
      opts.store === 'redis' && redisUrl !== undefined
        ? await RedisStore.connect({ url: redisUrl, keyPrefix, ...oneSourceIsMany })
        : new MemoryStore(oneSourceIsMany);
    countClaims(store, claims);
    const server = createBrokerServer({
      egress: [EGRESS],
      store,
      rateLimitPerSecond: 0,
      clientMatchesPerMinute: 0,
      pollTimeoutMs: 60_000,
      ...(opts.sealed ? { sealingKey: SEALING_KEY } : {}),
    });
    const { port } = await server.listen(0, '127.0.0.1');
    servers.push(server);
    stores.push(store);
    urls.push(`http://127.0.0.1:${port}`);
  }
  const brokers: Brokers = {
    volunteerUrl: urls[0]!,
    clientUrl: urls[urls.length - 1]!,
    stores,
    claims,
    close: async () => {
      for (const server of servers) await server.close();
      for (const store of stores) await store.close();
    },
  };
  return brokers;
}

async function untilWaiting(store: SignalingStore, n: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const waiting = async (): Promise<number> => (await store.counts()).waiting;
  while ((await waiting()) < n) {
    if (Date.now() > deadline) throw new Error(`only ${await waiting()} of ${n} polls waiting`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** matches/s and p99 latency with volunteers and `clients` as concurrent loops over HTTP. */
async function measureMatches(opts: BrokerLoadOptions, brokers: Brokers, clients: number) {
  const stop = new AbortController();
  setMaxListeners(Number.POSITIVE_INFINITY, stop.signal);
  const sealing = opts.sealed ? { brokerKey: encodeKey(SEALING_KEY.publicKey) } : {};
  const volunteer = new BrokerClient(brokers.volunteerUrl, sealing);
  const client = new BrokerClient(brokers.clientUrl, sealing);
  const loops: Promise<void>[] = [];
  for (let i = 0; i < opts.volunteers; i++) {
    loops.push(
      (async () => {
        let ticket: string | undefined;
        while (!stop.signal.aborted) {
          try {
            const polled = await volunteer.poll(
              { ...(ticket === undefined ? {} : { ticket }), nat: 'unrestricted', egress: [EGRESS] },
              stop.signal,
            );
            ticket = polled.ticket;
            const { offer } = polled;
            if (offer !== null) await volunteer.answer(offer.id, SDP, stop.signal);
          } catch {
            // A failed poll or answer (a 503, a reset connection) costs this round, not the whole run.
            if (!stop.signal.aborted) await new Promise((r) => setTimeout(r, 1));
          }
        }
      })(),
    );
  }
  await untilWaiting(brokers.stores[0]!, opts.volunteers, 10_000);
  brokers.claims.made = 0;
  brokers.claims.failed = 0;
  const start = performance.now();
  const from = start + WARMUP_MS;
  const until = from + opts.durationMs;
  const latencies: number[] = [];
  for (let i = 0; i < clients; i++) {
    loops.push(
      (async () => {
        while (performance.now() < until) {
          const sent = performance.now();
          try {
            await client.offer({ nat: 'unknown', sdp: SDP }, stop.signal);
            const done = performance.now();
            if (sent >= from && done <= until) latencies.push(done - sent);
          } catch {
            await new Promise((r) => setTimeout(r, 1));
          }
        }
      })(),
    );
  }
  await new Promise((r) => setTimeout(r, until - performance.now()));
  stop.abort();
  await Promise.all(loops);
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? Number.NaN;
  return {
    matchesPerS: latencies.length / (opts.durationMs / 1000),
    p99Ms: p99,
    claims: brokers.claims.made,
    failedClaims: brokers.claims.failed,
  };
}

/** Opens `count` volunteer polls from a child process and keeps them open until its stdin closes. */
const POLLER = `
import { Agent, request } from 'node:http';
const port = Number(process.env.PORT), count = Number(process.env.COUNT);
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
for (let i = 0; i < count; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, j) => new Promise((resolve, reject) => {
    const body = JSON.stringify({ v: 1, nat: 'unknown', egress: [${JSON.stringify(EGRESS)}] });
    const req = request({ host: '127.0.0.1', port, path: '/v1/volunteer/poll', method: 'POST', agent,
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

function gcNow(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

async function redisUsedMemory(url: string): Promise<number> {
  const redis = new Redis(url);
  try {
    const info = await redis.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  } finally {
    redis.disconnect();
  }
}

/** Heap bytes per idle poll at the broker (and in Redis). */
async function measureIdle(opts: BrokerLoadOptions, redisUrl: string | undefined) {
  const brokers = await startBrokers(opts, redisUrl, 1);
  const gc = gcNow();
  const port = new URL(brokers.volunteerUrl).port;
  try {
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const redisBefore = redisUrl === undefined ? 0 : await redisUsedMemory(redisUrl);
    const poller = watchChild(
      spawn(process.execPath, ['--input-type=module', '-e', POLLER], {
        env: { ...process.env, PORT: port, COUNT: String(opts.idlePolls) },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    try {
      const sent = once(createInterface({ input: poller.child.stdout! }), 'line');
      const died = poller.exited.then((code) => {
        throw new Error(`idle poller exited (${code}) before its polls were sent`);
      });
      await withTimeout(Promise.race([sent, died]), 20_000, 'idle pollers');
      await untilWaiting(brokers.stores[0]!, opts.idlePolls, 20_000);
      gc();
      const heapAfter = process.memoryUsage().heapUsed;
      const redisAfter = redisUrl === undefined ? 0 : await redisUsedMemory(redisUrl);
      const result: Pick<BrokerLoadResult, 'bytesPerIdlePoll' | 'redisBytesPerIdlePoll'> = {
        bytesPerIdlePoll: Math.round((heapAfter - heapBefore) / opts.idlePolls),
      };
      if (redisUrl !== undefined)
        result.redisBytesPerIdlePoll = Math.round((redisAfter - redisBefore) / opts.idlePolls);
      return result;
    } finally {
      poller.child.stdin?.end();
      await poller.stop();
    }
  } finally {
    await brokers.close();
  }
}

/** Runs the load test once with one store; bounded to a few seconds. */
export async function runBrokerLoad(options: Partial<BrokerLoadOptions> = {}): Promise<BrokerLoadResult> {
  const opts: BrokerLoadOptions = withDefaults<BrokerLoadOptions>(LOAD_DEFAULTS, options);
  if (options.redisUrl !== undefined) opts.redisUrl = options.redisUrl;
  let own: RedisServer | undefined;
  let redisUrl = opts.redisUrl;
  if (opts.store === 'redis' && redisUrl === undefined) {
    own = await startRedis();
    redisUrl = own.url;
  }
  try {
    const brokers = await startBrokers(opts, redisUrl, 2);
    let matchesPerS: number;
    let claims: number;
    let failedClaims: number;
    let p99Ms: number;
    try {
      ({ matchesPerS, claims, failedClaims } = await measureMatches(opts, brokers, opts.clients));
      p99Ms = (await measureMatches(opts, brokers, opts.latencyClients)).p99Ms;
    } finally {
      await brokers.close();
    }
    return {
      matchesPerS,
      p99Ms,
      claims,
      failedClaims,
      ...(await measureIdle(opts, opts.store === 'redis' ? redisUrl : undefined)),
    };
  } finally {
    await own?.stop();
  }
}

/**
 * matches/s and the p99 match overhead with sealed signaling (signaling-v1 §10), in-process store. The
 * simulated clients and volunteers run in this process too, so their own sealing is counted with the
 * broker's: the figure is what a whole exchange costs, a bound on the broker's share.
 */
export async function runSealedMatches(
  options: Partial<BrokerLoadOptions> = {},
): Promise<{ matchesPerS: number; p99Ms: number }> {
  const opts = withDefaults<BrokerLoadOptions>({ ...LOAD_DEFAULTS, sealed: true }, options);
  const brokers = await startBrokers({ ...opts, store: 'memory' }, undefined, 1);
  try {
    const { matchesPerS } = await measureMatches(opts, brokers, opts.clients);
    const { p99Ms } = await measureMatches(opts, brokers, opts.latencyClients);
    return { matchesPerS, p99Ms };
  } finally {
    await brokers.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { redis: { type: 'boolean' }, 'redis-url': { type: 'string' } } });
  const redisUrl = values['redis-url'];
  const stores: BrokerLoadOptions['store'][] =
    values.redis === true || redisUrl !== undefined ? ['memory', 'redis'] : ['memory'];
  const rows: string[] = [];
  for (const store of stores) {
    const r = await runBrokerLoad(redisUrl === undefined ? { store } : { store, redisUrl });
    const redisBytes =
      r.redisBytesPerIdlePoll === undefined ? '' : `  (+ ${r.redisBytesPerIdlePoll} in Redis)`;
    rows.push(
      `${store.padEnd(8)} ${r.matchesPerS.toFixed(0).padStart(10)} ${r.p99Ms.toFixed(2).padStart(10)} ${`${r.failedClaims}/${r.claims}`.padStart(14)} ${String(r.bytesPerIdlePoll).padStart(12)}${redisBytes}`,
    );
  }
  const o = LOAD_DEFAULTS;
  console.log(
    `broker load, node ${process.version}: ${o.volunteers} volunteers; matches/s with ${o.clients} clients and p99 with ${o.latencyClients}, over ${o.durationMs} ms each; ${o.idlePolls} idle polls`,
  );
  console.log(
    `store    ${'matches/s'.padStart(10)} ${'p99 ms'.padStart(10)} ${'failed claims'.padStart(14)} ${'B/idle poll'.padStart(12)}`,
  );
  for (const row of rows) console.log(row);
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
