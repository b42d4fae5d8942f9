/**
 * Round trip of a 1-byte message: through the tunnel (a TCP echo server behind client -> volunteer ->
 * egress) and over a bare node-datachannel pair. Each sample is the median of many ping-pongs.
 */
import { Network } from '../test/helpers/network.js';
import { BareDc } from './lib/dc-pair.js';
import { type Group, record, type Samples, withRetry } from './lib/group.js';
import { readyNetwork } from './lib/procs.js';
import { median } from './lib/report.js';
import { echoRoundTrips, openVia, startTcpTarget } from './lib/tcp-target.js';

const PINGS = 200;
const WARMUP = 20;

export const rttGroup: Group = {
  name: 'rtt',
  figures: [
    {
      name: 'rtt.bare_dc',
      unit: 'ms',
      what: `1-byte ping-pong over a bare node-datachannel pair, median of ${PINGS}`,
    },
    {
      name: 'rtt.tunnel',
      unit: 'ms',
      what: `1-byte ping-pong with a TCP echo server through the tunnel (--paths 1), median of ${PINGS}`,
      baseline: 'rtt.bare_dc',
    },
  ],
  async measure(ctx) {
    const samples: Samples = new Map();
    const target = await startTcpTarget();
    let bare: BareDc | undefined;
    let net: Network | undefined;
    try {
      bare = await withRetry('bare data channel', () => BareDc.open());
      if (ctx.wants('rtt.tunnel')) {
        net = await readyNetwork(() => Network.start({ volunteers: 1, paths: 1 }), 1, target.port);
      }
      for (let i = 0; i < ctx.runs; i++) {
        record(samples, 'rtt.bare_dc', median(await bare.roundTrips(PINGS, WARMUP)));
        if (net) {
          const sock = await openVia(net.socksPort, target.port);
          try {
            record(samples, 'rtt.tunnel', median(await echoRoundTrips(sock, PINGS, WARMUP)));
          } finally {
            sock.destroy();
          }
        }
        ctx.log(
          `run ${i + 1}: bare ${samples.get('rtt.bare_dc')?.at(-1)?.toFixed(3)} ms, tunnel ${samples.get('rtt.tunnel')?.at(-1)?.toFixed(3)} ms`,
        );
      }
    } finally {
      await bare?.close();
      await net?.stop();
      await target.close();
    }
    return samples;
  },
};
