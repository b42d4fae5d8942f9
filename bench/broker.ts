/**
 * Broker figures from the broker load test (bench/broker-load.ts, `runBrokerLoad`): matches per second,
 * the 99th percentile of what matching adds to a client's offer, and the broker's heap growth (after GC)
 * per idle volunteer long poll.
 */
import { runBrokerLoad } from './broker-load.js';
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
      ctx.log(
        `run ${i + 1}: ${r.matchesPerS.toFixed(0)} matches/s, p99 ${r.p99Ms.toFixed(1)} ms, ${r.bytesPerIdlePoll} B/poll`,
      );
    }
    return samples;
  },
};
