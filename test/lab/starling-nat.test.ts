/**
 * Starling itself across the lab's NATs (issue 10): the real broker, egress, volunteers and clients as
 * processes in lab hosts, with coturn. Client {public, cone, symmetric} x volunteer {public, cone,
 * symmetric}: with STUN only every pair the lab's reachability table allows connects and a file arrives
 * intact, and the others are told why at once; with TURN every pair connects; with a mixed pool each client
 * is matched to a volunteer that can reach it on the first try. One lab serves every case.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { encodeKey, generateKeyPair } from '../../src/session/noise.js';
import { newPairingCode } from '../../src/signaling/pairing.js';
import { BIN, type Proc, TEST_ENV } from '../helpers/network.js';
import { skipLabTests } from './available.js';
import { startTurn, type TurnServer } from './coturn.js';
import { Lab, type LabHost, SERVER_ADDRESSES } from './lab.js';
import { NAT_KINDS, type NatKind } from './nat.js';

const skip = await skipLabTests();

const EGRESS_ADDRESS = SERVER_ADDRESSES[2]!;
const BROKER_ADDRESS = SERVER_ADDRESSES[3]!;
const TARGET_ADDRESS = SERVER_ADDRESSES[4]!;
const TARGET_PORT = 7000;
const FILE_BYTES = 256 * 1024;

/** The lab's measured reachability (docs/lab.md) with STUN only: a symmetric NAT faces only public peers. */
function connectsDirectly(client: NatKind, volunteer: NatKind): boolean {
  return client === 'none' || volunteer === 'none' || (client === 'cone' && volunteer === 'cone');
}

/** signaling-v1 `nat` of a lab NAT kind. */
const NAT_CLASS: Record<NatKind, string> = { none: 'public', cone: 'cone', symmetric: 'symmetric' };

interface Outcome {
  connected: boolean;
  /** Attempts that failed before the path came up (or the first failure's reason). */
  failedBefore: number;
  reason?: string;
  nat?: string;
  bytes?: number;
  sha256?: string;
  ttfbMs?: number;
}

