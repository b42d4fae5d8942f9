/** The long-running roles: egress, broker, volunteer, client. Each is a thin shell over its library. */
import { readFileSync } from 'node:fs';
import type { SignalingStore } from '../broker/store.js';
import type { ClientRendezvous } from '../client/client.js';
import { DIRECT_PATH_MODES, type DirectPathMode, directTarget } from '../client/direct-target.js';
import { DEFAULT_DENIED_PORTS, DestinationPolicy, parsePortRanges } from '../egress/policy.js';
import { decodeKey, encodeKey } from '../session/noise.js';
import { parseFront, readCaFile } from '../shared/ca-fetch.js';
import { joinHostPort } from '../shared/ip.js';
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
import { PairingCodeError, pairingTag, parsePairingCode } from '../signaling/pairing.js';
import {
  isRendezvousMethodName,
  RENDEZVOUS_METHODS,
  type RendezvousMethodName,
} from '../signaling/rendezvous-http.js';
import { checkEgressToken } from '../signaling/tunnel-source.js';
import {
  type Command,
  checkUrl,
  hostPort,
  list,
  num,
  type Option,
  StartupError,
  str,
  UsageError,
  url,
  type Values,
} from './args.js';
import { readKeyFile } from './keyfile.js';
import { LOG_OPTIONS, type Logger } from './log.js';
import {
  CA_OPTION,
  caOption,
  METRICS_OPTION,
  PROXY_ADDRESS_OPTION,
  proxyAddresses,
  startMetrics,
} from './ops-flags.js';
import { hangOnceForTests, reportListening } from './supervised.js';

// Each role imports its libraries when it runs, not when the CLI loads: a client then starts without
// loading the broker's Redis driver, the egress's WebSocket server or the volunteer (~60 ms less to a first
// byte, docs/benchmarks.md ttfb.client_start).

/** The volunteer's and the client's WebRTC options. */
const RTC_OPTIONS: Option[] = [
  {
    name: 'ice-address',
    type: 'string',
    arg: 'ADDR',
    defaultText: 'all interfaces',
    help: 'local address WebRTC uses (127.0.0.1 for loopback only)',
  },
  {
    name: 'stun',
    type: 'list',
    arg: 'URL',
    defaultText: 'none',
    help: 'a STUN/TURN server for NAT traversal (stun:host:port); repeat for several',
  },
];

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

/** `--pairing CODE` (signaling-v1 §8): the volunteer's and the client's. */
function pairingOption(help: string): Option {
  return { name: 'pairing', type: 'string', arg: 'CODE', defaultText: 'none', help };
}

/** `--pairing CODE` in canonical form (signaling-v1 §8), or undefined; a mistyped code is a UsageError. */
function pairingCode(v: Values): string | undefined {
  if (v.pairing === undefined) return undefined;
  try {
    return parsePairingCode(str(v, 'pairing'));
  } catch (e) {
    if (e instanceof PairingCodeError) throw new UsageError(`--pairing: ${e.message}`);
    throw e;
  }
}

/** `--broker-key KEY` (signaling-v1 §10): a pinned key, checked, or 'info' when not given. */
function brokerKeyOption(v: Values): string {
  if (v['broker-key'] === undefined) return 'info';
  const key = str(v, 'broker-key');
  try {
    decodeKey(key);
  } catch (e) {
    throw new UsageError(`--broker-key: ${(e as Error).message}`);
  }
  return key;
}

/** Resolves on SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/**
 * The last step of a WebRTC role's shutdown (issue 9, finding 11): 0 once node-datachannel has stopped;
 * if it cannot (libdatachannel gives up after 10 s), the reason on stderr and exit 1, not a hang.
 */
