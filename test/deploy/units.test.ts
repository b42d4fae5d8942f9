/**
 * docs/deploy.md's systemd units and config files: `systemd-analyze verify` accepts every unit, each carries
 * the hardening the doc promises, and every config file (and the flags on ExecStart=) parses with its
 * command's option table, so a renamed option cannot leave the doc behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { commands } from '../../src/cli/main.js';
import { parse } from '../../src/cli/options.js';
import { EGRESS_SESSION_DEFAULTS } from '../../src/shared/limits.js';

const root = new URL('../..', import.meta.url).pathname;
const doc = readFileSync(join(root, 'docs/deploy.md'), 'utf8');
const blocks = [...doc.matchAll(/```(ini|json) (\S+)\n([\s\S]*?)```/g)].map((m) => ({
  lang: m[1]!,
  name: m[2]!,
  text: m[3]!,
}));
const units = blocks.filter((b) => b.lang === 'ini');
const configs = blocks.filter((b) => b.lang === 'json');
const ROLES = ['egress', 'broker', 'volunteer'];

const dir = mkdtempSync(join(tmpdir(), 'starling-units-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `[Service]` key -> values (a key may repeat). */
function serviceSection(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let section = '';
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) section = header[1]!;
    const kv = /^(\w+)=(.*)$/.exec(line);
    if (kv && section === 'Service') out.set(kv[1]!, [...(out.get(kv[1]!) ?? []), kv[2]!]);
  }
  return out;
}

test('the doc has a unit and a config file for each of egress, broker and volunteer', () => {
  assert.deepEqual(
    units.map((u) => u.name),
    ROLES.map((r) => `starling-${r}.service`),
  );
  assert.deepEqual(
    configs.map((c) => c.name),
    ROLES.map((r) => `${r}.json`),
  );
});

const HARDENING: Record<string, string> = {
  DynamicUser: 'yes',
  NoNewPrivileges: 'yes',
  CapabilityBoundingSet: '',
  AmbientCapabilities: '',
  ProtectSystem: 'strict',
  ProtectHome: 'yes',
  PrivateTmp: 'yes',
  PrivateDevices: 'yes',
  ProtectKernelTunables: 'yes',
  ProtectKernelModules: 'yes',
  ProtectControlGroups: 'yes',
  RestrictNamespaces: 'yes',
  RestrictSUIDSGID: 'yes',
  LockPersonality: 'yes',
  SystemCallArchitectures: 'native',
  SystemCallErrorNumber: 'EPERM',
};

test('every unit is hardened as the doc says, and leaves out MemoryDenyWriteExecute (V8 JIT)', () => {
  for (const unit of units) {
    const s = serviceSection(unit.text);
    for (const [key, value] of Object.entries(HARDENING))
      assert.deepEqual(s.get(key), [value], `${unit.name} ${key}`);
    assert.ok(s.get('SystemCallFilter')?.includes('@system-service'), unit.name);
    assert.equal(s.get('MemoryDenyWriteExecute'), undefined, unit.name);
    const families = s.get('RestrictAddressFamilies')?.[0]?.split(' ') ?? [];
    assert.ok(families.includes('AF_INET') && families.includes('AF_INET6'), unit.name);
    assert.equal(families.includes('AF_NETLINK'), unit.name === 'starling-volunteer.service', unit.name);
  }
});

test("the egress's stop timeout is longer than its drain timeout", () => {
  const egress = units.find((u) => u.name === 'starling-egress.service')!;
  const stop = Number(/^(\d+)s$/.exec(serviceSection(egress.text).get('TimeoutStopSec')?.[0] ?? '')?.[1]);
  const config = JSON.parse(configs.find((c) => c.name === 'egress.json')!.text) as {
    'drain-timeout'?: number;
  };
  const drainMs = config['drain-timeout'] ?? EGRESS_SESSION_DEFAULTS.drainTimeoutMs;
  assert.ok(stop * 1000 >= drainMs + 5000, `TimeoutStopSec=${stop}s, drain ${drainMs} ms`);
});

test('every config file and every ExecStart= command line parses with its command', () => {
  for (const role of ROLES) {
    const cmd = commands.find((c) => c.name === role)!;
    const file = join(dir, `${role}.json`);
    writeFileSync(file, configs.find((c) => c.name === `${role}.json`)!.text);
    const exec = serviceSection(units.find((u) => u.name === `starling-${role}.service`)!.text).get(
      'ExecStart',
    )![0]!;
    const [node, bin, name, ...args] = exec.split(' ');
    assert.equal(node, '/usr/bin/node');
    assert.equal(bin, '/opt/starling/bin/starling.js');
    assert.equal(name, role);
    const argv = args.map((a) =>
      a === `/etc/starling/${role}.json` ? file : a.replace('%d', '/run/credentials'),
    );
    const values = parse(cmd, argv, {});
    assert.notEqual(values, 'help');
    assert.equal((values as Record<string, unknown>)['log-format'], 'json', role);
  }
});

test('systemd-analyze verify accepts every unit', () => {
  const paths: string[] = [];
  for (const unit of units) {
    // Point ExecStart= at this machine's node and this checkout, which verify checks exist.
    const text = unit.text
      .replace('/usr/bin/node', process.execPath)
      .replace('/opt/starling/bin/starling.js', join(root, 'bin/starling.js'))
      .replace(/^LoadCredential=(\S+?):.*$/m, `LoadCredential=$1:${join(root, 'package.json')}`);
    const path = join(dir, unit.name);
    writeFileSync(path, text);
    paths.push(path);
  }
  const res = spawnSync('systemd-analyze', ['verify', ...paths], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.equal(res.stderr.trim(), '', res.stderr);
});
