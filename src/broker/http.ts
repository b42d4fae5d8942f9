/**
 * The broker's HTTP edge (signaling-v1 §1 to §6, and §9's GET encoding of them) on node:http: rate-limits, caps and decodes the body,
 * calls BrokerService, and maps SignalingError to a status and JSON error body. No matching here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AddressSet, clientAddress } from '../shared/ip.js';
import { BROKER_DEFAULTS, type BrokerOptions, withDefaults } from '../shared/limits.js';
import { listen } from '../shared/listen.js';
import type { MetricsRegistry } from '../shared/metrics.js';
import { errorBody, SignalingError } from '../signaling/errors.js';
import { decodeGetTarget, encodeGetEnvelope, GET_PREFIX } from '../signaling/get-encoding.js';
import {
  decodeAnswerRequest,
  decodeOfferRequest,
  decodeOutcomeRequest,
  decodePollRequest,
  encodeInfoResponse,
  encodeOfferResponse,
  encodePollResponse,
} from '../signaling/messages.js';
import { SEALED_PATHS, SEALED_SIZES, SealedBrokerKey, type SealedResponse } from '../signaling/sealed.js';
import {
  checkEgressToken,
  EGRESS_TOKEN_HEADER,
  isSessionId,
  SESSION_HEADER,
} from '../signaling/tunnel-source.js';
import { isContentType, jsonOfBytes, readBody, readJsonBody } from './body.js';
import type { IceConfig } from './ice.js';
import { counterSvg, MAP_CSP, MAP_CSS, MAP_HTML, MAP_JS } from './map-page.js';
import { MemoryStore } from './memory-store.js';
import { BrokerMetrics } from './metrics.js';
import { NetworkMap } from './network-map.js';
import { RateLimiter } from './rate-limit.js';
import type { RegionOf } from './regions.js';
import { SealedReplayWindow } from './sealed-replay.js';
import { BrokerService } from './service.js';
import type { SignalingStore } from './store.js';

export interface BrokerServerOptions extends Partial<BrokerOptions> {
  /** Egress URLs this broker serves (signaling-v1 §3); the first is the default. */
  egress: string[];
  /** State shared by broker instances. @default a MemoryStore, closed with the server */
  store?: SignalingStore;
  /**
   * The client address a request counts against, its source; an IPv6 one counts by its /64 (signaling-v1 §1).
   * @default the socket's remote address, or with `trustedProxies` the forwarded one (src/shared/ip.ts)
   */
  addressOf?: (req: IncomingMessage) => string;
  /**
   * Where the trusted proxies connect from (`addr/prefix` or addresses): `X-Forwarded-For` is read only on
   * their connections (signaling-v1 §1). @default any peer, when `trustedProxies` > 0
   */
  proxyAddresses?: readonly string[];
  /** Called with unexpected (non-SignalingError) failures, answered 500. @default console.error */
  onError?: (err: unknown) => void;
  /** The network map's coarse region of an address (regions.ts); none: one region, "all" (docs/map.md). */
  regionOf?: RegionOf;
  /**
   * The broker's X25519 key pair for sealed signaling (signaling-v1 §10): with it, polls, answers, offers and
   * outcome reports are taken only sealed, at `POST /v1/sealed`, and `GET /v1/info` publishes the public key.
   * @default none: plain signaling only
   */
  sealingKey?: { privateKey: Uint8Array; publicKey: Uint8Array };
  /** STUN and TURN servers handed out in `GET /v1/info` (signaling-v1 §3). @default none */
  ice?: IceConfig;
  /**
   * The token this broker's egresses prove themselves with (signaling-v1 §12, `--egress-token`): a request
   * carrying it counts under its `starling-session` instead of the egress's address, within the egress's
   * overall budget (`egressRateLimitPerSecond`, `egressRateLimitBurst`). @default none: the headers are ignored
   */
  egressToken?: string;
}