async function stopWebRtc(close: () => Promise<void>, error: (line: string) => void): Promise<number> {
  try {
    await close();
    return 0;
  } catch (e) {
    error(`WebRTC did not shut down cleanly: ${(e as Error).message}`);
    return 1;
  }
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
  options: [
    {
      name: 'listen',
      type: 'string',
      arg: 'ADDR',
      default: '127.0.0.1:8701',
      help: "where volunteers' WebSockets connect",
    },
    { name: 'key', type: 'string', arg: 'FILE', required: true, help: "key file from 'starling keygen'" },
    {
      name: 'allow-private',
      type: 'boolean',
      help: 'let clients reach loopback/private/link-local addresses (tests, demos)',
    },
    {
      name: 'deny',
      type: 'list',
      arg: 'NET',
      help: 'refuse this network too (addr/prefix or address); repeat for several',
    },
    {
      name: 'allow-port',
      type: 'list',
      arg: 'PORTS',
      defaultText: 'every port',
      help: 'only these destination ports, e.g. 443 or 8000-8999; repeat',
    },
    {
      name: 'deny-port',
      type: 'list',
      arg: 'PORTS',
      defaultText: `${deniedPorts}: SMTP and mail submission`,
      help: "refuse these ports; repeat; 'none' refuses none",
    },
    {
      name: 'dns',
      type: 'list',
      arg: 'ADDR',
      defaultText: "the system's resolver",
      help: 'DNS server for destinations, ip or ip:port; repeat (the egress never reads /etc/hosts for them)',
    },
    {
      name: 'max-sockets',
      type: 'integer',
      default: EGRESS_DIAL_DEFAULTS.maxSockets,
      min: 1,
      max: 1_000_000,
      unit: 'sockets',
      help: 'destination sockets open at once, all sessions (keep below ulimit -n)',
    },
    {
      name: 'max-session-sockets',
      type: 'integer',
      default: EGRESS_DIAL_DEFAULTS.maxSocketsPerSession,
      min: 1,
      max: SESSION_DEFAULTS.maxStreams,
      unit: 'sockets',
      help: 'destination sockets open at once for one session',
    },
    {
      name: 'opens-per-second',
      type: 'integer',
      default: EGRESS_DIAL_DEFAULTS.opensPerSecond,
      min: 1,
      max: 100_000,
      unit: 'streams/s',
      help: `streams one session may open per second, in bursts of ${EGRESS_DIAL_DEFAULTS.openBurst}`,
    },
    {
      name: 'idle-timeout',
      type: 'integer',
      arg: 'MS',
      default: SESSION_DEFAULTS.idleTimeoutMs,
      min: 1000,
      max: 3_600_000,
      unit: 'ms',
      help: 'keep a session with no volunteer this long',
    },
    {
      name: 'drain-timeout',
      type: 'integer',
      arg: 'MS',
      default: EGRESS_SESSION_DEFAULTS.drainTimeoutMs,
      min: 0,
      max: 3_600_000,
      unit: 'ms',
      help: 'on SIGTERM, let open streams run this long after telling clients',
    },
    {
      name: 'max-paths-per-source',
      type: 'integer',
      default: EGRESS_SESSION_DEFAULTS.maxPathsPerSource,
      min: 1,
      max: 1_000_000,
      unit: 'WebSockets',
      help: 'WebSockets at once from one address or IPv6 /64',
    },
    {
      name: 'trusted-proxies',
      type: 'integer',
      default: EGRESS_SESSION_DEFAULTS.trustedProxies,
      min: 0,
      max: 16,
      unit: 'proxies',
      help: 'reverse proxies in front whose X-Forwarded-For entries are trusted',
    },
    PROXY_ADDRESS_OPTION,
    {
      name: 'path',
      type: 'string',
      arg: 'PATH',
      default: '/',
      help: "the URL path volunteers' WebSockets use, e.g. /$(openssl rand -hex 16): a scanner that does not know it cannot confirm an egress",
    },
    {
      name: 'decoy',
      type: 'string',
      arg: 'DIR',
      defaultText: 'a plain 404',
      help: 'a static site answering every other request',
    },
    {
      name: 'broker',
      type: 'string',
      arg: 'URL',
      defaultText: 'none',
      help: "the broker clients' signaling is forwarded to once they have a session (the tunnel rendezvous, signaling-v1 §12); only its client routes, nothing else",
    },
    {
      name: 'broker-token',
      type: 'string',
      arg: 'FILE',
      defaultText: "none: the broker counts all this egress's clients as one address",
      help: "a file holding the token the broker's --egress-token file holds: sent with each forwarded request beside a random per-session id, so the broker counts each session apart (signaling-v1 §12); needs --broker, and an https: one unless it is on this machine or a private network",
    },
    METRICS_OPTION,
    ...LOG_OPTIONS,
  ],
  notes:
    'The metrics listener also answers GET /healthz: 200 {"v":1,"ok":true}, and 503 while draining.\n' +
    'SIGTERM or SIGINT drains (session-v1 §7) and exits 0; a second one closes at once.',
  async run(v, { log }) {
    const { host, port } = hostPort(v, 'listen', '127.0.0.1:8701');
    if (v.metrics !== undefined) hostPort(v, 'metrics', '');
    const path = str(v, 'path');
    const decoyDir = v.decoy === undefined ? undefined : str(v, 'decoy');
    const broker =
      v.broker === undefined ? undefined : checkUrl(str(v, 'broker'), '--broker', ['http:', 'https:']);
    const brokerToken = tokenFile(v, 'broker-token');
    if (brokerToken !== undefined && broker === undefined)
      throw new UsageError('--broker-token needs --broker URL');
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
      maxSockets: num(v, 'max-sockets'),
      maxSocketsPerSession: num(v, 'max-session-sockets'),
      opensPerSecond: num(v, 'opens-per-second'),
      idleTimeoutMs: num(v, 'idle-timeout'),
      maxPathsPerSource: num(v, 'max-paths-per-source'),
      trustedProxies: num(v, 'trusted-proxies'),
    };
    const drainTimeoutMs = num(v, 'drain-timeout');
    const proxies = proxyAddresses(v, limits.trustedProxies);
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
    let egress: ReturnType<typeof createEgress>;
    try {
      egress = createEgress({
        keys,
        policy,
        ...limits,
        proxyAddresses: proxies,
        ...(dnsServers.length > 0 ? { dnsServers } : {}),
        path,
        ...(decoyDir === undefined ? {} : { decoyDir }),
        ...(broker === undefined ? {} : { broker }),
        ...(brokerToken === undefined ? {} : { brokerToken }),
        log: log.info,
      });
    } catch (e) {
      throw new UsageError(`--dns: ${(e as Error).message}`);
    }
    const { port: bound } = await startup(`cannot listen on ${host}:${port}`, () =>
      egress.listen(port, host),
    );
    log.info(`listening on ws://${host}:${bound}${path} public key ${encodeKey(keys.publicKey)}`);
    if (v['allow-private'] === true) log.warn('private destinations ALLOWED (--allow-private)');
    // 503 while draining, so a load balancer sends new volunteers elsewhere (session-v1 §7).
    const health = () => ({ ok: !egress.sessions.shuttingDown, detail: { draining: true } });
    const metrics = await startMetrics(v, egress.metrics, log.info, health).catch(async (e: unknown) => {
      await egress.close();
      throw e;
    });
    await untilSignal();
    log.info(
      `draining: telling clients, open streams may run ${drainTimeoutMs} ms (a second signal closes now)`,
    );
    const now = untilSignal().then(() => egress.close());
    await Promise.race([egress.shutdown(drainTimeoutMs), now]);
    metrics?.close();
    log.info('closed');
    return 0;
  },
};

