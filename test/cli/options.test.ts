/**
 * The option table's parser: defaults < --config FILE < STARLING_* < flags, and every mistake in any of them
 * a UsageError naming the flag, variable or key.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UsageError } from '../../src/cli/errors.js';
import { commands } from '../../src/cli/main.js';
import { type Command, envName, helpText, parse, type Values } from '../../src/cli/options.js';

const dir = mkdtempSync(join(tmpdir(), 'starling-options-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cmd: Command = {
  name: 'probe',
  summary: 'A command to parse with.',
  options: [
    { name: 'listen', type: 'string', arg: 'ADDR', default: '127.0.0.1:1', help: 'where' },
    { name: 'max-clients', type: 'integer', default: 8, min: 1, max: 64, unit: 'clients', help: 'how many' },
    { name: 'allow-egress', type: 'list', arg: 'URL', help: 'which' },
    { name: 'allow-private', type: 'boolean', help: 'whether' },
    { name: 'key', type: 'string', arg: 'KEY', help: 'a key' },
  ],
  run: async () => 0,
};

let n = 0;
function config(body: unknown): string {
  const file = join(dir, `config-${n++}.json`);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

function values(argv: string[], env: Record<string, string> = {}): Values {
  const v = parse(cmd, argv, env);
  assert.notEqual(v, 'help');
  return v as Values;
}

function usageError(argv: string[], env: Record<string, string>, pattern: RegExp): void {
  assert.throws(
    () => parse(cmd, argv, env),
    (e: unknown) => e instanceof UsageError && pattern.test(e.message),
  );
}

test('without any source every option has its default, and the rest are undefined', () => {
  assert.deepEqual(values([]), { listen: '127.0.0.1:1', 'max-clients': 8 });
});

test('the config file sets options; the environment overrides it; flags override both', () => {
  const file = config({
    listen: 'file:1',
    'max-clients': 3,
    'allow-egress': ['ws://f/'],
    'allow-private': true,
  });
  assert.deepEqual(values(['--config', file]), {
    listen: 'file:1',
    'max-clients': 3,
    'allow-egress': ['ws://f/'],
    'allow-private': true,
  });
  const env = { STARLING_LISTEN: 'env:1', STARLING_MAX_CLIENTS: '4', STARLING_ALLOW_PRIVATE: 'false' };
  const fromEnv = values(['--config', file], env);
  assert.equal(fromEnv.listen, 'env:1');
  assert.equal(fromEnv['max-clients'], 4);
  assert.equal(fromEnv['allow-private'], false);
  assert.deepEqual(fromEnv['allow-egress'], ['ws://f/']);
  const fromFlags = values(['--config', file, '--listen', 'flag:1', '--allow-egress', 'ws://a/'], env);
  assert.equal(fromFlags.listen, 'flag:1');
  assert.deepEqual(fromFlags['allow-egress'], ['ws://a/'], 'a flag replaces the list, not adds to it');
});

test('STARLING_CONFIG names the file; lists in the environment are comma-separated', () => {
  const file = config({ listen: 'file:2' });
  const v = values([], { STARLING_CONFIG: file, STARLING_ALLOW_EGRESS: 'ws://a/, ws://b/' });
  assert.equal(v.listen, 'file:2');
  assert.deepEqual(v['allow-egress'], ['ws://a/', 'ws://b/']);
});

test('a config key that is no option of the command is a usage error naming it', () => {
  usageError(['--config', config({ listen: 'x:1', 'max-client': 3 })], {}, /'max-client' is not an option/);
});

test('a config value of the wrong type is a usage error naming the key', () => {
  usageError(['--config', config({ 'max-clients': '3' })], {}, /'max-clients' in .* must be a whole number/);
  usageError(['--config', config({ 'max-clients': 3.5 })], {}, /'max-clients' in .* must be a whole number/);
  usageError(['--config', config({ listen: 8080 })], {}, /'listen' in .* must be a string, not 8080/);
  usageError(['--config', config({ 'allow-private': 'yes' })], {}, /'allow-private' in .* true or false/);
  usageError(['--config', config({ 'allow-egress': [1] })], {}, /'allow-egress' in .* array of strings/);
  usageError(['--config', config({ 'max-clients': 65 })], {}, /'max-clients' .* from 1 to 64, not 65/);
});

test('a config file that is not a JSON object, or cannot be read, is a usage error', () => {
  usageError(['--config', config('{"listen":')], {}, /--config .*config-\d+\.json: /);
  usageError(['--config', config([1, 2])], {}, /expected a JSON object/);
  usageError(['--config', join(dir, 'absent.json')], {}, /--config .*absent\.json: .*ENOENT/);
});

test('a bad environment value is a usage error naming the variable', () => {
  usageError([], { STARLING_MAX_CLIENTS: 'lots' }, /STARLING_MAX_CLIENTS must be a whole number/);
  usageError([], { STARLING_ALLOW_PRIVATE: 'maybe' }, /STARLING_ALLOW_PRIVATE must be true or false/);
});

test('a bad flag value is a usage error naming the flag', () => {
  usageError(['--max-clients', '0'], {}, /--max-clients must be a whole number from 1 to 64, not 0/);
  usageError(['--nope'], {}, /Unknown option '--nope'/);
});

test('a required option may come from any source, and is named when it comes from none', () => {
  const strict: Command = { ...cmd, options: [{ name: 'key', type: 'string', required: true, help: 'k' }] };
  assert.throws(() => parse(strict, [], {}), /--key is required/);
  assert.deepEqual(parse(strict, [], { STARLING_KEY: 'k' }), { key: 'k' });
});

test('a value starting with a dash (a base64url key) is taken as the value', () => {
  assert.equal(values(['--key', '-Abc']).key, '-Abc');
});

test('every option of every command has a help text, a distinct name and an env name', () => {
  for (const c of commands) {
    const names = c.options.map((o) => o.name);
    assert.equal(new Set(names).size, names.length, `${c.name} has a duplicate option`);
    assert.ok(!names.includes('config') && !names.includes('help'), `${c.name} redefines --config/--help`);
    for (const o of c.options) {
      assert.ok(o.help.length > 0, `${c.name} --${o.name}`);
      assert.match(envName(o), /^STARLING_[A-Z0-9_]+$/);
      assert.ok(helpText(c).includes(`--${o.name}`), `${c.name} --help lists --${o.name}`);
      if (o.default !== undefined) parse({ ...c, options: [o] }, [], {}); // a default passes its own checks
    }
  }
});
