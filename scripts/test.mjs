// `npm test`: lint, typecheck, then every test/**/*.test.ts with node:test (via tsx), all inside a
// private network namespace (scripts/netns.mjs) so WebRTC and every socket stay on this machine.
// Extra arguments select test files by substring: `npm test -- session`.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NETNS_ENV, runIsolated } from './netns.mjs';

const root = new URL('..', import.meta.url).pathname;

if (process.env[NETNS_ENV] === undefined) {
  runIsolated([process.execPath, new URL(import.meta.url).pathname, ...process.argv.slice(2)]);
} else {
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
  if (filters.length === 0) {
    const bin = (name) => join(root, 'node_modules', '.bin', name);
    execFileSync(bin('biome'), ['check', '.'], { cwd: root, stdio: 'inherit' });
    execFileSync(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
  }
  const res = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-force-exit',
      '--test-concurrency=1',
      '--test-reporter=spec',
      ...selected,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  process.exit(res.status ?? 1);
}