export interface BrokerServer {
  readonly server: Server;
  readonly service: BrokerService;
  readonly store: SignalingStore;
  /** Its metrics, for a `/metrics` listener (src/shared/metrics-server.ts). */
  readonly metrics: MetricsRegistry;
  /** What GET /map, /map.json and /counter.* show. */
  readonly map: NetworkMap;
  /** Starts listening; resolves with the bound port (pass 0 for any). */
  listen(port: number, host: string): Promise<{ port: number }>;
  /** Stops accepting, ends every pending long-poll and offer promptly, closes all connections. */
  close(): Promise<void>;
}

/** What a POST handler knows of its request besides the body: its source key and its hang-up signal. */
interface RequestContext {
  readonly source: string;
  readonly signal: AbortSignal;
  /** The network map's region of the request's address (never the address itself). */
  readonly region: string;
  /** The page origin a browser volunteer polls from (its Origin header), for the per-site count; else null. */
  readonly site: string | null;
}

type Route =
  | { method: 'GET'; run: () => object }
  | { method: 'POST'; run: (body: unknown, request: RequestContext) => Promise<object> };

function sealedRequired(): SignalingError {
  return new SignalingError(
    'sealed-required',
    'this broker takes sealed signaling only (signaling-v1 §10); update Starling, or give it the key from GET /v1/info',
  );
}

/** signaling-v1 §10: the one route of sealed signaling, and its content type. */
const SEALED_ROUTE = '/v1/sealed';
const SEALED_TYPE = 'application/octet-stream';
const MAX_SEALED_BYTES = Math.max(...SEALED_SIZES);

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Browsers may cache a preflight answer this long, seconds. */
const PREFLIGHT_MAX_AGE_S = 600;
/**
 * signaling-v1 §9: caches may keep a GET-encoded answer this long, seconds. Each request target is used
 * once (it carries a fresh nonce), so a cached answer is never handed to anyone else.
 */
const GET_ANSWER_MAX_AGE_S = 60;

