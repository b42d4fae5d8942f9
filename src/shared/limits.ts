/**
 * Every limit, window and timeout in Starling, with its default and unit, in one place.
 * Components take a `Partial<...>` of their group and merge it over these defaults with `resolveLimits`,
 * once, when they are built.
 */

/** The options type of a defaults group: the same keys, any number. */
type Limits<T> = { -readonly [K in keyof T]: number };

/**
 * A fresh copy of `defaults` with every field of `partial` that is defined laid over it. Only the keys of
 * `defaults` are read, and an explicit `undefined` keeps the default: `{ ...defaults, ...partial }` would
 * let `{ maxResponseBytes: undefined }` erase a cap.
 */
export function withDefaults<T extends object>(
  defaults: { readonly [K in keyof T]: T[K] },
  partial: { readonly [K in keyof T]?: T[K] | undefined },
): T {
  const out = { ...defaults } as T;
  for (const key of Object.keys(defaults) as (keyof T)[]) {
    const value = partial[key];
    if (value !== undefined) out[key] = value as T[keyof T];
  }
  return out;
}

/**
 * `withDefaults`, then checks every number of the group: a finite number, not negative, and not zero unless
 * the option is in `zeroAllowed` (where 0 means "none" or "at once"). Throws a RangeError naming the option:
 * a NaN from a bad conversion or a 0 that would spin a timer is found when the component is built, not
 * when it first misbehaves.
 */
export function resolveLimits<T extends object>(
  group: string,
  defaults: { readonly [K in keyof T]: T[K] },
  partial: { readonly [K in keyof T]?: T[K] | undefined },
  zeroAllowed: readonly (keyof T & string)[] = [],
): T {
  const out = withDefaults(defaults, partial);
  for (const key of Object.keys(defaults) as (keyof T & string)[]) {
    const value = out[key];
    if (typeof defaults[key] !== 'number') continue;
    const zeroOk = zeroAllowed.includes(key);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroOk)) {
      throw new RangeError(
        `${group} option ${key} must be a number ${zeroOk ? '>= 0' : '> 0'}, not ${String(value)}`,
      );
    }
  }
  return out;
}

