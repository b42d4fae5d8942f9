// The system packages the tests need, in one list: each Debian package, the command that proves it is
// there, why, and which test files need it. `npm test` checks the packages its selected test files need
// before it runs any of them (scripts/test.mjs); as root with apt-get it installs what is missing, saying
// what and why, and otherwise stops with the exact command to run. The README's "What you need" section
// is written from this list (`node scripts/system-deps.mjs --readme` rewrites it; a test compares them).
// Plain JS with no dependencies, because it runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * `tests`: path prefixes of the test files that need the package, or 'all'.
 * `where`: 'always', or 'namespaces' for packages needed only where npm test makes network namespaces
 * (as root on Linux: the private namespace of the run and the network lab, docs/lab.md); elsewhere those
 * tests are skipped with a message saying why.
 * Adding a package is one line here (and `node scripts/system-deps.mjs --readme`).
 */
// biome-ignore format: one line per package
export const SYSTEM_DEPS = [
  { pkg: 'chromium', probe: [process.env.STARLING_CHROMIUM || '/usr/bin/chromium', '--version'], why: "the widget's, the extension's, the network map's, the TLS deployment's and the lab's browser tests drive Debian's Chromium with playwright-core", tests: ['test/widget/', 'test/extension/', 'test/e2e/nginx-tls.test.ts', 'test/broker/map.test.ts', 'test/e2e/proxy-pac.test.ts', 'test/lab/chromium-nat.test.ts'], where: 'always' },
  { pkg: 'bsdutils', probe: ['script', '--version'], why: "script runs the client under a pseudo-terminal, to test its status line", tests: ['test/e2e/client-tty.test.ts'], where: 'always' },
  { pkg: 'firefox-esr', probe: [process.env.STARLING_FIREFOX || '/usr/bin/firefox-esr', '--version'], why: "the Firefox extension's test runs it in Firefox ESR (Marionette)", tests: ['test/extension/firefox.test.ts'], where: 'always' },
  { pkg: 'php-cli', probe: ['php', '--version'], why: 'the WordPress plugin is linted and rendered with PHP', tests: ['test/wordpress/'], where: 'always' },
  { pkg: 'unzip', probe: ['unzip', '-v'], why: "the extension's zips are read back with Info-ZIP's unzip", tests: ['test/extension/build.test.ts'], where: 'always' },
  { pkg: 'nginx', probe: [process.env.STARLING_NGINX || '/usr/sbin/nginx', '-v'], why: 'the deployment test puts the egress and the broker behind Debian\'s nginx with TLS, and the fronting and direct path tests use it as the CDN', tests: ['test/e2e/nginx-tls.test.ts', 'test/e2e/rendezvous-front.test.ts', 'test/e2e/ws-path.test.ts'], where: 'always' },
  { pkg: 'openssl', probe: ['openssl', 'version'], why: "the deployment, fronting and direct path tests make their own CA and server certificate with the openssl CLI", tests: ['test/e2e/nginx-tls.test.ts', 'test/e2e/rendezvous-front.test.ts', 'test/e2e/ws-path.test.ts'], where: 'always' },
  { pkg: 'redis-server', probe: [process.env.REDIS_SERVER || 'redis-server', '--version'], why: "the broker's Redis store is tested against a real Redis", tests: ['test/broker/redis-', 'test/broker/strangers-http.test.ts', 'test/broker/pairing-http.test.ts'], where: 'always' },
  { pkg: 'systemd', probe: ['systemd-analyze', '--version'], why: "docs/deploy.md's service units are checked with systemd-analyze verify", tests: ['test/deploy/'], where: 'always' },
  { pkg: 'iproute2', probe: ['ip', '-V'], why: 'ip: the private network namespace every test runs in, and the network lab', tests: 'all', where: 'namespaces' },
  { pkg: 'util-linux', probe: ['setpriv', '--version'], why: 'unshare makes the private network namespace; setpriv ties lab processes to the test', tests: 'all', where: 'namespaces' },
  { pkg: 'iptables', probe: ['iptables', '-V'], why: "the lab's NAT routers, their firewalls and random loss on its wires; the fronting test's blocked broker address; the direct path test's blocked UDP (WebRTC)", tests: ['test/lab/', 'test/e2e/rendezvous-front.test.ts', 'test/e2e/ws-path.test.ts'], where: 'namespaces' },
  { pkg: 'coturn', probe: ['turnserver', '--version'], why: "the lab's STUN/TURN server (turnserver)", tests: ['test/lab/'], where: 'namespaces' },
  { pkg: 'gcc', probe: ['cc', '--version'], why: "compiles the lab's delay element (test/lab/delay-line.c) on first use", tests: ['test/lab/'], where: 'namespaces' },
  { pkg: 'libc6-dev', probe: ['test', '-e', '/usr/include/stdio.h'], why: "the C headers the delay element is compiled against", tests: ['test/lab/'], where: 'namespaces' },
  { pkg: 'ethtool', probe: ['ethtool', '--version'], why: "the lab benchmark turns off segmentation offloads, so that a wire's loss rule drops single packets (docs/benchmarks.md)", tests: ['bench/lab'], where: 'namespaces' },
];

const PROBE_TIMEOUT_MS = 30_000;

/** Whether this process can make network namespaces the way npm test does (root on Linux). */
export function namespacesPossible() {
  return process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0;
}

