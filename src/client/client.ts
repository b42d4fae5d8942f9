/**
 * The client as a library (docs/client-library.md): `createClient({ broker, egressKey })` keeps a tunnel
 * through volunteers to one egress and opens streams through it. `starling client` is this plus the SOCKS5
 * and HTTP front ends, the status line and `--status`.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { decodeKey } from '../session/noise.js';
import type { Session } from '../session/session.js';
import { frontFetch, parseFront } from '../shared/ca-fetch.js';
import { IceSource } from '../shared/ice-source.js';
import {
  BROKER_CLIENT_DEFAULTS,
  CLIENT_DEFAULTS,
  CLIENT_STATUS_DEFAULTS,
  type ClientOptionsLimits,
  type ClientStatusLimits,
  resolveLimits,
  type SessionOptions,
} from '../shared/limits.js';
import { detectNatNode } from '../shared/nat-detect-node.js';
import { closeNodeWebRtc, nodeRtcPeerConnectionClass } from '../shared/webrtc-node.js';
import { BrokerClient, parseBrokerKey } from '../signaling/client.js';
import type { NatClass } from '../signaling/fields.js';
import type { Rendezvous } from '../signaling/rendezvous.js';
import { httpRendezvous, type RendezvousMethodName } from '../signaling/rendezvous-http.js';
import type { Dialer } from './dialer.js';
import type { DirectPathOptions } from './direct-target.js';
import type { ClientPairing } from './paired-offer.js';
import { fileRendezvousMemory } from './rendezvous-state.js';
import { type ClientStatus, type Problem, StatusTracker } from './status.js';
import { Tunnel } from './tunnel.js';
import { tunnelRendezvous } from './tunnel-rendezvous.js';

export interface ClientOptions extends Partial<ClientOptionsLimits>, Partial<ClientStatusLimits> {
  /** The broker's URL (http: or https:), e.g. `https://broker.example.org/`. */
  broker: string;
  /** The egress's static public key: base64url as `starling keygen` prints it, or its 32 bytes. Pinned. */
  egressKey: string | Uint8Array;
  /** The egress (ws: or wss: URL) to ask the broker for. @default the broker's first */
  egress?: string;
  /**
   * A private bridge (signaling-v1 §8): use the volunteers paired with this tag first (`only`: never the
   * public pool). The tag is `pairingTag(code)` (src/signaling/pairing.ts) of a `starling pair` code. @default the public pool
   */
  pairing?: ClientPairing;
  /**
   * Host candidates the offers may carry: 'all', or besides loopback only these addresses.
   * @default [iceAddress] when given, else []: no LAN or global address is told to strangers
   */
  hostCandidates?: 'all' | readonly string[];
  /** The fetch the broker is reached with (e.g. one trusting a private CA). @default the global fetch */
  brokerFetch?: typeof fetch;
  /**
   * How the broker is reached when its address may be blocked (issue 12): the methods and their order, a
   * front, and where to remember the method that worked (docs/client-library.md#rendezvous).
   * @default direct only
   */
  rendezvous?: ClientRendezvous;
  /**
   * The broker's public key for sealed signaling (signaling-v1 §10), base64url: pinned, so a front that
   * rewrites GET /v1/info cannot read the signaling; or `'info'`: the key /v1/info publishes, if any.
   * @default 'info'
   */
  brokerKey?: string;
  /** This machine's NAT class, if known (signaling-v1 §1). @default detected with the broker's STUN servers */
  nat?: NatClass;
  /** Local address WebRTC gathers candidates on; `127.0.0.1` keeps it on loopback. @default all interfaces */
  iceAddress?: string;
  /**
   * STUN/TURN servers for NAT traversal, `stun:host:port`, instead of the broker's (signaling-v1 §3).
   * @default the broker's; none if it names none
   */
  stun?: string[];
  /**
   * The direct path (path-v1 §6, docs/client-library.md): a WebSocket straight to the egress, optionally
   * through a front, for when WebRTC is blocked; it shows this machine's address to the front and the egress.
   * `fallback` opens it once no volunteer path has been up for wsFallbackAfterMs and drops it when one is back.
   * @default none: never
   */
  wsPath?: DirectPathOptions;
  /** Session protocol options (session-v1), for tuning; the defaults fit. */
  session?: Partial<SessionOptions>;
  /** Where the client's log lines go (path up, path closed, retries). @default nowhere */
  log?: (line: string) => void;
  /**
   * Also shut down node-datachannel for the whole process on close(), so that it can exit. Leave it off if
   * something else in the process still uses WebRTC. @default false
   */
  closeWebRtc?: boolean;
}

