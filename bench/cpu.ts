/**
 * CPU time per MiB relayed (user + system, from /proc/PID/stat before and after a 64 MiB download through
 * --paths 1): of the client, the volunteer and the egress processes. For scale, the same for both ends of a
 * bare data channel carrying 64 MiB: the volunteer is compared with the bare sender, the client with the bare
 * receiver (each also runs a data channel end, plus the session or the WebSocket).
 */
import { Network } from '../test/helpers/network.js';
import { BareDc } from './lib/dc-pair.js';
import { type Group, MiB, record, type Samples, withRetry } from './lib/group.js';
import { cpuMs, mainThreadCpuMs, readyNetwork } from './lib/procs.js';
import { download, startTcpTarget } from './lib/tcp-target.js';
import { BARE_MESSAGE_BYTES } from './throughput.js';

const BYTES = 64 * MiB;

function selfCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export const cpuGroup: Group = {
  name: 'cpu',
  figures: [
    { name: 'cpu.bare_dc_receiver_ms_per_mib', unit: 'ms/MiB', what: 'receiving end of a bare data channel' },
    { name: 'cpu.bare_dc_sender_ms_per_mib', unit: 'ms/MiB', what: 'sending end of a bare data channel' },
    {
      name: 'cpu.client_ms_per_mib',
      unit: 'ms/MiB',
      what: 'client process, 64 MiB download',
      baseline: 'cpu.bare_dc_receiver_ms_per_mib',
    },
    {
      name: 'cpu.volunteer_ms_per_mib',
      unit: 'ms/MiB',
      what: 'headless volunteer process, same download',
      baseline: 'cpu.bare_dc_sender_ms_per_mib',
    },
    { name: 'cpu.egress_ms_per_mib', unit: 'ms/MiB', what: 'egress process, same download' },
    {
      name: 'cpu.client_js_ms_per_mib',
      unit: 'ms/MiB',
      what: "the client's main (JavaScript) thread alone; the rest is libdatachannel's threads",
    },
    {
      name: 'cpu.volunteer_js_ms_per_mib',
      unit: 'ms/MiB',
      what: "the volunteer's main (JavaScript) thread alone",
    },
  ],
  async measure(ctx) {
    const samples: Samples = new Map();
    const target = await startTcpTarget();
    let bare: BareDc | undefined;
    let net: Network | undefined;
    try {
      bare = await withRetry('bare data channel', () => BareDc.open());
      net = await readyNetwork(() => Network.start({ volunteers: 1, paths: 1 }), 1, target.port);
      const procs = {
        client: net.client!.child.pid!,
        volunteer: net.volunteers[0]!.child.pid!,
        egress: net.egress.child.pid!,
      };
      const mib = BYTES / MiB;
      for (let i = 0; i < ctx.runs; i++) {
        const b0 = { rx: selfCpuMs(), tx: cpuMs(bare.childPid) };
        await bare.receive(BYTES, BARE_MESSAGE_BYTES);
        record(samples, 'cpu.bare_dc_receiver_ms_per_mib', (selfCpuMs() - b0.rx) / mib);
        record(samples, 'cpu.bare_dc_sender_ms_per_mib', (cpuMs(bare.childPid) - b0.tx) / mib);
        const before = Object.fromEntries(Object.entries(procs).map(([k, pid]) => [k, cpuMs(pid)]));
        const js0 = { client: mainThreadCpuMs(procs.client), volunteer: mainThreadCpuMs(procs.volunteer) };
        await download(net.socksPort, target.port, BYTES);
        for (const [k, pid] of Object.entries(procs)) {
          record(samples, `cpu.${k}_ms_per_mib`, (cpuMs(pid) - before[k]!) / mib);
        }
        record(samples, 'cpu.client_js_ms_per_mib', (mainThreadCpuMs(procs.client) - js0.client) / mib);
        record(
          samples,
          'cpu.volunteer_js_ms_per_mib',
          (mainThreadCpuMs(procs.volunteer) - js0.volunteer) / mib,
        );
        ctx.log(
          `run ${i + 1}: ${[...samples].map(([k, v]) => `${k.slice(4, -11)} ${v.at(-1)?.toFixed(2)}`).join(', ')}`,
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
