/**
 * `npm run bench [-- --only NAME] [--runs N] [--json FILE] [--list]`: runs the benchmark groups (issue 5),
 * each several times, and prints one table row per figure: the median, its baseline from the same run, the
 * ratio, min, max and the target. Runs inside the private network namespace (scripts/netns.mjs; started
 * directly, e.g. `node --import tsx bench/run.ts`, it runs itself again in one, as scripts/test.mjs does);
 * everything it starts listens on 127.0.0.1 and is stopped before it exits. See docs/benchmarks.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closeNodeWebRtc } from '../src/shared/webrtc-node.js';
import { brokerGroup } from './broker.js';
import { chromiumGroup } from './chromium.js';
import { cpuGroup } from './cpu.js';
import { failoverGroup } from './failover.js';
import { floodGroup } from './flood.js';
import { labGroup } from './lab.js';
import type { FigureDef, Group, Samples } from './lib/group.js';
import { type FigureResult, formatTable, summarize } from './lib/report.js';
import { memoryGroup } from './memory.js';
import { natGroup } from './nat.js';
import { rttGroup } from './rtt.js';
import { throughputGroup } from './throughput.js';
import { ttfbGroup } from './ttfb.js';
import { widgetGroup } from './widget.js';

const GROUPS: Group[] = [
  throughputGroup,
  rttGroup,
  ttfbGroup,
  failoverGroup,
  cpuGroup,
  memoryGroup,
  chromiumGroup,
  brokerGroup,
  widgetGroup,
  floodGroup,
  labGroup,
  natGroup,
];

const usage = `npm run bench [-- --only NAME]... [--runs N] [--json FILE] [--list]

  --only NAME   run one group (${GROUPS.map((g) => g.name).join(', ')}) or the figures whose name starts
                with NAME (their baselines run too); repeat for several
  --runs N      repetitions per figure (default 3); the table shows the median
  --json FILE   also write {"figures": [{name, value, unit, baseline, ratio, min, max, ...}]} to FILE
  --list        print the groups and figures and exit`;

function selected(only: string[]): { group: Group; wanted: Set<string> }[] {
  const out: { group: Group; wanted: Set<string> }[] = [];
  for (const group of GROUPS) {
    const wanted = new Set<string>();
    for (const f of group.figures) {
      if (only.length === 0 || only.some((o) => o === group.name || f.name.startsWith(o))) {
        wanted.add(f.name);
        if (f.baseline) wanted.add(f.baseline);
      }
    }
    if (wanted.size > 0) out.push({ group, wanted });
  }
  return out;
}

function machine(): Record<string, string | number> {
  const cpu = cpus();
  return {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      runs: { type: 'string' },
      json: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    console.log(usage);
    return 0;
  }
  if (values.list === true) {
    for (const g of GROUPS) {
      console.log(g.name);
      for (const f of g.figures) console.log(`  ${f.name.padEnd(44)} ${f.unit.padEnd(8)} ${f.what}`);
    }
    return 0;
  }
  const runs = Number(values.runs ?? 3);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    console.error(`--runs must be an integer 1..50\n\n${usage}`);
    return 2;
  }
  const plan = selected(values.only ?? []);
  if (plan.length === 0) {
    console.error(`--only matches no group or figure\n\n${usage}`);
    return 2;
  }
  const results: FigureResult[] = [];
  const started = performance.now();
  for (const { group, wanted } of plan) {
    const t0 = performance.now();
    console.error(`bench: ${group.name} (${runs} runs)`);
    let samples: Samples = new Map();
    let error: string | undefined;
    try {
      samples = await group.measure({
        runs,
        wants: (name) => wanted.has(name),
        log: (line) => console.error(`bench: ${group.name}: ${line}`),
      });
    } catch (e) {
      error = e instanceof Error ? e.message.split('\n')[0] : String(e);
      console.error(
        `bench: ${group.name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
    }
    const defs: FigureDef[] = group.figures.filter((f) => wanted.has(f.name));
    for (const def of defs) results.push(summarize(def, samples, error));
    console.error(`bench: ${group.name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(formatTable(results));
  console.log(`\n${runs} runs per figure, ${((performance.now() - started) / 1000).toFixed(0)} s in all`);
  if (values.json !== undefined) {
    writeFileSync(
      values.json,
      `${JSON.stringify({ figures: results, machine: machine(), runs }, null, 2)}\n`,
    );
    console.log(`wrote ${values.json}`);
  }
  return results.every((r) => r.value !== null) ? 0 : 1;
}

/** scripts/netns.mjs is plain JavaScript without declarations, hence imported with its type spelled out. */
const netns = (await import(new URL('../scripts/netns.mjs', import.meta.url).href)) as {
  NETNS_ENV: string;
  runIsolated(argv: string[]): void;
};

if (process.env[netns.NETNS_ENV] === undefined) {
  const self = fileURLToPath(import.meta.url);
  netns.runIsolated([process.execPath, ...process.execArgv, self, ...process.argv.slice(2)]);
} else {
  const code = await main();
  await closeNodeWebRtc();
  process.exit(code);
}
