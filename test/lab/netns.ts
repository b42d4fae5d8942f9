/**
 * Named network namespaces for the lab. Names are global on the machine (/run/netns), shared with every
 * other test run, so each carries the process id of the run that made it: `slab-<pid>-<lab>-<node>`. A lab
 * made by a process that has died (SIGKILL leaves no chance to clean up) is swept by the next lab made on
 * the machine.
 */
import { readdirSync } from 'node:fs';
import { run, runSyncQuietly } from './sh.js';

export const NETNS_DIR = '/run/netns';
const PREFIX = 'slab-';
const OWNED = /^slab-(\d+)-/;

let labs = 0;

/** A fresh name prefix for one lab of this process. */
export function newLabPrefix(): string {
  labs += 1;
  return `${PREFIX}${process.pid}-${labs}-`;
}

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

export async function addNetns(name: string): Promise<void> {
  await run(['ip', 'netns', 'add', name]);
}

export function deleteNetnsSync(name: string): void {
  runSyncQuietly(['ip', 'netns', 'delete', name]);
}

/** The processes inside namespace `name` (its programs' children too, which no one else would kill). */
export async function netnsPids(name: string): Promise<number[]> {
  const out = await run(['ip', 'netns', 'pids', name]).catch(() => '');
  return out.split(/\s+/).filter(Boolean).map(Number);
}

export function netnsPidsSync(name: string): number[] {
  return runSyncQuietly(['ip', 'netns', 'pids', name]).split(/\s+/).filter(Boolean).map(Number);
}

/** SIGKILLs `pids`, ignoring those already gone. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lab namespaces on this machine whose maker is gone. */
export function staleNetns(): string[] {
  let names: string[];
  try {
    names = readdirSync(NETNS_DIR);
  } catch {
    return [];
  }
  return names.filter((name) => {
    const m = OWNED.exec(name);
    return m !== null && !alive(Number(m[1]));
  });
}

/** Deletes the namespaces of labs whose process died without cleaning up, and what still runs in them. */
export async function sweepStaleNetns(): Promise<void> {
  for (const name of staleNetns()) {
    killAll(await netnsPids(name));
    await run(['ip', 'netns', 'delete', name]).catch(() => undefined);
  }
}

/**
 * The command line that runs `argv` inside namespace `name`, killed if the process that spawns it dies
 * (setpriv --pdeathsig), so that nothing of a lab outlives its test.
 */
export function inNetns(name: string, argv: readonly string[]): string[] {
  return ['ip', 'netns', 'exec', name, 'setpriv', '--pdeathsig', 'KILL', '--', ...argv];
}
