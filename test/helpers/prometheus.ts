/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: it throws on anything a
 * Prometheus server would reject or that the format forbids (a sample before its TYPE, a family split in
 * two, a duplicate series, a bad name, a bad escape, a counter that is not a finite number >= 0, histogram
 * buckets that are not cumulative or whose +Inf bucket is not _count), and on a missing final newline.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string | undefined;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(text: string, where: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value ${text}`);
  return Number(text);
}

/** Reads `{a="x",b="y"}` at `text[at]`; returns the labels and the index after `}`. */
function parseLabels(text: string, at: number, where: string): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    if (text[i] === '}') return [labels, i + 1];
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without =`);
    const name = text.slice(i, eq);
    if (!LABEL.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`${where}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[j + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else throw new Error(`${where}: bad escape \\${e}`);
        j += 2;
      } else {
        value += c;
        j += 1;
      }
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i += 1;
    else if (text[i] !== '}') throw new Error(`${where}: expected , or } after a label`);
  }
}

function familyOf(sample: string, types: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sample.endsWith(suffix)) {
      const base = sample.slice(0, -suffix.length);
      const t = types.get(base);
      if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
    }
  }
  return sample;
}

export function parseExposition(text: string): Map<string, MetricFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, MetricFamily>();
  const types = new Map<string, string>();
  const finished = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  const enter = (name: string, where: string) => {
    if (current === name) return;
    if (current !== undefined) finished.add(current);
    if (finished.has(name)) throw new Error(`${where}: family ${name} is split in two`);
    current = name;
  };
  const lines = text.split('\n').slice(0, -1);
  for (const [n, line] of lines.entries()) {
    const where = `line ${n + 1}`;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
      enter(name, where);
      let family = families.get(name);
      if (family === undefined) {
        family = { name, type: 'untyped', help: undefined, samples: [] };
        families.set(name, family);
      }
      if (kind === 'HELP') {
        if (family.help !== undefined) throw new Error(`${where}: second HELP for ${name}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
        family.help = rest.replace(/\\(\\|n)/g, (_, e: string) => (e === 'n' ? '\n' : '\\'));
      } else {
        if (types.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE after samples of ${name}`);
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        types.set(name, rest);
        family.type = rest as MetricFamily['type'];
      }
      continue;
    }
    if (line.trim() === '') throw new Error(`${where}: empty line`);
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`${where}: no value`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
    let labels: Record<string, string> = {};
    let rest = nameEnd;
    if (line[nameEnd] === '{') [labels, rest] = parseLabels(line, nameEnd, where);
    if (line[rest] !== ' ') throw new Error(`${where}: expected a space before the value`);
    const fields = line.slice(rest + 1).split(' ');
    if (fields.length > 2) throw new Error(`${where}: too many fields`);
    if (fields.length === 2 && !/^-?\d+$/.test(fields[1]!)) throw new Error(`${where}: bad timestamp`);
    const value = parseValue(fields[0]!, where);
    const base = familyOf(name, types);
    enter(base, where);
    const family = families.get(base);
    if (family === undefined || !types.has(base))
      throw new Error(`${where}: sample of ${base} before its TYPE`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) throw new Error(`${where}: duplicate series ${key}`);
    series.add(key);
    if (family.type === 'counter' && !(Number.isFinite(value) && value >= 0))
      throw new Error(`${where}: counter ${name} is ${value}`);
    if (family.type === 'histogram' && name === base)
      throw new Error(`${where}: bare sample of histogram ${base}`);
    family.samples.push({ name, labels, value });
  }
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function checkHistogram(f: MetricFamily): void {
  const buckets = f.samples.filter((s) => s.name === `${f.name}_bucket`);
  const count = f.samples.find((s) => s.name === `${f.name}_count`);
  if (f.samples.find((s) => s.name === `${f.name}_sum`) === undefined || count === undefined)
    throw new Error(`histogram ${f.name} lacks _sum or _count`);
  let last = -1;
  let lastLe = Number.NEGATIVE_INFINITY;
  for (const b of buckets) {
    if (b.labels.le === undefined) throw new Error(`histogram ${f.name}: a bucket without le`);
    const le = parseValue(b.labels.le, f.name);
    if (!(le > lastLe)) throw new Error(`histogram ${f.name}: buckets not in increasing le order`);
    if (b.value < last) throw new Error(`histogram ${f.name}: buckets not cumulative`);
    last = b.value;
    lastLe = le;
  }
  if (lastLe !== Number.POSITIVE_INFINITY) throw new Error(`histogram ${f.name}: no +Inf bucket`);
  if (last !== count.value)
    throw new Error(`histogram ${f.name}: +Inf bucket ${last} != _count ${count.value}`);
}

/** The value of the series `name{labels}` (labels must match exactly), or undefined. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      const a = Object.entries(s.labels).sort();
      const b = Object.entries(labels).sort();
      if (JSON.stringify(a) === JSON.stringify(b)) return s.value;
    }
  }
  return undefined;
}

/** GET `url`; asserts 200 and the text format's content type; returns the parsed families. */
export async function scrape(url: string): Promise<Map<string, MetricFamily>> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (!/^text\/plain; version=0\.0\.4/.test(type)) throw new Error(`${url}: content-type ${type}`);
  return parseExposition(await res.text());
}
