/** The long-running roles: egress, broker, volunteer, client. Each is a thin shell over its library. */
import type { SignalingStore } from '../broker/store.js';
import { DEFAULT_DENIED_PORTS, DestinationPolicy, parsePortRanges } from '../egress/policy.js';
import { decodeKey, encodeKey } from '../session/noise.js';
import {
  BROKER_DEFAULTS,
  CLIENT_DEFAULTS,
  EGRESS_DIAL_DEFAULTS,
  EGRESS_SESSION_DEFAULTS,
  REDIS_STORE_DEFAULTS,
  SESSION_DEFAULTS,
  VOLUNTEER_DEFAULTS,
} from '../shared/limits.js';
import { listen } from '../shared/listen.js';
import { normalizeEgressUrls } from '../signaling/fields.js';
import {
  type Command,
  checkUrl,
  hostPort,
  int,
  list,
  StartupError,
  str,
  UsageError,
  url,
  type Values,
} from './args.js';
import { readKeyFile } from './keyfile.js';

const say = (role: string) => (line: string) => console.log(`starling ${role}: ${line}`);

// Each role imports its libraries when it runs, not when the CLI loads: a client then starts without
// loading the broker's Redis driver, the egress's WebSocket server or the volunteer (~60 ms less to a first
// byte, docs/benchmarks.md ttfb.client_start).

/** WebRTC options from --ice-address and --stun (Starling contacts no STUN server unless told to). */
function rtcOptions(v: Values): { bindAddress?: string; iceServers?: string[] } {
  const stun = list(v, 'stun');
  for (const u of stun) {
    if (!/^(stun|stuns|turn|turns):[^\s]+$/.test(u))
      throw new UsageError(`--stun must look like stun:host:port, not ${u}`);
  }
  const address = v['ice-address'];
  return {
    ...(typeof address === 'string' ? { bindAddress: address } : {}),
    ...(stun.length > 0 ? { iceServers: stun } : {}),
  };
}

/** Resolves on SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** Runs a step of starting up; its failure (a port in use, say) is a StartupError `what: reason`, exit 1. */
async function startup<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw new StartupError(`${what}: ${(e as Error).message}`);
  }
}

const deniedPorts = DEFAULT_DENIED_PORTS.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ');

