/**
 * `node --import tsx bench/dtls-early.ts [PAIRS] [DELAY_MS] [TOPOLOGIES]` (root, Linux: the network lab,
 * docs/lab.md): how often a path's DTLS handshake waits for the ClientHello's resend 1 s later
 * (docs/lab.md, "An early ClientHello"), by who is the DTLS client. Bare node-datachannel peers in lab hosts
 * (test/lab/dc-peers.ts), the answerer holding its checks as a volunteer does (path-v1 §1.2), every wire
 * DELAY_MS (default 20) one way; per topology (client NAT - volunteer NAT, `+relay` for relay-only),
 * PAIRS (default 10) pairs answered `active` and as many `passive`, interleaved, one pair at a time.
 * TOPOLOGIES: comma-separated, default `none-none,cone-cone,none-cone,cone-none,symmetric-cone+relay`.
 * Prints, per topology and role: median / p90 of answer-to-echo, of ICE connected to channel open
 * (the offerer's), and how many opens took more than 800 ms from ICE connected. Not in `npm run bench`.
 */
import { startTurn, turnCredentials } from '../test/lab/coturn.js';
import { connectPair, type PairResult, PeerAgent, type PeerConfig } from '../test/lab/dc-peers.js';
import { Lab } from '../test/lab/lab.js';
import type { NatKind } from '../test/lab/nat.js';

const pairs = Number(process.argv[2] ?? 10);
const delayMs = Number(process.argv[3] ?? 20);
const topologies = (process.argv[4] ?? 'none-none,cone-cone,none-cone,cone-none,symmetric-cone+relay').split(
  ',',
);
const ROLES = ['active', 'passive'] as const;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const lab = await Lab.create();
try {
  const turn = await startTurn(lab);
  const agents = new Map<string, PeerAgent>();
  const agent = async (side: 'c' | 'v', nat: NatKind): Promise<PeerAgent> => {
    const name = `${side}${nat}`;
    let found = agents.get(name);
    if (found === undefined) {
      found = await PeerAgent.start(await lab.addHost(name, { nat, wire: { delayMs } }));
      agents.set(name, found);
    }
    return found;
  };
  for (const topology of topologies) {
    const relayOnly = topology.endsWith('+relay');
    const [c, v] = topology.replace('+relay', '').split('-') as [NatKind, NatKind];
    const [client, volunteer] = [await agent('c', c), await agent('v', v)];
    const results = new Map<string, PairResult[]>(ROLES.map((role) => [role, []]));
    for (let i = 0; i < pairs; i++) {
      for (const role of ROLES) {
        const config: PeerConfig = {
          iceServers: relayOnly
            ? turn.iceServers({ turn: turnCredentials(turn.secret, { ttlSeconds: 600 }), stun: false })
            : turn.iceServers(),
          relayOnly,
          answererDtls: role,
        };
        results.get(role)!.push(await connectPair(client, volunteer, config, 10_000));
      }
    }
    for (const role of ROLES) {
      const rs = results.get(role)!;
      const ok = rs.filter((r) => r.connected);
      const total = ok.map((r) => r.ms!);
      const dtls = ok
        .filter((r) => r.iceMs !== undefined && r.openMs !== undefined)
        .map((r) => r.openMs! - r.iceMs!);
      const slow = dtls.filter((ms) => ms > 800).length;
      const f = (ms: number) => ms.toFixed(0);
      console.log(
        `${topology} answer ${role}: ${ok.length}/${rs.length} connected; answer->echo ${f(quantile(total, 0.5))} / ${f(quantile(total, 0.9))} ms; ` +
          `ice->open ${f(quantile(dtls, 0.5))} / ${f(quantile(dtls, 0.9))} ms; > 800 ms: ${slow}/${dtls.length}` +
          (ok.length < rs.length
            ? `; failed: ${rs
                .filter((r) => !r.connected)
                .map((r) => r.reason)
                .join('; ')}`
            : ''),
      );
    }
  }
} finally {
  await lab.close();
}