/** Session protocol (docs/spec/session-v1.md). */
export const SESSION_DEFAULTS = {
  /** Longest path message accepted, bytes (session-v1 §1). @default 65536 */
  maxMessageBytes: 65_536,
  /**
   * DATA bytes put in one record, at most, bytes; a record also stays within maxMessageBytes (session-v1 §3,
   * §4). Full-size records halve the CPU per byte of 16 KB ones: every record costs a data-channel send, a
   * WebSocket frame, an AEAD setup and an ACK share (docs/benchmarks.md). @default 64000
   */
  maxDataFrameBytes: 64_000,
  /**
   * Stream-frame bytes (DATA with its 7-byte header, END) in a path's first record and in its first after
   * `recordRampIdleMs` without one, bytes; each record that fills its allowance doubles it, up to the full
   * record (session-v1 §5.4). One packet's worth: with the record's 33 bytes of header and tag, the path
   * message fits one SCTP packet (libdatachannel's MTU 1280 less UDP, DTLS and SCTP headers leaves ~1185), so
   * a response's first byte arrives after one packet, not a whole 64 KB record in slow start. @default 1100
   */
  recordRampStartBytes: 1100,
  /**
   * Time a path sends no stream data after which its records start small again, ms (session-v1 §5.4): about
   * when an idle TCP or SCTP sender restarts slow start (one retransmission timeout, at least 1 s). @default 1000
   */
  recordRampIdleMs: 1000,
  /** Initial per-stream receive window, bytes (session-v1 §2, §4.3). @default 1 MiB */
  streamWindow: 1024 * 1024,
  /**
   * Largest per-stream receive window, bytes: a stream's window doubles, from `streamWindow`, while its peer
   * uses it up within two round trips, so that one stream can fill several paths (session-v1 §4.3); never more
   * than `sessionWindow`. @default 4 MiB
   */
  streamWindowMax: 4 * 1024 * 1024,
  /**
   * Session-wide receive window, bytes (session-v1 §4.3). Many times the stream window, so that streams whose
   * application stopped reading (holding a stream window each) cannot starve the others. @default 16 MiB
   */
  sessionWindow: 16 * 1024 * 1024,
  /** Reliable records buffered ahead of the next expected one (session-v1 §3.1). @default 4096 */
  reorderWindow: 4096,
  /**
   * Bytes the reorder buffer may hold beyond `sessionWindow`, for frame headers and control frames; each early
   * record counts its body plus 64 bytes (session-v1 §3.1). @default 1 MiB
   */
  reorderSlackBytes: 1024 * 1024,
  /** Bytes one stream queues for sending before its `write()` returns false. @default 256 KiB */
  streamSendQueueBytes: 256 * 1024,
  /**
   * High-water mark of a stream's Node buffers (its readable and its writable side), bytes: how much the
   * stream object holds for the app before it pushes back; credit (streamWindow) bounds the peer. @default 64 KiB
   */
  streamBufferBytes: 64 * 1024,
  /** Streams open at once in a session (session-v1 §4.1). @default 1024 */
  maxStreams: 1024,
  /**
   * Reliable records received after which an ACK is sent at once (session-v1 §3.1). Every path message costs a
   * data-channel send, which can block on the SCTP stack's lock while it is busy receiving. @default 16
   */
  ackEveryRecords: 16,
  /** Longest wait before a received reliable record is acknowledged, ms (session-v1 §3.1). @default 20 */
  ackDelayMs: 20,
  /** Time from a PONG to the next PING on the same path, busy or idle, ms (session-v1 §5.3). @default 250 */
  pingIntervalMs: 250,
  /** Silence after which a path is abandoned, ms; at least 4 smoothed round trips (session-v1 §5.3). @default 1000 */
  pathTimeoutMs: 1000,
  /** A path's local queue at or below which the session is told it may send again, bytes. @default 256 KiB */
  pathLowWater: 256 * 1024,
  /** A path's local queue above which no new record is scheduled on it, bytes (session-v1 §5.4). @default 1 MiB */
  pathHighWater: 1024 * 1024,
  /**
   * Reliable bytes sent on one path and not yet acknowledged on it, at most, whatever the path's
   * bandwidth-delay product (session-v1 §5.4). Bounds the queue a volunteer holds for us, so a slow path cannot
   * add seconds of delay and a dead one leaves little to resend. @default 2 MiB
   */
  pathMaxInflight: 2 * 1024 * 1024,
  /**
   * A path's in-flight cap before its delivery rate and round trip are measured, bytes (session-v1 §5.4);
   * then the cap follows twice its bandwidth-delay product. @default 512 KiB
   */
  pathInitialInflight: 512 * 1024,
  /**
   * A path's in-flight cap never falls below this, bytes (session-v1 §5.4): a few full records, so that a
   * path measured slow can still show that it is faster. @default 256 KiB
   */
  pathMinInflight: 256 * 1024,
  /**
   * Bytes of a path's local queue above `pathHighWater` that unreliable records (ACK, PING, PONG, PATH_CLOSED)
   * may still use; at or past it none is queued on that path (session-v1 §5.4). @default 64 KiB
   */
  pathControlHeadroom: 64 * 1024,
  /**
   * Unreliable records (ACK, PING, PONG, PATH_CLOSED) a peer may send on one path per second, sustained and in
   * a burst; more is a protocol error that closes the path (session-v1 §3.1). An honest peer sends one ACK per
   * 16 reliable records or 20 ms and a few PINGs and PONGs a second. @default 500
   */
  pathControlRecordsPerSecond: 500,
  pathMaxRecords: 0xffff_fff0,
  /** How far below the highest path id so far a JOIN's path id may be (session-v1 §5.1). @default 64 */
  pathIdWindow: 64,
  /** Paths one session may have at once; a JOIN beyond is refused `busy` (session-v1 §5.1). @default 16 */
  maxPathsPerSession: 16,
  /** Sessions an egress holds at once; a HELLO beyond is refused `busy` (session-v1 §6). @default 10000 */
  maxSessions: 10_000,
  /** How long the egress keeps a session with no path, ms (session-v1 §5.2). @default 60000 */
  idleTimeoutMs: 60_000,
  /** Handshake must finish within, ms. @default 10000 */
  handshakeTimeoutMs: 10_000,
  /**
   * Bytes of messages that arrive on a path after its first one and before the session takes it over, at most;
   * more closes the path with 4413 (src/session/transport.ts). An honest peer sends none. @default 1 MiB
   */
  handshakeBacklogBytes: 1024 * 1024,
} as const;
export type SessionOptions = Limits<typeof SESSION_DEFAULTS>;