/** The client's rendezvous with the broker (src/signaling/rendezvous.ts; signaling-v1 §9 for `get`). */
export interface ClientRendezvous {
  /**
   * The methods, in the order first tried: `direct` (the broker's URL), `front` (TLS to `front`, the broker
   * named in the Host header), `get` (signaling-v1 §9's GET encoding, through `front` when given).
   * @default ['direct', 'front', 'get'] with a front, else ['direct']
   */
  order?: readonly RendezvousMethodName[];
  /** The front, `HOST[:PORT]` (port 443 unless given): a CDN's name that also carries the broker. */
  front?: string;
  /** CA certificates (PEM) the front's certificate must chain to. @default the system's */
  frontCa?: string;
  /**
   * A directory of the client's own: the method that worked is kept in `rendezvous.json` there, and tried
   * first at the next start. @default none: remembered while the process runs
   */
  stateDir?: string;
  /**
   * signaling-v1 §12: once a session has a live path, reach the broker through it first (the egress forwards
   * to its `--broker`), the methods of `order` when that fails. @default true
   */
  tunnel?: boolean;
}

/** A volunteer came up (`up`) or left (`down`); `volunteer` is the broker's opaque name for it. */
export interface VolunteerChange {
  change: 'up' | 'down';
  pathId: number;
  volunteer?: string;
}

/** What a client tells its owner, with the arguments of each event. */
export interface ClientEvents {
  /** A snapshot, every statusIntervalMs and after every change. */
  status: [status: ClientStatus];
  volunteer: [change: VolunteerChange];
  /** The most serious problem changed; null when the last one is over. */
  problem: [problem: Problem | null];
  /** A path attempt failed (the client retries by itself). */
  'attempt-failed': [error: Error];
  /** The client stopped: close() (no error), or it cannot go on (the error says why). */
  stopped: [error: Error | undefined];
  /**
   * Handshakes keep failing for the pinned key through several volunteers: the key may be wrong, or they
   * are all hostile (a volunteer can forge a refusal). Repeated while it lasts; the client keeps trying.
   */
  'key-warning': [message: string];
}

export class StarlingClient extends EventEmitter<ClientEvents> implements Dialer {
  readonly broker: string;
  private readonly tunnel: Tunnel;
  private readonly tracker: StatusTracker;
  private readonly timer: NodeJS.Timeout;
  private lastProblem: string | null = null;
  private stoppedWith: { error: Error | undefined } | undefined;
  private readonly closeWebRtc: boolean;

  constructor(options: ClientOptions) {
    super();
    const limits = resolveLimits<ClientStatusLimits>('client', CLIENT_STATUS_DEFAULTS, {
      statusIntervalMs: options.statusIntervalMs,
      noVolunteerNoticeMs: options.noVolunteerNoticeMs,
    });
    const broker = new URL(options.broker);
    if (broker.protocol !== 'http:' && broker.protocol !== 'https:')
      throw new TypeError(`broker must be an http: or https: URL, not ${options.broker}`);
    this.broker = broker.href;
    const egressKey =
      typeof options.egressKey === 'string' ? decodeKey(options.egressKey) : options.egressKey;
    if (egressKey.length !== 32) throw new TypeError('egressKey must be 32 bytes');
    if (options.brokerKey !== undefined && options.brokerKey !== 'info') parseBrokerKey(options.brokerKey);
    this.closeWebRtc = options.closeWebRtc === true;
    const {
      broker: _broker,
      egressKey: _key,
      iceAddress,
      stun,
      statusIntervalMs: _interval,
      noVolunteerNoticeMs: _notice,
      closeWebRtc: _close,
      brokerFetch,
      brokerKey,
      hostCandidates,
      rendezvous,
      ...tunnelOptions
    } = options;
    const brokerClient = new BrokerClient(this.broker, {
      rendezvous: clientRendezvous(
        broker,
        rendezvous,
        brokerFetch,
        options.log,
        () => this.tunnel?.currentSession,
      ),
      brokerKey: brokerKey ?? 'info',
    });
    const network = new IceSource({
      info: (signal) => brokerClient.info(signal),
      ...(stun && stun.length > 0 ? { override: stun.map((urls) => ({ urls })) } : {}),
      ...(options.nat === undefined ? {} : { nat: options.nat }),
      detect: (servers) =>
        detectNatNode(servers, iceAddress === undefined ? {} : { bindAddress: iceAddress }),
      natRecheckMs: options.natRecheckMs ?? CLIENT_DEFAULTS.natRecheckMs,
    });
    this.tunnel = new Tunnel({
      ...tunnelOptions,
      hostCandidates: hostCandidates ?? (iceAddress === undefined ? [] : [iceAddress]),
      broker: brokerClient,
      egressKey,
      network,
      RTCPeerConnection: nodeRtcPeerConnectionClass(
        iceAddress === undefined ? {} : { bindAddress: iceAddress },
      ),
    });
    this.tracker = new StatusTracker({
      broker: this.broker,
      wantedVolunteers: options.paths ?? CLIENT_DEFAULTS.paths,
      noVolunteerNoticeMs: limits.noVolunteerNoticeMs,
    });
    this.watchTunnel();
    this.timer = setInterval(() => {
      this.emit('status', this.tracker.sample());
      this.problemMaybeChanged();
    }, limits.statusIntervalMs);
    this.timer.unref();
    this.tunnel.start();
  }