export const egressCommand: Command = {
  name: 'egress',
  summary: 'Run an egress: the WebSocket server volunteers relay to, where sessions end and TCP begins.',
  usage: `egress [--listen 127.0.0.1:8701] --key FILE [--allow-private] [--allow-port PORTS]... [--deny-port PORTS]...

  --listen ADDR           where volunteers' WebSockets connect (default 127.0.0.1:8701)
  --key FILE              key file from 'starling keygen'
  --allow-private         let clients reach loopback/private/link-local addresses (tests, demos)
  --deny NET              refuse this network too (addr/prefix or address); repeat for several
  --allow-port PORTS      only these destination ports, e.g. 443 or 8000-8999; repeat (default: every port)
  --deny-port PORTS       refuse these ports; repeat; 'none' refuses none (default: ${deniedPorts}, SMTP and
                          mail submission)
  --dns ADDR              DNS server for destinations, ip or ip:port; repeat (default: the system's; the
                          egress never reads /etc/hosts for them)
  --max-sockets N         destination sockets open at once, all sessions (default ${EGRESS_DIAL_DEFAULTS.maxSockets}; keep below ulimit -n)
  --max-session-sockets N destination sockets open at once for one session (default ${EGRESS_DIAL_DEFAULTS.maxSocketsPerSession})
  --opens-per-second N    streams one session may open per second (default ${EGRESS_DIAL_DEFAULTS.opensPerSecond}, bursts of ${EGRESS_DIAL_DEFAULTS.openBurst})
  --idle-timeout MS       keep a session with no volunteer this long (default ${SESSION_DEFAULTS.idleTimeoutMs})
  --drain-timeout MS      on SIGTERM, let open streams run this long after telling clients (default ${EGRESS_SESSION_DEFAULTS.drainTimeoutMs})
  --max-paths-per-source N  WebSockets at once from one address or IPv6 /64 (default ${EGRESS_SESSION_DEFAULTS.maxPathsPerSource})
  --trusted-proxies N     reverse proxies in front whose X-Forwarded-For entries are trusted (default 0)
  --path PATH             the URL path volunteers' WebSockets use, e.g. /$(openssl rand -hex 16): a scanner
                          that does not know it cannot confirm an egress (default /)
  --decoy DIR             a static site answering every other request (default: a plain 404)

  SIGTERM or SIGINT drains (session-v1 §7) and exits 0; a second one closes at once.`,
  options: {
    listen: { type: 'string' },
    deny: { type: 'string', multiple: true },
    key: { type: 'string' },
    'allow-private': { type: 'boolean' },
    'allow-port': { type: 'string', multiple: true },
    'deny-port': { type: 'string', multiple: true },
    dns: { type: 'string', multiple: true },
    'max-sockets': { type: 'string' },
    'max-session-sockets': { type: 'string' },
    'opens-per-second': { type: 'string' },
    'idle-timeout': { type: 'string' },
    'drain-timeout': { type: 'string' },
    'max-paths-per-source': { type: 'string' },
    'trusted-proxies': { type: 'string' },
    path: { type: 'string' },
    decoy: { type: 'string' },
  },
  async run(v) {
    const { host, port } = hostPort(v, 'listen', '127.0.0.1:8701');
    const path = v.path === undefined ? '/' : str(v, 'path');
    const decoyDir = v.decoy === undefined ? undefined : str(v, 'decoy');
    const keyFile = str(v, 'key');
    const ports = (flag: string) => {
      try {
        return v[flag] === undefined ? undefined : parsePortRanges(list(v, flag));
      } catch (e) {
        throw new UsageError(`--${flag}: ${(e as Error).message}`);
      }
    };
    const allowPorts = ports('allow-port');
    const denyPorts = ports('deny-port');
    const dnsServers = list(v, 'dns');
    const limits = {
      maxSockets: int(v, 'max-sockets', EGRESS_DIAL_DEFAULTS.maxSockets, 1, 1_000_000),
      maxSocketsPerSession: int(
        v,
        'max-session-sockets',
        EGRESS_DIAL_DEFAULTS.maxSocketsPerSession,
        1,
        SESSION_DEFAULTS.maxStreams,
      ),
      opensPerSecond: int(v, 'opens-per-second', EGRESS_DIAL_DEFAULTS.opensPerSecond, 1, 100_000),
      idleTimeoutMs: int(v, 'idle-timeout', SESSION_DEFAULTS.idleTimeoutMs, 1000, 3_600_000),
      maxPathsPerSource: int(
        v,
        'max-paths-per-source',
        EGRESS_SESSION_DEFAULTS.maxPathsPerSource,
        1,
        1_000_000,
      ),
      trustedProxies: int(v, 'trusted-proxies', EGRESS_SESSION_DEFAULTS.trustedProxies, 0, 16),
    };
    const drainTimeoutMs = int(v, 'drain-timeout', EGRESS_SESSION_DEFAULTS.drainTimeoutMs, 0, 3_600_000);
    const { checkEgressPath, createEgress } = await import('../egress/server.js');
    try {
      checkEgressPath(path);
    } catch (e) {
      throw new UsageError(`--path: ${(e as Error).message}`);
    }
    if (decoyDir !== undefined) {
      const { stat } = await import('node:fs/promises');
      const isDir = await stat(decoyDir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!isDir) throw new StartupError(`--decoy: ${decoyDir} is not a readable directory`);
    }
    let policy: DestinationPolicy;
    try {
      policy = new DestinationPolicy({
        allowPrivate: v['allow-private'] === true,
        deny: list(v, 'deny'),
        ...(allowPorts === undefined ? {} : { allowPorts }),
        ...(denyPorts === undefined ? {} : { denyPorts }),
      });
    } catch (e) {
      throw new UsageError(`--deny: ${(e as Error).message}`);
    }
    const keys = await readKeyFile(keyFile);
    const log = say('egress');
    let egress: ReturnType<typeof createEgress>;
    try {
      egress = createEgress({
        keys,
        policy,
        ...limits,
        ...(dnsServers.length > 0 ? { dnsServers } : {}),
        path,
        ...(decoyDir === undefined ? {} : { decoyDir }),
        log,
      });
    } catch (e) {
      throw new UsageError(`--dns: ${(e as Error).message}`);
    }
    const { port: bound } = await startup(`cannot listen on ${host}:${port}`, () =>
      egress.listen(port, host),
    );
    log(`listening on ws://${host}:${bound}${path} public key ${encodeKey(keys.publicKey)}`);
    if (v['allow-private'] === true) log('private destinations ALLOWED (--allow-private)');
    await untilSignal();
    log(`draining: telling clients, open streams may run ${drainTimeoutMs} ms (a second signal closes now)`);
    const now = untilSignal().then(() => egress.close());
    await Promise.race([egress.shutdown(drainTimeoutMs), now]);
    log('closed');
    return 0;
  },
};

