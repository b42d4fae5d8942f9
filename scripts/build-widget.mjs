// Bundles the <starling-bridge> widget (src/widget/index.ts, with the volunteer relay core) into one
// minified classic script, dist/widget/starling-bridge.js: an IIFE that adds no globals, so a plain
// `<script src>` works. Prints the raw and gzipped sizes and fails above the budget (docs/widget.md).
// Also writes the same bytes as starling-bridge.VERSION.js (a name that never changes its content, to
// cache for good) and dist/widget/manifest.json with its Subresource Integrity value (sha384), printed too.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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
// The page CSS that reserves the element's room before the script runs (src/widget/reserve.ts).
const reserve = await build({
  stdin: {
    contents: "export { RESERVE_CSS } from './src/widget/reserve.ts';",
    resolveDir: root,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  write: false,
  logLevel: 'warning',
});
const { RESERVE_CSS } = await import(
  `data:text/javascript;base64,${Buffer.from(reserve.outputFiles[0].text).toString('base64')}`
);
writeFileSync(join(root, 'dist', 'widget', 'starling-bridge.css'), RESERVE_CSS);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const file = `starling-bridge.${version}.js`;
const integrity = `sha384-${createHash('sha384').update(code).digest('base64')}`;
copyFileSync(outfile, join(root, 'dist', 'widget', file));
writeFileSync(
  join(root, 'dist', 'widget', 'manifest.json'),
  `${JSON.stringify({ version, file, integrity, bytes: code.length, gzipBytes: gzipped }, null, 2)}\n`,
);
console.log(`widget: dist/widget/${file} integrity="${integrity}"`);
