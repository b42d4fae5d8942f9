/**
 * What a benchmark group is (bench/run.ts runs them): a named set of figures, measured together because they
 * share a setup and their baselines must come from the same run. A group returns every sample it took; the
 * runner reports the median of each figure, its min and max, and the ratio to its baseline figure.
 */

/** A target from issue 5: on the ratio to the baseline, or on the value itself. */
export interface Target {
  /** `>=` for throughput-like figures (higher is better), `<=` for times. */
  op: '>=' | '<=';
  /** Compared with `ratio` when `on` is 'ratio', else with the value. */
  on: 'ratio' | 'value';
  limit: number;
  /**
   * With `on: 'ratio'`: the target is `value op limit x baseline + plusMs` instead (issue 10's "10 RTT +
   * 200 ms", the baseline being the RTT).
   */
  plusMs?: number;
}

export interface FigureDef {
  /** Dotted name from issue 5, e.g. `throughput.tunnel.node_volunteer`. */
  name: string;
  unit: string;
  /** One line: what is measured and how. */
  what: string;
  /** Name of the figure (measured by the same group in the same run) that this one is compared with. */
  baseline?: string;
  target?: Target;
}

export interface GroupContext {
  /** Repetitions asked for (`--runs`); a group takes this many samples of each figure it measures. */
  runs: number;
  /** Whether a figure is selected by `--only` (the runner already adds the baselines of selected figures). */
  wants(name: string): boolean;
  /** Progress line on stderr. */
  log(line: string): void;
}

/** Samples per figure name. */
export type Samples = Map<string, number[]>;

export interface Group {
  name: string;
  figures: FigureDef[];
  measure(ctx: GroupContext): Promise<Samples>;
}

/** Adds one sample of `name` to `samples`. */
export function record(samples: Samples, name: string, value: number): void {
  const list = samples.get(name);
  if (list) list.push(value);
  else samples.set(name, [value]);
}

export const MiB = 1024 * 1024;

/** MB/s (10^6 bytes per second) for `bytes` moved in `ms`. */
export function mbPerS(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

/**
 * Runs `start` up to `attempts` times: setting up a measurement (a network, a peer connection) can fail for
 * reasons that are not what is measured (e.g. libdatachannel's intermittent "remote candidate without ICE
 * transport" on an answer).
 */
export async function withRetry<T>(what: string, start: () => Promise<T>, attempts = 2): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (attempt >= attempts) throw e;
      console.error(`bench: ${what} failed (${(e as Error).message.split('\n')[0]}); retrying`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
