/**
 * A small writer of the Prometheus text exposition format (version 0.0.4): counters, gauges and histograms
 * with fixed buckets, each family with one HELP and one TYPE line, label values escaped. Values are either
 * counted by the program (`inc`, `set`, `observe`) or read at scrape time (`collect`), so a table that
 * already knows its size is not counted twice.
 *
 * Counts that could identify people (sessions, paths, clients, matches, bytes) are declared with `bin`:
 * they are reported rounded UP to a multiple of it (0 stays 0), as Snowflake bins its counts. Rounding up is
 * monotonic, so a binned counter still only goes up (docs/deploy.md, "Metrics").
 */

export type Labels = Readonly<Record<string, string>>;

export interface MetricOptions {
  /** Report values rounded up to a multiple of this. @default 1 (exact) */
  bin?: number;
}

type Kind = 'counter' | 'gauge' | 'histogram';

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The content type of the text format, for the `/metrics` answer. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  if (n === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(n);
}

function labelText(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k]!)}"`).join(',')}}`;
}

function checkLabels(labels: Labels): void {
  for (const k of Object.keys(labels)) {
    if (!LABEL.test(k) || k.startsWith('__') || k === 'le') throw new RangeError(`bad label name ${k}`);
  }
}

abstract class Family {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
    protected readonly bin: number,
  ) {
    if (!NAME.test(name)) throw new RangeError(`bad metric name ${name}`);
    if (!(Number.isInteger(bin) && bin >= 1))
      throw new RangeError(`${name}: bin must be a whole number >= 1`);
  }

  protected binned(n: number): number {
    return this.bin === 1 ? n : Math.ceil(n / this.bin) * this.bin;
  }

  abstract samples(): string[];

  render(): string {
    const head = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} ${this.kind}\n`;
    return head + this.samples().join('');
  }
}

/** A counter or gauge: one value per label set. */
class Scalar extends Family {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  #collect: (() => Iterable<[Labels, number]>) | undefined;

  /** Adds `by` (default 1) to the series of `labels`; a counter refuses to go down. */
  inc(labels: Labels = {}, by = 1): void {
    if (this.kind === 'counter' && !(by >= 0)) throw new RangeError(`${this.name}: a counter only goes up`);
    this.#series(labels).value += by;
  }

  /** A gauge's value for `labels`. */
  set(labels: Labels, value: number): void {
    this.#series(labels).value = value;
  }

  /** Reads the values at scrape time instead (replaces anything counted). */
  collect(read: () => Iterable<[Labels, number]> | number): this {
    this.#collect = () => {
      const got = read();
      return typeof got === 'number' ? [[{}, got]] : got;
    };
    return this;
  }

  /** The value of `labels` now, as exposed (binned); 0 for a series never touched. */
  value(labels: Labels = {}): number {
    for (const [l, v] of this.#current()) if (labelText(l) === labelText(labels)) return this.binned(v);
    return 0;
  }

  #series(labels: Labels) {
    const key = labelText(labels);
    let s = this.#values.get(key);
    if (s === undefined) {
      checkLabels(labels);
      s = { labels: { ...labels }, value: 0 };
      this.#values.set(key, s);
    }
    return s;
  }

  #current(): Iterable<[Labels, number]> {
    if (this.#collect !== undefined) return this.#collect();
    return [...this.#values.values()].map((s): [Labels, number] => [s.labels, s.value]);
  }

  samples(): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const [labels, v] of this.#current()) {
      checkLabels(labels);
      const key = labelText(labels);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(`${this.name}${key} ${formatValue(this.binned(v))}\n`);
    }
    return out;
  }
}

export type Counter = Scalar;
export type Gauge = Scalar;

/** A histogram with fixed upper bounds, no labels. */
export class Histogram extends Family {
  readonly #bounds: number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(name: string, help: string, bounds: readonly number[], bin: number) {
    super(name, help, 'histogram', bin);
    const sorted = [...bounds].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1])))
      throw new RangeError(`${name}: buckets must be distinct finite numbers`);
    this.#bounds = sorted;
    this.#counts = sorted.map(() => 0);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    for (let i = 0; i < this.#bounds.length; i++) if (value <= this.#bounds[i]!) this.#counts[i]! += 1;
    this.#sum += value;
    this.#count += 1;
  }

  /** Observations so far, as exposed (binned). */
  get count(): number {
    return this.binned(this.#count);
  }

  samples(): string[] {
    const lines = this.#bounds.map(
      (b, i) => `${this.name}_bucket{le="${formatValue(b)}"} ${this.binned(this.#counts[i]!)}\n`,
    );
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.binned(this.#count)}\n`);
    lines.push(`${this.name}_sum ${formatValue(this.#sum)}\n`);
    lines.push(`${this.name}_count ${this.binned(this.#count)}\n`);
    return lines;
  }
}

/** A set of metric families rendered together, in the order they were made. */
export class MetricsRegistry {
  readonly #families = new Map<string, Family>();

  counter(name: string, help: string, options: MetricOptions = {}): Counter {
    return this.#add(new Scalar(name, help, 'counter', options.bin ?? 1));
  }

  gauge(name: string, help: string, options: MetricOptions = {}): Gauge {
    return this.#add(new Scalar(name, help, 'gauge', options.bin ?? 1));
  }

  histogram(name: string, help: string, buckets: readonly number[], options: MetricOptions = {}): Histogram {
    return this.#add(new Histogram(name, help, buckets, options.bin ?? 1));
  }

  /** The whole exposition, every family with its HELP and TYPE lines. */
  render(): string {
    return [...this.#families.values()].map((f) => f.render()).join('');
  }

  #add<F extends Family>(family: F): F {
    if (this.#families.has(family.name)) throw new RangeError(`metric ${family.name} is defined twice`);
    this.#families.set(family.name, family);
    return family;
  }
}
