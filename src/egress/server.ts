/**
 * The egress: a WebSocket server for volunteers' paths (path-v1), terminating sessions (session-v1) and
 * dialing destinations that pass its policy (src/egress/policy.ts). WebSockets are admitted per egress and
 * per source (session-v1 §2.1); `shutdown()` drains (§7).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { KeyPair } from '../session/noise.js';
import type { Session } from '../session/session.js';
import type { SessionStream } from '../session/stream.js';
import { StreamError } from '../shared/errors.js';
import { AddressSet } from '../shared/ip.js';
import { EGRESS_DIAL_DEFAULTS, type EgressDialOptions, resolveLimits } from '../shared/limits.js';
import { listen } from '../shared/listen.js';
import type { MetricsRegistry } from '../shared/metrics.js';
import { PATH_SUBPROTOCOL } from '../shared/path.js';
import { splice } from '../shared/splice.js';
import { PathCounter } from './admission.js';
import { createDecoy } from './decoy.js';
import { dialDestination } from './dial.js';
import { EgressMetrics } from './metrics.js';
import { OpenGuard } from './open-guard.js';
import { DestinationPolicy, type PortRange } from './policy.js';
import { DnsResolver } from './resolve.js';
import { SessionTable, type SessionTableOptions } from './sessions.js';
import { SIGNAL_FORWARD_DEFAULTS, signalForwarder } from './signal-forward.js';
import { SourceKeys } from './sources.js';
import { webSocketPath } from './ws-path.js';

export interface EgressOptions extends Partial<SessionTableOptions>, Partial<EgressDialOptions> {
  keys: KeyPair;
  /** Let clients reach loopback, private and link-local addresses (tests, private networks). @default false */
  allowPrivate?: boolean;
  /** Extra refused networks (`addr/prefix` or an address), e.g. the egress host's own public address. */
  deny?: string[];
  /** Ports destinations may have. @default every port (src/egress/policy.ts) */
  allowPorts?: readonly PortRange[];
  /** Ports refused anyway. @default DEFAULT_DENIED_PORTS: 25, 465, 587 (src/egress/policy.ts) */
  denyPorts?: readonly PortRange[];
  /** The destination policy itself, built by the caller; then `allowPrivate`, `deny` and the ports are not read. */
  policy?: DestinationPolicy;
  /** DNS servers for destinations (`ip` or `ip:port`). @default the system's (src/egress/resolve.ts) */
  dnsServers?: readonly string[];
  /**
   * Where the trusted proxies connect from (`addr/prefix` or addresses): `X-Forwarded-For` is read only on
   * their connections (session-v1 §2.1). @default any peer, when `trustedProxies` > 0
   */
  proxyAddresses?: readonly string[];
  /** Log line sink. @default none */
  log?: (line: string) => void;
  /**
   * The URL path volunteers' WebSockets upgrade on; an unguessable one keeps scanners from confirming an
   * egress (docs/security.md, "Egress: probing"). @default '/'
   */
  path?: string;
  /** A static site answering every other request, as an ordinary web server would. @default a plain 404 */
  decoyDir?: string;
  /**
   * The broker that clients' SIGNALs are posted to (session-v1 §4.4, signaling-v1 §12: the tunnel
   * rendezvous), http: or https:. @default none: every SIGNAL is answered "this egress has no broker"
   */
  broker?: string;
  /**
   * The token the broker trusts this egress by (signaling-v1 §12, `--broker-token`), so that it counts each
   * session apart. @default none
   */
  brokerToken?: string;
  /** The SIGNAL forwarder's deadline and per-session rate. @default SIGNAL_FORWARD_DEFAULTS */
  signalForward?: Partial<typeof SIGNAL_FORWARD_DEFAULTS>;
}

/** The egress's upgrade path: absolute, without query or fragment, at most 256 characters. */
export function checkEgressPath(path: string): string {
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,255}$/.test(path))
    throw new RangeError(
      `path must start with / and be at most 256 URL path characters, not ${JSON.stringify(path.slice(0, 40))}`,
    );
  return path;
}

export interface Egress {
  readonly server: Server;
  readonly sessions: SessionTable;
  /** Its metrics, for a `/metrics` listener (src/shared/metrics-server.ts). */
  readonly metrics: MetricsRegistry;
  /** WebSockets open now. */
  readonly pathCount: number;
  listen(port: number, host: string): Promise<{ port: number }>;
  /**
   * Drains (session-v1 §7): new WebSockets and HELLOs are refused, clients get GOAWAY, streams run on for up
   * to `drainMs` (default drainTimeoutMs); then everything is closed.
   */
  shutdown(drainMs?: number): Promise<void>;
  /** Closes everything at once. */
  close(): Promise<void>;
}