export function createBrokerServer(options: BrokerServerOptions): BrokerServer {
  const opts = withDefaults<BrokerOptions>(BROKER_DEFAULTS, options);
  if (!Number.isInteger(opts.trustedProxies) || opts.trustedProxies < 0) {
    throw new RangeError(`trustedProxies must be a whole number >= 0, not ${opts.trustedProxies}`);
  }
  const ownsStore = options.store === undefined;
  const store = options.store ?? new MemoryStore(opts);
  const metrics = new BrokerMetrics();
  const service = new BrokerService(store, options.egress, opts, {
    onMatch: (nat, ms) => metrics.matched(nat, ms),
    ...(options.ice === undefined ? {} : { ice: options.ice }),
  });
  const limiter = new RateLimiter({
    perSecond: opts.rateLimitPerSecond,
    burst: opts.rateLimitBurst,
    maxSources: opts.rateLimitMaxAddresses,
  });
  /** signaling-v1 §12: all the sessions of one trusted egress together, keyed by the egress's own source. */
  const egressLimiter = new RateLimiter({
    perSecond: opts.egressRateLimitPerSecond,
    burst: opts.egressRateLimitBurst,
    maxSources: opts.rateLimitMaxAddresses,
  });
  const digest = (text: string) => createHash('sha256').update(text).digest();
  const egressToken =
    options.egressToken === undefined ? undefined : digest(checkEgressToken(options.egressToken));
  const proxies =
    options.proxyAddresses === undefined || options.proxyAddresses.length === 0
      ? undefined
      : new AddressSet(options.proxyAddresses);
  const addressOf =
    options.addressOf ??
    ((req: IncomingMessage) =>
      clientAddress(
        req.headers['x-forwarded-for'],
        req.socket.remoteAddress ?? '',
        opts.trustedProxies,
        proxies,
      ));
  const onError = options.onError ?? ((err: unknown) => console.error('broker: unexpected error', err));
  const map = new NetworkMap();
  const regionOf = options.regionOf;
  const regionOfRequest = (req: IncomingMessage): string =>
    regionOf === undefined ? 'all' : (regionOf(addressOf(req)) ?? 'unknown');

  const sealing = options.sealingKey;
  const sealedKey = sealing === undefined ? undefined : SealedBrokerKey.create(sealing);
  // An unhandled rejection would be a crash; a bad key is reported on the first sealed request instead.
  sealedKey?.catch(() => {});
  const replay = new SealedReplayWindow(opts.sealedWindowMs, opts.sealedReplayMaxEntries);
  const info = (): object => ({
    ...encodeInfoResponse(service.info()),
    ...(sealing === undefined ? {} : { key: base64url(sealing.publicKey) }),
  });

  const routes = new Map<string, Route>([
    ['/v1/info', { method: 'GET', run: info }],
    [
      '/v1/volunteer/poll',
      {
        method: 'POST',
        run: async (b, r) => {
          const poll = decodePollRequest(b);
          map.volunteerPolled(r.source, r.region);
          metrics.pollsWaiting.inc({}, 1);
          try {
            const polled = await service.poll(poll, r.source, r.signal);
            metrics.polls.inc({ outcome: polled.offer === null ? 'empty' : 'offer' });
            if (polled.offer !== null) map.matched(r.region, r.site);
            return encodePollResponse(polled);
          } catch (e) {
            metrics.polls.inc({ outcome: 'error' });
            throw e;
          } finally {
            metrics.pollsWaiting.inc({}, -1);
          }
        },
      },
    ],
    [
      '/v1/volunteer/answer',
      {
        method: 'POST',
        run: async (b) => {
          await service.answer(decodeAnswerRequest(b));
          return { v: 1 };
        },
      },
    ],
    [
      '/v1/client/offer',
      {
        method: 'POST',
        run: async (b, r) => {
          const offer = decodeOfferRequest(b);
          map.clientOffered(r.source, r.region);
          try {
            const answer = await service.offer(offer, r.source, r.signal);
            metrics.offers.inc({ outcome: 'matched' });
            return encodeOfferResponse(answer);
          } catch (e) {
            const code = e instanceof SignalingError ? e.code : 'internal';
            metrics.offers.inc({ outcome: code });
            if (code === 'rate-limited') metrics.rateLimited.inc({ limit: 'matches' });
            throw e;
          }
        },
      },
    ],
    [
      '/v1/client/outcome',
      {
        method: 'POST',
        run: async (b, r) => {
          await service.outcome(decodeOutcomeRequest(b), r.source);
          return { v: 1 };
        },
      },
    ],
  ]);

  let closing = false;
  const inflight = new Set<AbortController>();
  let drained: (() => void) | undefined;

  /** Writes a JSON answer with CORS and, when the body has one, a Retry-After header (signaling-v1 §1). */
  const send = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    body: object,
    cacheControl = 'no-store',
  ): void => {
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(body);
    res.statusCode = status;
    allowCors(res);
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', Buffer.byteLength(text));
    res.setHeader('cache-control', cacheControl);
    const retryAfterMs = (body as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof retryAfterMs === 'number')
      res.setHeader('retry-after', String(Math.ceil(retryAfterMs / 1000)));
    // An unread body is not drained for keep-alive: the connection closes after this answer.
    if (closing || unreadBody(req)) res.setHeader('connection', 'close');
    // Counted before the answer leaves, so a scrape after it always sees it.
    metrics.requests.inc({ route: routeLabel(pathOf(req)), code: String(status) });
    res.end(text);
  };

  /** An error as the broker states it; anything but a SignalingError is a bug, reported and answered 500. */
  const stated = (err: unknown): SignalingError => {
    if (!(err instanceof SignalingError)) onError(err);
    return err instanceof SignalingError ? err : new SignalingError('internal', 'internal error');
  };

  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown): void => {
    const e = stated(err);
    if (e.code === 'bad-method') {
      const path = pathOf(req);
      const route = routes.get(path);
      if (path.startsWith(GET_PREFIX)) res.setHeader('allow', 'GET, OPTIONS');
      else if (route !== undefined) res.setHeader('allow', `${route.method}, OPTIONS`);
    }
    send(req, res, e.status, errorBody(e));
  };

  /**
   * signaling-v1 §12: the session a trusted egress names, when the request carries the egress token and a
   * well-formed session id; otherwise undefined, and the headers count for nothing (the request is counted
   * as any other from its address).
   */
  const trustedSession = (req: IncomingMessage): string | undefined => {
    const token = req.headers[EGRESS_TOKEN_HEADER];
    const session = req.headers[SESSION_HEADER];
    if (token === undefined && session === undefined) return undefined;
    const trusted =
      egressToken !== undefined &&
      typeof token === 'string' &&
      timingSafeEqual(digest(token), egressToken) &&
      isSessionId(session);
    metrics.tunnelled.inc({ result: trusted ? 'trusted' : 'ignored' });
    return trusted ? (session as string) : undefined;
  };

  /**
   * The request's source key, once it passes the rate limit (signaling-v1 §1). A trusted egress's session
   * (§12) is its own source, and takes a token from the egress's overall budget too: both or neither.
   */
  const admit = (req: IncomingMessage): string => {
    const address = service.sourceKey(addressOf(req));
    const session = trustedSession(req);
    const refuse = (retryAfterMs: number): never => {
      metrics.rateLimited.inc({ limit: 'requests' });
      throw new SignalingError('rate-limited', 'too many requests', { retryAfterMs });
    };
    if (session === undefined) {
      const decision = limiter.take(address);
      if (!decision.ok) refuse(decision.retryAfterMs);
      return address;
    }
    const source = service.tunnelSourceKey(address, session);
    const own = limiter.check(source);
    const all = egressLimiter.check(address);
    if (!own.ok || !all.ok) refuse(Math.max(own.ok ? 0 : own.retryAfterMs, all.ok ? 0 : all.retryAfterMs));
    limiter.spend(source);
    egressLimiter.spend(address);
    return source;
  };

  const contextOf = (req: IncomingMessage, source: string, signal: AbortSignal): RequestContext => ({
    source,
    signal,
    region: regionOfRequest(req),
    site: pageOrigin(req.headers.origin),
  });

  /**
   * signaling-v1 §9: a GET standing for a POST route. A target that cannot be read is an ordinary error
   * answer; once it is read, whatever the route answers (rate limit, no-match, ...) comes in a 200 envelope.
   */
  const getEncoded = async (
    req: IncomingMessage,
    res: ServerResponse,
    signal: AbortSignal,
  ): Promise<void> => {
    // Counted first, so that unreadable targets cost a token too; refused inside the envelope.
    let source: string | undefined;
    let refused: unknown;
    try {
      source = admit(req);
    } catch (err) {
      refused = err;
    }
    if (req.method !== 'GET') throw new SignalingError('bad-method', 'use GET');
    const { route, body } = decodeGetTarget(req.url ?? '/', opts);
    let status = 200;
    let answer: object;
    try {
      if (source === undefined) throw refused;
      const found = routes.get(`/${route}`);
      if (found?.method !== 'POST') throw new Error(`no POST route for ${route}`);
      // signaling-v1 §9: a GET-encoded plain body is as plain as a POSTed one.
      if (sealing !== undefined) throw sealedRequired();
      answer = await found.run(jsonOfBytes(body), contextOf(req, source, signal));
    } catch (err) {
      const e = stated(err);
      status = e.status;
      answer = errorBody(e);
    }
    const retryAfterMs = (answer as { retryAfterMs?: unknown }).retryAfterMs;
    const envelope = encodeGetEnvelope({
      status,
      body: new TextEncoder().encode(JSON.stringify(answer)),
      ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
    });
    send(req, res, 200, envelope, `public, max-age=${GET_ANSWER_MAX_AGE_S}`);
  };

  const route = async (req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> => {
    const path = pathOf(req);
    if (path === '/healthz' && req.method === 'GET') return send(req, res, 200, { v: 1, ok: true });
    if (path.startsWith(GET_PREFIX) && req.method !== 'OPTIONS') return getEncoded(req, res, signal);
    const source = admit(req);
    if (req.method === 'OPTIONS') {
      metrics.requests.inc({ route: routeLabel(path), code: '204' });
      allowCors(res);
      res.writeHead(204, {
        'access-control-allow-methods': 'POST, GET',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': String(PREFLIGHT_MAX_AGE_S),
        ...(unreadBody(req) ? { connection: 'close' } : {}),
      });
      res.end();
      return;
    }
    if (req.method === 'GET' && sendMapRoute(req, res, path, map)) return;
    const context = contextOf(req, source, signal);
    if (path === SEALED_ROUTE) return sealed(req, res, context);
    const found = routes.get(path);
    if (found === undefined) throw new SignalingError('not-found', 'no such path');
    if (req.method !== found.method) throw new SignalingError('bad-method', `use ${found.method}`);
    if (found.method === 'GET') return send(req, res, 200, found.run());
    if (sealing !== undefined && (SEALED_PATHS as readonly string[]).includes(path)) throw sealedRequired();
    const body = await readJsonBody(req, opts.maxBodyBytes);
    send(req, res, 200, await found.run(body, context));
  };

  /**
   * signaling-v1 §10: `POST /v1/sealed`. Whatever fails before the body opens is a plain error; once it
   * opens, every answer (errors too) is sealed and sent as 200, so a front learns neither route nor outcome.
   */
  const sealed = async (
    req: IncomingMessage,
    res: ServerResponse,
    context: RequestContext,
  ): Promise<void> => {
    if (sealedKey === undefined)
      throw new SignalingError('not-found', 'this broker has no key: it takes plain signaling only');
    if (req.method !== 'POST') throw new SignalingError('bad-method', 'use POST');
    const type = req.headers['content-type'];
    if (!isContentType(type, SEALED_TYPE) && !isContentType(type, 'text/plain'))
      throw new SignalingError('bad-type', `content-type must be ${SEALED_TYPE} or text/plain`);
    const bytes = await readBody(req, Math.min(opts.maxBodyBytes, MAX_SEALED_BYTES));
    const opened = await (await sealedKey).open(bytes);
    const now = Date.now();
    let answer: SealedResponse;
    try {
      const verdict = replay.check(opened.enc, opened.request.t, now);
      metrics.sealed.inc({ outcome: verdict });
      if (verdict === 'stale')
        throw new SignalingError(
          'stale',
          `sealed request time is over ${opts.sealedWindowMs} ms from the broker's`,
        );
      if (verdict === 'replayed') throw new SignalingError('replayed', 'sealed request seen before');
      const found = routes.get(opened.request.path);
      if (found === undefined || found.method !== 'POST')
        throw new SignalingError('not-found', 'no such path');
      answer = { status: 200, now, body: await found.run(opened.request.body, context) };
    } catch (err) {
      if (!(err instanceof SignalingError)) onError(err);
      const e = err instanceof SignalingError ? err : new SignalingError('internal', 'internal error');
      answer = { status: e.status, now: Date.now(), body: errorBody(e) };
    }
    const sealedAnswer = await opened.seal({ ...answer, now: Date.now() });
    if (res.headersSent || res.destroyed) return;
    res.statusCode = 200;
    allowCors(res);
    res.setHeader('content-type', SEALED_TYPE);
    res.setHeader('content-length', sealedAnswer.length);
    res.setHeader('cache-control', 'no-store');
    if (closing) res.setHeader('connection', 'close');
    metrics.requests.inc({ route: 'sealed', code: '200' });
    res.end(sealedAnswer);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const controller = new AbortController();
    inflight.add(controller);
    res.on('close', () => {
      // signaling-v1 §4: a volunteer that hangs up leaves the pool.
      if (!res.writableFinished) controller.abort();
      inflight.delete(controller);
      if (inflight.size === 0) drained?.();
    });
    if (closing) controller.abort();
    route(req, res, controller.signal).catch((err: unknown) => fail(req, res, err));
  };

  const server = createServer(
    { requestTimeout: opts.requestTimeoutMs, headersTimeout: opts.requestTimeoutMs },
    handle,
  );

  return {
    server,
    service,
    store,
    metrics: metrics.registry,
    map,
    listen: async (port, host) => ({ port: await listen(server, port, host) }),
    close: async () => {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const done = new Promise<void>((resolve) => {
        drained = resolve;
        if (inflight.size === 0) resolve();
      });
      for (const controller of inflight) controller.abort();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        done,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, opts.closeGraceMs))),
      ]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
      if (ownsStore) await store.close();
    },
  };
}

