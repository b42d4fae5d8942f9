/**
 * Starling itself across the lab's NATs (issue 10): the real broker, egress, volunteers and clients as
 * processes in lab hosts, with coturn. Client {public, cone, symmetric} x volunteer {public, cone,
 * symmetric}: with STUN only every pair the lab's reachability table allows connects and a file arrives
 * intact, and the others are told why at once; with TURN every pair connects; with a mixed pool each client
 * is matched to a volunteer that can reach it on the first try. One lab serves every case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newPairingCode } from '../../src/signaling/pairing.js';
import type { Proc } from '../helpers/network.js';
import { skipLabTests } from './available.js';
import { Lab, type LabHost } from './lab.js';
import { NAT_KINDS, type NatKind } from './nat.js';
import { type LabServers, startLabServers } from './servers.js';

const skip = await skipLabTests();

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
  let servers: LabServers;
  const clients = new Map<NatKind, LabHost>();
  const volunteerHosts = new Map<NatKind, LabHost>();
  /** Pairing codes of the paired volunteers, by broker and NAT kind. */
  const codes = new Map<string, string>();

  const startVolunteer = async (nat: NatKind, broker: 'stun' | 'turn', code?: string): Promise<Proc> => {
    const host = volunteerHosts.get(nat)!;
    const proc = servers.starling(host, `volunteer-${nat}-${broker}${code ? '-paired' : ''}`, [
      'volunteer',
      '--broker',
      servers.brokers[broker],
      '--allow-egress',
      servers.egressUrl,
      '--ice-address',
      host.address,
      ...(code === undefined ? [] : ['--pairing', code]),
    ]);
    await proc.waitFor(/waiting/, 30_000);
    // It tells its user the class it polls with, and the class is its NAT's (signaling-v1 §7).
    const seen = (await proc.waitFor(/network: NAT (\w+)/, 1000))[1];
    assert.equal(seen, NAT_CLASS[nat], `volunteer behind ${nat} polls as ${seen}`);
    return proc;
  };

  before(async () => {
    lab = await Lab.create();
    servers = await startLabServers(lab, { fileBytes: FILE_BYTES });
    for (const nat of NAT_KINDS) {
      clients.set(nat, await lab.addHost(`c${nat}`, { nat }));
      volunteerHosts.set(nat, await lab.addHost(`v${nat}`, { nat }));
    }
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
    const proc = servers.starling(host, `client-${nat}-${broker}`, [
      'client',
      '--broker',
      servers.brokers[broker],
      '--egress-key',
      servers.egressKey,
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
          ['get', String(socks), servers.target.address, String(servers.target.port)],
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
          assert.equal(r.sha256, servers.digest, `${c}-${v}: the file intact`);
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
      assert.equal(r.sha256, servers.digest, `${pair}: the file intact`);
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
      assert.equal(r.sha256, servers.digest);
    }
  });
});
