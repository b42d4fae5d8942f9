/**
 * Which source a WebSocket counts against (session-v1 §2.1): the volunteer's address, or with
 * `trustedProxies` the client address a reverse proxy forwarded, keyed as the broker keys its sources
 * (signaling-v1 §1): an IPv4 address or an IPv6 /64. Only an HMAC under a per-process random key is kept, so
 * the egress's tables hold no volunteer's address.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { clientAddress, sourcePrefix } from '../broker/client-address.js';

export class SourceKeys {
  readonly #key = randomBytes(32);

  constructor(private readonly trustedProxies: number) {}

  /** The source key of an upgrade request. */
  of(req: IncomingMessage): string {
    const address = clientAddress(
      req.headers['x-forwarded-for'],
      req.socket.remoteAddress ?? '',
      this.trustedProxies,
    );
    return this.key(address);
  }

  /** The source key of an address. */
  key(address: string): string {
    return createHmac('sha256', this.#key).update(sourcePrefix(address)).digest('base64url').slice(0, 22);
  }
}
