/**
 * From samples to figures: medians, min/max, ratios to baselines, targets; the table and the JSON file.
 */
import type { FigureDef, Samples, Target } from './group.js';

export interface FigureResult {
  name: string;
  /** Median of the samples; null when the figure could not be measured. */
  value: number | null;
  unit: string;
  /** Median of the baseline figure in the same run, or null. */
  baseline: number | null;
  /** value / baseline, or null. */
  ratio: number | null;
  min: number | null;
  max: number | null;
  runs: number;
  /** The target as text (e.g. "ratio >= 0.7"), or null. */
  target: string | null;
  /** Whether the target is met, or null without a target or value. */
  met: boolean | null;
  /** Why the value is missing. */
  error?: string;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function targetText(t: Target | undefined): string | null {
  if (t?.plusMs !== undefined) return `value ${t.op} ${t.limit} x baseline + ${t.plusMs}`;
  return t ? `${t.on} ${t.op} ${t.limit}` : null;
}

function meets(t: Target, value: number, ratio: number | null): boolean | null {
  if (t.plusMs !== undefined) {
    if (ratio === null) return null;
    const limit = t.limit * (value / ratio) + t.plusMs;
    return t.op === '>=' ? value >= limit : value <= limit;
  }
  const x = t.on === 'ratio' ? ratio : value;
  if (x === null) return null;
  return t.op === '>=' ? x >= t.limit : x <= t.limit;
}

export function summarize(def: FigureDef, samples: Samples, error?: string): FigureResult {
  const own = samples.get(def.name) ?? [];
  const base = def.baseline ? (samples.get(def.baseline) ?? []) : [];
  const value = own.length > 0 ? median(own) : null;
  const baseline = base.length > 0 ? median(base) : null;
  const ratio = value !== null && baseline !== null && baseline !== 0 ? value / baseline : null;
  return {
    name: def.name,
    value,
    unit: def.unit,
    baseline,
    ratio,
    min: own.length > 0 ? Math.min(...own) : null,
    max: own.length > 0 ? Math.max(...own) : null,
    runs: own.length,
    target: targetText(def.target),
    met: def.target && value !== null ? meets(def.target, value, ratio) : null,
    ...(value === null ? { error: error ?? 'not measured' } : {}),
  };
}

/** Three significant digits, no exponent. */
function num(x: number | null): string {
  if (x === null) return '-';
  const abs = Math.abs(x);
  if (abs >= 100 || Number.isInteger(x)) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(1);
  if (abs >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

export function formatTable(results: readonly FigureResult[]): string {
  const header = ['figure', 'value', 'unit', 'baseline', 'ratio', 'min', 'max', 'target', 'met'];
  const rows = results.map((r) => [
    r.name,
    r.value === null ? `n/a (${r.error ?? ''})` : num(r.value),
    r.unit,
    num(r.baseline),
    r.ratio === null ? '-' : r.ratio.toFixed(2),
    num(r.min),
    num(r.max),
    r.target ?? '-',
    r.met === null ? '-' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 || i === 2 || i >= 7 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