export const brokerCommand: Command = {
  name: 'broker',
  summary: 'Run a broker: introduces clients to volunteers (HTTP signaling).',
  options: [
    {
      name: 'listen',
      type: 'string',
      arg: 'ADDR',
      default: '127.0.0.1:8700',
      help: 'where clients and volunteers reach the broker',
    },
    {
      name: 'egress',
      type: 'list',
      arg: 'URL',
      default: ['ws://127.0.0.1:8701/'],
      help: 'an egress this broker serves; repeat for several (at most 16); the first is the default',
    },
    {
      name: 'redis',
      type: 'string',
      arg: 'URL',
      defaultText: 'none: the pool lives in this process',
      help: 'share the volunteer pool with other brokers through this Redis (redis:// or rediss://)',
    },
    {
      name: 'redis-prefix',
      type: 'string',
      arg: 'PREFIX',
      defaultText: REDIS_STORE_DEFAULTS.keyPrefix,
      help: 'put before every Redis key, so deployments can share one Redis',
    },
    {
      name: 'regions',
      type: 'string',
      arg: 'FILE',
      defaultText: 'none: one region, "all"',
      help: 'the network map\'s region source: a JSON array of {"cidr", "region"}, first match wins (docs/map.md)',
    },
    {
      name: 'trusted-proxies',
      type: 'integer',
      default: BROKER_DEFAULTS.trustedProxies,
      min: 0,
      max: 16,
      unit: 'proxies',
      help: "reverse proxies in front of this broker whose X-Forwarded-For entries are trusted; rate limits then key on the client address they forwarded (0: the peer's)",
    },
    PROXY_ADDRESS_OPTION,
    {
      name: 'key',
      type: 'string',
      arg: 'FILE',
      defaultText: 'none: plain signaling',
      help: "a key file from 'starling keygen': take polls, answers and offers only sealed to it (signaling-v1 §10), so a CDN or TLS front in between reads none of them",
    },
    {
      name: 'egress-token',
      type: 'string',
      arg: 'FILE',
      defaultText: 'none: every request counts by its address',
      help: "a file holding the token of this broker's egresses (e.g. openssl rand -base64 32; the same file as their --broker-token): a request carrying it counts under the session it names, within --egress-requests-per-second (signaling-v1 §12)",
    },
    {
      name: 'egress-requests-per-second',
      type: 'integer',
      default: BROKER_DEFAULTS.egressRateLimitPerSecond,
      min: 1,
      max: 1_000_000,
      unit: 'requests/s',
      help: 'requests a trusted egress forwards for all its sessions together, sustained',
    },
    {
      name: 'egress-request-burst',
      type: 'integer',
      default: BROKER_DEFAULTS.egressRateLimitBurst,
      min: 1,
      max: 1_000_000,
      unit: 'requests',
      help: '... and in a burst',
    },
    {
      name: 'max-waiting-per-source',
      type: 'integer',
      default: BROKER_DEFAULTS.maxWaitingPerSource,
      min: 1,
      max: BROKER_DEFAULTS.maxWaitingVolunteers,
      unit: 'polls',
      help: 'volunteer polls waiting at once',
      heading:
        'Per source (an IPv4 address or IPv6 /64; raise these where many people share one address, e.g. CGNAT):',
    },
    {
      name: 'max-pending-per-source',
      type: 'integer',
      default: BROKER_DEFAULTS.maxPendingPerSource,
      min: 1,
      max: BROKER_DEFAULTS.maxPendingOffers,
      unit: 'offers',
      help: 'client offers awaiting an answer at once',
    },
    {
      name: 'client-match-burst',
      type: 'integer',
      default: BROKER_DEFAULTS.clientMatchBurst,
      min: 1,
      max: 1_000_000,
      unit: 'matches',
      help: 'volunteers a client source may be matched with at once',
    },
    {
      name: 'client-matches-per-minute',
      type: 'integer',
      default: BROKER_DEFAULTS.clientMatchesPerMinute,
      min: 0,
      max: 1_000_000,
      unit: 'matches/min',
      help: '... and more per minute after that (0: no budget)',
    },
    {
      name: 'stun',
      type: 'list',
      arg: 'URL',
      help: 'a STUN server clients and volunteers use (stun:host:port); repeat. Two on different addresses also let them tell cone from symmetric NATs',
      heading: 'NAT traversal (handed to clients and volunteers in GET /v1/info; README "STUN and TURN"):',
    },
    {
      name: 'turn',
      type: 'list',
      arg: 'URL',
      help: "a TURN server (turn:host:port?transport=udp) with coturn's shared secret; repeat; needs --turn-secret",
    },
    {
      name: 'turn-secret',
      type: 'string',
      arg: 'FILE',
      help: "a file holding coturn's static-auth-secret; clients get only short-lived credentials made with it",
    },
    { ...METRICS_OPTION, heading: 'Operations:' },
    ...LOG_OPTIONS,
  ],
  notes: 'The metrics listener also answers GET /healthz: 200 {"v":1,"ok":true}.',
  async run(v, { log }) {
    const { host, port } = hostPort(v, 'listen', '127.0.0.1:8700');
    if (v.metrics !== undefined) hostPort(v, 'metrics', '');
    const given = list(v, 'egress').map((u) => checkUrl(u, '--egress', ['ws:', 'wss:']));
    let egress: string[];
    try {
      egress = normalizeEgressUrls(given);
    } catch (e) {
      throw new UsageError(`--egress: ${(e as Error).message} (signaling-v1 §3)`);
    }
    const trustedProxies = num(v, 'trusted-proxies');
    const proxies = proxyAddresses(v, trustedProxies);
    const shares = {
      maxWaitingPerSource: num(v, 'max-waiting-per-source'),
      maxPendingPerSource: num(v, 'max-pending-per-source'),
    };
    const budget = {
      clientMatchBurst: num(v, 'client-match-burst'),
      clientMatchesPerMinute: num(v, 'client-matches-per-minute'),
    };
    let regionOf: import('../broker/regions.js').RegionOf | undefined;
    if (typeof v.regions === 'string') {
      const { loadRegionFile } = await import('../broker/regions.js');
      try {
        regionOf = loadRegionFile(v.regions);
      } catch (e) {
        throw new UsageError(`--regions: ${(e as Error).message}`);
      }
    }
    const sealingKey = typeof v.key === 'string' ? await readKeyFile(v.key) : undefined;
    const egressToken = tokenFile(v, 'egress-token');
    const ice = await brokerIce(v);
    const store = await openStore(v, shares, log);
    const { createBrokerServer } = await import('../broker/http.js');
    const { redactUrl } = await import('../broker/redis-connection.js');
    const broker = createBrokerServer({
      egress,
      trustedProxies,
      proxyAddresses: proxies,
      ...budget,
      egressRateLimitPerSecond: num(v, 'egress-requests-per-second'),
      egressRateLimitBurst: num(v, 'egress-request-burst'),
      ...(egressToken === undefined ? {} : { egressToken }),
      onError: (e) => log.error(`error: ${String(e)}`),
      store,
      ice,
      ...(regionOf === undefined ? {} : { regionOf }),
      ...(sealingKey === undefined ? {} : { sealingKey }),
    });
    const { port: bound } = await startup(`cannot listen on ${host}:${port}`, () =>
      broker.listen(port, host),
    ).catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
    const shared =
      typeof v.redis === 'string' ? ` sharing its pool through ${redactUrl(new URL(v.redis))}` : '';
    log.info(`listening on http://${host}:${bound}/ serving ${egress.join(', ')}${shared}`);
    if (sealingKey !== undefined)
      log.info(`sealed signaling only, broker key ${encodeKey(sealingKey.publicKey)} (--broker-key)`);
    const metrics = await startMetrics(v, broker.metrics, log.info, () => ({ ok: true })).catch(
      async (e: unknown) => {
        await broker.close();
        await store.close();
        throw e;
      },
    );
    await untilSignal();
    metrics?.close();
    await broker.close();
    await store.close();
    return 0;
  },
};

