/**
 * Which source a WebSocket counts against (session-v1 §2.1): the volunteer's address, or with
 * `trustedProxies` the client address a reverse proxy forwarded (only on connections from `proxyAddresses`,
 * when given), keyed as the broker keys its sources
 * (signaling-v1 §1): an IPv4 address or an IPv6 /64. Only an HMAC under a per-process random key is kept, so
 * the egress's tables hold no volunteer's address.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type AddressSet, clientAddress, sourcePrefix } from '../shared/ip.js';

export class SourceKeys {
  readonly #key = randomBytes(32);

  /** `proxies`: where the trusted proxies connect from; X-Forwarded-For is read only on their connections. */
  constructor(
    private readonly trustedProxies: number,
    private readonly proxies?: AddressSet,
  ) {}

  /** The source key of an upgrade request. */
  of(req: IncomingMessage): string {
    const address = clientAddress(
      req.headers['x-forwarded-for'],
      req.socket.remoteAddress ?? '',
      this.trustedProxies,
      this.proxies,
    );
    return this.key(address);
  }

  /** The source key of an address. */
  key(address: string): string {
    return createHmac('sha256', this.#key).update(sourcePrefix(address)).digest('base64url').slice(0, 22);
  }
}