/**
 * The egress's admission of paths and sessions (session-v1 §2.1) and its shutdown (§7): what a stranger's
 * WebSockets and HELLOs may hold. A source is an IPv4 address or an IPv6 /64 (kept only as an HMAC).
 */
export const EGRESS_SESSION_DEFAULTS = {
  /** WebSockets open at once; one more is refused at the upgrade with 503. @default 20000 */
  maxPaths: 20_000,
  /** WebSockets open at once from one source; one more is refused with 503. @default 256 */
  maxPathsPerSource: 256,
  /** Handshakes answered and awaiting the client's first record, at once; past it the oldest goes. @default 1024 */
  maxHalfOpen: 1024,
  /** Half-open handshakes from one source at once; past it that source's oldest goes. @default 32 */
  maxHalfOpenPerSource: 32,
  /** Time from HELLO_REPLY to the client's first record, ms; then the half-open path is closed. @default 5000 */
  halfOpenTimeoutMs: 5_000,
  /** A HELLO's time may differ from the egress's clock by this much, ms (session-v1 §2.1). @default 300000 */
  helloWindowMs: 300_000,
  /** HELLO ephemerals remembered against replay, count (~100 bytes each); past it the oldest goes. @default 131072 */
  replayCacheEntries: 131_072,
  /**
   * Bytes queued on one WebSocket toward its volunteer, at most; past it the path is closed with 4413. Only a
   * volunteer that does not read can get there: the session queues at most pathHighWater plus
   * pathControlHeadroom (session-v1 §5.4). @default 4 MiB
   */
  pathMaxQueuedBytes: 4 * 1024 * 1024,
  /** After closing a WebSocket, how long its peer has to answer the close before it is cut, ms. @default 2000 */
  pathCloseGraceMs: 2_000,
  /** On shutdown, how long open streams may run on after GOAWAY, ms (session-v1 §7). @default 20000 */
  drainTimeoutMs: 20_000,
  /**
   * Reverse-proxy hops in front of the egress whose `X-Forwarded-For` entries are trusted, count: 0 keys sources
   * on the TCP peer address, N on the Nth entry from the right (as the broker's `trustedProxies`). @default 0
   */
  trustedProxies: 0,
} as const;
export type EgressSessionOptions = Limits<typeof EGRESS_SESSION_DEFAULTS>;

/** Client front ends: the local SOCKS5 and HTTP proxies (src/client/socks5.ts, src/client/http-proxy.ts). */
export const PROXY_DEFAULTS = {
  /** Time for a SOCKS5 client to send its greeting and CONNECT request, ms. @default 10000 */
  socksHandshakeTimeoutMs: 10_000,
  /** Bytes a SOCKS5 client may send before its CONNECT request is complete (the largest legal greeting plus
   *  request is 519 bytes). @default 600 */
  socksMaxHandshakeBytes: 600,
  /** Time to wait for the tunnel to open a stream before answering "timeout", ms. @default 30000 */
  openTimeoutMs: 30_000,
  /** Largest HTTP request head (request line plus headers) the HTTP proxy accepts, bytes. @default 16384 */
  httpMaxHeaderBytes: 16_384,
  /** Time for an HTTP client to send a complete request head, ms. @default 30000 */
  httpHeadersTimeoutMs: 30_000,
  /** How long an idle keep-alive connection from an app to the HTTP proxy stays open, ms. @default 5000 */
  httpKeepAliveTimeoutMs: 5_000,
} as const;
export type ProxyOptions = Limits<typeof PROXY_DEFAULTS>;

/**
 * Egress: opening TCP connections to destinations (src/egress/dial.ts, resolve.ts, open-guard.ts). An OPEN
 * refused by one of the caps below is RESET `busy` (session-v1 §4.2).
 */