describe('Starling across NATs, with coturn (issue 10)', { skip }, () => {
  let lab: Lab;
  let turn: TurnServer;
  let dir: string;
  let digest: string;
  const keys = generateKeyPair();
  const clients = new Map<NatKind, LabHost>();
  const volunteerHosts = new Map<NatKind, LabHost>();
  const brokers: Record<'stun' | 'turn', string> = { stun: '', turn: '' };
  /** Pairing codes of the paired volunteers, by broker and NAT kind. */
  const codes = new Map<string, string>();
  const running: Proc[] = [];

  const starling = (host: LabHost | Lab['internet'], name: string, args: string[]): Proc => {
    const proc = host.spawn([process.execPath, BIN, ...args], { name, env: TEST_ENV });
    running.push(proc);
    return proc;
  };

  const startVolunteer = async (nat: NatKind, broker: 'stun' | 'turn', code?: string): Promise<Proc> => {
    const host = volunteerHosts.get(nat)!;
    const proc = starling(host, `volunteer-${nat}-${broker}${code ? '-paired' : ''}`, [
      'volunteer',
      '--broker',
      brokers[broker],
      '--allow-egress',
      `ws://${EGRESS_ADDRESS}:8701/`,
      '--ice-address',
      host.address,
      ...(code === undefined ? [] : ['--pairing', code]),
    ]);
    await proc.waitFor(/waiting/, 30_000);
    return proc;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'starling-lab-nat-'));
    lab = await Lab.create();
    lab.atClose(() => rmSync(dir, { recursive: true, force: true }));
    turn = await startTurn(lab);
    for (const nat of NAT_KINDS) {
      clients.set(nat, await lab.addHost(`c${nat}`, { nat }));
      volunteerHosts.set(nat, await lab.addHost(`v${nat}`, { nat }));
    }
    const keyFile = join(dir, 'egress-key.json');
    await writeKeyFile(keyFile, keys);
    const secretFile = join(dir, 'turn-secret');
    writeFileSync(secretFile, turn.secret);
    const target = lab.internet.node('test/lab/probes/file.ts', [
      'serve',
      TARGET_ADDRESS,
      String(TARGET_PORT),
      String(FILE_BYTES),
    ]);
    digest = (await lab.internet.execNode('test/lab/probes/file.ts', ['digest', String(FILE_BYTES)])).trim();
    const egress = starling(lab.internet, 'egress', [
      'egress',
      '--listen',
      `${EGRESS_ADDRESS}:8701`,
      '--key',
      keyFile,
      '--allow-private',
    ]);
    const stun = turn.stunUrls.flatMap((u) => ['--stun', u]);
    const common = ['broker', '--egress', `ws://${EGRESS_ADDRESS}:8701/`, ...stun];
    const stunBroker = starling(lab.internet, 'broker-stun', [
      ...common,
      '--listen',
      `${BROKER_ADDRESS}:8700`,
    ]);
    const turnBroker = starling(lab.internet, 'broker-turn', [
      ...common,
      '--listen',
      `${BROKER_ADDRESS}:8702`,
      '--turn',
      `turn:${turn.addresses[0]}:${turn.port}?transport=udp`,
      '--turn-secret',
      secretFile,
    ]);
    await Promise.all([
      target.waitFor(/serving/),
      egress.waitFor(/listening on/),
      stunBroker.waitFor(/listening on/),
      turnBroker.waitFor(/listening on/),
    ]);
    brokers.stun = `http://${BROKER_ADDRESS}:8700/`;
    brokers.turn = `http://${BROKER_ADDRESS}:8702/`;
    const starts: Promise<Proc>[] = [];
    for (const broker of ['stun', 'turn'] as const) {
      for (const nat of NAT_KINDS) {
        const code = newPairingCode();
        codes.set(`${broker}-${nat}`, code);
        starts.push(startVolunteer(nat, broker, code));
      }
    }
    await Promise.all(starts);
  });
  after(async () => {
    await lab?.close();
  });

  /** A client behind `nat` (paired with `code`, or the public pool) gets a path, then the file through it. */
  async function runClient(nat: NatKind, broker: 'stun' | 'turn', code?: string): Promise<Outcome> {
    const host = clients.get(nat)!;
    const proc = starling(host, `client-${nat}-${broker}`, [
      'client',
      '--broker',
      brokers[broker],
      '--egress-key',
      encodeKey(keys.publicKey),
      '--socks',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
      '--paths',
      '1',
      '--ice-address',
      host.address,
      ...(code === undefined ? [] : ['--pairing', code, '--paired-only']),
    ]);
    try {
      const socks = Number((await proc.waitFor(/SOCKS5 proxy on [\d.]+:(\d+)/, 30_000))[1]);
      const first = await Promise.race([
        proc.waitFor(/path \d+ up through volunteer/, 40_000).then(() => undefined),
        proc.waitFor(/path attempt failed: (.*?); retrying/, 40_000).then((m) => m[1]!),
      ]);
      const natLine = proc.lines.find((l) => l.includes('network: NAT'));
      const natSeen = /network: NAT (\w+)/.exec(natLine ?? '')?.[1];
      const failedBefore = (): number => {
        const up = proc.lines.findIndex((l) => /path \d+ up through/.test(l));
        return proc.lines.slice(0, up < 0 ? undefined : up).filter((l) => /path attempt failed/.test(l))
          .length;
      };
      if (first !== undefined) {
        // Not connected on the first try: give the retries (through the relay, say) their chance.
        const up = await proc.waitFor(/path \d+ up through volunteer/, 20_000).catch(() => undefined);
        if (up === undefined) {
          // The reason the user is left with, after the retries.
          const reasons = proc.lines.map((l) => /path attempt failed: (.*?); retrying/.exec(l)?.[1]);
          const reason = reasons.filter((r) => r !== undefined).at(-1) ?? first;
          return { connected: false, failedBefore: failedBefore(), reason, nat: natSeen };
        }
      }
      const got = JSON.parse(
        await host.execNode(
          'test/lab/probes/file.ts',
          ['get', String(socks), TARGET_ADDRESS, String(TARGET_PORT)],
          { timeoutMs: 30_000 },
        ),
      ) as { bytes: number; sha256: string; ttfbMs: number };
      return { connected: true, failedBefore: failedBefore(), nat: natSeen, ...got };
    } finally {
      await proc.stop();
    }
  }

  async function matrix(broker: 'stun' | 'turn'): Promise<Map<string, Outcome>> {
    const results = new Map<string, Outcome>();
    // Three rounds of three clients at once, one per client host, each round a different volunteer for each
    // (a Latin square): no two clients contend for one paired volunteer, which would leave one of them
    // hearing "no paired volunteer is waiting" instead of why the NATs do not meet.
    for (let round = 0; round < NAT_KINDS.length; round++) {
      await Promise.all(
        NAT_KINDS.map(async (c, i) => {
          const v = NAT_KINDS[(i + round) % NAT_KINDS.length]!;
          results.set(`${c}-${v}`, await runClient(c, broker, codes.get(`${broker}-${v}`)));
        }),
      );
    }
    return results;
  }

  const show = (results: Map<string, Outcome>): string =>
    [...results]
      .map(([pair, r]) =>
        r.connected ? `${pair}: ok (${r.failedBefore} failed first)` : `${pair}: no (${r.reason})`,
      )
      .join('; ');

  test('STUN only: every pair the NATs allow connects and carries the file intact; the others hear why', async (t) => {
    const results = await matrix('stun');
    t.diagnostic(show(results));
    for (const c of NAT_KINDS) {
      for (const v of NAT_KINDS) {
        const r = results.get(`${c}-${v}`)!;
        assert.equal(r.nat, NAT_CLASS[c], `client ${c} detects its NAT: ${show(results)}`);
        assert.equal(r.connected, connectsDirectly(c, v), `client ${c}, volunteer ${v}: ${show(results)}`);
        if (r.connected) {
          assert.equal(r.bytes, FILE_BYTES, `${c}-${v}: the whole file`);
          assert.equal(r.sha256, digest, `${c}-${v}: the file intact`);
        } else {
          assert.match(
            r.reason ?? '',
            new RegExp(
              `no volunteer reachable from your network \\(${NAT_CLASS[c]} NAT\\) is free; TURN not configured`,
            ),
          );
        }
      }
    }
  });

  test('with TURN from the broker, every pair connects and carries the file intact', async (t) => {
    const results = await matrix('turn');
    t.diagnostic(show(results));
    for (const [pair, r] of results) {
      assert.ok(r.connected, `${pair}: ${show(results)}`);
      assert.equal(r.sha256, digest, `${pair}: the file intact`);
    }
  });

  test('a mixed pool: each client is matched to a volunteer that can reach it, on the first try', async (t) => {
    await Promise.all(NAT_KINDS.map((nat) => startVolunteer(nat, 'stun')));
    const results = new Map<string, Outcome>();
    await Promise.all(NAT_KINDS.map(async (c) => results.set(c, await runClient(c, 'stun'))));
    t.diagnostic(show(results));
    for (const [c, r] of results) {
      assert.ok(r.connected, `client ${c}: ${show(results)}`);
      assert.equal(r.failedBefore, 0, `client ${c} on the first try: ${show(results)}`);
      assert.equal(r.sha256, digest);
    }
  });
});