export const brokerCommand: Command = {
  name: 'broker',
  summary: 'Run a broker: introduces clients to volunteers (HTTP signaling).',
  usage: `broker [--listen 127.0.0.1:8700] [--egress ws://127.0.0.1:8701/]... [--redis redis://127.0.0.1:6379/]

  --listen ADDR          where clients and volunteers reach the broker (default 127.0.0.1:8700)
  --egress URL           an egress this broker serves; repeat for several (at most 16); the first is the default
  --redis URL            share the volunteer pool with other brokers through this Redis (redis:// or rediss://);
                         without it the pool lives in this process
  --redis-prefix PREFIX  put before every Redis key, so deployments can share one Redis (default starling:)
  --trusted-proxies N    reverse proxies in front of this broker whose X-Forwarded-For entries are trusted;
                         rate limits then key on the client address they forwarded (default 0: the peer's)

  Per source (an IPv4 address or IPv6 /64; raise these where many people share one address, e.g. CGNAT):
  --max-waiting-per-source N      volunteer polls waiting at once (default ${BROKER_DEFAULTS.maxWaitingPerSource})
  --max-pending-per-source N      client offers awaiting an answer at once (default ${BROKER_DEFAULTS.maxPendingPerSource})
  --client-match-burst N          volunteers a client source may be matched with at once (default ${BROKER_DEFAULTS.clientMatchBurst})
  --client-matches-per-minute N   ... and more per minute after that (default ${BROKER_DEFAULTS.clientMatchesPerMinute}; 0: no budget)`,
  options: {
    listen: { type: 'string' },
    egress: { type: 'string', multiple: true },
    redis: { type: 'string' },
    'redis-prefix': { type: 'string' },
    'trusted-proxies': { type: 'string' },
    'max-waiting-per-source': { type: 'string' },
    'max-pending-per-source': { type: 'string' },
    'client-match-burst': { type: 'string' },
    'client-matches-per-minute': { type: 'string' },
  },
  async run(v) {
    const { host, port } = hostPort(v, 'listen', '127.0.0.1:8700');
    const given = list(v, 'egress').map((u) => checkUrl(u, '--egress', ['ws:', 'wss:']));
    if (given.length === 0) given.push('ws://127.0.0.1:8701/');
    let egress: string[];
    try {
      egress = normalizeEgressUrls(given);
    } catch (e) {
      throw new UsageError(`--egress: ${(e as Error).message} (signaling-v1 §3)`);
    }
    const trustedProxies = int(v, 'trusted-proxies', BROKER_DEFAULTS.trustedProxies, 0, 16);
    const D = BROKER_DEFAULTS;
    const shares = {
      maxWaitingPerSource: int(v, 'max-waiting-per-source', D.maxWaitingPerSource, 1, D.maxWaitingVolunteers),
      maxPendingPerSource: int(v, 'max-pending-per-source', D.maxPendingPerSource, 1, D.maxPendingOffers),
    };
    const budget = {
      clientMatchBurst: int(v, 'client-match-burst', D.clientMatchBurst, 1, 1_000_000),
      clientMatchesPerMinute: int(v, 'client-matches-per-minute', D.clientMatchesPerMinute, 0, 1_000_000),
    };
    const log = say('broker');
    const store = await openStore(v, shares, log);
    const { createBrokerServer } = await import('../broker/http.js');
    const { redactUrl } = await import('../broker/redis-connection.js');
    const broker = createBrokerServer({
      egress,
      trustedProxies,
      ...budget,
      onError: (e) => log(`error: ${String(e)}`),
      store,
    });
    const { port: bound } = await startup(`cannot listen on ${host}:${port}`, () =>
      broker.listen(port, host),
    ).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    const shared =
      typeof v.redis === 'string' ? ` sharing its pool through ${redactUrl(new URL(v.redis))}` : '';
    log(`listening on http://${host}:${bound}/ serving ${egress.join(', ')}${shared}`);
    await untilSignal();
    await broker.close();
    await store.close();
    return 0;
  },
};