export const EGRESS_DIAL_DEFAULTS = {
  /** Time for name resolution plus the TCP handshake to a destination, ms. @default 10000 */
  connectTimeoutMs: 10_000,
  /** Resolved addresses tried one after another before giving up. @default 4 */
  maxAddressesTried: 4,
  /** One name lookup (A and AAAA) must finish within, ms; it is cancelled after. @default 5000 */
  resolveTimeoutMs: 5_000,
  /** Name lookups in flight at once across the egress; one more OPEN by name is `busy`. @default 256 */
  maxConcurrentResolutions: 256,
  /**
   * Destination sockets open or connecting at once across the egress, count; keep it below the process's
   * file descriptor limit (`ulimit -n`) minus the WebSockets it serves. @default 4096
   */
  maxSockets: 4096,
  /** Destination sockets open or connecting at once for one session, count. @default 256 */
  maxSocketsPerSession: 256,
  /** OPENs one session may make per second, sustained (a token bucket), per second. @default 20 */
  opensPerSecond: 20,
  /** OPENs one session may make at once above that rate (a page load's burst), count. @default 100 */
  openBurst: 100,
} as const;
export type EgressDialOptions = Limits<typeof EGRESS_DIAL_DEFAULTS>;

/** Broker (docs/spec/signaling-v1.md). */
export const BROKER_DEFAULTS = {
  /** Largest request body accepted, bytes; checked against content-length and while reading (signaling-v1 §1). @default 65536 */
  maxBodyBytes: 65_536,
  /**
   * Longest request target (path and query) of a GET-encoded request (signaling-v1 §9), bytes; a longer one
   * is 414. 8 KiB is what nginx (`large_client_header_buffers`) and common CDNs take by default. @default 8192
   */
  maxGetTargetBytes: 8_192,
  /** How long a volunteer's long-poll is held waiting for a client, ms (signaling-v1 §4). @default 20000 */
  pollTimeoutMs: 20_000,
  /** How long a client waits for the matched volunteer's answer, ms (signaling-v1 §6). @default 10000 */
  answerTimeoutMs: 10_000,
  /** `retryAfterMs` sent with "no match" answers, ms (signaling-v1 §4, §6). @default 1000 */
  retryAfterMs: 1_000,
  /** `retryAfterMs` sent with 503 `overloaded` / `unavailable`, ms (signaling-v1 §1). @default 5000 */
  overloadedRetryAfterMs: 5_000,
  /** Volunteers waiting at once in the store; one more poll gets 503 `overloaded`. @default 10000 */
  maxWaitingVolunteers: 10_000,
  /** Offers delivered and awaiting an answer at once; one more gets 503 `overloaded`. @default 10000 */
  maxPendingOffers: 10_000,
  /**
   * Polls from one source (an IPv4 address or IPv6 /64, signaling-v1 §1) waiting at once; one more gets 503
   * `overloaded`, so that filling the pool takes maxWaitingVolunteers / this many sources. @default 16
   */
  maxWaitingPerSource: 16,
  /** Offers from one source awaiting an answer at once; one more gets 503 `overloaded`. @default 8 */
  maxPendingPerSource: 8,
  /**
   * Volunteers one source may be matched with in a burst, count (signaling-v1 §6). A client keeps a volunteer's
   * slot as long as it keeps the path, which the broker cannot see, so this bounds what one source takes.
   * @default 16
   */
  clientMatchBurst: 16,
  /** Matches a source earns back per minute after its burst, count per minute; 0 turns the budget off. @default 12 */
  clientMatchesPerMinute: 12,
  /** Chosen volunteers tried per client offer when other instances claim them first. @default 8 */
  maxClaimAttempts: 8,
  /** Sustained requests per address, per second (token refill rate; 0 turns rate limiting off). @default 5 */
  rateLimitPerSecond: 5,
  /** Requests per address allowed in a burst (bucket size). @default 20 */
  rateLimitBurst: 20,
  /**
   * Requests per second a trusted egress (signaling-v1 §12) may forward for all its sessions together, on top
   * of each session's own `rateLimitPerSecond` (token refill rate). @default 50
   */
  egressRateLimitPerSecond: 50,
  /** Requests a trusted egress may forward in a burst, all its sessions together (bucket size). @default 200 */
  egressRateLimitBurst: 200,
  /** Sources tracked by the rate limiter and the match budget; the least recently seen is evicted beyond this. @default 100000 */
  rateLimitMaxAddresses: 100_000,
  /**
   * Reverse-proxy hops in front of the broker whose `X-Forwarded-For` entries are trusted, count. 0 keys rate
   * limits on the TCP peer address; N takes the Nth entry from the right (the one the outermost trusted proxy
   * wrote), falling back to the peer address when it is absent or not an IP address (signaling-v1 §1).
   * @default 0
   */
  trustedProxies: 0,
  /** Time to receive a request's headers and body, ms (not the long-poll answer). @default 10000 */
  requestTimeoutMs: 10_000,
  /** On close, how long in-flight requests get to write their final answer before sockets are cut, ms. @default 2000 */
  closeGraceMs: 2_000,
  /**
   * A sealed request's time may differ from the broker's clock by at most this, either way, ms (signaling-v1
   * §10 "Replay"); a client outside it learns the broker's time from the sealed `stale` answer. @default 60000
   */
  sealedWindowMs: 60_000,
  /**
   * Ephemeral keys of accepted sealed requests remembered to refuse replays, count (~100 bytes each); when
   * full the oldest goes and requests from before its time are refused as stale (signaling-v1 §10). @default 100000
   */
  sealedReplayMaxEntries: 100_000,
  /**
   * Lifetime of the TURN credentials handed out in `GET /v1/info` (signaling-v1 §3), ms; clients and
   * volunteers ask again at half of it. @default 1200000 (20 minutes)
   */
  turnCredentialTtlMs: 1_200_000,
  /** A match's outcome may be reported this long after its answer, ms (signaling-v1 §11). @default 120000 */
  outcomeReportMs: 120_000,
  /** Outcomes of a volunteer or a NAT pairing count this long after the first of them, ms (signaling-v1 §11). @default 600000 */
  outcomeWindowMs: 600_000,
  /**
   * A volunteer with at least this many failed matches in the window, and at least twice as many failed as
   * connected, is offered only when no other fits (signaling-v1 §11). @default 3
   */
  volunteerFailures: 3,
  /**
   * A direct NAT pairing with at least this many failed matches in the window, and at least four times as many
   * failed as connected, is treated as unable to connect (signaling-v1 §11). @default 8
   */
  pairingFailures: 8,
  /** Volunteers remembered per client source as recently matched, count (signaling-v1 §7). @default 4 */
  recentPerSource: 4,
  /** Client sources whose recent volunteers are remembered, per instance; the oldest goes beyond. @default 10000 */
  maxRecentSources: 10_000,
  /**
   * Match records (for outcome reports) and outcome counters kept by the in-process store, each; the oldest
   * goes beyond (signaling-v1 §11). @default 100000
   */
  maxOutcomeRecords: 100_000,
} as const;
export type BrokerOptions = Limits<typeof BROKER_DEFAULTS>;

