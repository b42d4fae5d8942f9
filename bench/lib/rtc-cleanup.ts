/**
 * Finding 11 reproduction (docs/security.md): runs bench/lib/rtc-cleanup-child.ts `runs` times and counts
 * how each process ended: exit 0, another code, a signal (abort, segfault), or still running after
 * `hangMs` (killed). Usage: node --import tsx bench/lib/rtc-cleanup.ts [runs] [pairs] [concurrency] [--no-close]
 * Run it under scripts/netns.mjs or as is (the pairs bind to 127.0.0.1).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./rtc-cleanup-child.ts', import.meta.url));
const [runs = '30', pairs = '100', concurrency = '8', ...rest] = process.argv.slice(2);
const hangMs = 25_000;
const tally: Record<string, number> = {};

for (let i = 0; i < Number(runs); i++) {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, pairs, concurrency, ...rest], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, hangMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) =>
    child.once('exit', (c, s) => r([c, s])),
  );
  clearTimeout(timer);
  const ms = Math.round(performance.now() - started);
  const report = out.trim().split('\n').pop() ?? '';
  let outcome = hung ? 'hung' : signal ? `signal ${signal}` : code === 0 ? 'exit 0' : `exit ${code}`;
  if (!hung && report.includes('"cleanupError"')) outcome += ' (cleanup threw)';
  tally[outcome] = (tally[outcome] ?? 0) + 1;
  console.log(
    `run ${i + 1}: ${outcome} in ${ms} ms ${report} ${err.trim().split('\n').slice(-2).join(' | ')}`,
  );
}
console.log(`tally over ${runs} runs of ${pairs} pairs: ${JSON.stringify(tally)}`);
