/**
 * Name resolution for the egress's destinations (docs/security.md, "Egress destinations"). `dns.lookup` is
 * getaddrinfo on libuv's thread pool (4 threads, shared with file and crypto work) and cannot be cancelled,
 * so four slow names from one client stalled every user of the egress. This asks DNS directly through
 * c-ares (`node:dns` Resolver): queries are sockets on the event loop, each lookup has its own Resolver so
 * that it can be cancelled when its dial gives up, and at most `maxConcurrentResolutions` run at once.
 *
 * What that means for names: the servers are the system's (/etc/resolv.conf) unless `servers` names
 * others; /etc/hosts is not read (the egress host's own names are no business of strangers, and its entries
 * usually point at private addresses the policy refuses anyway); search domains are not applied, so a
 * client cannot reach `db` as `db.corp.internal`; `localhost` and `*.localhost` are loopback without asking
 * anyone (RFC 6761 §6.3), and the policy then refuses them unless private addresses are allowed.
 */
import type { LookupAddress } from 'node:dns';
import { Resolver } from 'node:dns';
import { StreamError } from '../shared/errors.js';

/** Resolves a name to its addresses; rejects StreamError 'dns-failed' or 'busy', or `signal`'s reason. */
export type LookupAll = (hostname: string, signal: AbortSignal) => Promise<readonly LookupAddress[]>;

export interface ResolverOptions {
  /** Lookups in flight at once; one more is refused `busy` at once. */
  maxConcurrentResolutions: number;
  /** One lookup (both A and AAAA) must finish within, ms. */
  resolveTimeoutMs: number;
  /** DNS servers (`ip` or `ip:port`). @default the system's, from /etc/resolv.conf */
  servers?: readonly string[];
}

const LOOPBACK: readonly LookupAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

export class DnsResolver {
  readonly #opts: ResolverOptions;
  #active = 0;

  /** Throws a TypeError when a server is not an IP address (with an optional port). */
  constructor(opts: ResolverOptions) {
    this.#opts = opts;
    if (opts.servers !== undefined) new Resolver().setServers([...opts.servers]);
  }

  /** Lookups in flight now. */
  get active(): number {
    return this.#active;
  }

  readonly lookup: LookupAll = async (hostname, signal) => {
    signal.throwIfAborted();
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (name === 'localhost' || name.endsWith('.localhost')) return LOOPBACK;
    if (this.#active >= this.#opts.maxConcurrentResolutions) {
      throw new StreamError('busy', `${this.#active} name lookups already in flight`);
    }
    this.#active++;
    // c-ares doubles its timeout per try: T + 2T = the budget; the timer below is the hard bound.
    const timeout = Math.max(1, Math.floor(this.#opts.resolveTimeoutMs / 3));
    const resolver = new Resolver({ timeout, tries: 2 });
    if (this.#opts.servers !== undefined) resolver.setServers([...this.#opts.servers]);
    const stop = (): void => resolver.cancel();
    const timer = setTimeout(stop, this.#opts.resolveTimeoutMs);
    signal.addEventListener('abort', stop, { once: true });
    try {
      const [v4, v6] = await Promise.allSettled([
        ask(resolver, 'resolve4', name),
        ask(resolver, 'resolve6', name),
      ]);
      signal.throwIfAborted();
      const found = interleave(
        v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 })) : [],
        v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 })) : [],
      );
      if (found.length > 0) return found;
      const why = v4.status === 'rejected' ? errorCode(v4.reason) : 'no address';
      throw new StreamError('dns-failed', `cannot resolve ${hostname}: ${why}`);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
      this.#active--;
    }
  };
}

function ask(resolver: Resolver, method: 'resolve4' | 'resolve6', name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    resolver[method](name, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });
}

/** IPv4 first, then alternating, so a host without a working IPv6 route still tries IPv4 early. */
function interleave(v4: LookupAddress[], v6: LookupAddress[]): LookupAddress[] {
  const out: LookupAddress[] = [];
  for (let i = 0; i < Math.max(v4.length, v6.length); i++) {
    if (i < v4.length) out.push(v4[i]!);
    if (i < v6.length) out.push(v6[i]!);
  }
  return out;
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return String(err);
}
