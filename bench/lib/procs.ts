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

/** Starts a network with its client, waits for its paths and warms it up with a small download. */
export async function readyNetwork(
  start: () => Promise<Network>,
  paths: number,
  targetPort: number,
): Promise<Network> {
  const net = await start();
  try {
    await waitPaths(net.client!, paths);
    await download(net.socksPort, targetPort, 1024 * 1024);
  } catch (e) {
    await net.stop();
    throw e;
  }
  return net;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux: /proc/PID/stat counts in 10 ms ticks

/** User plus system CPU time of process `pid` so far, ms (from /proc/PID/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; fields after its closing parenthesis are plain.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) * TICK_MS;
}
