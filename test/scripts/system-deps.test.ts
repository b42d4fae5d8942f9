/**
 * scripts/system-deps.mjs, the one list of system packages: the README's table is written from it, every
 * test file that starts a system program is covered by that program's package, and a machine that lacks a
 * package and cannot install it gets the one message and status 1 before any test runs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = join(root, 'scripts', 'system-deps.mjs');

interface SystemDep {
  pkg: string;
  probe: string[];
  why: string;
  tests: string[] | 'all';
  where: 'always' | 'namespaces';
}

function runScript(args: string[], env: NodeJS.ProcessEnv = process.env) {
  // As root, run as nobody: --check must meet a machine where it cannot install anything.
  const asNobody =
    process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const [cmd, ...rest] = [...asNobody, process.execPath, script, ...args];
  return spawnSync(cmd!, rest, { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
}

const deps = JSON.parse(runScript(['--list']).stdout) as SystemDep[];

function testFiles(dir = join(root, 'test')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? testFiles(p) : e.name.endsWith('.ts') ? [relative(root, p)] : [];
  });
}

/** Repo-relative .ts files that `file` imports (statically or with import()) from this repo. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(root, resolve(dirname(join(root, file)), s)).replace(/\.js$/, '.ts'));
}

/** Test files that import `module`, directly or through other files. */
function importersOf(module: string): string[] {
  const all = testFiles();
  const reaches = new Map<string, boolean>();
  const visit = (file: string, seen: Set<string>): boolean => {
    if (file === module) return true;
    const known = reaches.get(file);
    if (known !== undefined) return known;
    if (seen.has(file)) return false;
    seen.add(file);
    const result = importsOf(file).some((f) => all.includes(f) && visit(f, seen));
    reaches.set(file, result);
    return result;
  };
  return all.filter((f) => f.endsWith('.test.ts') && visit(f, new Set()));
}

function covers(dep: SystemDep, file: string): boolean {
  return dep.tests === 'all' || dep.tests.some((prefix) => file.startsWith(prefix));
}

describe('the system packages list', () => {
  test("the README's table is the one written from the list", () => {
    const res = runScript(['--readme-check']);
    assert.equal(res.status, 0, res.stderr);
  });

  test('every test path it names exists', () => {
    // A package only the benchmarks need names the benchmark file (npm run bench checks it the same way).
    const files = [...testFiles().filter((f) => f.endsWith('.test.ts')), ...testFiles(join(root, 'bench'))];
    for (const dep of deps) {
      if (dep.tests === 'all') continue;
      for (const prefix of dep.tests) {
        assert.ok(
          files.some((f) => f.startsWith(prefix)),
          `${dep.pkg}: no test file under ${prefix}`,
        );
      }
    }
  });

  // The helper that starts each program, and the package that brings it.
  const starters: [string, string][] = [
    ['test/helpers/chromium.ts', 'chromium'],
    ['test/helpers/redis.ts', 'redis-server'],
    ['test/extension/marionette.ts', 'firefox-esr'],
    ['test/lab/lab.ts', 'iptables'],
    ['test/lab/coturn.ts', 'coturn'],
    ['test/lab/delay-line.ts', 'gcc'],
    ['test/helpers/nginx.ts', 'nginx'],
    ['test/helpers/tls-ca.ts', 'openssl'],
  ];
  for (const [helper, pkg] of starters) {
    test(`every test file that uses ${helper} is listed under ${pkg}`, () => {
      const dep = deps.find((d) => d.pkg === pkg);
      assert.ok(dep, `${pkg} is not in the list`);
      const users = importersOf(helper);
      assert.ok(users.length > 0, `no test file uses ${helper}`);
      for (const file of users)
        assert.ok(covers(dep, file), `${file} uses ${helper} but ${pkg} does not list it`);
    });
  }

  test('a machine that lacks a package and cannot install it gets one message and status 1', () => {
    const res = runScript(['--check', 'test/widget/bridge.test.ts', 'test/session/codec.test.ts'], {
      ...process.env,
      STARLING_CHROMIUM: '/nonexistent/chromium',
    });
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /needs system packages that are missing here/);
    assert.match(
      res.stderr,
      /chromium +for test\/widget\/\*, test\/extension\/\*[^:]*: .*\(checked with: \/nonexistent\/chromium --version\)/,
    );
    assert.match(res.stderr, /^ {2}sudo apt-get install -y chromium$/m);
    assert.doesNotMatch(res.stderr, /redis-server/, 'only what the selected files need');
  });

  test('test files that need nothing missing pass the check', () => {
    const res = runScript(['--check', 'test/session/codec.test.ts'], {
      ...process.env,
      STARLING_CHROMIUM: '/nonexistent/chromium',
    });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stderr, '');
  });
});