/**
 * Any page may call the broker (signaling-v1 §1). Set when the answer is written, not when the request
 * arrives: a long poll holds its response for up to pollTimeoutMs, and headers set early are held with it.
 */
function allowCors(res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*');
  res.setHeader('access-control-expose-headers', 'retry-after');
}

/** The route a path names in the request metric: a fixed few, so strangers cannot mint label values. */
const ROUTE_LABELS = new Map<string, string>([
  ['/v1/info', 'info'],
  ['/v1/volunteer/poll', 'poll'],
  ['/v1/volunteer/answer', 'answer'],
  ['/v1/client/offer', 'offer'],
  ['/v1/client/outcome', 'outcome'],
  ['/v1/sealed', 'sealed'],
  ['/healthz', 'healthz'],
  ['/map', 'map'],
  ['/map.css', 'map'],
  ['/map.js', 'map'],
  ['/map.json', 'map'],
  ['/counter.json', 'counter'],
  ['/counter.svg', 'counter'],
]);

function routeLabel(path: string): string {
  if (path.startsWith(GET_PREFIX)) return 'get';
  return ROUTE_LABELS.get(path) ?? 'other';
}

/**
 * GET /map (the page), /map.css, /map.js, /map.json, and the site counter /counter.json?site=ORIGIN and
 * /counter.svg?site=ORIGIN (docs/map.md); false for any other path. A bad `site` is a 400 with the reason.
 */
