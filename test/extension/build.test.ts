/**
 * `npm run build:extension` with a publisher's broker and egress: both unpacked builds and their zips, read
 * back with Info-ZIP's `unzip` (the zips come from our own writer, scripts/zip.mjs), the manifests each
 * browser needs, the build's defaults inside the bundles, and bad flags refused with a message and status 2.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { zip } from '../../scripts/zip.mjs';

const SCRIPT = fileURLToPath(new URL('../../scripts/build-extension.mjs', import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const BROKER = 'https://broker.example.org/';
const EGRESS = 'wss://egress.example.org/';

interface Manifest {
  manifest_version: number;
  permissions: string[];
  background: { service_worker?: string; page?: string; persistent?: boolean };
  action?: { default_popup: string };
  browser_action?: { default_popup: string };
  options_ui: { page: string };
  icons: Record<string, string>;
}

function unzipList(file: string): string[] {
  return execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).trim().split('\n').sort();
}

describe('build:extension', () => {
  const out = mkdtempSync(join(tmpdir(), 'starling-extension-build-'));
  const manifest = (name: string): Manifest =>
    JSON.parse(readFileSync(join(out, name, 'manifest.json'), 'utf8')) as Manifest;

  before(() => {
    execFileSync(process.execPath, [SCRIPT, '--broker', BROKER, '--egress', EGRESS, '--out', out], {
      stdio: 'pipe',
    });
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test('Chromium: MV3, a service worker, an offscreen document for WebRTC', () => {
    const m = manifest('chromium');
    assert.equal(m.manifest_version, 3);
    assert.equal(m.background.service_worker, 'worker.js');
    assert.deepEqual(m.permissions, ['offscreen', 'storage', 'alarms']);
    assert.equal(m.action?.default_popup, 'popup.html');
    const worker = readFileSync(join(out, 'chromium', 'worker.js'), 'utf8');
    assert.match(worker, /WEB_RTC/);
    assert.doesNotMatch(worker, /RTCPeerConnection/, 'the worker only manages the document');
  });

  test('Firefox: MV2, a persistent background page that runs the relay itself', () => {
    const m = manifest('firefox');
    assert.equal(m.manifest_version, 2);
    assert.deepEqual(m.background, { page: 'background.html', persistent: true });
    assert.deepEqual(m.permissions, ['storage']);
    assert.equal(m.browser_action?.default_popup, 'popup.html');
    const background = readFileSync(join(out, 'firefox', 'background.js'), 'utf8');
    assert.match(background, /RTCPeerConnection/);
    assert.doesNotMatch(background, /offscreen/i);
  });

  test("the build's broker and egress are the defaults inside the bundles", () => {
    for (const file of ['chromium/worker.js', 'chromium/options.js', 'firefox/background.js']) {
      const code = readFileSync(join(out, file), 'utf8');
      assert.ok(code.includes(BROKER) && code.includes(EGRESS), `${file} has the build's defaults`);
    }
  });

  test('each zip holds its build, byte for byte, and everything its manifest names', () => {
    for (const name of ['chromium', 'firefox']) {
      const file = join(out, `starling-bridge-${name}-${VERSION}.zip`);
      execFileSync('unzip', ['-tq', file]);
      const listed = unzipList(file);
      const m = manifest(name);
      const named = [
        m.options_ui.page,
        m.action?.default_popup ?? m.browser_action?.default_popup ?? '',
        m.background.service_worker ?? m.background.page ?? '',
        ...Object.values(m.icons),
      ];
      for (const path of ['manifest.json', ...named])
        assert.ok(listed.includes(path), `${name} zip has ${path}`);
      for (const path of listed) {
        const inZip = execFileSync('unzip', ['-p', file, path]);
        assert.ok(inZip.equals(readFileSync(join(out, name, path))), `${name}/${path} unzips to its file`);
      }
    }
  });

  test('the zip writer is deterministic and keeps UTF-8 names, empty and incompressible files', () => {
    const entries = [
      { name: 'a/ü.txt', data: Buffer.from('hello '.repeat(100)) },
      { name: 'empty', data: Buffer.alloc(0) },
      { name: 'random.bin', data: randomBytes(300) },
    ];
    const first = zip(entries);
    assert.ok(first.equals(zip(entries)), 'same input, same bytes');
    const file = join(out, 'unit.zip');
    writeFileSync(file, first);
    assert.deepEqual(unzipList(file), ['a/ü.txt', 'empty', 'random.bin']);
    for (const { name, data } of entries)
      assert.ok(execFileSync('unzip', ['-p', file, name]).equals(data), name);
  });

  test('bad flags: a message and status 2, nothing built', () => {
    for (const args of [
      ['--broker', 'ftp://x/'],
      ['--egress', 'https://not-ws/'],
      ['--colour', 'red'],
    ]) {
      const res = spawnSync(process.execPath, [SCRIPT, ...args, '--out', join(out, 'bad')], {
        encoding: 'utf8',
      });
      assert.equal(res.status, 2, args.join(' '));
      assert.match(res.stderr, /^build-extension: .+\nusage: /);
      assert.throws(() => readFileSync(join(out, 'bad', 'chromium', 'manifest.json')));
    }
  });
});