/** The broker's store: Redis with --redis, else in-process. An unreachable Redis is a StartupError. */
async function openStore(
  v: Values,
  shares: { maxWaitingPerSource: number; maxPendingPerSource: number },
  log: (line: string) => void,
): Promise<SignalingStore> {
  if (v['redis-prefix'] !== undefined && v.redis === undefined)
    throw new UsageError('--redis-prefix needs --redis');
  if (typeof v.redis !== 'string') return new (await import('../broker/memory-store.js')).MemoryStore(shares);
  const { checkRedisUrl } = await import('../broker/redis-connection.js');
  const { RedisStore } = await import('../broker/redis-store.js');
  try {
    checkRedisUrl(v.redis);
  } catch (e) {
    throw new UsageError(`--redis ${(e as Error).message}`);
  }
  const keyPrefix = str(v, 'redis-prefix', REDIS_STORE_DEFAULTS.keyPrefix);
  if (keyPrefix === '') throw new UsageError('--redis-prefix must not be empty');
  try {
    const onError = (e: unknown) => log(`redis: ${String(e)}`);
    return await RedisStore.connect({ url: v.redis, keyPrefix, ...shares, onError });
  } catch (e) {
    throw new StartupError((e as Error).message);
  }
}

export const volunteerCommand: Command = {
  name: 'volunteer',
  summary: "Run a headless volunteer: relays clients' data channels to an egress, seeing ciphertext only.",
  usage: `volunteer --allow-egress URL... [--broker http://127.0.0.1:8700/] [--max-clients N]

  --broker URL           the broker to poll (default http://127.0.0.1:8700/)
  --allow-egress URL     an egress this volunteer relays to; repeat for several (required: the broker does not choose)
  --trust-broker-egress  relay to the egresses the broker lists instead of --allow-egress; only with an https:
                         broker (or one on this machine), since anyone between could rewrite that list
  --max-clients N        clients relayed at once (default ${VOLUNTEER_DEFAULTS.maxClients})
  --max-rate BYTES       byte rate cap across all clients, bytes/s (default 0: none)
  --ice-address ADDR     local address WebRTC uses (default: all interfaces; 127.0.0.1 for loopback only)
  --stun URL             a STUN/TURN server for NAT traversal (stun:host:port); repeat for several (default: none)

  SIGINT/SIGTERM switch off gracefully (GOODBYE to every client first).`,
  options: {
    broker: { type: 'string' },
    'allow-egress': { type: 'string', multiple: true },
    'trust-broker-egress': { type: 'boolean' },
    'max-clients': { type: 'string' },
    'max-rate': { type: 'string' },
    'ice-address': { type: 'string' },
    stun: { type: 'string', multiple: true },
  },
  async run(v) {
    const broker = url(v, 'broker', ['http:', 'https:'], 'http://127.0.0.1:8700/');
    const allow = list(v, 'allow-egress').map((u) => checkUrl(u, '--allow-egress', ['ws:', 'wss:']));
    const options = {
      broker,
      allow,
      brokerEgress: v['trust-broker-egress'] === true,
      maxClients: int(v, 'max-clients', VOLUNTEER_DEFAULTS.maxClients, 1, 64),
      maxBytesPerSec: int(v, 'max-rate', VOLUNTEER_DEFAULTS.maxBytesPerSec, 0, 10 ** 10),
    };
    const rtc = rtcOptions(v);
    if (allow.length === 0 && !options.brokerEgress)
      throw new UsageError('--allow-egress is required: name the egress(es) this volunteer relays to');
    const log = say('volunteer');
    const { nodeRelayEnv } = await import('../volunteer/node.js');
    const { VolunteerRelay } = await import('../volunteer/relay.js');
    const { closeNodeWebRtc } = await import('../shared/webrtc-node.js');
    const env = nodeRelayEnv(rtc);
    let relay: InstanceType<typeof VolunteerRelay>;
    try {
      relay = new VolunteerRelay(options, env);
    } catch (e) {
      throw new UsageError(`${(e as Error).message} (--allow-egress, --trust-broker-egress)`);
    }
    relay.addEventListener('state', () => {
      const s = relay.stats;
      log(`${s.state}${s.clients > 0 ? ` (${s.clients} client${s.clients > 1 ? 's' : ''})` : ''}`);
    });
    relay.start();
    log(`polling ${broker}`);
    await untilSignal();
    await relay.stop();
    closeNodeWebRtc();
    return 0;
  },
};