/** The broker's live network map and site counter (src/broker/network-map.ts, docs/map.md). */
export const MAP_DEFAULTS = {
  /** A volunteer, client or match counts as live this long after it was last seen, ms. @default 30000 */
  activeMs: 30_000,
  /** Volunteers, clients and recent matches tracked each, at most; the oldest goes beyond. @default 10000 */
  maxTracked: 10_000,
  /** Sites (page origins) counted per day, at most; new ones beyond are not counted that day. @default 1000 */
  maxSites: 1_000,
} as const;
export type MapOptions = Limits<typeof MAP_DEFAULTS>;

/** Broker HTTP client used by clients and volunteers (src/signaling/client.ts). */
export const BROKER_CLIENT_DEFAULTS = {
  /** Longest a single broker request may take, ms; must exceed the broker's pollTimeoutMs. @default 30000 */
  requestTimeoutMs: 30_000,
  /** Largest broker response body read, bytes. @default 65536 */
  maxResponseBytes: 65_536,
  /** Largest retry hint honoured from the broker, ms (longer ones are clamped). @default 600000 */
  maxRetryAfterMs: 600_000,
  /**
   * Longest request target a client writes in the GET encoding (signaling-v1 §9), bytes; a longer request
   * goes by the next rendezvous method instead. @default 8192, the broker's maxGetTargetBytes
   */
  maxGetTargetBytes: 8_192,
} as const;
export type BrokerClientLimits = Limits<typeof BROKER_CLIENT_DEFAULTS>;

