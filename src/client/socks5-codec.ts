import { hostProblem } from './destination.js';

/**
 * SOCKS version 5 messages (RFC 1928), parsed from a buffer that may hold only part of a message.
 * Only what the local proxy needs: the method greeting (§3), the request (§4) and the reply (§6).
 */

export const SOCKS_VERSION = 0x05;
/** RFC 1928 §3: METHOD values. */
export const METHOD_NO_AUTH = 0x00;
export const METHOD_NONE_ACCEPTABLE = 0xff;
/** RFC 1928 §4: CMD values. */
export const CMD_CONNECT = 0x01;
/** RFC 1928 §5: ATYP values. */
export const ATYP_IPV4 = 0x01;
export const ATYP_DOMAIN = 0x03;
export const ATYP_IPV6 = 0x04;
/** RFC 1928 §6: REP values used here besides the ones a StreamError maps to. */
export const REPLY_SUCCEEDED = 0x00;
export const REPLY_GENERAL_FAILURE = 0x01;
export const REPLY_NOT_ALLOWED = 0x02;
export const REPLY_HOST_UNREACHABLE = 0x04;
export const REPLY_COMMAND_NOT_SUPPORTED = 0x07;
export const REPLY_ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

/** Not enough bytes yet, a message that can never become valid, or a parsed message of `length` bytes. */
export type Parsed<T> =
  | { kind: 'incomplete' }
  | { kind: 'invalid'; why: string }
  | ({ kind: 'ok'; length: number } & T);

/**
 * Greeting, RFC 1928 §3:
 * | VER 1 | NMETHODS 1 | METHODS NMETHODS |
 */
export function parseGreeting(buf: Uint8Array): Parsed<{ noAuth: boolean }> {
  if (buf.length < 1) return { kind: 'incomplete' };
  if (buf[0] !== SOCKS_VERSION) return { kind: 'invalid', why: `version ${buf[0]} is not SOCKS5` };
  if (buf.length < 2) return { kind: 'incomplete' };
  const length = 2 + buf[1]!;
  if (buf.length < length) return { kind: 'incomplete' };
  return { kind: 'ok', length, noAuth: buf.subarray(2, length).includes(METHOD_NO_AUTH) };
}

/** A CONNECT destination, or a request we do not serve: answer with reply code `refuse`, then close. */
export type SocksRequest = { host: string; port: number } | { refuse: number };

/**
 * Request, RFC 1928 §4 (addresses §5):
 * | VER 1 | CMD 1 | RSV 1 | ATYP 1 | DST.ADDR variable | DST.PORT 2 |
 * DST.ADDR is 4 bytes (IPv4), 1 length byte + name (domain), or 16 bytes (IPv6).
 */
export function parseRequest(buf: Uint8Array): Parsed<{ request: SocksRequest }> {
  if (buf.length < 1) return { kind: 'incomplete' };
  if (buf[0] !== SOCKS_VERSION) return { kind: 'invalid', why: `version ${buf[0]} is not SOCKS5` };
  if (buf.length < 4) return { kind: 'incomplete' };
  const command = buf[1]!;
  const atyp = buf[3]!;
  let addrStart = 4;
  let addrLength: number;
  if (atyp === ATYP_IPV4) addrLength = 4;
  else if (atyp === ATYP_IPV6) addrLength = 16;
  else if (atyp === ATYP_DOMAIN) {
    if (buf.length < 5) return { kind: 'incomplete' };
    addrStart = 5;
    addrLength = buf[4]!;
  } else return { kind: 'ok', length: 4, request: { refuse: REPLY_ADDRESS_TYPE_NOT_SUPPORTED } };
  const length = addrStart + addrLength + 2;
  if (buf.length < length) return { kind: 'incomplete' };
  const addr = buf.subarray(addrStart, addrStart + addrLength);
  const port = (buf[length - 2]! << 8) | buf[length - 1]!;
  if (command !== CMD_CONNECT)
    return { kind: 'ok', length, request: { refuse: REPLY_COMMAND_NOT_SUPPORTED } };
  const host =
    atyp === ATYP_IPV4 ? addr.join('.') : atyp === ATYP_IPV6 ? formatIPv6(addr) : decodeDomain(addr);
  if (host === undefined) return { kind: 'ok', length, request: { refuse: REPLY_HOST_UNREACHABLE } };
  if (port === 0) return { kind: 'ok', length, request: { refuse: REPLY_NOT_ALLOWED } };
  return { kind: 'ok', length, request: { host, port } };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A domain name as the session's OPEN frame carries it (src/client/destination.ts), or undefined if unusable. */
function decodeDomain(bytes: Uint8Array): string | undefined {
  let name: string;
  try {
    name = utf8.decode(bytes);
  } catch {
    return undefined;
  }
  return hostProblem(name) === undefined ? name : undefined;
}

/** RFC 5952 text of a 16-byte IPv6 address: lower-case hex, longest run of zero groups (>= 2) as `::`. */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Reply, RFC 1928 §6, with BND.ADDR 0.0.0.0 and BND.PORT 0 (the bound address means nothing here). */
export function encodeReply(reply: number): Buffer {
  return Buffer.from([SOCKS_VERSION, reply, 0x00, ATYP_IPV4, 0, 0, 0, 0, 0, 0]);
}
