/**
 * Broker figures from the broker load test (bench/broker-load.ts, `runBrokerLoad`): the broker in a process
 * of its own with an idle pool of long polls held, matches per second of wall time and per second of the
 * broker's own CPU time (one core's worth, the figure that holds on a loaded machine), the 99th percentile of
 * what matching adds to a client's offer, and the broker's heap growth (after GC) per idle long poll; for the
 * memory store, and for the Redis store with one and two broker processes on one Redis.
 */
import { runBrokerLoad } from './broker-load.js';
import { type Group, record, type Samples } from './lib/group.js';

export const brokerGroup: Group = {
  name: 'broker',
  figures: [
    {
      name: 'broker.matches_per_s',
      unit: '1/s',
      what: 'client offers matched and answered per second (memory store)',
    },
    {
      name: 'broker.matches_per_cpu_s',
      unit: '1/s',
      what: "matches per second of the broker process's own CPU time: one core's worth (memory store)",
      target: { op: '>=', on: 'value', limit: 3000 },
    },
    {
      name: 'broker.match_overhead_p99_ms',
      unit: 'ms',
      what: "99th percentile of the time the broker adds to a client's offer, light load (memory store)",
      target: { op: '<=', on: 'value', limit: 20 },
    },
    {
      name: 'broker.bytes_per_idle_poll',
      unit: 'bytes',
      what: "the broker's heap growth after GC per idle volunteer long poll (memory store)",
      target: { op: '<=', on: 'value', limit: 4096 },
    },
    {
      name: 'broker.redis.matches_per_cpu_s',
      unit: '1/s',
      what: 'the same per broker CPU second, one broker process on Redis',
    },
    {
      name: 'broker.redis.matches_per_redis_cpu_s',
      unit: '1/s',
      what: "matches per second of Redis's CPU time: where one Redis saturates, whatever the brokers",
    },
    {
      name: 'broker.redis.matches_per_s_2',
      unit: '1/s',
      what: 'matches per second with two broker processes on one Redis (volunteers on one, clients on the other)',
      baseline: 'broker.redis.matches_per_s_1',
    },
    {
      name: 'broker.redis.matches_per_s_1',
      unit: '1/s',
      what: 'matches per second, one broker process on Redis',
    },
    {
      name: 'broker.redis.match_overhead_p99_ms',
      unit: 'ms',
      what: 'p99 match overhead, two broker processes on one Redis, light load',
    },
    {
      name: 'broker.redis.bytes_per_idle_poll',
      unit: 'bytes',
      what: "Redis's memory growth per idle poll (INFO used_memory)",
    },
  ],
  async measure(ctx) {
    const samples: Samples = new Map();
    for (let i = 0; i < ctx.runs; i++) {
      const m = await runBrokerLoad();
      record(samples, 'broker.matches_per_s', m.matchesPerS);
      record(samples, 'broker.matches_per_cpu_s', m.matchesPerCpuS);
      record(samples, 'broker.match_overhead_p99_ms', m.p99Ms);
      record(samples, 'broker.bytes_per_idle_poll', m.bytesPerIdlePoll);
      ctx.log(
        `run ${i + 1} memory: ${m.matchesPerS.toFixed(0)} matches/s, ${m.matchesPerCpuS.toFixed(0)} per CPU s, p99 ${m.p99Ms.toFixed(1)} ms, ${m.bytesPerIdlePoll} B/poll`,
      );
      const one = await runBrokerLoad({ store: 'redis', brokers: 1 });
      const two = await runBrokerLoad({ store: 'redis', brokers: 2 });
      record(samples, 'broker.redis.matches_per_cpu_s', one.matchesPerCpuS);
      record(samples, 'broker.redis.matches_per_redis_cpu_s', one.matchesPerRedisCpuS ?? Number.NaN);
      record(samples, 'broker.redis.matches_per_s_1', one.matchesPerS);
      record(samples, 'broker.redis.matches_per_s_2', two.matchesPerS);
      record(samples, 'broker.redis.match_overhead_p99_ms', two.p99Ms);
      record(samples, 'broker.redis.bytes_per_idle_poll', one.redisBytesPerIdlePoll ?? Number.NaN);
      ctx.log(
        `run ${i + 1} redis: ${one.matchesPerCpuS.toFixed(0)} per broker CPU s, ${(one.matchesPerRedisCpuS ?? 0).toFixed(0)} per Redis CPU s, ${one.matchesPerS.toFixed(0)} -> ${two.matchesPerS.toFixed(0)} matches/s with 2 brokers`,
      );
    }
    return samples;
  },
};