/** Volunteer relay (docs/spec/path-v1.md; broker polling, signaling-v1 §4–5). */
export const VOLUNTEER_DEFAULTS = {
  /** Paths relayed at once; the volunteer polls the broker only while it has a free slot (path-v1 §2). @default 8 */
  maxClients: 8,
  /** Data-channel bytes queued while the WebSocket to the egress opens, bytes (path-v1 §1). @default 1 MiB */
  maxQueuedBytes: 1024 * 1024,
  /**
   * Bytes one direction of a path may hold (waiting for the rate cap plus the outgoing `bufferedAmount`)
   * before the path is closed with 4413, bytes (path-v1 §2). Must exceed what well-behaved ends put in flight on
   * one path (session-v1 §5.4 pathMaxInflight, 2 MiB; at most the session window, §4.3). @default 16 MiB
   */
  maxBufferedBytes: 16 * 1024 * 1024,
  /** Byte rate cap shared by all paths, both directions, bytes/s; 0 means no cap (path-v1 §2). @default 0 */
  maxBytesPerSec: 0,
  /** Bytes that may pass at once above the rate cap after an idle spell, bytes. @default 256 KiB */
  rateBurstBytes: 256 * 1024,
  /**
   * Byte rate cap of each path on its own (one person), both directions, bytes/s, within the shared cap; 0 means
   * no cap (path-v1 §2). Its burst is rateBurstBytes. @default 0
   */
  maxBytesPerSecPerClient: 0,
  /**
   * Bytes relayed in all, both directions, after which the relay pauses for good ('total-cap'): its paths say
   * GOODBYE and it polls no more, bytes; 0 means no cap (path-v1 §2). Counted from the relay's start. @default 0
   */
  maxTotalBytes: 0,
  /**
   * Longest life of one path, ms; each path draws its own between 3/4 of this and all of it, then says GOODBYE
   * (path-v1 §2). Bounds how long one client, honest or not, keeps a slot; 0 means no limit. @default 15 minutes
   */
  maxPathLifetimeMs: 15 * 60_000,
  /** Time between GOODBYE and closing both sides when switched off, ms (path-v1 §3). @default 500 */
  goodbyeGraceMs: 500,
  /** ICE gathering for the answer is cut off after, ms (signaling-v1: no trickle). @default 5000 */
  iceGatherTimeoutMs: 5000,
  /**
   * The volunteer sends no connectivity check until the client has its answer (path-v1 §1.2): it sets the offer
   * without its candidates and adds them only if the client's own checks have not connected it this long after
   * the answer was posted (a volunteer behind a NAT must send first to let them in), ms. @default 250
   */
  checkHoldMs: 250,
  /** A path whose data channel has not opened this long after the answer was posted is dropped, ms. @default 15000 */
  channelOpenTimeoutMs: 15_000,
  /** The WebSocket to the egress must open within, ms (path-v1 §1). @default 10000 */
  egressConnectTimeoutMs: 10_000,
  /** First wait after a broker error that carries no `retryAfterMs`, ms; doubles per failure. @default 1000 */
  backoffMinMs: 1000,
  /** Longest wait between broker attempts after errors, ms. @default 60000 */
  backoffMaxMs: 60_000,
  /** Period of 'stats' events while at least one client is served, ms. @default 1000 */
  statsIntervalMs: 1000,
  /** The NAT class is detected again this often, ms (issue 10; src/shared/ice-source.ts). @default 300000 */
  natRecheckMs: 300_000,
} as const;
export type VolunteerLimits = Limits<typeof VOLUNTEER_DEFAULTS>;

/** The most clients one volunteer may relay at once: the upper bound of its `maxClients` (path-v1 §2). */
export const VOLUNTEER_MAX_CLIENTS = 64;