/** The token in the file `--flag` names (signaling-v1 §12), checked; undefined without the flag. */
function tokenFile(v: Values, flag: string): string | undefined {
  const file = v[flag];
  if (typeof file !== 'string') return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--${flag}: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return checkEgressToken(text);
  } catch (e) {
    throw new UsageError(`--${flag}: ${file}: ${(e as Error).message}`);
  }
}

/** The broker's --stun, --turn and --turn-secret (signaling-v1 §3). */
async function brokerIce(v: Values): Promise<import('../broker/ice.js').IceConfig> {
  const { checkIceUrls } = await import('../broker/ice.js');
  const stun = list(v, 'stun');
  const turn = list(v, 'turn');
  try {
    checkIceUrls(stun, 'stun');
    checkIceUrls(turn, 'turn');
  } catch (e) {
    throw new UsageError(`--stun/--turn: ${(e as Error).message}`);
  }
  const file = v['turn-secret'];
  if (turn.length > 0 && typeof file !== 'string') throw new UsageError('--turn needs --turn-secret FILE');
  if (turn.length === 0 && typeof file === 'string') throw new UsageError('--turn-secret needs --turn URL');
  if (typeof file !== 'string') return { stun };
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new UsageError(`--turn-secret: cannot read ${file}: ${(e as Error).message}`);
  }
  if (secret.length < 16) throw new UsageError(`--turn-secret: ${file} must hold at least 16 characters`);
  return { stun, turn: { urls: turn, secret } };
}

