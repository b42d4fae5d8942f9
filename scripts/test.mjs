// `npm test`: lint, typecheck, then every test/**/*.test.ts with node:test (via tsx), all inside a
// private network namespace (scripts/netns.mjs) so WebRTC and every socket stay on this machine.
// Extra arguments select test files by substring: `npm test -- session`.
// Before any test runs, the system packages the selected files need are checked, and installed when
// they can be (scripts/system-deps.mjs); otherwise the run stops with the command to install them.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NETNS_ENV, runIsolated } from './netns.mjs';
import { ensureSystemDeps } from './system-deps.mjs';

const root = new URL('..', import.meta.url).pathname;

// A hung test must end the run. Node 20's --test-timeout bounds each test *file* as a whole (the runner
// applies it to the file's process; a test's own `timeout` option cannot extend it, and Node 20 has no
// per-test default), so the few files whose tests have longer budgets of their own get the sum of those.
const FILE_TIMEOUT_MS = 180_000;
const LONGER_FILE_TIMEOUT_MS = new Map([
  ['test/e2e/chaos.test.ts', 2 * 600_000], // two tests with { timeout: 600_000 }
  ['test/lab/starling-nat.test.ts', 420_000], // 21 Starling clients across the lab's NATs
]);

const filters = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.ts')) files.push(relative(root, p));
  }
};
walk(join(root, 'test'));
files.sort();
const selected = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;

if (process.env[NETNS_ENV] === undefined) {
  ensureSystemDeps(selected);
  runIsolated([process.execPath, new URL(import.meta.url).pathname, ...filters]);
} else {
  if (filters.length === 0) {
    const bin = (name) => join(root, 'node_modules', '.bin', name);
    execFileSync(bin('biome'), ['check', '.'], { cwd: root, stdio: 'inherit' });
    execFileSync(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
  }
  const byTimeout = new Map();
  for (const f of selected) {
    const ms = LONGER_FILE_TIMEOUT_MS.get(f) ?? FILE_TIMEOUT_MS;
    byTimeout.set(ms, [...(byTimeout.get(ms) ?? []), f]);
  }
  let status = 0;
  for (const [ms, group] of byTimeout) {
    const res = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        '--test-force-exit',
        '--test-concurrency=1',
        `--test-timeout=${ms}`,
        '--test-reporter=spec',
        ...group,
      ],
      { cwd: root, stdio: 'inherit' },
    );
    if (res.status !== 0) status = res.status ?? 1;
  }
  process.exit(status);
}