/** Client (src/client/tunnel.ts). */
export const CLIENT_DEFAULTS = {
  /** Volunteers kept connected to the session at once. @default 2 */
  paths: 2,
  /** A stream open waits this long for a live path before failing with "no volunteer", ms. @default 10000 */
  pathWaitMs: 10_000,
  /** ICE gathering, matching and data channel open for one path must finish within, ms. @default 15000 */
  pathConnectTimeoutMs: 15_000,
  /** After the answer, the data channel must open within, ms (a volunteer that vanished mid-match). @default 5000 */
  channelOpenTimeoutMs: 5_000,
  /** ICE gathering is cut off after, ms (no trickle). @default 3000 */
  iceGatherTimeoutMs: 3_000,
  /**
   * Handshakes failing for the key through this many different volunteers, none succeeding since, raise a
   * 'key-warning' (the egress key may be wrong). The client never stops for it: a REFUSE is unauthenticated
   * and a hostile volunteer can forge one (issue 9, finding 1). @default 2
   */
  keyWarningVolunteers: 2,
  /** While handshakes keep failing for the key, the 'key-warning' is repeated this often, ms. @default 30000 */
  keyWarningIntervalMs: 30_000,
  /**
   * Backoff between failed path attempts, ms: the ceiling starts here and doubles per failure up to
   * `retryMaxMs`; each wait is drawn uniformly below the ceiling (full jitter), so that clients cut off
   * together do not come back together; the broker's hint, when longer, wins. @default 250
   */
  retryMinMs: 250,
  /** The highest ceiling of the wait between failed path attempts, ms. @default 5000 */
  retryMaxMs: 5_000,
  /**
   * With the direct WebSocket path in `fallback` mode (path-v1 §6): no volunteer path for this long, since
   * the start or since the last one closed, and the client opens the direct path, ms. @default 10000
   */
  wsFallbackAfterMs: 10_000,
  /** The direct WebSocket path's TLS and upgrade must finish within, ms (path-v1 §6). @default 10000 */
  wsConnectTimeoutMs: 10_000,
  /** The NAT class is detected again this often, ms (issue 10; src/shared/ice-source.ts). @default 300000 */
  natRecheckMs: 300_000,
} as const;
export type ClientOptionsLimits = Limits<typeof CLIENT_DEFAULTS>;

/** What the client reports about itself (src/client/status.ts): the status line, `--status`, library events. */
export const CLIENT_STATUS_DEFAULTS = {
  /** Period of status samples (throughput, the "no volunteer" check) and of 'status' events, ms. @default 1000 */
  statusIntervalMs: 1_000,
  /** With no volunteer this long (since start or since the last one left), say so as a problem, ms. @default 30000 */
  noVolunteerNoticeMs: 30_000,
} as const;
export type ClientStatusLimits = Limits<typeof CLIENT_STATUS_DEFAULTS>;

/**
 * `starling client`'s supervisor (src/cli/supervise.ts): a watchdog over the process that runs the client,
 * against libdatachannel's deadlock (docs/lab.md, "A deadlock in libdatachannel").
 */
export const SUPERVISOR_DEFAULTS = {
  /** The child's event loop sends a heartbeat over IPC this often, ms. @default 1000 */
  heartbeatMs: 1_000,
  /** No heartbeat for this long and the child is hung: SIGKILLed and started again, ms. @default 10000 */
  hangAfterMs: 10_000,
  /** At most this many restarts within `restartWindowMs`; the next waits until the oldest is that old. @default 3 */
  maxRestarts: 3,
  /** The window over which restarts are counted, ms. @default 60000 */
  restartWindowMs: 60_000,
} as const;
export type SupervisorLimits = Limits<typeof SUPERVISOR_DEFAULTS>;

/** The `<starling-bridge>` widget (src/widget/). Relay limits come from VOLUNTEER_DEFAULTS. */
export const WIDGET_DEFAULTS = {
  /** How long the "someone just connected" notice stays visible, ms. @default 5000 */
  noticeMs: 5_000,
} as const;
export type WidgetLimits = Limits<typeof WIDGET_DEFAULTS>;

