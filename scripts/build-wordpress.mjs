// Packages the WordPress plugin (wordpress/starling-bridge/) with the current widget bundle under its
// versioned name and the build's manifest (assets/starling-bridge.VERSION.js, assets/manifest.json: the
// plugin loads the file with the manifest's integrity value) into dist/wordpress/starling-bridge-VERSION.zip, installable from Plugins > Add
// New > Upload. Run after build-widget.mjs (`npm run build:wordpress` does both). The plugin's version must
// be the package's.
//   node scripts/build-wordpress.mjs [--out DIR]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { filesUnder, zip } from './zip.mjs';

const root = new URL('..', import.meta.url).pathname;
const plugin = join(root, 'wordpress', 'starling-bridge');
const manifestFile = join(root, 'dist', 'widget', 'manifest.json');

function fail(message) {
  console.error(`build-wordpress: ${message}`);
  process.exit(2);
}

let out;
try {
  out =
    parseArgs({ options: { out: { type: 'string' } }, strict: true }).values.out ??
    join(root, 'dist', 'wordpress');
} catch (error) {
  fail(`${error.message}\nusage: node scripts/build-wordpress.mjs [--out DIR]`);
}
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const header = /^ \* Version:\s*(\S+)$/m.exec(readFileSync(join(plugin, 'starling-bridge.php'), 'utf8'))?.[1];
if (header !== version) fail(`starling-bridge.php says Version ${header}, package.json ${version}`);
if (!existsSync(manifestFile)) fail(`${manifestFile} is missing: run node scripts/build-widget.mjs first`);
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
if (manifest.version !== version)
  fail(`${manifestFile} is of version ${manifest.version}, package.json ${version}`);

const entries = [
  ...filesUnder(plugin, 'starling-bridge/'),
  {
    name: `starling-bridge/assets/${manifest.file}`,
    data: readFileSync(join(root, 'dist', 'widget', manifest.file)),
  },
  { name: 'starling-bridge/assets/manifest.json', data: readFileSync(manifestFile) },
].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
mkdirSync(out, { recursive: true });
const file = join(out, `starling-bridge-${version}.zip`);
const bytes = zip(entries);
writeFileSync(file, bytes);
console.log(
  `wordpress: ${file.startsWith(root) ? file.slice(root.length) : file} ${(bytes.length / 1024).toFixed(1)} KB`,
);
