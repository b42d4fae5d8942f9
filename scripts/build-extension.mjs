// Builds the browser extension volunteer (docs/extension.md) from src/extension/ and the widget's sources:
// dist/extension/chromium/ (MV3: service worker + offscreen relay document) and dist/extension/firefox/
// (MV2: persistent background page), unpacked, and a zip of each. The broker and egress the extension uses
// until its user sets others are the build's:
//   node scripts/build-extension.mjs [--broker URL] [--egress URL]... [--out DIR]
// or STARLING_EXTENSION_BROKER / STARLING_EXTENSION_EGRESS (space-separated); default: the demo's.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { zipDirectory } from './zip.mjs';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'src', 'extension');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const ICON_SIZES = [16, 32, 48, 128];
const GECKO_ID = 'starling-bridge@starling.invalid';

function fail(message) {
  console.error(`build-extension: ${message}`);
  console.error('usage: node scripts/build-extension.mjs [--broker URL] [--egress URL]... [--out DIR]');
  process.exit(2);
}

function checkUrl(text, protocols, what) {
  let url;
  try {
    url = new URL(text);
  } catch {
    fail(`${what} must be a URL, not "${text}"`);
  }
  if (!protocols.includes(url.protocol)) fail(`${what} must be ${protocols.join(' or ')}, not "${text}"`);
  return url.href;
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        broker: { type: 'string' },
        egress: { type: 'string', multiple: true },
        out: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    fail(error.message);
  }
  const env = process.env;
  const broker = parsed.broker ?? env.STARLING_EXTENSION_BROKER ?? 'http://127.0.0.1:8700/';
  const egress = parsed.egress ?? (env.STARLING_EXTENSION_EGRESS ?? 'ws://127.0.0.1:8701/').split(/\s+/);
  return {
    out: parsed.out ?? join(root, 'dist', 'extension'),
    defaults: {
      'data-broker': checkUrl(broker, ['http:', 'https:'], '--broker'),
      'data-egress': egress
        .filter((e) => e !== '')
        .map((e) => checkUrl(e, ['ws:', 'wss:'], '--egress'))
        .join(' '),
    },
  };
}

const icons = Object.fromEntries(ICON_SIZES.map((s) => [String(s), `icons/icon-${s}.png`]));
const common = {
  name: 'Starling bridge',
  version: pkg.version,
  description:
    'Help people behind censorship reach the open web: while it is on, your browser is an encrypted bridge.',
  icons,
  options_ui: { page: 'options.html', open_in_tab: true },
};
const button = { default_popup: 'popup.html', default_title: 'Starling bridge', default_icon: icons };

const TARGETS = {
  chromium: {
    manifest: {
      manifest_version: 3,
      ...common,
      minimum_chrome_version: '116',
      background: { service_worker: 'worker.js' },
      action: button,
      permissions: ['offscreen', 'storage', 'alarms'],
    },
    entries: {
      worker: 'chromium-worker.ts',
      relay: 'relay-document.ts',
      popup: 'popup.ts',
      options: 'options.ts',
    },
    pages: ['popup.html', 'options.html', 'relay.html', 'extension.css'],
  },
  firefox: {
    manifest: {
      manifest_version: 2,
      ...common,
      background: { page: 'background.html', persistent: true },
      browser_action: button,
      permissions: ['storage'],
      browser_specific_settings: {
        gecko: {
          id: GECKO_ID,
          strict_min_version: '115.0',
          data_collection_permissions: { required: ['none'] },
        },
      },
    },
    entries: { background: 'firefox-background.ts', popup: 'popup.ts', options: 'options.ts' },
    pages: ['popup.html', 'options.html', 'background.html', 'extension.css'],
  },
};

async function buildTarget(name, target, out, defaults) {
  const dir = join(out, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'icons'), { recursive: true });
  await build({
    entryPoints: Object.fromEntries(Object.entries(target.entries).map(([k, v]) => [k, join(src, v)])),
    outdir: dir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'none',
    charset: 'utf8',
    define: { STARLING_EXTENSION_DEFAULTS: JSON.stringify(defaults) },
    logLevel: 'warning',
  });
  for (const page of target.pages) copyFileSync(join(src, 'pages', page), join(dir, page));
  for (const s of ICON_SIZES)
    copyFileSync(join(src, 'icons', `icon-${s}.png`), join(dir, 'icons', `icon-${s}.png`));
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(target.manifest, null, 2)}\n`);
  const zipFile = join(out, `starling-bridge-${name}-${pkg.version}.zip`);
  const size = zipDirectory(dir, zipFile);
  console.log(`extension: ${zipFile.slice(root.length)} ${(size / 1024).toFixed(1)} KB`);
}

const { out, defaults } = options();
mkdirSync(out, { recursive: true });
for (const [name, target] of Object.entries(TARGETS)) await buildTarget(name, target, out, defaults);
