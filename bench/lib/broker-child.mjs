/**
 * One broker instance in a process of its own, for the broker load test (bench/broker-load.ts): the memory
 * store, or the Redis store on REDIS_URL under KEY_PREFIX. Prints `{"port":N}` once listening, then answers
 * each line on stdin with one JSON line: `stats` gives its CPU time (ms), heap after GC and the store's counts.
 * Ends when stdin closes. Run with --expose-gc. Options as JSON in BROKER_OPTIONS (BrokerServerOptions).
 * Plain JavaScript on the compiled dist/, not tsx (bench/lib/compiled.ts says why). Prints BrokerStats
 * (bench/broker-load.ts). LIMITS=default keeps every default limit (the flood benchmark); else the load test's one source (127.0.0.1)
 * may hold any share and no rate limit applies.
 */
import { createInterface } from 'node:readline';
import { createBrokerServer } from '../../dist/broker/http.js';
import { MemoryStore } from '../../dist/broker/memory-store.js';
import { RedisStore } from '../../dist/broker/redis-store.js';

const gc = globalThis.gc;
if (gc === undefined) throw new Error('run broker-child with --expose-gc');

const options = JSON.parse(process.env.BROKER_OPTIONS ?? '{}');
// Every simulated volunteer and client comes from 127.0.0.1, one source: its shares are lifted here.
const defaults = process.env.LIMITS === 'default';
const oneSourceIsMany = defaults
  ? {}
  : { maxWaitingPerSource: 1e9, maxPendingPerSource: 1e9, maxWaitingVolunteers: 1e6 };
const noRateLimits = defaults ? {} : { rateLimitPerSecond: 0, clientMatchesPerMinute: 0 };
const redisUrl = process.env.REDIS_URL;
const store =
  redisUrl === undefined || redisUrl === ''
    ? new MemoryStore(oneSourceIsMany)
    : await RedisStore.connect({
        url: redisUrl,
        keyPrefix: process.env.KEY_PREFIX ?? 'bench:',
        ...oneSourceIsMany,
      });
const server = createBrokerServer({
  egress: [process.env.EGRESS ?? 'ws://127.0.0.1:8701/'],
  store,
  ...noRateLimits,
  ...(defaults ? {} : { pollTimeoutMs: 60_000, requestTimeoutMs: 120_000 }),
  onError: () => {},
  ...options,
});
const { port } = await server.listen(0, '127.0.0.1');
console.log(JSON.stringify({ port }));

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'stats') continue;
  // CPU time first: the GC that the heap figure needs is not the broker's work.
  const cpu = process.cpuUsage();
  gc();
  gc();
  const counts = await store.counts();
  const stats = {
    cpuMs: (cpu.user + cpu.system) / 1000,
    heap: process.memoryUsage().heapUsed,
    ...counts,
  };
  console.log(JSON.stringify(stats));
}
await server.close();
await store.close();
process.exit(0);
