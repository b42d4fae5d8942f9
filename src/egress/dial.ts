import type { LookupAddress } from 'node:dns';
import { connect, isIP, type Socket } from 'node:net';
import { deadline } from '../shared/deadline.js';
import { StreamError } from '../shared/errors.js';
import { EGRESS_DIAL_DEFAULTS } from '../shared/limits.js';
import type { DestinationPolicy } from './policy.js';
import { DnsResolver, type LookupAll } from './resolve.js';

export type { LookupAll } from './resolve.js';

export type DialOptions = {
  /** The destination policy, built once per egress (its deny list is parsed when it is made). */
  policy: DestinationPolicy;
  /**
   * Name resolution plus TCP handshakes must finish within, ms; each address tried gets an equal share of what
   * is left, so one that never answers cannot use up the time of the others. @default 10000 (EGRESS_DIAL_DEFAULTS)
   */
  connectTimeoutMs: number;
  /** Allowed resolved addresses tried in turn. @default 4 (EGRESS_DIAL_DEFAULTS) */
  maxAddressesTried?: number;
  /**
   * Name resolution, cancelled through its signal when the dial gives up; tests pass a fake.
   * @default one DnsResolver (src/egress/resolve.ts) with EGRESS_DIAL_DEFAULTS, shared by every dial
   */
  lookup?: LookupAll;
};

let defaultResolver: DnsResolver | undefined;
const defaultLookup: LookupAll = (hostname, signal) => {
  defaultResolver ??= new DnsResolver(EGRESS_DIAL_DEFAULTS);
  return defaultResolver.lookup(hostname, signal);
};

/**
 * Opens TCP to `host:port` for a stream's OPEN (session-v1 §4.1). The port is checked first, then the name
 * is resolved once, the policy is applied to the resolved addresses (a name pointing at 127.0.0.1 is refused
 * like the literal), and the socket connects to an allowed address by IP, never resolving again. The
 * socket has TCP_NODELAY and `allowHalfOpen`: the caller ends its writable side when the stream's END arrives.
 *
 * A name whose every address is refused fails exactly as a name that does not resolve, 'dns-failed': were
 * it 'not-allowed', a client could ask for `intranet.corp`, `metadata.google.internal` or `db.internal` and
 * learn which names the egress's resolver knows, that is, map the egress's network (docs/security.md).
 * A refused literal address or port is 'not-allowed': the policy is public, and no name is looked up.
 * Rejects with StreamError: 'not-allowed', 'dns-failed', 'busy' (too many lookups in flight), 'refused',
 * 'host-unreachable', 'net-unreachable', 'timeout', 'general', or 'closed' when `signal` aborts.
 */
export async function dialDestination(
  host: string,
  port: number,
  opts: DialOptions,
  signal?: AbortSignal,
): Promise<Socket> {
  const { policy } = opts;
  if (!policy.allowsPort(port)) throw new StreamError('not-allowed', `port ${port} is not allowed`);
  const started = Date.now();
  const abort = new AbortController();
  const timer = setTimeout(
    () =>
      abort.abort(
        new StreamError('timeout', `no connection to ${host}:${port} in ${opts.connectTimeoutMs} ms`),
      ),
    opts.connectTimeoutMs,
  );
  const onAbort = () => abort.abort(new StreamError('closed', 'dial aborted'));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const addresses = await resolve(host, opts.lookup ?? defaultLookup, abort.signal);
    const allowed = addresses.filter((a) => policy.allowsAddress(a.address));
    if (allowed.length === 0 && isIP(host) !== 0)
      throw new StreamError('not-allowed', `${host} may not be reached`);
    if (allowed.length === 0) throw unresolvable(host);
    let firstError: StreamError | undefined;
    const tries = allowed.slice(0, opts.maxAddressesTried ?? EGRESS_DIAL_DEFAULTS.maxAddressesTried);
    const end = started + opts.connectTimeoutMs;
    for (const [i, a] of tries.entries()) {
      const share = Math.ceil((end - Date.now()) / (tries.length - i));
      // A timer of our own, not AbortSignal.any over AbortSignal.timeout (src/shared/deadline.ts).
      const attempt = deadline(
        Math.max(1, share),
        abort.signal,
        () => new StreamError('timeout', `no connection to ${a.address}:${port} in its ${share} ms`),
      );
      try {
        return await connectTo(a.address, port, attempt.signal);
      } catch (err) {
        if (abort.signal.aborted) throw abort.signal.reason;
        firstError ??= attempt.signal.aborted ? (attempt.signal.reason as StreamError) : toStreamError(err);
      } finally {
        attempt.clear();
      }
    }
    throw firstError ?? new StreamError('general');
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

async function resolve(
  host: string,
  lookup: LookupAll,
  signal: AbortSignal,
): Promise<readonly LookupAddress[]> {
  const family = isIP(host);
  if (family !== 0) return [{ address: host, family }];
  if (signal.aborted) throw signal.reason;
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    // The lookup is told of the abort itself (and cancels its queries); the race returns at once anyway.
    const addresses = await Promise.race([
      lookup(host, signal).catch((err: unknown) => {
        if (signal.aborted) throw signal.reason;
        if (err instanceof StreamError && err.reason !== 'dns-failed') throw err;
        throw unresolvable(host);
      }),
      aborted,
    ]);
    if (addresses.length === 0) throw unresolvable(host);
    return addresses;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** One error, word for word, for a name that does not resolve and one whose every address is refused. */
function unresolvable(host: string): StreamError {
  return new StreamError('dns-failed', `cannot resolve ${host}`);
}

function connectTo(address: string, port: number, signal: AbortSignal): Promise<Socket> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, noDelay: true, allowHalfOpen: true });
    const onAbort = () => {
      socket.destroy();
      reject(signal.reason);
    };
    const onError = (err: Error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

const ERRNO_REASONS: Readonly<Record<string, StreamError['reason']>> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'refused',
  EHOSTUNREACH: 'host-unreachable',
  EHOSTDOWN: 'host-unreachable',
  ENETUNREACH: 'net-unreachable',
  ENETDOWN: 'net-unreachable',
  EADDRNOTAVAIL: 'net-unreachable',
  ETIMEDOUT: 'timeout',
  EACCES: 'not-allowed',
  EPERM: 'not-allowed',
};

function toStreamError(err: unknown): StreamError {
  if (err instanceof StreamError) return err;
  const code = errorCode(err);
  const reason = code === undefined ? undefined : ERRNO_REASONS[code];
  return new StreamError(reason ?? 'general', err instanceof Error ? err.message : String(err));
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}
