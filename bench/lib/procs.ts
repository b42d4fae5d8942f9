/**
 * Helpers around the Starling processes of test/helpers/network.ts: waiting for the client's paths, and the
 * CPU time a process has used (from /proc, Linux only).
 */
import { readFileSync } from 'node:fs';
import type { Network, Proc } from '../../test/helpers/network.js';
import { download } from './tcp-target.js';

/** Resolves once `proc` has logged `count` lines `path N up` in all; rejects after `ms`. */
export async function waitPaths(proc: Proc, count: number, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (proc.lines.filter((l) => / path \d+ up /.test(l)).length < count) {
    if (Date.now() > deadline) throw new Error(`${proc.name}: fewer than ${count} paths up after ${ms} ms`);
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts a network with its client, waits for its paths and warms it up with a small download. One retry:
 * a start-up failure (e.g. dist/ being rebuilt by someone else at that moment) is not what is measured.
 */
export async function readyNetwork(
  start: () => Promise<Network>,
  paths: number,
  targetPort: number,
  attempts = 2,
): Promise<Network> {
  for (let attempt = 1; ; attempt++) {
    let net: Network | undefined;
    try {
      net = await start();
      await waitPaths(net.client!, paths);
      await download(net.socksPort, targetPort, 1024 * 1024);
      return net;
    } catch (e) {
      await net?.stop();
      if (attempt >= attempts) throw e;
      console.error(`bench: network start failed (${(e as Error).message.split('\n')[0]}); retrying`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

const TICK_MS = 10; // USER_HZ is 100 on Linux: /proc/PID/stat counts in 10 ms ticks

/** User plus system CPU time of process `pid` so far, all threads, ms (from /proc/PID/stat). */
export function cpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** The same for the process's main thread only: Node's JavaScript thread (not libdatachannel's). */
export function mainThreadCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMs(path: string): number {
  const stat = readFileSync(path, 'utf8');
  // The command name (field 2) may contain spaces; fields after its closing parenthesis are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) * TICK_MS;
}