function sendMapRoute(req: IncomingMessage, res: ServerResponse, path: string, map: NetworkMap): boolean {
  const plain = (status: number, type: string, body: string, extra: Record<string, string> = {}): true => {
    allowCors(res);
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...extra,
    });
    res.end(body);
    return true;
  };
  const page = { 'content-security-policy': MAP_CSP };
  if (path === '/map') return plain(200, 'text/html; charset=utf-8', MAP_HTML, page);
  if (path === '/map.css') return plain(200, 'text/css; charset=utf-8', MAP_CSS);
  if (path === '/map.js') return plain(200, 'text/javascript; charset=utf-8', MAP_JS);
  if (path === '/map.json') return plain(200, 'application/json', JSON.stringify(map.snapshot()));
  if (path !== '/counter.json' && path !== '/counter.svg') return false;
  const given = new URL(req.url ?? '/', 'http://x').searchParams.get('site') ?? '';
  const site = pageOrigin(given);
  if (site === null) {
    const reason = `site must be a page origin such as https://news.example, not "${given.slice(0, 100)}"`;
    return plain(400, 'application/json', JSON.stringify({ v: 1, error: 'bad-request', message: reason }));
  }
  const count = map.siteCount(site);
  if (path === '/counter.json') return plain(200, 'application/json', JSON.stringify(count));
  return plain(200, 'image/svg+xml', counterSvg(count.helped), {
    'content-security-policy': "default-src 'none'",
  });
}

/** An `http:`/`https:` origin exactly as browsers write one (no path), at most 200 characters; else null. */
function pageOrigin(value: string | string[] | undefined): string | null {
  if (typeof value !== 'string' || value.length > 200) return null;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value ? value : null;
  } catch {
    return null;
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** A request body that was announced but not read to its end (draining it for keep-alive is not worth it). */
function unreadBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  const announced =
    req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return announced && !req.readableEnded;
}
