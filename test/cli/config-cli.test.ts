/**
 * The real CLI (dist/) reads `--config FILE` and STARLING_* variables, flags win, mistakes exit 2 naming
 * the key; `starling --version` prints package.json's version.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { generateKeyPair } from '../../src/session/noise.js';
import { BIN, Proc, TEST_ENV } from '../helpers/network.js';

let dir: string;
let keyFile: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'starling-config-cli-'));
  keyFile = join(dir, 'key.json');
  await writeKeyFile(keyFile, generateKeyPair());
});
after(() => rmSync(dir, { recursive: true, force: true }));

function start(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...TEST_ENV, ...env },
  });
  return new Proc('cli', child);
}

async function exit(args: string[], env: Record<string, string> = {}) {
  const p = start(args, env);
  const code = await p.exited;
  return { code, output: p.lines.join('\n') };
}

function config(name: string, body: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(body));
  return file;
}

test('starling --version and -V print the version in package.json', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  for (const flag of ['--version', '-V']) {
    const { code, output } = await exit([flag]);
    assert.equal(code, 0);
    assert.equal(output, `starling ${version}`);
  }
});

test('an egress takes its options from --config', async () => {
  const file = config('egress.json', { listen: '127.0.0.1:0', key: keyFile, 'drain-timeout': 0 });
  const p = start(['egress', '--config', file]);
  try {
    await p.waitFor(/listening on ws:\/\/127\.0\.0\.1:\d+\//);
  } finally {
    await p.stop();
  }
});

test('STARLING_* variables override the file, and flags override them', async () => {
  const file = config('bad-listen.json', { listen: 'nowhere', key: keyFile });
  const env = await exit(['egress', '--config', file], { STARLING_LISTEN: 'still-nowhere' });
  assert.equal(env.code, 2);
  assert.match(env.output, /--listen must look like 127\.0\.0\.1:8080, not still-nowhere/);
  const p = start(['egress', '--config', file, '--listen', '127.0.0.1:0'], { STARLING_LISTEN: 'nowhere' });
  try {
    await p.waitFor(/listening on ws:\/\/127\.0\.0\.1:\d+\//);
  } finally {
    await p.stop();
  }
});

test('an unknown config key or a wrong type exits 2 naming the key, with the usage', async () => {
  const unknown = config('unknown.json', { listen: '127.0.0.1:0', key: keyFile, 'max-socket': 9 });
  const a = await exit(['egress', '--config', unknown]);
  assert.equal(a.code, 2);
  assert.match(a.output, /starling egress: --config .*unknown\.json: 'max-socket' is not an option/);
  assert.match(a.output, /Usage: starling egress/);
  const wrong = config('wrong.json', { listen: '127.0.0.1:0', key: keyFile, 'max-sockets': '9' });
  const b = await exit(['egress', '--config', wrong]);
  assert.equal(b.code, 2);
  assert.match(b.output, /'max-sockets' in .*wrong\.json must be a whole number from 1 to 1000000, not "9"/);
});

test('a required option from the environment is enough', async () => {
  const p = start(['egress', '--listen', '127.0.0.1:0'], { STARLING_KEY: keyFile });
  try {
    await p.waitFor(/listening on ws:\/\//);
  } finally {
    await p.stop();
  }
});