/** The broker's store: Redis with --redis, else in-process. An unreachable Redis is a StartupError. */
async function openStore(
  v: Values,
  shares: { maxWaitingPerSource: number; maxPendingPerSource: number },
  log: Logger,
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
    const onError = (e: unknown) => log.error(`redis: ${String(e)}`);
    return await RedisStore.connect({ url: v.redis, keyPrefix, ...shares, onError });
  } catch (e) {
    throw new StartupError((e as Error).message);
  }
}

export const volunteerCommand: Command = {
  name: 'volunteer',
  summary: "Run a headless volunteer: relays clients' data channels to an egress, seeing ciphertext only.",
  options: [
    {
      name: 'broker',
      type: 'string',
      arg: 'URL',
      default: 'http://127.0.0.1:8700/',
      help: 'the broker to poll',
    },
    {
      name: 'allow-egress',
      type: 'list',
      arg: 'URL',
      help: 'an egress this volunteer relays to; repeat for several (required unless --trust-broker-egress: the broker does not choose)',
    },
    {
      name: 'trust-broker-egress',
      type: 'boolean',
      help: 'relay to the egresses the broker lists instead of --allow-egress; only with an https: broker (or one on this machine), since anyone between could rewrite that list',
    },
    {
      name: 'max-clients',
      type: 'integer',
      default: VOLUNTEER_DEFAULTS.maxClients,
      min: 1,
      max: 64,
      unit: 'clients',
      help: 'clients relayed at once',
    },
    {
      name: 'max-rate',
      type: 'integer',
      arg: 'BYTES',
      default: VOLUNTEER_DEFAULTS.maxBytesPerSec,
      min: 0,
      max: 10 ** 10,
      unit: 'bytes/s',
      help: 'byte rate cap across all clients (0: none)',
    },
    {
      name: 'max-rate-per-client',
      type: 'integer',
      arg: 'BYTES',
      default: VOLUNTEER_DEFAULTS.maxBytesPerSecPerClient,
      min: 0,
      max: 10 ** 10,
      unit: 'bytes/s',
      help: 'byte rate cap of each client on their own, within --max-rate (0: none)',
    },
    {
      name: 'max-total',
      type: 'integer',
      arg: 'BYTES',
      default: VOLUNTEER_DEFAULTS.maxTotalBytes,
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      unit: 'bytes',
      help: 'bytes relayed in all, after which the volunteer says GOODBYE and pauses until restarted (0: none)',
    },
    pairingOption(
      "a code from 'starling pair': help only the clients started with the same code (none: help anyone)",
    ),
    {
      name: 'broker-key',
      type: 'string',
      arg: 'KEY',
      defaultText: "the one the broker's /v1/info publishes, if any",
      help: "the broker's public key for sealed signaling (base64url, printed by the broker); pinned, so a front that rewrites /v1/info still reads nothing",
    },
    ...RTC_OPTIONS,
    CA_OPTION,
    METRICS_OPTION,
    ...LOG_OPTIONS,
  ],
  notes: 'SIGINT/SIGTERM switch off gracefully (GOODBYE to every client first).',
  async run(v, { log }) {
    const broker = url(v, 'broker', ['http:', 'https:'], 'http://127.0.0.1:8700/');
    const pairing = pairingCode(v);
    if (v.metrics !== undefined) hostPort(v, 'metrics', '');
    const allow = list(v, 'allow-egress').map((u) => checkUrl(u, '--allow-egress', ['ws:', 'wss:']));
    const brokerKey = brokerKeyOption(v);
    const options = {
      brokerKey,
      broker,
      allow,
      brokerEgress: v['trust-broker-egress'] === true,
      maxClients: num(v, 'max-clients'),
      maxBytesPerSec: num(v, 'max-rate'),
      maxBytesPerSecPerClient: num(v, 'max-rate-per-client'),
      maxTotalBytes: num(v, 'max-total'),
      ...(pairing === undefined ? {} : { pairing }),
    };
    const rtc = rtcOptions(v);
    if (allow.length === 0 && !options.brokerEgress)
      throw new UsageError('--allow-egress is required: name the egress(es) this volunteer relays to');
    const { nodeRelayEnv } = await import('../volunteer/node.js');
    const { VolunteerRelay } = await import('../volunteer/relay.js');
    const { closeNodeWebRtc } = await import('../shared/webrtc-node.js');
    const { VolunteerMetrics } = await import('../volunteer/metrics.js');
    let relay: InstanceType<typeof VolunteerRelay> | undefined;
    const metrics = new VolunteerMetrics(() => relay!.stats);
    const env = nodeRelayEnv(rtc, await caOption(v));
    try {
      relay = new VolunteerRelay(options, { ...env, fetch: metrics.countingFetch(env.fetch) });
    } catch (e) {
      throw new UsageError(`${(e as Error).message} (--allow-egress, --trust-broker-egress)`);
    }
    const metricsServer = await startMetrics(v, metrics.registry, log.info);
    relay.addEventListener('network', (e) => {
      const n = e.detail;
      log.info(`network: NAT ${n.nat}, ${n.iceServers} ICE server entries${n.hasTurn ? ' with TURN' : ''}`);
    });
    relay.addEventListener('state', () => {
      const s = relay.stats;
      log.info(`${s.state}${s.clients > 0 ? ` (${s.clients} client${s.clients > 1 ? 's' : ''})` : ''}`);
    });
    relay.start();
    log.info(`polling ${broker}${pairing === undefined ? '' : ' as a private bridge (paired)'}`);
    await untilSignal();
    metricsServer?.close();
    await relay.stop();
    return stopWebRtc(() => closeNodeWebRtc(), log.error);
  },
};

