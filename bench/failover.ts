/**
 * Longest pause in a download when the volunteer serving it is SIGKILLed (issue 3): with --paths 2 (the
 * other path carries on, the egress tells the client at once) and with --paths 1 (the client must notice and
 * find a spare volunteer). A spare volunteer always waits at the broker.
 */
import { Network, type Proc } from '../test/helpers/network.js';
import { type Group, MiB, record, type Samples } from './lib/group.js';
import { readyNetwork, waitPaths } from './lib/procs.js';
import { download, startTcpTarget } from './lib/tcp-target.js';

const BYTES = 96 * MiB;
const KILL_AT = 16 * MiB;

function alive(p: Proc): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

/** A volunteer whose last state line says it is helping a client. */
function helping(net: Network): Proc {
  const busy = net.volunteers.filter(
    (v) => alive(v) && /helping/.test(v.lines.filter((l) => /: (helping|waiting)/.test(l)).at(-1) ?? ''),
  );
  const victim = busy[0];
  if (!victim) throw new Error('no volunteer is helping');
  return victim;
}

/** One download with a kill at KILL_AT; resolves with the longest gap after the kill, ms. */
async function stallOnce(net: Network, targetPort: number): Promise<number> {
  let killedAt = 0;
  let last = 0;
  let stall = 0;
  let kill: Promise<void> | undefined;
  await download(net.socksPort, targetPort, BYTES, (now, total) => {
    if (killedAt > 0) stall = Math.max(stall, now - last);
    else if (total >= KILL_AT) {
      killedAt = now;
      kill = helping(net).stop('SIGKILL');
    }
    last = now;
  });
  await kill;
  if (killedAt === 0) throw new Error('the download ended before the kill');
  return stall;
}

async function measureVariant(
  paths: number,
  name: string,
  targetPort: number,
  ctx: Parameters<Group['measure']>[0],
  samples: Samples,
): Promise<void> {
  const net = await readyNetwork(() => Network.start({ volunteers: paths + 1, paths }), paths, targetPort);
  try {
    let upCount = paths;
    for (let i = 0; i < ctx.runs; i++) {
      const stall = await stallOnce(net, targetPort);
      record(samples, name, stall);
      ctx.log(`${name} run ${i + 1}: ${stall.toFixed(0)} ms`);
      // Back to `paths` paths plus one spare volunteer.
      upCount += 1;
      await waitPaths(net.client!, upCount);
      await net.addVolunteer();
    }
  } finally {
    await net.stop();
  }
}

export const failoverGroup: Group = {
  name: 'failover',
  figures: [
    {
      name: 'failover.stall',
      unit: 'ms',
      what: `longest gap between chunks of a ${BYTES / MiB} MiB download after one of its two volunteers (--paths 2) is SIGKILLed`,
      target: { on: 'value', op: '<=', limit: 1000 },
    },
    {
      name: 'failover.stall.single_path',
      unit: 'ms',
      what: 'the same with --paths 1: the client must notice and connect a spare volunteer',
    },
  ],
  async measure(ctx) {
    const samples: Samples = new Map();
    const target = await startTcpTarget();
    try {
      if (ctx.wants('failover.stall')) await measureVariant(2, 'failover.stall', target.port, ctx, samples);
      if (ctx.wants('failover.stall.single_path')) {
        await measureVariant(1, 'failover.stall.single_path', target.port, ctx, samples);
      }
    } finally {
      await target.close();
    }
    return samples;
  },
};
