/**
 * Throughput of 64 MiB: over a bare node-datachannel pair (the baseline), and through the whole tunnel
 * (app -> client -> data channel -> headless volunteer -> WebSocket -> egress -> TCP target) with one and
 * with two volunteers. Repetitions interleave the variants so that noise on the machine hits all alike.
 */
import { Network } from '../test/helpers/network.js';
import { BareDc } from './lib/dc-pair.js';
import { type Group, MiB, mbPerS, record, type Samples, withRetry } from './lib/group.js';
import { readyNetwork } from './lib/procs.js';
import { download, startTcpTarget, upload } from './lib/tcp-target.js';

const BYTES = 64 * MiB;
/** Message size of the bare channel: the largest path message (session-v1 §1). */
export const BARE_MESSAGE_BYTES = 64 * 1024;

export const throughputGroup: Group = {
  name: 'throughput',
  figures: [
    {
      name: 'throughput.bare_dc.node',
      unit: 'MB/s',
      what: `64 MiB over one bare data channel, node-datachannel to node-datachannel, two processes, ${BARE_MESSAGE_BYTES / 1024} KiB messages`,
    },
    {
      name: 'throughput.tunnel.node_volunteer',
      unit: 'MB/s',
      what: '64 MiB download through client -> headless volunteer -> egress (--paths 1)',
      baseline: 'throughput.bare_dc.node',
      target: { on: 'ratio', op: '>=', limit: 0.7 },
    },
    {
      name: 'throughput.tunnel.node_volunteer_upload',
      unit: 'MB/s',
      what: '64 MiB upload through the same tunnel',
      baseline: 'throughput.bare_dc.node',
    },
    {
      name: 'throughput.tunnel.two_volunteers',
      unit: 'MB/s',
      what: '64 MiB download with --paths 2 through two headless volunteers',
      baseline: 'throughput.tunnel.node_volunteer',
      target: { on: 'ratio', op: '>=', limit: 1.6 },
    },
  ],
  async measure(ctx) {
    const samples: Samples = new Map();
    const target = await startTcpTarget();
    const want = {
      bare: ctx.wants('throughput.bare_dc.node'),
      one: ctx.wants('throughput.tunnel.node_volunteer'),
      up: ctx.wants('throughput.tunnel.node_volunteer_upload'),
      two: ctx.wants('throughput.tunnel.two_volunteers'),
    };
    let bare: BareDc | undefined;
    let one: Network | undefined;
    let two: Network | undefined;
    try {
      if (want.bare) bare = await withRetry('bare data channel', () => BareDc.open());
      if (want.one || want.up || want.two) {
        one = await readyNetwork(() => Network.start({ volunteers: 1, paths: 1 }), 1, target.port);
      }
      if (want.two) {
        two = await readyNetwork(() => Network.start({ volunteers: 2, paths: 2 }), 2, target.port);
      }
      for (let i = 0; i < ctx.runs; i++) {
        if (bare) {
          const ms = await bare.receive(BYTES, BARE_MESSAGE_BYTES);
          record(samples, 'throughput.bare_dc.node', mbPerS(BYTES, ms));
        }
        if (one && (want.one || want.two)) {
          const d = await download(one.socksPort, target.port, BYTES);
          record(samples, 'throughput.tunnel.node_volunteer', mbPerS(BYTES, d.ms));
        }
        if (one && want.up) {
          const ms = await upload(one.socksPort, target.port, BYTES);
          record(samples, 'throughput.tunnel.node_volunteer_upload', mbPerS(BYTES, ms));
        }
        if (two) {
          const d = await download(two.socksPort, target.port, BYTES);
          record(samples, 'throughput.tunnel.two_volunteers', mbPerS(BYTES, d.ms));
        }
        ctx.log(
          `run ${i + 1}: ${[...samples].map(([k, v]) => `${k.split('.').slice(1).join('.')} ${v.at(-1)?.toFixed(1)}`).join(', ')}`,
        );
      }
    } finally {
      await bare?.close();
      await one?.stop();
      await two?.stop();
      await target.close();
    }
    return samples;
  },
};