export const clientCommand: Command = {
  name: 'client',
  summary: 'Run the client: local SOCKS5 and HTTP proxies that tunnel through volunteers to an egress.',
  options: [
    {
      name: 'egress-key',
      type: 'string',
      arg: 'KEY',
      required: true,
      help: "the egress's public key (base64url, from 'starling keygen'); pinned, never trusted blindly",
    },
    { name: 'broker', type: 'string', arg: 'URL', default: 'http://127.0.0.1:8700/', help: 'the broker' },
    {
      name: 'broker-key',
      type: 'string',
      arg: 'KEY',
      defaultText: "the one the broker's /v1/info publishes, if any",
      help: "the broker's public key for sealed signaling (base64url, printed by the broker); pinned, so a front that rewrites /v1/info still reads nothing",
    },
    {
      name: 'egress',
      type: 'string',
      arg: 'URL',
      defaultText: "the broker's first",
      help: 'the egress to ask for',
    },
    { name: 'socks', type: 'string', arg: 'ADDR', default: '127.0.0.1:1080', help: 'SOCKS5 proxy address' },
    {
      name: 'http',
      type: 'string',
      arg: 'ADDR',
      default: '127.0.0.1:8080',
      help: 'HTTP proxy address; it serves a proxy auto-config file at /proxy.pac too',
    },
    {
      name: 'paths',
      type: 'integer',
      default: CLIENT_DEFAULTS.paths,
      min: 1,
      max: SESSION_DEFAULTS.maxPathsPerSession / 2,
      unit: 'volunteers',
      help: 'volunteers used at once',
    },
    pairingOption(
      "a code from 'starling pair': use the volunteers paired with it first, then the public pool",
    ),
    {
      name: 'paired-only',
      type: 'boolean',
      help: 'with --pairing: never use the public pool; wait for a paired volunteer instead',
    },
    {
      name: 'status',
      type: 'string',
      arg: 'ADDR',
      defaultText: 'off',
      help: 'serve the status as JSON at http://ADDR/status, to this machine only (e.g. 127.0.0.1:8081)',
    },
    ...RTC_OPTIONS,
    CA_OPTION,
    {
      name: 'rendezvous',
      type: 'string',
      arg: 'LIST',
      defaultText: 'tunnel,direct,front,get with --front, else tunnel,direct',
      help: 'how to reach the broker, comma-separated, in the order first tried: tunnel (inside the session, through the egress, whenever one has a live path; needs an egress with --broker), direct (the --broker URL), front (TLS to --front, the broker named inside), get (a GET encoding for caches and CDNs that carry no POST body, through --front when given); the one that worked is tried first next time (docs/deploy.md, "A front for censored clients")',
    },
    {
      name: 'front',
      type: 'string',
      arg: 'HOST[:PORT]',
      defaultText: 'none',
      help: 'a front for domain fronting: a name on the CDN that also carries the broker (port 443 unless given); the censor sees TLS to HOST only',
    },
    {
      name: 'front-ca',
      type: 'string',
      arg: 'FILE',
      defaultText: "the system's CAs",
      help: "trust only these CA certificates (PEM) for the front's certificate, e.g. a test's own CA",
    },
    {
      name: 'state-dir',
      type: 'string',
      arg: 'DIR',
      defaultText: 'none',
      help: 'a directory for what the client remembers between runs: the rendezvous method that worked, in DIR/rendezvous.json',
    },
    {
      name: 'host-candidates',
      type: 'boolean',
      help: "tell the broker and volunteers this machine's LAN and IPv6 addresses too (default: only loopback and --ice-address; STUN/TURN candidates are always sent)",
    },
    {
      name: 'ws-path',
      type: 'string',
      arg: 'MODE',
      default: 'never',
      choices: DIRECT_PATH_MODES,
      heading:
        'When WebRTC is blocked: a direct WebSocket to the egress (docs/security.md, "The direct path")',
      help: "never; fallback: once no volunteer path has been up for --ws-fallback-after, dropped when one is back; always. It shows this machine's address to the front and the egress",
    },
    {
      name: 'ws-url',
      type: 'string',
      arg: 'URL',
      defaultText: '--egress',
      help: "the egress's WebSocket URL with its --path (wss://egress.example.org/PATH): the Host header and the path the direct path sends",
    },
    {
      name: 'ws-front',
      type: 'string',
      arg: 'HOST[:PORT]',
      defaultText: "the URL's host",
      help: "connect and TLS (SNI) to this front instead of the URL's host, the URL's host in the Host header (domain fronting)",
    },
    {
      name: 'ws-fallback-after',
      type: 'integer',
      default: CLIENT_DEFAULTS.wsFallbackAfterMs,
      min: 1,
      max: 3_600_000,
      unit: 'ms',
      help: 'with --ws-path fallback: no volunteer path for this long, then the direct path',
    },
    {
      name: 'no-supervise',
      type: 'boolean',
      help: "run the client in this process alone: no watchdog process that restarts it on the same ports when it hangs (libdatachannel's deadlock, docs/lab.md)",
    },
    ...LOG_OPTIONS,
  ],
  notes:
    'On a terminal a status line shows volunteers, throughput, streams, reconnects and any problem, redrawn\n' +
    'once a second, with log lines above it; otherwise only log lines are printed.',
  async run(v, { log: baseLog }) {
    const code = pairingCode(v);
    if (v['paired-only'] === true && code === undefined)
      throw new UsageError('--paired-only needs --pairing CODE');
    const egressKey = str(v, 'egress-key');
    try {
      decodeKey(egressKey);
    } catch (e) {
      throw new UsageError(`--egress-key: ${(e as Error).message}`);
    }
    const broker = url(v, 'broker', ['http:', 'https:'], 'http://127.0.0.1:8700/');
    const brokerKey = brokerKeyOption(v);
    const egress = typeof v.egress === 'string' ? checkUrl(v.egress, '--egress', ['ws:', 'wss:']) : undefined;
    const socks = hostPort(v, 'socks', '127.0.0.1:1080');
    const http = hostPort(v, 'http', '127.0.0.1:8080');
    const ca = await caOption(v);
    const rendezvous = await rendezvousOptions(v);
    const status = v.status === undefined ? undefined : hostPort(v, 'status', '127.0.0.1:0');
    const wsPath = directPathOption(v, egress, ca);
    const { bindAddress, iceServers } = rtcOptions(v);
    const [
      { createClient },
      { createSocksServer },
      { createHttpProxyServer },
      { StatusLine },
      statusHttp,
      logs,
    ] = await Promise.all([
      import('../client/client.js'),
      import('../client/socks5.js'),
      import('../client/http-proxy.js'),
      import('../client/status-line.js'),
      import('../client/status-http.js'),
      import('./log.js'),
    ]);
    const { caFetch } = await import('../shared/ca-fetch.js');
    // Log lines go through the status line, which erases itself before each (on a terminal) and comes back
    // below it; warnings and errors go to stderr. Problems are logged as they begin (warn) and end (info).
    const pairing =
      code === undefined ? undefined : { tag: await pairingTag(code), only: v['paired-only'] === true };
    const line: InstanceType<typeof StatusLine> = new StatusLine(process.stdout, (text, level) =>
      log.log(level, text),
    );
    const log = new logs.Logger({
      role: baseLog.role,
      format: baseLog.format,
      level: baseLog.level,
      addresses: baseLog.addresses,
      write: (text, level) =>
        line.print(text, level === 'error' || level === 'warn' ? process.stderr : process.stdout),
    });
    const client = createClient({
      broker,
      ...(ca === undefined ? {} : { brokerFetch: caFetch(ca) }),
      rendezvous,
      egressKey,
      brokerKey,
      ...(egress ? { egress } : {}),
      ...(pairing === undefined ? {} : { pairing }),
      paths: num(v, 'paths'),
      ...(bindAddress === undefined ? {} : { iceAddress: bindAddress }),
      ...(iceServers === undefined ? {} : { stun: iceServers }),
      ...(v['host-candidates'] === true ? { hostCandidates: 'all' as const } : {}),
      ...(wsPath === undefined ? {} : { wsPath, wsFallbackAfterMs: num(v, 'ws-fallback-after') }),
      log: log.info,
      closeWebRtc: true,
    });
    const stopped = new Promise<Error | undefined>((resolve) => client.once('stopped', resolve));
    // Listening for SIGINT and SIGTERM before the proxies say where they are: one sent as soon as the SOCKS5
    // line is read must stop the client cleanly, not kill it by default.
    const signalled = untilSignal();
    // The proxies' "no volunteer reachable" notice says "starling: ..." itself; the logger names the role.
    const notice = (message: string) => log.warn(message.replace(/^starling: /, ''));
    const socksServer = createSocksServer(client, { log: notice });
    let socksAddress: { host: string; port: number } | undefined;
    const httpServer = createHttpProxyServer(client, { log: notice, pacSocks: () => socksAddress });
    const statusServer = status ? statusHttp.createStatusServer(() => client.status()) : undefined;
    const closeAll = async () => {
      await client.close();
      socksServer.close();
      httpServer.close();
      statusServer?.close();
      line.stop();
    };
    try {
      const socksPort = await startup(`cannot listen for SOCKS5 on ${socks.host}:${socks.port}`, () =>
        listen(socksServer, socks.port, socks.host),
      );
      const httpPort = await startup(`cannot listen for HTTP on ${http.host}:${http.port}`, () =>
        listen(httpServer, http.port, http.host),
      );
      socksAddress = { host: socks.host, port: socksPort };
      log.info(`SOCKS5 proxy on ${socks.host}:${socksPort}, HTTP proxy on ${http.host}:${httpPort}`);
      const ports: { socks: string; http: string; status?: string } = {
        socks: joinHostPort(socks.host, socksPort),
        http: joinHostPort(http.host, httpPort),
      };
      log.info(`proxy auto-config: http://${hostForUrl(http.host)}:${httpPort}/proxy.pac`);
      if (pairing !== undefined)
        log.info(
          `paired: ${pairing.only ? 'paired volunteers only' : 'paired volunteers first, then the public pool'}`,
        );
      if (status && statusServer) {
        const statusPort = await startup(`cannot listen for --status on ${status.host}:${status.port}`, () =>
          listen(statusServer, status.port, status.host),
        );
        log.info(`status on http://${hostForUrl(status.host)}:${statusPort}/status`);
        ports.status = joinHostPort(status.host, statusPort);
      }
      reportListening(ports);
    } catch (e) {
      await closeAll();
      throw e;
    }
    client.on('status', (s) => line.update(s));
    hangOnceForTests(client);
    // A wrong key looks like a hostile volunteer (issue 9, finding 1): say so, again and again, never stop.
    client.on('key-warning', (message) => log.warn(message));
    const outcome = await Promise.race([signalled, stopped]);
    const closed = await stopWebRtc(closeAll, log.error);
    if (outcome instanceof Error) {
      log.error(outcome.message);
      return 1;
    }
    return closed;
  },
};

