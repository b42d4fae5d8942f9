/**
 * Broker figures from the broker load test (bench/broker-load.ts, `runBrokerLoad`): matches per second,
 * the 99th percentile of what matching adds to a client's offer, and the broker's heap growth (after GC)
 * per idle volunteer long poll.
 */
import { runBrokerLoad, runSealedMatches } from './broker-load.js';
import { type Group, record, type Samples } from './lib/group.js';

export const brokerGroup: Group = {
  name: 'broker',
  figures: [
    { name: 'broker.matches_per_s', unit: '1/s', what: 'client offers matched and answered per second' },
    {
      name: 'broker.match_overhead_p99_ms',
      unit: 'ms',
      what: "99th percentile of the time the broker adds to a client's offer",
    },
    {
      name: 'broker.sealed_matches_per_s',
      unit: '1/s',
      what: 'the same with sealed signaling (signaling-v1 §10; clients and volunteers seal in the same process)',
    },
    {
      name: 'broker.sealed_ratio',
      unit: 'ratio',
      what: 'sealed matches/s over plain matches/s, measured in the same run',
    },
    {
      name: 'broker.sealed_match_overhead_p99_ms',
      unit: 'ms',
      what: "99th percentile of the time the broker adds to a sealed client's offer",
    },
    {
      name: 'broker.bytes_per_idle_poll',
      unit: 'bytes',
      what: "the broker's heap growth after GC per idle volunteer long poll",
    },
  ],
  async measure(ctx) {
    const samples: Samples = new Map();
    for (let i = 0; i < ctx.runs; i++) {
      const r = await runBrokerLoad();
      record(samples, 'broker.matches_per_s', r.matchesPerS);
      record(samples, 'broker.match_overhead_p99_ms', r.p99Ms);
      record(samples, 'broker.bytes_per_idle_poll', r.bytesPerIdlePoll);
      const sealed = await runSealedMatches();
      record(samples, 'broker.sealed_matches_per_s', sealed.matchesPerS);
      record(samples, 'broker.sealed_ratio', sealed.matchesPerS / r.matchesPerS);
      record(samples, 'broker.sealed_match_overhead_p99_ms', sealed.p99Ms);
      ctx.log(
        `run ${i + 1}: ${r.matchesPerS.toFixed(0)} matches/s, p99 ${r.p99Ms.toFixed(1)} ms, ${r.bytesPerIdlePoll} B/poll; sealed ${sealed.matchesPerS.toFixed(0)} matches/s, p99 ${sealed.p99Ms.toFixed(1)} ms`,
      );
    }
    return samples;
  },
};
