// Bundles the <starling-bridge> widget (src/widget/index.ts, with the volunteer relay core) into one
// minified classic script, dist/widget/starling-bridge.js: an IIFE that adds no globals, so a plain
// `<script src>` works. Prints the raw and gzipped sizes and fails above the budget (docs/widget.md).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const outfile = join(root, 'dist', 'widget', 'starling-bridge.js');
/** Most the gzipped bundle may weigh, bytes (issue 4: at most 35 KB). */
const BUDGET_GZIP_BYTES = 35 * 1024;

mkdirSync(join(root, 'dist', 'widget'), { recursive: true });
await build({
  entryPoints: [join(root, 'src', 'widget', 'index.ts')],
  outfile,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  // es2022 keeps #private fields native: es2020 turned each into a WeakMap lookup on every relayed message.
  target: ['es2022'],
  minify: true,
  legalComments: 'none',
  charset: 'utf8',
  sourcemap: false,
  logLevel: 'warning',
});
const code = readFileSync(outfile);
const gzipped = gzipSync(code, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`widget: dist/widget/starling-bridge.js ${kb(code.length)}, ${kb(gzipped)} gzipped`);
if (gzipped > BUDGET_GZIP_BYTES) {
  console.error(`widget: over the ${kb(BUDGET_GZIP_BYTES)} gzipped budget`);
  process.exit(1);
}