/** `--rendezvous`, `--front`, `--front-ca` and `--state-dir` as the client's rendezvous options. */
async function rendezvousOptions(v: Values): Promise<ClientRendezvous> {
  const out: ClientRendezvous = {};
  if (v.front !== undefined) {
    try {
      parseFront(str(v, 'front'));
    } catch (e) {
      throw new UsageError(`--front: ${(e as Error).message}`);
    }
    out.front = str(v, 'front');
  }
  if (v.rendezvous !== undefined) {
    const names = str(v, 'rendezvous')
      .split(',')
      .map((n) => n.trim());
    const order: RendezvousMethodName[] = [];
    out.tunnel = names.includes('tunnel');
    if (names.filter((n) => n === 'tunnel').length > 1)
      throw new UsageError('--rendezvous: tunnel is named twice');
    for (const name of names.filter((n) => n !== 'tunnel')) {
      if (!isRendezvousMethodName(name))
        throw new UsageError(`--rendezvous: ${name} is not one of tunnel, ${RENDEZVOUS_METHODS.join(', ')}`);
      if (order.includes(name)) throw new UsageError(`--rendezvous: ${name} is named twice`);
      order.push(name);
    }
    if (order.includes('front') && out.front === undefined)
      throw new UsageError('--rendezvous front needs --front HOST[:PORT]');
    if (order.length === 0)
      throw new UsageError('--rendezvous: tunnel needs a method to make the session by');
    out.order = order;
  }
  if (v['front-ca'] !== undefined) {
    const file = str(v, 'front-ca');
    try {
      out.frontCa = await readCaFile(file);
    } catch (e) {
      throw new StartupError(`--front-ca: ${(e as Error).message}`);
    }
  }
  if (v['state-dir'] !== undefined) out.stateDir = str(v, 'state-dir');
  return out;
}

/** `--ws-path` and its companions (path-v1 §6), checked; undefined for `never`. */
function directPathOption(v: Values, egress: string | undefined, ca: string | undefined) {
  const mode = str(v, 'ws-path', 'never') as DirectPathMode;
  if (mode === 'never') {
    for (const name of ['ws-url', 'ws-front'])
      if (v[name] !== undefined) throw new UsageError(`--${name} needs --ws-path fallback or always`);
    return undefined;
  }
  const wsUrl = typeof v['ws-url'] === 'string' ? v['ws-url'] : egress;
  if (wsUrl === undefined) throw new UsageError(`--ws-path ${mode} needs --ws-url URL (or --egress URL)`);
  const front = typeof v['ws-front'] === 'string' ? v['ws-front'] : undefined;
  const options = {
    mode,
    url: checkUrl(wsUrl, '--ws-url', ['ws:', 'wss:']),
    ...(front === undefined ? {} : { front }),
    ...(ca === undefined ? {} : { ca }),
  };
  try {
    directTarget(options);
  } catch (e) {
    throw new UsageError(`--ws-front: ${(e as Error).message}`);
  }
  return options;
}

/** `::1` -> `[::1]` for a URL. */
function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
