/**
 * What the local proxies accept as a destination, checked before a stream is opened (issue 9, finding 2):
 * anything else is answered at once (SOCKS5 reply 0x04, HTTP 400) and never reaches the session, whose OPEN
 * frame carries 1 to 255 bytes of host (session-v1 §4.1).
 */
import { isIP } from 'node:net';

/** session-v1 §4.1: an OPEN's host is 1 to 255 bytes of UTF-8. */
export const MAX_HOST_BYTES = 255;
/** RFC 1035 §2.3.4: a label is at most 63 octets. */
export const MAX_LABEL_BYTES = 63;

/**
 * A label: ASCII letters, digits, `-` and `_` (service names, some CDNs' hosts), or non-ASCII letters,
 * digits and marks (an internationalized name the app did not turn into punycode; the egress's resolver
 * does). No control bytes, spaces, bidi controls, `/`, `\\`, `%`, `@`, `:` and the like, which no host name holds.
 */
const LABEL = /^[A-Za-z0-9_\-\p{L}\p{N}\p{M}]+$/u;

/** Why `host` cannot be a destination, or undefined when it can: a name, dotted IPv4, or IPv6 (no brackets). */
export function hostProblem(host: string): string | undefined {
  const bytes = Buffer.byteLength(host, 'utf8');
  if (bytes < 1 || bytes > MAX_HOST_BYTES) return `a host must be 1 to ${MAX_HOST_BYTES} bytes, not ${bytes}`;
  if (isIP(host) !== 0) return undefined;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name === '') return 'the host has no name';
  for (const label of name.split('.')) {
    if (label === '') return 'the host has an empty label';
    if (Buffer.byteLength(label, 'utf8') > MAX_LABEL_BYTES)
      return `a label of the host is longer than ${MAX_LABEL_BYTES} bytes`;
    if (!LABEL.test(label)) return 'the host holds a character no host name has';
  }
  return undefined;
}

/** Why `port` cannot be a destination port, or undefined when it can (1..65535). */
export function portProblem(port: number): string | undefined {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : 'port must be 1..65535';
}
