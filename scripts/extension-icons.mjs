// Renders src/extension/icons/icon.svg to the PNG sizes the manifests name (Chromium takes no SVG icons), with
// Debian's Chromium. Run by hand after changing the SVG; the PNGs are committed, so builds need no browser.
//   node scripts/extension-icons.mjs
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const dir = new URL('../src/extension/icons/', import.meta.url).pathname;
const svg = readFileSync(join(dir, 'icon.svg'), 'utf8');
const profile = await mkdtemp(join(tmpdir(), 'starling-icons-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.STARLING_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await context.newPage();
  for (const size of [16, 32, 48, 128]) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<style>html,body{margin:0;background:transparent}svg{display:block;width:${size}px;height:${size}px}</style>${svg}`,
    );
    await page.screenshot({ path: join(dir, `icon-${size}.png`), omitBackground: true });
    console.log(`icons: icon-${size}.png`);
  }
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