/** The packages that the test files `files` (repo-relative paths) need on this machine. */
export function depsFor(files, { namespaces = namespacesPossible() } = {}) {
  return SYSTEM_DEPS.filter(
    (dep) =>
      (dep.where === 'always' || namespaces) &&
      files.some((f) => dep.tests === 'all' || dep.tests.some((prefix) => f.startsWith(prefix))),
  );
}

/** Whether the package's probe command succeeds. */
export function present(dep) {
  const [cmd, ...args] = dep.probe;
  const res = spawnSync(cmd, args, { stdio: 'ignore', timeout: PROBE_TIMEOUT_MS });
  return res.status === 0;
}

function canInstall() {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  return spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

function describe(dep) {
  const glob = (t) => (t.endsWith('.ts') ? t : `${t}*`);
  const tests = dep.tests === 'all' ? 'every test' : dep.tests.map(glob).join(', ');
  return `  ${dep.pkg.padEnd(13)} for ${tests}: ${dep.why} (checked with: ${dep.probe.join(' ')})`;
}

/** The one message for a machine where the packages cannot be installed by this script. */
export function missingMessage(missing, why, command = 'npm test') {
  const pkgs = missing.map((d) => d.pkg).join(' ');
  return [
    `starling: ${command} needs system packages that are missing here, and ${why}:`,
    ...missing.map(describe),
    `Install them, then run ${command} again:`,
    `  sudo apt-get install -y ${pkgs}`,
    '(On a system without apt-get, install the same programs with its package manager.',
    command === 'npm test'
      ? ' To run only other tests meanwhile: npm test -- <part of a test path>.)'
      : ' Benchmarks that need none of them: npm run bench -- --only NAME.)',
  ].join('\n');
}

/**
 * Makes sure the packages the test files `files` need are there: installs the missing ones when it can
 * (root, apt-get), else prints the one message and exits with status 1. Returns normally when all are there.
 */
export function ensureSystemDeps(files, command = 'npm test') {
  const missing = depsFor(files).filter((dep) => !present(dep));
  if (missing.length === 0) return;
  if (!canInstall()) {
    const why =
      typeof process.getuid === 'function' && process.getuid() !== 0
        ? 'this is not root, so they cannot be installed for you'
        : 'there is no apt-get to install them with';
    console.error(missingMessage(missing, why, command));
    process.exit(1);
  }
  console.error(`starling: installing the system packages ${command} needs (apt-get):`);
  for (const dep of missing) console.error(describe(dep));
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) =>
    spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env }).status === 0;
  if (!apt(['update', '-qq']) || !apt(['install', '-y', '-qq', ...missing.map((d) => d.pkg)])) {
    console.error(missingMessage(missing, 'apt-get could not install them', command));
    process.exit(1);
  }
  const still = missing.filter((dep) => !present(dep));
  if (still.length > 0) {
    console.error(missingMessage(still, 'their checks still fail after apt-get installed them', command));
    process.exit(1);
  }
}

const README_BEGIN = '<!-- system-deps:begin (written by node scripts/system-deps.mjs --readme) -->';
const README_END = '<!-- system-deps:end -->';

/** The README's "What you need" table, from SYSTEM_DEPS. */
export function readmeSection() {
  const rows = SYSTEM_DEPS.map((dep) => {
    const tests = dep.tests === 'all' ? 'every test' : dep.tests.map((t) => `\`${t}\``).join(', ');
    const where = dep.where === 'always' ? '' : ' (as root on Linux only)';
    return `| \`${dep.pkg}\` | ${dep.why} | ${tests}${where} |`;
  });
  return [README_BEGIN, '| Debian package | why | needed by |', '|---|---|---|', ...rows, README_END].join(
    '\n',
  );
}

/** The section as the README has it now, or null without the markers. */
export function readmeSectionIn(text) {
  const begin = text.indexOf(README_BEGIN);
  const end = text.indexOf(README_END);
  return begin < 0 || end < begin ? null : text.slice(begin, end + README_END.length);
}

const USAGE = `usage: node scripts/system-deps.mjs COMMAND
  --check TEST_FILE...  install (as root, with apt-get) or name what those test files need; status 1 if missing
  --list                the list as JSON
  --readme              rewrite README.md's "What you need" table from the list
  --readme-check        status 1 if README.md's table differs from the list`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const readme = new URL('../README.md', import.meta.url);
  const [command, ...rest] = process.argv.slice(2);
  if (command === '--check') ensureSystemDeps(rest);
  else if (command === '--list') console.log(JSON.stringify(SYSTEM_DEPS, null, 2));
  else if (command === '--readme' || command === '--readme-check') {
    const text = readFileSync(readme, 'utf8');
    const old = readmeSectionIn(text);
    if (old === null) {
      console.error(`README.md has no ${README_BEGIN} ... ${README_END} markers`);
      process.exit(1);
    }
    if (command === '--readme') writeFileSync(readme, text.replace(old, readmeSection()));
    else if (old !== readmeSection()) {
      console.error('README.md\'s "What you need" table differs from scripts/system-deps.mjs;');
      console.error('run: node scripts/system-deps.mjs --readme');
      process.exit(1);
    }
  } else {
    console.error(USAGE);
    process.exit(2);
  }
}
