/**
 * The widget's versioned file and its Subresource Integrity value (scripts/build-widget.mjs): the build's
 * manifest names a file with the package version whose sha384 it gives; the demo page loads it with that
 * integrity in real Chromium, which refuses the same script under a wrong one; the README's snippet shows
 * `integrity` and `crossorigin`. Needs a build (`node scripts/build.mjs`; npm test makes one).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startDemoWeb } from '../../src/demo/web.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(`${ROOT}dist/widget/manifest.json`, 'utf8')) as {
  version: string;
  file: string;
  integrity: string;
};

let chromium: LaunchedChromium;
let web: Awaited<ReturnType<typeof startDemoWeb>>;

before(async () => {
  chromium = await launchChromium();
  web = await startDemoWeb({
    host: '127.0.0.1',
    port: 0,
    brokerUrl: 'http://127.0.0.1:9/',
    egressUrl: 'ws://127.0.0.1:9/',
  });
});

after(async () => {
  await chromium.close();
  await web.close();
});

describe('widget file name and integrity', () => {
  test('the build writes starling-bridge.VERSION.js and its sha384 in manifest.json', () => {
    const { version } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    assert.equal(manifest.version, version);
    assert.equal(manifest.file, `starling-bridge.${version}.js`);
    const versioned = readFileSync(`${ROOT}dist/widget/${manifest.file}`);
    assert.ok(versioned.equals(readFileSync(`${ROOT}dist/widget/starling-bridge.js`)));
    assert.equal(manifest.integrity, `sha384-${createHash('sha384').update(versioned).digest('base64')}`);
  });

  test('the demo page loads the versioned file with its integrity; Chromium refuses a wrong one', async (t) => {
    const page = await chromium.context.newPage();
    t.after(() => page.close());
    await page.goto(web.url);
    const tag = await page.evaluate(() => {
      const s = document.querySelector<HTMLScriptElement>('script[src*="starling-bridge"]')!;
      return { src: s.getAttribute('src'), integrity: s.integrity, crossOrigin: s.crossOrigin };
    });
    assert.deepEqual(tag, {
      src: `/${manifest.file}`,
      integrity: manifest.integrity,
      crossOrigin: 'anonymous',
    });
    await page.waitForFunction(() => customElements.get('starling-bridge') !== undefined);

    // The same bytes under an integrity value that is off by one character: not run.
    const wrong = `${manifest.integrity.slice(0, -2)}${manifest.integrity.endsWith('A=') ? 'B=' : 'A='}`;
    const other = await chromium.context.newPage();
    t.after(() => other.close());
    const errors: string[] = [];
    other.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await other.route(`${web.url}sri-test`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<!doctype html><script src="/${manifest.file}" integrity="${wrong}" crossorigin="anonymous"></script>`,
      }),
    );
    await other.goto(`${web.url}sri-test`);
    await other.waitForLoadState('load');
    assert.equal(await other.evaluate(() => customElements.get('starling-bridge') === undefined), true);
    assert.ok(
      errors.some((e) => /integrity/i.test(e)),
      `console: ${errors.join(' | ')}`,
    );
  });

  test('the README embedding snippet shows integrity and crossorigin', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const tag = /<script src="[^"]*starling-bridge\.[^"]+\.js"[^>]*>/.exec(readme)?.[0] ?? '';
    assert.match(tag, /integrity="sha384-/);
    assert.match(tag, /crossorigin="anonymous"/);
  });
});
