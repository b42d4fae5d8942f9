/**
 * Bare node-datachannel peers in lab hosts, for the lab's NAT tests and for benchmarks: one agent process
 * per host (probes/dc-peer.ts, bound to the host's address) holds any number of peer connections, and the
 * test process carries their descriptions between hosts, complete with candidates (no trickle), as the
 * broker does. A pair counts as connected once a message has gone over its data channel and back.
 */
import type { Proc } from '../helpers/network.js';
import type { LabHost } from './lab.js';

export interface PeerConfig {
  iceServers: RTCIceServer[];
  /** `iceTransportPolicy: 'relay'`: TURN relay candidates only. @default false */
  relayOnly?: boolean;
  /**
   * The answerer's DTLS role for an `actpass` offer: `active` is libdatachannel's own answer (the answerer
   * sends the ClientHello), `passive` makes the offerer the DTLS client (docs/lab.md, "An early ClientHello").
   * @default 'active'
   */
  answererDtls?: 'active' | 'passive';
}

/** From the test process to an agent. */
export type AgentRequest =
  | { op: 'offer'; id: string; config: PeerConfig }
  | { op: 'answer'; id: string; config: PeerConfig; sdp: string }
  | { op: 'accept'; id: string; sdp: string }
  /** To the answerer: the offerer has the answer (as the broker tells a volunteer, path-v1 §1.2). */
  | { op: 'answered'; id: string }
  /** Asks for `probed` after touching libjuice's lock (the selected pair), to tell a stuck agent. */
  | { op: 'probe'; id: string }
  | { op: 'close'; id: string };

/** From an agent to the test process. */
export type AgentEvent =
  | { op: 'description'; id: string; sdp: string }
  /** `iceMs`, `openMs`: the offerer's ICE connected and its data channel open, ms after it had the answer. */
  | { op: 'echoed'; id: string; local: string; remote: string; iceMs?: number; openMs?: number }
  | { op: 'probed'; id: string }
  | { op: 'error'; id: string; message: string };

export interface PairResult {
  connected: boolean;
  /** From the answer reaching the offerer to the echo coming back, in ms. */
  ms?: number;
  /** Candidate types of the selected pair (host, srflx, prflx, relay), offerer's side. */
  local?: string;
  remote?: string;
  /** The offerer's ICE connected and its channel open, ms after it had the answer (as its agent timed them). */
  iceMs?: number;
  openMs?: number;
  /** Why not, when not connected. */
  reason?: string;
  /** Hosts whose agent was found deadlocked in node-datachannel (docs/lab.md) when the pair failed. */
  stuck?: string[];
}

const DESCRIPTION_TIMEOUT_MS = 20_000;
/** How long an agent that is not stuck takes at most to answer a probe, even under load. */
const PROBE_TIMEOUT_MS = 3_000;
let pairs = 0;

/** An agent process in a lab host. */
export class PeerAgent {
  private readonly waiting = new Map<string, (event: AgentEvent) => void>();

  private constructor(
    readonly host: LabHost,
    private readonly proc: Proc,
  ) {
    proc.child.on('message', (event: AgentEvent) => {
      this.waiting.get(`${event.op}:${event.id}`)?.(event);
      if (event.op === 'error') this.waiting.get(`echoed:${event.id}`)?.(event);
    });
  }

  static async start(host: LabHost): Promise<PeerAgent> {
    const proc = host.node('test/lab/probes/dc-peer.ts', [host.address], {
      ipc: true,
      name: `dc-peer ${host.name}`,
    });
    await proc.waitFor(/^ready$/);
    return new PeerAgent(host, proc);
  }

  send(request: AgentRequest): void {
    this.proc.child.send(request);
  }

  /** The next event `op` for `id` (an `error` for it too), or undefined after `timeoutMs`. */
  next(op: AgentEvent['op'], id: string, timeoutMs: number): Promise<AgentEvent | undefined> {
    return new Promise((resolve) => {
      const key = `${op}:${id}`;
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const done = (event: AgentEvent | undefined): void => {
        clearTimeout(timer);
        this.waiting.delete(key);
        resolve(event);
      };
      this.waiting.set(key, done);
    });
  }

  /**
   * Whether the agent answers a probe that takes libjuice's lock. One that does not is stuck in
   * node-datachannel, deadlocked (docs/lab.md, "A deadlock in libdatachannel"), with all its peers.
   */
  async responds(id: string): Promise<boolean> {
    const probed = this.next('probed', id, PROBE_TIMEOUT_MS);
    this.send({ op: 'probe', id });
    return (await probed)?.op === 'probed';
  }

  /** Kills the agent (a deadlocked one answers no SIGTERM) and starts a new one in the same host. */
  async restart(): Promise<PeerAgent> {
    await this.proc.stop('SIGKILL');
    return PeerAgent.start(this.host);
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }
}

function description(event: AgentEvent | undefined, who: string): string {
  if (event?.op === 'description') return event.sdp;
  throw new Error(`${who}: ${event?.op === 'error' ? event.message : 'no description in time'}`);
}

/**
 * Connects a peer in `offerer`'s host to one in `answerer`'s, with `config` on both sides; waits up to
 * `timeoutMs` after the offerer has the answer. Both peer connections are closed afterwards.
 */
export async function connectPair(
  offerer: PeerAgent,
  answerer: PeerAgent,
  config: PeerConfig,
  timeoutMs: number,
): Promise<PairResult> {
  pairs += 1;
  const id = `pair-${pairs}`;
  try {
    const offer = offerer.next('description', id, DESCRIPTION_TIMEOUT_MS);
    offerer.send({ op: 'offer', id, config });
    const offerSdp = description(await offer, offerer.host.name);
    const answer = answerer.next('description', id, DESCRIPTION_TIMEOUT_MS);
    answerer.send({ op: 'answer', id, config, sdp: offerSdp });
    const answerSdp = description(await answer, answerer.host.name);
    const echoed = offerer.next('echoed', id, timeoutMs);
    const start = performance.now();
    offerer.send({ op: 'accept', id, sdp: answerSdp });
    answerer.send({ op: 'answered', id });
    const event = await echoed;
    if (event?.op === 'echoed') {
      const { local, remote, iceMs, openMs } = event;
      return { connected: true, ms: performance.now() - start, local, remote, iceMs, openMs };
    }
    if (event?.op === 'error') return { connected: false, reason: event.message };
    const stuck = await Promise.all(
      [offerer, answerer].map(async (agent) => ((await agent.responds(id)) ? [] : [agent.host.name])),
    );
    const hosts = stuck.flat();
    const why = hosts.map((host) => `; ${host}'s agent is stuck in node-datachannel (docs/lab.md)`);
    return {
      connected: false,
      reason: `no echo in ${timeoutMs} ms${why.join('')}`,
      ...(hosts.length === 0 ? {} : { stuck: hosts }),
    };
  } finally {
    offerer.send({ op: 'close', id });
    answerer.send({ op: 'close', id });
  }
}
