/**
 * A wire between a host or router (its `wan` device) and the lab's internet (a device `w<n>` there), with
 * optional delay, random loss and a rate limit, each per direction: `up` is from the host to the internet,
 * `down` back. No netem in this kernel (../../docs/lab.md), so:
 * - delay: the delay element (delay-line.c) between two TAP devices instead of a veth pair;
 * - loss: `iptables -m statistic` in the internet's namespace, where a packet has left the router (after
 *   its NAT) or has not reached it yet, as on a real wire;
 * - rate: `tbf` on the sending device of each direction, queueing up to `queueMs` of traffic.
 */
import type { WatchedChild } from '../helpers/child.js';
import { startDelayLine } from './delay-line.js';
import { run } from './sh.js';

/** A value for both directions, or one for each. */
export type PerDirection = number | { up: number; down: number };

export interface WireOptions {
  /**
   * One-way delay in ms. Given (even 0), the wire goes through the delay element; absent, it is a veth
   * pair with no delay of its own.
   */
  delayMs?: PerDirection;
  /** Probability (0..1) that a packet is dropped. @default 0 */
  loss?: PerDirection;
  /** Rate limit in bit/s. @default no limit */
  rateBitsPerSecond?: PerDirection;
  /** How much traffic a rate-limited direction queues before it drops, in ms at its rate. @default 100 */
  queueMs?: number;
}

export interface WireEnds {
  /** The host's or router's namespace; its end is called `wan`. */
  hostNetns: string;
  /** The internet's namespace and the name of the wire's device there. */
  internetNetns: string;
  internetDevice: string;
}

const DEFAULT_QUEUE_MS = 100;

function split(value: PerDirection | undefined): { up: number; down: number } | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? { up: value, down: value } : value;
}

function checkOptions(opts: WireOptions): void {
  const bad = (what: string): never => {
    throw new RangeError(`lab wire: ${what}`);
  };
  for (const [name, value] of Object.entries({ delayMs: opts.delayMs, rate: opts.rateBitsPerSecond })) {
    const v = split(value);
    if (v && !(v.up >= 0 && v.down >= 0 && Number.isFinite(v.up + v.down))) bad(`${name} must be >= 0`);
  }
  const loss = split(opts.loss);
  if (loss && !(loss.up >= 0 && loss.up < 1 && loss.down >= 0 && loss.down < 1))
    bad('loss must be in [0, 1)');
  const rate = split(opts.rateBitsPerSecond);
  if (rate && (rate.up === 0 || rate.down === 0)) bad('rateBitsPerSecond must be > 0');
  if (opts.queueMs !== undefined && !(opts.queueMs > 0)) bad('queueMs must be > 0');
}

/** The tbf settings for `bitsPerSecond` with `queueMs` of queue: bursts of 10 ms, at least 16 KB. */
export function tbfArgs(bitsPerSecond: number, queueMs: number): string[] {
  const burst = Math.max(16 * 1024, Math.ceil(bitsPerSecond / 8 / 100));
  return ['rate', `${Math.round(bitsPerSecond)}bit`, 'burst', String(burst), 'latency', `${queueMs}ms`];
}

/**
 * Makes the wire's two devices (down, without addresses: the caller configures them) and its shaping.
 * Returns the delay element's process when there is one; it must be stopped with the lab.
 */
export async function makeWire(ends: WireEnds, opts: WireOptions): Promise<WatchedChild | undefined> {
  checkOptions(opts);
  const delay = split(opts.delayMs);
  let delayLine: WatchedChild | undefined;
  if (delay) {
    delayLine = await startDelayLine(
      { netns: ends.hostNetns, device: 'wan' },
      { netns: ends.internetNetns, device: ends.internetDevice },
      delay.up,
      delay.down,
    );
  } else {
    await run([
      'ip',
      'link',
      'add',
      'wan',
      'netns',
      ends.hostNetns,
      'type',
      'veth',
      'peer',
      'name',
      ends.internetDevice,
      'netns',
      ends.internetNetns,
    ]);
  }
  const rate = split(opts.rateBitsPerSecond);
  if (rate) {
    const queueMs = opts.queueMs ?? DEFAULT_QUEUE_MS;
    await run([
      'tc',
      '-n',
      ends.hostNetns,
      'qdisc',
      'add',
      'dev',
      'wan',
      'root',
      'tbf',
      ...tbfArgs(rate.up, queueMs),
    ]);
    await run([
      'tc',
      '-n',
      ends.internetNetns,
      'qdisc',
      'add',
      'dev',
      ends.internetDevice,
      'root',
      'tbf',
      ...tbfArgs(rate.down, queueMs),
    ]);
  }
  const loss = split(opts.loss);
  if (loss) {
    const drop = (chain: string, dir: string, p: number): string =>
      p > 0
        ? `-A ${chain} ${dir} ${ends.internetDevice} -m statistic --mode random --probability ${p} -j DROP\n`
        : '';
    const rules = `*mangle\n${drop('PREROUTING', '-i', loss.up)}${drop('POSTROUTING', '-o', loss.down)}COMMIT\n`;
    await run(['ip', 'netns', 'exec', ends.internetNetns, 'iptables-restore', '--noflush', '-w'], {
      input: rules,
    });
  }
  return delayLine;
}
