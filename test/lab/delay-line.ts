/**
 * The lab's delay element (delay-line.c): compiled with the system's C compiler on first use, into a cache
 * keyed by the source's hash, and run with a TAP device in each of two namespaces. docs/lab.md says why it
 * is C (measured against Python; Node cannot attach to a TAP device) and what it carries.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type WatchedChild, watchChild } from '../helpers/child.js';
import { netnsPath } from './netns.js';
import { run } from './sh.js';

const SOURCE = fileURLToPath(new URL('delay-line.c', import.meta.url));
const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Frames each direction holds at most (tail drop beyond): 100 ms at ~1 Gbit/s of 1500-byte frames. */
export const DELAY_LINE_QUEUE_FRAMES = 8192;
const READY_TIMEOUT_MS = 10_000;

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

let compiled: Promise<string> | undefined;

/** The path of the compiled delay element; compiles it unless this source was compiled before. */
export function delayLineBinary(): Promise<string> {
  compiled ??= (async () => {
    const source = readFileSync(SOURCE);
    const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
    const cacheDir = [
      join(REPO, 'node_modules', '.cache', 'starling-lab'),
      join(tmpdir(), 'starling-lab'),
    ].find(writable);
    if (cacheDir === undefined) throw new Error('lab: no writable cache directory for the delay element');
    const binary = join(cacheDir, `delay-line-${hash}`);
    try {
      accessSync(binary, constants.X_OK);
      return binary;
    } catch {}
    // Compile beside it and rename: another test process may be compiling the same source right now.
    const partial = `${binary}.${process.pid}.tmp`;
    try {
      await run(['cc', '-O2', '-Wall', '-o', partial, SOURCE]);
      renameSync(partial, binary);
    } finally {
      rmSync(partial, { force: true });
    }
    return binary;
  })();
  compiled.catch(() => {
    compiled = undefined;
  });
  return compiled;
}

export interface TapEnd {
  /** The namespace's name (under /run/netns). */
  netns: string;
  /** The TAP device's name inside it. */
  device: string;
}

/**
 * Starts a delay element between two TAP devices it creates (`a` and `b`), delaying frames from a to b by
 * `aToBMs` and from b to a by `bToAMs` (milliseconds, fractions allowed). Resolves once both devices exist
 * (they are down: the caller configures them); they disappear when the process ends.
 */
export async function startDelayLine(
  a: TapEnd,
  b: TapEnd,
  aToBMs: number,
  bToAMs: number,
): Promise<WatchedChild> {
  const binary = await delayLineBinary();
  const us = (ms: number): string => String(Math.round(ms * 1000));
  const child = spawn(
    binary,
    [
      netnsPath(a.netns),
      a.device,
      netnsPath(b.netns),
      b.device,
      us(aToBMs),
      us(bToAMs),
      String(DELAY_LINE_QUEUE_FRAMES),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const watched = watchChild(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('lab: the delay element did not start in time')),
      READY_TIMEOUT_MS,
    );
    child.stdout.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    void watched.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`lab: the delay element exited (${code}): ${stderr.trim()}`));
    });
  }).catch(async (err: unknown) => {
    await watched.stop('SIGKILL');
    throw err;
  });
  return watched;
}
