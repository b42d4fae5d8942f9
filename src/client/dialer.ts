import type { Duplex } from 'node:stream';

/**
 * What the local front ends (SOCKS5, HTTP proxy) need from the tunnel: a byte stream to `host:port`.
 * The host is a DNS name, a dotted IPv4 address, or an IPv6 address without brackets (session-v1 §4, OPEN).
 */
export interface Dialer {
  /**
   * Opens a stream to `host:port` through the tunnel. Ending the stream's writable side half-closes it
   * (session-v1 §4.1, END); destroying it resets the stream.
   * Rejects with a StreamError (src/shared/errors.ts) whose `reason` maps to a SOCKS reply and an HTTP
   * status, or with a NoPathError when no tunnel exists. Never connects directly.
   * An aborted `signal` gives up the open; the promise then rejects.
   */
  open(host: string, port: number, signal?: AbortSignal): Promise<Duplex>;
}