export const clientCommand: Command = {
  name: 'client',
  summary: 'Run the client: local SOCKS5 and HTTP proxies that tunnel through volunteers to an egress.',
  usage: `client --egress-key PUBLIC_KEY [--broker http://127.0.0.1:8700/] [--socks 127.0.0.1:1080] [--http 127.0.0.1:8080]

  --egress-key KEY    the egress's public key (base64url, from 'starling keygen'); pinned, never trusted blindly
  --broker URL        the broker (default http://127.0.0.1:8700/)
  --egress URL        the egress to ask for (default: the broker's first)
  --socks ADDR        SOCKS5 proxy address (default 127.0.0.1:1080)
  --http ADDR         HTTP proxy address (default 127.0.0.1:8080)
  --paths N           volunteers used at once (default ${CLIENT_DEFAULTS.paths})
  --ice-address ADDR  local address WebRTC uses (default: all interfaces)
  --stun URL          a STUN/TURN server for NAT traversal (stun:host:port); repeat for several (default: none)`,
  options: {
    'egress-key': { type: 'string' },
    broker: { type: 'string' },
    egress: { type: 'string' },
    socks: { type: 'string' },
    http: { type: 'string' },
    paths: { type: 'string' },
    'ice-address': { type: 'string' },
    stun: { type: 'string', multiple: true },
  },
  async run(v) {
    let egressKey: Uint8Array;
    try {
      egressKey = decodeKey(str(v, 'egress-key'));
    } catch (e) {
      throw new UsageError(`--egress-key: ${(e as Error).message}`);
    }
    const broker = url(v, 'broker', ['http:', 'https:'], 'http://127.0.0.1:8700/');
    const egress = typeof v.egress === 'string' ? checkUrl(v.egress, '--egress', ['ws:', 'wss:']) : undefined;
    const socks = hostPort(v, 'socks', '127.0.0.1:1080');
    const http = hostPort(v, 'http', '127.0.0.1:8080');
    const log = say('client');
    const [{ Tunnel }, { createSocksServer }, { createHttpProxyServer }, webrtc, { BrokerClient }] =
      await Promise.all([
        import('../client/tunnel.js'),
        import('../client/socks5.js'),
        import('../client/http-proxy.js'),
        import('../shared/webrtc-node.js'),
        import('../signaling/client.js'),
      ]);
    const { closeNodeWebRtc, nodeRtcPeerConnectionClass } = webrtc;
    const tunnel = new Tunnel({
      broker: new BrokerClient(broker),
      egressKey,
      ...(egress ? { egress } : {}),
      paths: int(v, 'paths', CLIENT_DEFAULTS.paths, 1, SESSION_DEFAULTS.maxPathsPerSession / 2),
      RTCPeerConnection: nodeRtcPeerConnectionClass(rtcOptions(v)),
      log,
    });
    const socksServer = createSocksServer(tunnel);
    const httpServer = createHttpProxyServer(tunnel);
    const socksPort = await startup(`cannot listen for SOCKS5 on ${socks.host}:${socks.port}`, () =>
      listen(socksServer, socks.port, socks.host),
    );
    const httpPort = await startup(`cannot listen for HTTP on ${http.host}:${http.port}`, () =>
      listen(httpServer, http.port, http.host),
    );
    log(`SOCKS5 proxy on ${socks.host}:${socksPort}, HTTP proxy on ${http.host}:${httpPort}`);
    const fatal = new Promise<Error>((resolve) => tunnel.once('fatal', resolve));
    tunnel.start();
    const outcome = await Promise.race([untilSignal(), fatal]);
    tunnel.close();
    socksServer.close();
    httpServer.close();
    closeNodeWebRtc();
    if (outcome instanceof Error) {
      console.error(`starling client: ${outcome.message}`);
      return 1;
    }
    return 0;
  },
};