  /**
   * Opens a stream to `host:port` through the tunnel, waiting (up to pathWaitMs) for a volunteer if there
   * is none yet. The egress connects; the Duplex carries the bytes. Ending its writable side half-closes the
   * stream; destroying it resets it. Rejects with a StreamError (`reason`: refused, unreachable, timeout, ...)
   * or a NoPathError (no volunteer); never connects directly.
   */
  open(host: string, port: number, signal?: AbortSignal): Promise<Duplex> {
    return this.tunnel.open(host, port, signal);
  }

  /** The current snapshot. */
  status(): ClientStatus {
    return this.tracker.snapshot();
  }

  /** Closes every stream and path; resolves once done. Calling it again does nothing. */
  async close(): Promise<void> {
    if (this.stoppedWith) return;
    this.tunnel.close();
    this.stop(undefined);
    if (this.closeWebRtc) await closeNodeWebRtc();
  }

  private stop(error: Error | undefined): void {
    if (this.stoppedWith) return;
    this.stoppedWith = { error };
    clearInterval(this.timer);
    this.tracker.stop();
    this.changed();
    this.emit('stopped', error);
  }

  private watchTunnel(): void {
    const t = this.tunnel;
    t.on('session', (session) => this.watchSession(session));
    t.on('path', (pathId, volunteer) => {
      this.tracker.pathUp();
      this.emit('volunteer', { change: 'up', pathId, volunteer });
      this.changed();
    });
    t.on('path-failed', (error) => {
      this.tracker.pathFailed(error);
      this.emit('attempt-failed', error);
      this.changed();
    });
    // Handshakes keep failing for the key through several volunteers: the tunnel warns and keeps trying.
    t.on('key-warning', (warning) => {
      this.tracker.keyMayBeWrong(warning.message);
      this.emit('key-warning', warning.message);
      this.changed();
    });
  }

  private watchSession(session: Session): void {
    const counters = () => session.stats;
    this.tracker.sessionStarted(counters);
    session.on('path-closed', (pathId) => {
      this.tracker.pathClosed();
      this.emit('volunteer', { change: 'down', pathId });
      this.changed();
    });
    session.once('closed', () => {
      this.tracker.sessionEnded(session.stats);
      this.tracker.allPathsClosed();
      this.changed();
    });
  }

  private changed(): void {
    this.emit('status', this.tracker.snapshot());
    this.problemMaybeChanged();
  }

  private problemMaybeChanged(): void {
    const p = this.tracker.problem();
    const key = p ? p.kind : null;
    if (key === this.lastProblem) return;
    this.lastProblem = key;
    this.emit('problem', p);
  }
}

/** Starts a client: it finds volunteers at once and keeps them, until close(). */
export function createClient(options: ClientOptions): StarlingClient {
  return new StarlingClient(options);
}

/** The Rendezvous of `options` for `broker`; checks the order and the front (TypeError naming them). */
function clientRendezvous(
  broker: URL,
  options: ClientRendezvous = {},
  brokerFetch: typeof fetch | undefined,
  log: ((line: string) => void) | undefined,
  session: () => Session | undefined,
): Rendezvous {
  const front = options.front === undefined ? undefined : parseFront(options.front);
  const order = options.order ?? (front === undefined ? ['direct'] : ['direct', 'front', 'get']);
  if (order.length === 0) throw new TypeError('rendezvous.order names no method');
  if (order.includes('front') && front === undefined) {
    throw new TypeError('the rendezvous method front needs rendezvous.front');
  }
  const fetchFn = brokerFetch ?? ((input, init) => globalThis.fetch(input, init));
  const base = new URL(broker.href);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return httpRendezvous(order, {
    base,
    fetch: fetchFn,
    ...(front === undefined ? {} : { frontFetch: frontFetch(front, options.frontCa) }),
    maxResponseBytes: BROKER_CLIENT_DEFAULTS.maxResponseBytes,
    maxGetTargetBytes: BROKER_CLIENT_DEFAULTS.maxGetTargetBytes,
    ...(options.stateDir === undefined
      ? {}
      : { memory: fileRendezvousMemory(options.stateDir, broker.href, log) }),
    ...(log === undefined ? {} : { log }),
    ...(options.tunnel === false ? {} : { first: tunnelRendezvous(session) }),
  });
}
