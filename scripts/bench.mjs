// `npm run bench`: the benchmark suite (bench/run.ts) inside a private network namespace, as npm test runs.
// First the system packages it needs are checked, and installed when they can be (scripts/system-deps.mjs):
// the benchmarks drive Chromium (bench/chromium.ts) and a real Redis (bench/broker-load.ts), so they need what
// the tests of those parts need; the lab group (bench/lab.ts) needs the network lab's packages and ethtool.
import { NETNS_ENV, runIsolated } from './netns.mjs';
import { ensureSystemDeps } from './system-deps.mjs';

const NEEDS_LIKE = ['test/widget/', 'test/broker/redis-store.test.ts', 'test/lab/', 'bench/lab.ts'];
if (process.env[NETNS_ENV] === undefined) ensureSystemDeps(NEEDS_LIKE, 'npm run bench');
const run = new URL('../bench/run.ts', import.meta.url).pathname;
runIsolated([process.execPath, '--import', 'tsx', run, ...process.argv.slice(2)]);
