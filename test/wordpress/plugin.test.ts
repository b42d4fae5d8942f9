/**
 * The WordPress plugin (wordpress/starling-bridge/) with Debian's php-cli: every PHP file lints, and a small
 * harness (harness.php: the WordPress functions the plugin calls, escaping as WordPress escapes) renders the
 * shortcode and the block, runs the settings' sanitizer and the settings page. And `build:wordpress` makes an
 * installable zip holding the current widget bundle.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PLUGIN = join(ROOT, 'wordpress', 'starling-bridge');
const HARNESS = join(ROOT, 'test', 'wordpress', 'harness.php');

interface Outcome {
  html?: string;
  saved?: Record<string, string>;
  died?: number;
  enqueued: string[];
  errors: string[];
  nonces: number;
  scripts: Record<
    string,
    { src: string; ver: string | null; args: { in_footer: boolean; strategy: string } }
  >;
  tags?: Record<string, string>;
  menu?: { capability: string };
  setting?: { sanitize: string };
}

function php(args: string[], input?: string): string {
  try {
    return execFileSync('php', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('php is not installed: apt-get install php-cli (the WordPress plugin tests need it)');
    throw error;
  }
}

function run(scenario: object): Outcome {
  return JSON.parse(php([HARNESS], JSON.stringify(scenario))) as Outcome;
}

/** The attributes of the one <starling-bridge> in `html`, decoded as a browser would. */
function element(html: string): Record<string, string> {
  const m = /^<starling-bridge((?: [a-z-]+="[^"<>]*")*)><\/starling-bridge>$/.exec(html);
  assert.ok(m, `one well-formed element: ${html}`);
  const decode = (v: string) =>
    v
      .replace(/&quot;/g, '"')
      .replace(/&#0?39;/g, "'")
      .replace(/&#038;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return Object.fromEntries([...m[1]!.matchAll(/ ([a-z-]+)="([^"]*)"/g)].map((a) => [a[1]!, decode(a[2]!)]));
}

const SITE = {
  broker: 'https://broker.example.org/',
  egress: 'wss://egress.example.org/ wss://egress2.example.org/',
  layout: 'panel',
  theme: 'dark',
  lang: 'fa',
};

describe('the WordPress plugin', () => {
  test('every PHP file lints (php -l)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (e.name.endsWith('.php')) files.push(join(dir, e.name));
      }
    };
    walk(PLUGIN);
    assert.ok(files.length >= 5, `found ${files.map((f) => relative(PLUGIN, f))}`);
    for (const file of [...files, HARNESS]) assert.match(php(['-l', file]), /No syntax errors detected/);
  });

  test('[starling_bridge] renders the element with the site settings as data-* and enqueues the bundle', () => {
    const out = run({ run: 'shortcode', options: SITE, atts: '' });
    assert.deepEqual(element(out.html!), {
      'data-broker': SITE.broker,
      'data-egress': SITE.egress,
      'data-layout': 'panel',
      'data-theme': 'dark',
      'data-lang': 'fa',
    });
    assert.deepEqual(out.enqueued, ['starling-bridge']);
    assert.equal(Object.keys(out.scripts).length, 0, 'a plugin from the source tree has no built script');
  });

  test('shortcode attributes choose layout, theme and language; unusable ones fall back to the site', () => {
    const chosen = element(
      run({ run: 'shortcode', options: SITE, atts: { layout: 'banner', theme: 'light', lang: 'zh-CN' } })
        .html!,
    );
    assert.equal(chosen['data-layout'], 'banner');
    assert.equal(chosen['data-theme'], 'light');
    assert.equal(chosen['data-lang'], 'zh-CN');
    const bad = element(
      run({ run: 'shortcode', options: SITE, atts: { layout: 'evil', theme: '"><script>', lang: 'x"y' } })
        .html!,
    );
    assert.equal(bad['data-layout'], 'panel');
    assert.equal(bad['data-theme'], 'dark');
    assert.equal(bad['data-lang'], 'fa');
  });

  test('stored values that would break out of the attribute are escaped, and other schemes dropped', () => {
    const out = run({
      run: 'shortcode',
      options: {
        broker: 'https://broker.example.org/?a=1&b="><script>alert(1)</script>',
        egress: "wss://egress.example.org/?x=' javascript:alert(1) https://not-a-websocket.example/",
        layout: 'floating',
        lang: 'en',
      },
    });
    assert.doesNotMatch(out.html!, /<script|javascript:|onerror|not-a-websocket/);
    const attrs = element(out.html!);
    assert.equal(attrs['data-broker'], 'https://broker.example.org/?a=1&b=scriptalert(1)/script');
    assert.equal(attrs['data-egress'], "wss://egress.example.org/?x='");
    assert.equal(attrs['data-theme'], 'auto', 'the default theme');
  });

  test('the block renders the same element, with its own choices', () => {
    const out = run({ run: 'block', options: SITE, atts: { layout: 'floating', theme: '', lang: '' } });
    assert.deepEqual(element(out.html!), {
      'data-broker': SITE.broker,
      'data-egress': SITE.egress,
      'data-layout': 'floating',
      'data-theme': 'dark',
      'data-lang': 'fa',
    });
    const meta = JSON.parse(readFileSync(join(PLUGIN, 'block', 'block.json'), 'utf8')) as { name: string };
    assert.equal(meta.name, 'starling/bridge');
  });

  test('the settings sanitizer keeps usable values and refuses the rest, keeping the old ones', () => {
    const good = run({
      run: 'sanitize',
      options: SITE,
      input: { ...SITE, broker: ' http://127.0.0.1:8700/ ', lang: '' },
    });
    assert.deepEqual(good.errors, []);
    assert.deepEqual(good.saved, { ...SITE, broker: 'http://127.0.0.1:8700/', lang: '' });
    const bad = run({
      run: 'sanitize',
      options: SITE,
      input: {
        broker: 'javascript:alert(1)',
        egress: 'https://x.example/',
        layout: 'sidebar',
        theme: 'dark',
        lang: '<b>',
      },
    });
    assert.deepEqual(bad.errors, ['broker', 'egress', 'layout', 'lang']);
    assert.deepEqual(bad.saved, SITE);
  });

  test('the settings page needs manage_options and carries the Settings API nonce', () => {
    const denied = run({ run: 'page', options: SITE, can: false });
    assert.equal(denied.died, 403);
    const page = run({ run: 'page', options: SITE, can: true });
    assert.equal(page.menu?.capability, 'manage_options');
    assert.equal(page.setting?.sanitize, 'starling_bridge_sanitize');
    assert.equal(page.nonces, 1);
    assert.match(page.html!, /<form method="post" action="https:\/\/news\.example\/wp-admin\/options\.php">/);
    assert.match(
      page.html!,
      /name="starling_bridge_settings\[broker\]" value="https:\/\/broker\.example\.org\/"/,
    );
    assert.match(page.html!, /<option value="dark" selected>dark<\/option>/);
  });

  test('build:wordpress makes an installable zip that loads the current bundle with its integrity', () => {
    const out = mkdtempSync(join(tmpdir(), 'starling-wordpress-'));
    try {
      execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-wordpress.mjs'), '--out', out], {
        stdio: 'pipe',
      });
      const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
        .version;
      const file = join(out, `starling-bridge-${version}.zip`);
      execFileSync('unzip', ['-tq', file]);
      const names = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n');
      assert.ok(
        names.every((n) => n.startsWith('starling-bridge/')),
        'one folder, as WordPress expects',
      );
      assert.ok(names.includes('starling-bridge/starling-bridge.php'));
      const manifest = JSON.parse(readFileSync(join(ROOT, 'dist', 'widget', 'manifest.json'), 'utf8')) as {
        file: string;
        integrity: string;
      };
      assert.equal(manifest.file, `starling-bridge.${version}.js`);
      const shipped = execFileSync('unzip', ['-p', file, `starling-bridge/assets/${manifest.file}`]);
      assert.ok(
        shipped.equals(readFileSync(join(ROOT, 'dist', 'widget', 'starling-bridge.js'))),
        'the current bundle',
      );
      assert.deepEqual(
        JSON.parse(
          execFileSync('unzip', ['-p', file, 'starling-bridge/assets/manifest.json'], { encoding: 'utf8' }),
        ),
        JSON.parse(readFileSync(join(ROOT, 'dist', 'widget', 'manifest.json'), 'utf8')),
      );

      // The installed plugin loads that file under its versioned name, with its integrity value.
      execFileSync('unzip', ['-q', file, '-d', out]);
      const plugin = join(out, 'starling-bridge');
      const out2 = run({ run: 'tags', options: SITE, plugin });
      const script = out2.scripts['starling-bridge']!;
      assert.equal(
        script.src,
        `https://news.example/wp-content/plugins/starling-bridge/assets/${manifest.file}`,
      );
      assert.equal(script.ver, null, 'no ?ver= query: the name carries the version');
      assert.deepEqual(script.args, { in_footer: true, strategy: 'defer' });
      const integrity = `sha384-${createHash('sha384').update(shipped).digest('base64')}`;
      assert.equal(manifest.integrity, integrity);
      const tag = out2.tags!['starling-bridge']!;
      assert.match(
        tag,
        /^<script integrity="([^"]+)" crossorigin="anonymous" src="[^"]+" id="starling-bridge-js"/,
      );
      assert.equal(/integrity="([^"]+)"/.exec(tag)?.[1], integrity);
      assert.doesNotMatch(out2.tags!.other!, /integrity|crossorigin/, "other scripts' tags are left alone");
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