export function createEgress(opts: EgressOptions): Egress {
  const log = opts.log ?? (() => {});
  const limits = resolveLimits<EgressDialOptions>('egress', EGRESS_DIAL_DEFAULTS, opts);
  // Built once: a malformed deny entry or DNS server throws here, at startup, not on the first stream.
  const policy =
    opts.policy ??
    new DestinationPolicy({
      allowPrivate: opts.allowPrivate === true,
      deny: opts.deny ?? [],
      ...(opts.allowPorts === undefined ? {} : { allowPorts: opts.allowPorts }),
      ...(opts.denyPorts === undefined ? {} : { denyPorts: opts.denyPorts }),
    });
  const resolver = new DnsResolver({
    ...limits,
    ...(opts.dnsServers === undefined ? {} : { servers: opts.dnsServers }),
  });
  const dialOptions = { ...limits, policy, lookup: resolver.lookup };
  const guard = new OpenGuard(limits);
  // Read lazily by the gauges: `sessions` and `paths` are made below.
  const metrics = new EgressMetrics({
    sessions: () => sessions.size,
    paths: () => paths.size,
    streams: () => sessions.streamCount,
    halfOpen: () => sessions.halfOpenCount,
    draining: () => sessions.shuttingDown,
  });
  const onStream = (session: Session, stream: SessionStream, host: string, port: number) => {
    let release: () => void;
    try {
      release = guard.admit(session);
    } catch {
      metrics.streamRefusals.inc({ reason: 'busy' });
      session.rejectStream(stream, 'busy');
      return;
    }
    const abort = new AbortController();
    stream.on('error', () => abort.abort());
    stream.on('close', () => {
      abort.abort();
      release();
    });
    dialDestination(host, port, dialOptions, abort.signal).then(
      (socket: Socket) => {
        if (stream.destroyed) {
          socket.destroy();
          return;
        }
        metrics.streamsTotal.inc();
        metrics.track(socket);
        session.acceptStream(stream);
        splice(socket, stream);
      },
      (err: unknown) => {
        const reason = err instanceof StreamError ? err.reason : 'general';
        // Never the destination: an egress log is no place for what its users visit.
        log(`a stream was refused: ${reason}`);
        metrics.streamRefusals.inc({ reason });
        session.rejectStream(stream, reason);
      },
    );
  };
  const signals =
    opts.broker === undefined
      ? undefined
      : signalForwarder({
          ...SIGNAL_FORWARD_DEFAULTS,
          ...opts.signalForward,
          broker: opts.broker,
          ...(opts.brokerToken === undefined ? {} : { token: opts.brokerToken }),
          log,
        });
  const sessions = new SessionTable(opts.keys, onStream, opts, {
    handshakeFailed: (reason) => metrics.handshakeFailures.inc({ reason }),
    sessionOpened: (session) => {
      metrics.sessionsTotal.inc();
      signals?.attach(session);
    },
  });
  const o = sessions.options;
  const sources = new SourceKeys(
    o.trustedProxies,
    opts.proxyAddresses === undefined || opts.proxyAddresses.length === 0
      ? undefined
      : new AddressSet(opts.proxyAddresses),
  );
  const paths = new PathCounter(o.maxPaths, o.maxPathsPerSource);
  const pathLimits = {
    lowWater: o.pathLowWater,
    pauseAt: o.pathHighWater + o.pathControlHeadroom,
    maxQueued: o.pathMaxQueuedBytes,
    closeGraceMs: o.pathCloseGraceMs,
  };
  const upgradePath = checkEgressPath(opts.path ?? '/');
  const decoy = createDecoy(opts.decoyDir);
  const server = createServer((req, res) => decoy.serve(req, res));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: o.maxMessageBytes,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(PATH_SUBPROTOCOL) ? PATH_SUBPROTOCOL : false),
    // session-v1 §2.1 rule 1: refused at the upgrade, before a WebSocket exists. Answered at once, so the
    // count checked here is the one 'connection' adds to.
    verifyClient: (info, answer) => {
      // A bare 503: why (draining, full, this source's share) is nothing a stranger needs to know; the
      // operator's metrics count it by reason.
      const why = sessions.shuttingDown ? 'draining' : paths.refusal(sources.of(info.req))?.label;
      if (why === undefined) answer(true);
      else {
        metrics.pathRefusals.inc({ reason: why });
        answer(false, 503);
      }
    },
  });
  // Only an upgrade on our path that asks for our subprotocol is ours; anything else is answered as the decoy
  // would answer it as a plain request, so a probe without both learns nothing.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!isStarlingUpgrade(req, upgradePath)) {
      decoy.refuseUpgrade(req, socket);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws, req: IncomingMessage) => {
    const closed = paths.open(sources.of(req));
    metrics.pathsTotal.inc();
    ws.once('close', closed);
    ws.binaryType = 'nodebuffer';
    req.socket.setNoDelay(true);
    void sessions.accept(webSocketPath(ws, pathLimits), sources.of(req));
  });
  wss.on('error', () => {});
  const closeAll = () => {
    sessions.close();
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    server,
    sessions,
    metrics: metrics.registry,
    get pathCount() {
      return paths.size;
    },
    async listen(port, host) {
      return { port: await listen(server, port, host) };
    },
    async shutdown(drainMs = o.drainTimeoutMs) {
      await sessions.shutdown(drainMs);
      await closeAll();
    },
    close: closeAll,
  };
}

function isStarlingUpgrade(req: IncomingMessage, path: string): boolean {
  const target = req.url ?? '';
  const q = target.indexOf('?');
  if ((q < 0 ? target : target.slice(0, q)) !== path) return false;
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols !== 'string') return false;
  return protocols.split(',').some((p) => p.trim() === PATH_SUBPROTOCOL);
}