/**
 * Redis signaling store (src/broker/redis-store.ts): the state several broker instances share. The pool and
 * pending-offer caps and their per-source shares are BROKER_DEFAULTS.maxWaitingVolunteers / maxPendingOffers /
 * maxWaitingPerSource / maxPendingPerSource, counted across the cluster.
 */
export const REDIS_STORE_DEFAULTS = {
  /** Put before every key, so several deployments can share one Redis. @default 'starling:' */
  keyPrefix: 'starling:',
  /** Time to connect to Redis at start, ms; failing it is a startup error. @default 5000 */
  connectTimeoutMs: 5_000,
  /** A Redis command not answered within this fails the request with 503 `unavailable`, ms. @default 2000 */
  commandTimeoutMs: 2_000,
  /**
   * Times a command caught by a lost connection is sent again once reconnected before it fails the request
   * with 503 `unavailable`, count (ioredis `maxRetriesPerRequest`). @default 1
   */
  maxRetriesPerRequest: 1,
  /** After a lost connection, the wait before reconnect attempt n is n times this (up to reconnectMaxMs), ms. @default 100 */
  reconnectStepMs: 100,
  /** Longest wait between two reconnect attempts to Redis, ms. @default 2000 */
  reconnectMaxMs: 2_000,
  /**
   * Extra lifetime of a poll's and an offer's entries in Redis beyond the broker's own timer, ms: covers
   * clock and network delays; past it an entry left by a crashed broker is dead and gets removed. @default 2000
   */
  expirySlackMs: 2_000,
  /** Period of the broker instance's liveness key refresh, ms. @default 1000 */
  heartbeatIntervalMs: 1_000,
  /**
   * Lifetime of the liveness key, ms: a broker not heard of this long is dead, and its waiting volunteers are
   * dropped instead of matched. Must exceed heartbeatIntervalMs. @default 5000
   */
  instanceTtlMs: 5_000,
  /** Lifetime of undelivered wake-up messages to a broker instance, ms (a dead one never reads them). @default 60000 */
  mailboxTtlMs: 60_000,
  /**
   * Longest single blocking read (BLPOP) of the instance's mailbox, ms; one not answered within this plus
   * commandTimeoutMs means a dead connection, which is reopened. @default 5000
   */
  mailboxBlockMs: 5_000,
  /** Pause before the mailbox reader retries after a Redis error, ms. @default 500 */
  mailboxRetryMs: 500,
  /**
   * Waiting volunteers returned per NAT class by one listWaiting, the best first by the matcher's order
   * (signaling-v1 §7). At least maxExclude (16) + maxClaimAttempts + 1 keeps the choice the same as with
   * the whole pool. @default 64
   */
  listLimit: 64,
  /** Expired waiting entries removed per new poll (bounds the work of one Redis script). @default 100 */
  pruneBatch: 100,
  /**
   * Lifetime of the deployment secret in Redis (signaling-v1 §1), ms; every heartbeat of every instance
   * renews it, so it lapses only when no broker has run for this long, and a new one is then made. @default 1 day
   */
  secretTtlMs: 86_400_000,
} as const;
export type RedisStoreLimits = {
  -readonly [K in keyof typeof REDIS_STORE_DEFAULTS]: (typeof REDIS_STORE_DEFAULTS)[K] extends string
    ? string
    : number;
};

/** The browser extension volunteer (src/extension/, docs/extension.md). Relay limits come from VOLUNTEER_DEFAULTS. */
export const EXTENSION_DEFAULTS = {
  /**
   * The relay document messages the service worker this often, ms, so Chrome does not stop the worker after its
   * 30 s idle timeout while a relay runs (the worker watches the document through that connection). @default 20000
   */
  keepAliveMs: 20_000,
  /** The relay document reconnects to a restarted service worker after, ms. @default 500 */
  reconnectMs: 500,
  /**
   * While on, an alarm wakes the service worker this often to recreate a relay document that is gone and was not
   * noticed (a create that failed, a crash while the worker slept), minutes (Chrome's minimum is 0.5). @default 1
   */
  watchdogMinutes: 1,
} as const;
export type ExtensionLimits = Limits<typeof EXTENSION_DEFAULTS>;
