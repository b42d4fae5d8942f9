/**
 * Children whose memory or CPU a benchmark measures run the compiled dist/, as `starling` does, not the
 * sources through tsx: tsx keeps function names by giving every closure a `name` property, ~250 bytes each
 * under V8, which the real processes do not spend. dist/ is brought up to date first (scripts/ensure.mjs,
 * which `npm run bench` also runs), once per benchmark process.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENSURE = fileURLToPath(new URL('../../scripts/ensure.mjs', import.meta.url));
let ensured = false;

/** Returns `child` (a plain .mjs importing dist/) once dist/ is built from the current sources. */
export function compiledChild(child: string): string {
  if (!ensured) {
    execFileSync(process.execPath, [ENSURE], { stdio: ['ignore', 'ignore', 'inherit'] });
    ensured = true;
  }
  return child;
}
