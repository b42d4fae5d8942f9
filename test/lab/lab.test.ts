/**
 * The lab's topology and teardown: hosts get the planned addresses and reach the internet's servers, bad
 * options are refused, and closing the lab, or ending the process that made it in any way, leaves no
 * namespace, device or process behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { watchChild } from '../helpers/child.js';
import { skipLabTests } from './available.js';
import { Lab } from './lab.js';
import { NETNS_DIR } from './netns.js';

const skip = await skipLabTests();

/** Whether `pid` runs (a zombie, killed but not yet reaped, does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** What is left of a lab: its namespaces still there, its processes still running. */
function leftovers(namespaces: string[], pids: number[]): string[] {
  return [
    ...namespaces.filter((n) => existsSync(`${NETNS_DIR}/${n}`)),
    ...pids.filter(alive).map((p) => `pid ${p}`),
  ];
}

interface Held {
  namespaces: string[];
  pids: number[];
  end: (how: 'stdin' | NodeJS.Signals) => Promise<void>;
}

/** fixtures/hold-lab.ts in a process of its own, with what its lab is made of. */
async function holdLab(): Promise<Held> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/lab/fixtures/hold-lab.ts'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const watched = watchChild(child);
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve();
    });
    void watched.exited.then(() => reject(new Error('hold-lab exited early')));
  });
  const { namespaces, pids } = JSON.parse(out) as { namespaces: string[]; pids: number[] };
  return {
    namespaces,
    pids,
    end: async (how) => {
      if (how === 'stdin') child.stdin.end();
      else child.kill(how);
      await watched.exited;
    },
  };
}

describe('lab topology', { skip }, () => {
  let lab: Lab;
  after(() => lab?.close());

  test('public and NATed hosts get the planned addresses and reach a server in the internet', async () => {
    lab = await Lab.create();
    const pub = await lab.addHost('pub');
    const natted = await lab.addHost('natted', { nat: 'symmetric', wire: { delayMs: 1 } });
    assert.equal(pub.address, '198.18.1.1');
    assert.equal(pub.publicAddress, pub.address);
    assert.equal(pub.router, undefined);
    assert.equal(natted.address, '198.19.2.2');
    assert.equal(natted.publicAddress, '198.18.1.2');
    assert.ok(natted.router);
    const echo = lab.internet.node('test/lab/probes/udp.ts', ['echo', '7000']);
    await echo.waitFor(/listening/);
    for (const host of [pub, natted]) {
      const out = await host.execNode('test/lab/probes/udp.ts', [
        'rtt',
        lab.internet.address,
        '7000',
        '5',
        '10',
      ]);
      assert.equal((JSON.parse(out) as { lost: number }).lost, 0, `${host.name} reached the server`);
    }
    const routes = await natted.exec(['ip', 'route']);
    assert.match(routes, /default via 198\.19\.2\.1 dev lan/);
  });

  test('bad names and options are refused', async () => {
    await assert.rejects(lab.addHost('Bad Name'), RangeError);
    await assert.rejects(lab.addHost('pub'), /already a host pub/);
    await assert.rejects(lab.addHost('lossy', { wire: { loss: 1 } }), /loss must be in \[0, 1\)/);
    await assert.rejects(lab.addHost('slow', { wire: { rateBitsPerSecond: 0 } }), /must be > 0/);
    await assert.rejects(lab.addHost('late', { wire: { delayMs: -1 } }), /delayMs must be >= 0/);
  });
});

/** Waits (a SIGKILL takes a moment) until nothing of the lab is left, then says what is. */
async function assertNothingLeft(namespaces: string[], pids: number[]): Promise<void> {
  await until('nothing of the lab is left', () => leftovers(namespaces, pids).length === 0).catch(
    () => undefined,
  );
  assert.deepEqual(leftovers(namespaces, pids), []);
}

describe('lab teardown', { skip }, () => {
  test('close() stops every process, the delay elements and what they started, and deletes the namespaces', async () => {
    const held = await holdLab();
    assert.equal(held.namespaces.length, 4, 'internet, void, router, host');
    assert.equal(held.pids.length, 3, 'a delay element, a host process and its child');
    assert.equal(leftovers(held.namespaces, held.pids).length, 7);
    await held.end('stdin');
    await assertNothingLeft(held.namespaces, held.pids);
  });

  test('SIGTERM (as the test runner sends on a timeout) leaves nothing behind', async () => {
    const held = await holdLab();
    await held.end('SIGTERM');
    await assertNothingLeft(held.namespaces, held.pids);
  });

  test('after a SIGKILL its own processes die with it, and the next lab on the machine sweeps the rest', async () => {
    const held = await holdLab();
    const grandchild = held.pids.at(-1)!;
    const children = held.pids.slice(0, -1);
    await held.end('SIGKILL');
    await until('the delay element and the host process of a SIGKILLed lab end', () => !children.some(alive));
    assert.deepEqual(leftovers(held.namespaces, [grandchild]), [...held.namespaces, `pid ${grandchild}`]);
    const next = await Lab.create();
    await next.close();
    await assertNothingLeft(held.namespaces, held.pids);
  });
});
