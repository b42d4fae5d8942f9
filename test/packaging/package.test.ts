/**
 * The package as another project gets it: `npm pack` (offline), unpacked into a fresh project's
 * node_modules, imported by its entry points (`@starling-bridge/starling/client`, ...) with types that
 * tsc resolves through `exports`, and running without bufferutil (an optional dependency of ws).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  private?: boolean;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  exports: Record<string, { types: string; default: string } | string>;
  types: string;
};
const ENTRIES = ['client', 'broker', 'egress', 'volunteer'];

let project: string;

before(() => {
  project = mkdtempSync(join(tmpdir(), 'starling-pack-'));
  const tarball = execFileSync(
    'npm',
    ['pack', '--ignore-scripts', '--silent', '--pack-destination', project],
    {
      cwd: root,
      encoding: 'utf8',
    },
  ).trim();
  const modules = join(project, 'node_modules');
  const home = join(modules, ...pkg.name.split('/'));
  mkdirSync(home, { recursive: true });
  execFileSync('tar', ['-xzf', join(project, tarball), '-C', home, '--strip-components=1']);
  // The installed dependencies, offline: ws copied (so it looks for bufferutil beside itself and finds
  // none), bufferutil left out, every other package linked from this checkout's node_modules.
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name === '.bin' || name.startsWith('.') || name === 'bufferutil' || name === 'ws') continue;
    if (name === pkg.name.split('/')[0]) continue;
    symlinkSync(join(root, 'node_modules', name), join(modules, name));
  }
  cpSync(join(root, 'node_modules', 'ws'), join(modules, 'ws'), { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'other-tool', type: 'module' }));
});
after(() => rmSync(project, { recursive: true, force: true }));

test('the name is ours: scoped and private, so `npx starling` can never mean this package', () => {
  assert.match(pkg.name, /^@[a-z-]+\/starling$/);
  assert.equal(pkg.private, true);
});

test('bufferutil is optional: ws works without it', () => {
  assert.equal(pkg.dependencies.bufferutil, undefined);
  assert.ok(pkg.optionalDependencies?.bufferutil);
});

test('exports name a built file and its types for every library entry point', () => {
  for (const entry of ENTRIES) {
    const e = pkg.exports[`./${entry}`];
    assert.ok(typeof e === 'object', entry);
    assert.equal(e.default, `./dist/${entry}/index.js`);
    assert.equal(e.types, `./dist/${entry}/index.d.ts`);
  }
  assert.equal(pkg.types, './dist/client/index.d.ts');
});

test('another project imports every entry point, and an egress serves a WebSocket without bufferutil', () => {
  writeFileSync(
    join(project, 'use.mjs'),
    `import { createRequire } from 'node:module';
import { WebSocket } from 'ws';
import * as client from '${pkg.name}/client';
import * as main from '${pkg.name}';
import { createBrokerServer, MemoryStore } from '${pkg.name}/broker';
import { createEgress, DestinationPolicy, generateKeyPair } from '${pkg.name}/egress';
import { VolunteerRelay, nodeRelayEnv } from '${pkg.name}/volunteer';
const require = createRequire(import.meta.url);
let bufferutil = 'absent';
try { createRequire(require.resolve('ws')).resolve('bufferutil'); bufferutil = 'present'; } catch {}
const egress = createEgress({ keys: generateKeyPair(), policy: new DestinationPolicy({}) });
const { port } = await egress.listen(0, '127.0.0.1');
const ws = new WebSocket('ws://127.0.0.1:' + port + '/', 'starling.path.v1');
const opened = await new Promise((resolve) => { ws.once('open', () => resolve(true)); ws.once('error', () => resolve(false)); });
ws.close();
await egress.close();
const broker = createBrokerServer({ egress: ['ws://127.0.0.1:1/'], store: new MemoryStore({}) });
await broker.close();
console.log(JSON.stringify({
  tunnel: typeof client.Tunnel, socks: typeof client.createSocksServer, main: main.Tunnel === client.Tunnel,
  relay: typeof VolunteerRelay, env: typeof nodeRelayEnv, ws: require.resolve('ws'), bufferutil, opened,
}));
`,
  );
  const out = execFileSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8' });
  const got = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.deepEqual(
    { ...got, ws: String(got.ws).startsWith(join(project, 'node_modules', 'ws')) },
    {
      tunnel: 'function',
      socks: 'function',
      main: true,
      relay: 'function',
      env: 'function',
      ws: true,
      bufferutil: 'absent',
      opened: true,
    },
  );
});

test("tsc resolves each entry point's types through exports", () => {
  writeFileSync(
    join(project, 'check.ts'),
    `import type { TunnelOptions } from '${pkg.name}/client';
import { createBrokerServer } from '${pkg.name}/broker';
import { type EgressOptions, generateKeyPair } from '${pkg.name}/egress';
import type { VolunteerOptions } from '${pkg.name}/volunteer';
export const paths: TunnelOptions['paths'] = 2;
export const keys: EgressOptions['keys'] = generateKeyPair();
export const v: VolunteerOptions = { broker: 'https://b.example/', allow: [] };
export const make: typeof createBrokerServer = createBrokerServer;
// @ts-expect-error: a wrong option type is caught, so the types are real, not any
export const wrong: TunnelOptions['paths'] = 'two';
`,
  );
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(
    process.execPath,
    [
      tsc,
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--types',
      'node',
      '--skipLibCheck',
      'check.ts',
    ],
    { cwd: project, encoding: 'utf8' },
  );
});

test("no doc tells anyone to run `npx starling` (outside a clone that is a stranger's package)", () => {
  const docs = ['README.md', ...readdirSync(join(root, 'docs'), { recursive: true }).map((f) => `docs/${f}`)];
  for (const file of docs.filter((f) => f.endsWith('.md'))) {
    for (const line of readFileSync(join(root, file), 'utf8').split('\n')) {
      if (/npx starling/.test(line)) assert.match(line, /[Nn]ever `npx starling`/, `${file}: ${line}`);
    }
  }
});
